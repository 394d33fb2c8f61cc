// The plan's estimate against what a run records: trained tokens, prompt tokens and log-likelihood tokens
// are exact, the judge's tokens follow from the answers' length, and the whole is within 10% (the
// answers' length is the one guess). Measured on the tiny organism, with sampled answers of varying
// length (temperature 1, up to 4 tokens) and an llm-judge grader.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { buildTinyOrganism, TINY_SETTING } from '../../test/e2e/tiny-organism.js';
import { tempDir } from '../../test/temp-dir.js';
import { loadSettingFile } from '../settings/index.js';
import { openProject, totalTokens, type TokenUsage } from '../store/index.js';
import { makeContext } from './context.js';
import { sweepCosts } from './costs.js';
import { planSweep } from './plan.js';
import { silentProgress } from './progress.js';
import { runSweep } from './runner.js';
import { sweepConfigSchema } from './sweep-spec.js';
import { batchIndices } from '../engine/index.js';
import { trainedTokens } from './train.js';

const dir = tempDir('bct-estimate-');
buildTinyOrganism(join(dir, 'organism'));

test('trained tokens from whole epochs and one partial order equal the sum over every step\'s batch', () => {
  for (const [n, batch, steps, seed] of [[8, 4, 6, 0], [8, 3, 7, 1], [5, 5, 1, 2], [13, 4, 40, 3], [3, 2, 1, 4]] as const) {
    const lengths = Array.from({ length: n }, (_, i) => 3 + ((i * 7 + seed) % 11));
    let sum = 0;
    for (let step = 0; step < steps; step++) for (const i of batchIndices(n, batch, step, seed)) sum += lengths[i]! - 1;
    assert.equal(trainedTokens(lengths, batch, steps, seed), sum, `n ${n}, batch ${batch}, steps ${steps}`);
  }
});

/** The tiny setting with `graders.eval` replaced (the prompt files stay the fixture's). */
function settingWithEvalGrader(eval_: unknown): string {
  const fixture = join(TINY_SETTING, '..');
  const file = join(dir, `setting-${Math.random().toString(36).slice(2)}.yaml`);
  const yaml = {
    id: 'tiny-flag-judged',
    version: 1,
    description: 'The tiny flag setting, graded by a judge on eval prompts.',
    trainPrompts: { file: join(fixture, 'train.jsonl') },
    evalPrompts: { file: join(fixture, 'eval.jsonl') },
    initialBehaviour: 'cat on mode 0',
    alternateBehaviour: 'dog always',
    graders: { eval: eval_, train: { name: 'contains', args: { classes: { compatible: 'dog' }, otherwise: 'incompatible' } } },
    targets: { kind: 'reference' },
    capabilityEvals: [
      { kind: 'nll', name: 'heldout', file: join(fixture, 'nll.jsonl') },
      { kind: 'accuracy', name: 'mode1', file: join(fixture, 'cap.jsonl'), grader: { name: 'exact-match', args: { classes: { correct: '{{meta.animal}}' }, otherwise: 'incorrect' } } },
    ],
  };
  writeFileSync(file, stringify(yaml));
  return file;
}

const all = (u: TokenUsage) => ({ trained: u.organism.trained, prompt: u.organism.prefill, sampled: u.organism.sampled, judged: u.judge.prefill + u.judge.sampled, total: totalTokens(u) });
const within = (got: number, want: number, tolerance: number) => Math.abs(got - want) <= tolerance * Math.max(1, want);

for (const [name, settingFile] of [
  ['rule graders', TINY_SETTING],
  // The microworld has no Yes/No words: the judge (the untrained organism) compares two of its words.
  ['an llm-judge on eval prompts', settingWithEvalGrader({ name: 'llm-judge', args: { question: 'echo {{completion}}', yes: 'initial', no: 'alternate', yesText: 'cat', noText: 'dog' } })],
] as const) {
  test(`the plan's tokens match the recorded ones (${name}): trained and prompt exact, all within 10%`, async (t) => {
    const project = openProject(join(dir, `p-${name.replace(/\W+/g, '-')}`), { create: true });
    const config = sweepConfigSchema.parse({
      setting: settingFile,
      base: join(dir, 'organism'),
      lrs: [3e-2],
      seeds: [0, 1],
      loraRanks: [0, 4],
      batchSizes: [3],
      steps: [5],
      checkpointCount: 3,
      samplesPerPrompt: 3,
      trainPromptsPerCheckpoint: 5,
      temperature: 1,
      maxTokens: 4,
      force: true,
      // The judge of the llm-judge case: the untrained organism, named as the research's judge.
      judge: 'organism',
    });
    const setting = loadSettingFile(settingFile);
    const ctx = makeContext(project, config, silentProgress, setting);
    const plan = await planSweep(ctx);
    await ctx.close();
    assert.equal(plan.recorded, null);
    const outcome = await runSweep(project, config, silentProgress, setting);
    const recorded = sweepCosts(project.db, outcome.sweep.id);
    assert.equal(recorded.unmetered, 0);
    const est = plan.estimate;
    assert.deepEqual(est.cells.map((c) => c.name), recorded.cells.map((c) => c.name));
    est.cells.forEach((c, i) => {
      const r = recorded.cells[i]!.usage;
      assert.equal(c.usage.organism.trained, r.organism.trained, `${c.name}: trained tokens exact`);
      assert.equal(c.usage.organism.prefill, r.organism.prefill, `${c.name}: prompt and log-likelihood tokens exact`);
    });
    assert.equal(est.check!.organism.prefill, recorded.check!.usage.organism.prefill, 'pre-check prompt tokens exact');
    const e = all(est.total);
    const r = all(recorded.total.usage);
    t.diagnostic(`estimated ${JSON.stringify(e)}; recorded ${JSON.stringify(r)}`);
    assert.ok(within(e.total, r.total, 0.1), `total ${e.total} vs recorded ${r.total}`);
    assert.ok(within(e.judged, r.judged, 0.1), `judged ${e.judged} vs recorded ${r.judged}`);
    if (name !== 'rule graders') assert.ok(r.judged > 0, 'the judge was counted');
    assert.ok(r.sampled <= est.maxSampled, 'sampled tokens within the bound');
    project.db.close();
  });
}
