// POST /v1/completions and POST /v1/chat/completions: each request is checked whole (a refused one runs
// nothing), run as one operation of the engine's queue, and answered in the OpenAI reply shapes, with
// vLLM's extensions where asked (`prompt_logprobs`, `token_ids`, `prompt_token_ids`).
import { randomBytes } from 'node:crypto';
import type { ChatMessage } from '../domain/index.js';
import type { ServeLimits } from './config.js';
import { resolveModel, type ModelText, type ModelTexts } from './openai-models.js';
import {
  checkSampleJob,
  queued,
  runSampleJob,
  seedOf,
  stopStrings,
  stopTokenIds,
  topK,
  type PositionLogprobs,
  type SampleJob,
  type SampleOutcome,
} from './openai-sampling.js';
import { chatRequest, completionRequest, OpenAiError, parseRequest, refuseUnsupported, type ChatRequest, type CompletionRequest } from './openai-wire.js';
import type { Serve } from './training.js';

/** OpenAI's default max_tokens of a completion. */
const DEFAULT_COMPLETION_TOKENS = 16;

const replyId = (prefix: string): string => `${prefix}-${randomBytes(12).toString('hex')}`;
const now = (): number => Math.floor(Date.now() / 1000);

function usage(o: SampleOutcome): Record<string, number> {
  return { prompt_tokens: o.promptTokens, completion_tokens: o.completionTokens, total_tokens: o.promptTokens + o.completionTokens };
}

/** vLLM's prompt_logprobs: `[null, {"<id>": {logprob, rank, decoded_token}}, …]`, each position keyed by
 *  the actual token and its top-k alternatives. */
function vllmPromptLogprobs(row: (PositionLogprobs | null)[], text: ModelText): unknown[] {
  return row.map((p) => {
    if (p === null) return null;
    const entry: Record<string, unknown> = { [String(p.id)]: { logprob: p.logprob, rank: p.rank, decoded_token: text.token(p.id) } };
    p.top.forEach((a, i) => {
      if (a.id !== p.id) entry[String(a.id)] = { logprob: a.logprob, rank: i + 1, decoded_token: text.token(a.id) };
    });
    return entry;
  });
}

/** Token ids of a completion prompt: ids as given, or text through the model's word vocabulary. */
function completionPrompts(prompt: CompletionRequest['prompt'], text: ModelText, model: string): number[][] {
  const list: (string | number[])[] = typeof prompt === 'string' ? [prompt] : typeof prompt[0] === 'number' ? [prompt as number[]] : (prompt as (string | number[])[]);
  return list.map((p) => {
    if (typeof p !== 'string') return p;
    if (text.encode === null) throw new OpenAiError(400, `completions: prompt: ${model} has no text encoder on this server; send token ids`, 'prompt');
    return text.encode(p);
  });
}

export async function completions(s: Serve, limits: ServeLimits, texts: ModelTexts, body: unknown): Promise<unknown> {
  const what = 'completions';
  const b = parseRequest(completionRequest, body, what);
  refuseUnsupported(b, what);
  if (b.suffix != null && b.suffix !== '') throw new OpenAiError(400, `${what}: suffix is not supported`, 'suffix');
  const n = b.n ?? 1;
  if (b.best_of != null && b.best_of !== n) throw new OpenAiError(400, `${what}: best_of ${b.best_of} is not supported; send best_of equal to n or none`, 'best_of');
  const src = resolveModel(s, b.model);
  const text = texts.of(src.base);
  const prompts = completionPrompts(b.prompt, text, b.model);
  const maxTokens = b.max_tokens ?? DEFAULT_COMPLETION_TOKENS;
  if (maxTokens === 0 && b.echo !== true) throw new OpenAiError(400, `${what}: max_tokens 0 scores the prompt only, which needs echo: true`, 'max_tokens');
  const logprobsK = topK(b.logprobs, 'logprobs', limits, what);
  // With echo, log-probs of the prompt come with those of the answer (vLLM sets prompt_logprobs = logprobs).
  const promptK = topK(b.prompt_logprobs, 'prompt_logprobs', limits, what) ?? (b.echo === true ? logprobsK : null);
  const job: SampleJob = {
    prompts,
    n,
    maxTokens,
    temperature: b.temperature ?? 1,
    topP: b.top_p ?? 1,
    seed: seedOf(b.seed),
    stopTokens: [...text.stopTokens, ...stopTokenIds(b.stop_token_ids, limits.maxStopSequences, what)],
    stopStrings: stopStrings(b.stop, limits.maxStopSequences, what),
    generatedTopK: logprobsK,
    promptTopK: promptK,
  };
  checkSampleJob(job, src, limits, what, { prompt: 'prompt', maxTokens: 'max_tokens', generatedTopK: 'logprobs', promptTopK: b.prompt_logprobs != null ? 'prompt_logprobs' : 'logprobs' });
  const out = await queued(s, () => runSampleJob(s, src, text, job));

  const tokenText = (id: number): string => (b.return_tokens_as_token_ids === true ? `token_id:${id}` : text.token(id));
  const choices = out.choices.map((c, index) => {
    const prompt = prompts[c.prompt]!;
    const promptRow = out.promptLogprobs?.[c.prompt] ?? null;
    const echoed = b.echo === true ? prompt.map(text.token).join(text.separator) : '';
    const choice: Record<string, unknown> = {
      index,
      text: echoed !== '' && c.text !== '' ? `${echoed}${text.separator}${c.text}` : `${echoed}${c.text}`,
      logprobs: null,
      finish_reason: c.finishReason,
      stop_reason: null,
    };
    if (c.logprobs !== null) {
      // With echo and logprobs the prompt was scored too (promptK is set), so promptRow is there.
      const positions: (PositionLogprobs | null)[] = [...(b.echo === true ? promptRow! : []), ...c.logprobs];
      const ids = [...(b.echo === true ? prompt : []), ...c.tokens];
      const tokens = ids.map(tokenText);
      let offset = 0;
      const textOffset = tokens.map((t) => {
        const at = offset;
        offset += t.length + text.separator.length;
        return at;
      });
      choice.logprobs = {
        tokens,
        token_logprobs: positions.map((p) => p?.logprob ?? null),
        top_logprobs: positions.map((p) => (p === null ? null : Object.fromEntries([...p.top.map((a) => [tokenText(a.id), a.logprob] as const), [tokenText(p.id), p.logprob]]))),
        text_offset: textOffset,
      };
    }
    if (b.prompt_logprobs != null && promptRow !== null) choice.prompt_logprobs = vllmPromptLogprobs(promptRow, text);
    if (b.return_token_ids === true) {
      choice.token_ids = c.tokens;
      choice.prompt_token_ids = prompt;
    }
    return choice;
  });
  return { id: replyId('cmpl'), object: 'text_completion', created: now(), model: b.model, system_fingerprint: null, choices, usage: usage(out) };
}

