// Argument checks shared by every GEMM backend. The native addon repeats them in C (so a bad call can
// never read or write outside a buffer), but checking here first gives callers one error type.
import { ShapeError } from '../../errors.js';

function checkCount(name: string, v: number): void {
  if (!Number.isSafeInteger(v) || v < 0) {
    throw new ShapeError(`expected a non-negative integer, got ${v}`, `sgemm.${name}`);
  }
}

/** Checks that a rows×cols row-major operand with leading dimension `ld`, repeated `batch` times every
 *  `stride` elements from `off`, lies inside `buf`. */
export function checkOperand(
  name: string, buf: Float32Array, off: number, ld: number, rows: number, cols: number,
  stride: number, batch: number,
): void {
  if (!(buf instanceof Float32Array)) {
    throw new ShapeError(`expected a Float32Array, got ${Object.prototype.toString.call(buf)}`, `sgemm.${name}`);
  }
  checkCount(`${name}Off`, off);
  checkCount(`ld${name.toLowerCase()}`, ld);
  checkCount(`stride${name}`, stride);
  // BLAS requires ld >= max(1, cols) even when the operand is empty.
  if (ld < Math.max(1, cols)) {
    throw new ShapeError(`leading dimension ${ld} is smaller than the ${cols} columns of ${name}`,
      `sgemm.ld${name.toLowerCase()}`);
  }
  if (rows === 0 || cols === 0 || batch === 0) return;
  const end = off + (batch - 1) * stride + (rows - 1) * ld + cols;
  if (end > buf.length) {
    throw new ShapeError(
      `${name} (${rows}×${cols}, ld ${ld}, offset ${off}${batch > 1 ? `, ${batch} items every ${stride}` : ''}) ` +
      `needs ${end} elements but the array has ${buf.length}`, `sgemm.${name}`);
  }
}

/** Checks every argument of a (batched) sgemm call; throws ShapeError naming the argument. */
export function checkGemmArgs(
  transA: boolean, transB: boolean, M: number, N: number, K: number,
  A: Float32Array, aOff: number, lda: number, strideA: number,
  B: Float32Array, bOff: number, ldb: number, strideB: number,
  C: Float32Array, cOff: number, ldc: number, strideC: number, batch: number,
): void {
  checkCount('M', M);
  checkCount('N', N);
  checkCount('K', K);
  checkCount('batch', batch);
  checkOperand('A', A, aOff, lda, transA ? K : M, transA ? M : K, strideA, batch);
  checkOperand('B', B, bOff, ldb, transB ? N : K, transB ? K : N, strideB, batch);
  checkOperand('C', C, cOff, ldc, M, N, strideC, batch);
}
