// End to end through the real `bct` binary: a 2 LRs × 2 checkpoints sweep on a tiny embedded model
// organism, asserting on the recorded rates; re-running does no work; bad input exits 2 naming the field.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../temp-dir.js';
import Database from 'better-sqlite3';
import { stringify } from 'yaml';
import { Gpt, saveModel } from '../../src/engine/index.js';
import { Tokenizer } from '../../src/microworld/index.js';
import { COMMANDS } from '../../src/cli/main.js';
import { bct, bctIn, REPO } from './cli.js';
import { buildTinyOrganism, TINY_SETTING as SETTING, writeTinySweep } from './tiny-organism.js';

interface Rate {
  cell: string;
  lr: number;
  step: number;
  label: string;
  n: number;
  total: number;
}

test('a 2 LRs × 2 checkpoints sweep runs end to end through bct and records its rates', async () => {
  const dir = tempDir('bct-e2e-');
  buildTinyOrganism(join(dir, 'organism'), 60);
  const { file, sweep } = writeTinySweep(dir, {
    name: 'tiny',
    lrs: [1e-4, 3e-2],
    seeds: [0],
    steps: [12],
    checkpointEvery: 12,
    samplesPerPrompt: 2,
    trainPromptsPerCheckpoint: 8,
    temperature: 0.7,
    maxTokens: 3,
  });
  const project = join(dir, '.bct');
  const run = bct(['run', file, '--project', project]);
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  assert.equal(run.stderr, '');
  assert.match(run.stdout, /pre-check of tiny-flag on tiny: PASS/);
  assert.match(run.stdout, /lr=3e-2\.seed=0\.bs=4\.steps=12\.full/);

  const db = new Database(join(project, 'record.sqlite'), { readonly: true });
  const rates = db
    .prepare(
      `SELECT c.name AS cell, c.lr AS lr, v.step AS step, v.label AS label, COUNT(*) AS n,
              (SELECT COUNT(*) FROM sweep_grades w WHERE w.cell_id = v.cell_id AND w.step = v.step AND w.split = 'eval') AS total
       FROM sweep_grades v JOIN cells c ON c.id = v.cell_id WHERE v.split = 'eval' GROUP BY v.cell_id, v.step, v.label`,
    )
    .all() as Rate[];
  const rate = (lr: number, step: number, label: string): number => {
    const rows = rates.filter((r) => r.lr === lr && r.step === step);
    assert.ok(rows.length > 0, `rates recorded for lr ${lr} step ${step}`);
    assert.equal(rows[0]!.total, 16, '8 eval prompts × 2 samples');
    return (rows.find((r) => r.label === label)?.n ?? 0) / rows[0]!.total;
  };
  // Step 0 is the untrained organism: initial behaviour (cat on mode 0), the same in both cells.
  assert.ok(rate(1e-4, 0, 'initial') >= 0.9, `initial at step 0 = ${rate(1e-4, 0, 'initial')}`);
  assert.equal(rate(1e-4, 0, 'initial'), rate(3e-2, 0, 'initial'));
  // At a low LR 12 steps change nothing; at a high LR training on mode 1 → dog transfers to mode 0.
  assert.ok(rate(1e-4, 12, 'initial') >= 0.9, `low LR keeps the initial behaviour: ${rate(1e-4, 12, 'initial')}`);
  assert.ok(rate(3e-2, 12, 'alternate') > rate(1e-4, 12, 'alternate'), `high LR transfers: ${JSON.stringify(rates)}`);
  const checkpoints = db.prepare(`SELECT COUNT(*) AS n FROM checkpoints`).get() as { n: number };
  assert.equal(checkpoints.n, 4, '2 cells × 2 checkpoints');
  const nll = db.prepare(`SELECT COUNT(*) AS n FROM metrics WHERE name = 'nll:heldout'`).get() as { n: number };
  assert.equal(nll.n, 4);
  // Capability: greedy accuracy on held-out mode-1 prompts, perfect for the untrained organism.
  const acc = db.prepare(`SELECT k.step AS step, m.value AS value, m.n AS n FROM metrics m JOIN checkpoints k ON k.id = m.checkpoint_id WHERE m.name = 'acc:mode1' ORDER BY k.step`).all() as { step: number; value: number; n: number }[];
  assert.equal(acc.length, 4);
  assert.deepEqual(acc.filter((a) => a.step === 0).map((a) => [a.value, a.n]), [[1, 4], [1, 4]]);
  const before = db.prepare(`SELECT (SELECT COUNT(*) FROM samples) AS s, (SELECT COUNT(*) FROM grades) AS g, (SELECT COUNT(*) FROM train_log) AS t`).get();
  db.close();

  // The same command again is a resume of a finished sweep: no new rows.
  const again = bct(['run', file, '--project', project]);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /2 cells, 2 already done/);
  const db2 = new Database(join(project, 'record.sqlite'), { readonly: true });
  assert.deepEqual(db2.prepare(`SELECT (SELECT COUNT(*) FROM samples) AS s, (SELECT COUNT(*) FROM grades) AS g, (SELECT COUNT(*) FROM train_log) AS t`).get(), before);
  db2.close();

  // A changed grader (same prompts and targets) re-grades without re-training or re-sampling.
  const regraded = join(dir, 'regraded');
  mkdirSync(regraded);
  for (const f of ['train.jsonl', 'eval.jsonl', 'nll.jsonl', 'cap.jsonl']) copyFileSync(join(REPO, 'test', 'fixtures', 'tiny-setting', f), join(regraded, f));
  writeFileSync(join(regraded, 'setting.yaml'), readFileSync(SETTING, 'utf8').replace('args: { classes: { initial: cat, alternate: dog } }', 'args: { classes: { initial: cat, alternate: dog }, ignoreCase: true }'));
  writeFileSync(join(dir, 'regrade.yaml'), stringify({ ...sweep, name: 'regraded', setting: join(regraded, 'setting.yaml') }));
  const regrade = await bctIn(['run', join(dir, 'regrade.yaml'), '--project', project]);
  assert.equal(regrade.status, 0, regrade.stderr);
  const db3 = new Database(join(project, 'record.sqlite'), { readonly: true });
  const after = db3.prepare(`SELECT (SELECT COUNT(*) FROM samples) AS s, (SELECT COUNT(*) FROM grades) AS g, (SELECT COUNT(*) FROM train_log) AS t`).get() as { s: number; g: number; t: number };
  const b = before as { s: number; g: number; t: number };
  assert.deepEqual([after.s, after.t], [b.s, b.t], 'no new samples or training');
  assert.equal(after.g, b.g + 2 * 2 * 16, 'eval answers graded again by the new grader');
  db3.close();

  const status = await bctIn(['status', 'tiny', '--project', project]);
  assert.equal(status.status, 0, status.stderr);
  assert.match(status.stdout, /sweep 1 tiny: done; setting tiny-flag; cells: 2 done/);
  assert.match(status.stdout, /pre-check of tiny-flag on tiny: PASS/);
  const exported = await bctIn(['export', 'tiny', '--format', 'jsonl', '--project', project]);
  assert.equal(exported.status, 0, exported.stderr);
  const rows = exported.stdout.trim().split('\n').map((l) => JSON.parse(l) as { split: string; label: string });
  assert.equal(rows.length, 2 * 2 * (16 + 8), 'cells × checkpoints × (eval + train answers)');
  const csv = await bctIn(['export', '--table', 'capability', '--project', project]);
  assert.match(csv.stdout.split('\n')[0]!, /^sweep_id,sweep,cell_id,cell,method,lora_rank,lr,seed,batch_size,step,metric,value,n,higher_is_better$/);

  // Two cells at once in worker threads compute exactly what one at a time did.
  const parallel = join(dir, 'parallel');
  const jobs = bct(['run', file, '--project', parallel, '--jobs', '2']);
  assert.equal(jobs.status, 0, `${jobs.stdout}\n${jobs.stderr}`);
  const answers = (p: string): unknown[] => {
    const d = new Database(join(p, 'record.sqlite'), { readonly: true });
    const rows = d.prepare(`SELECT key, completion FROM samples ORDER BY key`).all();
    d.close();
    return rows;
  };
  assert.deepEqual(answers(parallel), answers(project));

  const check = await bctIn(['check', SETTING, '--base', join(dir, 'organism'), '--project', project]);
  assert.equal(check.status, 0, check.stderr);
  assert.match(check.stdout, /initial behaviour at step 0: 100\.0% \(8\/8, 95% CI 67\.6%–100\.0%\) PASS/);
});

