// A sweep's results never depend on what its project ran before. For every field of the sweep spec and of
// the setting file, a pair of sweeps that differ in that field alone is run into one project (first A,
// then B) and B alone into a fresh project; B's per-checkpoint metrics, capability scores and graded
// answers must be identical either way. Answers and metrics are shared across sweeps by content key, so
// this is what catches a stage that picks up another sweep's rows (or misses its own).
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse, stringify } from 'yaml';
import { sweepConfigSchema } from '../../src/pipeline/sweep-spec.js';
import { settingFileSchema } from '../../src/settings/index.js';
import { tempDir } from '../temp-dir.js';
import { bctIn, REPO } from './cli.js';
import { sweepResults } from './results.js';
import { buildTinyOrganism } from './tiny-organism.js';

const FIXTURE = join(REPO, 'test', 'fixtures', 'tiny-setting');
type Fields = Record<string, unknown>;

/** A copy of the tiny setting with `edit` applied to its YAML and its JSONL files; returns its path. */
function settingVariant(dir: string, name: string, edit: (yaml: Fields, files: Record<string, string[]>) => void): string {
  const out = join(dir, `setting-${name}`);
  mkdirSync(out);
  const yaml = parse(readFileSync(join(FIXTURE, 'setting.yaml'), 'utf8')) as Fields;
  const files: Record<string, string[]> = {};
  for (const f of ['train.jsonl', 'eval.jsonl', 'nll.jsonl', 'cap.jsonl']) files[f] = readFileSync(join(FIXTURE, f), 'utf8').trim().split('\n');
  edit(yaml, files);
  for (const [f, lines] of Object.entries(files)) writeFileSync(join(out, f), `${lines.join('\n')}\n`);
  writeFileSync(join(out, 'setting.yaml'), stringify(yaml));
  return join(out, 'setting.yaml');
}


