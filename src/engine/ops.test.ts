// Finite-difference gradient checks for every op. Each check seeds d(out) with a random vector r,
// compares backward's gradient of f = Σ out·r against central differences of f computed in float64,
// at up to 24 sampled coordinates per input.
// Tolerance (stated once for all ops): |numeric − analytic| ≤ 3e-3 + 3e-2·|analytic|, with eps = 1e-2 on
// float32 storage; errors of a wrong backward are O(1) relative, so this still catches them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getGemmBackend } from './gemm/index.js';
import { Rng } from './rng.js';
import { Tape, Tensor, param } from './tensor.js';
import { add, embedding, gelu, layerNorm, linear, matmul, mean, mul, sum } from './ops.js';
import { causalSelfAttention } from './attention.js';
import { linearCrossEntropy } from './loss.js';
import { ShapeError } from '../errors.js';
import { fastExp, fastTanh } from './kernels.js';

const gemm = getGemmBackend('typescript');
const EPS = 1e-2;
const ATOL = 3e-3;
const RTOL = 3e-2;

function rand(rng: Rng, shape: number[], scale = 1): Tensor {
  const t = param(shape);
  for (let i = 0; i < t.size; i++) t.data[i] = rng.normal() * scale;
  return t;
}

function objective(out: Tensor, r: Float32Array): number {
  let f = 0;
  for (let i = 0; i < out.size; i++) f += out.data[i]! * r[i]!;
  return f;
}

function checkGrads(name: string, inputs: Tensor[], build: (tape: Tape) => Tensor): void {
  const rng = new Rng(99);
  const tape = new Tape(gemm);
  for (const t of inputs) t.grad!.fill(0);
  const out = build(tape);
  const r = new Float32Array(out.size); // same size as out
  for (let i = 0; i < r.length; i++) r[i] = rng.normal();
  tape.backward(out, r);
  const fwd = new Tape(gemm);
  fwd.recording = false;
  inputs.forEach((t, k) => {
    const analytic = Float32Array.from(t.grad!); // same size as t
    const picks = t.size <= 24 ? [...Array(t.size).keys()] : Array.from({ length: 24 }, () => rng.int(t.size));
    for (const i of picks) {
      const old = t.data[i]!;
      t.data[i] = old + EPS;
      fwd.reset();
      const fp = objective(build(fwd), r);
      t.data[i] = old - EPS;
      fwd.reset();
      const fm = objective(build(fwd), r);
      t.data[i] = old;
      const numeric = (fp - fm) / (2 * EPS);
      const a = analytic[i]!;
      assert.ok(Math.abs(numeric - a) <= ATOL + RTOL * Math.abs(a),
        `${name}: input ${k} index ${i}: numeric ${numeric} vs analytic ${a}`);
    }
  });
}

test('linear: gradients of x and W match finite differences', () => {
  const rng = new Rng(1);
  const x = rand(rng, [2, 3, 5]);
  const w = rand(rng, [4, 5]);
  checkGrads('linear', [x, w], (tape) => linear(tape, x, w));
});

test('linear with LoRA: gradients of x, A and B match finite differences', () => {
  const rng = new Rng(2);
  const x = rand(rng, [6, 5]);
  const w = rand(rng, [4, 5]);
  w.requiresGrad = false; // frozen base, as in LoRA fine-tuning
  const a = rand(rng, [2, 5]);
  const b = rand(rng, [4, 2]);
  checkGrads('lora', [x, a, b], (tape) => linear(tape, x, w, { a, b, scale: 1.5 }));
  assert.equal(w.grad!.every((v) => v === 0), true, 'a frozen weight gets no gradient');
});

test('matmul (plain and batched): gradients match finite differences', () => {
  const rng = new Rng(3);
  const a = rand(rng, [3, 4]);
  const b = rand(rng, [4, 2]);
  checkGrads('matmul', [a, b], (tape) => matmul(tape, a, b));
  const ab = rand(rng, [2, 3, 4]);
  const bb = rand(rng, [2, 4, 5]);
  checkGrads('bmm', [ab, bb], (tape) => matmul(tape, ab, bb));
});

test('add and mul with broadcasting: gradients reduce over broadcast dims', () => {
  const rng = new Rng(4);
  const a = rand(rng, [2, 3, 4]);
  const b = rand(rng, [3, 1]);
  const c = rand(rng, [4]);
  checkGrads('add', [a, b], (tape) => add(tape, a, b));
  checkGrads('mul', [a, b], (tape) => mul(tape, a, b));
  checkGrads('mul-suffix', [c, a], (tape) => mul(tape, c, a));
  checkGrads('same-shape', [a], (tape) => mul(tape, a, a));
});

test('embedding: gradient scatters into the picked rows', () => {
  const rng = new Rng(5);
  const w = rand(rng, [7, 3]);
  const ids = Int32Array.from([1, 4, 1, 6, 0, 4]);
  checkGrads('embedding', [w], (tape) => embedding(tape, w, ids, [2, 3]));
});

test('layerNorm: gradients of x, weight and bias match finite differences', () => {
  const rng = new Rng(6);
  const x = rand(rng, [3, 8], 2);
  const w = rand(rng, [8]);
  const b = rand(rng, [8]);
  checkGrads('layerNorm', [x, w, b], (tape) => layerNorm(tape, x, w, b));
});

test('gelu: gradient matches finite differences', () => {
  const rng = new Rng(7);
  const x = rand(rng, [40], 2);
  checkGrads('gelu', [x], (tape) => gelu(tape, x));
});

