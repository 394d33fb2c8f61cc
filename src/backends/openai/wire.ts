// The OpenAI API's replies as this backend reads them, checked with zod: only the fields it uses, with
// the vLLM extensions it asks for (`token_ids`, `prompt_logprobs`). A reply of another shape is a
// BackendError naming the endpoint and the field, never a TypeError further on.
import { z } from 'zod';
import type { JsonHttp } from '../http/index.js';

const finishReason = z.string().nullish();

/** GET /v1/models: `root`, `parent` and `max_model_len` are vLLM's; `tokenizer_id` is bct serve's. */
export const modelList = z.object({
  data: z.array(
    z.object({
      id: z.string(),
      root: z.string().nullish(),
      parent: z.string().nullish(),
      max_model_len: z.number().int().positive().nullish(),
      tokenizer_id: z.string().nullish(),
    }),
  ),
});
export type ModelCard = z.infer<typeof modelList>['data'][number];

/** vLLM's prompt_logprobs entry: `{"<token_id>": {logprob, ...}}` per position, null for the first. */
const promptLogprobs = z.array(z.record(z.string(), z.object({ logprob: z.number() }).passthrough()).nullable());

export const completion = z.object({
  choices: z
    .array(
      z.object({
        text: z.string().nullish(),
        finish_reason: finishReason,
        token_ids: z.array(z.number().int()).nullish(),
        logprobs: z.object({ token_logprobs: z.array(z.number().nullable()) }).passthrough().nullish(),
        prompt_logprobs: promptLogprobs.nullish(),
      }),
    )
    .min(1),
});

const topLogprob = z.object({ token: z.string(), logprob: z.number() });

export const chatCompletion = z.object({
  choices: z
    .array(
      z.object({
        message: z.object({ content: z.string().nullish() }).passthrough(),
        finish_reason: finishReason,
        logprobs: z.object({ content: z.array(topLogprob.extend({ top_logprobs: z.array(topLogprob) })).nullish() }).nullish(),
      }),
    )
    .min(1),
  usage: z.object({ prompt_tokens: z.number().int().min(0), completion_tokens: z.number().int().min(0) }).nullish(),
});

/** `reply` read with `schema`; a mismatch is a BackendError `<service> <endpoint>: unexpected reply: …`. */
export function readReply<T>(http: JsonHttp, schema: z.ZodType<T>, reply: unknown, endpoint: string): T {
  const r = schema.safeParse(reply);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const path = issue.path.map(String).join('.');
  throw http.error(endpoint, `unexpected reply: ${path === '' ? '(body)' : path}: ${issue.message}`, false);
}
