// Checkpoints: safetensors files plus JSON configs, one folder per checkpoint, loadable by other tools.
// Files (names as Hugging Face / PEFT use them, so a PyTorch user finds their way):
//   config.json                 { schemaVersion, format: "bctlab-gpt", config: GptConfig }
//   model.safetensors           base weights: wte.weight, wpe.weight, h.0.attn.c_attn.weight, ... (F32,
//                               linear weights (out, in) like torch.nn.Linear)
//   adapter_config.json         { schemaVersion, r, lora_alpha, target_modules }
//   adapter_model.safetensors   h.0.attn.c_attn.lora_A.weight (R, in), ...lora_B.weight (out, R)
//   optimizer.safetensors       <param>.exp_avg, <param>.exp_avg_sq; metadata { schemaVersion, step }
// Changing a field's name or meaning in any of these requires bumping CHECKPOINT_SCHEMA_VERSION.
// Shape legend: V vocab, C channels, R LoRA rank.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BctError, CheckpointError } from '../errors.js';
import type { GptConfig } from './config.js';
import { resolveGptConfig } from './config.js';
import { Gpt, type LoraTarget } from './gpt.js';
import type { AdamW } from './optim.js';
import { checkTensorShapes, readSafetensors, writeSafetensors, type NamedTensor } from './safetensors.js';
import type { Tensor } from './tensor.js';

export const CHECKPOINT_SCHEMA_VERSION = 1;
export const FILES = {
  config: 'config.json',
  model: 'model.safetensors',
  adapterConfig: 'adapter_config.json',
  adapter: 'adapter_model.safetensors',
  optimizer: 'optimizer.safetensors',
} as const;

/** config.json. Field order and meaning are versioned by schemaVersion. */
interface ConfigFile {
  /** Version of this checkpoint layout. */
  schemaVersion: number;
  /** Always "bctlab-gpt". */
  format: 'bctlab-gpt';
  /** The model's shape and init settings. */
  config: GptConfig;
}

/** adapter_config.json (PEFT's key names). */
interface AdapterConfigFile {
  /** Version of this checkpoint layout. */
  schemaVersion: number;
  /** LoRA rank R. */
  r: number;
  /** LoRA alpha; the update is (lora_alpha / r) · B A. */
  lora_alpha: number;
  /** Adapted projections, relative to h.{l}. */
  target_modules: LoraTarget[];
}

function tensors(named: Array<[string, Tensor]>, pick: (t: Tensor) => Float32Array = (t) => t.data): Record<string, NamedTensor> {
  const out: Record<string, NamedTensor> = {};
  for (const [name, t] of named) out[name] = { shape: [...t.shape], data: pick(t) };
  return out;
}

function readJson<T>(path: string): T {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (e) {
    throw new CheckpointError(`cannot read JSON (${(e as Error).message.split('\n')[0]})`, path);
  }
}

function checkVersion(path: string, v: unknown): void {
  if (v !== CHECKPOINT_SCHEMA_VERSION) {
    throw new CheckpointError(`schemaVersion ${JSON.stringify(v)} is not supported; expected ${CHECKPOINT_SCHEMA_VERSION}`, path);
  }
}

/** Copies tensors read from `path` into the named parameters after checking names and shapes. */
function fill(path: string, named: Array<[string, Tensor]>, read: Record<string, NamedTensor>): void {
  const expected: Record<string, readonly number[]> = {};
  for (const [name, t] of named) expected[name] = t.shape;
  checkTensorShapes(path, read, expected);
  for (const [name, t] of named) t.data.set(read[name]!.data);
}

/** Writes config.json and model.safetensors (base weights) into `dir`. */
export function saveModel(model: Gpt, dir: string): void {
  mkdirSync(dir, { recursive: true });
  const cfg: ConfigFile = { schemaVersion: CHECKPOINT_SCHEMA_VERSION, format: 'bctlab-gpt', config: model.config };
  writeFileSync(join(dir, FILES.config), JSON.stringify(cfg, null, 2) + '\n');
  writeSafetensors(join(dir, FILES.model), tensors(model.namedParams()), { format: 'bctlab-gpt' });
}

