// Checks of sampling parameters and seeds that every remote sampling client applies before its first
// request, so a bad value is a ConfigError naming the field rather than a server's 400.
import { ConfigError } from '../errors.js';
import type { SamplingParams } from './types.js';

const MAX_STOP_STRINGS = 64;
const MAX_SEED = 2 ** 53 - 1;

/** Checks sampling parameters; ConfigErrors name `sampling.<field>`. */
export function checkParams(p: SamplingParams, contextLength: number): void {
  if (!Number.isInteger(p.maxTokens) || p.maxTokens < 1 || p.maxTokens > contextLength) throw new ConfigError(`expected an integer from 1 to ${contextLength} (the context length), got ${p.maxTokens}`, 'sampling.maxTokens');
  if (!(p.temperature >= 0 && Number.isFinite(p.temperature))) throw new ConfigError(`expected a finite number ≥ 0, got ${p.temperature}`, 'sampling.temperature');
  if (!(p.topP > 0 && p.topP <= 1)) throw new ConfigError(`expected a number in (0, 1], got ${p.topP}`, 'sampling.topP');
  if (p.stop.length > MAX_STOP_STRINGS) throw new ConfigError(`${p.stop.length} stop strings; expected at most ${MAX_STOP_STRINGS}`, 'sampling.stop');
}

/** A seed: an integer in [0, 2^53). */
export function checkSeed(seed: number, where: string): number {
  if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) throw new ConfigError(`expected an integer seed ≥ 0, got ${seed}`, where);
  return seed;
}

/** The seed of prompt `i` of a batch: its own, else the batch seed + i (checked either way). */
export function promptSeed(seed: number | undefined, i: number, params: { seed: number }): number {
  return seed !== undefined ? checkSeed(seed, `prompts[${i}].seed`) : checkSeed(params.seed + i, 'sampling.seed');
}
