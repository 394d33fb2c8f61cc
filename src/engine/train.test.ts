// GPT + training tests on a tiny model with the pure-TypeScript GEMM (deterministic, bit for bit).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getGemmBackend, type Gemm } from './gemm/index.js';
import { Gpt } from './gpt.js';
import { resolveGptConfig, countParams, GPT_4M, GPT_TINY as TINY } from './config.js';
import { Trainer, batchIndices, packBatch, type Sequence } from './train.js';
import { scheduledLr } from './optim.js';
import { Tape } from './tensor.js';
import { ConfigError, DataError, NumericError } from '../errors.js';

const gemm = getGemmBackend('typescript');

/** Sequences counting up mod 32 from seeded starts: learnable next-token structure. */
function data(n: number, len: number, seed: number): Sequence[] {
  return Array.from({ length: n }, (_, i) => ({ tokens: Array.from({ length: len }, (_, t) => (seed + 7 * i + t) % 32) }));
}

function run(steps: number, seed: number, model = new Gpt(TINY, seed)): { model: Gpt; losses: number[] } {
  const tr = new Trainer(model, gemm);
  const losses: number[] = [];
  const pool = data(16, 12, 3);
  for (let s = 0; s < steps; s++) {
    losses.push(tr.forwardBackward(batchIndices(pool.length, 4, s, seed).map((i) => pool[i]!)).loss);
    tr.optimStep({ lr: 1e-2 });
  }
  return { model, losses };
}

test('training lowers the loss on a learnable pattern', () => {
  const { losses } = run(40, 1);
  assert.ok(Math.abs(losses[0]! - Math.log(32)) < 0.3, `initial loss ${losses[0]} should be near ln 32`);
  assert.ok(losses[39]! < 1.0, `loss after 40 steps is ${losses[39]}, expected < 1.0`);
});

test('same seed gives bit-identical weights; another seed does not', () => {
  const a = run(3, 5).model.namedParams();
  const b = run(3, 5).model.namedParams();
  const c = run(3, 6).model.namedParams();
  a.forEach(([name, t], i) => assert.deepEqual(t.data, b[i]![1].data, name));
  assert.notDeepEqual(a[0]![1].data, c[0]![1].data);
});

test('whole-model gradient matches finite differences (tolerance 2e-3 abs + 5e-2 rel)', () => {
  const model = new Gpt({ ...TINY, tiedEmbeddings: false }, 2);
  const batch = packBatch(data(2, 9, 1), 16);
  const tape = new Tape(gemm);
  tape.backward(model.forward(tape, batch).loss);
  const f = (): number => {
    const t = new Tape(gemm);
    t.recording = false;
    let s = 0;
    const r = model.forward(t, batch);
    for (let i = 0; i < r.nll.length; i++) s += r.nll[i]! * batch.weights[i]!;
    return s / r.weightSum;
  };
  for (const [name, p] of model.namedParams()) {
    for (const i of [0, Math.floor(p.size / 2), p.size - 1]) {
      const old = p.data[i]!;
      p.data[i] = old + 1e-2;
      const fp = f();
      p.data[i] = old - 1e-2;
      const fm = f();
      p.data[i] = old;
      const num = (fp - fm) / 2e-2;
      assert.ok(Math.abs(num - p.grad![i]!) <= 2e-3 + 5e-2 * Math.abs(num), `${name}[${i}]: numeric ${num} vs analytic ${p.grad![i]}`);
    }
  }
});

