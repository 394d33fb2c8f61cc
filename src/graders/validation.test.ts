// Accuracy and Cohen's kappa of a grader on a gold set, against values computed by hand, and the
// coverage of the kappa interval by simulation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../analysis/index.js';
import type { GradeLabel } from '../domain/index.js';
import { createGrader } from './index.js';
import { agreement, validateGrader, type GoldAnswer } from './validation.js';

const close = (got: number, want: number, what: string): void => assert.ok(Math.abs(got - want) < 1e-6, `${what}: ${got}, expected ${want}`);

/** Gold/predicted pairs from a confusion table over `labels` (rows gold, columns predicted). */
function pairsOf(labels: GradeLabel[], table: number[][]): { gold: GradeLabel; predicted: GradeLabel }[] {
  return table.flatMap((row, g) => row.flatMap((count, p) => Array.from({ length: count }, () => ({ gold: labels[g]!, predicted: labels[p]! }))));
}

test('two labels, 36 of 40 agreed: accuracy 0.9, kappa 0.8, both with hand-computed intervals', () => {
  // Wilson, 36/40, z = 1.96: centre (0.9 + z²/80) / (1 + z²/40) = 0.864952, half-width
  // z·sqrt(0.09/40 + z²/6400) / (1 + z²/40) = 0.095469, so [0.769482, 0.960420].
  // p_e = (20·20 + 20·20) / 40² = 0.5; κ = (0.9 − 0.5) / 0.5 = 0.8; ends (0.769482 − 0.5) / 0.5 and
  // (0.960420 − 0.5) / 0.5.
  const a = agreement(pairsOf(['initial', 'alternate'], [[18, 2], [2, 18]]));
  assert.equal(a.n, 40);
  assert.equal(a.accuracy.k, 36);
  close(a.accuracy.lo, 0.7694822477, 'accuracy lo');
  close(a.accuracy.hi, 0.9604204713, 'accuracy hi');
  close(a.kappa.chance, 0.5, 'chance');
  close(a.kappa.value, 0.8, 'kappa');
  close(a.kappa.lo, 0.5389644954, 'kappa lo');
  close(a.kappa.hi, 0.9208409426, 'kappa hi');
  assert.deepEqual(a.confusion, [[18, 2], [2, 18]]);
});

test('three labels with unequal margins', () => {
  // Gold counts 16, 15, 9; predicted 17, 14, 9; p_o = 35/40 = 0.875;
  // p_e = (16·17 + 15·14 + 9·9) / 1600 = 563/1600 = 0.351875; κ = 0.523125 / 0.648125 = 0.807136;
  // Wilson 35/40 = [0.738879, 0.945405] → κ ends (0.738879 − 0.351875)/0.648125, (0.945405 − 0.351875)/0.648125.
  const a = agreement(pairsOf(['initial', 'alternate', 'other'], [[15, 1, 0], [2, 12, 1], [0, 1, 8]]));
  close(a.kappa.chance, 563 / 1600, 'chance');
  close(a.kappa.value, 0.8071359691, 'kappa');
  close(a.kappa.lo, 0.5971129051, 'kappa lo');
  close(a.kappa.hi, 0.9157647020, 'kappa hi');
});

test('perfect agreement keeps an interval of positive width', () => {
  // Wilson's lower end for 40/40 is n / (n + z²) = 40 / 43.841459 = 0.912378; κ lo = (0.912378 − 0.5) / 0.5.
  const a = agreement(pairsOf(['compatible', 'incompatible'], [[20, 0], [0, 20]]));
  assert.equal(a.kappa.value, 1);
  close(a.kappa.lo, 0.8247567976, 'kappa lo');
  assert.equal(a.kappa.hi, 1);
});

