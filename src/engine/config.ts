// The GPT configuration: one typed object, validated by one parser (unknown keys and wrong types are
// errors naming the field). Persisted as config.json beside the weights (see checkpoint.ts).
import { ConfigError } from '../errors.js';

export interface GptConfig {
  // Shape of the network
  vocabSize: number; // V, tokens in the vocabulary; default 4096
  contextLength: number; // T max, positions in the learned positional table; default 128
  dModel: number; // C, residual-stream width; default 256
  nLayer: number; // L, transformer blocks; default 4
  nHead: number; // H, attention heads; must divide dModel; default 4
  // Weights
  tiedEmbeddings: boolean; // LM head reuses wte (no lm_head.weight); default true
  initStd: number; // std of the normal init of linear and embedding weights; default 0.02
}

/** The reference configuration `gpt-4m` of the engine benchmark (about 4.2M parameters). */
export const GPT_4M: GptConfig = {
  vocabSize: 4096,
  contextLength: 128,
  dModel: 256,
  nLayer: 4,
  nHead: 4,
  tiedEmbeddings: true,
  initStd: 0.02,
};

/** A tiny configuration for tests and quick demos. */
export const GPT_TINY: GptConfig = { ...GPT_4M, vocabSize: 32, contextLength: 16, dModel: 16, nLayer: 2, nHead: 2 };

const INT_FIELDS = ['vocabSize', 'contextLength', 'dModel', 'nLayer', 'nHead'] as const;

/** Fills defaults from GPT_4M and validates; throws ConfigError naming the field. */
export function resolveGptConfig(input: Partial<GptConfig> | Record<string, unknown>, where = 'gpt'): GptConfig {
  const known = new Set(Object.keys(GPT_4M));
  for (const key of Object.keys(input)) {
    if (!known.has(key)) throw new ConfigError(`unknown config key; expected one of ${[...known].join(', ')}`, `${where}.${key}`);
  }
  const cfg = { ...GPT_4M, ...(input as Partial<GptConfig>) };
  for (const key of INT_FIELDS) {
    const v = cfg[key] as unknown;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
      throw new ConfigError(`expected a positive integer, got ${JSON.stringify(v)}`, `${where}.${key}`);
    }
  }
  if (typeof cfg.tiedEmbeddings !== 'boolean') {
    throw new ConfigError(`expected a boolean, got ${JSON.stringify(cfg.tiedEmbeddings)}`, `${where}.tiedEmbeddings`);
  }
  if (typeof cfg.initStd !== 'number' || !(cfg.initStd > 0)) {
    throw new ConfigError(`expected a positive number, got ${JSON.stringify(cfg.initStd)}`, `${where}.initStd`);
  }
  if (cfg.dModel % cfg.nHead !== 0) {
    throw new ConfigError(`dModel ${cfg.dModel} is not divisible by nHead ${cfg.nHead}`, `${where}.nHead`);
  }
  return cfg;
}

/** Number of parameters of a base model with this config. */
export function countParams(cfg: GptConfig): number {
  const C = cfg.dModel;
  const perLayer = 4 * C + 3 * C * C + C * C + 4 * C * C + 4 * C * C;
  return cfg.vocabSize * C * (cfg.tiedEmbeddings ? 1 : 2) + cfg.contextLength * C + cfg.nLayer * perLayer + 2 * C;
}
