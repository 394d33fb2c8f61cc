import { test } from 'node:test';
import assert from 'node:assert/strict';
import { comparePromptIds, promptClasses, promptFlips } from './prompt-classes.js';
import type { GradedSample } from './types.js';

const s = (cellId: string, step: number, promptId: string, label: GradedSample['label'], split: 'eval' | 'train' = 'eval'): GradedSample => ({ cellId, step, promptId, split, label });

test("a prompt's class is its most frequent label; a tie is mixed; grading errors only count when nothing else graded", () => {
  const samples = [
    s('c', 0, 'p1', 'initial'), s('c', 0, 'p1', 'initial'), s('c', 0, 'p1', 'alternate'),
    s('c', 0, 'p2', 'initial'), s('c', 0, 'p2', 'alternate'),
    s('c', 0, 'p3', 'error'), s('c', 0, 'p3', 'other'),
    s('c', 0, 'p4', 'error'),
    s('c', 5, 'p1', 'alternate'), s('d', 0, 'p1', 'other'), s('c', 0, 't1', 'compatible', 'train'),
  ];
  const at0 = promptClasses(samples, 0);
  assert.deepEqual([...at0.keys()].sort(), ['c', 'd']);
  const c = at0.get('c')!;
  assert.deepEqual(c.get('p1'), { label: 'initial', k: 2, n: 3 });
  assert.deepEqual(c.get('p2'), { label: 'mixed', k: 1, n: 2 });
  assert.deepEqual(c.get('p3'), { label: 'other', k: 1, n: 2 });
  assert.deepEqual(c.get('p4'), { label: 'error', k: 1, n: 1 });
  assert.equal(c.has('t1'), false, 'eval only by default');
  assert.equal(promptClasses(samples, 0, { split: 'train' }).get('c')!.get('t1')!.label, 'compatible');
  assert.deepEqual([...promptClasses(samples, 0, { cellIds: new Set(['d']) }).keys()], ['d']);
});

test('flips: the prompts of a cell whose class differs between two steps, in natural id order', () => {
  const samples = [
    s('c', 0, 'p10', 'initial'), s('c', 9, 'p10', 'alternate'),
    s('c', 0, 'p2', 'initial'), s('c', 9, 'p2', 'initial'),
    s('c', 0, 'p3', 'initial'), s('c', 9, 'p3', 'other'),
    s('c', 0, 'p4', 'initial'),
    s('d', 0, 'p2', 'initial'), s('d', 9, 'p2', 'alternate'),
  ];
  const flips = promptFlips(samples, 'c', 0, 9);
  assert.deepEqual(flips.map((f) => [f.promptId, f.from.label, f.to.label]), [['p3', 'initial', 'other'], ['p10', 'initial', 'alternate']]);
  assert.deepEqual(promptFlips(samples, 'c', 9, 9), []);
  assert.ok(comparePromptIds('e2', 'e10') < 0);
});
