import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../errors.js';
import { flagName, formatHelp, parseArgs, parseNumber, parseNumberList, type CliOptions } from './options.js';

interface Demo {
  lrs: number[]; // learning rates
  batchSize: number; // examples per step
  force: boolean; // ignore the pre-check
  hidden?: string; // not on the command line
}

const options: CliOptions<Demo> = {
  lrs: { description: 'learning rates', argument: '<lrs>', parse: parseNumberList },
  batchSize: { description: 'batch size', argument: '<n>', parse: parseNumber },
  force: { description: 'ignore the pre-check', argument: null },
  hidden: null,
};

test('flags are generated from config fields', () => {
  assert.equal(flagName('batchSize'), '--batch-size');
  const a = parseArgs(['file.yaml', '--lrs', '1e-4,3e-4', '--batch-size=8', '--force'], options);
  assert.deepEqual(a.values, { lrs: [1e-4, 3e-4], batchSize: 8, force: true });
  assert.deepEqual(a.positionals, ['file.yaml']);
  assert.equal(a.flags.get('batchSize'), '--batch-size');
  // A value that is not a number is passed through for the schema to reject with the flag's name.
  assert.deepEqual(parseArgs(['--lrs', '1e-3,x'], options).values.lrs, [1e-3, 'x']);
});

test('unknown flags, hidden fields and missing values are errors naming the flag', () => {
  assert.throws(() => parseArgs(['--hidden', 'x'], options), (e: unknown) => e instanceof ConfigError && e.where === '--hidden' && /known options: --lrs, --batch-size, --force/.test(e.message));
  assert.throws(() => parseArgs(['--lrs'], options), /--lrs: expected a value <lrs>/);
  assert.throws(() => parseArgs(['--force=maybe'], options), /--force: expected no value/);
});

test('help lists every exposed flag and the examples', () => {
  const text = formatHelp({ usage: 'bct demo', summary: 'Demo.', examples: ['bct demo --lrs 1e-3'] }, options);
  assert.match(text, /--lrs <lrs>\s+learning rates/);
  assert.match(text, /--force\s+ignore the pre-check/);
  assert.doesNotMatch(text, /--hidden/);
  assert.match(text, /Examples:\n {2}bct demo --lrs 1e-3/);
});
