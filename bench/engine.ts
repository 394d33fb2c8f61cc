// Engine benchmark: `npm run bench:engine -- [--json] [--torch path] [--steps n] [--gen n]`.
// First validates every GEMM backend against the plain reference, then times: a 1024³ GEMM, training
// gpt-4m on random tokens with AdamW, sampling with the KV cache at batch 1 and 64, and (when Debian's
// python3-torch is there) the PyTorch reference ../shared/tools/torch_gpt.py on the same configuration in
// the same run. Progress lines go to stdout; with --json the last line is one JSON object.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { ConfigError } from '../src/errors.js';
import { GPT_4M, Gpt, Trainer, countParams, generate, type Sequence } from '../src/engine/index.js';
import { getGemm, getGemmBackend, openblasInfo, referenceSgemm, type Gemm, type GemmBackendName } from '../src/engine/gemm/index.js';
import { TYPESCRIPT_KERNELS, type Kernels } from '../src/engine/kernels.js';
import { kernelsFor } from '../src/engine/kernel-select.js';
import { validateKernels } from '../src/engine/kernel-check.js';

interface BenchConfig {
  // Output
  json: boolean; // print one JSON object as the last line; default false
  // Training
  batch: number; // sequences per step (B); default 8
  steps: number; // training steps; the first is warm-up and not timed; default 6 (as torch_gpt.py)
  // Sampling
  gen: number; // tokens generated per row; default 127 (context 128 minus a 1-token prompt)
  // Reference
  torch: string | null; // path to torch_gpt.py, or null to skip; default ../shared/tools/torch_gpt.py if present
}

const DEFAULT_TORCH = resolve('../shared/tools/torch_gpt.py');
const PYTHON = '/usr/bin/python3';
const PEAK_GFLOPS = 390; // stated fp32 peak of this machine's 2 cores (AVX-512 FMA), for utilisation
const TOL = 2e-5; // max |got − ref| / (1 + |ref|) accepted when validating a backend
const KERNEL_TOL = 1e-4; // max relative difference of a small model's loss and gradients, native vs TypeScript kernels

function parseArgs(argv: string[]): BenchConfig {
  const cfg: BenchConfig = { json: false, batch: 8, steps: 6, gen: 127, torch: existsSync(DEFAULT_TORCH) ? DEFAULT_TORCH : null };
  const int = (flag: string, v: string | undefined, min: number): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new ConfigError(`expected an integer ≥ ${min}, got ${JSON.stringify(v)}`, flag);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json') cfg.json = true;
    else if (a === '--batch') cfg.batch = int(a, argv[++i], 1);
    else if (a === '--steps') cfg.steps = int(a, argv[++i], 2);
    else if (a === '--gen') cfg.gen = int(a, argv[++i], 1);
    else if (a === '--torch') cfg.torch = argv[++i] ?? null;
    else if (a === '--no-torch') cfg.torch = null;
    else throw new ConfigError('unknown flag; expected --json, --batch n, --steps n, --gen n, --torch path, --no-torch', a);
  }
  return cfg;
}

const log = (s: string): void => void process.stdout.write(`${s}\n`);
const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;

function randomArray(n: number, seed: number): Float32Array {
  const a = new Float32Array(n); // (n)
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 2 ** 32 - 0.5;
  }
  return a;
}

/** Largest relative difference from the reference over every transpose pair and odd sizes, through
 *  sgemm and through a 3-item sgemmStridedBatched. */
