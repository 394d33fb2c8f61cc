// The OpenAI API's request bodies as `bct serve` takes them (`/v1/completions`, `/v1/chat/completions`,
// with vLLM's extensions `prompt_logprobs`, `stop_token_ids`, `return_token_ids` and
// `return_tokens_as_token_ids`), checked with zod, and its error replies. Unknown fields are ignored, as
// vLLM ignores them; a value of the wrong type is a 400 whose `param` names the field.
import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import { errorReply, HttpError, sendJson } from '../http/index.js';
import { issuePath } from '../settings/index.js';

/** An HttpError that says which request field is wrong (`param`) and a machine-readable `code`, as
 *  OpenAI's error objects do. */
export class OpenAiError extends HttpError {
  constructor(
    status: number,
    message: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
    headers: Readonly<Record<string, string>> = {},
  ) {
    super(status, message, headers);
  }
}

/** OpenAI's error `type` for a status. */
function errorType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  return status >= 500 ? 'server_error' : 'invalid_request_error';
}

/** Answers a thrown error as `{"error": {"message", "type", "param", "code"}}` (the shape the official
 *  clients read), with the status and headers of src/http's one mapping; a 500 is told to `report`. */
export function sendOpenAiError(res: ServerResponse, e: unknown, report: (message: string) => void): void {
  const r = errorReply(e);
  if (r.internal) report((e as Error)?.message ?? String(e));
  const param = e instanceof OpenAiError ? e.param : null;
  const code = e instanceof OpenAiError ? e.code : null;
  sendJson(res, r.status, { error: { message: r.message, type: errorType(r.status), param, code } }, r.headers);
}

/** Parses `body` with `schema`; the first issue becomes a 400 naming its field as `param`. */
export function parseRequest<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const path = issuePath(issue.path);
  throw new OpenAiError(400, `${what}: ${path === '' ? '(body)' : path}: ${issue.message}`, path === '' ? null : path);
}

const int = z.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER);
const tokenIds = z.array(z.number().int().min(0).max(2 ** 31));
const stop = z.union([z.string(), z.array(z.string())]).nullish();

/** Fields both endpoints share. Bounds that depend on the model (context length, vocabulary) and on the
 *  server's limits are checked where the model is known. */
const sampling = {
  model: z.string().min(1).max(512),
  temperature: z.number().min(0).max(1e3).nullish(), // default 1
  top_p: z.number().gt(0).max(1).nullish(), // default 1
  n: z.number().int().min(1).nullish(), // default 1
  seed: int.nullish(), // choice k uses seed + k; drawn by the server when absent
  stop,
  stop_token_ids: tokenIds.nullish(), // vLLM: generation also ends after one of these
  return_token_ids: z.boolean().nullish(), // vLLM: token_ids (and prompt_token_ids) in the reply
  prompt_logprobs: z.number().int().min(-1).nullish(), // vLLM: 0 = each prompt token's own, k = plus top-k
  stream: z.boolean().nullish(),
  top_k: z.number().int().nullish(),
  presence_penalty: z.number().nullish(),
  frequency_penalty: z.number().nullish(),
  logit_bias: z.record(z.string(), z.number()).nullish(),
  user: z.string().max(256).nullish(),
};

export const completionRequest = z.object({
  ...sampling,
  /** A string, strings, token ids, or lists of token ids: one prompt each. */
  prompt: z.union([z.string(), z.array(z.string()).min(1), tokenIds.min(1), z.array(tokenIds.min(1)).min(1)]),
  max_tokens: z.number().int().min(0).nullish(), // default 16, as OpenAI's and vLLM's; 0 only with echo
  logprobs: z.number().int().min(0).nullish(), // the chosen token's log-prob, plus top-k alternatives when k > 0
  echo: z.boolean().nullish(),
  best_of: z.number().int().min(1).nullish(),
  suffix: z.string().nullish(),
  return_tokens_as_token_ids: z.boolean().nullish(), // vLLM: tokens written "token_id:<id>"
});
export type CompletionRequest = z.infer<typeof completionRequest>;

const textPart = z.object({ type: z.literal('text'), text: z.string() });
const message = z.object({
  role: z.enum(['system', 'developer', 'user', 'assistant']),
  content: z.union([z.string(), z.array(textPart).max(256)]),
  name: z.string().max(256).optional(),
});

export const chatRequest = z.object({
  ...sampling,
  messages: z.array(message).min(1).max(4096),
  max_tokens: z.number().int().min(1).nullish(), // default: the rest of the context
  max_completion_tokens: z.number().int().min(1).nullish(), // the newer name of max_tokens
  logprobs: z.boolean().nullish(),
  top_logprobs: z.number().int().min(0).nullish(), // needs logprobs: true
  echo: z.boolean().nullish(),
  tools: z.array(z.unknown()).nullish(),
  response_format: z.object({ type: z.string() }).passthrough().nullish(),
});
export type ChatRequest = z.infer<typeof chatRequest>;

/** Refuses sampling options this engine does not have, naming the field (a server that silently ignored
 *  them would hand back answers the client did not ask for). */
export function refuseUnsupported(b: z.infer<z.ZodObject<typeof sampling>>, what: string): void {
  const refuse = (param: string, why: string): never => {
    throw new OpenAiError(400, `${what}: ${param}: ${why}`, param);
  };
  if (b.stream === true) refuse('stream', 'streaming is not supported; send stream: false');
  if (b.top_k != null && b.top_k !== -1 && b.top_k !== 0) refuse('top_k', `${b.top_k} is not supported (use top_p); send -1`);
  if ((b.presence_penalty ?? 0) !== 0) refuse('presence_penalty', 'penalties are not supported; send 0');
  if ((b.frequency_penalty ?? 0) !== 0) refuse('frequency_penalty', 'penalties are not supported; send 0');
  if (b.logit_bias != null && Object.keys(b.logit_bias).length > 0) refuse('logit_bias', 'logit_bias is not supported');
}
