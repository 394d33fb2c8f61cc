// Stage `capability`: per checkpoint, mean NLL per answer token on each held-out NLL set, the accuracy of
// each accuracy set (from its graded greedy answers), and where the setting declares one, the spread of
// the alternate onto each accuracy set: the share of its counted answers that show the alternate value,
// graded here by the spread grader (its labels are stored as grades like any other). One metric row per
// (checkpoint, eval): `nll:<name>`, `acc:<name>`, `spread:<name>`.
import type { SamplingClient } from '../backends/index.js';
import { createGrader, graderVersion } from '../graders/index.js';
import type { AlternateSpread, CapabilityEval } from '../settings/index.js';
import { existingKeys, gradeLabels, insertGrades, insertMetric, linkMetric, samplesOf, type CellRow, type CheckpointRow, type SampleRow } from '../store/index.js';
import { organismPrompt, type RunContext } from './context.js';
import { accuracyMetricKey, gradeKey, nllMetricKey, sweepGraderKey } from './keys.js';

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
      const samples = samplesOf(db, owner, `cap:${e.name}`);
      if (samples.length < e.prompts.length) continue; // not all sampled yet (an interrupted run): not stored
      written += accuracyMetric(ctx, cell, checkpoint, e, samples);
      if (ctx.setting.spread !== undefined) written += await spreadMetric(ctx, cell, checkpoint, e, ctx.setting.spread, samples);
    }
  }
  return written;
}

type AccuracyEval = Extract<CapabilityEval, { kind: 'accuracy' }>;

/** The share of an accuracy set's answers graded `correct`, once every answer has its grade. */
function accuracyMetric(ctx: RunContext, cell: CellRow, checkpoint: CheckpointRow, e: AccuracyEval, samples: readonly SampleRow[]): number {
  const db = ctx.project.db;
  const owner = { cellId: cell.id, checkpointId: checkpoint.id };
  const gKey = sweepGraderKey(ctx, e.grader);
  const key = accuracyMetricKey(cell.train_key, checkpoint.step, e.name, gKey, samples.map((s) => s.key));
  if (existingKeys(db, 'metrics', [key]).size > 0) {
    linkMetric(db, owner, key);
    return 0;
  }
  const labels = gradeLabels(db, samples.map((s) => s.id), gKey).filter((l) => l !== undefined);
  if (labels.length < samples.length) return 0; // not all graded yet (an interrupted run): not stored
  const correct = labels.filter((l) => l === 'correct').length;
  insertMetric(db, { key, checkpointId: checkpoint.id, name: `acc:${e.name}`, value: correct / labels.length, n: labels.length, higherIsBetter: true, prefillTokens: 0 }, owner);
  return 1;
}

/** The share of an accuracy set's counted answers that the spread grader labels `alternate` (grading errors
 *  in no n), from the same greedy answers as its accuracy: nothing is sampled for it. The spread grader
 *  calls no model (settings/schema.ts refuses one that does), so grading here costs no tokens. */
async function spreadMetric(ctx: RunContext, cell: CellRow, checkpoint: CheckpointRow, e: AccuracyEval, spread: AlternateSpread, all: readonly SampleRow[]): Promise<number> {
  const db = ctx.project.db;
  const owner = { cellId: cell.id, checkpointId: checkpoint.id };
  const ids = spread.prompts === undefined ? null : new Set(spread.prompts[e.name] ?? []);
  const samples = ids === null ? all : all.filter((s) => ids.has(s.prompt_id));
  if (samples.length === 0) return 0;
  const gKey = sweepGraderKey(ctx, spread.grader);
  const key = accuracyMetricKey(cell.train_key, checkpoint.step, `spread:${e.name}`, gKey, samples.map((s) => s.key));
  if (existingKeys(db, 'metrics', [key]).size > 0) {
    linkMetric(db, owner, key);
    return 0;
  }
  const labels = gradeLabels(db, samples.map((s) => s.id), gKey);
  const todo = samples.flatMap((s, i) => (labels[i] === undefined ? [i] : []));
  if (todo.length > 0) {
    const grade = createGrader(spread.grader, {}, 'spread.grader');
    const grader = { name: spread.grader.name, args: spread.grader.args, version: graderVersion(spread.grader.name) };
    const prompts = new Map(e.prompts.map((p) => [p.id, organismPrompt(ctx, p)]));
    const rows = await Promise.all(
      todo.map(async (i) => {
        const s = samples[i]!;
        const prompt = prompts.get(s.prompt_id);
        const result = prompt === undefined ? { label: 'error', score: 0, reason: `prompt ${s.prompt_id} is no longer in capability evaluation ${e.name}` } : await grade({ prompt, completion: s.completion });
        labels[i] = result.label;
        return { key: gradeKey(s.key, gKey), sampleId: s.id, graderKey: gKey, grader, ...result, judgePrefillTokens: 0, judgeSampledTokens: 0 };
      }),
    );
    insertGrades(db, rows);
  }
  const graded = labels.filter((l) => l !== 'error');
  if (graded.length === 0) return 0;
  const shown = graded.filter((l) => l === 'alternate').length;
  insertMetric(db, { key, checkpointId: checkpoint.id, name: `spread:${e.name}`, value: shown / graded.length, n: graded.length, higherIsBetter: false, prefillTokens: 0 }, owner);
  return 1;
}
