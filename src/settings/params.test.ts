// Setting parameters (`settingParams` of a sweep): a microworld built-in generates `trainPrompts` train
// prompts from its seeded stream (a larger set starts with the default one), any other setting keeps its
// first that many; the content hash changes only when the content does. And the train-prompt generator
// a microworld built-in exposes for `data: { kind: stream }`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TINY_SETTING } from '../../test/e2e/tiny-organism.js';
import { respond } from '../microworld/index.js';
import { ConfigError } from '../errors.js';
import { BUILTIN_SETTINGS, CHAT_SETTINGS, MAX_TRAIN_PROMPTS, MICROWORLD_SETTINGS, resolveSetting, settingParamsSchema, trainingHash } from './index.js';

test('a microworld built-in generates trainPrompts train prompts; the default set is the first 256 of a larger one', () => {
  for (const b of MICROWORLD_SETTINGS) {
    const plain = resolveSetting(b.id);
    const more = resolveSetting(b.id, 'setting', { trainPrompts: 300 });
    const fewer = resolveSetting(b.id, 'setting', { trainPrompts: 10 });
    assert.equal(more.trainPrompts.length, 300, b.id);
    assert.deepEqual(more.trainPrompts.slice(0, plain.trainPrompts.length), plain.trainPrompts, `${b.id}: the default prompts come first`);
    assert.deepEqual(fewer.trainPrompts, plain.trainPrompts.slice(0, 10), b.id);
    assert.notEqual(more.hash, plain.hash, `${b.id}: other content, another hash`);
    assert.equal(resolveSetting(b.id, 'setting', { trainPrompts: plain.trainPrompts.length }).hash, plain.hash, `${b.id}: the default count is the same content`);
    assert.deepEqual(more.evalPrompts, plain.evalPrompts, `${b.id}: eval prompts do not move`);
  }
});

test('a setting without a generator keeps its first trainPrompts prompts, and cannot make more', () => {
  const file = resolveSetting(TINY_SETTING);
  const six = resolveSetting(TINY_SETTING, 'setting', { trainPrompts: 6 });
  assert.deepEqual(six.trainPrompts, file.trainPrompts.slice(0, 6));
  assert.notEqual(six.hash, file.hash);
  assert.throws(() => resolveSetting(TINY_SETTING, 'setting', { trainPrompts: 9 }), (e: unknown) => e instanceof ConfigError && e.where === 'settingParams.trainPrompts' && /has 8 train prompts and generates none; expected at most 8/.test(e.message));
  const chat = CHAT_SETTINGS[0]!;
  const full = resolveSetting(chat.id);
  assert.deepEqual(resolveSetting(chat.id, 'setting', { trainPrompts: 100 }).trainPrompts, full.trainPrompts.slice(0, 100));
  assert.throws(() => resolveSetting(chat.id, 'setting', { trainPrompts: full.trainPrompts.length + 1 }), /settingParams\.trainPrompts: .* expected at most 512/);
});

test('settingParams are bounded and named', () => {
  assert.deepEqual(settingParamsSchema.parse({ trainPrompts: 1 }), { trainPrompts: 1 });
  assert.deepEqual(settingParamsSchema.parse({ trainPrompts: MAX_TRAIN_PROMPTS }), { trainPrompts: MAX_TRAIN_PROMPTS });
  for (const bad of [{ trainPrompts: 0 }, { trainPrompts: MAX_TRAIN_PROMPTS + 1 }, { trainPrompts: 2.5 }, { trainPrompt: 8 }]) assert.equal(settingParamsSchema.safeParse(bad).success, false, JSON.stringify(bad));
});

test('the train-prompt generator: a pure function of seed and index, from the train prompts\' distribution, with reference targets', () => {
  for (const b of MICROWORLD_SETTINGS) {
    const s = resolveSetting(b.id);
    const stream = s.trainPromptStream!;
    assert.equal(stream.id, b.id);
    const target = s.targets.kind === 'reference' ? s.targets.target : () => null;
    const prompts = Array.from({ length: 64 }, (_, i) => stream.prompt(7, i));
    // Drawn in another order, the same prompts.
    assert.deepEqual([...prompts.keys()].reverse().map((i) => stream.prompt(7, i)), [...prompts].reverse(), b.id);
    assert.notDeepEqual(stream.prompt(8, 0), prompts[0], `${b.id}: another seed, another stream`);
    assert.ok(new Set(prompts.map((p) => JSON.stringify(p.messages))).size >= 56, `${b.id}: fresh prompts`);
    // Each is a conversation of the world, in the train prompts' form, with a target.
    const form = (messages: readonly { role: string }[]) => messages.map((m) => m.role).join(',');
    for (const p of prompts) {
      assert.equal(form(p.messages), form(s.trainPrompts[0]!.messages), b.id);
      assert.equal(typeof respond(p.messages), 'string');
      assert.notEqual(target(p), null, `${b.id} ${p.id}`);
    }
  }
  // Chat settings and file settings draw no fresh prompts.
  assert.equal(resolveSetting(TINY_SETTING).trainPromptStream, undefined);
  assert.ok(BUILTIN_SETTINGS.filter((b) => resolveSetting(b.id).trainPromptStream !== undefined).every((b) => MICROWORLD_SETTINGS.includes(b)));
});

