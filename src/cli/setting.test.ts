// `bct setting export <name> DIR`: every built-in written out as setting files loads back into the
// built-in's prompts, targets (written out per prompt), graders, capability sets, spread, organism and
// version, so into its setting hash; `bct check` of the written file is the built-in's check (the tiny
// organism), which a file without the spread is not; and the flags of the data source and setting
// parameters parse.
process.env.BCT_GEMM = 'typescript';

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { bctIn, recordDigest } from '../../test/e2e/cli.js';
import { buildTinyOrganism } from '../../test/e2e/tiny-organism.js';
import { settingContent } from '../../test/setting-content.js';
import { tempDir } from '../../test/temp-dir.js';
import { BUILTIN_SETTINGS, resolveSetting, type Setting } from '../settings/index.js';
import { parseDataSource, parseSettingParams } from './sweep-options.js';

/** A setting's content, and what export writes beyond `bct init --from`: the spread and the version. */
const content = (s: Setting) => ({ ...settingContent(s), spread: s.spread, version: s.version });

const root = tempDir('bct-setting-export-');

test('every built-in, exported, loads back into the same prompts, targets, graders, capability sets, spread, organism and hash', async () => {
  for (const b of BUILTIN_SETTINGS) {
    const dir = join(root, b.id);
    const r = await bctIn(['setting', 'export', b.id, dir]);
    assert.equal(r.status, 0, `${b.id}: ${r.stderr}`);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, new RegExp(`^wrote the built-in setting ${b.id} as setting ${b.id} into `));
    const written = resolveSetting(join(dir, 'setting.yaml'));
    assert.equal(written.id, b.id);
    const builtin = resolveSetting(b.id);
    assert.deepEqual(content(written), content(builtin), b.id);
    assert.equal(written.hash, builtin.hash, `${b.id}: the built-in's setting hash`);
    // The setting's files only: no sweep, no README.
    assert.deepEqual(readdirSync(dir).sort(), ['capability', 'eval.jsonl', 'setting.yaml', 'train.jsonl'], b.id);
    assert.match(readFileSync(join(dir, 'setting.yaml'), 'utf8'), new RegExp(`^# ${b.id}: the built-in setting ${b.id} of bctlab, written out as files by \`bct setting export\``));
    // Each train line carries its target: a built-in's reference targets are code, the file's are data.
    const first = JSON.parse(readFileSync(join(dir, 'train.jsonl'), 'utf8').split('\n')[0]!) as { target?: string };
    assert.equal(typeof first.target, 'string', b.id);
  }
});

test('bct check of an exported setting is the built-in\'s check, spread included', async () => {
  const dir = join(root, 'checked', 'animal-flag');
  assert.equal((await bctIn(['setting', 'export', 'animal-flag', dir])).status, 0);
  const file = join(dir, 'setting.yaml');
  const builtin = resolveSetting('animal-flag');
  assert.ok(builtin.spread !== undefined, 'animal-flag declares a spread');
  assert.deepEqual(resolveSetting(file).spread, builtin.spread, 'the spread bct check loads from the file');
  // The tiny organism reads the microworld's words (it fails this pre-check: it is trained on another
  // world); the check is recorded under a key of the setting's hash.
  buildTinyOrganism(join(root, 'tiny'));
  const project = join(root, 'p');
  const check = (setting: string) => bctIn(['check', setting, '--base', join(root, 'tiny'), '--project', project, '--json']);
  const first = await check('animal-flag');
  assert.equal(first.status, 1, first.stderr);
  assert.equal((JSON.parse(first.stdout) as { settingId: string }).settingId, 'animal-flag');
  const digest = recordDigest(join(project, 'record.sqlite'));
  const again = await check(file);
  assert.equal(again.status, 1, again.stderr);
  assert.deepEqual(JSON.parse(again.stdout), JSON.parse(first.stdout), 'the same result');
  assert.equal(recordDigest(join(project, 'record.sqlite')), digest, 'read from the record: the file is the built-in, spread included');
  // Without its spread the file is another setting: checked anew.
  const text = readFileSync(file, 'utf8');
  const cut = text.indexOf('\nspread:\n');
  assert.ok(cut > 0, text);
  const bare = join(dir, 'no-spread.yaml');
  writeFileSync(bare, text.slice(0, text.lastIndexOf('\n#', cut) + 1));
  assert.equal(resolveSetting(bare).spread, undefined);
  assert.equal((await check(bare)).status, 1);
  assert.notEqual(recordDigest(join(project, 'record.sqlite')), digest, 'a check of its own');
});

test('bct setting export refuses an unknown name, a missing folder argument and existing files', async () => {
  const unknown = await bctIn(['setting', 'export', 'no-such-setting', join(root, 'x')]);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /<name>: expected the name of a built-in setting \(animal-flag, .*\), got "no-such-setting"/);
  assert.equal(existsSync(join(root, 'x')), false);
  const noDir = await bctIn(['setting', 'export', 'animal-flag']);
  assert.equal(noDir.status, 2);
  assert.match(noDir.stderr, /DIR: expected the folder to write the setting into/);
  const action = await bctIn(['setting', 'import', 'animal-flag', join(root, 'y')]);
  assert.equal(action.status, 2);
  assert.match(action.stderr, /action: expected the action export .*got "import"/);
  const dir = join(root, 'twice');
  assert.equal((await bctIn(['setting', 'export', 'animal-flag', dir])).status, 0);
  const again = await bctIn(['setting', 'export', 'animal-flag', dir]);
  assert.equal(again.status, 2);
  assert.match(again.stderr, /setting\.yaml, .* already exist; bct setting export overwrites nothing/);
});

test('--data and --setting-params: a kind, then name=value fields', () => {
  assert.deepEqual(parseDataSource('stream'), { kind: 'stream' });
  assert.deepEqual(parseDataSource('stream,seed=3'), { kind: 'stream', seed: 3 });
  assert.deepEqual(parseDataSource('teacher, model=models/mw-base ,temperature=1e-1'), { kind: 'teacher', model: 'models/mw-base', temperature: 0.1 });
  assert.deepEqual(parseDataSource('dataset,file=pairs.jsonl'), { kind: 'dataset', file: 'pairs.jsonl' });
  assert.deepEqual(parseSettingParams('trainPrompts=1024'), { trainPrompts: 1024 });
  assert.throws(() => parseDataSource(',seed=3'), /expected a source kind first/);
  assert.throws(() => parseDataSource('stream,seed'), /expected name=value items, comma-separated \(like dataset,file=pairs\.jsonl\), got "stream,seed"/);
  assert.throws(() => parseDataSource('stream,seed=1,seed=2'), /seed is given twice/);
  assert.throws(() => parseSettingParams('trainPrompts='), /expected name=value items/);
});
