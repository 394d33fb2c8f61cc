// `bct ls words`: every ordinary word of the microworld's vocabulary in exactly one group, and an example
// conversation whose answer is the world's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ANIMALS, TASKS, Tokenizer } from '../microworld/index.js';
import { bctIn } from '../../test/e2e/cli.js';

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
