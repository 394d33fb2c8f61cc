// The addon's vectorised kernels against their TypeScript references (kernels.ts), on random data with
// the edge cases each one has: odd lengths (vector tails), saturated tanh, accumulate on and off, null
// outputs, prefixes of every length, -Infinity-free large logits. Tolerance: |native − ref| ≤ 2e-6 +
// 2e-6·|ref| per element (float32 arithmetic in another order against float64 locals); a wrong formula
// or a wrong index is off by O(1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { Rng } from './rng.js';
import { TYPESCRIPT_KERNELS, type Kernels } from './kernels.js';
import { kernelsFor, nativeKernels } from './kernel-select.js';
import { getGemm, getGemmBackend } from './gemm/index.js';
import { validateKernels } from './kernel-check.js';
import { loadOpenblasGemm } from './gemm/openblas.js';
import { causalSelfAttention } from './attention.js';
import { Tape, Tensor } from './tensor.js';

const ref = TYPESCRIPT_KERNELS;
const native = nativeKernels();
const skip = native ? false : `the addon has no native kernels (${loadOpenblasGemm().reason ?? 'built without them'})`;

function randn(rng: Rng, n: number, scale = 1): Float32Array {
  const a = new Float32Array(n); // (n)
  for (let i = 0; i < n; i++) a[i] = rng.normal() * scale;
  return a;
}

function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string, tol = 2e-6): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i]! - want[i]!);
    assert.ok(d <= tol + tol * Math.abs(want[i]!), `${what}[${i}]: ${got[i]} vs reference ${want[i]} (diff ${d})`);
  }
}

/** Runs `f` on copies of the same inputs with both kernel sets and returns both copies. */
function both<T extends Float32Array[]>(inputs: T, f: (k: Kernels, a: T) => void): [T, T] {
  const a = inputs.map((x) => x.slice()) as T;
  const b = inputs.map((x) => x.slice()) as T;
  f(ref, a);
  f(native!, b);
  return [a, b];
}

test('native layer norm forward and backward match the reference (offsets, null outputs)', { skip }, () => {
  const rng = new Rng(1);
  for (const [N, C] of [[5, 128], [3, 37], [1, 1], [7, 256], [4099, 128]] as const) { // the last is split over the cores
    const x = randn(rng, N * C + 3, 2);
    const w = randn(rng, C), b = randn(rng, C);
    const [r, n] = both([new Float32Array(N * C + 5), new Float32Array(N), new Float32Array(N)], (k, [out, mean, rstd]) =>
      k.layerNormForward(out, 5, mean, rstd, x, 3, w, b, N, C));
    assertClose(n[0], r[0], `ln forward (${N}, ${C}) out`);
    assertClose(n[1], r[1], 'mean');
    assertClose(n[2], r[2], 'rstd');
    const xs = x.subarray(3), mean = r[1], rstd = r[2];
    const dy = randn(rng, N * C);
    const init = [randn(rng, N * C), randn(rng, C), randn(rng, C)];
    const [rb, nb] = both(init as [Float32Array, Float32Array, Float32Array], (k, [dx, dw, db]) =>
      k.layerNormBackward(dx, dw, db, dy, xs, w, mean, rstd, N, C));
    assertClose(nb[0], rb[0], 'dx', 1e-5);
    assertClose(nb[1], rb[1], 'dw', 1e-5);
    assertClose(nb[2], rb[2], 'db', 1e-5);
    const [rx, nx] = both([init[0]!], (k, [dx]) => k.layerNormBackward(dx, null, null, dy, xs, w, mean, rstd, N, C));
    assertClose(nx[0], rx[0], 'dx alone', 1e-5);
    const out = new Float32Array(N * C);
    native!.layerNormForward(out, 0, null, null, xs, 0, w, b, N, C); // no statistics asked for
    assertClose(out, r[0].subarray(5), 'ln forward without statistics');
  }
});

test('native GELU matches the reference, saturated tails and in-place use included', { skip }, () => {
  const rng = new Rng(2);
  // 1037: vector tails; 400,003: split over the cores (parts of uneven length).
  for (const n of [1037, 400_003]) geluCase(rng, n);
});

