// `bct plan` and `bct run --dry-run`: the same lines, nothing written (no project folder made, a record
// left as it was); prices from a file beside the sweep file; what `bct run` would refuse is refused; a
// sweep stopped at its budget reads as stopped, with its tokens and cost, in `bct run` and `bct status`.
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { bctIn, recordDigest } from '../../test/e2e/cli.js';
import { buildTinyOrganism, writeTinySweep } from '../../test/e2e/tiny-organism.js';
import { tempDir } from '../../test/temp-dir.js';

const dir = tempDir('bct-plan-cli-');
buildTinyOrganism(join(dir, 'organism'));
const { file } = writeTinySweep(dir, { name: 'tiny', lrs: [3e-2], seeds: [0, 1], steps: [6], checkpointEvery: 3, samplesPerPrompt: 2, trainPromptsPerCheckpoint: 4, maxTokens: 3, prices: 'prices.yaml' });
writeFileSync(join(dir, 'prices.yaml'), stringify({ prices: [{ backend: 'embedded', model: 'organism', train: 2, prefill: 1, sample: 4, source: 'test numbers, not a price' }] }));

test('bct plan shows cells, requests, tokens and cost, and writes nothing; --dry-run prints the same', async () => {
  const project = join(dir, 'fresh');
  const plan = await bctIn(['plan', file, '--project', project]);
  assert.equal(plan.status, 0, plan.stderr);
  assert.equal(existsSync(project), false, 'no project folder is made');
  const out = plan.stdout;
  assert.match(out, /^plan of sweep tiny \(backend embedded, model .*organism\): 2 cells, 12 training steps, \d+ answers\n  not run yet/);
  assert.match(out, /lr=3e-2\.seed=0\.bs=4\.steps=6\.full +6 +3 +72 +264 /, 'steps, checkpoints, answers, trained tokens of a cell');
  assert.match(out, /training: 12 steps, one forwardBackward and one optimStep call each; 4 checkpoints saved/);
  assert.match(out, /tokens: trained 528 \(exact\), prompt [\d,]+ \(exact\), sampled ≈ [\d,]+ .*; total ≈ [\d,]+\n/);
  assert.match(out, /cost: ≈ \$0\.\d+ at embedded\/organism: train \$2, prefill \$1, sample \$4 per million tokens \(test numbers, not a price\)/);
  const dry = await bctIn(['run', file, '--project', project, '--dry-run']);
  assert.equal(dry.status, 0, dry.stderr);
  assert.equal(dry.stdout, out);
  assert.equal(existsSync(project), false);

  const ran = join(dir, 'ran');
  const run = await bctIn(['run', file, '--project', ran]);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /\nsweep +528 +[\d,]+ +[\d,]+ +0 +\$0\.\d+\n  prices: embedded\/organism/, 'the sweep\'s tokens and cost after the run');
  const digest = recordDigest(join(ran, 'record.sqlite'));
  const again = await bctIn(['plan', file, '--project', ran]);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /in the record: done, 2 of 2 cells done[\s\S]*recorded so far: [\d,]+ tokens, \$0\.\d+/);
  assert.equal((await bctIn(['run', file, '--project', ran, '--dry-run'])).stdout, again.stdout);
  assert.equal(recordDigest(join(ran, 'record.sqlite')), digest, 'the record is not touched');
});

test('what bct run would refuse, bct plan refuses, naming the field, flag or file', async () => {
  const project = join(dir, 'refused');
  const cases: [string[], RegExp][] = [
    [['--prices', join(dir, 'none.yaml')], /^bct plan: .*none\.yaml: no such file or folder/],
    [['--budget', 'dollars=5'], /^bct plan: --budget: expected maxUsd=N and\/or maxTokens=N/],
    [['--budget', 'maxTokens=1.5'], /^bct plan: --budget: expected an integer in \[1, 1000000000000000\], got 1\.5 \(budget\.maxTokens\)/],
    [['--steps', '200000'], /^bct plan: checkpointEvery: a checkpoint every 3 of 200000 steps is 66667 checkpoints per cell/],
  ];
  for (const [flags, says] of cases) {
    const r = await bctIn(['plan', file, '--project', project, ...flags]);
    assert.equal(r.status, 2, `${flags.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, says);
  }
  // A budget in USD needs a price for the model; the sweep file's prices have none for another one.
  writeFileSync(join(dir, 'other-prices.yaml'), stringify({ prices: [{ backend: 'embedded', model: 'mw-base', train: 1, prefill: 1, sample: 1 }] }));
  const usd = await bctIn(['plan', file, '--project', project, '--prices', join(dir, 'other-prices.yaml'), '--budget', 'maxUsd=5']);
  assert.equal(usd.status, 2);
  assert.match(usd.stderr, /^bct plan: budget\.maxUsd: a budget in USD needs a price for every model the sweep calls, and prices has none for backend "embedded", model ".*organism"/);
  writeFileSync(join(dir, 'bad-prices.yaml'), stringify({ prices: [{ backend: 'embedded', model: '*', train: -1, prefill: 1, sample: 1 }] }));
  const bad = await bctIn(['plan', file, '--project', project, '--prices', join(dir, 'bad-prices.yaml')]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^bct plan: --prices: expected a number in \[0, 1000000\], got -1 \(prices\[0\]\.train\)/);
  writeFileSync(join(dir, 'not-prices.yaml'), stringify({ price: [] }));
  const wrong = await bctIn(['plan', file, '--project', project, '--prices', join(dir, 'not-prices.yaml')]);
  assert.match(wrong.stderr, /not-prices\.yaml: expected a mapping with one field, prices: .*got the field price/);
  assert.equal(existsSync(project), false);
});

test('a sweep stopped at its budget exits 0 with the stop line, and bct status shows it stopped with its tokens', async () => {
  const project = join(dir, 'stopped');
  const run = await bctIn(['run', file, '--project', project, '--budget', 'maxTokens=1500']);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stderr, '');
  const lines = run.stdout.trimEnd().split('\n');
  assert.match(lines[lines.length - 1]!, /^sweep tiny stopped at its budget: .*maxTokens 1,500; run the same command with a higher budget to resume$/);
  assert.match(run.stdout, /  budget: [\d,]+ of maxTokens 1,500\n/);
  const status = await bctIn(['status', '--project', project]);
  assert.match(status.stdout, /^sweep 1 tiny: stopped; setting tiny-flag; cells: 1 done, 0 running, 1 pending, 0 failed\n  stopped at its budget: /);
  assert.match(status.stdout, /\ntokens +trained +prompt +sampled +judged +cost\n/);
  const resumed = await bctIn(['run', file, '--project', project, '--budget', 'maxTokens=1e6']);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match((await bctIn(['status', '--project', project])).stdout, /^sweep 1 tiny: done;/);
});
