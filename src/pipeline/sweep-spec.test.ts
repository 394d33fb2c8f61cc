import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { issuePath, reportedIssue } from '../settings/index.js';
import { canonicalJson } from '../store/index.js';
import { checkpointSteps, grid, gridOf, pointSteps, runName, sweepConfigSchema, trainedConfig, TRAINING_FIELDS } from './sweep-spec.js';

test('grid is the cartesian product in a fixed order and skips empty axes', () => {
  const g = grid({ lr: [1e-4, 1e-3], seed: [0, 1], batchSize: [8], steps: [10], epochs: [], loraRank: [0, 4] });
  assert.equal(g.length, 8);
  assert.deepEqual(g[0], { lr: 1e-4, seed: 0, batchSize: 8, steps: 10, loraRank: 0 });
  assert.deepEqual(g[1], { lr: 1e-4, seed: 0, batchSize: 8, steps: 10, loraRank: 4 });
  assert.deepEqual(g[7], { lr: 1e-3, seed: 1, batchSize: 8, steps: 10, loraRank: 4 });
  assert.equal(new Set(g.map(runName)).size, 8, 'names are unique');
});

test('runName writes exact short numbers', () => {
  assert.equal(runName({ lr: 3e-4, seed: 2, batchSize: 16, steps: 100, loraRank: 0 }), 'lr=3e-4.seed=2.bs=16.steps=100.full');
  assert.equal(runName({ lr: 0.1 + 0.2, seed: 0, batchSize: 1, epochs: 2.5, loraRank: 8 }), 'lr=3e-1.seed=0.bs=1.epochs=2.5e0.lora8');
});

test('checkpoint schedules always include step 0 and the last step', () => {
  assert.deepEqual(checkpointSteps(10, { every: 4 }), [0, 4, 8, 10]);
  assert.deepEqual(checkpointSteps(100, { count: 3 }), [0, 1, 10, 100]);
  assert.deepEqual(checkpointSteps(2, { count: 5 }), [0, 1, 2]);
  assert.deepEqual(checkpointSteps(1, {}), [0, 1]);
});

test('epochs become steps once the dataset size is known', () => {
  assert.equal(pointSteps({ lr: 1, seed: 0, batchSize: 8, epochs: 2, loraRank: 0 }, 20), 5);
  assert.equal(pointSteps({ lr: 1, seed: 0, batchSize: 8, steps: 7, loraRank: 0 }, 20), 7);
});

test('the schema fills defaults, refuses unknown keys and names the field', () => {
  const c = sweepConfigSchema.parse({ setting: 'x' });
  assert.deepEqual(c.lrs, [1e-4, 1e-3]);
  assert.equal(gridOf(trainedConfig(c)).length, 2);
  const bad = sweepConfigSchema.safeParse({ setting: 'x', lrs: [1e-3, -1] });
  assert.equal(bad.success, false);
  assert.deepEqual(bad.error!.issues[0]!.path, ['lrs', 1]);
  assert.equal(sweepConfigSchema.safeParse({ setting: 'x', lr: [1] }).success, false);
  assert.equal(sweepConfigSchema.safeParse({ setting: 'x', steps: [1], epochs: [1] }).success, false);
});

