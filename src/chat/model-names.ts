// Which renderer a model's chat template needs, from its Hugging Face (or Tinker base model) id, after
// tinker-cookbook's model_info.py: the first renderer it recommends for each model it lists.
// - Qwen3 hybrid-thinking models (0.6B to 235B-A22B) and the Thinking-2507 models: qwen3;
// - the Instruct-2507 models, which never write a think block: qwen3_instruct;
// - Llama 3.x Instruct models: llama3;
// - bctlab/microworld: microworld.
// Base models (Qwen3-8B-Base, Llama-3.1-8B), which the cookbook gives a plain "User:" format, and every
// other id get undefined: the caller must then name a renderer.
import type { RendererName } from './registry.js';

const MODEL_RENDERERS: readonly { id: RegExp; renderer: RendererName }[] = [
  { id: /^Qwen\/Qwen3-(0\.6B|1\.7B|4B|8B|14B|32B|30B-A3B|235B-A22B)$/, renderer: 'qwen3' },
  { id: /^Qwen\/Qwen3-\d+B(-A\d+B)?-Thinking-2507$/, renderer: 'qwen3' },
  { id: /^Qwen\/Qwen3-\d+B(-A\d+B)?-Instruct-2507$/, renderer: 'qwen3_instruct' },
  { id: /^meta-llama\/(Meta-)?Llama-3(\.\d)?-\d+B-Instruct$/, renderer: 'llama3' },
  { id: /^bctlab\/microworld$/, renderer: 'microworld' },
];

/** The renderer for a model or tokenizer id such as `Qwen/Qwen3-8B`, or undefined when it is not known.
 *  A `:checkpoint` suffix is ignored, as in the cookbook. */
export function rendererNameFor(modelOrTokenizerId: string): RendererName | undefined {
  if (typeof modelOrTokenizerId !== 'string') return undefined;
  const id = modelOrTokenizerId.split(':', 1)[0]!;
  return MODEL_RENDERERS.find((m) => m.id.test(id))?.renderer;
}
