import { test } from 'node:test';
import assert from 'node:assert/strict';
import { symmetricEigen, normalCdf, matVec } from './linalg.js';
import {
  closedFormWeights,
  DEFAULT_SCENARIO,
  empiricalProblem,
  evalBehaviour,
  sampledEvalRate,
  scenarioData,
  scenarioEvalDraw,
  scenarioLrRatio,
  scenarioProblem,
  scenarioStepsToTransfer,
  simulateGd,
  stabilityLimit,
} from './linreg.js';

test('Jacobi eigen-decomposition reconstructs the matrix', () => {
  const A = [[4, 1, 0.5], [1, 3, 0.2], [0.5, 0.2, 1]];
  const { values, vectors } = symmetricEigen(A);
  for (let i = 0; i < 3; i++) {
    const Av = matVec(A, vectors[i]!);
    for (let j = 0; j < 3; j++) assert.ok(Math.abs(Av[j]! - values[i]! * vectors[i]![j]!) < 1e-12);
  }
  assert.ok(Math.abs(normalCdf(1.959964) - 0.975) < 1e-6);
  assert.ok(Math.abs(normalCdf(0) - 0.5) < 1e-8);
});

test('closed form equals full-batch gradient descent on the same finite data set', () => {
  const s = DEFAULT_SCENARIO;
  const data = scenarioData(s, 64, 5);
  const p = empiricalProblem(scenarioProblem(s), data);
  const sim = simulateGd(data, p.w0, 0.05, [0, 7, 40]);
  for (const step of [0, 7, 40]) {
    const cf = closedFormWeights(p, 0.05, step);
    const maxdiff = Math.max(...cf.map((v, i) => Math.abs(v - sim.get(step)![i]!)));
    assert.ok(maxdiff < 1e-10, `step ${step}: maxdiff ${maxdiff}`);
  }
});

test('weights move only in the span of the train inputs: the eval-only flag weight never changes', () => {
  const p = scenarioProblem(DEFAULT_SCENARIO);
  const w = closedFormWeights(p, 0.1, 500);
  assert.equal(w[w.length - 1], DEFAULT_SCENARIO.contextWeights[2]);
});

test('minibatch SGD at a small LR follows the population closed form', () => {
  const s = DEFAULT_SCENARIO;
  const p = scenarioProblem(s);
  const data = scenarioData(s, 4000, 11);
  const sim = simulateGd(data, p.w0, 0.02, [30, 100], { batchSize: 32, seed: 2 });
  for (const step of [30, 100]) {
    const exact = evalBehaviour(p, closedFormWeights(p, 0.02, step)).initialRate;
    const approx = evalBehaviour(p, sim.get(step)!).initialRate;
    assert.ok(Math.abs(exact - approx) < 0.03, `step ${step}: closed form ${exact}, SGD ${approx}`);
  }
});

test('Gaussian eval rate agrees with sampled eval inputs', () => {
  const s = DEFAULT_SCENARIO;
  const p = scenarioProblem(s);
  for (const step of [0, 20, 60]) {
    const w = closedFormWeights(p, 0.01, step);
    const exact = evalBehaviour(p, w).initialRate;
    const mc = sampledEvalRate(p, w, scenarioEvalDraw(s, 3), 20000);
    // 4 standard errors of a proportion from 20,000 draws is at most 0.0142
    assert.ok(Math.abs(exact - mc) < 0.0142, `step ${step}: ${exact} vs ${mc}`);
  }
});

test('crossing step in closed form matches the curve and scales as 1/lr at small LR', () => {
  const s = DEFAULT_SCENARIO;
  const p = scenarioProblem(s);
  // λ of the context block is 2, so GD is stable below lr = 1 (content λ ≤ 1).
  assert.ok(Math.abs(stabilityLimit(p) - 1) < 1e-12);
  const k = scenarioStepsToTransfer(s, 0.01);
  // margin 0.5, reach 0.8: k* = ln(0.375)/ln(0.98) = 48.55
  assert.ok(Math.abs(k - Math.log(0.375) / Math.log(0.98)) < 1e-12);
  assert.ok(Math.abs(k - 48.55) < 0.01);
  const before = evalBehaviour(p, closedFormWeights(p, 0.01, Math.floor(k))).initialRate;
  const after = evalBehaviour(p, closedFormWeights(p, 0.01, Math.ceil(k))).initialRate;
  assert.ok(before > 0.5 && after < 0.5, `${before} ${after}`);
  // The end point docs/theory.md states: Φ((1.0 − 0.8 − 0.5)/0.397) = 0.225, whatever the LR.
  assert.ok(Math.abs(evalBehaviour(p, closedFormWeights(p, 0.01, 5000)).initialRate - 0.2248) < 1e-3);
  // The linear model predicts about N× more steps at N× lower LR: no large superlinear effect...
  assert.ok(Math.abs(scenarioLrRatio(s, 0.01, 10) - 1) < 0.02);
  // ...except near the stability edge (ηλ → 1), where one large step does what many small ones do.
  assert.ok(scenarioLrRatio(s, 0.49, 10) > 3);
});

test('overshoot: above ηλ = 1 a first step can cross transiently even when the limit does not', () => {
  const s = { ...DEFAULT_SCENARIO, trainTarget: -0.6 }; // r0 = 0.7, reach 0.35 < margin 0.5
  assert.equal(scenarioStepsToTransfer(s, 0.01), Infinity);
  // lr 0.8: ηλ = 1.6, first step moves 0.35·1.6 = 0.56 > 0.5
  assert.equal(scenarioStepsToTransfer(s, 0.8), 1);
  const p = scenarioProblem(s);
  const rate = (k: number): number => evalBehaviour(p, closedFormWeights(p, 0.8, k)).initialRate;
  assert.ok(rate(1) < 0.5 && rate(200) > 0.5, `${rate(1)} ${rate(200)}`);
});
