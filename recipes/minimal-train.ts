// The smallest complete use of the engine: build a GPT, train it with loss on the "answer" tokens only,
// save it, load it back, sample and score. The production loop (batching, schedules, checkpoints on a
// schedule) is the embedded backend built on the same Trainer (src/engine/train.ts).
// Run: npm run build && node dist/recipes/minimal-train.js
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Gpt, Rng, Trainer, batchIndices, generate, loadModel, saveModel, scheduledLr, score, type Sequence } from '../src/engine/index.js';

const config = {
  model: { vocabSize: 32, contextLength: 24, dModel: 32, nLayer: 2, nHead: 2 }, // a tiny GPT
  seed: 0, // init and data order
  steps: 300, // optimizer steps
  batchSize: 8, // sequences per step
  lr: 3e-3, // peak AdamW learning rate
  warmupSteps: 10, // linear warm-up, then constant
};

// Toy task: "prompt" = 4 random digits (tokens 0..9), separator 10, "answer" = the digits reversed.
const rng = new Rng(config.seed);
function example(): Sequence {
  const digits = [0, 1, 2, 3].map(() => rng.int(10));
  const tokens = [...digits, 10, ...[...digits].reverse()];
  return { tokens, weights: tokens.map((_, t) => (t > 4 ? 1 : 0)) }; // loss on the answer only
}
const data = Array.from({ length: 2000 }, () => example());

const model = new Gpt(config.model, config.seed);
const trainer = new Trainer(model);
for (let step = 0; step < config.steps; step++) {
  const batch = batchIndices(data.length, config.batchSize, step, config.seed).map((i) => data[i]!);
  const { loss } = trainer.forwardBackward(batch);
  const { gradNorm } = trainer.optimStep({ lr: scheduledLr(config.lr, step, { warmupSteps: config.warmupSteps }) });
  if (step % 25 === 0 || step === config.steps - 1) {
    console.log(`step ${step}  loss ${loss.toFixed(3)}  grad-norm ${gradNorm.toFixed(2)}`);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'bct-minimal-'));
saveModel(model, dir);
const loaded = loadModel(dir);
const prompt = data[3]!.tokens.slice(0, 5);
const [greedy] = generate(loaded, [prompt], { temperature: 0, maxTokens: 4 });
console.log(`prompt ${prompt.join(' ')} -> ${greedy!.tokens.join(' ')} (expected ${data[3]!.tokens.slice(5).join(' ')})`);
const [s] = score(loaded, [{ prompt, continuation: data[3]!.tokens.slice(5) }]);
console.log(`log p(expected answer) = ${s!.logprob.toFixed(3)}; checkpoint in ${dir}`);