test('every numeric field has a hard cap, and the error names the allowed range and the value', () => {
  const issue = (fields: Record<string, unknown>): string => {
    const r = sweepConfigSchema.safeParse({ setting: 'x', ...fields });
    assert.equal(r.success, false, JSON.stringify(fields));
    const i = r.error!.issues[0]!;
    return `${i.path.join('.')}: ${i.message}`;
  };
  assert.equal(issue({ steps: [1e12] }), 'steps.0: expected an integer in [1, 1000000], got 1000000000000');
  assert.equal(issue({ samplesPerPrompt: 1e9 }), 'samplesPerPrompt: expected an integer in [1, 1000], got 1000000000');
  assert.equal(issue({ loraRanks: [0, 100000] }), 'loraRanks.1: expected an integer in [0, 4096], got 100000');
  assert.equal(issue({ batchSizes: [1e8] }), 'batchSizes.0: expected an integer in [1, 4096], got 100000000');
  assert.equal(issue({ epochs: [1e4] }), 'epochs.0: expected a number in (0, 1000], got 10000');
  assert.equal(issue({ checkpointCount: 5000 }), 'checkpointCount: expected an integer in [1, 1000], got 5000');
  assert.equal(issue({ maxTokens: 1e6 }), 'maxTokens: expected an integer in [1, 32768], got 1000000');
  assert.equal(issue({ trainPromptsPerCheckpoint: 1e7 }), 'trainPromptsPerCheckpoint: expected an integer in [0, 100000], got 10000000');
  assert.equal(issue({ seeds: [2 ** 31] }), 'seeds.0: expected an integer in [0, 2147483647], got 2147483648');
  assert.equal(issue({ lrs: [10] }), 'lrs.0: expected a number in (0, 1], got 10');
  assert.equal(issue({ betas: [0.9, 1] }), 'betas.1: expected a number in [0, 1), got 1');
  assert.equal(issue({ jobs: 1000 }), 'jobs: expected an integer in [1, 64], got 1000');
  assert.equal(issue({ temperature: -1 }), 'temperature: expected a number in [0, 10], got -1');
  assert.equal(issue({ budget: { maxUsd: 2e9 } }), 'budget.maxUsd: expected a number in (0, 1000000000], got 2000000000');
  assert.equal(issue({ budget: { maxTokens: 1e16 } }), 'budget.maxTokens: expected an integer in [1, 1000000000000000], got 10000000000000000');
  assert.equal(issue({ budget: {} }), 'budget: expected maxUsd or maxTokens (or both)');
  assert.equal(issue({ prices: [{ backend: 'tinker', model: 'm', train: 1, prefill: 1, sample: 1e7 }] }), 'prices.0.sample: expected a number in [0, 1000000], got 10000000');
  assert.equal(issue({ seeds: Array.from({ length: 65 }, (_, i) => i) }), 'seeds: expected at most 64 values, got 65');
  assert.equal(issue({ lrs: Array(64).fill(1e-3), seeds: Array.from({ length: 64 }, (_, i) => i), batchSizes: [1, 2] }), ': the grid has 8192 cells (lrs 64 × seeds 64 × batchSizes 2 × steps 1 × loraRanks 1); expected at most 4096');
  // The bounds of the reference sweeps hold with room to spare.
  assert.equal(sweepConfigSchema.safeParse({ setting: 'x', lrs: [1e-4, 3e-4, 1e-3, 3e-3, 1e-2], seeds: [0, 1, 2], batchSizes: [16], steps: [128], loraRanks: [0, 8], checkpointCount: 6 }).success, true);
});

test('data, settingParams and warmupSteps: absent unless given (so a sweep without them keeps its keys), bounded when given', () => {
  const plain = sweepConfigSchema.parse({ setting: 'animal-flag' });
  for (const field of ['data', 'settingParams', 'warmupSteps']) assert.equal(field in plain, false, field);
  const given = sweepConfigSchema.parse({ setting: 'animal-flag', data: { kind: 'teacher', model: 'models/mw-base' }, settingParams: { trainPrompts: 1024 }, warmupSteps: 10 });
  assert.deepEqual(given.data, { kind: 'teacher', model: 'models/mw-base', backend: 'embedded', attempts: 4, temperature: 0.7 });
  assert.deepEqual(given.settingParams, { trainPrompts: 1024 });
  assert.equal(given.warmupSteps, 10);
  for (const bad of [{ warmupSteps: -1 }, { warmupSteps: 1.5 }, { warmupSteps: 2_000_000 }, { data: { kind: 'pool' } }, { data: { kind: 'stream', seed: -1 } }, { settingParams: { trainPrompts: 100_000 } }]) {
    assert.equal(sweepConfigSchema.safeParse({ setting: 'animal-flag', ...bad }).success, false, JSON.stringify(bad));
  }
});

// ── served sweeps (served.ts): checkpoints trained elsewhere, named by the models their server serves.

