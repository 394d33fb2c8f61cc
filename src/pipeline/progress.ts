// Progress display, kept out of the stages: stages report ticks; this module decides how to show them.
// On a terminal: one bar per running cell and one for the sweep, each with an ETA. Otherwise: plain
// lines, at most one per cell every few seconds, so logs stay readable. A cell counts as done only when
// it finished; one that failed or was interrupted is counted as such.
import { InterruptedError, isInterruption, type StopSignal } from '../errors.js';
import { isBudgetStop } from './budget.js';

/** How a cell ended: `done`, or `failed: <message>`. */
export type CellEnd = 'done' | `failed: ${string}`;

export interface Progress {
  /** The number of cells this run will work on (for the sweep bar). */
  plan(cells: number): void;
  /** A piece of work (a cell) with `total` units (training steps + sampled/graded items). */
  begin(id: string, total: number): void;
  advance(id: string, units: number, note?: string): void;
  end(id: string, outcome: CellEnd): void;
  /** A message that is not progress (a warning, a summary line). */
  line(text: string): void;
}

export const silentProgress: Progress = { plan() {}, begin() {}, advance() {}, end() {}, line() {} };

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** Work measured so far: units done, and when and at how many units the first report came. */
export interface Measured {
  done: number;
  total: number;
  firstAt: number | undefined;
  firstDone: number;
}

/** A rate needs this much measured work after the first report before an ETA is shown. */
export const MIN_MEASURED_MS = 1000;

/**
 * Milliseconds left at the rate measured since the first report, or undefined while there is no rate yet.
 * The rate starts at the first report, not at the start: the units of the first report carry the start-up
 * (loading the model, building the first sampler), which made the first ETA many times too long. It is
 * shown once at least MIN_MEASURED_MS and one more unit have passed since. Nothing left is 0.
 */
export function remainingMs(m: Measured, nowMs: number): number | undefined {
  if (m.done >= m.total && m.total > 0) return 0;
  if (m.firstAt === undefined) return undefined;
  const units = m.done - m.firstDone;
  const elapsed = nowMs - m.firstAt;
  if (units <= 0 || elapsed < MIN_MEASURED_MS) return undefined;
  return (elapsed / units) * (m.total - m.done);
}

function etaText(m: Measured, nowMs: number): string {
  const left = remainingMs(m, nowMs);
  return left === undefined ? '' : ` eta ${formatDuration(left)}`;
}

interface Task extends Measured {
  note: string;
  lastPrint: number;
}

function measure(m: Measured, units: number, nowMs: number): void {
  if (m.firstAt === undefined) {
    m.firstAt = nowMs;
    m.firstDone = m.done + units;
  }
  m.done += units;
}

/** A text on one line: every line of the output names its cell or the sweep, even when two cells report
 *  at once (--jobs) and a message (an error's) has several lines. */
function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ');
}