test('LoRA: outputs equal the base exactly at init; training moves only the adapters', () => {
  const base = new Gpt(TINY, 4);
  const lora = new Gpt(TINY, 4);
  lora.addLora({ rank: 2, alpha: 4, targets: ['attn.c_attn', 'attn.c_proj', 'mlp.c_fc', 'mlp.c_proj'] }, 9);
  const batch = packBatch(data(3, 10, 2), 16);
  const nll = (m: Gpt): Float32Array => {
    const t = new Tape(gemm);
    t.recording = false;
    return Float32Array.from(m.forward(t, batch).nll);
  };
  assert.deepEqual(nll(lora), nll(base));
  const before = lora.namedParams().map(([, t]) => Float32Array.from(t.data));
  run(3, 4, lora);
  lora.namedParams().forEach(([name, t], i) => assert.deepEqual(t.data, before[i], `${name} is frozen`));
  assert.notDeepEqual(nll(lora), nll(base));
  assert.equal(lora.trainableParams().length, 2 * 4 * 2);
});

test('mergeLora folds the adapters into the base: same outputs (1e-5), base trainable again', () => {
  const m = new Gpt(TINY, 4);
  m.addLora({ rank: 2, alpha: 4, targets: ['attn.c_attn', 'mlp.c_proj'] }, 9);
  run(4, 4, m);
  const batch = packBatch(data(3, 10, 2), 16);
  const nll = (): Float32Array => {
    const t = new Tape(gemm);
    t.recording = false;
    return Float32Array.from(m.forward(t, batch).nll);
  };
  const before = nll();
  m.mergeLora(gemm);
  const after = nll();
  before.forEach((v, i) => assert.ok(Math.abs(v - after[i]!) < 1e-5, `position ${i}: ${v} vs ${after[i]}`));
  assert.equal(m.lora, null);
  assert.equal(m.trainableParams().length, m.namedParams().length);
  assert.ok(m.namedParams().every(([, t]) => t.requiresGrad));
});

test('a reused tape gives the same gradients as a fresh one after batches of other lengths', () => {
  const m = new Gpt(TINY, 6);
  const grads = (): Float32Array[] => m.namedParams().map(([, t]) => Float32Array.from(t.grad!));
  const zero = (): void => m.namedParams().forEach(([, t]) => t.grad!.fill(0));
  const short = packBatch(data(2, 6, 1), 16);
  const reused = new Tape(gemm);
  for (const len of [12, 4, 9]) {
    reused.reset();
    reused.backward(m.forward(reused, packBatch(data(3, len, 5), 16)).loss);
  }
  zero();
  reused.reset();
  reused.backward(m.forward(reused, short).loss);
  const a = grads();
  zero();
  const fresh = new Tape(gemm);
  fresh.backward(m.forward(fresh, short).loss);
  grads().forEach((g, i) => assert.deepEqual(g, a[i], m.namedParams()[i]![0]));
});

test('gradient accumulation: two half batches match one full batch', () => {
  const seqs = data(4, 10, 0);
  const m1 = new Gpt(TINY, 8);
  const m2 = new Gpt(TINY, 8);
  const t1 = new Trainer(m1, gemm);
  const t2 = new Trainer(m2, gemm);
  t1.forwardBackward(seqs);
  t1.optimStep({ lr: 1e-2, gradClip: null });
  t2.forwardBackward(seqs.slice(0, 2));
  t2.forwardBackward(seqs.slice(2));
  t2.optimStep({ lr: 1e-2, gradClip: null });
  const a = m1.namedParams();
  m2.namedParams().forEach(([name, t], i) => {
    for (let j = 0; j < t.size; j++) assert.ok(Math.abs(t.data[j]! - a[i]![1].data[j]!) < 1e-5, name);
  });
});