function geluCase(rng: Rng, n: number): void {
  const x = randn(rng, n, 3);
  for (const v of [0, -0, 40, -40, 7.9, -7.9, 1e-4]) x[rng.int(n)] = v;
  const [r, nat] = both([new Float32Array(n), new Float32Array(n)], (k, [out, th]) => k.geluForward(out, th, x, n));
  assertClose(nat[0], r[0], 'gelu out');
  assertClose(nat[1], r[1], 'gelu tanh');
  const inPlace = x.slice();
  native!.geluForward(inPlace, null, inPlace, n);
  assertClose(inPlace, r[0], 'gelu in place');
  const dy = randn(rng, n);
  for (const accumulate of [false, true]) {
    // A fresh gradient buffer may hold NaN; without accumulate it must not leak through.
    const start = accumulate ? randn(rng, n) : new Float32Array(n).fill(NaN);
    const [rd, nd] = both([start], (k, [dx]) => k.geluBackward(dx, accumulate, dy, x, r[1], n));
    assertClose(nd[0], rd[0], `gelu backward accumulate=${accumulate}`);
  }
}

test('native prefix softmax and its backward match the reference for training and sampling layouts', { skip }, () => {
  const rng = new Rng(3);
  // [rows, cols, period, first]: training (B·H·T rows, period T), a prefill run, decode rows.
  for (const [rows, cols, period, first] of [[2 * 3 * 9, 9, 9, 0], [4 * 5, 12, 5, 7], [6, 20, 1, 19], [2 * 17, 17, 17, 0]] as const) {
    const off = 3;
    const s = randn(rng, off + rows * cols, 4);
    const [r, n] = both([s], (k, [p]) => k.prefixSoftmax(p, off, rows, cols, period, first));
    assertClose(n[0], r[0], `softmax ${rows}×${cols}/${period}+${first}`);
    for (let i = 0; i < rows; i++) {
      let sum = 0;
      for (let j = 0; j < cols; j++) sum += n[0][off + i * cols + j]!;
      assert.ok(Math.abs(sum - 1) < 1e-5, `row ${i} sums to ${sum}`);
      assert.equal(n[0][off + i * cols + cols - 1] === 0, first + (i % period) + 1 < cols, `row ${i} masked tail`);
    }
    const dp = randn(rng, off + rows * cols);
    const [rb, nb] = both([dp], (k, [d]) => k.prefixSoftmaxBackward(d, r[0], off, rows, cols, period, first));
    assertClose(nb[0], rb[0], 'softmax backward', 1e-5);
  }
});

test('native exp rows match the reference, with row maxima and float64 sums', { skip }, () => {
  const rng = new Rng(4);
  const R = 7, V = 4099;
  const lg = randn(rng, R * V, 6);
  lg[5] = 80; // one large logit: the shift keeps the exponentials finite
  const maxR = new Float32Array(R), maxN = new Float32Array(R);
  const sumR = new Float64Array(R), sumN = new Float64Array(R);
  for (const scale of [1, 1 / 0.7]) { // the cross-entropy, and sampling at temperature 0.7
    const a = lg.slice(), b = lg.slice();
    ref.expRows(a, maxR, sumR, R, V, scale);
    native!.expRows(b, maxN, sumN, R, V, scale);
    assertClose(b, a, `exp rows, scale ${scale}`);
    assert.deepEqual(maxN, maxR);
    assertClose(sumN, sumR, 'row sums', 1e-6);
  }
});