export function createProgress(
  out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number },
  plainIntervalMs = 5000,
  now: () => number = Date.now,
): Progress {
  let cells = 0;
  const tasks = new Map<string, Task>();
  let cellsDone = 0;
  let cellsFailed = 0;
  let cellsInterrupted = 0;
  // The sweep's units: `total` grows as cells begin; cells not begun yet are assumed to cost what the
  // begun ones cost on average.
  const sweep: Measured = { done: 0, total: 0, firstAt: undefined, firstDone: 0 };
  let drawn = 0; // lines currently drawn below the cursor (TTY)
  const tty = out.isTTY === true;

  const bar = (done: number, total: number, width = 20): string => {
    const f = total === 0 ? 1 : Math.min(1, done / total);
    const n = Math.round(f * width);
    return `[${'#'.repeat(n)}${'.'.repeat(width - n)}] ${String(Math.round(f * 100)).padStart(3)}%`;
  };
  const sweepLine = (): string => {
    const begun = tasks.size + cellsDone + cellsFailed + cellsInterrupted;
    const perCell = begun === 0 ? 0 : sweep.total / begun;
    const projected = { ...sweep, total: sweep.total + perCell * Math.max(0, cells - begun) };
    const failed = cellsFailed > 0 ? `, ${cellsFailed} failed` : '';
    const interrupted = cellsInterrupted > 0 ? `, ${cellsInterrupted} interrupted` : '';
    // After an interruption nothing more will be done in this run.
    const eta = cellsInterrupted > 0 ? '' : etaText(projected, now());
    return `sweep: ${cellsDone}/${cells} cells done${failed}${interrupted}${eta === '' ? '' : `,${eta}`}`;
  };
  const redraw = (): void => {
    if (!tty) return;
    const width = out.columns ?? 100;
    const lines = [...tasks].map(([id, t]) => `${bar(t.done, t.total)}${etaText(t, now())} ${id} ${t.note}`.slice(0, width - 1));
    lines.push(sweepLine().slice(0, width - 1));
    let s = drawn > 0 ? `\x1b[${drawn}A` : '';
    for (const l of lines) s += `\x1b[2K${l}\n`;
    for (let i = lines.length; i < drawn; i++) s += '\x1b[2K\n';
    if (drawn > lines.length) s += `\x1b[${drawn - lines.length}A`;
    out.write(s);
    drawn = lines.length;
  };
  const clear = (): void => {
    if (!tty || drawn === 0) return;
    let s = `\x1b[${drawn}A`;
    for (let i = 0; i < drawn; i++) s += '\x1b[2K\n';
    out.write(`${s}\x1b[${drawn}A`);
    drawn = 0;
  };

  return {
    plan(n) {
      cells = n;
    },
    begin(id, total) {
      tasks.set(id, { total, done: 0, firstAt: undefined, firstDone: 0, note: '', lastPrint: 0 });
      sweep.total += total;
      if (tty) redraw();
      else out.write(`${id}: started: ${total} to do (training steps, answers to sample, answers to grade)\n`);
    },
    advance(id, units, note) {
      const t = tasks.get(id);
      if (t === undefined) return;
      const nowMs = now();
      const counted = Math.min(units, t.total - t.done);
      measure(t, counted, nowMs);
      measure(sweep, counted, nowMs);
      if (note !== undefined) t.note = oneLine(note);
      if (tty) redraw();
      else if (nowMs - t.lastPrint >= plainIntervalMs) {
        t.lastPrint = nowMs;
        out.write(`${id}: ${t.done}/${t.total}${etaText(t, nowMs)} ${t.note}\n`);
      }
    },
    end(id, outcome) {
      const t = tasks.get(id);
      tasks.delete(id);
      if (outcome === 'done') {
        cellsDone++;
        if (t !== undefined) sweep.done += t.total - t.done;
      } else {
        // A cell stopped by a signal or at the budget was interrupted; nothing failed.
        const why = outcome.slice('failed: '.length);
        if (isInterruption(why) || isBudgetStop(why)) cellsInterrupted++;
        else cellsFailed++;
        // The failed cell's remaining units will not be worked on in this run.
        if (t !== undefined) sweep.total -= t.total - t.done;
      }
      clear();
      out.write(`${id}: ${oneLine(outcome)}\n`);
      // Off a terminal the sweep's own progress is a plain line after each cell.
      if (!tty) out.write(`${sweepLine()}\n`);
      redraw();
    },
    line(text) {
      clear();
      out.write(`${text}\n`);
      redraw();
    },
  };
}

/** `progress`, whose `advance` throws InterruptedError once `stopRequested()` names a signal. Stages
 *  report after each training step and each sampled or graded batch is recorded, so the run stops after
 *  its current batch, at a point a resume continues from. */
export function stopOnRequest(progress: Progress, stopRequested: () => StopSignal | undefined): Progress {
  return {
    ...progress,
    advance(id, units, note) {
      progress.advance(id, units, note);
      const signal = stopRequested();
      if (signal !== undefined) throw new InterruptedError(signal);
    },
  };
}
