import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../test/temp-dir.js';
import { buildTinyOrganism } from '../../test/e2e/tiny-organism.js';
import { ConfigError } from '../errors.js';
import { loadSettingFile } from '../settings/index.js';
import { listSweeps, openProject } from '../store/index.js';
import { makeContext, type RunContext } from './context.js';
import { dataStage, type Dataset } from './data.js';
import { checkPlan, checkTotals, estimateHours, sweepTotals, TOTAL_LIMITS, type SweepTotals } from './plan.js';
import { silentProgress } from './progress.js';
import { runSweep } from './runner.js';
import { sweepConfigSchema } from './sweep-spec.js';

const SETTING = 'test/fixtures/tiny-setting/setting.yaml';
const dir = tempDir('bct-plan-');
buildTinyOrganism(join(dir, 'organism')); // d_model 32, 8 training examples in the tiny setting
const setting = loadSettingFile(SETTING);
const project = openProject(join(dir, '.bct'), { create: true });

function context(fields: Record<string, unknown>): RunContext {
  return makeContext(project, sweepConfigSchema.parse({ setting: SETTING, base: join(dir, 'organism'), ...fields }), silentProgress, setting);
}

/** Whether `f` throws a ConfigError whose `where` is `where` and whose message matches `message`. */
function refuses(f: () => unknown, where: string, message: RegExp): void {
  assert.throws(f, (e: unknown) => e instanceof ConfigError && e.where === where && message.test(e.message), `${where}: ${message}`);
}

test('a LoRA rank above the model\'s d_model is refused, naming loraRanks[i] and the limit', () => {
  refuses(() => context({ loraRanks: [0, 8, 33] }), 'loraRanks[2]', /LoRA rank 33 exceeds the d_model 32 .*expected at most 32/);
  const ok = context({ loraRanks: [0, 32] });
  assert.equal(ok.model?.dModel, 32);
  void ok.close();
});

test('a batch larger than the training data, and too many steps or checkpoints per cell, are refused by field', async () => {
  const ctx = context({ batchSizes: [4, 9], steps: [4] });
  const data = await dataStage(ctx);
  assert.equal(data.examples.length, 8);
  refuses(() => sweepTotals(ctx, data, 10), 'batchSizes[1]', /batch size 9 is more than the 8 training examples of setting "tiny-flag".*expected at most 8/);

  // Steps computed from epochs are bounded like given steps: 1000 epochs of 2,000 examples at batch 1.
  const many: Dataset = { ...data, examples: Array.from({ length: 2000 }, () => data.examples[0]!) };
  refuses(() => sweepTotals(context({ epochs: [2, 1000], batchSizes: [1] }), many, 10), 'epochs[1]', /1000 epochs over 2000 examples at batch size 1 is 2000000 steps; expected at most 1000000/);
  refuses(() => sweepTotals(context({ steps: [5000], checkpointEvery: 2, batchSizes: [4] }), data, 10), 'checkpointEvery', /a checkpoint every 2 of 5000 steps is 2500 checkpoints per cell .*expected at most 1000/);
  await ctx.close();
});

test('totals add up over the grid; absurd totals are refused naming the total unless --force', async () => {
  const ctx = context({ lrs: [1e-3, 1e-2], steps: [4, 10], batchSizes: [4], checkpointEvery: 2, samplesPerPrompt: 2, trainPromptsPerCheckpoint: 3 });
  const data = await dataStage(ctx);
  const t = await checkPlan(ctx, data);
  assert.ok(t.tokensPerExample > 5 && t.tokensPerExample < 24, `tokens per example ${t.tokensPerExample} (context length 24)`);
  assert.equal(t.cells, 4);
  assert.equal(t.trainingTokens, 2 * (4 + 10) * 4 * t.tokensPerExample, 'lrs × Σ steps × batch × tokens per example');
  // Per checkpoint: 8 eval prompts × 2 + 3 train prompts + 4 capability accuracy prompts; checkpoints
  // 0,2,4 (3) and 0,2,…,10 (6) per LR.
  assert.equal(t.answers, 2 * (3 + 6) * (8 * 2 + 3 + 4));
  assert.ok(t.hours !== null && t.hours > 0 && t.hours < 0.01, `hours ${t.hours}`);
  await ctx.close();

  const huge = context({ lrs: Array.from({ length: 64 }, (_, i) => (i + 1) * 1e-4), seeds: [0, 1, 2, 3], steps: [1_000_000], batchSizes: [8] });
  refuses(() => checkTotals(sweepTotals(huge, data, t.tokensPerExample), false), 'totals.trainingTokens', /total training tokens is \d\.\d\de1\d \(256 cells × steps × batchSizes × .* tokens per example\), more than 1e10; .*--force/);
  checkTotals(sweepTotals(huge, data, t.tokensPerExample), true);
  const talkative = context({ lrs: [1e-3, 1e-2], steps: [1_000_000], checkpointEvery: 1000, samplesPerPrompt: 1000 });
  refuses(() => checkTotals(sweepTotals(talkative, data, t.tokensPerExample), false), 'totals.answers', /total number of answers is 1\.6\de7 .*samplesPerPrompt.*more than 1e7/);
  await huge.close();
  await talkative.close();
});

test('the hours estimate follows the engine\'s reference throughput and is refused above the limit', () => {
  // An hour of training at the README's gpt-4m rate (2,831 tokens/s, 4.23M parameters) is one hour.
  assert.ok(Math.abs(estimateHours(4.23e6, 2831 * 3600, 0) - 1) < 1e-9);
  assert.ok(Math.abs(estimateHours(4.23e6, 0, 4289 * 3600) - 1) < 1e-9);
  const t: SweepTotals = { cells: 1, tokensPerExample: 10, trainingTokens: 1, answers: 1, sampledTokens: 1, hours: TOTAL_LIMITS.hours + 1 };
  refuses(() => checkTotals(t, false), 'totals.hours', /estimated time in hours is 73 .*more than 72/);
  checkTotals({ ...t, hours: null }, false); // a remote model: no estimate, no refusal
});

test('a sweep refused by its plan leaves no sweep row', async () => {
  const config = sweepConfigSchema.parse({ setting: SETTING, base: join(dir, 'organism'), batchSizes: [16], steps: [2], skipCheck: true });
  await assert.rejects(runSweep(project, config, silentProgress, setting), (e: unknown) => e instanceof ConfigError && e.where === 'batchSizes[0]');
  assert.deepEqual(listSweeps(project.db), []);
});