test("reduction 'sum': loss Σ w·nll, gradient = 'mean' gradient × Σw (1e-5), micro-batches summed", () => {
  // Non-uniform weights, some zero, some above 1: the sum is not a rescaled count.
  const seqs = data(3, 10, 5).map((s, b) => ({ tokens: s.tokens, weights: s.tokens.map((_, t) => (t === 0 ? 0 : ((t + b) % 4) * 0.75)) }));
  const grads = (m: Gpt): Float32Array[] => m.namedParams().map(([, t]) => Float32Array.from(t.grad!));
  const mMean = new Gpt(TINY, 8);
  const mSum = new Gpt(TINY, 8);
  const tMean = new Trainer(mMean, gemm);
  const tSum = new Trainer(mSum, gemm);
  const mean = tMean.forwardBackward(seqs);
  const sum = tSum.forwardBackward(seqs, { reduction: 'sum' });
  const packed = packBatch(seqs, TINY.contextLength);
  const W = packed.weights.reduce((a, w) => a + w, 0);
  assert.ok(W > 5, `Σw = ${W}`);
  assert.ok(Math.abs(sum.loss - mean.loss * W) <= 1e-6 * sum.loss, `sum ${sum.loss} vs mean × Σw ${mean.loss * W}`);
  // Per tensor: max |g_sum − Σw·g_mean| over max |Σw·g_mean| (float32 rounding differs inside backward).
  const gm = grads(mMean);
  let maxRel = 0;
  grads(mSum).forEach((g, i) => {
    let d = 0;
    let scale = 0;
    for (let j = 0; j < g.length; j++) {
      const want = gm[i]![j]! * W;
      d = Math.max(d, Math.abs(g[j]! - want));
      scale = Math.max(scale, Math.abs(want));
    }
    maxRel = Math.max(maxRel, d / scale);
  });
  console.log(`sum vs mean × Σw: max gradient difference ${maxRel.toExponential(2)} of the tensor's largest value (tolerance 1e-5)`);
  assert.ok(maxRel < 1e-5, `max relative difference ${maxRel}`);
  assert.ok(gm.some((g) => g.some((v) => Math.abs(v) > 1e-4)), 'the gradient is not trivially zero');

  // Two 'sum' micro-batches step exactly like one 'sum' batch of both (gradients add; no 1/k).
  const one = new Gpt(TINY, 8);
  const two = new Gpt(TINY, 8);
  const tOne = new Trainer(one, gemm);
  const tTwo = new Trainer(two, gemm);
  tOne.forwardBackward(seqs, { reduction: 'sum' });
  const g1 = tOne.optimStep({ lr: 1e-2, gradClip: null }).gradNorm;
  tTwo.forwardBackward(seqs.slice(0, 1), { reduction: 'sum' });
  tTwo.forwardBackward(seqs.slice(1), { reduction: 'sum' });
  const g2 = tTwo.optimStep({ lr: 1e-2, gradClip: null }).gradNorm;
  assert.ok(Math.abs(g1 - g2) <= 1e-5 * g1, `grad norms ${g1} vs ${g2}`);
  const a = one.namedParams();
  two.namedParams().forEach(([name, t], i) => {
    for (let j = 0; j < t.size; j++) assert.ok(Math.abs(t.data[j]! - a[i]![1].data[j]!) < 1e-5, name);
  });

  // Mixing reductions within one step is refused before anything changes; zero weights are fine for 'sum'.
  tTwo.forwardBackward(seqs, { reduction: 'sum' });
  const before = grads(two);
  assert.throws(() => tTwo.forwardBackward(seqs), (e: unknown) => e instanceof ConfigError && /'sum' batch/.test(e.message));
  grads(two).forEach((g, i) => assert.deepEqual(g, before[i]));
  tTwo.zeroGrad();
  const zero = tTwo.forwardBackward([{ tokens: [1, 2, 3], weights: [0, 0, 0] }], { reduction: 'sum' });
  assert.equal(zero.loss, 0);
  assert.ok(grads(two).every((g) => g.every((v) => v === 0)));
});

test('non-finite gradients or loss throw NumericError naming the step', () => {
  const model = new Gpt(TINY, 1);
  const tr = new Trainer(model, gemm);
  tr.forwardBackward(data(2, 8, 0));
  tr.optimStep({ lr: 1e-3 });
  tr.forwardBackward(data(2, 8, 0));
  model.blocks[0]!.fcW.grad![3] = Infinity; // a gradient blows up while the loss is still finite
  assert.throws(() => tr.optimStep({ lr: 1e-3 }), (e: unknown) => e instanceof NumericError && /step 2/.test(e.message));
  tr.zeroGrad();
  assert.ok(model.blocks[0]!.fcW.grad!.every((v) => v === 0));
  model.wte.data[5] = NaN;
  assert.throws(() => tr.forwardBackward(data(2, 8, 0)), (e: unknown) => e instanceof NumericError && /step 2/.test(e.message));
});

