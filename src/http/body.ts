// Reading a request body within a byte limit (413 beyond it) and parsing it as strict JSON: valid UTF-8,
// one JSON value, no `__proto__` keys (they would turn into prototypes when a record is copied). Every
// failure is an HttpError whose message names the problem.
import type { IncomingMessage } from 'node:http';
import { HttpError } from './http-error.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The body as bytes; a declared or actual size above `maxBytes` is a 413. The rest of an oversized
 *  body is read and dropped rather than left unread: closing a socket with unread data makes the kernel
 *  send a reset, which can destroy the 413 before the client reads it. */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const tooLarge = (what: string): HttpError => new HttpError(413, `request body ${what}; at most ${maxBytes} bytes`, { connection: 'close' });
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > maxBytes) {
      req.resume();
      reject(tooLarge(`of ${declared} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let n = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      n += chunk.length;
      if (n <= maxBytes) {
        chunks.push(chunk);
        return;
      }
      over = true;
      chunks.length = 0;
      reject(tooLarge(`over ${maxBytes} bytes`));
    });
    req.on('end', () => {
      if (!over) resolve(Buffer.concat(chunks, n));
    });
    const cut = (): void => reject(new HttpError(400, 'the request body could not be read to its end'));
    req.on('error', cut);
    req.on('close', () => {
      if (!req.complete) cut();
    });
  });
}

/** Parses bytes as one JSON value (strict: UTF-8, no `__proto__` keys). */
export function parseJsonStrict(bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new HttpError(400, 'request body is not valid UTF-8');
  }
  if (text.trim() === '') throw new HttpError(400, 'request body is empty; expected a JSON object');
  try {
    return JSON.parse(text, (key, value: unknown) => {
      if (key === '__proto__') throw new HttpError(400, 'request body has a "__proto__" key');
      return value;
    });
  } catch (e) {
    if (e instanceof HttpError) throw e;
    // SyntaxError messages name the token and position ("Unexpected token } in JSON at position 12");
    // RangeError is nesting too deep for the parser.
    throw new HttpError(400, `request body is not valid JSON: ${(e as Error).message}`);
  }
}

/** `Content-Type: application/json` (any charset parameter) is required of a JSON body. */
export function checkJsonContentType(req: IncomingMessage, unsupported?: (type: string) => string | undefined): void {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json') return;
  const why = unsupported?.(type);
  throw new HttpError(415, why ?? `expected Content-Type: application/json, got ${type === '' ? 'none' : JSON.stringify(type.slice(0, 80))}`);
}

/** The body as one JSON value, within `maxBytes`, after the Content-Type check. */
export async function readJson(req: IncomingMessage, maxBytes: number, unsupported?: (type: string) => string | undefined): Promise<unknown> {
  checkJsonContentType(req, unsupported);
  return parseJsonStrict(await readBody(req, maxBytes));
}
