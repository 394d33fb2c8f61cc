// Every renderer bctlab has, by name: one table, so the names, the error for an unknown one and the
// README's list cannot drift apart. Qwen3 and Llama 3 load their vocabulary when the first renderer of
// the family is created, not when this module is imported.
import { ConfigError } from '../errors.js';
import type { Renderer } from '../domain/index.js';
import { Tokenizer } from '../microworld/index.js';
import { llama3Renderer } from './llama3.js';
import { microworldRenderer } from './microworld.js';
import { qwen3Renderer } from './qwen3.js';

/** The chat renderers, named as tinker-cookbook names them (plus bctlab's microworld). */
export type RendererName = 'qwen3' | 'qwen3_disable_thinking' | 'qwen3_instruct' | 'llama3' | 'microworld';

const RENDERERS: { readonly [N in RendererName]: (contextLength: number) => Renderer } = {
  qwen3: (n) => qwen3Renderer('qwen3', n),
  qwen3_disable_thinking: (n) => qwen3Renderer('qwen3_disable_thinking', n),
  qwen3_instruct: (n) => qwen3Renderer('qwen3_instruct', n),
  llama3: (n) => llama3Renderer(n),
  microworld: (n) => microworldRenderer(Tokenizer.microworld(), n),
};

export const RENDERER_NAMES: readonly RendererName[] = Object.keys(RENDERERS) as RendererName[];

/** Longest context a renderer accepts: 1M tokens, above every supported model's. */
export const MAX_CONTEXT_LENGTH = 1 << 20;

export interface RendererOptions {
  contextLength: number; // tokens, prompt + answer; the model's maximum, in [1, MAX_CONTEXT_LENGTH]
}

export function isRendererName(name: string): name is RendererName {
  return Object.hasOwn(RENDERERS, name);
}

/** The renderer `name`; an unknown name or a context length out of range is a ConfigError. */
export function createRenderer(name: RendererName, opts: RendererOptions): Renderer {
  if (typeof name !== 'string' || !isRendererName(name)) {
    throw new ConfigError(`unknown renderer ${JSON.stringify(name)}; expected one of ${RENDERER_NAMES.join(', ')}`, 'renderer');
  }
  const n = opts.contextLength;
  if (!Number.isInteger(n) || n < 1 || n > MAX_CONTEXT_LENGTH) {
    throw new ConfigError(`expected an integer number of tokens in [1, ${MAX_CONTEXT_LENGTH}], got ${JSON.stringify(n)}`, 'contextLength');
  }
  return RENDERERS[name](n);
}
