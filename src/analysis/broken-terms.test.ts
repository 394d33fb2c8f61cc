// The terms of the broken rule on constructed inputs: which capability evaluations the loss counts,
// spread kept out of capability loss and counted only when the rule says so, the verdict naming the term
// that broke a group, and the rule stated in words with the numbers it uses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { brokenStates, capabilityLoss, DEFAULT_BROKEN, type BrokenThresholds } from './capability.js';
import { stepsToTransfer } from './crossing.js';
import { checkpointRates } from './rates.js';
import { analysisRules, brokenRuleLine } from './rules.js';
import { spreadRates } from './spread.js';
import type { CapabilityScore, CellInfo, GradedSample } from './types.js';
import { groupVerdicts } from './verdicts.js';

const score = (cellId: string, step: number, name: string, value: number, n?: number): CapabilityScore => ({ cellId, step, name, value, n, higherIsBetter: !name.startsWith('nll:') && !name.startsWith('spread:') });

test('capability loss is the worst of the counted kinds; spread is never in it', () => {
  // acc: 100/100 -> 80/100 (loss 0.2); nll: 0.1 -> 1.1 nats (likelihood loss 1 - e^-1 = 0.632); spread 0 -> 90%.
  const scores = [
    score('c', 0, 'acc:a', 1, 100),
    score('c', 10, 'acc:a', 0.8, 100),
    score('c', 0, 'nll:h', 0.1),
    score('c', 10, 'nll:h', 1.1),
    score('c', 0, 'spread:a', 0, 100),
    score('c', 10, 'spread:a', 0.9, 100),
  ];
  const both = capabilityLoss(scores)[1]!;
  assert.ok(Math.abs(both.loss - (1 - Math.exp(-1))) < 1e-12);
  assert.deepEqual(Object.keys(both.metrics).sort(), ['acc:a', 'nll:h'], 'spread is no capability metric');
  const accOnly = capabilityLoss(scores, ['accuracy'])[1]!;
  assert.ok(Math.abs(accOnly.loss - 0.2) < 1e-12);
  assert.equal(accOnly.metrics['nll:h']!.counted, false);
  assert.ok(Math.abs(accOnly.metrics['nll:h']!.loss - (1 - Math.exp(-1))) < 1e-12, 'an uncounted evaluation still has its loss');
  assert.ok(Math.abs(capabilityLoss(scores, ['nll'])[1]!.loss - (1 - Math.exp(-1))) < 1e-12);
  assert.ok(Number.isNaN(capabilityLoss(scores, [])[1]!.loss), 'nothing counted: no loss');
});

test('spread pools its evaluations by their counts, with Wilson intervals', () => {
  const rows = spreadRates([score('c', 5, 'spread:a', 0.5, 32), score('c', 5, 'spread:b', 0.25, 8), score('c', 5, 'acc:a', 0.1, 32), score('d', 5, 'spread:a', 0, 32)]);
  assert.deepEqual(rows.map((r) => [r.cellId, r.step]), [['c', 5], ['d', 5]]);
  const c = rows[0]!;
  // 16 of 32 and 2 of 8: 18 of 40.
  assert.deepEqual([c.rate.k, c.rate.n], [18, 40]);
  assert.ok(Math.abs(c.rate.rate - 0.45) < 1e-12);
  assert.ok(Math.abs(c.rate.lo - 0.3071) < 1e-4 && Math.abs(c.rate.hi - 0.6017) < 1e-4, `${c.rate.lo}..${c.rate.hi}`);
  assert.deepEqual(Object.keys(c.byEval), ['a', 'b']);
  assert.deepEqual([c.byEval['b']!.k, c.byEval['b']!.n], [2, 8]);
  // Zero of 32 still has an interval of width.
  assert.ok(rows[1]!.rate.hi > 0.1);
});

function evalAnswers(cellId: string, step: number, initial: number, other = 0, n = 40): GradedSample[] {
  return Array.from({ length: n }, (_, i) => ({ cellId, step, promptId: `p${i}`, split: 'eval', label: i < initial ? 'initial' : i < initial + other ? 'other' : 'alternate' }));
}