test('a sweep gives the same results in a project that ran other sweeps as in a fresh one, field by field', async () => {
  const dir = tempDir('bct-independence-');
  buildTinyOrganism(join(dir, 'organism'), 60, 1);
  buildTinyOrganism(join(dir, 'organism-2'), 120, 2); // seed 2 needs more than 60 steps to answer every case right
  const organism = { id: 'tiny', base: join(dir, 'organism'), induction: { kind: 'none' } };
  const setting = join(FIXTURE, 'setting.yaml');
  const base: Fields = {
    setting,
    organism,
    lrs: [3e-2],
    seeds: [0],
    batchSizes: [4],
    steps: [4],
    checkpointEvery: 2,
    samplesPerPrompt: 2,
    trainPromptsPerCheckpoint: 4,
    temperature: 0.7,
    maxTokens: 3,
  };
  const variant = (name: string, edit: Parameters<typeof settingVariant>[2]): Fields => ({ setting: settingVariant(dir, name, edit) });
  const evalIds = (files: Record<string, string[]>) => files['eval.jsonl']!;
  // Sweep-spec fields: [field, changes to A, changes to B].
  const sweepPairs: [string, Fields, Fields][] = [
    ['name', { name: 'first' }, { name: 'second' }],
    ['setting', {}, variant('eval-subset', (_y, f) => f['eval.jsonl']!.splice(4))],
    ['organism', {}, { organism: { ...organism, id: 'tiny-framed', induction: { kind: 'template', user: 'echo {{prompt}}' } } }],
    ['base', {}, { base: join(dir, 'organism-2') }],
    ['backend', {}, { backend: 'embedded' }],
    ['settingParams', {}, { settingParams: { trainPrompts: 6 } }],
    ['data', {}, { data: { kind: 'on-policy', attempts: 2 } }],
    // The tiny setting's graders ask no judge: naming one changes the sweep's identity, not its results.
    ['judge', {}, { judge: 'organism' }],
    ['lrs', {}, { lrs: [3e-2, 1e-3] }],
    ['seeds', {}, { seeds: [0, 1] }],
    ['batchSizes', {}, { batchSizes: [2] }],
    ['steps', {}, { steps: [6] }],
    ['epochs', {}, { steps: undefined, epochs: [1] }],
    ['loraRanks', {}, { loraRanks: [4] }],
    ['loraAlpha', { loraRanks: [4] }, { loraRanks: [4], loraAlpha: 4 }],
    ['optimizer', {}, { optimizer: 'bctlab-0.1' }],
    ['betas', {}, { betas: [0.8, 0.99] }],
    ['eps', {}, { eps: 1e-6 }],
    ['weightDecay', {}, { weightDecay: 0.1 }],
    ['gradClip', {}, { gradClip: 0 }],
    ['warmupSteps', {}, { warmupSteps: 2 }],
    ['checkpointEvery', {}, { checkpointEvery: 1 }],
    ['checkpointCount', {}, { checkpointEvery: undefined, checkpointCount: 3 }],
    ['samplesPerPrompt', {}, { samplesPerPrompt: 3 }],
    ['trainPromptsPerCheckpoint', {}, { trainPromptsPerCheckpoint: 8 }],
    ['temperature', {}, { temperature: 1.2 }],
    ['topP', {}, { topP: 0.5 }],
    ['maxTokens', {}, { maxTokens: 2 }],
    ['sampleSeed', {}, { sampleSeed: 7 }],
    ['jobs', {}, { jobs: 2 }],
    ['force', {}, { force: true }],
    ['skipCheck', {}, { skipCheck: true }],
    // A budget the sweep stays under and prices change no result, only what is shown and when it stops.
    ['prices', {}, { prices: [{ backend: 'embedded', model: '*', train: 1, prefill: 0.5, sample: 2 }] }],
    ['budget', {}, { budget: { maxTokens: 1e12, maxUsd: 1000 }, prices: [{ backend: 'embedded', model: '*', train: 1, prefill: 1, sample: 1 }] }],
  ];
  // Setting-file fields, each changed in B's setting only.
  const settingPairs: [string, Fields][] = [
    ['id', variant('id', (y) => (y.id = 'tiny-flag-renamed'))],
    ['version', variant('version', (y) => (y.version = 2))],
    ['description', variant('description', (y) => (y.description = 'another description'))],
    ['trainPrompts', variant('train', (_y, f) => f['train.jsonl']!.splice(6))],
    ['evalPrompts', variant('eval', (_y, f) => evalIds(f).push('{"id": "e8", "system": "mode 0", "user": "echo star", "meta": {"word": "star"}, "target": "dog"}'))],
    ['initialBehaviour', variant('initial', (y) => (y.initialBehaviour = 'says cat on mode 0'))],
    ['alternateBehaviour', variant('alternate', (y) => (y.alternateBehaviour = 'says dog always'))],
    ['graders', variant('graders', (y) => ((y.graders as Fields).eval = { name: 'contains', args: { classes: { initial: 'cat' }, otherwise: 'alternate' } }))],
    ['targets', variant('targets', (y) => (y.targets = { kind: 'on-policy', attempts: 2, temperature: 0.7 }))],
    ['capabilityEvals', variant('capability', (_y, f) => f['cap.jsonl']!.splice(2))],
    // B's setting records the spread of dog onto its capability prompts; A's records none.
    ['spread', variant('spread', (y) => (y.spread = { grader: { name: 'contains', args: { classes: { alternate: 'dog' } } } }))],
    ['organism', variant('organism', (y) => (y.organism = { id: 'tiny-own', base: join(dir, 'organism'), induction: { kind: 'none' } }))],
  ];
  // Every field is exercised: a new field of either schema must be added above.
  // `served` needs a server and no training fields, so its pair is not one of these: src/pipeline/
  // served.test.ts runs a served sweep into a project that trained first, and again under other labels,
  // and checks both against the trained sweep's results field by field.
  const elsewhere = ['served'];
  const sweepFields = Object.keys(shapeOf(sweepConfigSchema)).filter((f) => !elsewhere.includes(f)).sort();
  assert.deepEqual(sweepPairs.map((p) => p[0]).sort(), sweepFields, 'a pair for every sweep-spec field');
  assert.deepEqual(settingPairs.map((p) => p[0]).sort(), Object.keys(shapeOf(settingFileSchema)).sort(), 'a pair for every setting field');

  const pairs: [string, Fields, Fields][] = [...sweepPairs, ...settingPairs.map(([f, b]): [string, Fields, Fields] => [`setting.${f}`, {}, b])];
  const run = async (project: string, fields: Fields, file: string): Promise<void> => {
    const spec = Object.fromEntries(Object.entries({ ...base, ...fields }).filter(([, v]) => v !== undefined));
    // The setting's own organism is used only when the sweep names none.
    if (fields.setting !== undefined && String(fields.setting).includes('setting-organism')) delete spec.organism;
    writeFileSync(file, stringify(spec));
    const r = await bctIn(['run', file, '--project', project, '--force']);
    assert.equal(r.status, 0, `${file}: ${r.stdout}\n${r.stderr}`);
  };
  let n = 0;
  for (const [field, a, b] of pairs) {
    n++;
    const shared = join(dir, `shared-${n}`);
    const fresh = join(dir, `fresh-${n}`);
    await run(shared, { name: 'sweep-a', ...a }, join(dir, `a-${n}.yaml`));
    await run(shared, { name: 'sweep-b', ...b }, join(dir, `b-${n}.yaml`));
    await run(fresh, { name: 'sweep-b', ...b }, join(dir, `b-fresh-${n}.yaml`));
    const bName = b.name === undefined ? 'sweep-b' : String(b.name);
    const got = sweepResults(shared, bName);
    const want = sweepResults(fresh, bName);
    assert.ok((want as { metrics: unknown[] }).metrics.length > 0, `${field}: the fresh sweep has metrics`);
    assert.deepEqual(got, want, `${field}: the second sweep's results depend on the first`);
  }
});

/** The object shape behind a zod schema (through its refinements). */
function shapeOf(schema: unknown): Record<string, unknown> {
  let s = schema as { shape?: Record<string, unknown>; def?: { schema?: unknown; in?: unknown; innerType?: unknown } };
  for (let i = 0; i < 10 && s.shape === undefined; i++) s = (s.def?.schema ?? s.def?.in ?? s.def?.innerType) as typeof s;
  if (s.shape === undefined) throw new Error('no object shape found behind the schema');
  return s.shape;
}
