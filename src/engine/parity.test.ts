// Parity with PyTorch: the same weights and batch through our GPT and through the PyTorch reference
// (parity/torch-ref.py, dumped into parity/tiny-ref.safetensors). Loops over a named table of tensors:
// the loss, the per-position NLL and the gradient of every weight, printing the first values and maxdiff.
// Tolerance: maxdiff ≤ 2e-5 · max(1, max|ref|) (float32 storage, float64 sums on our side).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { getGemmBackend } from './gemm/index.js';
import { Gpt } from './gpt.js';
import { readSafetensors } from './safetensors.js';
import { Tape } from './tensor.js';
import { packBatch } from './train.js';

// The fixture sits in src/engine/parity/; this file runs from src/engine/ (tsx) or dist/src/engine/.
const FIXTURE = ['./parity/tiny-ref.safetensors', '../../../src/engine/parity/tiny-ref.safetensors']
  .map((p) => fileURLToPath(new URL(p, import.meta.url))).find((p) => existsSync(p));
const TOL = 2e-5;

test('forward loss, per-position NLL and every gradient match the PyTorch reference', () => {
  assert.ok(FIXTURE, 'parity/tiny-ref.safetensors is missing; run parity/torch-ref.py');
  const { tensors: ref, metadata } = readSafetensors(FIXTURE);
  const model = new Gpt(JSON.parse(metadata.config!), null);
  for (const [name, t] of model.namedParams()) t.data.set(ref[name]!.data);
  const [B, S] = ref['batch.tokens']!.shape as [number, number];
  const seqs = Array.from({ length: B }, (_, b) => ({
    tokens: Array.from(ref['batch.tokens']!.data.subarray(b * S, b * S + S)),
    weights: Array.from(ref['batch.weights']!.data.subarray(b * S, b * S + S)),
  }));
  const tape = new Tape(getGemmBackend('typescript'));
  const { loss, nll } = model.forward(tape, packBatch(seqs, model.config.contextLength));
  tape.backward(loss);
  const table: Array<[string, Float32Array, Float32Array]> = [
    ['loss', loss.data, ref['out.loss']!.data],
    ['nll', nll, ref['out.nll']!.data],
    ...model.namedParams().map(([name, t]): [string, Float32Array, Float32Array] => [`grad.${name}`, t.grad!, ref[`grad.${name}`]!.data]),
  ];
  for (const [name, ours, theirs] of table) {
    assert.equal(ours.length, theirs.length, name);
    let maxdiff = 0;
    let scale = 1;
    for (let i = 0; i < ours.length; i++) {
      maxdiff = Math.max(maxdiff, Math.abs(ours[i]! - theirs[i]!));
      scale = Math.max(scale, Math.abs(theirs[i]!));
    }
    const first = (a: Float32Array): string => Array.from(a.subarray(0, 3), (v) => v.toFixed(6)).join(', ');
    console.log(`${name.padEnd(30)} ours [${first(ours)}] torch [${first(theirs)}] maxdiff ${maxdiff.toExponential(2)}`);
    assert.ok(maxdiff <= TOL * scale, `${name}: maxdiff ${maxdiff} > ${TOL * scale}`);
  }
});
