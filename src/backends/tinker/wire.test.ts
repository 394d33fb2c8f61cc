import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BackendError, DataError } from '../../errors.js';
import { adamParams, checkDatum, chunkBatch, crossEntropyDatum, readCapabilities, readGradNorm, readLossSum, readPromptLogprobs, readSequence, readTinkerPath, readTokenizerId, tensor1d } from './wire.js';

test('TensorData is flat data with its dtype and 1-D shape; ModelInput is one encoded_text chunk', () => {
  assert.deepEqual(tensor1d([3, 4, 5], 'int64'), { data: [3, 4, 5], dtype: 'int64', shape: [3] });
  const d = crossEntropyDatum({ tokens: [1, 2, 3, 4], weights: [0, 0, 0.5, 0.25] });
  assert.deepEqual(JSON.parse(JSON.stringify(d)), {
    model_input: { chunks: [{ type: 'encoded_text', tokens: [1, 2, 3] }] },
    loss_fn_inputs: {
      target_tokens: { data: [2, 3, 4], dtype: 'int64', shape: [3] },
      weights: { data: [0, 0.5, 0.25], dtype: 'float32', shape: [3] },
    },
  });
});

test('the shift by one: the model reads tokens[:-1] and predicts tokens[1:] with weights[1:]', () => {
  const tokens = [10, 11, 12, 13, 14];
  const weights = [0, 0, 1, 1, 1];
  const d = crossEntropyDatum({ tokens, weights });
  const input = d.model_input.chunks[0]!.tokens;
  // Position t of the input predicts target t, which is the next token, weighted by that token's weight.
  for (let t = 0; t < input.length; t++) {
    assert.equal(input[t], tokens[t]);
    assert.equal(d.loss_fn_inputs.target_tokens.data[t], tokens[t + 1]);
    assert.equal(d.loss_fn_inputs.weights.data[t], weights[t + 1]);
  }
  assert.equal(input.length, tokens.length - 1);
});

test('checkDatum names the datum and the problem', () => {
  assert.throws(() => checkDatum({ tokens: [1], weights: [0] }, 2, 8), (e: unknown) => e instanceof DataError && e.where === 'batch[2].tokens' && /expected 2 to 9/.test(e.message));
  assert.throws(() => checkDatum({ tokens: [1, 2, 3], weights: [0, 1] }, 0, 8), (e: unknown) => e instanceof DataError && e.where === 'batch[0].weights');
  assert.throws(() => checkDatum({ tokens: [1, 2.5], weights: [0, 1] }, 0, 8), /token 2.5 at position 1/);
  assert.throws(() => checkDatum({ tokens: [1, 2], weights: [0, NaN] }, 0, 8), /weight NaN at position 1/);
  assert.throws(() => checkDatum({ tokens: Array(10).fill(1), weights: Array(10).fill(0) }, 0, 8), /10 tokens; expected 2 to 9/);
  checkDatum({ tokens: Array(9).fill(1), weights: Array(9).fill(0) }, 0, 8);
});

test('chunkBatch keeps order and splits at 1024 datums and about 5 MB, as the SDK does', () => {
  const small = Array.from({ length: 2500 }, (_, i) => ({ tokens: [i, i + 1], weights: [0, 1] }));
  const chunks = chunkBatch(small);
  assert.deepEqual(chunks.map((c) => c.length), [1024, 1024, 452]);
  assert.deepEqual(chunks.flat(), small);
  // 30 bytes per target position: 100,000-token datums fill 5 MB after one.
  const big = Array.from({ length: 3 }, () => ({ tokens: Array(100_001).fill(1), weights: Array(100_001).fill(1) }));
  assert.deepEqual(chunkBatch(big).map((c) => c.length), [1, 1, 1]);
  assert.deepEqual(chunkBatch([]), []);
});

test('adam_params carry every optimizer parameter of the step, clipping included (0 = off)', () => {
  assert.deepEqual(adamParams({ lr: 1e-3, betas: [0.9, 0.95], eps: 1e-8, weightDecay: 0.01, gradClip: 0.5 }), { learning_rate: 1e-3, beta1: 0.9, beta2: 0.95, eps: 1e-8, weight_decay: 0.01, grad_clip_norm: 0.5 });
  assert.equal(adamParams({ lr: 1e-3, betas: [0.9, 0.95], eps: 1e-8, weightDecay: 0, gradClip: 0 }).grad_clip_norm, 0);
});

test('reply readers return the fields and name the endpoint when one is wrong', () => {
  assert.equal(readLossSum({ loss_fn_outputs: [], metrics: { 'loss:sum': 1.5 } }, '/api/v1/forward_backward'), 1.5);
  assert.throws(() => readLossSum({ metrics: {} }, '/api/v1/forward_backward'), (e: unknown) => e instanceof BackendError && e.where === 'tinker /api/v1/forward_backward' && /loss:sum.*got an object with keys \(none\)/.test(e.message));
  // Reply strings are never quoted (a server may echo the key), only the shape.
  assert.throws(() => readTinkerPath({ path: 'tml-echoed-key' }, 'x'), (e: unknown) => e instanceof BackendError && !e.message.includes('tml-echoed-key') && /an object with keys path/.test(e.message));
  assert.equal(readGradNorm({ metrics: { grad_norm: 0.25 } }, 'x'), 0.25);
  assert.ok(Number.isNaN(readGradNorm({ metrics: null }, 'x')));
  assert.ok(Number.isNaN(readGradNorm({}, 'x')));
  assert.equal(readTinkerPath({ path: 'tinker://m1/sampler_weights/s' }, 'x'), 'tinker://m1/sampler_weights/s');
  assert.throws(() => readTinkerPath({ path: '/tmp/s' }, 'x'), /tinker:\/\/ URI/);
  assert.deepEqual(readCapabilities({ supported_models: [{ model_name: 'a', max_context_length: 64, tokenizer_id: 'bctlab/microworld' }, { model_name: 'b' }, { model_name: null }] }, 'x'), [
    { name: 'a', maxContextLength: 64, tokenizerId: 'bctlab/microworld' },
    { name: 'b', maxContextLength: undefined, tokenizerId: undefined },
  ]);
  assert.equal(readTokenizerId({ model_data: { tokenizer_id: 'Qwen/Qwen3-8B' } }, 'base', 'x'), 'Qwen/Qwen3-8B');
  assert.equal(readTokenizerId({ model_data: {} }, 'base', 'x'), 'base');
  assert.deepEqual(readSequence({ sequences: [{ tokens: [5, 6], logprobs: null, stop_reason: 'stop' }] }, 'x'), { tokens: [5, 6], stopReason: 'stop' });
  assert.throws(() => readSequence({ sequences: [] }, 'x'), /exactly one sequence/);
  assert.throws(() => readSequence({ sequences: [{ tokens: [5], stop_reason: 'eos' }] }, 'x'), /stop_reason/);
  assert.deepEqual(readPromptLogprobs({ prompt_logprobs: [null, -1, -2, -3] }, 2, 4, 'x'), [-2, -3]);
  assert.throws(() => readPromptLogprobs({ prompt_logprobs: [null, -1] }, 1, 3, 'x'), /with 3 entries/);
  assert.throws(() => readPromptLogprobs({ prompt_logprobs: [null, null, -1] }, 1, 3, 'x'), /positions 1 to 2/);
});
