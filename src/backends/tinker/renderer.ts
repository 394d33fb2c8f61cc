// The chat renderer of a model served over the Tinker API, chosen from the tokenizer id the server
// reports (get_info) or, failing that, the base model's name, through src/chat's table.
import { createRenderer, MAX_CONTEXT_LENGTH, RENDERER_NAMES, rendererNameFor } from '../../chat/index.js';
import { ConfigError } from '../../errors.js';
import type { Renderer } from '../types.js';

/** The renderer for `model` (whose tokenizer is `tokenizerId`). `contextLength` is the server's
 *  max_context_length; when the server gives none the renderer bounds nothing and the server's own limit
 *  applies. An id src/chat does not know is a ConfigError naming the model and the renderers there are. */
export function rendererFor(model: string, tokenizerId: string, contextLength: number | undefined): Renderer {
  const name = rendererNameFor(tokenizerId) ?? rendererNameFor(model);
  if (name === undefined) {
    const tok = tokenizerId === model ? '' : ` (tokenizer "${tokenizerId}")`;
    throw new ConfigError(`no chat renderer for model "${model}"${tok}; bctlab has renderers ${RENDERER_NAMES.join(', ')} for the model ids listed in src/chat/model-names.ts`, 'organism.base');
  }
  return createRenderer(name, { contextLength: Math.min(contextLength ?? MAX_CONTEXT_LENGTH, MAX_CONTEXT_LENGTH) });
}

/** Whether src/chat has a renderer for this model or tokenizer id. */
export function hasRenderer(id: string): boolean {
  return rendererNameFor(id) !== undefined;
}
