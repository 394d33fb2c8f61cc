import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../errors.js';
import { createRenderer, isRendererName, MAX_CONTEXT_LENGTH, RENDERER_NAMES, rendererNameFor, type RendererName } from './index.js';

test('every renderer name creates a renderer with the context length asked for', () => {
  assert.deepEqual([...RENDERER_NAMES].sort(), ['llama3', 'microworld', 'qwen3', 'qwen3_disable_thinking', 'qwen3_instruct']);
  for (const name of RENDERER_NAMES) {
    const r = createRenderer(name, { contextLength: 4096 });
    assert.equal(r.contextLength, 4096, name);
    assert.ok(r.stopTokens.length >= 1, name);
    assert.ok(isRendererName(name));
  }
});

test('an unknown renderer or a bad context length is a ConfigError naming the field', () => {
  assert.throws(
    () => createRenderer('qwen2' as RendererName, { contextLength: 4096 }),
    (e: unknown) => e instanceof ConfigError && e.where === 'renderer' && /"qwen2"/.test(e.message) && RENDERER_NAMES.every((n) => e.message.includes(n)),
  );
  assert.ok(!isRendererName('toString'), 'names are own keys of the table only');
  for (const n of [0, -1, 1.5, Number.NaN, MAX_CONTEXT_LENGTH + 1]) {
    assert.throws(() => createRenderer('microworld', { contextLength: n }), (e: unknown) => e instanceof ConfigError && e.where === 'contextLength', String(n));
  }
});

test('rendererNameFor follows the cookbook\'s defaults for real model names', () => {
  const expected: Record<string, RendererName | undefined> = {
    'Qwen/Qwen3-0.6B': 'qwen3',
    'Qwen/Qwen3-1.7B': 'qwen3',
    'Qwen/Qwen3-4B': 'qwen3',
    'Qwen/Qwen3-8B': 'qwen3',
    'Qwen/Qwen3-14B': 'qwen3',
    'Qwen/Qwen3-32B': 'qwen3',
    'Qwen/Qwen3-30B-A3B': 'qwen3',
    'Qwen/Qwen3-235B-A22B': 'qwen3',
    'Qwen/Qwen3-30B-A3B-Thinking-2507': 'qwen3',
    'Qwen/Qwen3-4B-Thinking-2507': 'qwen3',
    'Qwen/Qwen3-4B-Instruct-2507': 'qwen3_instruct',
    'Qwen/Qwen3-30B-A3B-Instruct-2507': 'qwen3_instruct',
    'Qwen/Qwen3-235B-A22B-Instruct-2507': 'qwen3_instruct',
    'Qwen/Qwen3-8B:step-100': 'qwen3',
    'meta-llama/Llama-3.1-8B-Instruct': 'llama3',
    'meta-llama/Llama-3.3-70B-Instruct': 'llama3',
    'bctlab/microworld': 'microworld',
    // The cookbook gives base models a plain "User:" format, which bctlab does not render.
    'Qwen/Qwen3-8B-Base': undefined,
    'meta-llama/Llama-3.1-8B': undefined,
    'Qwen/Qwen3-VL-30B-A3B-Instruct': undefined,
    'Qwen/Qwen3.5-9B': undefined,
    'Qwen3-8B': undefined,
    'deepseek-ai/DeepSeek-V3.1': undefined,
    '': undefined,
  };
  for (const [id, name] of Object.entries(expected)) assert.equal(rendererNameFor(id), name, id);
});
