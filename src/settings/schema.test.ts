import assert from 'node:assert/strict';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../test/temp-dir.js';
import { ConfigError, DataError } from '../errors.js';
import { applyInduction, loadSettingFile, resolveSetting } from './index.js';

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
