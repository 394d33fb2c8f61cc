// Pure-TypeScript sgemm: the fallback when the OpenBLAS addon is missing, and the deterministic path
// (single-threaded, fixed summation order, so the same inputs always give the same bits).
//
// Layout follows the GotoBLAS/BLIS scheme: for each KC-deep slice of K, op(B) is packed into NR-wide
// column strips and op(A) into MC-row blocks of MR-tall row strips, both as float64 so the inner loop
// never converts; a 4×3 register-blocked micro-kernel then updates one MR×NR tile of C from one A strip
// and one B strip. 4×3 keeps 12 accumulators + 3 B values + 1 A value within the 16 SSE registers V8
// allocates, which measured fastest among 2×4 … 6×2 (about 3× the unblocked loop). Products with
// M ≤ SMALL_M (sampling one sequence) skip packing, which there would cost as much as the product.
import type { Gemm } from './index.js';
import { checkGemmArgs } from './check.js';

const MR = 4; // rows of the register tile
const NR = 3; // columns of the register tile
const KC = 256; // depth of one packed slice: an A strip (KC×MR) and a B strip (KC×NR) stay in L1
const MC = 64; // rows of A packed at once (MC×KC float64 = 128 KiB, L2-resident)
const SMALL_M = 4;

type Sgemm = Gemm['sgemm'];

/** Scratch buffers owned by one Gemm instance, grown on demand and reused across calls. */
interface Scratch {
  ap: Float64Array; // (MC+MR, KC) packed A block
  bp: Float64Array; // (N+NR, KC) packed B slice
  row: Float64Array; // (N) one row of a small-M product
}

// Packs rows i0..i0+mc of op(A), depth p0..p0+kc, as MR-tall strips: ap[strip·kc·MR + p·MR + r].
function packA(transA: boolean, A: Float32Array, aOff: number, lda: number, i0: number, mc: number,
  p0: number, kc: number, ap: Float64Array): void {
  let o = 0;
  for (let i = 0; i < mc; i += MR) {
    const rows = Math.min(MR, mc - i);
    if (!transA && rows === MR) {
      const a0 = aOff + (i0 + i) * lda + p0, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
      for (let p = 0; p < kc; p++, o += MR) {
        ap[o] = A[a0 + p]; ap[o + 1] = A[a1 + p]; ap[o + 2] = A[a2 + p]; ap[o + 3] = A[a3 + p];
      }
    } else if (transA && rows === MR) {
      for (let p = 0, a = aOff + p0 * lda + i0 + i; p < kc; p++, o += MR, a += lda) {
        ap[o] = A[a]; ap[o + 1] = A[a + 1]; ap[o + 2] = A[a + 2]; ap[o + 3] = A[a + 3];
      }
    } else {
      for (let p = 0; p < kc; p++, o += MR) {
        for (let r = 0; r < MR; r++) {
          const ii = i0 + i + r;
          ap[o + r] = r >= rows ? 0 : transA ? A[aOff + (p0 + p) * lda + ii] : A[aOff + ii * lda + p0 + p];
        }
      }
    }
  }
}

// Packs all N columns of op(B), depth p0..p0+kc, as NR-wide strips: bp[strip·kc·NR + p·NR + s].
function packB(transB: boolean, B: Float32Array, bOff: number, ldb: number, N: number,
  p0: number, kc: number, bp: Float64Array): void {
  let o = 0;
  for (let j = 0; j < N; j += NR) {
    const cols = Math.min(NR, N - j);
    if (!transB && cols === NR) {
      for (let p = 0, b = bOff + p0 * ldb + j; p < kc; p++, o += NR, b += ldb) {
        bp[o] = B[b]; bp[o + 1] = B[b + 1]; bp[o + 2] = B[b + 2];
      }
    } else if (transB && cols === NR) {
      const b0 = bOff + j * ldb + p0, b1 = b0 + ldb, b2 = b1 + ldb;
      for (let p = 0; p < kc; p++, o += NR) {
        bp[o] = B[b0 + p]; bp[o + 1] = B[b1 + p]; bp[o + 2] = B[b2 + p];
      }
    } else {
      for (let p = 0; p < kc; p++, o += NR) {
        for (let s = 0; s < NR; s++) {
          const jj = j + s;
          bp[o + s] = s >= cols ? 0 : transB ? B[bOff + jj * ldb + p0 + p] : B[bOff + (p0 + p) * ldb + jj];
        }
      }
    }
  }
}

