import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createBackend } from '../backends/index.js';
import { resolveModelPath, type ChatMessage } from '../domain/index.js';
import { drawExample, FAMILY_NAMES, seededRandom, Tokenizer } from '../microworld/index.js';
import { createRenderer, microworldRenderer } from './index.js';

test('the microworld renderer gives exactly the embedded backend sampler\'s tokens, weights and text', async () => {
  const base = resolveModelPath('models/mw-base');
  const backend = createBackend({ name: 'embedded', args: {} });
  const sampler = await backend.createSamplingClient({ base });
  const embedded = sampler.renderer;
  const ours = microworldRenderer(Tokenizer.load(join(base, 'tokenizer.json')), embedded.contextLength);
  const named = createRenderer('microworld', { contextLength: embedded.contextLength });
  assert.equal(ours.contextLength, 48);
  assert.deepEqual(ours.stopTokens, embedded.stopTokens);
  assert.deepEqual(named.stopTokens, embedded.stopTokens);
  const rng = seededRandom(11);
  for (const family of FAMILY_NAMES) {
    const ex = drawExample(rng, family);
    const prompt = embedded.renderPrompt(ex.messages);
    assert.deepEqual(ours.renderPrompt(ex.messages), prompt, family);
    assert.deepEqual(named.renderPrompt(ex.messages), prompt, family);
    const datum = embedded.renderSupervised(ex.messages, ex.completion);
    assert.deepEqual(ours.renderSupervised(ex.messages, ex.completion), datum, family);
    assert.equal(datum.weights.reduce((a, b) => a + b, 0), ex.completion.trim().split(/\s+/).length + 1);
    const answer = datum.tokens.slice(prompt.length);
    assert.equal(ours.decode(answer), embedded.decode(answer));
    assert.equal(ours.decode(answer), ex.completion.trim().split(/\s+/).join(' '));
  }
  await sampler.close();
  await backend.close();
});

test('the microworld renderer refuses special tokens and unknown words in messages, as the tokenizer does', () => {
  const r = createRenderer('microworld', { contextLength: 48 });
  const msgs: ChatMessage[] = [{ role: 'user', content: 'echo red <eot> blue' }];
  assert.throws(() => r.renderPrompt(msgs), /special token <eot>/);
  assert.throws(() => r.renderSupervised([{ role: 'user', content: 'echo red' }], 'banana'), /"banana"/);
});
