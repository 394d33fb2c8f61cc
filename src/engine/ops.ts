// Differentiable ops, each forward next to its backward closure. Every op checks shapes (ShapeError
// naming both), computes its output eagerly and records a backward closure only when an input needs a
// gradient. Backward closures accumulate (+=) into input gradients.
// Shape legend: B batch, T time, C channels, N rows (leading dims flattened), K inner dim, M/P matrix
// rows/cols, R LoRA rank, V vocab.
import { DataError, ShapeError } from '../errors.js';
import { Tape, Tensor, fmtShape, numel } from './tensor.js';

/** A low-rank adapter on a linear layer: y += scale · (x Aᵀ) Bᵀ. */
export interface LoraPair {
  a: Tensor; // (R, Cin)
  b: Tensor; // (Cout, R)
  scale: number; // alpha / R
}

/** y = x Wᵀ (+ LoRA), with W stored like torch.nn.Linear as (Cout, Cin). x: (..., Cin) → (..., Cout). */
export function linear(tape: Tape, x: Tensor, w: Tensor, lora?: LoraPair): Tensor {
  const [cout, cin] = w.shape as [number, number];
  if (w.shape.length !== 2 || x.shape[x.shape.length - 1] !== cin) {
    throw new ShapeError(`linear: input ${fmtShape(x.shape)} does not fit weight ${fmtShape(w.shape)}; ` +
      'the last dim of the input must equal the weight\'s in-features (dim 1)');
  }
  const N = x.size / cin;
  const g = tape.gemm;
  const rec = tape.needsGrad(x, w, lora?.a, lora?.b);
  const y = tape.output([...x.shape.slice(0, -1), cout], rec); // (..., Cout)
  g.sgemm(false, true, N, cout, cin, 1, x.data, 0, cin, w.data, 0, cin, 0, y.data, 0, cout);
  let u: Float32Array | null = null;
  let R = 0;
  if (lora) {
    R = lora.a.shape[0]!;
    if (lora.a.shape[1] !== cin || lora.b.shape[0] !== cout || lora.b.shape[1] !== R) {
      throw new ShapeError(`linear: LoRA A ${fmtShape(lora.a.shape)} and B ${fmtShape(lora.b.shape)} do not fit ` +
        `weight ${fmtShape(w.shape)}; expected A (R, ${cin}) and B (${cout}, R)`);
    }
    u = tape.scratch(N * R); // (N, R)
    g.sgemm(false, true, N, R, cin, 1, x.data, 0, cin, lora.a.data, 0, cin, 0, u, 0, R);
    g.sgemm(false, true, N, cout, R, lora.scale, u, 0, R, lora.b.data, 0, R, 1, y.data, 0, cout);
  }
  if (rec) {
    tape.record(() => {
      const dy = y.grad;
      if (!dy) return;
      if (x.requiresGrad) {
        const [dx, acc] = tape.gradTarget(x);
        g.sgemm(false, false, N, cin, cout, 1, dy, 0, cout, w.data, 0, cin, acc ? 1 : 0, dx, 0, cin);
      }
      if (w.requiresGrad) {
        g.sgemm(true, false, cout, cin, N, 1, dy, 0, cout, x.data, 0, cin, 1, tape.grad(w), 0, cin);
      }
      if (lora && u) {
        const { a, b, scale } = lora;
        if (b.requiresGrad) g.sgemm(true, false, cout, R, N, scale, dy, 0, cout, u, 0, R, 1, tape.grad(b), 0, R);
        if (a.requiresGrad || x.requiresGrad) {
          const du = tape.gradScratchRaw(N * R); // (N, R), overwritten (beta 0)
          g.sgemm(false, false, N, R, cout, scale, dy, 0, cout, b.data, 0, R, 0, du, 0, R);
          if (a.requiresGrad) g.sgemm(true, false, R, cin, N, 1, du, 0, R, x.data, 0, cin, 1, tape.grad(a), 0, cin);
          if (x.requiresGrad) g.sgemm(false, false, N, cin, R, 1, du, 0, R, a.data, 0, cin, 1, tape.grad(x), 0, cin);
        }
      }
    });
  }
  return y;
}