function validate(gemm: Gemm): number {
  let worst = 0;
  const batch = 3;
  for (const [M, N, K] of [[67, 45, 131], [1, 300, 257], [5, 300, 257], [128, 96, 64]] as const) {
    for (const tA of [false, true]) {
      for (const tB of [false, true]) {
        const A = randomArray(batch * M * K, 1), B = randomArray(batch * K * N, 2), C0 = randomArray(batch * M * N, 3);
        const want = C0.slice(), one = C0.slice(), many = C0.slice();
        const lda = tA ? M : K, ldb = tB ? K : N;
        for (let b = 0; b < batch; b++) {
          referenceSgemm(tA, tB, M, N, K, 0.5, A, b * M * K, lda, B, b * K * N, ldb, 0.25, want, b * M * N, N);
        }
        gemm.sgemm(tA, tB, M, N, K, 0.5, A, 0, lda, B, 0, ldb, 0.25, one, 0, N);
        gemm.sgemmStridedBatched(tA, tB, M, N, K, 0.5, A, 0, lda, M * K, B, 0, ldb, K * N, 0.25, many, 0, N, M * N, batch);
        for (let i = 0; i < want.length; i++) {
          const ref = want[i]!, scale = 1 + Math.abs(ref);
          if (i < M * N) worst = Math.max(worst, Math.abs(one[i]! - ref) / scale);
          worst = Math.max(worst, Math.abs(many[i]! - ref) / scale);
        }
      }
    }
  }
  return worst;
}

/** GFLOP/s of an n³ product: best of repeated runs over about `seconds`, after one warm-up call. */
function gemmGflops(gemm: Gemm, n: number, seconds: number): number {
  const A = randomArray(n * n, 4), B = randomArray(n * n, 5), C = new Float32Array(n * n); // (n, n) each
  gemm.sgemm(false, false, n, n, n, 1, A, 0, n, B, 0, n, 0, C, 0, n);
  let best = Infinity;
  const t0 = performance.now();
  for (let reps = 0; reps < 3 || performance.now() - t0 < seconds * 1000; reps++) {
    const t = performance.now();
    gemm.sgemm(false, false, n, n, n, 1, A, 0, n, B, 0, n, 0, C, 0, n);
    best = Math.min(best, performance.now() - t);
  }
  return (2 * n ** 3) / (best / 1000) / 1e9;
}

function randomTokens(n: number, V: number, seed: number): number[] {
  return Array.from(randomArray(n, seed), (x) => Math.floor((x + 0.5) * V) % V);
}

interface TrainResult { tokensPerSec: number; stepMs: number; cpuMsPerStep: number; loss: number; peakRssMiB: number }

function benchTrain(cfg: BenchConfig, model: Gpt, gemm: Gemm, kernels: Kernels, quiet = false): TrainResult {
  const trainer = new Trainer(model, gemm, kernels);
  const T = GPT_4M.contextLength;
  // One fixed batch of random tokens, as torch_gpt.py does: B sequences of T + 1 tokens.
  const batch: Sequence[] = Array.from({ length: cfg.batch }, (_, b) => ({ tokens: randomTokens(T + 1, GPT_4M.vocabSize, 100 + b) }));
  const times: number[] = [];
  let loss = NaN;
  let cpu = process.cpuUsage();
  for (let s = 0; s < cfg.steps; s++) {
    if (s === 1) cpu = process.cpuUsage(); // CPU time of all threads, timed steps only
    const t = performance.now();
    loss = trainer.forwardBackward(batch).loss;
    trainer.optimStep({ lr: 3e-4, weightDecay: 0.1 });
    times.push(performance.now() - t);
    if (!quiet) log(`  step ${s + 1}/${cfg.steps}: ${times[s]!.toFixed(0)} ms, loss ${loss.toFixed(3)}`);
  }
  const stepMs = times.slice(1).reduce((a, b) => a + b, 0) / (times.length - 1);
  const used = process.cpuUsage(cpu);
  const cpuMsPerStep = (used.user + used.system) / 1000 / (times.length - 1);
  // maxRSS (KiB) is the process peak so far: everything before sampling, training included.
  return { tokensPerSec: (cfg.batch * T) / (stepMs / 1000), stepMs, cpuMsPerStep, loss, peakRssMiB: process.resourceUsage().maxRSS / 1024 };
}

/** Generated tokens per second with `rows` one-token prompts, each generating cfg.gen tokens. */
function benchSample(cfg: BenchConfig, model: Gpt, gemm: Gemm, rows: number): number {
  const prompts = Array.from({ length: rows }, (_, i) => [1 + i]);
  generate(model, prompts, { maxTokens: 8, seed: 1 }, gemm); // warm-up (JIT)
  const t = performance.now();
  const out = generate(model, prompts, { maxTokens: cfg.gen, seed: 2 }, gemm);
  const s = (performance.now() - t) / 1000;
  return out.reduce((n, g) => n + g.tokens.length, 0) / s;
}

