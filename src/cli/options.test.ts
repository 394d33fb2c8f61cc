import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../errors.js';
import { bctIn } from '../../test/e2e/cli.js';
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
  const a = parseArgs(['file.yaml', '--lrs', '1e-4,3e-4', '--batch-size=8', '--force'], options, ['sweep']);
  assert.deepEqual(a.values, { lrs: [1e-4, 3e-4], batchSize: 8, force: true });
  assert.deepEqual(a.positionals, ['file.yaml']);
  assert.equal(a.flags.get('batchSize'), '--batch-size');
});

test('numbers are decimal: hex, binary, empty items, Infinity, NaN and trailing junk are errors naming the flag', () => {
  assert.deepEqual(parseNumberList('1e-4, 3E-4,-2,.5,7.'), [1e-4, 3e-4, -2, 0.5, 7]);
  assert.equal(parseNumber('+8'), 8);
  for (const bad of ['0x10', '0b1', '0o7', '1_000', 'Infinity', '-Infinity', 'NaN', '8x', '1e', '1e999', ' ', '1,2']) {
    assert.throws(() => parseNumber(bad), (e: unknown) => e instanceof ConfigError && e.message.includes(JSON.stringify(bad)) && /expected a decimal number/.test(e.message), bad);
  }
  assert.throws(() => parseArgs(['--lrs', '0x10'], options), { message: '--lrs: expected comma-separated decimal numbers (like 1e-4,3e-4), got "0x10": item 1 "0x10" is not a decimal number' });
  assert.throws(() => parseArgs(['--lrs', '1e-3,,1e-4'], options), /--lrs: .*item 2 is empty$/);
  assert.throws(() => parseArgs(['--lrs', '1e-3,'], options), /--lrs: .*item 2 is empty$/);
  assert.throws(() => parseArgs(['--batch-size=1e999'], options), /--batch-size: expected a decimal number .*got "1e999"/);
});

test('a flag followed by another option, an unknown short flag, a repeated flag and an empty value are errors', () => {
  const named = (flag: string, pattern: RegExp) => (e: unknown): boolean => e instanceof ConfigError && e.where === flag && pattern.test(e.message);
  assert.throws(() => parseArgs(['--batch-size', '--force'], options), named('--batch-size', /expected a value <n>, got the option --force/));
  assert.throws(() => parseArgs(['--lrs', '-x'], options), named('--lrs', /got the option -x/));
  assert.deepEqual(parseArgs(['--lrs', '-1e-3'], options).values.lrs, [-1e-3], 'a negative number is a value, not an option');
  assert.throws(() => parseArgs(['-x'], options), named('-x', /unknown option; options are long \(--name\) except -h; known options: --lrs/));
  assert.throws(() => parseArgs(['--lrs', '1e-3', '--lrs=1e-4'], options), named('--lrs', /given more than once/));
  assert.throws(() => parseArgs(['--force', '--force'], options), named('--force', /given more than once/));
  assert.throws(() => parseArgs(['--batch-size='], options), named('--batch-size', /got an empty one/));
  assert.equal(parseArgs(['-h'], options).help, true);
});

test('arguments beyond those a command takes are errors naming them; `--` ends the options', () => {
  assert.throws(() => parseArgs(['a.yaml', 'b.yaml', 'c'], options, ['sweep']), { message: 'unexpected arguments "b.yaml", "c"; this command takes at most 1: <sweep>' });
  assert.throws(() => parseArgs(['stray'], options), /unexpected argument "stray"; this command takes no arguments/);
  assert.deepEqual(parseArgs(['--', '--lrs'], options, ['file']).positionals, ['--lrs']);
  assert.equal(parseArgs(['a', 'b', '--help'], options).help, true, 'help is shown whatever else is there');
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

test('a bad --lrs value is named in the error, wherever it sits in the list and whatever is wrong with it', async () => {
  for (const [lrs, says] of [
    ['1e-3,abc', '--lrs: expected comma-separated decimal numbers (like 1e-4,3e-4), got "1e-3,abc": item 2 "abc" is not a decimal number'],
    ['1e-4, 3e-4 ,1e-3x', '--lrs: expected comma-separated decimal numbers (like 1e-4,3e-4), got "1e-4, 3e-4 ,1e-3x": item 3 "1e-3x" is not a decimal number'],
    // A number out of the schema's range: the value and its place in the list.
    ['1e-3,5', '--lrs: expected a number in (0, 1], got 5 (lrs[1])'],
    ['1e-3,3e-4,-1e-4', '--lrs: expected a number in (0, 1], got -0.0001 (lrs[2])'],
  ] as const) {
    const r = await bctIn(['plan', '--setting', 'animal-flag', '--lrs', lrs]);
    assert.equal(r.status, 2, lrs);
    assert.equal(r.stderr, `bct plan: ${says}\n`);
    assert.equal(r.stdout, '');
  }
});
