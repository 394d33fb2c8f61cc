import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SCENARIO } from './linreg.js';
import { linregStudy, logSteps } from './study.js';

test('the study: simulation and closed form agree, and lr × steps to transfer is nearly constant for GD and Adam', () => {
  const steps = logSteps(400, 12);
  assert.equal(steps[0], 0);
  assert.equal(steps[steps.length - 1], 400);
  const st = linregStudy(DEFAULT_SCENARIO, { lrs: [0.01, 0.03, 0.1], steps, examples: 1000 });
  assert.equal(st.rows.length, 3);
  for (const r of st.rows) {
    assert.ok(Math.abs(r.finalClosed - r.finalSimulated) < 0.03, `lr ${r.lr}: ${r.finalClosed} vs ${r.finalSimulated}`);
    assert.notEqual(r.closedCrossing.startsWith('>'), true);
  }
  const [a, b] = st.rows;
  assert.ok(Math.abs(a!.lrTimesKStar - b!.lrTimesKStar) / a!.lrTimesKStar < 0.03);
  const pair = st.pairs.find((p) => p.lrHigh === 0.1 && p.lrLow === 0.01)!;
  assert.ok(pair.ratio > 1 && pair.ratio < 1.2, `ratio ${pair.ratio}`);
  // Adam on the same problem transfers too, and also at about N× the steps for N× less LR.
  assert.ok(st.rows.every((r) => Number.isFinite(r.adamSteps)));
  assert.ok(pair.adamRatio > 0.8 && pair.adamRatio < 1.3, `Adam ratio ${pair.adamRatio}`);
});