test('each term of the rule decides on its own threshold; spread breaks only when the rule counts it', () => {
  const cells: CellInfo[] = [{ cellId: 'c', family: 'full', lr: 1e-3, seed: 0, batchSize: 4 }];
  const samples = [...evalAnswers('c', 0, 40), ...evalAnswers('c', 10, 28, 12)];
  const rates = checkpointRates(samples, cells);
  // Capability 100/100 -> 85/100: loss 0.15, 95% lower end about 0.07. Other 12/40 = 0.3, lower end 0.18.
  const scores = [score('c', 0, 'acc:a', 1, 100), score('c', 10, 'acc:a', 0.85, 100), score('c', 0, 'spread:a', 0, 128), score('c', 10, 'spread:a', 0.7, 128)];
  const losses = capabilityLoss(scores);
  const spread = spreadRates(scores);
  const at10 = (t: BrokenThresholds): string => brokenStates(rates, losses, t, spread)('c', 10);
  assert.equal(at10(DEFAULT_BROKEN), 'uncertain', 'both points are above their default thresholds, neither lower end is');
  assert.equal(at10({ ...DEFAULT_BROKEN, capabilityLoss: 0.05 }), 'broken', 'capability loss credibly above 5%');
  assert.equal(at10({ ...DEFAULT_BROKEN, otherRate: 0.15 }), 'broken', 'other credibly above 15%');
  assert.equal(at10({ ...DEFAULT_BROKEN, otherRate: 0.5, capabilityLoss: 0.5 }), 'ok');
  // 70% spread over 128 answers (lower end 0.62) breaks only when the rule counts spread.
  assert.equal(at10({ ...DEFAULT_BROKEN, otherRate: 0.5, capabilityLoss: 0.5, spread: 0.5 }), 'broken');
  assert.equal(at10({ ...DEFAULT_BROKEN, otherRate: 0.5, capabilityLoss: 0.5, spread: 0.65 }), 'uncertain', 'lower end 0.62 < 0.65 <= point 0.7');
  // NLL left out of the loss: an NLL collapse alone no longer breaks the checkpoint.
  const nllOnly = capabilityLoss([score('c', 0, 'nll:h', 0.1), score('c', 10, 'nll:h', 3)], ['accuracy']);
  assert.equal(brokenStates(rates, nllOnly, { ...DEFAULT_BROKEN, otherRate: 0.5, evals: ['accuracy'] })('c', 10), 'ok');
  assert.equal(brokenStates(rates, capabilityLoss([score('c', 0, 'nll:h', 0.1), score('c', 10, 'nll:h', 3)]), { ...DEFAULT_BROKEN, otherRate: 0.5 })('c', 10), 'broken');
});

test('a group broken by spread says so in its verdict', () => {
  const cells: CellInfo[] = [0, 1].map((seed) => ({ cellId: `s${seed}`, family: 'full', lr: 3e-3, seed, batchSize: 4 }));
  // Initial falls to 10/40 at step 10 in both seeds; capability unchanged; spread 0 -> 87.5% of 128 (112).
  const samples = cells.flatMap((c) => [...evalAnswers(c.cellId, 0, 40), ...evalAnswers(c.cellId, 10, 10)]);
  const scores = cells.flatMap((c) => [score(c.cellId, 0, 'acc:a', 0.9, 100), score(c.cellId, 10, 'acc:a', 0.9, 100), score(c.cellId, 0, 'spread:a', 0, 128), score(c.cellId, 10, 'spread:a', 0.875, 128)]);
  const rates = checkpointRates(samples, cells);
  const losses = capabilityLoss(scores);
  const spread = spreadRates(scores);
  const verdict = (broken: BrokenThresholds) => {
    const steps = stepsToTransfer(samples, cells, { threshold: 0.5, resamples: 20, brokenState: brokenStates(rates, losses, broken, spread) });
    return groupVerdicts({ steps, cells, rates, losses, broken, threshold: 0.5, spread })[0]!;
  };
  const counted = verdict({ ...DEFAULT_BROKEN, spread: 0.5 });
  assert.equal(counted.kind, 'collapsed');
  assert.deepEqual(counted.collapse, { step: 10, reason: 'spread', seedsBroken: 2 });
  assert.match(counted.headline, /collapsed: the alternate on 87.5% of capability answers at step 10/);
  assert.ok(Math.abs(counted.spreadRate - 0.875) < 1e-12);
  const notCounted = verdict(DEFAULT_BROKEN);
  assert.equal(notCounted.kind, 'transferred', 'by default spread is reported, not a collapse');
  assert.ok(Math.abs(notCounted.spreadRate - 0.875) < 1e-12);
});

test('the rule in words names each term and its number', () => {
  assert.equal(brokenRuleLine(DEFAULT_BROKEN), 'broken = capability loss ≥ 10% (worst of the accuracy and NLL evaluations) or other ≥ 20%, each by its 95% lower end; spread of the alternate not counted');
  assert.equal(
    brokenRuleLine({ otherRate: 0.5, capabilityLoss: 0.05, evals: ['accuracy'], spread: 0.3 }),
    'broken = capability loss ≥ 5% (worst of the accuracy evaluations) or other ≥ 50% or spread of the alternate ≥ 30%, each by its 95% lower end',
  );
  assert.equal(brokenRuleLine({ ...DEFAULT_BROKEN, evals: [] }), 'broken = other ≥ 20%, each by its 95% lower end; spread of the alternate not counted');
  const rules = analysisRules(0.5, { otherRate: 0.5, capabilityLoss: 0.05, evals: ['accuracy'], spread: 0.3 }, 25);
  assert.match(rules.broken, /other rate is at least 50%, or that of its capability loss against step 0, the worst over the accuracy evaluations, is at least 5%, or that of its spread of the alternate onto capability prompts is at least 30%/);
  assert.doesNotMatch(rules.broken, /NLL/);
  assert.match(rules.spread, /credibly at or above 30% is broken/);
  assert.match(analysisRules(0.5, DEFAULT_BROKEN).spread, /breaks no checkpoint/);
  assert.match(rules.instability, /above 25× its early loss/);
});
