// Loads the OpenBLAS addon built from native/ (`npm run build:native`) and wraps it as a Gemm.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Gemm, PackedWeights } from './index.js';
import { checkGemmArgs } from './check.js';

/** The functions native/bct_gemm.c exports: the two products with the Gemm signatures (each checks its
 *  arguments in C and throws a TypeError/RangeError), the thread count and kernel family, and the packed
 *  products of bct_packed.c. */
export interface OpenblasAddon extends Pick<Gemm, 'sgemm' | 'sgemmStridedBatched'> {
  /** The addon's threads (the cores this process may use, or OPENBLAS_NUM_THREADS); OpenBLAS itself runs
   *  single-threaded inside them. */
  numThreads(): number;
  /** Sets numThreads: n ≥ 1, or 0 for the cores (absent from an addon built before it). */
  setThreadCount?(n: number): void;
  /** The kernel family OpenBLAS chose for this CPU, e.g. "SkylakeX" or "Haswell". */
  coreName(): string;
  /** The packed products of native/bct_packed.c (absent from an addon built before them). */
  packWeights?(W: Float32Array, wOff: number, N: number, K: number): Float32Array;
  sgemmPacked?(M: number, N: number, K: number, alpha: number, A: Float32Array, aOff: number, lda: number,
    P: Float32Array, beta: number, C: Float32Array, cOff: number, ldc: number): void;
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

/** The OPENBLAS_CORETYPE to ask for on the CPU described by `cpuinfo` (the text of /proc/cpuinfo), if
 *  OpenBLAS's own choice is known to be poor. Debian 12's OpenBLAS 0.3.21 predates AMD Zen 4/5 and runs
 *  its AVX2 "Haswell" kernels there; its AVX-512 "SkylakeX" kernels are about twice as fast on Zen 5
 *  (one core: 97 → 170 GFLOP/s, sgemm 1024³). Intel CPUs with AVX-512 are recognised by OpenBLAS itself. */
export function coreTypeFor(cpuinfo: string): string | undefined {
  const first = cpuinfo.split('\n\n')[0] ?? '';
  const field = (name: string): string => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(first)?.[1] ?? '';
  const flags = new Set(field('flags').split(/\s+/));
  const avx512 = ['avx512f', 'avx512cd', 'avx512bw', 'avx512dq', 'avx512vl'].every((f) => flags.has(f));
  return field('vendor_id') === 'AuthenticAMD' && Number(field('cpu family')) >= 25 && avx512 ? 'SkylakeX' : undefined;
}

/** coreTypeFor this machine (Linux x86-64 only). */
export function preferredCoreType(): string | undefined {
  if (process.platform !== 'linux' || process.arch !== 'x64') return undefined;
  try {
    return coreTypeFor(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return undefined;
  }
}

/** The addon's thread count from OPENBLAS_NUM_THREADS as a user gave it: a positive integer, or 0 for
 *  "the cores this process may use" (unset or not a positive integer, which OpenBLAS ignores too). */
export function threadsAsked(value: string | undefined): number {
  const n = Number(value);
  return value !== undefined && /^\s*\d+\s*$/.test(value) && n >= 1 ? n : 0;
}

/** Loads the raw addon; `reason` says why not when it is unavailable. */
export function loadOpenblasGemm(): OpenblasLoad {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  // OpenBLAS reads OPENBLAS_CORETYPE and OPENBLAS_NUM_THREADS once, when the addon's dlopen loads it. It
  // runs single-threaded inside the addon's own threads (native/bct_gemm.c), so it is loaded with one
  // thread and starts none of its own; a user's OPENBLAS_NUM_THREADS sets the addon's thread count
  // instead, and a user's OPENBLAS_CORETYPE wins. Both are put back as they were, so that child
  // processes (e.g. PyTorch) see the environment as given.
  const user = { OPENBLAS_CORETYPE: process.env.OPENBLAS_CORETYPE, OPENBLAS_NUM_THREADS: process.env.OPENBLAS_NUM_THREADS };
  const core = user.OPENBLAS_CORETYPE ? undefined : preferredCoreType();
  if (core) process.env.OPENBLAS_CORETYPE = core;
  process.env.OPENBLAS_NUM_THREADS = '1';
  try {
    loaded = requireAddon(require);
  } finally {
    for (const [name, value] of Object.entries(user)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
  loaded.addon?.setThreadCount?.(threadsAsked(user.OPENBLAS_NUM_THREADS));
  return loaded;
}

function requireAddon(require: NodeJS.Require): OpenblasLoad {
  let reason = 'native/build/Release/bct_gemm.node not found';
  for (const p of ADDON_PATHS) {
    try {
      const addon = require(p) as OpenblasAddon;
      return { addon, gemm: wrap(addon) };
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code !== 'MODULE_NOT_FOUND') reason = `${p}: ${err.message.split('\n')[0]}`;
    }
  }
  return { reason };
}

function wrap(addon: OpenblasAddon): Gemm {
  const { packWeights, sgemmPacked } = addon;
  const packed: Pick<Gemm, 'packWeights' | 'sgemmPacked'> = packWeights && sgemmPacked ? {
    packWeights: (W, wOff, N, K): PackedWeights => ({ N, K, data: packWeights(W, wOff, N, K) }),
    // The addon checks every argument, the panels' length against N and K included.
    sgemmPacked: (M, alpha, A, aOff, lda, W, beta, C, cOff, ldc) =>
      sgemmPacked(M, W.N, W.K, alpha, A, aOff, lda, W.data, beta, C, cOff, ldc),
  } : {};
  return {
    ...packed,
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
