import assert from 'node:assert/strict';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../test/temp-dir.js';
import { ConfigError, DataError } from '../errors.js';
import { applyInduction, loadSettingFile, MAX_CAPABILITY_EVALS, MAX_INPUT_FILE_BYTES, MAX_JSONL_PROMPTS, resolveSetting } from './index.js';

const FIXTURE = 'test/fixtures/tiny-setting';

function fixtureCopy(yamlText: string): string {
  const dir = tempDir('bct-setting-');
  for (const f of ['train.jsonl', 'eval.jsonl', 'nll.jsonl', 'cap.jsonl']) copyFileSync(join(FIXTURE, f), join(dir, f));
  writeFileSync(join(dir, 'setting.yaml'), yamlText);
  return join(dir, 'setting.yaml');
}

test('loads the tiny fixture setting with prompts, targets and a stable hash', () => {
  const s = loadSettingFile(join(FIXTURE, 'setting.yaml'));
  assert.equal(s.id, 'tiny-flag');
  assert.equal(s.version, '1');
  assert.equal(s.trainPrompts.length, 8);
  assert.deepEqual(s.evalPrompts[0]!.messages, [{ role: 'system', content: 'mode 0' }, { role: 'user', content: 'echo red' }]);
  assert.equal(s.targets.kind === 'reference' && s.targets.target(s.trainPrompts[0]!), 'dog');
  assert.equal(s.targets.kind === 'reference' && s.targets.target(s.evalPrompts[0]!), 'dog');
  assert.equal(s.capabilityEvals[0]!.kind, 'nll');
  assert.match(s.hash, /^[0-9a-f]{32}$/);
  assert.equal(loadSettingFile(join(FIXTURE, 'setting.yaml')).hash, s.hash);
});

test('a changed target changes the hash', async () => {
  const { readFileSync } = await import('node:fs');
  const path = fixtureCopy(readFileSync(join(FIXTURE, 'setting.yaml'), 'utf8'));
  const before = loadSettingFile(path).hash;
  const train = join(path, '..', 'train.jsonl');
  writeFileSync(train, readFileSync(train, 'utf8').replace('"dog"', '"cat"'));
  assert.notEqual(loadSettingFile(path).hash, before);
});

test('errors name the file, the field path and what was expected', async () => {
  const { readFileSync } = await import('node:fs');
  const good = readFileSync(join(FIXTURE, 'setting.yaml'), 'utf8');
  const noFile = fixtureCopy(good.replace('evalPrompts: { file: eval.jsonl }', 'evalPrompts: { path: eval.jsonl }'));
  assert.throws(() => loadSettingFile(noFile), (e: unknown) => e instanceof ConfigError && e.message.includes(noFile) && /evalPrompts/.test(e.message));
  const missingField = fixtureCopy(good.replace('evalPrompts: { file: eval.jsonl }', 'evalPrompts: {}'));
  assert.throws(() => loadSettingFile(missingField), /evalPrompts\.file: .*expected string/);
  const badGrader = fixtureCopy(good.replace('name: contains', 'name: containz'));
  assert.throws(() => loadSettingFile(badGrader), /graders\.eval\.name: expected one of regex, contains/);
  const badArgs = fixtureCopy(good.replace('{ classes: { initial: cat, alternate: dog } }', '{ classes: { initial: 7 } }'));
  assert.throws(() => loadSettingFile(badArgs), /graders\.eval\.args\.classes\.initial/);
  const missingJsonl = fixtureCopy(good.replace('file: eval.jsonl', 'file: nope.jsonl'));
  assert.throws(() => loadSettingFile(missingJsonl), (e: unknown) => e instanceof DataError && /nope\.jsonl/.test(e.message) && /evalPrompts\.file/.test(e.message));
  const badLine = fixtureCopy(good);
  writeFileSync(join(badLine, '..', 'eval.jsonl'), '{"id":"a","user":"x"}\n{"id":"b"}\n');
  assert.throws(() => loadSettingFile(badLine), /eval\.jsonl:2: .*either "messages" or "user"/);
});

