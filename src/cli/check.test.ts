// `bct check` input errors, each one line naming what is missing or wrong: no setting argument, a judge
// file that cannot be read or holds no valid judge, and a setting whose grader asks a judge the command
// names none for. (The judge's validation itself: test/e2e/judge-check.test.ts.) And the training data
// it prints after a passing check, on the tiny organism: the signal's figures are the record's, the
// warning shows where the organism already gives the targets, a sampled source's kept fraction is shown,
// and what the check recorded is what `bct plan` (so `bct run`) reuses.
process.env.BCT_GEMM = 'typescript'; // the organism's own GEMM: the same NLL figures on every machine

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { stringify } from 'yaml';
import { bctIn, recordDigest } from '../../test/e2e/cli.js';
import { codingSetting } from '../../test/e2e/judge-fixtures.js';
import { buildTinyOrganism, TINY_SETTING } from '../../test/e2e/tiny-organism.js';
import { tempDir } from '../../test/temp-dir.js';
import { formatYield, type DataSummary, type SignalCheck } from '../pipeline/index.js';

test('bct check without a setting says, in one line, that the <setting> argument is missing (exit 2); --data is refused with --dry-run', async () => {
  const r = await bctIn(['check']);
  assert.equal(r.status, 2);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, 'bct check: missing the <setting> argument: a built-in setting (`bct ls`) or a setting .yaml/.json file, as in bct check <setting> [options]\n');
  assert.equal((await bctIn(['check', '--json'])).stderr, r.stderr, 'the same with options but no setting');
  const dry = await bctIn(['check', 'animal-flag', '--dry-run', '--data', 'stream']);
  assert.equal(dry.status, 2);
  assert.equal(dry.stderr, 'bct check: --data: is not read by --dry-run, which builds no training data; drop one of the two\n');
});

test('a judge the check cannot use is named by its flag, and a judged setting without a judge by the field', async () => {
  const dir = tempDir('bct-check-judge-');
  const setting = codingSetting(join(dir, 'setting'));
  const missing = await bctIn(['check', setting, '--judge', join(dir, 'nowhere.yaml')]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /^bct check: .*nowhere\.yaml: no such file or folder/);
  const bad = join(dir, 'judge.yaml');
  writeFileSync(bad, stringify({ judge: { backend: 'openai' } }));
  const invalid = await bctIn(['check', setting, '--judge', bad]);
  assert.equal(invalid.status, 2);
  assert.match(invalid.stderr, /^bct check: --judge: .*\(judge\.model\)\n$/);
  const none = await bctIn(['check', setting, '--base', 'models/mw-base', '--project', join(dir, 'p')]);
  assert.equal(none.status, 2);
  assert.match(none.stderr, /^bct check: judge: setting "judged-coding" grades with llm-judge \(graders\.eval\), which asks a judge model, and the sweep names none; .*--judge FILE.*judge: organism/);
});