// C tile (rows×cols at c) = alpha·(A strip · B strip) + beta·C tile; beta = 0 does not read C.
function kernel(ap: Float64Array, a: number, bp: Float64Array, b: number, kc: number, alpha: number,
  beta: number, C: Float32Array, c: number, ldc: number, rows: number, cols: number): void {
  let c00 = 0, c01 = 0, c02 = 0, c10 = 0, c11 = 0, c12 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c30 = 0, c31 = 0, c32 = 0;
  for (let p = 0; p < kc; p++, a += MR, b += NR) {
    const b0 = bp[b], b1 = bp[b + 1], b2 = bp[b + 2];
    let x = ap[a];
    c00 += x * b0; c01 += x * b1; c02 += x * b2;
    x = ap[a + 1];
    c10 += x * b0; c11 += x * b1; c12 += x * b2;
    x = ap[a + 2];
    c20 += x * b0; c21 += x * b1; c22 += x * b2;
    x = ap[a + 3];
    c30 += x * b0; c31 += x * b1; c32 += x * b2;
  }
  if (rows === MR && cols === NR) {
    if (beta === 0) {
      C[c] = alpha * c00; C[c + 1] = alpha * c01; C[c + 2] = alpha * c02; c += ldc;
      C[c] = alpha * c10; C[c + 1] = alpha * c11; C[c + 2] = alpha * c12; c += ldc;
      C[c] = alpha * c20; C[c + 1] = alpha * c21; C[c + 2] = alpha * c22; c += ldc;
      C[c] = alpha * c30; C[c + 1] = alpha * c31; C[c + 2] = alpha * c32;
    } else {
      C[c] = alpha * c00 + beta * C[c]; C[c + 1] = alpha * c01 + beta * C[c + 1]; C[c + 2] = alpha * c02 + beta * C[c + 2]; c += ldc;
      C[c] = alpha * c10 + beta * C[c]; C[c + 1] = alpha * c11 + beta * C[c + 1]; C[c + 2] = alpha * c12 + beta * C[c + 2]; c += ldc;
      C[c] = alpha * c20 + beta * C[c]; C[c + 1] = alpha * c21 + beta * C[c + 1]; C[c + 2] = alpha * c22 + beta * C[c + 2]; c += ldc;
      C[c] = alpha * c30 + beta * C[c]; C[c + 1] = alpha * c31 + beta * C[c + 1]; C[c + 2] = alpha * c32 + beta * C[c + 2];
    }
    return;
  }
  const acc = [c00, c01, c02, c10, c11, c12, c20, c21, c22, c30, c31, c32]; // (MR, NR) edge tiles only
  for (let r = 0; r < rows; r++) {
    for (let s = 0; s < cols; s++) {
      const ci = c + r * ldc + s;
      C[ci] = beta === 0 ? alpha * acc[r * NR + s] : alpha * acc[r * NR + s] + beta * C[ci];
    }
  }
}

// C (M×N) = beta·C, with beta = 0 writing zeros without reading C.
function scaleC(M: number, N: number, beta: number, C: Float32Array, cOff: number, ldc: number): void {
  if (beta === 1) return;
  for (let i = 0; i < M; i++) {
    const c0 = cOff + i * ldc;
    if (beta === 0) C.fill(0, c0, c0 + N);
    else for (let j = 0; j < N; j++) C[c0 + j] *= beta;
  }
}

