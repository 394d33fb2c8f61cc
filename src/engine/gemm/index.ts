// Public surface of the GEMM backends: one interface, an OpenBLAS addon (native/) and a pure-TypeScript
// fallback. `getGemm()` picks OpenBLAS when the addon loads; env BCT_GEMM=typescript|openblas forces one.
import { BackendError, ConfigError } from '../../errors.js';
import { createTypescriptGemm } from './typescript.js';
import { loadOpenblasGemm, preferredCoreType } from './openblas.js';

export interface Gemm {
  readonly backend: 'openblas' | 'typescript';
  /** Row-major C(M×N) = alpha·op(A)·op(B) + beta·C; op(A) is M×K (A is K×M when transA), op(B) is K×N
   *  (B is N×K when transB). Offsets and leading dimensions in elements. */
  sgemm(transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
        A: Float32Array, aOff: number, lda: number, B: Float32Array, bOff: number, ldb: number,
        beta: number, C: Float32Array, cOff: number, ldc: number): void;
  /** `batch` independent sgemms; operand i starts at off + i·stride. */
  sgemmStridedBatched(transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
        A: Float32Array, aOff: number, lda: number, strideA: number,
        B: Float32Array, bOff: number, ldb: number, strideB: number,
        beta: number, C: Float32Array, cOff: number, ldc: number, strideC: number, batch: number): void;
  /** OpenBLAS backend only: W (N×K row-major, a Linear layer's weight, from wOff) laid out once for
   *  sgemmPacked (a copy; later changes to W are not seen). */
  packWeights?(W: Float32Array, wOff: number, N: number, K: number): PackedWeights;
  /** OpenBLAS backend only: C(M×N) = alpha·A·Wᵀ + beta·C for packed W, the product sgemm(false, true, …)
   *  computes, summed in another order. Each output element is one fixed chain of multiply-adds, so a
   *  row's result is bit-identical whatever M, the other rows or the thread count. beta 0 ignores C. */
  sgemmPacked?(M: number, alpha: number, A: Float32Array, aOff: number, lda: number, W: PackedWeights,
        beta: number, C: Float32Array, cOff: number, ldc: number): void;
}

/** Weights laid out for Gemm.sgemmPacked: `data` holds the (N, K) matrix in the addon's panel layout. */
export interface PackedWeights {
  readonly N: number;
  readonly K: number;
  readonly data: Float32Array;
}

export type GemmBackendName = Gemm['backend'];

export { referenceSgemm } from './reference.js';

const typescriptGemm = createTypescriptGemm();

/** How OpenBLAS runs, or undefined when the addon does not load; for benchmark reports. `core` is the
 *  kernel family in use; `preferredCore` the one the loader picks for this CPU when OPENBLAS_CORETYPE
 *  is unset (null: OpenBLAS's own choice). */
export function openblasInfo(): { threads: number; core: string; preferredCore: string | null } | undefined {
  const addon = loadOpenblasGemm().addon;
  return addon ? { threads: addon.numThreads(), core: addon.coreName(), preferredCore: preferredCoreType() ?? null } : undefined;
}

/** The named backend; throws BackendError when OpenBLAS is asked for but the addon does not load. */
export function getGemmBackend(name: GemmBackendName): Gemm {
  if (name === 'typescript') return typescriptGemm;
  if (name === 'openblas') {
    const r = loadOpenblasGemm();
    if (r.gemm) return r.gemm;
    throw new BackendError(`the OpenBLAS GEMM addon is unavailable (${r.reason}); ` +
      'install libopenblas-dev and run `npm run build:native`, or set BCT_GEMM=typescript', 'gemm.openblas');
  }
  throw new ConfigError(`expected "openblas" or "typescript", got ${JSON.stringify(name)}`, 'gemm.backend');
}

// The choice is made once per process so the fallback notice prints once; a memo, not a setting.
let chosen: Gemm | undefined;

/** OpenBLAS if the addon loads, else pure TypeScript with a one-line notice on stderr (printed once). */
export function getGemm(): Gemm {
  if (chosen) return chosen;
  const forced = process.env.BCT_GEMM;
  if (forced !== undefined && forced !== '') {
    if (forced !== 'openblas' && forced !== 'typescript') {
      throw new ConfigError(`expected "openblas" or "typescript", got ${JSON.stringify(forced)}`, 'BCT_GEMM');
    }
    chosen = getGemmBackend(forced);
    return chosen;
  }
  const r = loadOpenblasGemm();
  if (r.gemm) {
    chosen = r.gemm;
  } else {
    process.stderr.write(`[bctlab] OpenBLAS GEMM addon unavailable (${r.reason}); using the slower pure-TypeScript GEMM (install libopenblas-dev, then run npm run build:native)\n`);
    chosen = typescriptGemm;
  }
  return chosen;
}