test('native sampleRows draws the tokens the reference draws, and those of native expRows with the scan in float64', { skip }, () => {
  const rng = new Rng(12);
  const R = 64, V = 4096; // the sampler's batch: split over the cores
  const lg = randn(rng, R * V, 3);
  const uniforms = Float64Array.from({ length: R }, () => rng.uniform());
  uniforms[0] = 0;
  uniforms[1] = 1 - 2 ** -53; // the running sum may never pass u·z: the last token
  for (const scale of [1, 1 / 0.7]) {
    const want = new Int32Array(R), got = new Int32Array(R);
    const before = lg.slice();
    ref.sampleRows(lg, R, V, scale, uniforms, want);
    native!.sampleRows(lg, R, V, scale, uniforms, got);
    assert.deepEqual(lg, before, 'the logits are left as they are');
    assert.deepEqual(got, want, `scale ${scale}`);
    // The path sampleRows replaced: native expRows on a copy of the row, then the scan in JavaScript.
    const p = new Float32Array(V), max = new Float32Array(1), sum = new Float64Array(1);
    for (let r = 0; r < R; r++) {
      p.set(lg.subarray(r * V, (r + 1) * V));
      native!.expRows(p, max, sum, 1, V, scale);
      let u = uniforms[r]! * sum[0]!, tok = V - 1;
      for (let j = 0; j < V; j++) if ((u -= p[j]!) < 0) { tok = j; break; }
      assert.equal(got[r], tok, `row ${r}`);
    }
    assert.ok(new Set(got).size > 32, 'different rows draw different tokens');
  }
  assert.throws(() => native!.sampleRows(lg, R + 1, V, 1, uniforms, new Int32Array(R + 1)), /^RangeError: sampleRows\.logits: needs/);
  assert.throws(() => native!.sampleRows(lg, R, V, 1, uniforms, new Int32Array(R - 1)), /^RangeError: sampleRows\.tokens: needs/);
});

test('native add matches the reference, also accumulating in place', { skip }, () => {
  const rng = new Rng(6);
  for (const n of [1001, 2_000_003]) { // the second is split over the cores
    const a = randn(rng, n), b = randn(rng, n);
    const [r, nat] = both([new Float32Array(n)], (k, [out]) => k.add(out, a, b, n));
    assert.deepEqual(nat[0], r[0]); // one rounding of one sum: the same bits in C and in V8
    const [ri, ni] = both([a], (k, [acc]) => k.add(acc, acc, b, n));
    assert.deepEqual(ni[0], ri[0]);
  }
});

test('native AdamW update and sum of squares match the reference and zero the gradient', { skip }, () => {
  const rng = new Rng(5);
  const n = 999;
  const w = randn(rng, n), g = randn(rng, n, 0.1), m = randn(rng, n, 0.01), v = randn(rng, n, 0.01).map(Math.abs);
  assert.ok(Math.abs(native!.sumSquares(g, 2.5) - ref.sumSquares(g, 2.5)) < 1e-9 * ref.sumSquares(g, 2.5));
  const [r, nat] = both([w, g, m, v], (k, [W, G, M, Vv]) => k.adamw(W, G, M, Vv, 0.7, 0.9, 0.98, 1e-3 / 0.1, 1 / Math.sqrt(0.02), 1e-8, 1 - 1e-3 * 0.1));
  assertClose(nat[0], r[0], 'w', 1e-6);
  assertClose(nat[2], r[2], 'm');
  assertClose(nat[3], r[3], 'v');
  assert.ok(nat[1].every((x) => x === 0), 'the gradient is zeroed');
});