test('unknown built-in names list the known ones; induction applies', () => {
  assert.throws(() => resolveSetting('no-such-setting'), /unknown setting "no-such-setting"; known settings:/);
  const p = { id: 'x', messages: [{ role: 'user' as const, content: 'echo red' }] };
  assert.deepEqual(applyInduction({ id: 'o', base: 'b', induction: { kind: 'system-prompt', system: 'mode 0' } }, p).messages[0], { role: 'system', content: 'mode 0' });
  assert.equal(applyInduction({ id: 'o', base: 'b', induction: { kind: 'template', user: 'note : {{prompt}}' } }, p).messages[0]!.content, 'note : echo red');
});

test('a JSON setting file loads like the YAML one', async () => {
  const { parse } = await import('yaml');
  const { readFileSync } = await import('node:fs');
  const yamlPath = fixtureCopy(readFileSync(join(FIXTURE, 'setting.yaml'), 'utf8'));
  const jsonPath = yamlPath.replace(/\.yaml$/, '.json');
  writeFileSync(jsonPath, JSON.stringify(parse(readFileSync(yamlPath, 'utf8'))));
  assert.equal(loadSettingFile(jsonPath).hash, loadSettingFile(yamlPath).hash);
  writeFileSync(jsonPath, '{"id": "x",');
  assert.throws(() => loadSettingFile(jsonPath), /setting\.json: not valid JSON/);
});

test('setting and JSONL files over 16 MiB are refused by size before they are read; JSONL line counts are bounded', async () => {
  const { readFileSync, truncateSync } = await import('node:fs');
  const good = readFileSync(join(FIXTURE, 'setting.yaml'), 'utf8');
  // Sparse 50 MB files: stat reports the size without 50 MB being written (or, if refused first, read).
  const bigSetting = fixtureCopy(good);
  truncateSync(bigSetting, 50 * 2 ** 20);
  assert.throws(() => loadSettingFile(bigSetting), (e: unknown) => e instanceof ConfigError && e.where === bigSetting && /file is 50\.0 MiB \(52428800 bytes\); expected at most 16\.0 MiB/.test(e.message));
  const bigPrompts = fixtureCopy(good);
  truncateSync(join(bigPrompts, '..', 'eval.jsonl'), 50 * 2 ** 20);
  assert.throws(() => loadSettingFile(bigPrompts), (e: unknown) => e instanceof DataError && /eval\.jsonl: file is 50\.0 MiB/.test(e.message));
  const manyLines = fixtureCopy(good);
  writeFileSync(join(manyLines, '..', 'eval.jsonl'), Array.from({ length: MAX_JSONL_PROMPTS + 1 }, (_, i) => `{"id":"e${i}","user":"x"}`).join('\n'));
  assert.throws(() => loadSettingFile(manyLines), /eval\.jsonl: 100001 prompt lines; expected at most 100000 \(named by evalPrompts\.file\)/);
  assert.equal(MAX_INPUT_FILE_BYTES, 16 * 2 ** 20);
});

test('numeric and length fields of a setting file are bounded, naming the field and the range', async () => {
  const { readFileSync } = await import('node:fs');
  const good = readFileSync(join(FIXTURE, 'setting.yaml'), 'utf8');
  const attempts = fixtureCopy(good.replace('targets: { kind: reference }', 'targets: { kind: on-policy, attempts: 1000000 }'));
  assert.throws(() => loadSettingFile(attempts), /setting\.yaml: targets\.attempts: expected an integer in \[1, 100\], got 1000000/);
  const hot = fixtureCopy(good.replace('targets: { kind: reference }', 'targets: { kind: on-policy, temperature: 50 }'));
  assert.throws(() => loadSettingFile(hot), /targets\.temperature: expected a number in \[0, 10\], got 50/);
  const evals = Array.from({ length: MAX_CAPABILITY_EVALS + 1 }, (_, i) => `  - { kind: nll, name: h${i}, file: nll.jsonl }`).join('\n');
  const tooMany = fixtureCopy(good.replace(/capabilityEvals:[\s\S]*$/, `capabilityEvals:\n${evals}\n`));
  assert.throws(() => loadSettingFile(tooMany), /capabilityEvals: expected at most 64 capability evaluations, got 65/);
  const longId = fixtureCopy(good.replace('id: tiny-flag', `id: ${'a'.repeat(200)}`));
  assert.throws(() => loadSettingFile(longId), /id: expected at most 128 characters, got 200/);
});
