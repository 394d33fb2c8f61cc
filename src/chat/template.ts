// A Renderer built from a chat template's pieces, the way tinker-cookbook's renderers/base.py builds
// generation prompts and supervised examples: a conversation is the begin-of-sequence tokens, then each
// message as a header (role markers, never trained) and an output (content and end-of-turn), then, for
// a prompt, the template's generation suffix.
//
// A supervised example trains the last message only (the cookbook's default, "last assistant
// message"): weight 1 on its output, 0 elsewhere. Where the rendered example starts with exactly the
// tokens renderPrompt gives for the conversation before it, that whole prompt gets weight 0, so
// nothing the prompt already supplies (Qwen3's closed think block when thinking is off) is trained.
import { DataError } from '../errors.js';
import type { ChatMessage, Datum, Renderer } from '../domain/index.js';

const ROLES: ReadonlySet<string> = new Set(['system', 'user', 'assistant']);

/** Where a message sits in the conversation being rendered. */
export interface TurnContext {
  /** Index of the message (for the generation suffix: the number of messages before it). */
  index: number;
  /** True for the last message of what is rendered, and for the generation suffix. */
  isLast: boolean;
  /** Index of the last user message, -1 when there is none. */
  lastUserIndex: number;
  /** Field path of the message, for errors. */
  where: string;
}

export interface RenderedTurn {
  header: number[];
  output: number[];
}

/** What a model family's chat template decides; templateRenderer does the rest. */
export interface ChatTemplate {
  /** Tokens before the first message (Llama 3's `<|begin_of_text|>`); may be empty. */
  readonly bos: readonly number[];
  /** Stop tokens: end-of-turn first, then end-of-text. */
  readonly stopTokens: readonly number[];
  /** True when the generation suffix supplies part of the answer's framing (a closed think block):
   *  then an example that does not start with its prompt would teach framing the model is never given,
   *  so it is a DataError instead of a quietly different example. */
  readonly promptSuppliesFraming: boolean;
  renderTurn(message: ChatMessage, ctx: TurnContext): RenderedTurn;
  generationSuffix(ctx: TurnContext): number[];
  /** The visible answer in the text of answer tokens (already cut before the first stop token). */
  answerText(tokens: readonly number[]): string;
}

export function templateRenderer(template: ChatTemplate, contextLength: number): Renderer {
  const renderPrompt = (messages: readonly ChatMessage[]): number[] => {
    const lastUserIndex = checkMessages(messages, 'messages');
    const turns = messages.map((m, i) => template.renderTurn(m, { index: i, isLast: i === messages.length - 1, lastUserIndex, where: `messages[${i}]` }));
    const suffix = template.generationSuffix({ index: messages.length, isLast: true, lastUserIndex, where: 'messages' });
    // flat(), not push(...): a long message would pass more arguments than a call takes.
    return [template.bos, ...turns.flatMap((t) => [t.header, t.output]), suffix].flat();
  };

  const renderSupervised = (messages: readonly ChatMessage[], completion: string): Datum => {
    if (typeof completion !== 'string') throw new DataError(`expected a string, got ${typeof completion}`, 'completion');
    const prompt = renderPrompt(messages);
    const all = [...messages, { role: 'assistant' as const, content: completion }];
    const lastUserIndex = checkMessages(all, 'messages');
    const chunks: { tokens: readonly number[]; weight: number }[] = [{ tokens: template.bos, weight: 0 }];
    all.forEach((m, i) => {
      const last = i === all.length - 1;
      const turn = template.renderTurn(m, { index: i, isLast: last, lastUserIndex, where: last ? 'completion' : `messages[${i}]` });
      chunks.push({ tokens: turn.header, weight: 0 }, { tokens: turn.output, weight: last ? 1 : 0 });
    });
    const tokens = chunks.flatMap((c) => c.tokens);
    const weights = chunks.flatMap((c) => c.tokens.map(() => c.weight));
    if (startsWith(tokens, prompt)) weights.fill(0, 0, prompt.length);
    else if (template.promptSuppliesFraming) {
      throw new DataError(
        'the example does not start with the tokens of its prompt, which supplies part of the answer (a closed think block); an answer that starts with whitespace merging into that block, or that follows another assistant message, cannot be trained on this renderer',
        'completion',
      );
    }
    if (tokens.length > contextLength) {
      throw new DataError(
        `prompt and completion are ${tokens.length} tokens (${weights.filter((w) => w > 0).length} of them trained); the context length is ${contextLength}`,
        'completion',
      );
    }
    return { tokens, weights };
  };

  const decode = (tokens: readonly number[]): string => {
    const stops = new Set(template.stopTokens);
    const end = tokens.findIndex((t) => stops.has(t));
    return template.answerText(end < 0 ? tokens : tokens.slice(0, end));
  };

  return { renderPrompt, renderSupervised, decode, contextLength, stopTokens: template.stopTokens };
}

/** Checks roles and contents; returns the index of the last user message (-1 if none). */
function checkMessages(messages: readonly ChatMessage[], where: string): number {
  if (!Array.isArray(messages)) throw new DataError('expected an array of chat messages', where);
  let lastUser = -1;
  messages.forEach((m, i) => {
    const role: unknown = m?.role;
    if (typeof role !== 'string' || !ROLES.has(role)) {
      throw new DataError(`expected system, user or assistant, got ${JSON.stringify(role)}`, `${where}[${i}].role`);
    }
    if (typeof m.content !== 'string') throw new DataError(`expected a string, got ${typeof m.content}`, `${where}[${i}].content`);
    if (role === 'user') lastUser = i;
  });
  return lastUser;
}

function startsWith(tokens: readonly number[], prefix: readonly number[]): boolean {
  return prefix.length <= tokens.length && prefix.every((t, i) => tokens[i] === t);
}