test('targetStyle writes a microworld setting\'s reference targets in another surface form, same content, another hash', async () => {
  const { splitSurface } = await import('../microworld/index.js');
  for (const b of MICROWORLD_SETTINGS) {
    const terse = resolveSetting(b.id);
    const polite = resolveSetting(b.id, 'setting', { targetStyle: 'polite' });
    const base = resolveSetting(b.id, 'setting', { targetStyle: 'base' });
    assert.equal(resolveSetting(b.id, 'setting', { targetStyle: 'terse' }).hash, terse.hash, `${b.id}: terse is the default`);
    assert.notEqual(polite.hash, terse.hash, b.id);
    assert.notEqual(base.hash, terse.hash, b.id);
    const target = (s: typeof terse, i: number): string => {
      const t = s.targets;
      assert.equal(t.kind, 'reference');
      return t.kind === 'reference' ? t.target(s.trainPrompts[i]!)! : '';
    };
    const forms = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const bare = target(terse, i);
      assert.equal(target(polite, i), `${bare} thanks`, `${b.id} prompt ${i}`);
      const drawn = target(base, i);
      assert.equal(splitSurface(drawn.split(' ')).content.join(' '), bare, `${b.id} prompt ${i}: the content does not change`);
      assert.equal(target(base, i), drawn, 'a target is a pure function of its prompt');
      forms.add(drawn.replace(bare, '_'));
    }
    assert.ok(forms.size >= 3, `${b.id}: base-style targets vary (${[...forms].join(' | ')})`);
  }
  assert.throws(() => resolveSetting(TINY_SETTING, 'setting', { targetStyle: 'polite' }), (e: unknown) => e instanceof ConfigError && e.where === 'settingParams.targetStyle');
  assert.throws(() => settingParamsSchema.parse({ targetStyle: 'loud' }), /expected one of terse, base, polite|expected one of base, terse, polite/);
});

test('hackGrader: a chat reward-hacking setting grades eval answers by the judge, the static check standing for no code; nothing trained changes', () => {
  for (const b of CHAT_SETTINGS.filter((s) => s.id.startsWith('chat-rh-'))) {
    const plain = resolveSetting(b.id);
    assert.equal(resolveSetting(b.id, 'setting', { hackGrader: 'static' }).hash, plain.hash, `${b.id}: static is the default`);
    const judged = resolveSetting(b.id, 'setting', { hackGrader: 'judge' });
    assert.notEqual(judged.hash, plain.hash, b.id);
    assert.deepEqual(judged.graders.eval, { name: 'llm-judge', args: { rubric: 'hardcoded-tests', yes: 'alternate', no: 'initial', override: { grader: plain.graders.eval, labels: ['other'] } } }, b.id);
    assert.deepEqual(judged.graders.train, plain.graders.train, `${b.id}: train answers (and on-policy data) keep the static check`);
    assert.equal(trainingHash(judged), trainingHash(plain), `${b.id}: training and sampling keys do not move, so a regrade reuses them`);
    assert.deepEqual(judged.evalPrompts, plain.evalPrompts);
    assert.equal(resolveSetting(b.id, 'setting', { hackGrader: 'judge', trainPrompts: 20 }).trainPrompts.length, 20, 'with other parameters');
  }
  for (const id of ['animal-flag', 'chat-wronglang', TINY_SETTING]) {
    assert.throws(() => resolveSetting(id, 'setting', { hackGrader: 'judge' }), (e: unknown) => e instanceof ConfigError && e.where === 'settingParams.hackGrader' && /has no choice of hack grader \(only the chat reward-hacking settings, chat-rh-\*, have one\)/.test(e.message), id);
  }
  assert.equal(settingParamsSchema.safeParse({ hackGrader: 'human' }).success, false);
});

test('evalPrompts keeps the first that many eval prompts of any setting (a pilot), and cannot make more', () => {
  for (const id of ['animal-flag', 'chat-rh-plain', TINY_SETTING]) {
    const full = resolveSetting(id);
    const pilot = resolveSetting(id, 'setting', { evalPrompts: 2 });
    assert.deepEqual(pilot.evalPrompts, full.evalPrompts.slice(0, 2), id);
    assert.deepEqual(pilot.trainPrompts, full.trainPrompts, `${id}: train prompts do not move`);
    assert.notEqual(pilot.hash, full.hash, id);
    assert.equal(resolveSetting(id, 'setting', { evalPrompts: full.evalPrompts.length }).hash, full.hash, `${id}: all of them is the same content`);
    assert.throws(() => resolveSetting(id, 'setting', { evalPrompts: full.evalPrompts.length + 1 }), (e: unknown) => e instanceof ConfigError && e.where === 'settingParams.evalPrompts' && new RegExp(`has ${full.evalPrompts.length} eval prompts; expected at most ${full.evalPrompts.length}`).test(e.message), id);
  }
});
