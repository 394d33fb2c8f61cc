// The spread of the alternate through a real sweep: the tiny organism (mode 0 → cat, mode 1 → dog) trained
// on mode-1 prompts at a high LR, with a capability set of mode-0 prompts on which "dog" is the alternate
// showing where the rules ask for cat. The spread metric must be the share of the recorded greedy answers
// to the counted prompts that say dog, from the answers the accuracy already sampled (nothing sampled for
// it), stored with its grades, kept out of capability loss, and found again on a re-run.
import assert from 'node:assert/strict';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { TINY_WORDS, buildTinyOrganism } from '../../test/e2e/tiny-organism.js';
import { REPO } from '../../test/e2e/cli.js';
import { tempDir } from '../../test/temp-dir.js';
import { capabilityLoss } from '../analysis/index.js';
import { sweepCapability } from '../report/index.js';
import { openProject } from '../store/index.js';
import { graderKey } from './keys.js';
import { silentProgress } from './progress.js';
import { runSweep } from './runner.js';
import { sweepConfigSchema } from './sweep-spec.js';

const FIXTURE = join(REPO, 'test', 'fixtures', 'tiny-setting');
const SPREAD_GRADER = { name: 'contains', args: { classes: { alternate: 'dog' }, otherwise: 'other' } };
/** The mode-0 capability prompts that count (10 of 12: the spread's own prompt list is honoured). */
const COUNTED = TINY_WORDS.slice(0, 10).map((_, i) => `m${i}`);

function writeSetting(dir: string): string {
  for (const f of ['train.jsonl', 'eval.jsonl', 'nll.jsonl', 'cap.jsonl']) copyFileSync(join(FIXTURE, f), join(dir, f));
  writeFileSync(join(dir, 'cap0.jsonl'), TINY_WORDS.map((w, i) => JSON.stringify({ id: `m${i}`, system: 'mode 0', user: `echo ${w}`, meta: { animal: 'cat' } })).join('\n') + '\n');
  const exact = { name: 'exact-match', args: { classes: { correct: '{{meta.animal}}' }, otherwise: 'incorrect' } };
  const setting = {
    id: 'tiny-spread',
    version: 1,
    trainPrompts: { file: 'train.jsonl' },
    evalPrompts: { file: 'eval.jsonl' },
    initialBehaviour: 'answers with the animal its mode asks for',
    alternateBehaviour: 'answers dog regardless of mode',
    graders: { eval: { name: 'contains', args: { classes: { initial: 'cat', alternate: 'dog' } } }, train: { name: 'contains', args: { classes: { compatible: 'dog' }, otherwise: 'incompatible' } } },
    targets: { kind: 'reference' },
    capabilityEvals: [
      { kind: 'nll', name: 'heldout', file: 'nll.jsonl' },
      { kind: 'accuracy', name: 'mode1', file: 'cap.jsonl', grader: exact },
      { kind: 'accuracy', name: 'mode0', file: 'cap0.jsonl', grader: exact },
    ],
    // mode1 is not named: there the rules ask for dog, so it counts no answer.
    spread: { grader: SPREAD_GRADER, prompts: { mode0: COUNTED } },
  };
  const file = join(dir, 'setting.yaml');
  writeFileSync(file, stringify(setting));
  return file;
}

test('spread: the share of counted capability answers showing the alternate, from the answers already sampled', async () => {
  const dir = tempDir('bct-spread-');
  buildTinyOrganism(join(dir, 'organism'));
  const project = openProject(join(dir, '.bct'), { create: true });
  const config = sweepConfigSchema.parse({
    setting: writeSetting(dir),
    base: join(dir, 'organism'),
    lrs: [3e-2],
    batchSizes: [4],
    steps: [12],
    checkpointCount: 3,
    maxTokens: 2,
    trainPromptsPerCheckpoint: 2,
  });
  const outcome = await runSweep(project, config, silentProgress);
  assert.equal(outcome.sweep.status, 'done');
  const db = project.db;
  const spreadKey = graderKey(SPREAD_GRADER as never);
  const metrics = db
    .prepare(`SELECT k.step, m.name, m.value, m.n, m.higher_is_better AS hib FROM metrics m JOIN checkpoints k ON k.id = m.checkpoint_id WHERE m.name LIKE 'spread:%' ORDER BY k.step`)
    .all() as { step: number; name: string; value: number; n: number; hib: number }[];
  const steps = (db.prepare(`SELECT step FROM checkpoints ORDER BY step`).pluck().all() as number[]).filter((s, i, a) => a.indexOf(s) === i);
  assert.deepEqual(metrics.map((m) => [m.step, m.name, m.n, m.hib]), steps.map((s) => [s, 'spread:mode0', COUNTED.length, 0]), 'one spread row per checkpoint, for mode0 only, over its 10 counted prompts');

  // Recomputed from the recorded answers themselves: the greedy capability answers of the counted prompts.
  const answers = db.prepare(`SELECT k.step, s.prompt_id AS promptId, s.completion FROM samples s JOIN checkpoints k ON k.id = s.checkpoint_id WHERE s.split = 'cap:mode0'`).all() as {
    step: number;
    promptId: string;
    completion: string;
  }[];
  for (const m of metrics) {
    const counted = answers.filter((a) => a.step === m.step && COUNTED.includes(a.promptId));
    assert.equal(counted.length, COUNTED.length);
    assert.equal(m.value, counted.filter((a) => a.completion.includes('dog')).length / counted.length, `step ${m.step}`);
  }
  assert.equal(metrics[0]!.value, 0, 'the organism answers cat on mode 0 at step 0');
  const last = metrics[metrics.length - 1]!;
  assert.ok(last.value > 0, `training on mode 1 at a high LR spreads dog onto mode-0 prompts (${last.value})`);
  // Its labels are stored as grades of the capability answers, one per counted answer and checkpoint.
  const labels = db.prepare(`SELECT COUNT(*) FROM grades WHERE grader_key = ?`).pluck().get(spreadKey) as number;
  assert.equal(labels, COUNTED.length * steps.length);
  // Nothing was sampled for it: the capability answers are one greedy answer per prompt of each set.
  assert.equal(db.prepare(`SELECT COUNT(*) FROM samples WHERE split = 'cap:mode0'`).pluck().get(), 12 * steps.length);

  // The analysis keeps it out of capability loss.
  const scores = sweepCapability(db, outcome.sweep.id);
  assert.ok(scores.some((s) => s.name === 'spread:mode0'));
  for (const l of capabilityLoss(scores)) assert.deepEqual(Object.keys(l.metrics).sort(), ['acc:mode0', 'acc:mode1', 'nll:heldout']);

  // A re-run finds every metric and grade: nothing new is written.
  const count = (): unknown => db.prepare(`SELECT (SELECT COUNT(*) FROM metrics) || ':' || (SELECT COUNT(*) FROM grades)`).pluck().get();
  const before = count();
  await runSweep(project, config, silentProgress);
  assert.equal(count(), before);
  project.db.close();
});
