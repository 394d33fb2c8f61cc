// The small local files that stand for weights kept on a Tinker server. The pipeline records local
// folders as content-hashed artifacts; for a remote backend such a folder holds one JSON file naming the
// server-side checkpoint, so the record keeps working unchanged. Both formats are versioned: changing a
// field's order or meaning requires bumping schemaVersion.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointError } from '../../errors.js';

export const REMOTE_WEIGHTS_FILE = 'remote-weights.json';
export const REMOTE_STATE_FILE = 'remote-state.json';

/** `remote-weights.json`, written by saveForSampler: sampler weights on the server. */
export interface RemoteWeights {
  /** Format version (1). */
  schemaVersion: 1;
  /** `tinker://<run>/sampler_weights/<name>`: what create_sampling_session takes as model_path. */
  tinker_path: string;
  /** The base model they were trained from (a name the server serves). */
  base_model: string;
  /** The tokenizer id get_info reported for the trained model; picks the renderer when sampling. */
  tokenizer_id: string;
}

/** `remote-state.json`, written by saveState: the full training state on the server. */
export interface RemoteState {
  /** Format version (1). */
  schemaVersion: 1;
  /** `tinker://<run>/weights/<name>`: weights and optimizer moments, for load_weights. */
  tinker_path: string;
  /** The base model trained. */
  base_model: string;
  /** LoRA rank, or null for a full fine-tune. */
  lora_rank: number | null;
  /** Optimizer steps taken when it was saved. */
  step: number;
}

function writeJson(dir: string, file: string, value: object): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, file), `${JSON.stringify(value, null, 2)}\n`);
}

function readJson(dir: string, file: string): Record<string, unknown> {
  const path = join(dir, file);
  if (!existsSync(path)) throw new CheckpointError(`expected ${file} (written by the tinker backend), found none`, path);
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new CheckpointError(`cannot read JSON (${(e as Error).message})`, path);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new CheckpointError('expected a JSON object', path);
  const o = v as Record<string, unknown>;
  if (o.schemaVersion !== 1) throw new CheckpointError(`schemaVersion ${JSON.stringify(o.schemaVersion)}; this bctlab reads version 1`, path);
  if (typeof o.tinker_path !== 'string' || !o.tinker_path.startsWith('tinker://')) throw new CheckpointError('expected "tinker_path" to be a tinker:// URI', path);
  if (typeof o.base_model !== 'string' || o.base_model === '') throw new CheckpointError('expected "base_model" to be a model name', path);
  return o;
}

export function writeRemoteWeights(dir: string, w: Omit<RemoteWeights, 'schemaVersion'>): void {
  const file: RemoteWeights = { schemaVersion: 1, tinker_path: w.tinker_path, base_model: w.base_model, tokenizer_id: w.tokenizer_id };
  writeJson(dir, REMOTE_WEIGHTS_FILE, file);
}

/** Reads `dir/remote-weights.json`; a missing or malformed file is a CheckpointError naming it. */
export function readRemoteWeights(dir: string): RemoteWeights {
  const o = readJson(dir, REMOTE_WEIGHTS_FILE);
  if (typeof o.tokenizer_id !== 'string' || o.tokenizer_id === '') throw new CheckpointError('expected "tokenizer_id" to be a string', join(dir, REMOTE_WEIGHTS_FILE));
  return { schemaVersion: 1, tinker_path: o.tinker_path as string, base_model: o.base_model as string, tokenizer_id: o.tokenizer_id };
}

export function writeRemoteState(dir: string, s: Omit<RemoteState, 'schemaVersion'>): void {
  const file: RemoteState = { schemaVersion: 1, tinker_path: s.tinker_path, base_model: s.base_model, lora_rank: s.lora_rank, step: s.step };
  writeJson(dir, REMOTE_STATE_FILE, file);
}

/** Reads `dir/remote-state.json`; a missing or malformed file is a CheckpointError naming it. */
export function readRemoteState(dir: string): RemoteState {
  const o = readJson(dir, REMOTE_STATE_FILE);
  const path = join(dir, REMOTE_STATE_FILE);
  if (o.lora_rank !== null && !(Number.isInteger(o.lora_rank) && (o.lora_rank as number) > 0)) throw new CheckpointError('expected "lora_rank" to be a positive integer or null', path);
  if (!Number.isInteger(o.step) || (o.step as number) < 0) throw new CheckpointError('expected "step" to be an integer ≥ 0', path);
  return { schemaVersion: 1, tinker_path: o.tinker_path as string, base_model: o.base_model as string, lora_rank: o.lora_rank as number | null, step: o.step as number };
}
