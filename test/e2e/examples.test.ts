// Every sweep under examples/ parses and plans offline (no server is asked: the renderer comes from the
// model name), every setting its run.sh loops over exists, and the README's case-study figures are the
// ones the plan prints, so neither the files nor the README can drift from what bctlab accepts.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { resolveSetting } from '../../src/settings/index.js';
import { tempDir } from '../temp-dir.js';
import { bctIn, REPO } from './cli.js';

const EXAMPLES = join(REPO, 'examples');

function filesUnder(dir: string, ends: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(ends))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

// A server that cannot be reached: a plan that asked it would fail instead of printing.
process.env.TINKER_BASE_URL = 'http://127.0.0.1:9';

test('every sweep under examples/ plans offline, with the renderer from the model name and a cost', async () => {
  const sweeps = filesUnder(EXAMPLES, '.yaml');
  assert.ok(sweeps.length > 0, 'examples/ holds sweep files');
  for (const file of sweeps) {
    const r = await bctIn(['plan', file, '--offline', '--project', join(tempDir('bct-examples-'), 'p')]);
    const name = relative(REPO, file);
    assert.equal(r.status, 0, `${name}: ${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /^plan of sweep \S+ \(backend tinker, model [^)]+\): \d+ cells/, name);
    assert.match(r.stdout, /\n {2}offline: no server asked; renderers from the model names \(organism qwen3\);/, name);
    assert.match(r.stdout, /\ncost: ≈ \$\d+\.\d+ at tinker\//, `${name}: its prices cover every role with tokens`);
  }
});

test('every setting an example run.sh loops over is a built-in setting', () => {
  for (const script of filesUnder(EXAMPLES, 'run.sh')) {
    const text = readFileSync(script, 'utf8');
    const variants = /for variant in ([a-z -]+); do/.exec(text)?.[1]?.split(' ');
    assert.ok(variants !== undefined && variants.length > 0, `${script} names its variants`);
    const prefix = /--setting "([a-z-]+)\$variant"/.exec(text)?.[1];
    assert.ok(prefix !== undefined, `${script} passes --setting`);
    for (const v of variants) assert.equal(resolveSetting(`${prefix}${v}`, 'setting').id, `${prefix}${v}`);
  }
});

test("the README's case-study figures are the plan's", async () => {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const r = await bctIn(['plan', join(EXAMPLES, 'inoculation-qwen3', 'sweep.yaml'), '--offline', '--setting', 'chat-rh-plain', '--name', 'inoculation-plain', '--project', join(tempDir('bct-examples-'), 'p')]);
  assert.equal(r.status, 0, r.stderr);
  const head = /: (\d+) cells, ([\d,]+) training steps, ([\d,]+) answers\n/.exec(r.stdout);
  const tokens = /\ntokens: trained ([\d,]+) \(exact\), prompt ([\d,]+) \(exact\), sampled ≈ ([\d,]+) .*; total ≈ ([\d,]+)\n/.exec(r.stdout);
  const cost = /\ncost: ≈ (\$[\d.]+) at/.exec(r.stdout);
  assert.ok(head !== null && tokens !== null && cost !== null, r.stdout);
  const row = `| \`chat-rh-plain\` | ${tokens[1]} | ${tokens[2]} | ${tokens[3]} | ${tokens[4]} | ${cost[1]} |`;
  assert.ok(readme.includes(row), `README has the row ${row}`);
  assert.ok(readme.replace(/\s+/g, ' ').includes(`${head[1]} cells, ${head[2]} training steps and ${head[3]} answers`), 'README states the grid');
});

test('bct plan --offline refuses a model whose renderer its name does not give, naming the field', async () => {
  const dir = tempDir('bct-examples-');
  const file = join(dir, 'sweep.yaml');
  writeFileSync(file, stringify({ setting: 'chat-rh-plain', organism: { id: 'x', base: 'acme/unknown-model', induction: { kind: 'none' } }, backend: { name: 'tinker' }, lrs: [1e-4], loraRanks: [8], steps: [4] }));
  const r = await bctIn(['plan', file, '--offline', '--project', join(dir, 'p')]);
  assert.equal(r.status, 2, `${r.stdout}${r.stderr}`);
  assert.match(r.stderr, /organism\.base.*cannot plan offline: no chat renderer is known for model "acme\/unknown-model"|cannot plan offline: no chat renderer is known for model "acme\/unknown-model".*organism\.base/);
});

test('bct run --dry-run --offline prints what bct plan --offline prints; --offline alone is refused', async () => {
  const file = join(EXAMPLES, 'chat-qwen3', 'sweep.yaml');
  const project = join(tempDir('bct-examples-'), 'p');
  const plan = await bctIn(['plan', file, '--offline', '--project', project]);
  const dry = await bctIn(['run', file, '--dry-run', '--offline', '--project', project]);
  assert.equal(dry.status, 0, dry.stderr);
  assert.equal(dry.stdout, plan.stdout);
  const refused = await bctIn(['run', file, '--offline', '--project', project]);
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /--offline: is read only with --dry-run/);
});
