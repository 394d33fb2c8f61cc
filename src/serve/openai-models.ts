// The models of the OpenAI endpoints: every served base model and every sampler checkpoint saved on this
// server, whose `tinker://<model_id>/sampler_weights/<name>` path is its model id (as vLLM names a LoRA
// adapter by its name). For each, how its tokens become text: the word vocabulary of a microworld-style
// folder, else the chat renderer src/chat has for its tokenizer id (a folder built on Qwen3's vocabulary),
// which is also what renders the messages of a chat completion.
import { createRenderer, rendererNameFor } from '../chat/index.js';
import type { Renderer } from '../domain/index.js';
import type { ServedModel } from './catalog.js';
import { parseTinkerPath, tinkerPath, type TinkerPath } from './checkpoints.js';
import { OpenAiError } from './openai-wire.js';
import type { SamplerSource } from './state.js';
import type { Serve } from './training.js';

/** How a served model's tokens read as text. */
export interface ModelText {
  /** The chat format of its tokenizer id, or null (then chat completions are refused). */
  renderer: Renderer | null;
  /** Text of generated tokens, up to the first end-of-turn token. */
  answer(tokens: readonly number[]): string;
  /** Text of one token (special tokens by name for word vocabularies, empty for chat vocabularies). */
  token(id: number): string;
  /** What joins token texts into text: a space between words, nothing between BPE pieces. */
  separator: string;
  /** Token ids of a text prompt, or null when the server has no encoder for this vocabulary. */
  encode: ((text: string) => number[]) | null;
  /** Where a completion ends unless the request says otherwise (as vLLM stops at the model's EOS). */
  stopTokens: readonly number[];
}

/** The ModelText of each served base, made on first use (a chat vocabulary takes a second to load). */
export class ModelTexts {
  private readonly made = new Map<string, ModelText>();

  of(base: ServedModel): ModelText {
    let t = this.made.get(base.name);
    if (t === undefined) {
      t = describeText(base);
      this.made.set(base.name, t);
    }
    return t;
  }
}

function describeText(base: ServedModel): ModelText {
  const name = rendererNameFor(base.tokenizerId);
  const renderer = name === undefined ? null : createRenderer(name, { contextLength: base.config.contextLength });
  const tok = base.tokenizer;
  if (tok !== null) {
    return {
      renderer,
      answer: (tokens) => tok.parseCompletion(tokens),
      token: (id) => tok.wordOf(id),
      separator: ' ',
      encode: (text) => tok.encode(text, 'prompt'),
      stopTokens: renderer?.stopTokens ?? [tok.special.eot],
    };
  }
  // A folder whose config.json names another tokenizer has a renderer (the catalog refuses nothing, so
  // an id src/chat does not know leaves the model with token ids only).
  return {
    renderer,
    answer: (tokens) => renderer?.decode(tokens) ?? '',
    token: (id) => renderer?.decode([id]) ?? '',
    separator: '',
    encode: null,
    stopTokens: renderer?.stopTokens ?? [],
  };
}

/** The model a request names: a served base, or sampler weights saved here; anything else is a 404. */
export function resolveModel(s: Serve, model: string): SamplerSource {
  const base = s.catalog.get(model);
  if (base !== undefined) return { base, modelPath: null, dir: null };
  let path: TinkerPath | undefined;
  try {
    path = parseTinkerPath(model, 'model');
  } catch {
    path = undefined;
  }
  if (path !== undefined && path.kind === 'sampler_weights' && s.store.exists(path)) {
    const trained = s.catalog.get(s.store.read(path).baseModel);
    if (trained !== undefined) return { base: trained, modelPath: tinkerPath(path), dir: s.store.folder(path) };
  }
  const shown = model.length > 120 ? `${model.slice(0, 120)}…` : model;
  throw new OpenAiError(404, `The model ${JSON.stringify(shown)} does not exist on this server; GET /v1/models lists the served base models and sampler checkpoints (tinker://<model_id>/sampler_weights/<name>)`, 'model', 'model_not_found');
}

/** One entry of GET /v1/models, in vLLM's form (`root`, `parent`, `max_model_len`), plus bctlab's
 *  `tokenizer_id` (what a client picks its chat renderer by). */
function card(id: string, base: ServedModel, parent: string | null, created: number): Record<string, unknown> {
  return { id, object: 'model', created, owned_by: 'bctlab', root: id, parent, max_model_len: base.config.contextLength, tokenizer_id: base.tokenizerId };
}

/** GET /v1/models: the served bases, then every sampler checkpoint whose base is served now. */
export function listModels(s: Serve, startedAt: number): unknown {
  const data = s.catalog.all().map((m) => card(m.name, m, null, startedAt));
  for (const c of s.store.listSamplerWeights()) {
    const base = s.catalog.get(c.meta.baseModel);
    if (base !== undefined) data.push(card(tinkerPath(c.path), base, base.name, c.created));
  }
  return { object: 'list', data };
}
