import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createProgress, formatDuration } from './progress.js';

function sink(isTTY: boolean): Writable & { text: string; isTTY: boolean; columns: number } {
  const s = new Writable({
    write(chunk: Buffer, _enc, cb) {
      s.text += chunk.toString();
      cb();
    },
  }) as Writable & { text: string; isTTY: boolean; columns: number };
  s.text = '';
  s.isTTY = isTTY;
  s.columns = 120;
  return s;
}

test('on a terminal: a bar with ETA per cell and a sweep line, redrawn in place', () => {
  const out = sink(true);
  const p = createProgress(out);
  p.plan(2);
  p.begin('cell-a', 10);
  p.advance('cell-a', 5, 'step 5');
  assert.match(out.text, /\[#{10}\.{10}\]\s+50% eta \S+ cell-a step 5/);
  assert.match(out.text, /sweep: 0\/2 cells done, eta/);
  assert.match(out.text, /\x1b\[\d+A/, 'cursor moves up to redraw');
  p.end('cell-a', 'done');
  assert.match(out.text, /cell-a: done\n/);
  assert.match(out.text, /sweep: 1\/2 cells done/);
});

test('not on a terminal: plain lines, throttled, no escape codes', () => {
  const out = sink(false);
  const p = createProgress(out, 60_000);
  p.plan(1);
  p.begin('cell-a', 100);
  for (let i = 0; i < 50; i++) p.advance('cell-a', 1);
  p.end('cell-a', 'done');
  assert.doesNotMatch(out.text, /\x1b/);
  const lines = out.text.trim().split('\n');
  assert.ok(lines.length <= 4, `throttled: ${lines.length} lines`);
  assert.equal(lines[lines.length - 2], 'cell-a: done');
  assert.match(lines[lines.length - 1]!, /^sweep: 1\/1 cells done, eta 0s$/);
});

test('durations read naturally', () => {
  assert.equal(formatDuration(4_400), '4s');
  assert.equal(formatDuration(125_000), '2m05s');
  assert.equal(formatDuration(3_900_000), '1h05m');
  assert.equal(formatDuration(NaN), '?');
});
