// Loss weights for a per-token mean over a batch. Tinker's `cross_entropy` is a sum, Σᵢ wᵢ·nllᵢ, so a
// client that wants the mean (what bctlab's learning rates mean) divides every weight by the batch's
// total weight before sending. Every backend normalises through this one function, so the embedded
// engine and a server behind the Tinker API are handed exactly the same numbers (same bits) and agree.
import { DataError } from '../errors.js';
import type { Datum } from '../domain/index.js';

/** The batch with each weight divided by Σ weights over all its datums. A batch without any positive
 *  weight is a DataError (its mean is undefined). */
export function meanWeighted(batch: readonly Datum[]): Datum[] {
  let total = 0;
  for (const d of batch) for (const w of d.weights) total += w;
  if (!(total > 0) || !Number.isFinite(total)) throw new DataError(`total loss weight is ${total}; expected a positive number`, 'batch');
  return batch.map((d) => ({ tokens: d.tokens, weights: d.weights.map((w) => w / total) }));
}
