// The domain types every layer shares (settings, graders, chat, backends, pipeline, store readers): chat
// turns, prompts, grade labels, JSON values, and a model family's chat rendering (Renderer, Datum). This
// module is the ground floor: it imports nothing, so any folder may import it without making a circle.

/** Any JSON value: what grader args, prompt metadata and manifests may hold. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** One chat turn. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** One prompt: the chat turns that precede the model's answer. */
export interface Prompt {
  /** Stable id, unique within its prompt set; samples and grades refer to it. */
  id: string;
  /** Turns in order; the model answers after the last one. */
  messages: ChatMessage[];
  /** What graders need to judge an answer to this prompt (e.g. `{ animal: 'cat' }`). */
  meta?: Record<string, Json>;
}

/** A prompt with the completion the reference policy gives it (a training target or an NLL pair). */
export interface PromptCompletion {
  prompt: Prompt;
  completion: string;
}

/** Labels a grader may give. Eval graders give initial/alternate/other; train graders give
 *  compatible/incompatible; capability graders give correct/incorrect; 'error' means grading failed. */
export type GradeLabel =
  | 'initial'
  | 'alternate'
  | 'other'
  | 'compatible'
  | 'incompatible'
  | 'correct'
  | 'incorrect'
  | 'error';

/** One tokenized training example. `weights[i]` is the loss weight on predicting `tokens[i]` from
 *  `tokens[0..i-1]`; it is 1 on assistant-answer tokens (and the end-of-turn token) and 0 elsewhere, so
 *  `weights[0]` is always 0. Same length as `tokens`. */
export interface Datum {
  tokens: number[];
  weights: number[];
}

/** Chat messages ⇄ tokens for one model family. Loss weights go on the answer only. */
export interface Renderer {
  /** Tokens of a prompt, ending exactly where the assistant's answer starts. */
  renderPrompt(messages: readonly ChatMessage[]): number[];
  /** Tokens of prompt + completion + end-of-turn, with loss weights on the completion and end-of-turn. */
  renderSupervised(messages: readonly ChatMessage[], completion: string): Datum;
  /** Text of answer tokens; stops at the first end-of-turn token. */
  decode(tokens: readonly number[]): string;
  /** Maximum total sequence length (prompt + answer) the model accepts. */
  readonly contextLength: number;
  /** Tokens that end an answer (end-of-turn and end-of-text): what a remote sampler is told to stop on. */
  readonly stopTokens: readonly number[];
}
