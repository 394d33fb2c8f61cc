// Progress display, kept out of the stages: stages report ticks; this module decides how to show them.
// On a terminal: one bar per running cell and one for the sweep, each with an ETA. Otherwise: plain
// lines, at most one per cell every few seconds, so logs stay readable.

export interface Progress {
  /** The number of cells this run will work on (for the sweep bar). */
  plan(cells: number): void;
  /** A piece of work (a cell) with `total` units (training steps + sampled/graded items). */
  begin(id: string, total: number): void;
  advance(id: string, units: number, note?: string): void;
  end(id: string, note: string): void;
  /** A message that is not progress (a warning, a summary line). */
  line(text: string): void;
}

export const silentProgress: Progress = { plan() {}, begin() {}, advance() {}, end() {}, line() {} };

interface Task {
  total: number;
  done: number;
  started: number;
  note: string;
  lastPrint: number;
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

function eta(t: Task, nowMs: number): string {
  if (t.done === 0) return 'eta ?';
  const rate = (nowMs - t.started) / t.done;
  return `eta ${formatDuration(rate * (t.total - t.done))}`;
}

export function createProgress(out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }, plainIntervalMs = 5000): Progress {
  let cells = 0;
  const tasks = new Map<string, Task>();
  let cellsDone = 0;
  let sweepUnitsDone = 0;
  let sweepUnitsTotal = 0;
  const sweepStart = Date.now();
  let drawn = 0; // lines currently drawn below the cursor (TTY)
  const tty = out.isTTY === true;

  const bar = (done: number, total: number, width = 20): string => {
    const f = total === 0 ? 1 : Math.min(1, done / total);
    const n = Math.round(f * width);
    return `[${'#'.repeat(n)}${'.'.repeat(width - n)}] ${String(Math.round(f * 100)).padStart(3)}%`;
  };
  const sweepEta = (): string => {
    // Cells not begun yet are assumed to cost what the begun ones cost on average.
    const begun = tasks.size + cellsDone;
    const perCell = begun === 0 ? 0 : sweepUnitsTotal / begun;
    const total = sweepUnitsTotal + perCell * (cells - begun);
    if (sweepUnitsDone === 0) return 'eta ?';
    return `eta ${formatDuration(((Date.now() - sweepStart) / sweepUnitsDone) * (total - sweepUnitsDone))}`;
  };
  const redraw = (): void => {
    if (!tty) return;
    const width = out.columns ?? 100;
    const lines = [...tasks].map(([id, t]) => `${bar(t.done, t.total)} ${eta(t, Date.now())} ${id} ${t.note}`.slice(0, width - 1));
    lines.push(`sweep: ${cellsDone}/${cells} cells done, ${sweepEta()}`.slice(0, width - 1));
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
      tasks.set(id, { total, done: 0, started: Date.now(), note: '', lastPrint: 0 });
      sweepUnitsTotal += total;
      if (tty) redraw();
      else out.write(`${id}: started (${total} units)\n`);
    },
    advance(id, units, note) {
      const t = tasks.get(id);
      if (t === undefined) return;
      t.done = Math.min(t.total, t.done + units);
      sweepUnitsDone += units;
      if (note !== undefined) t.note = note;
      const nowMs = Date.now();
      if (tty) redraw();
      else if (nowMs - t.lastPrint >= plainIntervalMs) {
        t.lastPrint = nowMs;
        out.write(`${id}: ${t.done}/${t.total} ${eta(t, nowMs)} ${t.note}\n`);
      }
    },
    end(id, note) {
      const t = tasks.get(id);
      if (t !== undefined) sweepUnitsDone += t.total - t.done;
      tasks.delete(id);
      cellsDone++;
      clear();
      out.write(`${id}: ${note}\n`);
      // Off a terminal the sweep's own progress is a plain line after each cell.
      if (!tty) out.write(`sweep: ${cellsDone}/${cells} cells done, ${sweepEta()}\n`);
      redraw();
    },
    line(text) {
      clear();
      out.write(`${text}\n`);
      redraw();
    },
  };
}
