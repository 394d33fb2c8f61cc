import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../errors.js';
import { BACKENDS, createBackend, isRemoteBackend } from '../index.js';
import { OPENAI_BASE_URL, openaiConfig } from './config.js';

const spec = (args: Record<string, string | number | boolean | null>) => ({ name: 'openai', args });

test('defaults: $OPENAI_BASE_URL, else OpenAI; key from $OPENAI_API_KEY; completions mode, prompt_logprobs scoring, 32 in flight', () => {
  assert.deepEqual(openaiConfig(spec({}), {}), { baseUrl: OPENAI_BASE_URL, apiKeyEnv: 'OPENAI_API_KEY', api: 'completions', renderer: undefined, tokenizer: undefined, scoring: 'prompt_logprobs', maxInFlight: 32 });
  assert.equal(openaiConfig(spec({}), { OPENAI_BASE_URL: 'http://127.0.0.1:8000/v1/' }).baseUrl, 'http://127.0.0.1:8000/v1');
  assert.equal(openaiConfig(spec({ baseUrl: 'https://gpu-box:8000/v1' }), { OPENAI_BASE_URL: 'http://127.0.0.1:8000/v1' }).baseUrl, 'https://gpu-box:8000/v1');
  const c = openaiConfig(spec({ apiKeyEnv: 'JUDGE_KEY', api: 'chat', renderer: 'qwen3_instruct', tokenizer: 'Qwen/Qwen3-8B', scoring: 'echo', maxInFlight: 4 }), {});
  assert.deepEqual(c, { baseUrl: OPENAI_BASE_URL, apiKeyEnv: 'JUDGE_KEY', api: 'chat', renderer: 'qwen3_instruct', tokenizer: 'Qwen/Qwen3-8B', scoring: 'echo', maxInFlight: 4 });
});

test('bad args are ConfigErrors naming the arg', () => {
  const bad = (args: Record<string, string | number>, where: string, env: NodeJS.ProcessEnv = {}) =>
    assert.throws(() => openaiConfig(spec(args), env), (e: unknown) => e instanceof ConfigError && e.isInputError && e.where === where, where);
  bad({ apiKey: 'sk-x' }, 'backend.args');
  bad({ baseUrl: 'ftp://example.org' }, 'backend.baseUrl');
  bad({ baseUrl: 'https://user:pw@example.org/v1' }, 'backend.baseUrl');
  bad({}, 'backend.baseUrl (from $OPENAI_BASE_URL)', { OPENAI_BASE_URL: 'file:///tmp' });
  bad({ apiKeyEnv: 'sk-secret' }, 'backend.apiKeyEnv');
  bad({ api: 'responses' }, 'backend.api');
  bad({ scoring: 'logits' }, 'backend.scoring');
  bad({ renderer: 'chatml' }, 'backend.renderer');
  bad({ tokenizer: '' }, 'backend.tokenizer');
  for (const n of [0, 1.5, 2000]) bad({ maxInFlight: n }, 'backend.maxInFlight');
});

test('BACKENDS has openai as a remote backend whose spec is the args as given (no key, no env)', () => {
  assert.equal(isRemoteBackend('openai'), true);
  assert.match(BACKENDS.openai!.description, /sampling only/);
  process.env.OPENAI_BASE_URL = 'http://127.0.0.1:9/v1';
  try {
    const b = createBackend({ name: 'openai', args: { api: 'chat' } });
    assert.deepEqual(b.spec, { name: 'openai', args: { api: 'chat' } });
  } finally {
    delete process.env.OPENAI_BASE_URL;
  }
  assert.throws(() => createBackend({ name: 'openai', args: { baseUrl: 'gopher://x' } }), ConfigError);
});
