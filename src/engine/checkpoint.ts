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
import { BctError, CheckpointError, formatBytes, systemProblem } from '../errors.js';
import type { GptConfig } from './config.js';
import { countParams, resolveGptConfig } from './config.js';
import { Gpt, LORA_TARGETS, type LoraTarget } from './gpt.js';
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

/** A JSON file holding an object; its fields are checked by the caller. */
function readJsonObject(path: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new CheckpointError(`cannot read JSON (${systemProblem(e) ?? (e as Error).message.split('\n')[0]})`, path, { cause: e });
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new CheckpointError(`expected a JSON object, got ${v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v}`, path);
  return v as Record<string, unknown>;
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
  const file = readJsonObject(cfgPath);
  checkVersion(cfgPath, file.schemaVersion);
  if (file.format !== 'bctlab-gpt') throw new CheckpointError(`format ${JSON.stringify(file.format)} is not supported; expected "bctlab-gpt"`, cfgPath);
  const raw = file.config;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new CheckpointError(`config: expected the model's configuration object, got ${JSON.stringify(raw)}`, cfgPath);
  let config: GptConfig;
  try {
    config = resolveGptConfig(raw as Record<string, unknown>, 'config');
  } catch (e) {
    throw new CheckpointError(e instanceof BctError ? e.message : String(e), cfgPath);
  }
  const path = join(dir, FILES.model);
  const weights = readSafetensors(path).tensors;
  checkWeightsFit(config, cfgPath, weights);
  const model = new Gpt(config, null);
  fill(path, model.namedParams(), weights);
  return model;
}

/** Refuses a config that describes a model far larger than its weights before the model is allocated: a
 *  wrong value (dModel 25600 for 256) would otherwise ask for gigabytes, or more than an array can hold,
 *  before the tensors are compared. A model up to twice the weights is allocated, so that a near miss (a
 *  tensor missing, a vocabulary one word off) is reported by `fill`, tensor by tensor. */
function checkWeightsFit(config: GptConfig, cfgPath: string, weights: Record<string, NamedTensor>): void {
  const held = Object.values(weights).reduce((n, t) => n + t.data.length, 0);
  const params = countParams(config);
  if (params > 2 * held) {
    throw new CheckpointError(
      `config describes ${params} parameters (${formatBytes(params * 4)} of F32) but ${FILES.model} holds ${held} (${formatBytes(held * 4)}); expected the configuration the weights were saved with`,
      cfgPath,
    );
  }
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
  const cfg = readAdapterConfig(cfgPath, model.config);
  try {
    model.addLora({ rank: cfg.r, alpha: cfg.lora_alpha, targets: cfg.target_modules }, 0);
  } catch (e) {
    throw new CheckpointError(e instanceof BctError ? e.message : String(e), cfgPath);
  }
  const path = join(dir, FILES.adapter);
  fill(path, model.namedAdapters(), readSafetensors(path).tensors);
}

/** adapter_config.json, checked before any adapter is allocated: a rank above d_model cannot raise the
 *  update's rank and only allocates (a typo of 20000 would ask for gigabytes). */
function readAdapterConfig(path: string, base: GptConfig): AdapterConfigFile {
  const cfg = readJsonObject(path);
  checkVersion(path, cfg.schemaVersion);
  const { r, lora_alpha: alpha, target_modules: targets } = cfg;
  if (typeof r !== 'number' || !Number.isInteger(r) || r < 1 || r > base.dModel) {
    throw new CheckpointError(`r: expected an integer in [1, ${base.dModel}] (the base's dModel), got ${JSON.stringify(r)}`, path);
  }
  if (typeof alpha !== 'number' || !Number.isFinite(alpha) || alpha <= 0) throw new CheckpointError(`lora_alpha: expected a positive number, got ${JSON.stringify(alpha)}`, path);
  if (!Array.isArray(targets) || targets.length === 0 || !targets.every((t) => LORA_TARGETS.includes(t as LoraTarget)) || new Set(targets).size !== targets.length) {
    throw new CheckpointError(`target_modules: expected a list of distinct names from ${LORA_TARGETS.join(', ')}, got ${JSON.stringify(targets)}`, path);
  }
  return { schemaVersion: CHECKPOINT_SCHEMA_VERSION, r, lora_alpha: alpha, target_modules: targets as LoraTarget[] };
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
