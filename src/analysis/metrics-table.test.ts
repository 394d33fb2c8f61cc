import { test } from 'node:test';
import assert from 'node:assert/strict';
import { metricsCsv, metricsJsonl, metricsTable } from './metrics-table.js';
import type { GradedSample } from './types.js';

test('metrics table has one row per checkpoint and round-trips through CSV and JSONL', () => {
  const samples: GradedSample[] = [
    { cellId: 'c', step: 0, promptId: 'a', split: 'eval', label: 'initial' },
    { cellId: 'c', step: 0, promptId: 'b', split: 'eval', label: 'other' },
    { cellId: 'c', step: 5, promptId: 'a', split: 'eval', label: 'alternate' },
    { cellId: 'c', step: 5, promptId: 'b', split: 'eval', label: 'alternate' },
  ];
  const rows = metricsTable(samples, [{ cellId: 'c', family: 'full', lr: 0.01, seed: 3, batchSize: 2 }], [
    { cellId: 'c', step: 0, name: 'acc', value: 1, higherIsBetter: true },
    { cellId: 'c', step: 5, name: 'acc', value: 0.95, higherIsBetter: true },
  ]);
  assert.equal(rows.length, 2);
  assert.equal(rows[0]!.other, 0.5);
  assert.equal(rows[0]!.broken, true, 'half the answers are `other`');
  assert.equal(rows[1]!.broken, false);
  assert.ok(Math.abs(rows[1]!.capability_loss! - 0.05) < 1e-12);
  const csv = metricsCsv(rows).trim().split('\n');
  assert.equal(csv.length, 3);
  assert.ok(csv[0]!.startsWith('cell_id,family,lr,seed,batch_size,step,'));
  assert.equal(csv[2]!.split(',')[6], '10'); // samples_seen = 5 * 2
  const parsed = metricsJsonl(rows).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(parsed[1]!['alternate'], 1);
  assert.equal(parsed[0]!['compatible'], null, 'no train samples: NaN becomes null');
});
