// A newcomer's first own experiment, with the real binary: README.md's "Running your own experiment"
// block, verbatim, in an empty folder where `npx bct` finds this package (as it does in a clone): `bct
// init`, then `bct check`, `bct run`, `bct status`, `bct report` and `bct export` on what it wrote, each
// with status 0, an empty standard error and a passing pre-check. (The chat project of `bct init` runs in
// init-chat.test.ts.)
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { openProject, resolveSweep } from '../../src/store/index.js';
import { tempDir } from '../temp-dir.js';
import { REPO } from './cli.js';
import { fences, section } from './markdown.js';

test('README "Running your own experiment" works verbatim in an empty folder: init, check, run, status, report, export', () => {
  const block = fences(section(readFileSync(join(REPO, 'README.md'), 'utf8'), '## Running your own experiment')).filter((f) => f.lang === 'sh');
  assert.equal(block.length, 1, 'the section has one command block');
  const commands = block[0]!.body.split('\n').filter((l) => l.trim() !== '');
  assert.ok(commands.every((c) => c.startsWith('npx bct ')), 'one command a line');
  assert.ok(['init', 'check', 'run', 'report'].every((c) => commands.some((l) => l.split(/\s+/)[2] === c)), 'it runs init, check, run and report');

  // npx runs the `bct` of node_modules/.bin, as in a clone or a project that installed bctlab.
  const dir = tempDir('bct-readme-');
  mkdirSync(join(dir, 'node_modules', '.bin'), { recursive: true });
  symlinkSync(join(REPO, 'bin', 'bct.js'), join(dir, 'node_modules', '.bin', 'bct'));
  const out: Record<string, string> = {};
  for (const command of commands) {
    // npm_config_yes=false: were the local bin missing, npx would fail rather than fetch a package.
    const r = spawnSync('bash', ['-c', command], { cwd: dir, env: { ...process.env, npm_config_yes: 'false' }, encoding: 'utf8', timeout: 240_000 });
    assert.equal(r.status, 0, `${command}\n${r.stdout}\n${r.stderr}`);
    assert.equal(r.stderr, '', command);
    out[command.split(/\s+/)[2]!] = r.stdout;
  }
  assert.match(out['ls']!, /^98 words: /);
  assert.match(out['init']!, /^wrote \d+ files into my-experiment\/ from the built-in setting animal-flag:/);
  assert.match(out['check']!, /^pre-check of my-experiment on mw-base: PASS$/m);
  assert.doesNotMatch(out['check']!, /FAIL/);
  assert.match(out['run']!, /^pre-check of my-experiment on mw-base: PASS$/m);
  assert.match(out['run']!, /^sweep: 6\/6 cells done/m);
  assert.match(out['status']!, /: done; setting my-experiment; cells: 6 done, 0 running, 0 pending, 0 failed/);
  const report = /^report: (.+\.html)$/m.exec(out['report']!);
  assert.ok(report !== null && existsSync(report[1]!), out['report']);
  assert.match(out['report']!, /^full\s+3e-4\s+64\s/m);

  const project = openProject(join(dir, '.bct'), { readonly: true });
  try {
    const sweep = resolveSweep(project.db);
    assert.equal(sweep.status, 'done');
    const grades = readFileSync(join(dir, 'grades.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { label: string });
    const n = project.db.prepare(`SELECT COUNT(*) AS n FROM sweep_grades WHERE sweep_id = ?`).get(sweep.id) as { n: number };
    assert.equal(grades.length, n.n);
    // 6 cells × 5 checkpoints × (100 eval + 16 train answers).
    assert.equal(grades.length, 6 * 5 * 116);
    assert.ok(grades.every((g) => ['initial', 'alternate', 'other', 'compatible', 'incompatible'].includes(g.label)));
  } finally {
    project.db.close();
  }
});