/** The data rows of a record: key and source summary (the signal and kept fraction are in it). */
function recordedData(project: string): { key: string; summary: DataSummary }[] {
  const db = new Database(join(project, 'record.sqlite'), { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare(`SELECT key, source_json FROM datasets ORDER BY key`).all() as { key: string; source_json: string }[];
    return rows.map((r) => ({ key: r.key, summary: JSON.parse(r.source_json) as DataSummary }));
  } finally {
    db.close();
  }
}

/** The figures of the printed signal lines (formatSignal), as printed. */
function printedSignal(stdout: string) {
  const head = /^ {2}training signal: the untrained organism's NLL on (\d+) of (\d+) targets \((\d+) target tokens\): mean (\S+) nats\/token$/m.exec(stdout);
  const spread = /^ {4}per example: sd (\S+), min (\S+), 10% (\S+), median (\S+), 90% (\S+), max (\S+)$/m.exec(stdout);
  const compatible = /^ {4}compatible targets \(graders\.train\): \S+ \((\d+)\/(\d+), /m.exec(stdout);
  assert.ok(head !== null && spread !== null && compatible !== null, stdout);
  return { examples: Number(head[1]), of: Number(head[2]), tokens: Number(head[3]), mean: head[4], spread: spread.slice(1), compatible: [Number(compatible[1]), Number(compatible[2])] };
}

/** The same figures from the recorded signal, formatted as the lines format them. */
function expectedSignal(s: SignalCheck) {
  const e = (x: number): string => x.toExponential(2);
  const q = s.spread;
  return { examples: s.examples, of: s.of, tokens: s.tokens, mean: e(s.meanNll), spread: [q.sd, q.min, q.p10, q.median, q.p90, q.max].map(e), compatible: [s.compatible.k, s.compatible.n] };
}

test('bct check prints the training signal the record holds, and warns where the organism already gives the targets', async () => {
  const dir = tempDir('bct-check-signal-');
  // 150 pretraining steps: "dog" on mode 1 at about 3e-4 nats (below 1e-3); 60 steps: about 1.6e-3.
  buildTinyOrganism(join(dir, 'sure'), 150);
  buildTinyOrganism(join(dir, 'organism'), 60);
  const project = join(dir, 'p');
  const check = (base: string, ...more: string[]) => bctIn(['check', TINY_SETTING, '--base', join(dir, base), '--project', project, ...more]);

  const sure = await check('sure');
  assert.equal(sure.status, 0, `${sure.stdout}\n${sure.stderr}`);
  assert.equal(sure.stderr, '');
  assert.match(sure.stdout, /^pre-check of tiny-flag on \S+: PASS$/m);
  assert.match(sure.stdout, /^training data: reference targets of the setting: 8 examples$/m);
  const [first] = recordedData(project);
  assert.ok(first !== undefined && first.summary.signal !== undefined, 'the check recorded the dataset with its signal');
  const signal = first.summary.signal;
  assert.ok(signal.meanNll < 1e-3, `mean NLL ${signal.meanNll}`);
  assert.deepEqual(printedSignal(sure.stdout), expectedSignal(signal));
  assert.deepEqual(printedSignal(sure.stdout).compatible, [8, 8]);
  const lines = sure.stdout.trimEnd().split('\n');
  assert.match(lines[lines.length - 1]!, /^ {2}WARNING: the untrained organism's mean NLL on these targets is \S+ nats\/token, below 0\.001: it already gives them/);
  assert.ok(lines.at(-1)!.includes(signal.meanNll.toExponential(2)), 'the warning names the recorded mean');

  // Run again: both stages are read from the record (nothing is written), and --json holds the
  // recorded signal number for number.
  const digest = recordDigest(join(project, 'record.sqlite'));
  const json = await check('sure', '--json');
  assert.equal(json.status, 0, json.stderr);
  assert.equal(recordDigest(join(project, 'record.sqlite')), digest, 'a recorded check and dataset are reused');
  const doc = JSON.parse(json.stdout) as { passed: boolean; data: { key: string; examples: number; source: unknown; yield: unknown; signal: SignalCheck } };
  assert.equal(doc.passed, true);
  assert.deepEqual({ key: doc.data.key, examples: doc.data.examples, source: doc.data.source, yield: doc.data.yield, signal: doc.data.signal }, { key: first.key, examples: 8, source: { kind: 'reference' }, yield: null, signal });
  // bct plan (bct run's data stage) finds the dataset the check built.
  const plan = await bctIn(['plan', '--setting', TINY_SETTING, '--base', join(dir, 'sure'), '--steps', '2', '--batch-sizes', '4', '--project', project]);
  assert.equal(plan.status, 0, plan.stderr);
  assert.match(plan.stdout, /^ {2}training data: in the record: /m);

  // The organism less sure of its targets: the same lines, its own figures, no warning.
  const less = await check('organism');
  assert.equal(less.status, 0, less.stderr);
  const other = recordedData(project).find((d) => d.key !== first.key)!;
  assert.ok(other.summary.signal!.meanNll >= 1e-3, `mean NLL ${other.summary.signal!.meanNll}`);
  assert.deepEqual(printedSignal(less.stdout), expectedSignal(other.summary.signal!));
  assert.doesNotMatch(less.stdout, /WARNING/);

  // A sampled source: the kept fraction, as recorded, before the signal.
  const onPolicy = await check('organism', '--data', 'on-policy,attempts=2');
  assert.equal(onPolicy.status, 0, onPolicy.stderr);
  const sampled = recordedData(project).find((d) => d.summary.source.kind === 'on-policy')!;
  assert.ok(sampled.summary.yield !== undefined && sampled.summary.signal !== undefined);
  assert.deepEqual([sampled.summary.yield.prompts, sampled.summary.yield.keptAt.length], [8, 2]);
  assert.ok(onPolicy.stdout.includes(`\n  ${formatYield(sampled.summary.yield)}\n  training signal: `), onPolicy.stdout);
  assert.deepEqual(printedSignal(onPolicy.stdout), expectedSignal(sampled.summary.signal));
});

test('a failing pre-check builds no training data unless --force, and says so', async () => {
  const dir = tempDir('bct-check-failing-');
  buildTinyOrganism(join(dir, 'organism'), 60);
  // The tiny setting with the eval classes swapped: the organism's step-0 answers (cat on mode 0) are
  // graded alternate, so the initial behaviour at step 0 fails.
  const fixture = join(TINY_SETTING, '..');
  const setting = join(dir, 'swapped.yaml');
  writeFileSync(setting, stringify({
    id: 'tiny-swapped',
    version: 1,
    description: 'The tiny flag setting with its eval classes swapped.',
    trainPrompts: { file: join(fixture, 'train.jsonl') },
    evalPrompts: { file: join(fixture, 'eval.jsonl') },
    initialBehaviour: 'dog',
    alternateBehaviour: 'cat',
    graders: { eval: { name: 'contains', args: { classes: { initial: 'dog', alternate: 'cat' } } }, train: { name: 'contains', args: { classes: { compatible: 'dog' }, otherwise: 'incompatible' } } },
    targets: { kind: 'reference' },
  }));
  const project = join(dir, 'p');
  const args = ['check', setting, '--base', join(dir, 'organism'), '--project', project];
  const failed = await bctIn(args);
  assert.equal(failed.status, 1, failed.stderr);
  assert.match(failed.stdout, /^ {2}initial behaviour at step 0: 0\.0% .* FAIL/m);
  assert.match(failed.stdout, /^training data: not built, as the pre-check fails \(`bct check --force` builds it and prints its training signal\)$/m);
  assert.deepEqual(recordedData(project), []);
  const json = JSON.parse((await bctIn([...args, '--json'])).stdout) as { passed: boolean; data: unknown };
  assert.deepEqual([json.passed, json.data], [false, null]);
  // --force builds it as `bct run --force` would; the criteria still fail (exit 1).
  const forced = await bctIn([...args, '--force']);
  assert.equal(forced.status, 1, forced.stderr);
  const [built] = recordedData(project);
  assert.ok(built?.summary.signal !== undefined);
  assert.deepEqual(printedSignal(forced.stdout), expectedSignal(built.summary.signal));
});
