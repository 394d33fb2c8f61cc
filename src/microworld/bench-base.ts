// Pretraining throughput of the base-model recipe: `npm run bench:base [-- --steps n] [-- --no-torch]`.
// Prints (1) the engine on the real recipe (length-bucketed world batches, default config), (2) the engine
// on fixed (64, 48) random-token batches, with its native kernels and again with the TypeScript kernels
// beside the same GEMM (their gain in one run), and (3) when /usr/bin/python3 has torch, PyTorch on the same
// fixed batches through ../shared/tools/torch_gpt.py (a reference only; same model family: pre-LN GPT,
// GELU, tied embeddings, learned positions, AdamW). Ends with one JSON line.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { Gpt, Rng, TYPESCRIPT_KERNELS, Trainer, getGemm, kernelsFor, type Gemm, type GptConfig, type Kernels, type Sequence } from '../engine/index.js';
import { ConfigError } from '../errors.js';
import { DEFAULT_BASE_CONFIG, baseGptConfig, trainBase } from './base-model.js';
import { Tokenizer } from './tokenizer.js';

const TORCH_SCRIPT = resolve('../shared/tools/torch_gpt.py');
const PYTHON = '/usr/bin/python3';

function parseArgs(argv: readonly string[]): { steps: number; torch: boolean } {
  // 150 recipe steps and 50 fixed ones: with 30 and 10, single runs swung by ±15% on a quiet machine.
  const cfg = { steps: 150, torch: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--steps') cfg.steps = Number(argv[++i]);
    else if (a === '--no-torch') cfg.torch = false;
    else throw new ConfigError('unknown flag; expected --steps n or --no-torch', a);
  }
  if (!Number.isInteger(cfg.steps) || cfg.steps < 3) throw new ConfigError(`expected an integer ≥ 3, got ${cfg.steps}`, '--steps');
  return cfg;
}

/** Tokens per second of `steps` timed steps on one fixed batch (after one untimed warm-up step). */
function fixedBatchTps(cfg: Partial<GptConfig>, batch: Sequence[], steps: number, gemm: Gemm, kernels: Kernels): number {
  const trainer = new Trainer(new Gpt(cfg, 0), gemm, kernels);
  trainer.forwardBackward(batch); // warm-up, not timed
  trainer.optimStep({ lr: 1e-3 });
  const t0 = performance.now();
  for (let s = 0; s < steps; s++) {
    trainer.forwardBackward(batch);
    trainer.optimStep({ lr: 1e-3 });
  }
  const tokens = batch.reduce((n, q) => n + q.tokens.length - 1, 0) * steps;
  return tokens / ((performance.now() - t0) / 1000);
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const base = DEFAULT_BASE_CONFIG;
  const tok = Tokenizer.microworld();
  const gemm = getGemm();
  const kernels = kernelsFor(gemm);
  const loadBefore = loadavg()[0]!; // other processes compete for the cores; reported with the figures

  // The first phase only: the annealing phase runs the same steps on another mixture.
  const recipe = trainBase({ ...base, steps: args.steps, warmupSteps: 1, annealSteps: 0 });
  const recipeTps = recipe.tokens / recipe.seconds;

  const { batchSize: B, contextLength: T } = base;
  const rng = new Rng(1);
  const batch = Array.from({ length: B }, () => ({ tokens: Array.from({ length: T + 1 }, () => Math.floor(rng.uniform() * tok.vocabSize)) }));
  const timedSteps = Math.max(2, Math.floor(args.steps / 3));
  const fixedTps = fixedBatchTps(baseGptConfig(base, tok), batch, timedSteps, gemm, kernels);
  const fixedTsKernelsTps = kernels.backend === 'native' ? fixedBatchTps(baseGptConfig(base, tok), batch, timedSteps, gemm, TYPESCRIPT_KERNELS) : null;

  let torchTps: number | null = null;
  let torchNote = 'skipped (--no-torch)';
  if (args.torch) {
    if (!existsSync(PYTHON) || !existsSync(TORCH_SCRIPT)) torchNote = `skipped (${PYTHON} or ${TORCH_SCRIPT} missing)`;
    else {
      const r = spawnSync(PYTHON, [TORCH_SCRIPT, `d=${base.dModel}`, `L=${base.nLayer}`, `H=${base.nHead}`, `T=${T}`, `V=${tok.vocabSize}`, `B=${B}`, `steps=${timedSteps + 1}`, 'gen=2'], { encoding: 'utf8', timeout: 300_000 });
      const m = /TRAIN tok\/s=(\d+)/.exec(r.stdout ?? '');
      if (m) {
        torchTps = Number(m[1]);
        torchNote = (r.stdout.split('\n')[0] ?? '').trim();
      } else torchNote = `failed: ${(r.stderr || r.stdout || 'no output').trim().split('\n').pop()}`;
    }
  }

  const cfgText = `d=${base.dModel} L=${base.nLayer} H=${base.nHead} V=${tok.vocabSize}`;
  console.log(`base recipe (${cfgText}, batch ${B}, bucketed world batches): ${recipeTps.toFixed(0)} tok/s, ${(args.steps / recipe.seconds).toFixed(2)} steps/s [${gemm.backend}]`);
  const defaultSteps = base.steps + base.annealSteps;
  console.log(`  default run of ${defaultSteps} steps ≈ ${((defaultSteps / args.steps) * recipe.seconds / 60).toFixed(0)} min at this rate`);
  console.log(`engine, fixed (${B}, ${T}) random batches: ${fixedTps.toFixed(0)} tok/s [${kernels.backend} kernels]`);
  if (fixedTsKernelsTps !== null) console.log(`  with the TypeScript kernels: ${fixedTsKernelsTps.toFixed(0)} tok/s (native ×${(fixedTps / fixedTsKernelsTps).toFixed(2)})`);
  console.log(`pytorch, same fixed batches: ${torchTps === null ? torchNote : `${torchTps} tok/s (${torchNote}); engine ×${(fixedTps / torchTps).toFixed(2)}`}`);
  const loadAfter = loadavg()[0]!;
  console.log(`load average (1 min) before ${loadBefore.toFixed(2)}, after ${loadAfter.toFixed(2)}`);
  console.log(JSON.stringify({
    bench: 'base', config: { ...base, mixture: undefined, annealMixture: undefined, vocabSize: tok.vocabSize }, gemm: gemm.backend,
    kernels: kernels.backend, recipeTokensPerSec: Math.round(recipeTps), fixedTokensPerSec: Math.round(fixedTps),
    fixedTokensPerSecTypescriptKernels: fixedTsKernelsTps === null ? null : Math.round(fixedTsKernelsTps), torchTokensPerSec: torchTps,
    fixedVsTorch: torchTps === null ? null : Math.round((fixedTps / torchTps) * 100) / 100,
    loadAvg1mBefore: Math.round(loadBefore * 100) / 100, loadAvg1mAfter: Math.round(loadAfter * 100) / 100,
  }));
}

main();