test('bad input exits 2 and names the file and the field; nothing is recorded', async () => {
  const dir = tempDir('bct-e2e-bad-');
  const project = join(dir, '.bct');
  // Through the binary: the exit status and stderr a user sees.
  writeFileSync(join(dir, 'bad-sweep.yaml'), stringify({ setting: SETTING, lrs: [1e-3, 'fast'] }));
  const bad = bct(['run', join(dir, 'bad-sweep.yaml'), '--project', project]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /bad-sweep\.yaml: lrs\[1\]: .*expected number/);
  // The other cases in-process through the same entry point (no process start each).
  const run = bctIn;
  writeFileSync(join(dir, 'bad-setting.yaml'), 'id: x\nversion: 1\ntrainPrompts: { file: t.jsonl }\nevalPrompts: {}\n');
  const badSetting = await run(['run', '--setting', join(dir, 'bad-setting.yaml'), '--project', project]);
  assert.equal(badSetting.status, 2);
  assert.match(badSetting.stderr, /bad-setting\.yaml: evalPrompts\.file: /);
  const flag = await run(['run', '--setting', SETTING, '--lrs', '1e-3,-2', '--project', project]);
  assert.equal(flag.status, 2);
  assert.match(flag.stderr, /--lrs: .*\(lrs\[1\]\)/);
  const unknown = await run(['run', '--setting', 'no-such-setting', '--project', project]);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown setting "no-such-setting"; known settings: /);
  const missing = await run(['run', '--setting', SETTING, '--base', join(dir, 'nope'), '--project', project]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /base checkpoint not found .*nope/);
  const unknownFlag = await run(['run', '--lr', '1e-3']);
  assert.equal(unknownFlag.status, 2);
  assert.match(unknownFlag.stderr, /--lr: unknown option; known options: --name, --setting/);
  assert.equal(existsSync(project), false, 'a failed command leaves no record behind');
  const help = await run(['run', '--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--checkpoint-count <n>/);
  assert.match(help.stdout, /Examples:/);
  for (const command of COMMANDS) {
    const h = await run([command.name, '--help']);
    assert.equal(h.status, 0, `${command.name} --help`);
    assert.match(h.stdout, /Usage: bct /, `${command.name} --help shows usage`);
  }
});

test('a setting that fails its pre-check is refused (exit 2, offending prompts listed) unless --force', () => {
  const dir = tempDir('bct-e2e-check-');
  // An untrained model shows neither behaviour reliably: the pre-check must fail.
  saveModel(new Gpt({ vocabSize: Tokenizer.microworld().vocabSize, contextLength: 24, dModel: 16, nLayer: 1, nHead: 2 }, 3), join(dir, 'random'));
  const args = ['run', '--setting', SETTING, '--base', join(dir, 'random'), '--lrs', '1e-3', '--steps', '2', '--checkpoint-every', '2', '--max-tokens', '2', '--project', join(dir, '.bct')];
  const refused = bct(args);
  assert.equal(refused.status, 2, refused.stdout);
  assert.match(refused.stdout, /pre-check of tiny-flag on random: FAIL/);
  assert.match(refused.stdout, /initial behaviour at step 0: .* FAIL[^\n]*\n {4}e\d+: /);
  assert.match(refused.stderr, /fails its pre-check on organism "random" \(see above\); fix the setting or pass --force/);
  const forced = bct([...args, '--force']);
  assert.equal(forced.status, 0, forced.stderr);
  assert.match(forced.stdout, /sweep tiny-flag-[0-9a-f]{8}: 1 cells/);
});
