// Stage `capability`: per checkpoint, mean NLL per answer token on each held-out NLL set, and the
// accuracy of each accuracy set (from its graded greedy answers). One metric row per (checkpoint, eval).
import type { SamplingClient } from '../backends/index.js';
import { insertMetric, existingKeys, type CellRow, type CheckpointRow } from '../store/index.js';
import { organismPrompt, type RunContext } from './context.js';
import { accuracyMetricKey, graderKey, nllMetricKey } from './keys.js';

export async function capabilityStage(ctx: RunContext, cell: CellRow, checkpoint: CheckpointRow, sampler: () => Promise<SamplingClient>): Promise<number> {
  const db = ctx.project.db;
  let written = 0;
  for (const e of ctx.setting.capabilityEvals) {
    if (e.kind === 'nll') {
      const key = nllMetricKey(ctx, cell.train_key, checkpoint.step, e.name, e.pairs);
      if (existingKeys(db, 'metrics', [key]).size > 0) continue;
      const client = await sampler();
      let nll = 0;
      let tokens = 0;
      for (const pair of e.pairs) {
        const r = await client.logprobs(organismPrompt(ctx, pair.prompt).messages, pair.completion);
        nll -= r.logprob;
        tokens += r.tokens.length;
      }
      if (tokens === 0 || !Number.isFinite(nll)) continue; // never store an empty or broken result
      insertMetric(db, { key, checkpointId: checkpoint.id, name: `nll:${e.name}`, value: nll / tokens, n: tokens, higherIsBetter: false });
      written++;
    } else {
      const gKey = graderKey(e.grader);
      const key = accuracyMetricKey(cell.train_key, checkpoint.step, e.name, gKey, cell.sampling_key);
      if (existingKeys(db, 'metrics', [key]).size > 0) continue;
      const rows = db
        .prepare(
          `SELECT g.label AS label FROM samples s JOIN grades g ON g.sample_id = s.id AND g.grader_key = ?
           WHERE s.checkpoint_id = ? AND s.sampling_key = ? AND s.split = ?`,
        )
        .all(gKey, checkpoint.id, cell.sampling_key, `cap:${e.name}`) as { label: string }[];
      if (rows.length < e.prompts.length) continue; // not all graded yet (an interrupted run): not stored
      const correct = rows.filter((r) => r.label === 'correct').length;
      insertMetric(db, { key, checkpointId: checkpoint.id, name: `acc:${e.name}`, value: correct / rows.length, n: rows.length, higherIsBetter: true });
      written++;
    }
  }
  return written;
}
