// Stage `grade`: labels every answer of a checkpoint with the sweep's graders (eval, train, capability
// accuracy). A grade's key is its sample's key plus the grader's key, so a changed grader re-grades
// without re-sampling. Grades are computed concurrently in batches and inserted per batch.
import { graderVersion, MODEL_GRADED, type GraderSpec } from '../graders/index.js';
import type { Prompt } from '../domain/index.js';
import { existingKeys, insertGrades, samplesOf, type CellRow, type CheckpointRow, type NewGrade } from '../store/index.js';
import { organismPrompt, yieldToEventLoop, type RunContext } from './context.js';
import { gradeKey, sweepGraderKey } from './keys.js';
import { meteredGrader } from './metered.js';

export const GRADE_BATCH = 64;

/** The grader of each split of a sweep. */
export function splitGraders(ctx: RunContext): { split: string; spec: GraderSpec; prompts: Prompt[]; where: string }[] {
  return [
    { split: 'eval', spec: ctx.setting.graders.eval, prompts: ctx.setting.evalPrompts, where: 'graders.eval' },
    { split: 'train', spec: ctx.setting.graders.train, prompts: ctx.setting.trainPrompts, where: 'graders.train' },
    ...ctx.setting.capabilityEvals.flatMap((e, i) =>
      e.kind === 'accuracy' ? [{ split: `cap:${e.name}`, spec: e.grader, prompts: e.prompts, where: `capabilityEvals[${i}].grader` }] : [],
    ),
  ];
}

export async function gradeStage(ctx: RunContext, cell: CellRow, checkpoint: CheckpointRow, onBatch: (n: number) => void = () => {}): Promise<number> {
  const db = ctx.project.db;
  let graded = 0;
  for (const g of splitGraders(ctx)) {
    const version = graderVersion(g.spec.name);
    const gKey = sweepGraderKey(ctx, g.spec);
    const samples = samplesOf(db, { cellId: cell.id, checkpointId: checkpoint.id }, g.split);
    const keyed = samples.map((s) => ({ s, key: gradeKey(s.key, gKey) }));
    const have = existingKeys(db, 'grades', keyed.map((k) => k.key));
    const todo = keyed.filter((k) => !have.has(k.key));
    onBatch(keyed.length - todo.length);
    if (todo.length === 0) continue;
    // The sweep's judge (never the organism unless the sweep names it). Each label records the tokens
    // its judge read and sampled (store/usage.ts); a batch's verdicts are asked at once.
    const judge = MODEL_GRADED.has(g.spec.name) ? await ctx.judgeSampler() : undefined;
    const grade = meteredGrader(g.spec, judge, g.where);
    const prompts = new Map(g.prompts.map((p) => [p.id, organismPrompt(ctx, p)]));
    for (let i = 0; i < todo.length; i += GRADE_BATCH) {
      await yieldToEventLoop();
      const batch = todo.slice(i, i + GRADE_BATCH);
      const results = await Promise.all(
        batch.map(({ s }) => {
          const prompt = prompts.get(s.prompt_id);
          if (prompt === undefined) return Promise.resolve({ label: 'error' as const, score: 0, reason: `prompt ${s.prompt_id} is no longer in the setting`, judge: { trained: 0, prefill: 0, sampled: 0 } });
          return grade({ prompt, completion: s.completion });
        }),
      );
      const rows: NewGrade[] = batch.map(({ s, key }, j) => {
        const { judge: tokens, ...result } = results[j]!;
        return { key, sampleId: s.id, graderKey: gKey, grader: { name: g.spec.name, args: g.spec.args, version }, ...result, judgePrefillTokens: tokens.prefill, judgeSampledTokens: tokens.sampled };
      });
      insertGrades(db, rows);
      graded += rows.length;
      onBatch(rows.length);
    }
  }
  return graded;
}
