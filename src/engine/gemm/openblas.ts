// Loads the OpenBLAS addon built from native/ (`npm run build:native`) and wraps it as a Gemm.
import { createRequire } from 'node:module';
import type { Gemm } from './index.js';
import { checkGemmArgs } from './check.js';

/** The functions native/bct_gemm.c exports; each checks its arguments and throws a TypeError/RangeError. */
export interface OpenblasAddon {
  sgemm(transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
        A: Float32Array, aOff: number, lda: number, B: Float32Array, bOff: number, ldb: number,
        beta: number, C: Float32Array, cOff: number, ldc: number): void;
  sgemmStridedBatched(transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
        A: Float32Array, aOff: number, lda: number, strideA: number,
        B: Float32Array, bOff: number, ldb: number, strideB: number,
        beta: number, C: Float32Array, cOff: number, ldc: number, strideC: number, batch: number): void;
  /** Threads OpenBLAS uses (set to the core count at load unless OPENBLAS_NUM_THREADS was given). */
  numThreads(): number;
}

// This file runs from src/engine/gemm/ (tsx) or dist/src/engine/gemm/ (compiled).
const ADDON_PATHS = [
  '../../../native/build/Release/bct_gemm.node',
  '../../../../native/build/Release/bct_gemm.node',
];

export type OpenblasLoad =
  | { addon: OpenblasAddon; gemm: Gemm; reason?: undefined }
  | { addon?: undefined; gemm?: undefined; reason: string };

let loaded: OpenblasLoad | undefined; // memo: the addon is loaded at most once per process

/** Loads the raw addon; `reason` says why not when it is unavailable. */
export function loadOpenblasGemm(): OpenblasLoad {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  let reason = 'native/build/Release/bct_gemm.node not found';
  for (const p of ADDON_PATHS) {
    try {
      const addon = require(p) as OpenblasAddon;
      loaded = { addon, gemm: wrap(addon) };
      return loaded;
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code !== 'MODULE_NOT_FOUND') reason = `${p}: ${err.message.split('\n')[0]}`;
    }
  }
  loaded = { reason };
  return loaded;
}

function wrap(addon: OpenblasAddon): Gemm {
  return {
    backend: 'openblas',
    sgemm(transA, transB, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc) {
      checkGemmArgs(transA, transB, M, N, K, A, aOff, lda, 0, B, bOff, ldb, 0, C, cOff, ldc, 0, 1);
      addon.sgemm(transA, transB, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc);
    },
    sgemmStridedBatched(transA, transB, M, N, K, alpha, A, aOff, lda, strideA, B, bOff, ldb, strideB,
      beta, C, cOff, ldc, strideC, batch) {
      checkGemmArgs(transA, transB, M, N, K, A, aOff, lda, strideA, B, bOff, ldb, strideB, C, cOff, ldc, strideC, batch);
      addon.sgemmStridedBatched(transA, transB, M, N, K, alpha, A, aOff, lda, strideA, B, bOff, ldb, strideB,
        beta, C, cOff, ldc, strideC, batch);
    },
  };
}