interface TorchResult { version: string; trainTokensPerSec: number; sampleTokensPerSecBatch1: number; peakRssMiB: number }

function runTorch(path: string, cfg: BenchConfig): TorchResult | { error: string } {
  if (!existsSync(PYTHON)) return { error: `${PYTHON} not found` };
  const c = GPT_4M;
  const args = [path, `d=${c.dModel}`, `L=${c.nLayer}`, `H=${c.nHead}`, `T=${c.contextLength}`, `V=${c.vocabSize}`,
    `B=${cfg.batch}`, `steps=${cfg.steps}`, `gen=${cfg.gen + 1}`];
  const r = spawnSync(PYTHON, args, { encoding: 'utf8', timeout: 600_000 });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  const num = (re: RegExp): number => Number(re.exec(out)?.[1] ?? NaN);
  const res = {
    version: /torch (\S+)/.exec(out)?.[1] ?? 'unknown',
    trainTokensPerSec: num(/TRAIN tok\/s=(\d+)/),
    sampleTokensPerSecBatch1: num(/SAMPLE kv-cache b=1 tok\/s=(\d+)/),
    peakRssMiB: num(/peakRSS=(\d+)MiB/),
  };
  if (r.status !== 0 || !Number.isFinite(res.trainTokensPerSec)) return { error: out.trim().split('\n').slice(-3).join(' | ') || `exit ${r.status}` };
  for (const line of out.trim().split('\n')) log(`  ${line}`);
  return res;
}

