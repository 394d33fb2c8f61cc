// Which implementation of the small ops (layer norm, GELU, softmaxes, AdamW) a GEMM backend runs with.
// The pure-TypeScript GEMM always gets the TypeScript kernels, so that path stays bit for bit what it
// was; the OpenBLAS GEMM gets the addon's vectorised kernels (native/bct_kernels.c), which the same addon
// carries. BCT_KERNELS=typescript keeps the TypeScript kernels beside OpenBLAS (to compare the two in one
// run); BCT_KERNELS=native asks for the addon's and fails when they are missing.
import { BackendError, ConfigError } from '../errors.js';
import type { Gemm } from './gemm/index.js';
import { loadOpenblasGemm } from './gemm/openblas.js';
import { TYPESCRIPT_KERNELS, type Kernels } from './kernels.js';

const KERNEL_NAMES = ['layerNormForward', 'layerNormBackward', 'geluForward', 'geluBackward', 'prefixSoftmax',
  'prefixSoftmaxBackward', 'expRows', 'sampleRows', 'add', 'adamw', 'sumSquares', 'gatherRows', 'crossEntropyInputGrad', 'scaleRows',
  'crossEntropyTargetGrad', 'decodeAttention', 'storeKv', 'causalAttention', 'causalAttentionBackward'] as const;

type NativeKernels = Required<Omit<Kernels, 'backend'>>;

let native: Kernels | null | undefined; // memo: the addon's kernels, null when it lacks them

/** The addon's kernels, or null when the addon is missing or was built before it had them. */
export function nativeKernels(): Kernels | null {
  if (native !== undefined) return native;
  const addon = loadOpenblasGemm().addon as (Partial<NativeKernels> & object) | undefined;
  if (!addon || !KERNEL_NAMES.every((k) => typeof addon[k] === 'function')) return (native = null);
  const k = addon as NativeKernels;
  // Plain functions bound once: each call crosses into C with no wrapper in between.
  native = {
    backend: 'native',
    layerNormForward: k.layerNormForward, layerNormBackward: k.layerNormBackward,
    geluForward: k.geluForward, geluBackward: k.geluBackward,
    prefixSoftmax: k.prefixSoftmax, prefixSoftmaxBackward: k.prefixSoftmaxBackward,
    expRows: k.expRows, sampleRows: k.sampleRows, add: k.add, adamw: k.adamw, sumSquares: k.sumSquares, gatherRows: k.gatherRows,
    crossEntropyInputGrad: k.crossEntropyInputGrad, scaleRows: k.scaleRows, crossEntropyTargetGrad: k.crossEntropyTargetGrad,
    decodeAttention: k.decodeAttention, storeKv: k.storeKv,
    causalAttention: k.causalAttention, causalAttentionBackward: k.causalAttentionBackward,
  };
  return native;
}

/** The kernels to use with `gemm`: TypeScript beside the TypeScript GEMM, the addon's beside OpenBLAS
 *  (unless BCT_KERNELS says otherwise, or the addon lacks them). */
export function kernelsFor(gemm: Gemm): Kernels {
  const forced = process.env.BCT_KERNELS;
  if (forced !== undefined && forced !== '' && forced !== 'typescript' && forced !== 'native') {
    throw new ConfigError(`expected "native" or "typescript", got ${JSON.stringify(forced)}`, 'BCT_KERNELS');
  }
  if (gemm.backend === 'typescript' || forced === 'typescript') return TYPESCRIPT_KERNELS;
  const k = nativeKernels();
  if (k) return k;
  if (forced === 'native') {
    throw new BackendError('the addon has no native kernels; rebuild it with `npm run build:native`, or unset BCT_KERNELS',
      'kernels.native');
  }
  return TYPESCRIPT_KERNELS;
}