/** A message's text: a string, or its text parts joined. */
function messageText(content: ChatRequest['messages'][number]['content']): string {
  return typeof content === 'string' ? content : content.map((p) => p.text).join('');
}

/** One token of a chat reply's logprobs.content. */
function chatToken(text: ModelText, id: number, logprob: number): Record<string, unknown> {
  const token = text.token(id);
  return { token, logprob, bytes: [...Buffer.from(token, 'utf8')] };
}

export async function chatCompletions(s: Serve, limits: ServeLimits, texts: ModelTexts, body: unknown): Promise<unknown> {
  const what = 'chat/completions';
  const b = parseRequest(chatRequest, body, what);
  refuseUnsupported(b, what);
  if (b.echo === true) throw new OpenAiError(400, `${what}: echo is supported on /v1/completions (send the rendered prompt's token ids with echo and logprobs)`, 'echo');
  if (b.tools != null && b.tools.length > 0) throw new OpenAiError(400, `${what}: tools are not supported`, 'tools');
  if (b.response_format != null && b.response_format.type !== 'text') throw new OpenAiError(400, `${what}: response_format ${JSON.stringify(b.response_format.type)} is not supported; only "text"`, 'response_format');
  if (b.top_logprobs != null && b.logprobs !== true) throw new OpenAiError(400, `${what}: top_logprobs needs logprobs: true`, 'top_logprobs');
  const src = resolveModel(s, b.model);
  const text = texts.of(src.base);
  const renderer = text.renderer;
  if (renderer === null) throw new OpenAiError(400, `${what}: ${b.model} has no chat format on this server (tokenizer ${src.base.tokenizerId}); use /v1/completions with token ids`, 'model');
  const messages: ChatMessage[] = b.messages.map((m) => ({ role: m.role === 'developer' ? 'system' : m.role, content: messageText(m.content) }));
  const prompt = renderer.renderPrompt(messages);
  const ctx = src.base.config.contextLength;
  const field = b.max_completion_tokens != null ? 'max_completion_tokens' : 'max_tokens';
  const job: SampleJob = {
    prompts: [prompt],
    n: b.n ?? 1,
    maxTokens: b.max_completion_tokens ?? b.max_tokens ?? Math.max(1, ctx - prompt.length),
    temperature: b.temperature ?? 1,
    topP: b.top_p ?? 1,
    seed: seedOf(b.seed),
    stopTokens: [...renderer.stopTokens, ...stopTokenIds(b.stop_token_ids, limits.maxStopSequences, what)],
    stopStrings: stopStrings(b.stop, limits.maxStopSequences, what),
    generatedTopK: b.logprobs === true ? (topK(b.top_logprobs, 'top_logprobs', limits, what) ?? 0) : null,
    promptTopK: topK(b.prompt_logprobs, 'prompt_logprobs', limits, what),
  };
  checkSampleJob(job, src, limits, what, { prompt: 'messages', maxTokens: field, generatedTopK: 'top_logprobs', promptTopK: 'prompt_logprobs' });
  // The chat text is the renderer's (for qwen3, without the think block), which ModelText.answer is for
  // chat vocabularies and word vocabularies alike.
  const out = await queued(s, () => runSampleJob(s, src, text, job));
  const stop = new Set(renderer.stopTokens);
  const choices = out.choices.map((c, index) => {
    const content = c.tokens.length > 0 && stop.has(c.tokens[c.tokens.length - 1]!) ? c.tokens.slice(0, -1) : c.tokens;
    const choice: Record<string, unknown> = {
      index,
      message: { role: 'assistant', content: c.text, refusal: null, tool_calls: [] },
      logprobs:
        c.logprobs === null
          ? null
          : {
              content: c.logprobs.slice(0, content.length).map((p) => ({ ...chatToken(text, p.id, p.logprob), top_logprobs: p.top.map((a) => chatToken(text, a.id, a.logprob)) })),
              refusal: null,
            },
      finish_reason: c.finishReason,
      stop_reason: null,
    };
    if (b.return_token_ids === true) choice.token_ids = c.tokens;
    return choice;
  });
  const reply: Record<string, unknown> = { id: replyId('chatcmpl'), object: 'chat.completion', created: now(), model: b.model, system_fingerprint: null, choices, usage: usage(out) };
  if (out.promptLogprobs !== null) reply.prompt_logprobs = vllmPromptLogprobs(out.promptLogprobs[0]!, text);
  if (b.return_token_ids === true) reply.prompt_token_ids = prompt;
  return reply;
}