test('native decode attention matches softmax(scale·q Kᵀ) V computed in float64, entry by entry and head by head', { skip }, () => {
  const rng = new Rng(7);
  // One key, key counts on and off the 8-key groups, head sizes on and off the 8-channel vectors, entries
  // of any row at any position; 64 entries are split over the cores.
  for (const [E, S, H, D, T] of [[5, 4, 3, 8, 11], [3, 3, 2, 12, 40], [4, 2, 2, 64, 80], [64, 64, 4, 64, 24]] as const) {
    const C = H * D, C3 = 3 * C, scale = 1 / Math.sqrt(D);
    const rows = Int32Array.from({ length: E + 2 }, (_, e) => (e * 7 + 1) % S);
    const pos = Int32Array.from({ length: E + 2 }, (_, e) => (e === 1 ? 0 : e === 2 ? T - 1 : (e * 5 + 3) % T));
    const e0 = 1, e1 = E + 1; // entries before e0 and from e1 on are not read or written
    const q = randn(rng, (E + 2) * C3), k = randn(rng, S * H * T * D), v = randn(rng, S * H * T * D);
    const out = new Float32Array((E + 2) * C).fill(NaN); // every written element is overwritten
    native!.decodeAttention!(q, H, D, T, rows, pos, e0, e1, k, v, out, scale);
    for (let e = e0; e < e1; e++) {
      const keys = pos[e]! + 1;
      for (let h = 0; h < H; h++) {
        const base = (rows[e]! * H + h) * T * D;
        const s = Array.from({ length: keys }, (_, j) => {
          let dot = 0;
          for (let d = 0; d < D; d++) dot += q[e * C3 + h * D + d]! * k[base + j * D + d]!;
          return dot * scale;
        });
        const m = Math.max(...s);
        const ex = s.map((x) => Math.exp(x - m));
        const z = ex.reduce((a, b) => a + b, 0);
        const want = Array.from({ length: D }, (_, d) => ex.reduce((acc, p, j) => acc + (p / z) * v[base + j * D + d]!, 0));
        assertClose(out.subarray(e * C + h * D, e * C + h * D + D), want, `E ${E} D ${D} keys ${keys}: entry ${e} head ${h}`, 1e-5);
      }
    }
    assert.ok(Number.isNaN(out[0]!) && Number.isNaN(out[e1 * C]!), 'entries outside e0..e1 are not written');
    const bad = Int32Array.from(pos);
    bad[e1 - 1] = T;
    assert.throws(() => native!.decodeAttention!(q, H, D, T, rows, bad, e0, e1, k, v, out, scale),
      new RegExp(`^RangeError: decodeAttention: entry ${e1 - 1} is at row \\d+, position ${T}; expected a row below ${S} and a position below ${T}`));
    assert.throws(() => native!.decodeAttention!(q, H, D, T, rows, pos, e0, E + 3, k, v, out, scale), /^RangeError: decodeAttention\.rows: needs/);
    assert.throws(() => native!.decodeAttention!(q.subarray(0, e1 * C3 - 1), H, D, T, rows, pos, e0, e1, k, v, out, scale), /^RangeError: decodeAttention\.qkv: needs/);
  }
});

/** Largest |a − b| over the largest |b|: the error relative to the tensor's scale. */
function relMaxDiff(a: Float32Array, b: Float32Array): number {
  let d = 0, m = 0;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    m = Math.max(m, Math.abs(b[i]!));
  }
  return d / m;
}

test('native storeKv writes each entry\'s key and value where the sampler\'s loop does, and checks every index', { skip }, () => {
  const rng = new Rng(13);
  const S = 5, H = 3, D = 12, T = 9, C = H * D, E = 7;
  const qkv = randn(rng, E * 3 * C);
  const rows = Int32Array.of(0, 0, 0, 4, 2, 3, 1), pos = Int32Array.of(0, 1, 2, 8, 5, 0, 3);
  const want = [randn(rng, S * C * T), randn(rng, S * C * T)], got = want.map((a) => a.slice());
  for (let e = 0; e < E; e++) {
    for (let h = 0; h < H; h++) {
      for (let d = 0; d < D; d++) {
        want[0]![((rows[e]! * H + h) * T + pos[e]!) * D + d] = qkv[e * 3 * C + C + h * D + d]!;
        want[1]![((rows[e]! * H + h) * T + pos[e]!) * D + d] = qkv[e * 3 * C + 2 * C + h * D + d]!;
      }
    }
  }
  native!.storeKv!(qkv, E, H, D, T, rows, pos, got[0]!, got[1]!);
  assert.deepEqual(got, want);
  const before = got.map((a) => a.slice());
  assert.throws(() => native!.storeKv!(qkv, E, H, D, T, rows, Int32Array.of(0, 1, 2, 9, 5, 0, 3), got[0]!, got[1]!),
    /^RangeError: storeKv: entry 3 is at row 4, position 9; expected a row below 5 and a position below 9/);
  assert.throws(() => native!.storeKv!(qkv, E, H, D, T, Int32Array.of(0, 0, 0, 5, 2, 3, 1), pos, got[0]!, got[1]!), /entry 3 is at row 5/);
  assert.throws(() => native!.storeKv!(qkv, E + 1, H, D, T, new Int32Array(8), new Int32Array(8), got[0]!, got[1]!), /storeKv\.qkv: needs/);
  assert.throws(() => native!.storeKv!(qkv, E, H, D, T, rows, pos, got[0]!, got[1]!.subarray(1)), /caches of equal length/);
  assert.deepEqual(got, before, 'a refused call writes nothing');
});

