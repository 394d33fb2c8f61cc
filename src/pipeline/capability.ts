// Stage `capability`: per checkpoint, mean NLL per answer token on each held-out NLL set, and the
// accuracy of each accuracy set (from its graded greedy answers). One metric row per (checkpoint, eval).
import type { SamplingClient } from '../backends/index.js';
import { graderVersion } from '../graders/index.js';
import { contentHash, insertMetric, existingKeys, stageKey, type CellRow, type CheckpointRow } from '../store/index.js';
import { graderKey, organismPrompt, type RunContext } from './context.js';

export async function capabilityStage(ctx: RunContext, cell: CellRow, checkpoint: CheckpointRow, sampler: () => Promise<SamplingClient>): Promise<number> {
  const db = ctx.project.db;
  let written = 0;
  for (const e of ctx.setting.capabilityEvals) {
    if (e.kind === 'nll') {
      const key = stageKey('capability', { train: cell.train_key, step: checkpoint.step, name: e.name, pairs: contentHash(e.pairs), organism: ctx.organismIdentity });
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
      const gKey = graderKey(e.grader, graderVersion(e.grader.name));
      const key = stageKey('capability', { train: cell.train_key, step: checkpoint.step, name: e.name, grader: gKey, sampling: cell.sampling_key });
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
