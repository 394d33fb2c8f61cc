// Tensors and the tape that records how to run the graph backwards.
// Shape legend (used in every engine file): B batch, T time, C channels, H heads, D head dim (C/H),
// V vocab, L layers, N rows (B·T flattened), R LoRA rank.
//
// Design: a Tensor is a shape plus a Float32Array. Ops (ops.ts, attention.ts, loss.ts) compute their
// output eagerly and, when any input needs a gradient, push a closure onto the Tape. `backward` runs the
// closures in reverse; each accumulates (+=) into its inputs' gradients. Activations and their gradients
// come from two Arenas that are rewound after each step: because a training step asks for the same sizes
// in the same order every time, each buffer is allocated once and reused, and nothing is allocated per
// element or per step in the steady state.
import type { Gemm } from './gemm/index.js';
import type { Kernels } from './kernels.js';
import { kernelsFor } from './kernel-select.js';
import { ShapeError } from '../errors.js';

export class Tensor {
  /** Gradient of the loss with respect to `data`; persistent for parameters, from the arena otherwise. */
  grad: Float32Array | null = null;

  constructor(
    readonly shape: readonly number[],
    readonly data: Float32Array,
    /** Whether backward should compute a gradient for this tensor (false for frozen weights). */
    public requiresGrad = false,
  ) {
    const n = numel(shape);
    if (n !== data.length) {
      throw new ShapeError(`shape ${fmtShape(shape)} holds ${n} values but the buffer has ${data.length}`);
    }
  }

  get size(): number {
    return this.data.length;
  }
}

/** A trainable weight: a tensor with a persistent, zero-initialised gradient buffer. */
export function param(shape: readonly number[], data?: Float32Array): Tensor {
  const t = new Tensor(shape, data ?? new Float32Array(numel(shape)), true); // (...shape)
  t.grad = new Float32Array(t.size); // (...shape)
  return t;
}

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function fmtShape(shape: readonly number[]): string {
  return `(${shape.join(', ')})`;
}

/** Buffers handed out in call order and reused after `rewind`. Slot i keeps the largest size asked of it,
 *  so batches of varying length reuse the same memory (a view of the first n floats is handed out). */
export class Arena {
  private readonly pool: Float32Array[] = [];
  private next = 0;

  /** A buffer of n floats with unspecified contents (the caller overwrites all of it). */
  take(n: number): Float32Array {
    const i = this.next++;
    let buf = this.pool[i];
    if (buf === undefined || buf.length < n) {
      buf = new Float32Array(n); // (n) as asked
      this.pool[i] = buf;
    }
    return buf.length === n ? buf : buf.subarray(0, n);
  }

  takeZeroed(n: number): Float32Array {
    const buf = this.take(n); // (n)
    buf.fill(0);
    return buf;
  }

  rewind(): void {
    this.next = 0;
  }

  /** Total floats held; for memory accounting in tests and benchmarks. */
  get floats(): number {
    let n = 0;
    for (const b of this.pool) n += b.length;
    return n;
  }
}

/** Records backward closures and owns the activation and gradient arenas of one graph. */
export class Tape {
  private readonly backs: Array<() => void> = [];
  private readonly acts = new Arena();
  private readonly grads = new Arena();
  /** When false, ops run forward only (sampling, scoring) and record nothing. */
  recording = true;

  /** kernels: the small ops that go with `gemm` (kernel-select.ts) unless given. */
  constructor(readonly gemm: Gemm, readonly kernels: Kernels = kernelsFor(gemm)) {}

  /** Whether an op with these inputs must record a backward closure. */
  needsGrad(...inputs: Array<Tensor | null | undefined>): boolean {
    if (!this.recording) return false;
    for (const t of inputs) if (t && t.requiresGrad) return true;
    return false;
  }

  /** A fresh output tensor whose buffer comes from the activation arena (contents unspecified). */
  output(shape: readonly number[], requiresGrad: boolean): Tensor {
    return new Tensor(shape, this.acts.take(numel(shape)), requiresGrad); // (...shape)
  }

  /** A scratch buffer from the activation arena that lives until the next reset (saved for backward). */
  scratch(n: number): Float32Array {
    return this.acts.take(n); // (n)
  }

  record(fn: () => void): void {
    this.backs.push(fn);
  }

  /** For a backward that can overwrite: t's gradient buffer and whether it already holds values to add
   *  to. A new buffer is NOT zeroed, so a caller told `false` must write every element. */
  gradTarget(t: Tensor): [Float32Array, boolean] {
    if (t.grad !== null) return [t.grad, true];
    t.grad = this.grads.take(t.size); // (...t)
    return [t.grad, false];
  }

  /** A scratch buffer from the gradient arena with unspecified contents (the caller overwrites it). */
  gradScratchRaw(n: number): Float32Array {
    return this.grads.take(n); // (n)
  }

  /** The gradient buffer of t, created zeroed on first use. */
  grad(t: Tensor): Float32Array {
    if (t.grad === null) t.grad = this.grads.takeZeroed(t.size);
    return t.grad;
  }

  /** Runs the recorded closures in reverse, seeding d(out) with `seed` (default 1 for a scalar loss). */
  backward(out: Tensor, seed?: Float32Array): void {
    if (seed === undefined && out.size !== 1) {
      throw new ShapeError(`backward needs a scalar loss, got shape ${fmtShape(out.shape)}`);
    }
    if (seed !== undefined && seed.length !== out.size) {
      throw new ShapeError(`backward seed of ${seed.length} values for an output of shape ${fmtShape(out.shape)}`);
    }
    if (seed) this.grad(out).set(seed);
    else this.grad(out)[0] = 1;
    for (let i = this.backs.length - 1; i >= 0; i--) this.backs[i]!();
  }

  /** Forgets the graph and rewinds the arenas; tensors made since the last reset become invalid. */
  reset(): void {
    this.backs.length = 0;
    this.acts.rewind();
    this.grads.rewind();
  }

  get arenaFloats(): number {
    return this.acts.floats + this.grads.floats;
  }
}