test('native fused causal attention and its backward match the strided-batch path, accumulating or not', { skip }, () => {
  const gemm = getGemm();
  // The same addon without its fused attention: sgemmStridedBatched and prefixSoftmax, as attention.ts runs them.
  const unfused: Kernels = { ...native!, causalAttention: undefined, causalAttentionBackward: undefined };
  const rng = new Rng(11);
  // T below one 8-key chunk, T and D off every block size, the microworld's and gpt-4m's heads, large logits.
  for (const [B, T, H, D, scale] of [[2, 5, 2, 8, 1], [3, 21, 3, 12, 1], [2, 48, 4, 32, 1], [1, 67, 2, 64, 1], [2, 19, 2, 16, 6]] as const) {
    const qkv = new Tensor([B, T, 3 * H * D], randn(rng, B * T * 3 * H * D, scale), true);
    const dy = randn(rng, B * T * H * D);
    for (const accumulate of [false, true]) {
      const start = accumulate ? randn(rng, qkv.size) : null;
      const run = (k: Kernels): [Float32Array, Float32Array] => {
        const tape = new Tape(gemm, k);
        qkv.grad = start ? start.slice() : null;
        const y = causalSelfAttention(tape, qkv, H);
        const out = Float32Array.from(y.data); // (B, T, C)
        tape.backward(y, dy);
        return [out, Float32Array.from(qkv.grad!)];
      };
      const [yRef, gRef] = run(unfused);
      const [yNat, gNat] = run(native!);
      const what = `(B ${B}, T ${T}, H ${H}, D ${D}, scale ${scale}, accumulate ${accumulate})`;
      assert.ok(relMaxDiff(yNat, yRef) < 2e-6, `y ${what}: ${relMaxDiff(yNat, yRef)}`);
      assert.ok(relMaxDiff(gNat, gRef) < 2e-6, `dqkv ${what}: ${relMaxDiff(gNat, gRef)}`);
    }
  }
});

test('native fused attention rejects operands that do not hold (B, T, 3C), (B, H, T, T) or (B, T, C), naming them', { skip }, () => {
  const k = native!;
  const qkv = new Float32Array(2 * 4 * 3 * 8), p = new Float32Array(2 * 2 * 16), y = new Float32Array(2 * 4 * 8); // B 2, T 4, H 2, D 4
  assert.throws(() => k.causalAttention!(qkv, p.subarray(1), y, 2, 4, 2, 4, 0.5), /^RangeError: causalAttention\.p: needs 64 elements/);
  assert.throws(() => k.causalAttention!(qkv.subarray(1), p, y, 2, 4, 2, 4, 0.5), /^RangeError: causalAttention\.qkv: needs 192/);
  assert.throws(() => k.causalAttention!(qkv, p, y, 2, 0, 2, 4, 0.5), /^RangeError: causalAttention: expected 1 ≤ T ≤ 4096/);
  assert.throws(() => k.causalAttentionBackward!(qkv, p, y, qkv.subarray(8), false, 2, 4, 2, 4, 0.5),
    /^RangeError: causalAttentionBackward\.dqkv: needs 192 elements/);
  assert.throws(() => k.causalAttentionBackward!(qkv, p, y, qkv, 1 as unknown as boolean, 2, 4, 2, 4, 0.5),
    /^TypeError: causalAttentionBackward\.accumulate: expected a boolean/);
});

