import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_BROKEN } from '../analysis/index.js';
import { ConfigError } from '../errors.js';
import { brokenOption, instabilityOption, parseBroken, parseInstability } from './analysis-flags.js';
import { parseArgs } from './options.js';

test('--broken: each term over the defaults', () => {
  assert.deepEqual(parseBroken('capability=0.1,other=0.2,evals=accuracy+nll,spread=off'), DEFAULT_BROKEN);
  assert.deepEqual(parseBroken('other=0.5'), { ...DEFAULT_BROKEN, otherRate: 0.5 });
  assert.deepEqual(parseBroken(' spread = 0.3 , capability=0.05'), { ...DEFAULT_BROKEN, spread: 0.3, capabilityLoss: 0.05 });
  assert.deepEqual(parseBroken('evals=nll+accuracy').evals, ['accuracy', 'nll']);
  assert.deepEqual(parseBroken('evals=accuracy').evals, ['accuracy']);
  assert.deepEqual(parseBroken('evals=none').evals, []);
});

test('--broken and --instability: bad values are named', () => {
  const fails = (raw: string, pattern: RegExp): void => assert.throws(() => parseBroken(raw), (e) => e instanceof ConfigError && pattern.test(e.message), raw);
  fails('cap=0.1', /expected comma-separated terms capability=…, other=…, evals=…, spread=… .*got "cap=0\.1"/);
  fails('other=0', /other=0: expected a share in \(0, 1\]/);
  fails('capability=1.5', /capability=1\.5: expected a share/);
  fails('spread=abc', /expected a decimal number .*"abc"/);
  fails('evals=acc', /evals=acc: expected accuracy, nll, accuracy\+nll or none/);
  fails('evals=nll+nll', /evals=nll\+nll/);
  fails('other=0.2,other=0.3', /other is given twice/);
  assert.equal(parseInstability('25'), 25);
  assert.throws(() => parseInstability('1'), /expected a factor in \(1, 1e6\], like 10, got 1/);
  // Through the flag parser, the error names the flag.
  assert.throws(
    () => parseArgs(['--broken', 'other=2'], { broken: brokenOption, instability: instabilityOption }),
    (e) => e instanceof ConfigError && e.where === '--broken' && /other=2/.test(e.message),
  );
  assert.deepEqual(parseArgs(['--instability=50'], { broken: brokenOption, instability: instabilityOption }).values, { instability: 50 });
});
