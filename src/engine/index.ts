// Public surface of the engine: the in-process GPT that bctlab trains and samples. Other folders import
// only from here. See README.md for the contracts and a usage example.
export { getGemm, getGemmBackend, type Gemm, type GemmBackendName } from './gemm/index.js';
export { GPT_4M, GPT_TINY, countParams, resolveGptConfig, type GptConfig } from './config.js';
export { Gpt, LORA_TARGETS, type LoraConfig, type LoraTarget, type PackedBatch } from './gpt.js';
export { Trainer, batchIndices, packBatch, type ForwardBackwardInfo, type ForwardBackwardOptions, type Reduction, type Sequence } from './train.js';
export { AdamW, DEFAULT_OPTIM, scheduledLr, type LrSchedule, type OptimParams, type OptimStepInfo } from './optim.js';
export { DEFAULT_SAMPLE, generate, score, type Generation, type SampleOptions, type ScoreItem, type ScoreResult } from './sampler.js';
export { Rng, type RngState } from './rng.js';
// The small ops (layer norm, GELU, softmaxes, AdamW): TypeScript references or the addon's (kernel-select.ts).
export { TYPESCRIPT_KERNELS, type Kernels } from './kernels.js';
export { kernelsFor } from './kernel-select.js';
// Op-level pieces, for experiments beyond the GPT.
export { Tape, Tensor, param } from './tensor.js';
export { add, embedding, gelu, layerNorm, linear, matmul, mean, mul, sum, type LoraPair } from './ops.js';
export { causalSelfAttention } from './attention.js';
export { linearCrossEntropy, type CrossEntropyResult } from './loss.js';
// Checkpoints (safetensors + JSON; see checkpoint.ts for the file layout).
export { CHECKPOINT_SCHEMA_VERSION, FILES as CHECKPOINT_FILES, loadAdapters, loadModel, loadOptimizer, saveAdapters, saveModel, saveOptimizer } from './checkpoint.js';
export { readSafetensors, writeSafetensors, type NamedTensor, type SafetensorsFile } from './safetensors.js';