function main(): void {
  const cfg = parseArgs(process.argv.slice(2));
  const gemm = getGemm();
  const blas = gemm.backend === 'openblas' ? openblasInfo() : undefined;
  const loadBefore = loadavg()[0]!; // other processes compete for the cores; reported with the figures
  log(`bench:engine  node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ` +
    `GEMM ${gemm.backend}${blas ? ` (${blas.threads} threads, ${blas.core} kernels)` : ''}`);
  if (blas?.preferredCore && blas.preferredCore !== blas.core) {
    log(`  note: OPENBLAS_CORETYPE=${process.env.OPENBLAS_CORETYPE ?? '?'} is set; this CPU runs OpenBLAS's ` +
      `${blas.preferredCore} (AVX-512) kernels about twice as fast: unset it or set OPENBLAS_CORETYPE=${blas.preferredCore}`);
  }

  const backends: Gemm[] = [getGemmBackend('typescript')];
  if (gemm.backend === 'openblas') backends.push(gemm);
  const gflops: Partial<Record<GemmBackendName, number>> = {};
  for (const g of backends) {
    const diff = validate(g);
    log(`validate ${g.backend}: maxdiff ${diff.toExponential(2)} vs reference (tolerance ${TOL})`);
    if (!(diff < TOL)) throw new Error(`GEMM backend ${g.backend} disagrees with the reference: maxdiff ${diff}`);
  }
  for (const g of backends) {
    gflops[g.backend] = gemmGflops(g, 1024, g.backend === 'openblas' ? 2 : 0);
    log(`gemm 1024³ ${g.backend}: ${gflops[g.backend]!.toFixed(1)} GFLOP/s`);
  }
  const kernels = kernelsFor(gemm);
  if (kernels.backend === 'native') {
    const diff = validateKernels(gemm, kernels);
    log(`validate native kernels: maxdiff ${diff.toExponential(2)} vs the TypeScript kernels (tolerance ${KERNEL_TOL})`);
    if (!(diff < KERNEL_TOL)) throw new Error(`the native kernels disagree with the TypeScript kernels: maxdiff ${diff}`);
  }
  const chosen = gflops[gemm.backend]!;
  log(`  ${((100 * chosen) / PEAK_GFLOPS).toFixed(0)}% of the stated ${PEAK_GFLOPS} GFLOP/s peak`);

  const model = new Gpt(GPT_4M, 0);
  const nParams = countParams(GPT_4M);
  log(`train gpt-4m (${(nParams / 1e6).toFixed(2)}M params, B=${cfg.batch}, T=${GPT_4M.contextLength}), AdamW, random tokens`);
  const train = benchTrain(cfg, model, gemm, kernels);
  log(`  ${train.tokensPerSec.toFixed(0)} tok/s (${train.stepMs.toFixed(0)} ms/step, ${train.cpuMsPerStep.toFixed(0)} CPU-ms/step), ~${((train.tokensPerSec * 6 * nParams) / 1e9).toFixed(1)} GFLOP/s (6N), peak RSS ${train.peakRssMiB.toFixed(0)} MiB [${kernels.backend} kernels]`);
  // The same training with the TypeScript kernels beside the same GEMM: what the native kernels gain, in
  // one run (a fresh model, so both start from the same weights).
  const trainTs = kernels.backend === 'native' ? benchTrain(cfg, new Gpt(GPT_4M, 0), gemm, TYPESCRIPT_KERNELS, true) : null;
  if (trainTs) log(`  with the TypeScript kernels: ${trainTs.tokensPerSec.toFixed(0)} tok/s (${trainTs.cpuMsPerStep.toFixed(0)} CPU-ms/step); native ×${(train.tokensPerSec / trainTs.tokensPerSec).toFixed(2)}`);
  const s1 = benchSample(cfg, model, gemm, 1);
  log(`sample KV cache, batch 1: ${s1.toFixed(0)} tok/s`);
  const s64 = benchSample(cfg, model, gemm, 64);
  log(`sample KV cache, batch 64: ${s64.toFixed(0)} tok/s`);

  const result: Record<string, unknown> = {
    trainTokensPerSec: round(train.tokensPerSec),
    kernels: kernels.backend,
    trainTokensPerSecTypescriptKernels: trainTs ? round(trainTs.tokensPerSec) : null,
    sampleTokensPerSecBatch1: round(s1),
    sampleTokensPerSecBatch64: round(s64),
    peakRssMiB: round(train.peakRssMiB),
    gemmGflops: round(chosen, 2),
    gemmBackend: gemm.backend,
    gemmPeakGflops: PEAK_GFLOPS,
    gemmUtilisation: round(chosen / PEAK_GFLOPS, 3),
    gemmGflopsTypescript: round(gflops.typescript!, 2),
    openblasThreads: blas?.threads ?? null,
    openblasCore: blas?.core ?? null,
    trainStepMs: round(train.stepMs),
    trainCpuMsPerStep: round(train.cpuMsPerStep),
    trainLoss: round(train.loss, 3),
    params: nParams,
    config: { ...GPT_4M, batch: cfg.batch, steps: cfg.steps, gen: cfg.gen },
    node: process.version,
    cores: cpus().length,
    loadAvg1mBefore: round(loadBefore, 2),
  };
  if (cfg.torch) {
    log(`torch reference: ${PYTHON} ${cfg.torch}`);
    const t = runTorch(cfg.torch, cfg);
    if ('error' in t) {
      log(`  torch reference skipped: ${t.error}`);
      result.torchError = t.error;
    } else {
      Object.assign(result, {
        torchVersion: t.version,
        torchTrainTokensPerSec: t.trainTokensPerSec,
        torchSampleTokensPerSecBatch1: t.sampleTokensPerSecBatch1,
        torchPeakRssMiB: t.peakRssMiB,
        trainVsTorch: round(train.tokensPerSec / t.trainTokensPerSec, 2),
        sampleBatch1VsTorch: round(s1 / t.sampleTokensPerSecBatch1, 2),
      });
      log(`  engine/torch: training ×${result.trainVsTorch}, batch-1 sampling ×${result.sampleBatch1VsTorch}`);
    }
  }
  result.loadAvg1mAfter = round(loadavg()[0]!, 2);
  log(`load average (1 min) before ${loadBefore.toFixed(2)}, after ${loadavg()[0]!.toFixed(2)} on ${cpus().length} cores`);
  if (cfg.json) log(JSON.stringify(result));
}

main();
