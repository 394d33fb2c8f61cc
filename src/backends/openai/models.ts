// Which model a WeightsRef names on an OpenAI-compatible server, and its chat renderer. A LoRA adapter is
// addressed by its model name (vLLM's `--lora-modules name=…`, bct serve's tinker://…/sampler_weights/…
// paths), so the model is `ref.weights` when set, else `ref.base`. GET /v1/models (asked once per backend)
// gives the context length (vLLM's `max_model_len`) and, where the name says nothing, what to choose the
// renderer by: bct serve's `tokenizer_id`, vLLM's `parent` (an adapter's base) and `root` (the weights a
// served name stands for, often the Hugging Face id).
import { createRenderer, MAX_CONTEXT_LENGTH, RENDERER_NAMES, rendererNameFor, type RendererName } from '../../chat/index.js';
import type { Renderer } from '../../domain/index.js';
import { ConfigError } from '../../errors.js';
import type { JsonHttp } from '../http/index.js';
import type { WeightsRef } from '../types.js';
import type { OpenAiConfig } from './config.js';
import { modelList, readReply, type ModelCard } from './wire.js';

export interface ResolvedModel {
  /** What requests send as `model`. */
  model: string;
  /** The renderer, or undefined when none is known (chat mode only: the server renders). */
  renderer: RendererName | undefined;
  /** Tokens the server takes, prompt and answer together (the largest renderers allow when not said). */
  contextLength: number;
}

/** The models a server lists, asked once and again when a model is looked up that the last list did
 *  not have (servers add models while they run: bct serve's new checkpoints, vLLM's loaded adapters). */
export class ModelCatalog {
  private cards: Promise<ModelCard[]> | undefined;

  constructor(private readonly http: JsonHttp) {}

  private list(): Promise<ModelCard[]> {
    this.cards ??= this.http.call('GET', '/models').then(
      (reply) => readReply(this.http, modelList, reply, '/models').data,
      (e: unknown) => {
        this.cards = undefined;
        throw e;
      },
    );
    return this.cards;
  }

  /** The cards of `ids` (undefined for one the server does not list, even after asking again). */
  async find(ids: readonly string[]): Promise<(ModelCard | undefined)[]> {
    let cards = await this.list();
    if (ids.some((id) => !cards.some((c) => c.id === id))) {
      this.cards = undefined;
      cards = await this.list();
    }
    return ids.map((id) => cards.find((c) => c.id === id));
  }
}

/** The model, renderer and context length of `ref`. A model the server does not list is still sent
 *  (servers may load adapters on first use); an adapter listed on another base is a ConfigError. */
export async function resolveModel(catalog: ModelCatalog, config: OpenAiConfig, ref: WeightsRef): Promise<ResolvedModel> {
  if (ref.adapter !== undefined) throw new ConfigError('the openai backend cannot apply a local organism adapter; serve the organism as its own model (or adapter) and name it', 'organism.adapter');
  const model = ref.weights ?? ref.base;
  const [card, baseCard] = await catalog.find([model, ref.base]);
  if (ref.weights !== undefined && card?.parent != null && card.parent !== ref.base) {
    throw new ConfigError(`model "${model}" is served as an adapter on "${card.parent}", not on "${ref.base}"`, 'organism.base');
  }
  const contextLength = Math.min(card?.max_model_len ?? baseCard?.max_model_len ?? MAX_CONTEXT_LENGTH, MAX_CONTEXT_LENGTH);
  if (config.tokenizer !== undefined && rendererNameFor(config.tokenizer) === undefined && config.renderer === undefined) {
    throw new ConfigError(`no chat renderer is known for tokenizer "${config.tokenizer}"; set backend.renderer to one of ${RENDERER_NAMES.join(', ')}`, 'backend.tokenizer');
  }
  const candidates = [config.tokenizer, card?.tokenizer_id, ref.base, card?.parent, card?.root, baseCard?.tokenizer_id, baseCard?.root];
  const renderer = config.renderer ?? candidates.map((id) => (id == null ? undefined : rendererNameFor(id))).find((r) => r !== undefined);
  if (renderer === undefined && config.api === 'completions') {
    throw new ConfigError(
      `no chat renderer is known for model "${model}" (completions mode renders prompts here); set backend.renderer to one of ${RENDERER_NAMES.join(', ')}, backend.tokenizer to its tokenizer id, or backend.api to "chat" to let the server render`,
      'backend.renderer',
    );
  }
  return { model, renderer, contextLength };
}

/** The renderer of a resolved model; in chat mode without one, a renderer whose every use is a
 *  ConfigError that says how to name one (the server renders chat requests, so sampling and judging
 *  need none; only token-level work such as counting a training set's tokens does). */
export function rendererOf(r: ResolvedModel): Renderer {
  if (r.renderer !== undefined) return createRenderer(r.renderer, { contextLength: r.contextLength });
  const refuse = (): never => {
    throw new ConfigError(`no chat renderer is known for model "${r.model}", which the server renders itself; set backend.renderer (${RENDERER_NAMES.join(', ')}) for work on its tokens`, 'backend.renderer');
  };
  return { renderPrompt: refuse, renderSupervised: refuse, decode: refuse, contextLength: r.contextLength, stopTokens: [] };
}
