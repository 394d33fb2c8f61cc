// Pure-TypeScript sgemm: the fallback when the OpenBLAS addon is missing, and the deterministic path.
import type { Gemm } from './index.js';
import { checkGemmArgs } from './check.js';

function sgemmUnchecked(
  transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
  A: Float32Array, aOff: number, lda: number, B: Float32Array, bOff: number, ldb: number,
  beta: number, C: Float32Array, cOff: number, ldc: number,
): void {
  const row = new Float64Array(N); // (N) one row of the product, accumulated in float64
  for (let i = 0; i < M; i++) {
    row.fill(0);
    for (let k = 0; k < K; k++) {
      const a = transA ? A[aOff + k * lda + i] : A[aOff + i * lda + k];
      if (transB) {
        for (let j = 0; j < N; j++) row[j] += a * B[bOff + j * ldb + k];
      } else {
        const b0 = bOff + k * ldb;
        for (let j = 0; j < N; j++) row[j] += a * B[b0 + j];
      }
    }
    const c0 = cOff + i * ldc;
    if (beta === 0) for (let j = 0; j < N; j++) C[c0 + j] = alpha * row[j];
    else for (let j = 0; j < N; j++) C[c0 + j] = alpha * row[j] + beta * C[c0 + j];
  }
}

export const typescriptGemm: Gemm = {
  backend: 'typescript',
  sgemm(transA, transB, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc) {
    checkGemmArgs(transA, transB, M, N, K, A, aOff, lda, 0, B, bOff, ldb, 0, C, cOff, ldc, 0, 1);
    sgemmUnchecked(transA, transB, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc);
  },
  sgemmStridedBatched(transA, transB, M, N, K, alpha, A, aOff, lda, strideA, B, bOff, ldb, strideB,
    beta, C, cOff, ldc, strideC, batch) {
    checkGemmArgs(transA, transB, M, N, K, A, aOff, lda, strideA, B, bOff, ldb, strideB, C, cOff, ldc, strideC, batch);
    for (let i = 0; i < batch; i++) {
      sgemmUnchecked(transA, transB, M, N, K, alpha, A, aOff + i * strideA, lda, B, bOff + i * strideB, ldb,
        beta, C, cOff + i * strideC, ldc);
    }
  },
};
