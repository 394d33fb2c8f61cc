import assert from 'node:assert/strict';
import { test } from 'node:test';
import { budgetSchema, checkBudgetPrices } from './budget.js';
import { costOf, formatUsd, priceFor, pricesSchema, sweepRoles, type PriceEntry } from './costs.js';
import { ConfigError } from '../errors.js';

const entry = (model: string, train: number, prefill: number, sample: number, backend = 'tinker'): PriceEntry => ({ backend, model, train, prefill, sample });

test('a model\'s price is its exact entry, else its file name\'s, else the backend\'s `*`, never another backend\'s', () => {
  const prices = [entry('*', 9, 9, 9), entry('Qwen/Qwen3-8B', 1, 2, 3), entry('mw-base', 4, 5, 6, 'embedded'), entry('*', 7, 7, 7, 'embedded')];
  assert.equal(priceFor(prices, { backend: 'tinker', model: 'Qwen/Qwen3-8B' })?.train, 1);
  assert.equal(priceFor(prices, { backend: 'tinker', model: 'Qwen/Qwen3-30B-A3B' })?.train, 9);
  assert.equal(priceFor(prices, { backend: 'embedded', model: '/home/me/models/mw-base' })?.train, 4);
  assert.equal(priceFor(prices, { backend: 'embedded', model: 'models/other' })?.train, 7);
  assert.equal(priceFor(prices, { backend: 'openai', model: 'Qwen/Qwen3-8B' }), undefined);
});

test('cost is tokens × USD per million, by role and kind; a role with tokens and no price has none', () => {
  const roles = sweepRoles({ name: 'tinker', baseUrl: 'http://x' }, { base: 'Qwen/Qwen3-8B' });
  assert.deepEqual(roles.organism, { backend: 'tinker', model: 'Qwen/Qwen3-8B' });
  const usage = { organism: { trained: 2e6, prefill: 1e6, sampled: 5e5 }, judge: { trained: 0, prefill: 3e6, sampled: 0 } };
  const c = costOf(usage, roles, [entry('Qwen/Qwen3-8B', 0.4, 0.2, 0.6)]);
  assert.ok(Math.abs(c.usd! - (2 * 0.4 + 1 * 0.2 + 0.5 * 0.6 + 3 * 0.2)) < 1e-12, `${c.usd}`);
  assert.deepEqual(costOf(usage, roles, []), { usd: null, missing: ['Qwen/Qwen3-8B on tinker'] });
  // No tokens, no price needed.
  assert.deepEqual(costOf({ organism: { trained: 0, prefill: 0, sampled: 0 }, judge: { trained: 0, prefill: 0, sampled: 0 } }, roles, []), { usd: 0, missing: [] });
  assert.equal(formatUsd(0.00123456), '$0.00123');
  assert.equal(formatUsd(12.345), '$12.35');
  assert.equal(formatUsd(1234.5), '$1235');
});

test('price tables and budgets are bounded, and a budget in USD needs a price for every model it calls', () => {
  const bad = (v: unknown, message: RegExp) => {
    const r = pricesSchema.safeParse(v);
    assert.ok(!r.success && message.test(JSON.stringify(r.error.issues)), `${JSON.stringify(v)}: ${r.success ? 'accepted' : JSON.stringify(r.error.issues)}`);
  };
  bad([{ ...entry('m', 1, 1, 1), train: -1 }], /expected a number in \[0, 1000000\], got -1/);
  bad([{ ...entry('m', 1, 1, 1), sample: 2e6 }], /got 2000000/);
  bad([{ backend: 'tinker', model: 'm', train: 1, prefill: 1 }], /sample/);
  bad([{ ...entry('m', 1, 1, 1), currency: 'EUR' }], /currency/);
  bad(Array.from({ length: 257 }, () => entry('m', 1, 1, 1)), /at most 256 price entries, got 257/);
  assert.ok(!budgetSchema.safeParse({}).success, 'a budget without a cap');
  assert.ok(!budgetSchema.safeParse({ maxTokens: 1.5 }).success);
  assert.ok(!budgetSchema.safeParse({ maxUsd: 0 }).success);
  assert.ok(!budgetSchema.safeParse({ maxTokens: 1e16 }).success);
  assert.deepEqual(budgetSchema.parse({ maxUsd: 5 }), { maxUsd: 5 });
  const roles = sweepRoles('tinker', { base: 'Qwen/Qwen3-8B' });
  assert.throws(() => checkBudgetPrices({ maxUsd: 5 }, roles, [entry('Qwen/Qwen3-4B', 1, 1, 1)]), (e: unknown) => e instanceof ConfigError && e.where === 'budget.maxUsd' && /model "Qwen\/Qwen3-8B"/.test(e.message));
  checkBudgetPrices({ maxTokens: 5 }, roles, []);
  checkBudgetPrices({ maxUsd: 5 }, roles, [entry('*', 1, 1, 1)]);
});
