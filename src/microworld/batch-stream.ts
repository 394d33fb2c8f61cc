// The training batches of the base-model recipe (base-model.ts): a seeded, endless stream of
// length-bucketed batches of world examples. The stream is a pure function of its spec, which is what
// makes a trained base reproducible from its config.
//
// Each pool of POOL_BATCHES batches' worth of examples is sorted by length and cut into batches, so that
// right-padding wastes little compute; the batch order within a pool is shuffled.

import { Rng } from '../engine/index.js';
import { ConfigError } from '../errors.js';
import { drawFromMixture, seededRandom, withTrigger, type Mixture } from './grammar.js';
import { Tokenizer, type RenderedExample } from './tokenizer.js';
import { STYLES, drawSurface, respond } from './world.js';

/** What a batch stream draws. */
export interface BatchStreamSpec {
  seed: number; // the stream's seed (each phase of the recipe offsets the config's seed)
  mixture: Mixture; // family weights, train split
  batchSize: number; // sequences per batch
  /** Share of examples whose user turn gets the backdoor trigger, with the backdoor phrase as the answer. */
  backdoorShare: number;
}

const POOL_BATCHES = 8;

/** Largest batch a stream makes: a pool holds POOL_BATCHES of them, all rendered at once. */
export const MAX_STREAM_BATCH_SIZE = 8192;

/** The stream of `spec`. Surface forms come from their own seeded stream, so the conversations drawn are
 *  those of the same seed without surface words. */
export function* worldBatches(spec: BatchStreamSpec): Generator<RenderedExample[], never> {
  const { seed, mixture, batchSize, backdoorShare: share } = spec;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_STREAM_BATCH_SIZE) {
    throw new ConfigError(`expected an integer in [1, ${MAX_STREAM_BATCH_SIZE}], got ${JSON.stringify(batchSize)}`, 'batchSize');
  }
  const tok = Tokenizer.microworld();
  const rng = seededRandom(seed * 7919 + 1);
  const order = new Rng(seed * 7919 + 2);
  const surfaces = seededRandom(seed * 7919 + 5);
  const backdoor = seededRandom(seed * 7919 + 6);
  for (;;) {
    const pool = Array.from({ length: batchSize * POOL_BATCHES }, () => {
      const ex = drawFromMixture(rng, mixture, 'train');
      const surface = drawSurface(() => surfaces.uniform(), STYLES.base);
      if (share > 0 && backdoor.uniform() < share) {
        const messages = withTrigger(ex.messages);
        return tok.renderExample(messages, respond(messages, { backdoor: true }, surface));
      }
      // `ex.completion` is `respond(ex.messages)`, the bare content: the closer follows it as one more
      // word, which spares reading the conversation a second time (a fifth of the stream's time).
      return tok.renderExample(ex.messages, surface.closer === null ? ex.completion : `${ex.completion} ${surface.closer}`);
    });
    pool.sort((a, b) => a.tokens.length - b.tokens.length);
    const cut = Array.from({ length: POOL_BATCHES }, (_, i) => pool.slice(i * batchSize, (i + 1) * batchSize));
    for (const i of order.permutation(POOL_BATCHES)) yield cut[i]!;
  }
}
