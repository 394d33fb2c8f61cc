// `bct theory linreg` through the real binary: the table, the LR pairs and the SVG plot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bct } from '../../test/e2e/cli.js';

test('bct theory linreg prints the closed-form table and writes the plot', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bct-theory-'));
  try {
    const svg = join(dir, 'linreg.svg');
    const r = bct(['theory', 'linreg', '--lrs', '0.01,0.1', '--steps', '300', '--points', '10', '--out', svg]);
    assert.equal(r.stderr, '');
    assert.equal(r.status, 0);
    assert.match(r.stdout, /stable for lr < 1\.000/);
    // k* at lr 0.01 is ln(0.375)/ln(0.98) = 48.5 (docs/theory.md)
    assert.match(r.stdout, /^\s*1e-2\s+0\.02\s+48\.5\s+0\.485/m);
    assert.match(r.stdout, /^\s*1e-1\s+1e-2\s+10\.0\s+1\.10\s+\d\.\d\d$/m);
    assert.ok(readFileSync(svg, 'utf8').startsWith('<svg'));
    const json = bct(['theory', 'linreg', '--lrs', '0.01', '--steps', '100', '--out', svg, '--json']);
    const parsed = JSON.parse(json.stdout) as { rows: { lr: number; kStar: number }[] };
    assert.ok(Math.abs(parsed.rows[0]!.kStar - Math.log(0.375) / Math.log(0.98)) < 1e-9);
    const bad = bct(['theory', 'quadratic']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /known: linreg/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
