// A user setting's `spread:` (types.ts AlternateSpread): loaded with its prompts, in the hash only when
// declared, and refused with the field named when it names an evaluation or prompt that is not there or a
// grader that calls a model.
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse, stringify } from 'yaml';
import { REPO } from '../../test/e2e/cli.js';
import { tempDir } from '../../test/temp-dir.js';
import { ConfigError } from '../errors.js';
import { loadSettingFile } from './schema.js';

const FIXTURE = join(REPO, 'test', 'fixtures', 'tiny-setting');

/** The tiny setting copied to a fresh folder with `spread` set (or left out); returns its path. */
function withSpread(spread: unknown): string {
  const dir = tempDir('bct-spread-schema-');
  for (const f of ['train.jsonl', 'eval.jsonl', 'nll.jsonl', 'cap.jsonl']) copyFileSync(join(FIXTURE, f), join(dir, f));
  const setting = parse(readFileSync(join(FIXTURE, 'setting.yaml'), 'utf8')) as Record<string, unknown>;
  const file = join(dir, 'setting.yaml');
  writeFileSync(file, stringify(spread === undefined ? setting : { ...setting, spread }));
  return file;
}

const GRADER = { name: 'contains', args: { classes: { alternate: 'dog' } } };

test('a declared spread is loaded and hashed; without one the hash is the fixture file\'s own', () => {
  const plain = loadSettingFile(withSpread(undefined));
  assert.equal(plain.spread, undefined);
  assert.equal(plain.hash, loadSettingFile(join(FIXTURE, 'setting.yaml')).hash);
  const all = loadSettingFile(withSpread({ grader: GRADER }));
  assert.deepEqual(all.spread, { grader: GRADER });
  const some = loadSettingFile(withSpread({ grader: GRADER, prompts: { mode1: ['c0', 'c2'] } }));
  assert.deepEqual(some.spread?.prompts, { mode1: ['c0', 'c2'] });
  assert.equal(new Set([plain.hash, all.hash, some.hash]).size, 3, 'the spread is part of the content');
});

test('a spread that names what is not there, or a model-graded grader, is refused with the field named', () => {
  const refused = (spread: unknown, pattern: RegExp): void =>
    assert.throws(() => loadSettingFile(withSpread(spread)), (e) => e instanceof ConfigError && pattern.test(e.message), JSON.stringify(spread));
  refused({ grader: GRADER, prompts: { heldout: ['n0'] } }, /spread\.prompts\.heldout: expected the name of an accuracy evaluation \(mode1\)/);
  refused({ grader: GRADER, prompts: { mode1: ['c0', 'zz'] } }, /spread\.prompts\.mode1: prompt "zz" is not in capability evaluation mode1/);
  const judge = { name: 'llm-judge', args: { question: 'echo {{completion}}', yes: 'alternate', no: 'other', yesText: 'dog', noText: 'cat' } };
  refused({ grader: judge }, /spread\.grader: expected a grader that calls no model, got llm-judge/);
  refused({ grader: GRADER, extra: 1 }, /spread/);
});
