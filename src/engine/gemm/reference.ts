// The plain reference GEMM: three loops in float64, no blocking. Tests and `bench:engine` validate every
// fast backend against it; it is far too slow for training.

/** Row-major C = alpha·op(A)·op(B) + beta·C, with the same argument meaning as Gemm.sgemm. */
export function referenceSgemm(
  transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
  A: Float32Array, aOff: number, lda: number, B: Float32Array, bOff: number, ldb: number,
  beta: number, C: Float32Array, cOff: number, ldc: number,
): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) {
        const a = transA ? A[aOff + k * lda + i] : A[aOff + i * lda + k];
        const b = transB ? B[bOff + j * ldb + k] : B[bOff + k * ldb + j];
        s += a * b;
      }
      const c = cOff + i * ldc + j;
      // beta = 0 overwrites C without reading it, as BLAS does (NaN in C does not leak through).
      C[c] = beta === 0 ? alpha * s : alpha * s + beta * C[c];
    }
  }
}
