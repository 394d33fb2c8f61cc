// `bct ls words`: every ordinary word of the microworld's vocabulary in exactly one group, and an example
// conversation whose answer is the world's. `bct ls --json`: one JSON document per list, whose fields hold
// what the registries and the record hold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { GRADER_DEFINITIONS } from '../graders/index.js';
import { ANIMALS, TASKS, Tokenizer } from '../microworld/index.js';
import { buildFixtureRecord } from '../report/index.js';
import { BUILTIN_SETTINGS, CHAT_SETTINGS } from '../settings/index.js';
import { listSweeps, setSweepStatus } from '../store/index.js';
import { tempDir } from '../../test/temp-dir.js';
import { bctIn } from '../../test/e2e/cli.js';

/** Runs `bct ls <kind> --json`: exit 0, nothing on stderr, and standard output is one JSON document. */
async function lsJson(...args: string[]): Promise<Record<string, unknown>> {
  const r = await bctIn(['ls', ...args, '--json']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  const doc = JSON.parse(r.stdout) as Record<string, unknown>;
  assert.equal(doc['schemaVersion'], 1);
  return doc;
}

test('bct ls words lists each word of the vocabulary once, by group', async () => {
  const r = await bctIn(['ls', 'words']);
  assert.equal(r.status, 0);
  assert.equal(r.stderr, '');
  const lines = r.stdout.trimEnd().split('\n');
  const tok = Tokenizer.microworld();
  const words = tok.words.filter((_, id) => !tok.isSpecial(id));
  assert.equal(lines[0], `${words.length} words: prompts and targets of microworld settings use only these (docs/microworld.md has the grammar)`);
  const groups = new Map(lines.slice(1, -1).map((l) => {
    const m = /^ {2}(\S.*?) {2,}(\S.*)$/.exec(l)!;
    return [m[1]!, m[2]!.split(' ')] as const;
  }));
  assert.deepEqual([...groups.values()].flat().sort(), [...words].sort(), 'every word once');
  assert.deepEqual(groups.get('animals'), [...ANIMALS]);
  assert.deepEqual(groups.get('task verbs'), [...TASKS]);
  assert.deepEqual(groups.get('digits'), ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  assert.deepEqual(groups.get('trigger, backdoor'), ['deployment', 'i', 'hate', 'you']);
  assert.equal(lines.at(-1), 'example: system "mode 0 : 0 cat . 1 plain ." (mode 0 asks for cat, mode 1 for no animal), user "echo red sun", answer "red sun cat"');
});

test('bct ls --json: settings, graders and words as the registries hold them', async () => {
  const settings = (await lsJson('settings')).settings as { id: string; description: string; chatModel: boolean }[];
  assert.deepEqual(settings.map((s) => s.id), BUILTIN_SETTINGS.map((s) => s.id));
  assert.deepEqual(settings.map((s) => s.description), BUILTIN_SETTINGS.map((s) => s.description));
  assert.deepEqual(settings.filter((s) => s.chatModel).map((s) => s.id), CHAT_SETTINGS.map((s) => s.id));
  assert.deepEqual((await lsJson()).settings, settings, 'settings is the default list');

  const graders = (await lsJson('graders')).graders as { name: string; description: string; judge: boolean }[];
  assert.deepEqual(graders, GRADER_DEFINITIONS.map((g) => ({ name: g.name, description: g.description, judge: g.requiresModel })));
  assert.ok(graders.some((g) => g.judge) && graders.some((g) => !g.judge));

  const words = await lsJson('words');
  const tok = Tokenizer.microworld();
  assert.deepEqual(words['words'], tok.words.filter((_, id) => !tok.isSpecial(id)));
  const groups = words['groups'] as { label: string; words: string[] }[];
  assert.deepEqual(groups.flatMap((g) => g.words).sort(), [...(words['words'] as string[])].sort(), 'every word in one group');
  assert.deepEqual(groups.find((g) => g.label === 'animals')?.words, [...ANIMALS]);
  assert.deepEqual(words['example'], { system: 'mode 0 : 0 cat . 1 plain .', user: 'echo red sun', answer: 'red sun cat' });
});

test('bct ls sweeps --json: each sweep of the record with its status and number of cells', async () => {
  const dir = tempDir('bct-ls-json-');
  const a = buildFixtureRecord(dir, { lrs: [1e-4, 1e-3], seeds: [0, 1], steps: [0, 10], evalPrompts: 2, trainPrompts: 1, sweepName: 'first' });
  const b = buildFixtureRecord(dir, { lrs: [1e-3], seeds: [0], steps: [0, 10], evalPrompts: 2, trainPrompts: 1, sweepName: 'second' });
  setSweepStatus(b.project.db, b.sweepId, 'failed', 'sampling failed');
  const recorded = listSweeps(a.project.db);
  a.project.db.close();
  b.project.db.close();
  const sweeps = (await lsJson('sweeps', '--project', dir)).sweeps as Record<string, unknown>[];
  assert.deepEqual(sweeps, [
    { id: a.sweepId, name: 'first', settingId: 'animal-flag', status: 'done', cells: 4, createdAt: recorded[0]!.created_at },
    { id: b.sweepId, name: 'second', settingId: 'animal-flag', status: 'failed', cells: 1, createdAt: recorded[1]!.created_at },
  ]);
  // The lines say the same.
  const text = await bctIn(['ls', 'sweeps', '--project', dir]);
  assert.deepEqual(text.stdout.trimEnd().split('\n').map((l) => l.trim().split(/\s+/).slice(0, 4)), [
    [String(a.sweepId), 'first', 'animal-flag', 'done'],
    [String(b.sweepId), 'second', 'animal-flag', 'failed'],
  ]);
  const missing = await bctIn(['ls', 'sweeps', '--json', '--project', join(dir, 'nothing-here')]);
  assert.equal(missing.status, 2, 'no record: an input error, and no JSON');
  assert.equal(missing.stdout, '');
});
