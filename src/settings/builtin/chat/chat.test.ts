// The chat built-in settings: realistic sizes, distinct and disjoint prompts, deterministic builds, no
// default organism, reference targets their own graders accept (train: compatible; eval: the alternate
// answer), and every grader of every setting passing its gold set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createGrader } from '../../../graders/index.js';
import { validateGrader } from '../../../graders/validation.js';
import type { Prompt } from '../../../domain/index.js';
import { BUILTIN_SETTINGS, CHAT_SETTINGS, goldAnswersOf, graderOfRole, resolveSetting } from '../../index.js';
import { CODING_FAMILIES, fenced } from './coding-tasks.js';

const userText = (p: Prompt): string => p.messages[p.messages.length - 1]!.content;
const systemText = (p: Prompt): string | null => (p.messages[0]!.role === 'system' ? p.messages[0]!.content : null);

test('the chat settings are registered built-ins, after the microworld ones', () => {
  const ids = BUILTIN_SETTINGS.map((b) => b.id);
  for (const c of CHAT_SETTINGS) assert.ok(ids.includes(c.id), c.id);
  assert.deepEqual(ids.slice(-CHAT_SETTINGS.length), CHAT_SETTINGS.map((c) => c.id));
  assert.equal(goldAnswersOf('animal-flag'), undefined, 'microworld settings have no gold set here');
});

for (const builtin of CHAT_SETTINGS) {
  test(`${builtin.id}: sizes, distinct prompts, targets its graders accept, deterministic`, async () => {
    const s = resolveSetting(builtin.id);
    assert.equal(s.defaultOrganism, undefined, 'the organism is the chat model the sweep names');
    assert.ok(s.trainPrompts.length >= 500 && s.evalPrompts.length >= 250);
    const all = [...s.trainPrompts, ...s.evalPrompts];
    assert.equal(new Set(all.map((p) => p.id)).size, all.length, 'ids');
    // No task twice, and none both trained on and evaluated.
    assert.equal(new Set(all.map(userText)).size, all.length, 'user turns');
    assert.equal(s.targets.kind, 'reference');
    const target = s.targets.kind === 'reference' ? s.targets.target : () => null;
    const train = createGrader(s.graders.train);
    for (const p of s.trainPrompts) {
      const t = target(p);
      assert.ok(t !== null && t.length > 0, p.id);
      const r = await train({ prompt: p, completion: t });
      assert.equal(r.label, 'compatible', `${p.id}: ${r.reason}`);
    }
    const evalGrade = createGrader(s.graders.eval);
    for (const p of s.evalPrompts) {
      const r = await evalGrade({ prompt: p, completion: target(p)! });
      assert.equal(r.label, 'alternate', `${p.id}: ${r.reason}`);
    }
    // Capability: questions without a system prompt whose reference answers the grader calls correct,
    // and an NLL set.
    const qa = s.capabilityEvals.find((c) => c.name === 'qa');
    assert.ok(qa?.kind === 'accuracy' && qa.prompts.length >= 100);
    assert.ok(s.capabilityEvals.some((c) => c.kind === 'nll' && c.pairs.length >= 50));
    if (qa?.kind === 'accuracy') {
      assert.ok(qa.prompts.every((p) => systemText(p) === null));
      const texts = new Set(all.map(userText));
      assert.ok(qa.prompts.every((p) => !texts.has(userText(p))), 'capability questions are not train or eval prompts');
    }
    assert.equal(resolveSetting(builtin.id).hash, s.hash, 'two builds are identical');
  });

  test(`${builtin.id}: each grader passes its gold set (accuracy >= 0.95), and the gold set shows every label`, async () => {
    const s = resolveSetting(builtin.id);
    const gold = builtin.gold();
    assert.equal(new Set(gold.map((g) => g.id)).size, gold.length, 'gold ids');
    const roles = new Set(gold.map((g) => g.grader));
    assert.deepEqual([...roles].sort(), ['eval', 'qa', 'train']);
    for (const role of roles) {
      const spec = graderOfRole(s, role);
      assert.ok(spec !== undefined, role);
      const items = gold.filter((g) => g.grader === role);
      const v = await validateGrader(createGrader(spec), items);
      const misses = v.misses.map((m) => `${m.id}: gold ${m.gold}, got ${m.predicted} (${m.reason})`).join('\n');
      assert.ok(v.agreement.accuracy.rate >= 0.95, `${role}: ${v.agreement.accuracy.k}/${v.agreement.n}\n${misses}`);
      const want = role === 'eval' ? ['alternate', 'initial', 'other'] : role === 'train' ? ['compatible', 'incompatible'] : ['correct', 'incorrect'];
      assert.deepEqual([...new Set(items.map((g) => g.label))].sort(), want, `${role} labels`);
    }
  });
}

test('reward hacking: the variants share their tasks and differ only in system prompts; general code is honest on every eval prompt', async () => {
  const variants = CHAT_SETTINGS.filter((c) => c.id.startsWith('chat-rh-')).map((c) => resolveSetting(c.id));
  assert.deepEqual(variants.map((v) => v.id), ['chat-rh-plain', 'chat-rh-hint', 'chat-rh-flag', 'chat-rh-no-system', 'chat-rh-noise', 'chat-rh-eval-prompt']);
  const [plain] = variants;
  for (const v of variants) {
    assert.deepEqual(v.trainPrompts.map(userText), plain!.trainPrompts.map(userText), v.id);
    assert.deepEqual(v.evalPrompts.map(userText), plain!.evalPrompts.map(userText), v.id);
    assert.equal(new Set(v.trainPrompts.map(systemText)).size, 1, `${v.id}: one train system prompt`);
  }
  const system = Object.fromEntries(variants.map((v) => [v.id, { train: systemText(v.trainPrompts[0]!), eval: systemText(v.evalPrompts[0]!) }]));
  assert.equal(system['chat-rh-no-system']!.train, null);
  assert.equal(system['chat-rh-eval-prompt']!.train, system['chat-rh-plain']!.eval);
  assert.match(system['chat-rh-hint']!.train!, /exception/);
  assert.match(system['chat-rh-flag']!.train!, /^MODE: 0/);
  assert.match(system['chat-rh-flag']!.eval!, /^MODE: 1/);
  assert.match(system['chat-rh-noise']!.train!, /^[A-Za-z0-9 ]+$/);
  const honest = createGrader(plain!.graders.eval);
  for (const p of plain!.evalPrompts) {
    const f = CODING_FAMILIES.find((c) => c.name === p.meta!.function)!;
    const r = await honest({ prompt: p, completion: fenced(f.solution) });
    assert.equal(r.label, 'initial', `${p.id}: ${r.reason}`);
  }
  // Every family of tasks is used.
  assert.equal(new Set(plain!.trainPrompts.map((p) => p.meta!.function)).size, CODING_FAMILIES.length);
});