// Few rows: each row of C straight from op(A)'s row and op(B), summed in float64, no packing.
function smallM(s: Scratch, transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
  A: Float32Array, aOff: number, lda: number, B: Float32Array, bOff: number, ldb: number,
  beta: number, C: Float32Array, cOff: number, ldc: number): void {
  const row = s.row;
  const sa = transA ? lda : 1; // step between consecutive k in one row of op(A)
  for (let i = 0; i < M; i++) {
    const a0 = aOff + (transA ? i : i * lda);
    if (transB) {
      // Each C element is a dot product of two contiguous rows; four rows of B at a time share A's loads.
      let j = 0;
      for (; j + 3 < N; j += 4) {
        const b0 = bOff + j * ldb, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
        let x0 = 0, x1 = 0, x2 = 0, x3 = 0;
        for (let k = 0, a = a0; k < K; k++, a += sa) {
          const x = A[a];
          x0 += x * B[b0 + k]; x1 += x * B[b1 + k]; x2 += x * B[b2 + k]; x3 += x * B[b3 + k];
        }
        row[j] = x0; row[j + 1] = x1; row[j + 2] = x2; row[j + 3] = x3;
      }
      for (; j < N; j++) {
        let x0 = 0;
        for (let k = 0, a = a0, b = bOff + j * ldb; k < K; k++, a += sa) x0 += A[a] * B[b + k];
        row[j] = x0;
      }
    } else {
      // Rows of B scaled and summed into the row; four at a time to cut loads and stores of `row`.
      row.fill(0, 0, N);
      let k = 0, a = a0, b = bOff;
      for (; k + 3 < K; k += 4, a += 4 * sa, b += 4 * ldb) {
        const x0 = A[a], x1 = A[a + sa], x2 = A[a + 2 * sa], x3 = A[a + 3 * sa];
        const b1 = b + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
        for (let j = 0; j < N; j++) row[j] += x0 * B[b + j] + x1 * B[b1 + j] + x2 * B[b2 + j] + x3 * B[b3 + j];
      }
      for (; k < K; k++, a += sa, b += ldb) {
        const x = A[a];
        for (let j = 0; j < N; j++) row[j] += x * B[b + j];
      }
    }
    const c0 = cOff + i * ldc;
    if (beta === 0) for (let j = 0; j < N; j++) C[c0 + j] = alpha * row[j];
    else for (let j = 0; j < N; j++) C[c0 + j] = alpha * row[j] + beta * C[c0 + j];
  }
}

function createSgemm(): Sgemm {
  const s: Scratch = { ap: new Float64Array(0), bp: new Float64Array(0), row: new Float64Array(0) };
  return (transA, transB, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc) => {
    if (M === 0 || N === 0) return;
    if (K === 0 || alpha === 0) {
      scaleC(M, N, beta, C, cOff, ldc);
      return;
    }
    if (M <= SMALL_M) {
      if (s.row.length < N) s.row = new Float64Array(N); // (N)
      smallM(s, transA, transB, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc);
      return;
    }
    const nPad = Math.ceil(N / NR) * NR;
    if (s.bp.length < nPad * KC) s.bp = new Float64Array(nPad * KC); // (N+NR, KC)
    if (s.ap.length < (MC + MR) * KC) s.ap = new Float64Array((MC + MR) * KC); // (MC+MR, KC)
    const { ap, bp } = s;
    for (let p0 = 0; p0 < K; p0 += KC) {
      const kc = Math.min(KC, K - p0);
      const b = p0 === 0 ? beta : 1; // later slices accumulate onto the first
      packB(transB, B, bOff, ldb, N, p0, kc, bp);
      for (let i0 = 0; i0 < M; i0 += MC) {
        const mc = Math.min(MC, M - i0);
        packA(transA, A, aOff, lda, i0, mc, p0, kc, ap);
        for (let j = 0; j < N; j += NR) {
          const cols = Math.min(NR, N - j);
          for (let i = 0; i < mc; i += MR) {
            kernel(ap, i * kc, bp, j * kc, kc, alpha, b, C, cOff + (i0 + i) * ldc + j, ldc, Math.min(MR, mc - i), cols);
          }
        }
      }
    }
  };
}

/** A pure-TypeScript Gemm with its own scratch buffers. */
export function createTypescriptGemm(): Gemm {
  const sgemm = createSgemm();
  return {
    backend: 'typescript',
    sgemm(transA, transB, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc) {
      checkGemmArgs(transA, transB, M, N, K, A, aOff, lda, 0, B, bOff, ldb, 0, C, cOff, ldc, 0, 1);
      sgemm(transA, transB, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc);
    },
    sgemmStridedBatched(transA, transB, M, N, K, alpha, A, aOff, lda, strideA, B, bOff, ldb, strideB,
      beta, C, cOff, ldc, strideC, batch) {
      checkGemmArgs(transA, transB, M, N, K, A, aOff, lda, strideA, B, bOff, ldb, strideB, C, cOff, ldc, strideC, batch);
      for (let i = 0; i < batch; i++) {
        sgemm(transA, transB, M, N, K, alpha, A, aOff + i * strideA, lda, B, bOff + i * strideB, ldb,
          beta, C, cOff + i * strideC, ldc);
      }
    },
  };
}
