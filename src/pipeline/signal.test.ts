// The training-signal check: the untrained organism's NLL per target token on the training targets, its
// spread and the compatible fraction, with a warning when the NLL is so low that training is noise-driven.
// On real organisms: the tiny one (whose own answer "dog" and the other animal "cat" show on- and
// off-policy targets) and the shipped microworld base on a built-in's reference targets.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildTinyOrganism, TINY_SETTING } from '../../test/e2e/tiny-organism.js';
import { tempDir } from '../../test/temp-dir.js';
import { loadSettingFile } from '../settings/index.js';
import { openProject } from '../store/index.js';
import { formatSignal, NOISE_NLL, signalCheck } from './check.js';
import { makeContext, type RunContext } from './context.js';
import { referenceDataset } from './data.js';
import { silentProgress } from './progress.js';
import { sweepConfigSchema } from './sweep-spec.js';

const dir = tempDir('bct-signal-');
buildTinyOrganism(join(dir, 'organism'));
const project = openProject(join(dir, 'p'), { create: true });

async function signalOf(ctx: RunContext, target: string | null) {
  const t = ctx.setting.targets;
  const examples = referenceDataset(ctx, t.kind === 'reference' ? t.target : () => null).examples.slice(0, 16).map((e) => (target === null ? e : { ...e, completion: target }));
  const scorer = await ctx.baseSampler();
  return signalCheck(ctx, examples, { scorer, judge: undefined, of: 99, metaOf: () => undefined, graded: true });
}

test('on- and off-policy targets: the NLL per token, its spread and the compatible fraction', async () => {
  const ctx = makeContext(project, sweepConfigSchema.parse({ setting: TINY_SETTING, base: join(dir, 'organism') }), silentProgress, loadSettingFile(TINY_SETTING));
  const own = await signalOf(ctx, null);
  assert.equal(own.examples, 8);
  assert.equal(own.of, 99);
  assert.equal(own.tokens, 16, 'one target token and the end of turn each');
  assert.ok(own.meanNll > 0 && own.meanNll < 0.05, `mean NLL ${own.meanNll}`);
  assert.deepEqual([own.compatible.k, own.compatible.n], [8, 8]);
  const other = await signalOf(ctx, 'cat');
  assert.ok(other.meanNll > 1, `mean NLL ${other.meanNll}: the organism does not say cat on mode 1`);
  assert.deepEqual([other.compatible.k, other.compatible.n], [0, 8]);
  for (const s of [own, other]) {
    const q = s.spread;
    assert.ok(q.min <= q.p10 && q.p10 <= q.median && q.median <= q.p90 && q.p90 <= q.max, JSON.stringify(q));
    assert.ok(q.min <= s.meanNll && s.meanNll <= q.max);
    assert.ok(q.sd >= 0);
  }
  assert.equal(other.warning, null);
  assert.deepEqual(formatSignal(other).length, 3, 'no warning line');
  await ctx.close();
});

test('the shipped base pays real loss on another policy\'s answers (terse, polite), and no warning is given', async () => {
  const terse = makeContext(project, sweepConfigSchema.parse({ setting: 'animal-flag' }), silentProgress);
  const polite = makeContext(project, sweepConfigSchema.parse({ setting: 'animal-flag', settingParams: { targetStyle: 'polite' } }), silentProgress);
  const t = await signalOf(terse, null);
  const p = await signalOf(polite, null);
  // A base-style model pays -ln 0.4 = 0.92 nats per terse answer and -ln 0.2 = 1.61 per polite one, over
  // 2-3 answer tokens and the end of turn: far above the warning's 1e-3, and more for polite.
  assert.ok(t.meanNll > 100 * NOISE_NLL, `mean NLL ${t.meanNll} on terse targets`);
  assert.ok(p.meanNll > t.meanNll, `polite ${p.meanNll} against terse ${t.meanNll}`);
  for (const s of [t, p]) assert.equal(s.warning, null);
  await terse.close();
  await polite.close();
});
