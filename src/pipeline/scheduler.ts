// Runs cells `jobs` at a time. For the embedded backend jobs = 1 runs them one after another in this thread
// (the default: on two cores OpenBLAS already uses both), and jobs > 1 runs each cell in a worker thread
// that rebuilds its context from the record (worker.ts), because training is CPU-bound and one JS thread
// cannot overlap it. For a remote backend every cell is in flight at once in this thread (runner.ts).
// A failed cell does not stop the others; the first failure is rethrown at the end. An interruption
// (InterruptedError from progress, see stopOnRequest), a budget reached (budget.ts) and a machine out of
// disk or memory do: no further cell is started, because every one would stop or fail the same way.
import { Worker } from 'node:worker_threads';
import { BctError, InterruptedError, systemErrorOf, type BctErrorCode } from '../errors.js';
import { setCellStatus, type CellRow, type Project } from '../store/index.js';
import { isBudgetStop } from './budget.js';
import type { Progress } from './progress.js';

export interface WorkerRequest {
  projectDir: string;
  sweepId: number;
  cellId: number;
}

/** Messages from a worker: progress calls, then done or failed. */
export type WorkerMessage =
  | { type: 'progress'; method: 'plan' | 'begin' | 'advance' | 'end' | 'line'; args: unknown[] }
  | { type: 'done' }
  | { type: 'failed'; message: string; code: string | undefined; where: string | undefined };

/** How cells run: `jobs` at a time, in worker threads when `workers` (CPU-bound local training), else in
 *  this thread (one at a time for a local backend; many at once for a remote one, whose work is waiting
 *  on the network). */
export interface Lanes {
  jobs: number;
  workers: boolean;
}

export async function runCells(
  project: Project,
  cells: readonly CellRow[],
  lanes: Lanes,
  progress: Progress,
  runOne: (cell: CellRow) => Promise<void>,
  sweepId: number,
): Promise<void> {
  const errors: unknown[] = [];
  const stops = (e: unknown): boolean => e instanceof InterruptedError || isBudgetStop(e) || systemErrorOf(e)?.input === false;
  const inWorker = lanes.workers && lanes.jobs > 1 && cells.length > 1;
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < cells.length && !errors.some(stops)) {
      const cell = cells[next++]!;
      try {
        if (inWorker) await runInWorker({ projectDir: project.dir, sweepId, cellId: cell.id }, progress);
        else await runOne(cell);
      } catch (e) {
        errors.push(e);
        if (e instanceof InterruptedError && inWorker) {
          // The worker was ended mid-cell (as a kill would end it; the record is consistent at any
          // point): record the cell as runCell does in this thread.
          setCellStatus(project.db, cell.id, 'failed', e.message);
          progress.end(cell.name, `failed: ${e.message}`);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(lanes.jobs, cells.length)) }, lane));
  if (errors.length > 0) throw errors[0];
}

function runInWorker(request: WorkerRequest, progress: Progress): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: request });
    let settled = false;
    worker.on('message', (m: WorkerMessage) => {
      if (settled) return;
      if (m.type === 'progress') {
        try {
          (progress[m.method] as (...a: unknown[]) => void)(...m.args);
        } catch (e) {
          // A stop request (progress throws InterruptedError): end the worker, then report.
          settled = true;
          void worker.terminate().finally(() => reject(e));
        }
      } else if (m.type === 'done') {
        settled = true;
        resolvePromise();
      } else {
        settled = true;
        // Rebuild a BctError so the CLI maps it to the same exit status as in-thread (its message
        // already carries `where`).
        reject(m.code !== undefined ? new BctError(m.code as BctErrorCode, m.message) : new Error(m.message));
      }
    });
    worker.on('error', (e) => {
      settled = true;
      reject(e);
    });
    worker.on('exit', (code) => {
      if (!settled) reject(new Error(`worker for cell ${request.cellId} exited with code ${code}`));
    });
  });
}
