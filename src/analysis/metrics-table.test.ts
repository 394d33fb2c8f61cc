import { test } from 'node:test';
import assert from 'node:assert/strict';
import { metricsCsv, metricsJsonl, metricsTable } from './metrics-table.js';
import type { GradedSample } from './types.js';

test('metrics table has one row per checkpoint and round-trips through CSV and JSONL', () => {
  const ev = (step: number, p: number, label: GradedSample['label']): GradedSample => ({ cellId: 'c', step, promptId: `p${p}`, split: 'eval', label });
  const samples: GradedSample[] = [
    // step 0: 8 of 10 `other` (Wilson lower end 0.49 ≥ 0.2: broken), and one failed grade.
    ...Array.from({ length: 10 }, (_, p) => ev(0, p, p < 8 ? 'other' : 'initial')),
    ev(0, 10, 'error'),
    // step 5: 1 of 2 `other`: rate 0.5, but Wilson's lower end is 0.09, so not credibly broken.
    ev(5, 0, 'alternate'),
    ev(5, 1, 'other'),
  ];
  const rows = metricsTable(samples, [{ cellId: 'c', family: 'full', lr: 0.01, seed: 3, batchSize: 2 }], [
    { cellId: 'c', step: 0, name: 'acc', value: 1, n: 32, higherIsBetter: true },
    { cellId: 'c', step: 5, name: 'acc', value: 0.5, n: 32, higherIsBetter: true },
  ]);
  assert.equal(rows.length, 2);
  assert.equal(rows[0]!.other, 0.8);
  assert.equal(rows[0]!.eval_n, 10, 'the failed grade is in no n');
  assert.equal(rows[0]!.eval_errors, 1);
  assert.equal(rows[0]!.interval, 'wilson');
  assert.equal(rows[0]!.broken, true, '8 of 10 answers are `other`');
  // step 5 is broken by capability: 16/32 against 32/32 is a loss of 0.5 [0.32, 0.66], credibly above 0.1.
  assert.ok(Math.abs(rows[1]!.capability_loss! - 0.5) < 1e-12);
  assert.ok(Math.abs(rows[1]!.capability_loss_lo! - 0.3208) < 1e-3);
  assert.equal(rows[1]!.broken, true);
  const csv = metricsCsv(rows).trim().split('\n');
  assert.equal(csv.length, 3);
  assert.ok(csv[0]!.startsWith('cell_id,family,lr,seed,batch_size,step,samples_seen,eval_n,eval_errors,initial,'));
  assert.equal(csv[2]!.split(',')[6], '10'); // samples_seen = 5 * 2
  const parsed = metricsJsonl(rows).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(parsed[1]!['alternate'], 0.5);
  assert.equal(parsed[0]!['compatible'], null, 'no train samples: NaN becomes null');
  assert.equal(parsed[0]!['capability_loss_hi'], 0);
});
