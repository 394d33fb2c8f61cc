// Stage `capability`: per checkpoint, mean NLL per answer token on each held-out NLL set, and the
// accuracy of each accuracy set (from its graded greedy answers). One metric row per (checkpoint, eval).
import type { SamplingClient } from '../backends/index.js';
import { insertMetric, existingKeys, linkMetric, samplesOf, type CellRow, type CheckpointRow } from '../store/index.js';
import { organismPrompt, type RunContext } from './context.js';
import { accuracyMetricKey, graderKey, nllMetricKey } from './keys.js';

export async function capabilityStage(ctx: RunContext, cell: CellRow, checkpoint: CheckpointRow, sampler: () => Promise<SamplingClient>): Promise<number> {
  const db = ctx.project.db;
  const owner = { cellId: cell.id, checkpointId: checkpoint.id };
  let written = 0;
  for (const e of ctx.setting.capabilityEvals) {
    if (e.kind === 'nll') {
      const key = nllMetricKey(ctx, cell.train_key, checkpoint.step, e.name, e.pairs);
      if (existingKeys(db, 'metrics', [key]).size > 0) {
        linkMetric(db, owner, key);
        continue;
      }
      const client = await sampler();
      let nll = 0;
      let tokens = 0;
      let prefill = 0; // every token the requests read: prompt and continuation (store/usage.ts)
      for (const pair of e.pairs) {
        const messages = organismPrompt(ctx, pair.prompt).messages;
        const r = await client.logprobs(messages, pair.completion);
        nll -= r.logprob;
        tokens += r.tokens.length;
        prefill += client.renderer.renderPrompt(messages).length + r.tokens.length;
      }
      if (tokens === 0 || !Number.isFinite(nll)) continue; // never store an empty or broken result
      insertMetric(db, { key, checkpointId: checkpoint.id, name: `nll:${e.name}`, value: nll / tokens, n: tokens, higherIsBetter: false, prefillTokens: prefill }, owner);
      written++;
    } else {
      const gKey = graderKey(e.grader);
      const samples = samplesOf(db, owner, `cap:${e.name}`);
      if (samples.length < e.prompts.length) continue; // not all sampled yet (an interrupted run): not stored
      const key = accuracyMetricKey(cell.train_key, checkpoint.step, e.name, gKey, samples.map((s) => s.key));
      if (existingKeys(db, 'metrics', [key]).size > 0) {
        linkMetric(db, owner, key);
        continue;
      }
      const label = db.prepare(`SELECT label FROM grades WHERE sample_id = ? AND grader_key = ?`).pluck();
      const rows = samples.map((s) => ({ label: label.get(s.id, gKey) as string | undefined })).filter((r) => r.label !== undefined);
      if (rows.length < samples.length) continue; // not all graded yet (an interrupted run): not stored
      const correct = rows.filter((r) => r.label === 'correct').length;
      insertMetric(db, { key, checkpointId: checkpoint.id, name: `acc:${e.name}`, value: correct / rows.length, n: rows.length, higherIsBetter: true, prefillTokens: 0 }, owner);
      written++;
    }
  }
  return written;
}
