import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tempDir } from '../../test/temp-dir.js';
import { compareSweeps, compareTable } from './compare.js';
import { buildFixtureRecord } from './fixture.js';
import { renderSvg } from './plots.js';

test('comparing sweeps: each one’s verdicts, the spec and manifest fields that differ, one chart naming every sweep', async () => {
  const dir = tempDir('bct-compare-');
  const small = { seeds: [0], steps: [0, 10, 100], evalPrompts: 8, trainPrompts: 2 };
  const { project } = buildFixtureRecord(dir, { ...small, lrs: [1e-4, 1e-3], sweepName: 'a' });
  buildFixtureRecord(dir, { ...small, lrs: [1e-3, 3e-3], sweepName: 'b', batchSize: 16 }).project.db.close();
  const c = compareSweeps(project.db, ['a', 'b'], { resamples: 20 });
  assert.deepEqual(c.sweeps.map((s) => [s.name, s.verdicts.map((v) => v.group)]), [['a', ['full lr=1e-4', 'full lr=1e-3']], ['b', ['full lr=1e-3', 'full lr=3e-3']]]);
  const diff = Object.fromEntries(c.diff.map((d) => [d.field, d.values]));
  assert.deepEqual(diff['spec.lrs'], ['0.0001, 0.001', '0.001, 0.003']);
  assert.deepEqual(diff['spec.batchSizes'], ['8', '16']);
  assert.equal(diff['spec.seeds'], undefined, 'equal fields are not listed');
  assert.equal(diff['spec.base'], undefined);
  assert.ok(c.diff.every((d) => !d.values.some((v) => v.includes('/home/alice'))), 'machine paths are cut');
  const text = compareTable(c);
  assert.match(text, /^a \(sweep 1, setting animal-flag\):\n {2}full lr=1e-4 {2}resisted: initial not < 50% in 100 steps/);
  assert.match(text, /fields that differ:\n(.*\n)*\s+spec\.lrs\s+0\.0001, 0\.001 {2}\| {2}0\.001, 0\.003/);
  const svg = await renderSvg(c.chart);
  assert.match(svg, /legend titled 'sweep' for shape and strokeDash with 2 values: a, b/);
  assert.match(svg, /legend titled 'LR' for (fill color and stroke color|stroke color) with 3 values: 1e-4, 1e-3, 3e-3/);
  assert.throws(() => compareSweeps(project.db, ['a']), /sweeps: expected 2 to 8 sweeps to compare, got 1/);
  project.db.close();
});