test('native cross-entropy row kernels match the reference: gathered rows, input and head gradients, repeated targets', { skip }, () => {
  const rng = new Rng(12);
  const N = 40, C = 37, V = 9, R = 13, r0 = 5;
  const rows = Int32Array.from({ length: r0 + R + 2 }, () => rng.int(N)); // any order, repeats allowed
  const targets = Int32Array.from({ length: N }, () => rng.int(3)); // few targets: head rows hit many times
  const x = randn(rng, N * C), w = randn(rng, V * C), dxc = randn(rng, R * C);
  const rowKS = randn(rng, R), rowK = randn(rng, R);
  const [rg, ng] = both([new Float32Array(R * C)], (k, [out]) => k.gatherRows(out, x, rows, r0, R, C));
  assert.deepEqual(ng[0], rg[0]);
  const [ri, ni] = both([new Float32Array(N * C).fill(NaN)], (k, [dx]) =>
    k.crossEntropyInputGrad(dx, dxc, w, rows, targets, rowKS, rowK, r0, R, C));
  assertClose(ni[0].map((v) => (Number.isNaN(v) ? 0 : v)), ri[0].map((v) => (Number.isNaN(v) ? 0 : v)), 'input gradient');
  assert.deepEqual(Array.from(ni[0], Number.isNaN), Array.from(ri[0], Number.isNaN), 'the same rows are written');
  const [rs, ns] = both([new Float32Array(R * C)], (k, [out]) => k.scaleRows(out, rg[0], rowKS, R, C));
  assertClose(ns[0], rs[0], 'scaled rows');
  const [rt, nt] = both([randn(rng, V * C)], (k, [dw]) => k.crossEntropyTargetGrad(dw, rg[0], rows, targets, rowK, r0, R, C));
  assertClose(nt[0], rt[0], 'head gradient', 1e-5);
  const k = native!;
  assert.throws(() => k.gatherRows(new Float32Array(R * C), x, Int32Array.from([0, N]), 0, 2, C),
    /^RangeError: gatherRows\.rows\[1\]: row 40 is outside \[0, 40\)/);
  const badTargets = targets.slice();
  badTargets[rows[r0]!] = V;
  assert.throws(() => k.crossEntropyTargetGrad(new Float32Array(V * C), rg[0], rows, badTargets, rowK, r0, R, C),
    /^RangeError: crossEntropyTargetGrad\.targets\[\d+\]: expected a row of \[0, 9\)/);
  assert.throws(() => k.scaleRows(x, x, rowKS, R + 1, C), /^RangeError: scaleRows\.scale: needs 14 elements/);
  assert.throws(() => k.gatherRows(new Float32Array(R * C), x, new Float32Array(4) as unknown as Int32Array, 0, 2, C),
    /^TypeError: gatherRows\.rows: expected an Int32Array/);
});

