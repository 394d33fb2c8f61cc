// What a guard or a route answers when a request cannot be served: an HTTP status and a short message
// that names the problem (the header, field or path). It describes a reply, not a failure of bctlab, so
// it stays out of src/errors.ts; library errors reaching a server are mapped in reply.ts.

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Extra response headers (e.g. `allow` on a 405, `www-authenticate` on a 401). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** A value from a request, shortened for an error message (a hostile header may be 16 KB long). */
export function quoteShort(value: string, max = 80): string {
  return JSON.stringify(value.length > max ? `${value.slice(0, max)}…` : value);
}