test('config, batch and schedule validation', () => {
  assert.throws(() => resolveGptConfig({ dModel: 30, nHead: 4 }), ConfigError);
  assert.throws(() => resolveGptConfig({ dmodel: 3 } as Record<string, unknown>), /gpt\.dmodel: unknown config key/);
  assert.ok(Math.abs(countParams(GPT_4M) - 4.24e6) < 0.05e6);
  assert.throws(() => packBatch([{ tokens: [1] }], 16), DataError);
  assert.throws(() => packBatch([{ tokens: Array(18).fill(1) }], 16), /batch\[0\]\.tokens/);
  assert.throws(() => packBatch([{ tokens: [1, 2], weights: [0, -1] }], 16), /batch\[0\]\.weights: weight -1/);
  assert.throws(() => new Trainer(new Gpt(TINY, 0), gemm).forwardBackward([{ tokens: [1, 2], weights: [1, 0] }]), DataError);
  const info = new Trainer(new Gpt(TINY, 0), gemm).forwardBackward([{ tokens: [1, 2, 3] }, { tokens: [1, 2, 3, 4, 5], weights: [0, 0, 1, 1, 0] }]);
  assert.deepEqual([info.tokens, info.weightedTokens], [6, 4], 'padding is not counted; the first sequence weighs all its targets');
  assert.equal(scheduledLr(1, 0, { warmupSteps: 4 }), 0.25);
  assert.equal(scheduledLr(1, 10, { warmupSteps: 4 }), 1);
  assert.ok(Math.abs(scheduledLr(1, 100, { kind: 'cosine', totalSteps: 100, minLrRatio: 0.1 }) - 0.1) < 1e-12);
  assert.ok(Math.abs(scheduledLr(1, 50, { kind: 'cosine', totalSteps: 100, minLrRatio: 0 }) - 0.5) < 1e-12);
});

test('seeded data order visits every example once per epoch', () => {
  const seen = [0, 1, 2].flatMap((s) => batchIndices(12, 4, s, 7)).sort((a, b) => a - b);
  assert.deepEqual(seen, [...Array(12).keys()]);
  assert.deepEqual(batchIndices(12, 4, 5, 7), batchIndices(12, 4, 5, 7));
  assert.notDeepEqual([0, 1, 2].flatMap((s) => batchIndices(12, 4, s, 7)), [3, 4, 5].flatMap((s) => batchIndices(12, 4, s, 7)));
});

test('OpenBLAS and pure-TypeScript GEMM give the same loss and gradients (tolerance 1e-5)', (t) => {
  let blas: Gemm;
  try {
    blas = getGemmBackend('openblas');
  } catch {
    t.skip('the OpenBLAS addon is not built');
    return;
  }
  const batch = packBatch(data(3, 12, 4), 16);
  const run1 = (g: Gemm): { loss: number; grads: Float32Array[] } => {
    const m = new Gpt({ ...TINY, tiedEmbeddings: false }, 12);
    const tape = new Tape(g);
    const { loss } = m.forward(tape, batch);
    tape.backward(loss);
    return { loss: loss.data[0]!, grads: m.namedParams().map(([, p]) => p.grad!) };
  };
  const a = run1(gemm);
  const b = run1(blas);
  assert.ok(Math.abs(a.loss - b.loss) < 1e-5);
  a.grads.forEach((g, i) => g.forEach((v, j) => assert.ok(Math.abs(v - b.grads[i]![j]!) < 1e-5, `grad ${i}[${j}]`)));
});
