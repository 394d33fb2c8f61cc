import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { InterruptedError } from '../errors.js';
import { createProgress, formatDuration, MIN_MEASURED_MS, remainingMs, stopOnRequest } from './progress.js';

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

/** A clock the test moves by hand. */
function clock(start = 1_000_000): { now: () => number; tick: (ms: number) => void } {
  let t = start;
  return { now: () => t, tick: (ms) => (t += ms) };
}

test('on a terminal: a bar per cell and a sweep line, redrawn in place; an ETA once a rate is measured', () => {
  const out = sink(true);
  const c = clock();
  const p = createProgress(out, 5000, c.now);
  p.plan(2);
  p.begin('cell-a', 10);
  c.tick(30_000); // start-up: loading the model, the first step
  p.advance('cell-a', 1, 'step 1');
  assert.match(out.text, /\[#{2}\.{18}\]\s+10% cell-a step 1/, 'no ETA from the first report, whose time is start-up');
  assert.doesNotMatch(out.text, /eta/);
  c.tick(4000);
  p.advance('cell-a', 4, 'step 5');
  // 4 units in 4 s since the first report: 1 s each, 5 left.
  assert.match(out.text, /\[#{10}\.{10}\]\s+50% eta 5s cell-a step 5/);
  assert.match(out.text, /sweep: 0\/2 cells done, eta 15s/, 'the cell not begun yet is assumed to cost as much');
  assert.match(out.text, /\x1b\[\d+A/, 'cursor moves up to redraw');
  p.end('cell-a', 'done');
  assert.match(out.text, /cell-a: done\n/);
  assert.match(out.text, /sweep: 1\/2 cells done/);
});

test('not on a terminal: plain lines, throttled, no escape codes', () => {
  const out = sink(false);
  const c = clock();
  const p = createProgress(out, 60_000, c.now);
  p.plan(1);
  p.begin('cell-a', 100);
  for (let i = 0; i < 50; i++) {
    c.tick(100);
    p.advance('cell-a', 1);
  }
  p.end('cell-a', 'done');
  assert.doesNotMatch(out.text, /\x1b/);
  const lines = out.text.trim().split('\n');
  assert.ok(lines.length <= 4, `throttled: ${lines.length} lines`);
  assert.equal(lines[lines.length - 2], 'cell-a: done');
  assert.match(lines[lines.length - 1]!, /^sweep: 1\/1 cells done, eta 0s$/);
});

test('a failed or interrupted cell is never counted as done', () => {
  const out = sink(false);
  const c = clock();
  const p = createProgress(out, 0, c.now);
  p.plan(4);
  p.begin('a', 10);
  p.advance('a', 10);
  p.end('a', 'done');
  p.begin('b', 10);
  p.advance('b', 3);
  p.end('b', 'failed: /p/artifacts/x: no space left on device (ENOSPC)');
  assert.match(out.text, /\nsweep: 1\/4 cells done, 1 failed(, eta \S+)?\n$/);
  p.begin('c', 10);
  p.end('c', `failed: ${new InterruptedError('SIGTERM').message}`);
  assert.match(out.text, /\nsweep: 1\/4 cells done, 1 failed, 1 interrupted\n$/, 'no ETA once the run was interrupted');
  assert.doesNotMatch(out.text, /[234]\/4 cells done/);
});

test('the ETA is measured from the first report on, and only once there is work to measure', () => {
  const m = { done: 0, total: 100, firstAt: undefined, firstDone: 0 };
  assert.equal(remainingMs(m, 0), undefined, 'no report yet');
  const first = { done: 10, total: 100, firstAt: 50_000, firstDone: 10 };
  assert.equal(remainingMs(first, 50_000 + 10 * MIN_MEASURED_MS), undefined, 'nothing done since the first report');
  const early = { ...first, done: 11 };
  assert.equal(remainingMs(early, 50_000 + MIN_MEASURED_MS - 1), undefined, 'too little time measured');
  // 20 units in 10 s after the first report: 0.5 s a unit, 70 left.
  assert.equal(remainingMs({ ...first, done: 30 }, 60_000), 35_000);
  assert.equal(remainingMs({ ...first, done: 100 }, 60_000), 0);
});

test('stopOnRequest: reports pass through until a stop is requested, then advance throws InterruptedError', () => {
  const out = sink(false);
  let requested: 'SIGTERM' | undefined;
  const p = stopOnRequest(createProgress(out, 0), () => requested);
  p.plan(1);
  p.begin('a', 10);
  p.advance('a', 1);
  requested = 'SIGTERM';
  assert.throws(() => p.advance('a', 1), (e: unknown) => e instanceof InterruptedError && e.signal === 'SIGTERM');
  assert.match(out.text, /a: 2\/10/, 'the batch reported with the stop is shown: it was recorded');
  p.line('after');
  p.end('a', 'done');
  assert.match(out.text, /after\na: done/);
});

test('durations read naturally', () => {
  assert.equal(formatDuration(4_400), '4s');
  assert.equal(formatDuration(125_000), '2m05s');
  assert.equal(formatDuration(3_900_000), '1h05m');
  assert.equal(formatDuration(NaN), '?');
});

test('two cells at once (--jobs 2), not on a terminal: every line names its cell or the sweep, says what it counts, and stays one line', () => {
  const out = sink(false);
  const c = clock();
  const p = createProgress(out, 0, c.now);
  p.plan(2);
  p.begin('lr=1e-4.full', 20);
  p.begin('lr=3e-2.full', 20);
  for (let i = 0; i < 5; i++) {
    c.tick(500);
    p.advance('lr=1e-4.full', 2, `step ${i} loss 1.2e-5`);
    p.advance('lr=3e-2.full', 2, 'graded 4\nanswers');
  }
  p.end('lr=1e-4.full', 'failed: sampling failed:\n  Error: server said no\n  at line 3');
  p.end('lr=3e-2.full', 'done');
  const lines = out.text.split('\n');
  assert.equal(lines.pop(), '', 'the output ends with a whole line');
  assert.ok(lines.length >= 14, `${lines.length} lines`);
  for (const l of lines) assert.match(l, /^(lr=1e-4\.full|lr=3e-2\.full|sweep): \S/, `a line names its cell: ${JSON.stringify(l)}`);
  assert.ok(lines.every((l) => !/\bunits?\b/.test(l)), 'no "units": the lines say what is counted');
  assert.equal(lines[0], 'lr=1e-4.full: started: 20 to do (training steps, answers to sample, answers to grade)');
  assert.ok(lines.includes('lr=1e-4.full: failed: sampling failed: Error: server said no at line 3'), 'a message of several lines is one line');
  assert.ok(lines.some((l) => l.startsWith('lr=3e-2.full: 10/20') && l.endsWith(' graded 4 answers')));
});
