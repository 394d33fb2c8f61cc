import { test } from 'node:test';
import assert from 'node:assert/strict';
import { transferCurves } from './curves.js';
import { checkpointRates } from './rates.js';
import type { CellInfo, GradedSample } from './types.js';

test('one line per family and LR, seeds averaged with their range as the band', () => {
  const cells: CellInfo[] = [
    { cellId: 's0', family: 'full', lr: 2e-3, seed: 0, batchSize: 4 },
    { cellId: 's1', family: 'full', lr: 2e-3, seed: 1, batchSize: 4 },
  ];
  const s: GradedSample[] = [];
  // seed 0 at step 10: 3/4 initial; seed 1: 1/4 initial
  for (const [cellId, k] of [['s0', 3], ['s1', 1]] as const) {
    for (let p = 0; p < 4; p++) s.push({ cellId, step: 10, promptId: `p${p}`, split: 'eval', label: p < k ? 'initial' : 'alternate' });
  }
  const pts = transferCurves(checkpointRates(s, cells), cells).filter((p) => p.cls === 'initial');
  assert.equal(pts.length, 1);
  const p = pts[0]!;
  assert.equal(p.group, 'full lr=2e-3');
  assert.equal(p.mean, 0.5);
  assert.equal(p.lo, 0.25);
  assert.equal(p.hi, 0.75);
  assert.equal(p.samplesSeen, 40);
  assert.ok(Math.abs(p.lrSteps - 0.02) < 1e-15);
  assert.equal(p.nSeeds, 2);
});