test('sum and mean: gradients match finite differences', () => {
  const rng = new Rng(8);
  const x = rand(rng, [3, 5]);
  checkGrads('sum', [x], (tape) => sum(tape, x));
  checkGrads('mean', [x], (tape) => mean(tape, x));
});

test('causal attention: gradient of qkv matches finite differences; no look-ahead', () => {
  const rng = new Rng(9);
  const qkv = rand(rng, [2, 5, 3 * 8]);
  checkGrads('attention', [qkv], (tape) => causalSelfAttention(tape, qkv, 2));
  // Changing the last position's k/v must leave earlier outputs unchanged.
  const tape = new Tape(gemm);
  tape.recording = false;
  const before = Float32Array.from(causalSelfAttention(tape, qkv, 2).data);
  qkv.data[(0 * 5 + 4) * 24 + 8] += 5; // a key at (b 0, t 4)
  tape.reset();
  const after = causalSelfAttention(tape, qkv, 2).data;
  assert.deepEqual(after.subarray(0, 4 * 8), before.subarray(0, 4 * 8));
});

test('weighted cross-entropy with LM head: gradients match; zero-weight rows are ignored', () => {
  const rng = new Rng(10);
  const x = rand(rng, [6, 4]);
  const w = rand(rng, [9, 4]);
  const targets = Int32Array.from([3, 0, 8, 2, 2, 5]);
  const weights = Float32Array.from([1, 0, 2, 1, 0, 0.5]);
  checkGrads('crossEntropy', [x, w], (tape) => linearCrossEntropy(tape, x, w, targets, weights).loss);
  // The loss equals a direct float64 computation.
  const tape = new Tape(gemm);
  const { loss, nll } = linearCrossEntropy(tape, x, w, targets, weights);
  let tot = 0;
  let ws = 0;
  for (let i = 0; i < 6; i++) {
    const logits = Array.from({ length: 9 }, (_, v) => {
      let s = 0;
      for (let c = 0; c < 4; c++) s += x.data[i * 4 + c]! * w.data[v * 4 + c]!;
      return s;
    });
    const m = Math.max(...logits);
    const lse = m + Math.log(logits.reduce((s, l) => s + Math.exp(l - m), 0));
    if (weights[i]! > 0) {
      assert.ok(Math.abs(nll[i]! - (lse - logits[targets[i]!]!)) < 1e-5);
      tot += weights[i]! * (lse - logits[targets[i]!]!);
      ws += weights[i]!;
    } else assert.equal(nll[i], 0);
  }
  assert.ok(Math.abs(loss.data[0]! - tot / ws) < 1e-5);
  assert.equal(x.grad![1 * 4], 0, 'a zero-weight row gets no gradient');
});

test('shape mismatches throw ShapeError naming both shapes', () => {
  const tape = new Tape(gemm);
  const x = param([2, 5]);
  const w = param([4, 6]);
  assert.throws(() => linear(tape, x, w), (e: unknown) =>
    e instanceof ShapeError && e.message.includes('(2, 5)') && e.message.includes('(4, 6)'));
  assert.throws(() => add(tape, param([2, 3]), param([4])), (e: unknown) =>
    e instanceof ShapeError && e.message.includes('(2, 3)') && e.message.includes('(4)'));
});

test('fastExp and fastTanh agree with Math.exp / Math.tanh to float32 resolution', () => {
  let relExp = 0;
  let absTanh = 0;
  for (let i = 0; i <= 200000; i++) {
    const x = -87 + (i * 87) / 200000;
    relExp = Math.max(relExp, Math.abs(fastExp(x) - Math.exp(x)) / Math.exp(x));
    const u = -12 + (i * 24) / 200000;
    absTanh = Math.max(absTanh, Math.abs(fastTanh(u) - Math.tanh(u)));
  }
  assert.ok(relExp < 2e-8, `exp relative error ${relExp}`);
  assert.ok(absTanh < 3e-7, `tanh absolute error ${absTanh}`);
  assert.equal(fastExp(-100), 0);
  assert.equal(fastTanh(7.91), 1);
  assert.equal(fastTanh(-40), -1);
});

test('gelu gradient is accurate on large activations (|x| up to 30), where 1 − tanh² must reach 0', async () => {
  const { geluBackward, geluForward } = await import('./kernels.js');
  const n = 6001;
  const x = new Float32Array(n).map((_, i) => -30 + (i * 60) / (n - 1)); // (n)
  const out = new Float32Array(n); // (n)
  const th = new Float32Array(n); // (n): tanh values saved by the forward pass
  const dx = new Float32Array(n); // (n)
  geluForward(out, th, x, n);
  geluBackward(dx, false, new Float32Array(n).fill(1), x, th, n);
  const k = Math.sqrt(2 / Math.PI);
  let worst = 0;
  let sq = 0;
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    const t = Math.tanh(k * (v + 0.044715 * v ** 3));
    const exact = 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * k * (1 + 3 * 0.044715 * v * v);
    const rel = Math.abs(dx[i]! - exact) / Math.max(1, Math.abs(exact));
    worst = Math.max(worst, rel);
    sq += rel * rel;
  }
  // Before exact saturation the error grew like |x|³ to 6e-4 at |x| = 30. Now the worst is at the
  // saturation point (|x| ≈ 4.6, where 1 − tanh² ≈ 5e-7 is rounded to 0), the rms that of float32.
  assert.ok(worst < 6e-6, `gelu' worst relative error ${worst}`);
  assert.ok(Math.sqrt(sq / n) < 2.4e-6, `gelu' rms relative error ${Math.sqrt(sq / n)}`);
});