test('kernels split over the cores give the same results when three JavaScript threads call them at once', { skip }, async () => {
  // Cells run in worker threads: one call holds the addon's thread pool, the others start their own
  // threads, and OpenBLAS runs single-threaded in each. Each thread adds, samples and multiplies its own
  // arrays many times and hashes the results.
  const select = new URL('./kernel-select.js', import.meta.url).href;
  const gemmIndex = new URL('./gemm/index.js', import.meta.url).href;
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    (async () => {
      const { nativeKernels } = await import(${JSON.stringify(select)});
      const { getGemmBackend } = await import(${JSON.stringify(gemmIndex)});
      const k = nativeKernels(), g = getGemmBackend('openblas');
      const n = 1 << 21, a = new Float32Array(n), b = new Float32Array(n), out = new Float32Array(n);
      for (let i = 0; i < n; i++) { a[i] = Math.sin(i + workerData); b[i] = Math.cos(i); }
      const V = 4096, R = 64, u = Float64Array.from({ length: R }, (_, r) => (r + 0.5) / R), tok = new Int32Array(R);
      const W = a.subarray(0, 512 * 256), P = g.packWeights(W, 0, 512, 256), C = new Float32Array(64 * 512);
      let h = 0;
      for (let rep = 0; rep < 40; rep++) {
        k.add(out, a, b, n);
        k.sampleRows(out, R, V, 1, u, tok);
        g.sgemmPacked(64, 1, out, 0, 256, P, 0, C, 0, 512);
        g.sgemm(false, false, 64, 512, 256, 1, C, 0, 512, W, 0, 512, 1, out, 0, 512); // OpenBLAS, split by rows
        for (let i = 0; i < R; i++) h = (h * 31 + tok[i]) >>> 0;
        for (let i = 0; i < C.length; i += 97) h = (h * 31 + Math.round(C[i] * 1e3)) >>> 0;
      }
      parentPort.postMessage(h);
    })();`;
  const run = (seed: number): Promise<number> => new Promise((resolve, reject) => {
    const w = new Worker(code, { eval: true, workerData: seed });
    w.once('message', resolve);
    w.once('error', reject);
  });
  const alone = [await run(1), await run(2), await run(3)];
  assert.deepEqual(await Promise.all([run(1), run(2), run(3)]), alone);
  assert.equal(new Set(alone).size, 3, 'the three inputs differ, and so do their results');
});

test('validateKernels passes the native kernels and catches a wrong one', { skip }, () => {
  const gemm = getGemm();
  assert.ok(validateKernels(gemm, native!) < 1e-4);
  const wrongGelu: Kernels = { ...ref, geluForward: (out, th, x, n) => { ref.geluForward(out, th, x, n); out[0] = (out[0] ?? 0) + 0.5; } };
  assert.ok(validateKernels(gemm, wrongGelu) > 1e-3);
});

test('native kernels reject arguments that would reach outside an array, naming the argument', { skip }, () => {
  const k = native!;
  const a = new Float32Array(8);
  const bad = (f: () => void, what: RegExp) => assert.throws(f, (e: unknown) => e instanceof Error && what.test(e.message), String(what));
  bad(() => k.geluForward(a, null, a, 9), /^geluForward\.out: needs 9 elements/);
  bad(() => k.layerNormForward(a, 1, null, null, a, 0, a, a, 2, 4), /^layerNormForward\.out:/);
  bad(() => k.layerNormBackward(null, null, null, a, a, a, a, new Float32Array(1), 2, 4), /^layerNormBackward\.rstd:/);
  bad(() => k.prefixSoftmax(a, 0, 2, 2, 2, 1), /^prefixSoftmax\.cols:/);
  bad(() => k.prefixSoftmax(a, 0, 2, 2, 0, 0), /^prefixSoftmax\.period:/);
  bad(() => k.expRows(a, a, new Float32Array(2) as unknown as Float64Array, 2, 4, 1), /^expRows\.rowSum: expected a Float64Array/);
  bad(() => k.adamw(a, new Float32Array(4), a, a, 1, 0.9, 0.999, 1, 1, 1e-8, 1), /^adamw\.g:/);
  bad(() => k.geluForward(a, null, a, -1), /^geluForward\.n: expected an integer/);
  bad(() => (k.sumSquares as (...x: unknown[]) => number)(a), /^sumSquares: expected 2 arguments/);
});

test('kernelsFor: TypeScript beside the TypeScript GEMM, native beside OpenBLAS, BCT_KERNELS overrides', () => {
  assert.equal(kernelsFor(getGemmBackend('typescript')), TYPESCRIPT_KERNELS);
  const blas = loadOpenblasGemm().gemm;
  if (blas) assert.equal(kernelsFor(blas).backend, native ? 'native' : 'typescript');
  // BCT_KERNELS is read per call, but set here only in a child so this process is left as it was.
  const url = new URL('./kernel-select.js', import.meta.url).href;
  const gemmUrl = new URL('./gemm/index.js', import.meta.url).href;
  const code = `const s = await import(${JSON.stringify(url)}); const g = await import(${JSON.stringify(gemmUrl)});
try { console.log(s.kernelsFor(g.getGemm()).backend); } catch (e) { console.log(e.name + ': ' + e.message); }`;
  const child = (value: string): string => spawnSync(process.execPath, [...process.execArgv, '--input-type=module', '-e', code],
    { encoding: 'utf8', env: { ...process.env, BCT_KERNELS: value } }).stdout.trim();
  assert.equal(child('typescript'), 'typescript');
  assert.match(child('fast'), /^ConfigError: BCT_KERNELS: expected "native" or "typescript", got "fast"/);
  if (native) assert.equal(child('native'), 'native');
});
