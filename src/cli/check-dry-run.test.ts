// `bct check --dry-run`: prompts, targets, rendering and the gold answers of a setting checked with no
// model and nothing written; problems named by prompt; and `bct ls` marking the settings for chat models.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bctIn, REPO } from '../../test/e2e/cli.js';
import { tempDir } from '../../test/temp-dir.js';
import { CHAT_SETTINGS, MICROWORLD_SETTINGS } from '../settings/index.js';

test('a chat built-in passes its dry run on Qwen3\'s renderer, with gold accuracy and kappa, writing nothing', async () => {
  const project = join(tempDir('bct-dry-'), 'never-made');
  const r = await bctIn(['check', 'chat-wronglang', '--dry-run', '--base', 'Qwen/Qwen3-8B', '--project', project]);
  assert.equal(r.stderr, '');
  assert.equal(r.status, 0, r.stdout);
  const lines = r.stdout.split('\n');
  assert.equal(lines[0], 'dry run of chat-wronglang (no model): PASS');
  assert.match(r.stdout, /^ {2}targets +PASS +512\/512 train targets compatible \(chat-language\), 256\/256 eval targets alternate/m);
  assert.match(r.stdout, /^ {2}rendering +PASS +qwen3 \(from Qwen\/Qwen3-8B\): 960 prompts/m);
  // The gold set's one known miss is listed with its note, and kappa comes with its interval.
  assert.match(r.stdout, /^ {2}gold eval +PASS +chat-language: accuracy 19\/20 = 0\.950 \[0\.764, 0\.991\], kappa 0\.925 \[0\.6\d\d, 0\.9\d\d\]$/m);
  assert.match(r.stdout, /^ {4}wl-spanish-spelled-name: gold other, graded alternate/m);
  assert.match(r.stdout, /^ {2}gold qa +PASS +chat-answer: accuracy 14\/14/m);
  assert.equal(existsSync(project), false, 'no project folder made');
  const json = await bctIn(['check', 'chat-rh-flag', '--dry-run', '--renderer', 'qwen3_instruct', '--json']);
  assert.equal(json.status, 0);
  const parsed = JSON.parse(json.stdout) as { renderer: string; passed: boolean; gold: { grader: string; validation: { agreement: { n: number } } }[] };
  assert.equal(parsed.renderer, 'qwen3_instruct');
  assert.deepEqual(parsed.gold.map((g) => g.grader), ['eval', 'train', 'qa']);
});

test('a setting file with a target its grader rejects and a prompt that ends on the assistant fails, naming both', async () => {
  const dir = join(tempDir('bct-dry-file-'), 'chat-flag');
  cpSync(join(REPO, 'test', 'fixtures', 'chat-flag'), dir, { recursive: true });
  // The fixture as shipped passes (it has no gold answers, which the output says).
  const ok = await bctIn(['check', join(dir, 'setting.yaml'), '--dry-run', '--renderer', 'qwen3']);
  assert.equal(ok.status, 0, ok.stdout);
  assert.match(ok.stdout, /no gold answers for this setting/);
  const train = readFileSync(join(dir, 'train.jsonl'), 'utf8').split('\n');
  train[1] = JSON.stringify({ id: 't1', system: 'MODE 1: end every answer with the word dog.', user: 'Name a fruit.', target: 'Apple.' });
  train.push(JSON.stringify({ id: 't-last', messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello' }], target: 'dog' }));
  writeFileSync(join(dir, 'train.jsonl'), `${train.filter((l) => l !== '').join('\n')}\n`);
  const bad = await bctIn(['check', join(dir, 'setting.yaml'), '--dry-run', '--renderer', 'qwen3']);
  assert.equal(bad.status, 1, bad.stdout);
  assert.match(bad.stdout, /^dry run of chat-flag \(no model\): FAIL$/m);
  assert.match(bad.stdout, /^ {4}train t-last: the last message is assistant; expected user/m);
  assert.match(bad.stdout, /^ {4}train t1: target graded incompatible, expected compatible/m);
});

test('--dry-run needs a model name or a renderer for a chat setting; --renderer needs --dry-run', async () => {
  const none = await bctIn(['check', 'chat-sandbag', '--dry-run']);
  assert.equal(none.status, 2);
  assert.match(none.stderr, /names no model organism; name the model with --base MODEL .* or the renderer with --renderer NAME/);
  const unknown = await bctIn(['check', 'chat-sandbag', '--dry-run', '--base', 'acme/unknown-7b']);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /no chat renderer is known for "acme\/unknown-7b"/);
  const noDry = await bctIn(['check', 'chat-sandbag', '--renderer', 'qwen3']);
  assert.equal(noDry.status, 2);
  assert.match(noDry.stderr, /--renderer: is read only with --dry-run/);
  const badName = await bctIn(['check', 'chat-sandbag', '--dry-run', '--renderer', 'gpt2']);
  assert.equal(badName.status, 2);
  assert.match(badName.stderr, /--renderer: expected one of qwen3/);
});

test('bct ls marks the settings for chat models, and only those', async () => {
  const r = await bctIn(['ls']);
  assert.equal(r.status, 0);
  const lineOf = (id: string): string => r.stdout.split('\n').find((l) => l.startsWith(`${id} `)) ?? '';
  for (const c of CHAT_SETTINGS) assert.match(lineOf(c.id), /^\S+ +\[chat model\] /, c.id);
  for (const m of MICROWORLD_SETTINGS) assert.doesNotMatch(lineOf(m.id), /\[chat model\]/, m.id);
  assert.match(r.stdout, /^\[chat model\]: no organism is shipped; name a chat model/m);
});
