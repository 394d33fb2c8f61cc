// Parsing the request target (`req.url`) without ever throwing anything but an HttpError(400). Node hands
// the raw target over as text: `new URL('//a:99999/', base)` reads it as a host and port and throws, so a
// server that builds URLs from it can be crashed by `GET //a:99999/`. Here a target is either origin-form
// (`/path?query`) or absolute-form (`http://host/path`, RFC 9112 §3.2.2, whose authority the Host check
// then covers too); every path segment is percent-decoded once and must be a plain name: no empty
// segments (`//`), no `.`/`..`, no encoded `/` or `\`, no control characters.
import { HttpError, quoteShort } from './http-error.js';

export interface RequestTarget {
  /** Decoded path segments: `/api/v1/healthz` → ['api', 'v1', 'healthz']; `/` → []. */
  segments: string[];
  /** `'/' + segments.join('/')`. */
  pathname: string;
  query: URLSearchParams;
  /** `host[:port]` of an absolute-form target, lower-cased; null for origin-form. */
  authority: string | null;
}

/** Longest request target accepted (Node's header limit bounds it too). */
export const MAX_TARGET_LENGTH = 8192;

const VISIBLE_ASCII = /^[\x21-\x7e]*$/;

export function parseRequestTarget(raw: string | undefined): RequestTarget {
  if (raw === undefined || raw === '') throw new HttpError(400, 'empty request target');
  if (raw.length > MAX_TARGET_LENGTH) throw new HttpError(414, `request target of ${raw.length} characters; at most ${MAX_TARGET_LENGTH}`);
  if (!VISIBLE_ASCII.test(raw)) throw new HttpError(400, 'request target contains spaces, control or non-ASCII characters');
  let pathAndQuery = raw;
  let authority: string | null = null;
  if (/^https?:\/\//i.test(raw)) {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new HttpError(400, `malformed absolute request target ${quoteShort(raw)}`);
    }
    authority = url.host.toLowerCase();
    // The path part as sent (URL would resolve dot segments away), from the first '/' after the authority.
    const afterScheme = raw.slice(raw.indexOf('//') + 2);
    const slash = afterScheme.search(/[/?]/);
    pathAndQuery = slash < 0 ? '/' : afterScheme.slice(slash);
    if (!pathAndQuery.startsWith('/')) pathAndQuery = `/${pathAndQuery}`;
  } else if (!raw.startsWith('/')) {
    throw new HttpError(400, `request target ${quoteShort(raw)} must start with "/"`);
  }
  if (pathAndQuery.includes('#')) throw new HttpError(400, 'request target contains a fragment ("#")');
  const q = pathAndQuery.indexOf('?');
  const rawPath = q < 0 ? pathAndQuery : pathAndQuery.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : pathAndQuery.slice(q + 1));
  const segments = rawPath === '/' ? [] : rawPath.slice(1).split('/').map(decodeSegment);
  return { segments, pathname: `/${segments.join('/')}`, query, authority };
}

function decodeSegment(raw: string): string {
  if (raw === '') throw new HttpError(400, 'request path has an empty segment ("//" or a trailing "/")');
  let s: string;
  try {
    s = decodeURIComponent(raw);
  } catch {
    throw new HttpError(400, `request path segment ${quoteShort(raw)} has malformed percent-encoding`);
  }
  if (s === '.' || s === '..') throw new HttpError(400, 'request path has a "." or ".." segment');
  if (/[/\\\x00-\x1f\x7f]/.test(s)) throw new HttpError(400, `request path segment ${quoteShort(raw)} decodes to "/", "\\" or a control character`);
  return s;
}