/** The brief's example: a vLLM serving LoRA adapters of Qwen3-8B by name. */
const SERVED = {
  setting: 'chat-rh-plain',
  backend: { name: 'openai', baseUrl: 'http://gpu-box:8000/v1', renderer: 'qwen3' },
  organism: { id: 'qwen3-8b', base: 'Qwen/Qwen3-8B', induction: { kind: 'none' } },
  served: [{ lr: 1e-4, seed: 0, loraRank: 32, checkpoints: { 0: 'Qwen/Qwen3-8B', 50: 'rh-1e-4-s50', 100: 'rh-1e-4-s100' } }],
};

/** `field: message` of the issue a sweep file's reader reports (cli/config.ts `validateConfig`). */
function refused(fields: Record<string, unknown>): string {
  const r = sweepConfigSchema.safeParse(fields);
  assert.equal(r.success, false, JSON.stringify(fields).slice(0, 200));
  const issue = reportedIssue(r.error!.issues);
  return `${issuePath(issue.path)}: ${issue.message}`;
}

test('a served sweep parses as written (YAML steps included), gives no training field, and its recorded spec reads back the same', () => {
  const yaml = parse('served:\n  - { lr: 1.0e-4, seed: 0, loraRank: 32, checkpoints: { 0: Qwen/Qwen3-8B, 50: rh-1e-4-s50, 100: rh-1e-4-s100 } }\n') as { served: unknown };
  const c = sweepConfigSchema.parse({ ...SERVED, served: yaml.served });
  assert.deepEqual(c.served, [{ lr: 1e-4, seed: 0, loraRank: 32, checkpoints: { 0: 'Qwen/Qwen3-8B', 50: 'rh-1e-4-s50', 100: 'rh-1e-4-s100' } }]);
  for (const field of TRAINING_FIELDS) assert.equal(field in c, false, `${field} is not defaulted in a served sweep`);
  // resume.ts parses the recorded spec again: it must be accepted and equal.
  assert.deepEqual(sweepConfigSchema.parse(JSON.parse(canonicalJson(c))), c);
  assert.deepEqual(sweepConfigSchema.parse({ ...SERVED, served: [{ lr: 1e-3, seed: 1, checkpoints: { 8: 'm' } }] }).served, [{ lr: 1e-3, seed: 1, loraRank: 0, checkpoints: { 8: 'm' } }], 'loraRank defaults to 0');
  assert.equal(sweepConfigSchema.parse({ ...SERVED, data: { kind: 'reference' } }).served?.length, 1, 'the default data source may be named');
  // A trained sweep still gets every default, and no served field.
  const trained = sweepConfigSchema.parse({ setting: 'x' });
  assert.deepEqual([trained.lrs, trained.seeds, trained.batchSizes, trained.loraRanks, trained.loraAlpha, trained.optimizer, trained.eps], [[1e-4, 1e-3], [0], [8], [0], 16, 'research', 1e-12]);
  assert.equal('served' in trained, false);
});

test('a served sweep refuses every training field given, other data, a backend that cannot name its models; the error names the field', () => {
  const given = (field: string, value: unknown) => refused({ ...SERVED, [field]: value });
  for (const [field, value] of [['lrs', [1e-4]], ['seeds', [0]], ['batchSizes', [8]], ['steps', [100]], ['epochs', [2]], ['loraRanks', [32]], ['loraAlpha', 32], ['optimizer', 'research'], ['betas', [0.9, 0.95]], ['eps', 1e-8], ['weightDecay', 0], ['gradClip', 1], ['warmupSteps', 10], ['checkpointEvery', 10], ['checkpointCount', 4]] as const) {
    assert.equal(given(field, value), `${field}: a served sweep trains nothing: its cells and their checkpoints come from \`served\` (lr, seed, loraRank, batchSize, checkpoints), so ${field} cannot be given`);
  }
  assert.equal(given('data', { kind: 'on-policy' }), 'data: a served sweep trains nothing, so it builds no training data; remove data (on-policy)');
  assert.match(given('backend', 'embedded'), /^backend: a served sweep samples checkpoints by the model names a server gives them; the embedded backend reads checkpoint folders: serve them .*use backend openai$/);
  assert.match(given('backend', { name: 'tinker', baseUrl: 'http://gpu-box:8000' }), /^backend: .*the tinker backend samples only the sampler weights it recorded itself/);
  assert.match(refused({ setting: 'x', backend: 'openai' }), /^backend: the openai backend samples only .* give `served` to evaluate checkpoints served elsewhere$/);
  assert.match(given('backend', { name: 'openai', renderer: 'chatml' }), /^backend\.renderer: expected one of qwen3, /, 'an openai form\'s error names its own field');
  assert.equal(given('backend', { name: 'openai', apiKey: 'sk-secret' }), 'backend: Unrecognized key: "apiKey"');
});

