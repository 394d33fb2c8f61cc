import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../errors.js';
import { createBackend } from '../index.js';
import { apiKeyFrom } from '../http/index.js';
import { HOSTED_BASE_URL, tinkerConfig } from './config.js';

const spec = (args: Record<string, string | number | boolean | null>) => ({ name: 'tinker', args });

test('defaults: $TINKER_BASE_URL, else the hosted service; key from $TINKER_API_KEY; 32 in flight', () => {
  assert.deepEqual(tinkerConfig(spec({}), {}), { baseUrl: HOSTED_BASE_URL, apiKeyEnv: 'TINKER_API_KEY', maxInFlight: 32 });
  assert.equal(tinkerConfig(spec({}), { TINKER_BASE_URL: 'http://127.0.0.1:8000/' }).baseUrl, 'http://127.0.0.1:8000');
  assert.equal(tinkerConfig(spec({ baseUrl: 'https://example.org/tinker/' }), { TINKER_BASE_URL: 'http://127.0.0.1:8000' }).baseUrl, 'https://example.org/tinker');
  const c = tinkerConfig(spec({ apiKeyEnv: 'MY_KEY', maxInFlight: 4 }), {});
  assert.equal(c.apiKeyEnv, 'MY_KEY');
  assert.equal(c.maxInFlight, 4);
  assert.equal(apiKeyFrom(c, { MY_KEY: 'tml-abc' }), 'tml-abc');
  assert.equal(apiKeyFrom(c, { MY_KEY: '' }), undefined);
  assert.equal(apiKeyFrom(c, {}), undefined);
});

test('a bad baseUrl is a ConfigError naming backend.baseUrl', () => {
  const bad = (args: Record<string, string | number>, env: NodeJS.ProcessEnv, pattern: RegExp) =>
    assert.throws(() => tinkerConfig(spec(args), env), (e: unknown) => e instanceof ConfigError && e.isInputError && /^backend\.baseUrl/.test(e.where ?? '') && pattern.test(e.message));
  bad({ baseUrl: 'ftp://example.org' }, {}, /http:\/\/ or https:\/\//);
  bad({ baseUrl: 'not a url' }, {}, /http:\/\/ or https:\/\//);
  bad({ baseUrl: 'https://user:pw@example.org' }, {}, /must not hold credentials/);
  bad({ baseUrl: 'https://example.org/?key=1' }, {}, /without query/);
  bad({}, { TINKER_BASE_URL: 'file:///tmp' }, /protocol file:/);
  assert.throws(() => tinkerConfig(spec({ baseUrl: 7 }), {}), /backend\.baseUrl: expected a URL string/);
});

test('other bad args are ConfigErrors naming the arg', () => {
  assert.throws(() => tinkerConfig(spec({ apiKey: 'tml-x' }), {}), (e: unknown) => e instanceof ConfigError && e.where === 'backend.args' && /apiKey/.test(e.message));
  assert.throws(() => tinkerConfig(spec({ apiKeyEnv: 'tml-secret' }), {}), (e: unknown) => e instanceof ConfigError && e.where === 'backend.apiKeyEnv');
  for (const n of [0, 1.5, 2000]) assert.throws(() => tinkerConfig(spec({ maxInFlight: n }), {}), (e: unknown) => e instanceof ConfigError && e.where === 'backend.maxInFlight');
});

test('createBackend makes a tinker backend whose spec is the args as given (no key, no env)', () => {
  const b = createBackend({ name: 'tinker', args: { baseUrl: 'http://127.0.0.1:9' } });
  assert.deepEqual(b.spec, { name: 'tinker', args: { baseUrl: 'http://127.0.0.1:9' } });
  assert.throws(() => createBackend({ name: 'tinker', args: { baseUrl: 'gopher://x' } }), ConfigError);
});