test('a grading error disagrees with every gold label and is a label of the table', () => {
  // p_o = 3/5; label order initial, error, alternate, other; gold counts 2, 0, 2, 1; predicted 2, 1, 1, 1;
  // p_e = (2·2 + 0·1 + 2·1 + 1·1) / 25 = 0.28; κ = 0.32 / 0.72 = 0.444444; Wilson 3/5 = [0.230724, 0.882379].
  const gold: GradeLabel[] = ['initial', 'initial', 'alternate', 'alternate', 'other'];
  const predicted: GradeLabel[] = ['initial', 'error', 'alternate', 'initial', 'other'];
  const a = agreement(gold.map((g, i) => ({ gold: g, predicted: predicted[i]! })));
  assert.deepEqual(a.labels, ['initial', 'error', 'alternate', 'other']);
  close(a.kappa.value, 0.32 / 0.72, 'kappa');
  close(a.kappa.lo, (0.2307242813 - 0.28) / 0.72, 'kappa lo');
  close(a.kappa.hi, (0.8823792258 - 0.28) / 0.72, 'kappa hi');
});

test('kappa is undefined when both raters only ever give one label; an empty gold set is refused', () => {
  const a = agreement(pairsOf(['initial'], [[5]]));
  assert.equal(a.accuracy.rate, 1);
  assert.ok(Number.isNaN(a.kappa.value) && Number.isNaN(a.kappa.lo));
  assert.throws(() => agreement([]), /at least one gold answer/);
});

test('the kappa interval covers the true kappa about 95% of the time on small gold sets', () => {
  // Two raters drawn from a known joint distribution over two labels; 2,000 gold sets of 40 answers each.
  const rng = seededRandom(11);
  for (const joint of [[[0.48, 0.02], [0.02, 0.48]], [[0.7, 0.05], [0.05, 0.2]]]) {
    const cells = joint.flatMap((row, g) => row.map((p, q) => ({ g, q, p })));
    const po = joint[0]![0]! + joint[1]![1]!;
    const rows = joint.map((r) => r[0]! + r[1]!);
    const cols = [joint[0]![0]! + joint[1]![0]!, joint[0]![1]! + joint[1]![1]!];
    const pe = rows[0]! * cols[0]! + rows[1]! * cols[1]!;
    const truth = (po - pe) / (1 - pe);
    let covered = 0;
    let defined = 0;
    for (let rep = 0; rep < 2000; rep++) {
      const table = [[0, 0], [0, 0]];
      for (let i = 0; i < 40; i++) {
        let u = rng();
        const cell = cells.find((c) => (u -= c.p) < 0) ?? cells[cells.length - 1]!;
        table[cell.g]![cell.q]!++;
      }
      const k = agreement(pairsOf(['initial', 'alternate'], table)).kappa;
      if (Number.isNaN(k.value)) continue;
      defined++;
      if (k.lo <= truth && truth <= k.hi) covered++;
    }
    const coverage = covered / defined;
    assert.ok(coverage > 0.92 && coverage < 0.98, `true kappa ${truth.toFixed(3)}: coverage ${coverage}`);
  }
});

test('validateGrader runs a grader on a gold set and lists its misses with reasons and notes', async () => {
  const prompt = { id: 'p', messages: [{ role: 'user' as const, content: 'Name an animal.' }] };
  const gold: GoldAnswer[] = [
    { id: 'cat', grader: 'eval', prompt, completion: 'A cat.', label: 'initial', note: 'says cat' },
    { id: 'dog', grader: 'eval', prompt, completion: 'A dog.', label: 'alternate', note: 'says dog' },
    { id: 'both', grader: 'eval', prompt, completion: 'A cat or a dog.', label: 'initial', note: 'names both: the gold label says the first counts' },
  ];
  const grade = createGrader({ name: 'contains', args: { classes: { initial: 'cat', alternate: 'dog' } } });
  const v = await validateGrader(grade, gold);
  assert.equal(v.agreement.accuracy.k, 2);
  assert.deepEqual(v.misses.map((m) => [m.id, m.gold, m.predicted]), [['both', 'initial', 'other']]);
  assert.match(v.misses[0]!.reason, /several classes/);
  assert.match(v.misses[0]!.note, /first counts/);
});
