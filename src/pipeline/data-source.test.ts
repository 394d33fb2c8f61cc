// The data source of a sweep and its data key: without `data` the setting's own targets, keyed as they
// always were (keys-stable.test.ts pins those); naming the same source gives the same key; each input a
// source depends on changes the key, and where a teacher runs does not.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../test/temp-dir.js';
import { buildTinyOrganism, TINY_SETTING } from '../../test/e2e/tiny-organism.js';
import { ConfigError } from '../errors.js';
import { loadSettingFile, type Setting } from '../settings/index.js';
import { openProject } from '../store/index.js';
import { makeContext } from './context.js';
import { dataSourceOf, dataSourceSchema } from './data-source.js';
import { dataKey, teacherKey } from './keys.js';
import { silentProgress } from './progress.js';
import { sweepConfigSchema } from './sweep-spec.js';

const dir = tempDir('bct-data-source-');
buildTinyOrganism(join(dir, 'organism'));
const project = openProject(join(dir, 'p'), { create: true });
const tiny = loadSettingFile(TINY_SETTING);

/** The data key of the tiny setting (or `setting`) with these sweep fields. */
function keyOf(fields: Record<string, unknown>, setting: Setting = tiny): string {
  const ctx = makeContext(project, sweepConfigSchema.parse({ setting: TINY_SETTING, base: join(dir, 'organism'), ...fields }), silentProgress, setting);
  return dataKey(ctx);
}

test('without data, the setting\'s own targets; naming them is the same source and the same key', () => {
  assert.deepEqual(dataSourceOf(undefined, tiny), { kind: 'reference' });
  assert.equal(keyOf({ data: { kind: 'reference' } }), keyOf({}));
  const onPolicy: Setting = { ...tiny, targets: { kind: 'on-policy', attempts: 3, temperature: 0.5 } };
  assert.deepEqual(dataSourceOf(undefined, onPolicy), { kind: 'on-policy', attempts: 3, temperature: 0.5 });
  assert.equal(keyOf({ data: { kind: 'on-policy', attempts: 3, temperature: 0.5 } }, onPolicy), keyOf({}, onPolicy));
  assert.notEqual(keyOf({ data: { kind: 'on-policy', attempts: 3, temperature: 0.7 } }, onPolicy), keyOf({}, onPolicy));
  assert.throws(() => dataSourceOf({ kind: 'reference' }, onPolicy), (e: unknown) => e instanceof ConfigError && e.where === 'data.kind' && /has no reference targets/.test(e.message));
  assert.throws(() => dataSourceOf({ kind: 'stream', seed: 0 }, tiny), (e: unknown) => e instanceof ConfigError && e.where === 'data.kind' && /no train-prompt generator/.test(e.message));
});

test('each source keys what its examples depend on', () => {
  const keys = new Set([
    keyOf({}),
    keyOf({ data: { kind: 'on-policy' } }),
    keyOf({ data: { kind: 'on-policy' }, maxTokens: 5 }), // sampled answers are cut at maxTokens
    keyOf({ data: { kind: 'teacher', model: join(dir, 'organism') } }),
    keyOf({ data: { kind: 'teacher', model: join(dir, 'organism'), temperature: 1 } }),
  ]);
  assert.equal(keys.size, 5);
  // Reference targets are not sampled: maxTokens is not in their key.
  assert.equal(keyOf({ maxTokens: 5 }), keyOf({}));
  // A dataset by its bytes, not its name.
  const a = join(dir, 'a.jsonl');
  const b = join(dir, 'b.jsonl');
  writeFileSync(a, '{"prompt": "echo red", "completion": "dog"}\n');
  writeFileSync(b, '{"prompt": "echo red", "completion": "dog"}\n');
  assert.equal(keyOf({ data: { kind: 'dataset', file: a } }), keyOf({ data: { kind: 'dataset', file: b } }));
  writeFileSync(b, '{"prompt": "echo red", "completion": "cat"}\n');
  assert.notEqual(keyOf({ data: { kind: 'dataset', file: a } }), keyOf({ data: { kind: 'dataset', file: b } }));
  assert.throws(() => keyOf({ data: { kind: 'dataset', file: join(dir, 'missing.jsonl') } }), /missing\.jsonl: cannot read the dataset file named by data\.file: no such file/);
});

test('a teacher is keyed by what it computes, never by where it runs', () => {
  const teacher = (backend: unknown) => dataSourceSchema.parse({ kind: 'teacher', model: 'Qwen/Qwen3-8B', backend }) as Extract<ReturnType<typeof dataSourceSchema.parse>, { kind: 'teacher' }>;
  const here = teacherKey(teacher({ name: 'openai', baseUrl: 'http://127.0.0.1:8000/v1', apiKeyEnv: 'KEY_A', maxInFlight: 4, api: 'chat' }));
  const there = teacherKey(teacher({ name: 'openai', baseUrl: 'http://gpu-box:9000/v1', apiKeyEnv: 'KEY_B', api: 'chat' }));
  assert.deepEqual(here, there);
  assert.deepEqual(here, { backend: 'openai', args: { api: 'chat' }, model: 'name:Qwen/Qwen3-8B', adapter: null });
  assert.notDeepEqual(teacherKey(teacher({ name: 'openai', api: 'completions' })), here, 'the API mode changes what is computed');
  // A local teacher by its files' content.
  const local = teacherKey(dataSourceSchema.parse({ kind: 'teacher', model: join(dir, 'organism') }) as never);
  assert.match(local.model, /^[0-9a-f]{32,}$/);
  assert.equal(dataSourceSchema.safeParse({ kind: 'teacher', model: 'x', backend: 'cuda' }).success, false);
  assert.equal(dataSourceSchema.safeParse({ kind: 'teacher', model: 'x', attempts: 101 }).success, false);
  assert.equal(dataSourceSchema.safeParse({ kind: 'dataset', file: 'x', seed: 1 }).success, false);
});