test('served cells and checkpoints are bounded, steps are integers, and each cell is given once; the error names served[i]', () => {
  const cell = (fields: Record<string, unknown>) => refused({ ...SERVED, served: [{ lr: 1e-4, seed: 0, checkpoints: { 50: 'm' } }, { lr: 3e-4, seed: 0, ...fields }] });
  assert.equal(cell({ seed: 0, lr: 1e-4, checkpoints: { 100: 'n' } }), 'served[1]: the same cell as served[0] (lr=1e-4.seed=0.full: lr, seed, loraRank and batchSize); give each cell once, with all its checkpoints');
  assert.match(refused({ ...SERVED, served: [{ lr: 1e-4, seed: 0, checkpoints: { 50: 'm' } }, { lr: 1.0000001e-4, seed: 0, checkpoints: { 50: 'n' } }] }), /^served\[1\]: the same cell as served\[0\] \(lr=1e-4\.seed=0\.full:/, 'LRs that one name cannot tell apart');
  assert.ok(sweepConfigSchema.safeParse({ ...SERVED, served: [{ lr: 1e-4, seed: 0, checkpoints: { 50: 'm' } }, { lr: 1e-4, seed: 0, batchSize: 8, checkpoints: { 50: 'n' } }] }).success, 'another batch size is another cell');
  for (const step of ['-5', '1.5', '007', '1e3', 'last', '1000001']) {
    assert.equal(cell({ checkpoints: { [step]: 'm' } }), `served[1].checkpoints.${step}: expected a step: an integer in [0, 1000000] without sign, point or leading zero, got ${JSON.stringify(step)}`);
  }
  assert.equal(cell({ checkpoints: { 0: 'base' } }), 'served[1].checkpoints: expected at least one checkpoint after step 0 (step → served model name)');
  assert.equal(cell({ checkpoints: Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [String(i + 1), `m${i}`])) }), 'served[1].checkpoints: expected at most 1000 checkpoints after step 0, got 1001');
  assert.equal(cell({ checkpoints: { 50: 'x'.repeat(4097) } }), 'served[1].checkpoints.50: expected at most 4096 characters, got 4097');
  assert.match(cell({ checkpoints: { 50: 7 } }), /^served\[1\]\.checkpoints\.50: Invalid input: expected string/);
  assert.equal(cell({ lr: 2, checkpoints: { 50: 'm' } }), 'served[1].lr: expected a number in (0, 1], got 2');
  assert.equal(cell({ loraRank: 1.5, checkpoints: { 50: 'm' } }), 'served[1].loraRank: expected an integer in [0, 4096], got 1.5');
  assert.equal(cell({ batchSize: 0, checkpoints: { 50: 'm' } }), 'served[1].batchSize: expected an integer in [1, 4096], got 0');
  assert.equal(cell({ steps: 100, checkpoints: { 50: 'm' } }), 'served[1]: Unrecognized key: "steps"');
  assert.equal(refused({ ...SERVED, served: [] }), 'served: expected at least one cell');
  const many = Array.from({ length: 4097 }, (_, i) => ({ lr: 1e-4, seed: i, checkpoints: { 1: 'm' } }));
  assert.equal(refused({ ...SERVED, served: many }), 'served: expected at most 4096 cells, got 4097');
});
