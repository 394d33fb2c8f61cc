// Checkpoint tests: round trips, separate adapters, exact resume, and errors that name the tensor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getGemmBackend } from './gemm/index.js';
import { GPT_TINY as TINY } from './config.js';
import { Gpt } from './gpt.js';
import { Trainer, batchIndices } from './train.js';
import { generate } from './sampler.js';
import { FILES, loadAdapters, loadModel, loadOptimizer, saveAdapters, saveModel, saveOptimizer } from './checkpoint.js';
import { readSafetensors, writeSafetensors } from './safetensors.js';
import { CheckpointError } from '../errors.js';

const gemm = getGemmBackend('typescript');
const POOL = Array.from({ length: 12 }, (_, i) => ({ tokens: Array.from({ length: 10 }, (_, t) => (5 * i + 3 * t) % 32) }));

function trainSteps(tr: Trainer, from: number, to: number): void {
  for (let s = from; s < to; s++) {
    tr.forwardBackward(batchIndices(POOL.length, 3, s, 42).map((i) => POOL[i]!));
    tr.optimStep({ lr: 1e-2, weightDecay: 0.1 });
  }
}

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'bct-ckpt-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function sameWeights(a: Gpt, b: Gpt): void {
  const bp = b.namedParams();
  a.namedParams().forEach(([name, t], i) => assert.deepEqual(t.data, bp[i]![1].data, name));
}

test('save and load round-trip the weights, config and generations exactly', () => withDir((dir) => {
  const m = new Gpt({ ...TINY, tiedEmbeddings: false }, 3);
  saveModel(m, dir);
  const back = loadModel(dir);
  assert.deepEqual(back.config, m.config);
  sameWeights(back, m);
  const names = Object.keys(readSafetensors(join(dir, FILES.model)).tensors);
  for (const n of ['wte.weight', 'wpe.weight', 'h.0.attn.c_attn.weight', 'h.1.mlp.c_proj.weight', 'ln_f.bias', 'lm_head.weight']) {
    assert.ok(names.includes(n), `${n} in model.safetensors`);
  }
  const p = [[1, 2, 3]];
  assert.deepEqual(generate(back, p, { temperature: 0, maxTokens: 5 }, gemm), generate(m, p, { temperature: 0, maxTokens: 5 }, gemm));
}));

test('train N steps == train k, save, load, train N − k, bit for bit (full fine-tune and LoRA)', () => {
  for (const lora of [false, true]) withDir((dir) => {
    const make = (): Gpt => {
      const m = new Gpt(TINY, 1);
      if (lora) m.addLora({ rank: 2, alpha: 4, targets: ['attn.c_attn', 'mlp.c_fc'] }, 2);
      return m;
    };
    const straight = make();
    trainSteps(new Trainer(straight, gemm), 0, 6);
    const first = make();
    const t1 = new Trainer(first, gemm);
    trainSteps(t1, 0, 3);
    saveModel(first, join(dir, 'base'));
    if (lora) saveAdapters(first, join(dir, 'adapter'));
    saveOptimizer(t1.optimizer, first, join(dir, 'opt'));
    const resumed = loadModel(join(dir, 'base'));
    if (lora) loadAdapters(resumed, join(dir, 'adapter'));
    const t2 = new Trainer(resumed, gemm);
    loadOptimizer(t2.optimizer, resumed, join(dir, 'opt'));
    assert.equal(t2.step, 3);
    trainSteps(t2, 3, 6);
    sameWeights(resumed, straight);
    const sa = straight.namedAdapters();
    resumed.namedAdapters().forEach(([name, t], i) => assert.deepEqual(t.data, sa[i]![1].data, name));
  });
});

test('adapters are saved apart from the base weights', () => withDir((dir) => {
  const m = new Gpt(TINY, 1);
  saveModel(m, join(dir, 'base'));
  const before = readFileSync(join(dir, 'base', FILES.model));
  m.addLora({ rank: 2, alpha: 4, targets: ['attn.c_proj'] }, 2);
  trainSteps(new Trainer(m, gemm), 0, 2);
  saveAdapters(m, join(dir, 'adapter'));
  const names = Object.keys(readSafetensors(join(dir, 'adapter', FILES.adapter)).tensors).sort();
  assert.deepEqual(names, ['h.0.attn.c_proj.lora_A.weight', 'h.0.attn.c_proj.lora_B.weight', 'h.1.attn.c_proj.lora_A.weight', 'h.1.attn.c_proj.lora_B.weight']);
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'adapter', FILES.adapterConfig), 'utf8')),
    { schemaVersion: 1, r: 2, lora_alpha: 4, target_modules: ['attn.c_proj'] });
  saveModel(m, join(dir, 'base2'));
  assert.deepEqual(readFileSync(join(dir, 'base2', FILES.model)), before, 'the frozen base is unchanged by LoRA training');
}));

test('a wrong shape, a truncated file and a wrong dtype fail naming the tensor', () => withDir((dir) => {
  const m = new Gpt(TINY, 1);
  saveModel(m, dir);
  const path = join(dir, FILES.model);
  const good = readSafetensors(path).tensors;
  writeSafetensors(path, { ...good, 'wte.weight': { shape: [32, 8], data: new Float32Array(256) } });
  assert.throws(() => loadModel(dir), (e: unknown) => e instanceof CheckpointError &&
    e.message.includes('wte.weight') && e.message.includes('(32, 16)') && e.message.includes('(32, 8)'));
  saveModel(m, dir);
  truncateSync(path, statSync(path).size - 100);
  assert.throws(() => loadModel(dir), (e: unknown) => e instanceof CheckpointError && /"?[a-z_.0-9]+\.(weight|bias)"?/.test(e.message));
  saveModel(m, dir);
  const bytes = readFileSync(path);
  const headerLen = Number(bytes.readBigUInt64LE(0));
  const header = bytes.subarray(8, 8 + headerLen).toString('utf8');
  const i = header.indexOf('"F32"', header.indexOf('"wte.weight"'));
  bytes.write('"F16"', 8 + i, 'utf8');
  writeFileSync(path, bytes);
  assert.throws(() => loadModel(dir), (e: unknown) => e instanceof CheckpointError && e.message.includes('wte.weight'));
}));