/** Loads a base model saved by saveModel; errors name the file and, for weights, the tensor. */
export function loadModel(dir: string): Gpt {
  const cfgPath = join(dir, FILES.config);
  const file = readJson<ConfigFile>(cfgPath);
  checkVersion(cfgPath, file.schemaVersion);
  let config: GptConfig;
  try {
    config = resolveGptConfig(file.config ?? {}, 'config');
  } catch (e) {
    throw new CheckpointError(e instanceof BctError ? e.message : String(e), cfgPath);
  }
  const model = new Gpt(config, null);
  const path = join(dir, FILES.model);
  fill(path, model.namedParams(), readSafetensors(path).tensors);
  return model;
}

/** Writes adapter_config.json and adapter_model.safetensors; the model must have LoRA adapters. */
export function saveAdapters(model: Gpt, dir: string): void {
  if (!model.lora) throw new CheckpointError('the model has no LoRA adapters to save', dir);
  mkdirSync(dir, { recursive: true });
  const cfg: AdapterConfigFile = {
    schemaVersion: CHECKPOINT_SCHEMA_VERSION, r: model.lora.rank, lora_alpha: model.lora.alpha, target_modules: model.lora.targets,
  };
  writeFileSync(join(dir, FILES.adapterConfig), JSON.stringify(cfg, null, 2) + '\n');
  writeSafetensors(join(dir, FILES.adapter), tensors(model.namedAdapters()), { format: 'bctlab-gpt-lora' });
}

/** Adds the adapters saved in `dir` to a base model (which must not have adapters yet) and loads them. */
export function loadAdapters(model: Gpt, dir: string): void {
  const cfgPath = join(dir, FILES.adapterConfig);
  const cfg = readJson<AdapterConfigFile>(cfgPath);
  checkVersion(cfgPath, cfg.schemaVersion);
  try {
    model.addLora({ rank: cfg.r, alpha: cfg.lora_alpha, targets: cfg.target_modules }, 0);
  } catch (e) {
    throw new CheckpointError(e instanceof BctError ? e.message : String(e), cfgPath);
  }
  const path = join(dir, FILES.adapter);
  fill(path, model.namedAdapters(), readSafetensors(path).tensors);
}

/** Writes optimizer.safetensors: AdamW moments of the trainable parameters and the step count. */
export function saveOptimizer(opt: AdamW, model: Gpt, dir: string): void {
  mkdirSync(dir, { recursive: true });
  const named = model.trainableParams();
  const out: Record<string, NamedTensor> = {};
  for (const [name, t] of named) {
    out[`${name}.exp_avg`] = { shape: [...t.shape], data: opt.m.get(name) ?? new Float32Array(t.size) }; // (...param)
    out[`${name}.exp_avg_sq`] = { shape: [...t.shape], data: opt.v.get(name) ?? new Float32Array(t.size) }; // (...param)
  }
  writeSafetensors(join(dir, FILES.optimizer), out, { schemaVersion: String(CHECKPOINT_SCHEMA_VERSION), step: String(opt.step) });
}

/** Restores AdamW state saved by saveOptimizer for this model's trainable parameters. */
export function loadOptimizer(opt: AdamW, model: Gpt, dir: string): void {
  const path = join(dir, FILES.optimizer);
  const file = readSafetensors(path);
  checkVersion(path, Number(file.metadata.schemaVersion));
  const step = Number(file.metadata.step);
  if (!Number.isInteger(step) || step < 0) throw new CheckpointError(`metadata "step" is ${JSON.stringify(file.metadata.step)}; expected an integer ≥ 0`, path);
  const named = model.trainableParams();
  const expected: Record<string, readonly number[]> = {};
  for (const [name, t] of named) {
    expected[`${name}.exp_avg`] = t.shape;
    expected[`${name}.exp_avg_sq`] = t.shape;
  }
  checkTensorShapes(path, file.tensors, expected);
  opt.m.clear();
  opt.v.clear();
  for (const [name] of named) {
    opt.m.set(name, file.tensors[`${name}.exp_avg`]!.data);
    opt.v.set(name, file.tensors[`${name}.exp_avg_sq`]!.data);
  }
  opt.step = step;
}