/** Matrix product a @ b: (M, K) @ (K, P) → (M, P), or batched (B, M, K) @ (B, K, P) → (B, M, P). */
export function matmul(tape: Tape, a: Tensor, b: Tensor): Tensor {
  const batched = a.shape.length === 3;
  const ok = a.shape.length === b.shape.length && (a.shape.length === 2 || batched) &&
    a.shape[a.shape.length - 1] === b.shape[b.shape.length - 2] && (!batched || a.shape[0] === b.shape[0]);
  if (!ok) throw new ShapeError(`matmul: ${fmtShape(a.shape)} @ ${fmtShape(b.shape)} does not fit; ` +
    'expected (M, K) @ (K, P) or (B, M, K) @ (B, K, P)');
  const Bn = batched ? a.shape[0]! : 1;
  const M = a.shape[a.shape.length - 2]!;
  const K = a.shape[a.shape.length - 1]!;
  const P = b.shape[b.shape.length - 1]!;
  const g = tape.gemm;
  const rec = tape.needsGrad(a, b);
  const y = tape.output(batched ? [Bn, M, P] : [M, P], rec); // (B, M, P) or (M, P)
  g.sgemmStridedBatched(false, false, M, P, K, 1, a.data, 0, K, M * K, b.data, 0, P, K * P, 0, y.data, 0, P, M * P, Bn);
  if (rec) {
    tape.record(() => {
      const dy = y.grad;
      if (!dy) return;
      // dA = dY Bᵀ (M, K); dB = Aᵀ dY (K, P)
      if (a.requiresGrad) g.sgemmStridedBatched(false, true, M, K, P, 1, dy, 0, P, M * P, b.data, 0, P, K * P, 1, tape.grad(a), 0, K, M * K, Bn);
      if (b.requiresGrad) g.sgemmStridedBatched(true, false, K, P, M, 1, a.data, 0, K, M * K, dy, 0, P, M * P, 1, tape.grad(b), 0, P, K * P, Bn);
    });
  }
  return y;
}

/** Elementwise a + b with NumPy broadcasting. */
export function add(tape: Tape, a: Tensor, b: Tensor): Tensor {
  return binary(tape, a, b, false);
}

/** Elementwise a · b with NumPy broadcasting. */
export function mul(tape: Tape, a: Tensor, b: Tensor): Tensor {
  return binary(tape, a, b, true);
}

function binary(tape: Tape, a: Tensor, b: Tensor, isMul: boolean): Tensor {
  const shape = broadcastShape(a.shape, b.shape, isMul ? 'mul' : 'add');
  const n = numel(shape);
  const ia = broadcastIndex(a.shape, shape);
  const ib = broadcastIndex(b.shape, shape);
  const rec = tape.needsGrad(a, b);
  const y = tape.output(shape, rec); // (broadcast of a and b)
  const ad = a.data;
  const bd = b.data;
  const yd = y.data;
  if (ia === null && ib === null) {
    // Same shapes (the residual adds): a plain loop.
    if (isMul) for (let i = 0; i < n; i++) yd[i] = ad[i]! * bd[i]!;
    else tape.kernels.add(yd, ad, bd, n);
  } else {
    for (let i = 0; i < n; i++) {
      const x1 = ad[ia ? ia[i]! : i]!;
      const x2 = bd[ib ? ib[i]! : i]!;
      yd[i] = isMul ? x1 * x2 : x1 + x2;
    }
  }
  if (rec) {
    tape.record(() => {
      const dy = y.grad;
      if (!dy) return;
      if (a.requiresGrad) binaryBackward(tape, a, ia, dy, isMul ? bd : null, ib, n);
      if (b.requiresGrad) binaryBackward(tape, b, ib, dy, isMul ? ad : null, ia, n);
    });
  }
  return y;
}

/** d(self) += dy (times the other operand for mul), reduced over broadcast dims through `idx`. */
function binaryBackward(tape: Tape, self: Tensor, idx: Int32Array | null, dy: Float32Array,
  other: Float32Array | null, otherIdx: Int32Array | null, n: number): void {
  const [d, acc] = tape.gradTarget(self);
  if (!acc && idx === null && other === null) {
    d.set(dy); // a fresh, same-shape gradient of an add is dy itself
    return;
  }
  if (idx === null && otherIdx === null) {
    if (other) for (let i = 0; i < n; i++) d[i] = (acc ? d[i]! : 0) + dy[i]! * other[i]!;
    else tape.kernels.add(d, d, dy, n); // acc is true here (the fresh case returned above)
    return;
  }
  if (!acc) d.fill(0);
  for (let i = 0; i < n; i++) d[idx ? idx[i]! : i] += other ? dy[i]! * other[otherIdx ? otherIdx[i]! : i]! : dy[i]!;
}

function broadcastShape(a: readonly number[], b: readonly number[], op: string): number[] {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const da = a[a.length - r + i] ?? 1;
    const db = b[b.length - r + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(`${op}: shapes ${fmtShape(a)} and ${fmtShape(b)} do not broadcast (dim ${i}: ${da} vs ${db})`);
    }
    out.push(Math.max(da, db));
  }
  return out;
}

