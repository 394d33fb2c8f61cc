// The OpenAI API under /v1/ (GET /v1/models, POST /v1/completions, POST /v1/chat/completions) and the
// checks every request passes before one runs, in the Tinker surface's order and by the same src/http
// guards: the route exists (404), the token (401), the method (405), the Origin (403), an uncompressed
// JSON body within the byte limit (415, 413, 400). Host and the request target were checked by the
// guarded server before this. Every refusal is answered in OpenAI's error shape, so the official clients
// raise their own error classes (AuthenticationError, NotFoundError, BadRequestError, …).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkJsonContentType, checkOrigin, parseJsonStrict, readBody, sendJson, type RequestTarget } from '../http/index.js';
import type { ServeLimits } from './config.js';
import { chatCompletions, completions } from './openai-endpoints.js';
import { listModels, ModelTexts } from './openai-models.js';
import { OpenAiError, sendOpenAiError } from './openai-wire.js';
import type { Serve } from './training.js';

interface Endpoint {
  method: 'GET' | 'POST';
  run(body: unknown): unknown;
}

export function openaiRouter(s: Serve, limits: ServeLimits, checkToken: (req: IncomingMessage) => void, allowed: () => ReadonlySet<string>, report: (message: string) => void) {
  const texts = new ModelTexts();
  const startedAt = Math.floor(Date.now() / 1000);
  const table: Record<string, Endpoint> = {
    models: { method: 'GET', run: () => listModels(s, startedAt) },
    completions: { method: 'POST', run: (body) => completions(s, limits, texts, body) },
    'chat/completions': { method: 'POST', run: (body) => chatCompletions(s, limits, texts, body) },
  };
  return async (req: IncomingMessage, res: ServerResponse, target: RequestTarget): Promise<void> => {
    try {
      const name = target.segments.slice(1).join('/');
      const ep = Object.hasOwn(table, name) ? table[name] : undefined;
      if (ep === undefined) throw new OpenAiError(404, `no endpoint ${target.pathname}; the OpenAI API here is GET /v1/models, POST /v1/completions and POST /v1/chat/completions`);
      s.state.requests.set(`v1/${name}`, (s.state.requests.get(`v1/${name}`) ?? 0) + 1);
      checkToken(req);
      if (req.method !== ep.method) throw new OpenAiError(405, `${target.pathname} takes ${ep.method}, not ${req.method}`, null, null, { allow: ep.method });
      checkOrigin(req, allowed());
      if (ep.method === 'GET') return sendJson(res, 200, await ep.run(undefined));
      const encoding = req.headers['content-encoding'];
      if (encoding !== undefined && encoding !== 'identity') throw new OpenAiError(415, `Content-Encoding ${JSON.stringify(encoding.slice(0, 40))} is not supported; send an uncompressed JSON body`);
      checkJsonContentType(req);
      const body = parseJsonStrict(await readBody(req, limits.maxBodyBytes));
      sendJson(res, 200, await ep.run(body));
    } catch (e) {
      sendOpenAiError(res, e, (m) => report(`${req.method} ${target.pathname}: ${m}`));
    }
  };
}