/** For each flat index of `out`, the flat index into a tensor of shape `s`; null when s equals out. */
function broadcastIndex(s: readonly number[], out: readonly number[]): Int32Array | null {
  const n = numel(out);
  if (numel(s) === n) return null;
  const r = out.length;
  const strides = new Array<number>(r).fill(0);
  let st = 1;
  for (let i = r - 1; i >= 0; i--) {
    const d = s[s.length - r + i] ?? 1;
    strides[i] = d === 1 ? 0 : st;
    st *= d;
  }
  const idx = new Int32Array(n); // (numel(out))
  const pos = new Array<number>(r).fill(0);
  let cur = 0;
  for (let i = 0; i < n; i++) {
    idx[i] = cur;
    for (let k = r - 1; k >= 0; k--) {
      pos[k]!++;
      cur += strides[k]!;
      if (pos[k]! < out[k]!) break;
      cur -= strides[k]! * out[k]!;
      pos[k] = 0;
    }
  }
  return idx;
}

/** Rows of w (V, C) picked by ids (any shape, values in [0, V)) → (...ids shape, C). */
export function embedding(tape: Tape, w: Tensor, ids: Int32Array, idsShape: readonly number[]): Tensor {
  const [V, C] = w.shape as [number, number];
  if (w.shape.length !== 2 || numel(idsShape) !== ids.length) {
    throw new ShapeError(`embedding: table ${fmtShape(w.shape)} with ids of shape ${fmtShape(idsShape)} ` +
      `(${ids.length} ids); expected a (V, C) table and ids matching their shape`);
  }
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (id < 0 || id >= V) throw new DataError(`token id ${id} at position ${i} is outside the vocabulary [0, ${V})`, 'embedding');
  }
  const rec = tape.needsGrad(w);
  const y = tape.output([...idsShape, C], rec); // (...ids, C)
  for (let i = 0; i < ids.length; i++) y.data.set(w.data.subarray(ids[i]! * C, ids[i]! * C + C), i * C);
  if (rec) {
    tape.record(() => {
      const dy = y.grad;
      if (!dy) return;
      const dw = tape.grad(w);
      for (let i = 0; i < ids.length; i++) {
        const o = ids[i]! * C;
        for (let c = 0; c < C; c++) dw[o + c] += dy[i * C + c]!;
      }
    });
  }
  return y;
}

/** LayerNorm over the last dim: x (..., C), w, b (C) → (..., C). */
export function layerNorm(tape: Tape, x: Tensor, w: Tensor, b: Tensor): Tensor {
  const C = x.shape[x.shape.length - 1]!;
  if (w.shape.length !== 1 || w.shape[0] !== C || b.shape.length !== 1 || b.shape[0] !== C) {
    throw new ShapeError(`layerNorm: input ${fmtShape(x.shape)} with weight ${fmtShape(w.shape)} and bias ` +
      `${fmtShape(b.shape)}; expected weight and bias of shape (${C})`);
  }
  const N = x.size / C;
  const rec = tape.needsGrad(x, w, b);
  const y = tape.output(x.shape, rec); // (..., C)
  const mean = rec ? tape.scratch(N) : null; // (N)
  const rstd = rec ? tape.scratch(N) : null; // (N)
  tape.kernels.layerNormForward(y.data, 0, mean, rstd, x.data, 0, w.data, b.data, N, C);
  if (rec && mean && rstd) {
    tape.record(() => {
      const dy = y.grad;
      if (!dy) return;
      tape.kernels.layerNormBackward(x.requiresGrad ? tape.grad(x) : null, w.requiresGrad ? tape.grad(w) : null,
        b.requiresGrad ? tape.grad(b) : null, dy, x.data, w.data, mean, rstd, N, C);
    });
  }
  return y;
}

/** GELU (tanh approximation), elementwise. */
export function gelu(tape: Tape, x: Tensor): Tensor {
  const rec = tape.needsGrad(x);
  const y = tape.output(x.shape, rec); // (...x)
  const th = rec ? tape.scratch(x.size) : null; // (...x) saved tanh
  tape.kernels.geluForward(y.data, th, x.data, x.size);
  if (rec && th) {
    tape.record(() => {
      if (!y.grad) return;
      const [dx, acc] = tape.gradTarget(x);
      tape.kernels.geluBackward(dx, acc, y.grad, x.data, th, x.size);
    });
  }
  return y;
}

/** Sum of all elements → scalar (1). */
export function sum(tape: Tape, x: Tensor): Tensor {
  return reduce(tape, x, 1);
}

/** Mean of all elements → scalar (1). */
export function mean(tape: Tape, x: Tensor): Tensor {
  return reduce(tape, x, 1 / x.size);
}

function reduce(tape: Tape, x: Tensor, scale: number): Tensor {
  const rec = tape.needsGrad(x);
  const y = tape.output([1], rec); // (1)
  let s = 0;
  for (let i = 0; i < x.size; i++) s += x.data[i]!;
  y.data[0] = s * scale;
  if (rec) {
    tape.record(() => {
      if (!y.grad) return;
      const g = y.grad[0]! * scale;
      const dx = tape.grad(x);
      for (let i = 0; i < x.size; i++) dx[i] += g;
    });
  }
  return y;
}
