// Runs cells `jobs` at a time. jobs = 1 runs them one after another in this thread (the default: on two
// cores OpenBLAS already uses both). jobs > 1 runs each cell in a worker thread that rebuilds its context
// from the record (worker.ts), because training is CPU-bound and one JS thread cannot overlap it.
// A failed cell does not stop the others; the first failure is rethrown at the end.
import { Worker } from 'node:worker_threads';
import { BctError, type BctErrorCode } from '../errors.js';
import type { CellRow, Project } from '../store/index.js';
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

export async function runCells(
  project: Project,
  cells: readonly CellRow[],
  jobs: number,
  progress: Progress,
  runOne: (cell: CellRow) => Promise<void>,
  sweepId: number,
): Promise<void> {
  const errors: unknown[] = [];
  if (jobs <= 1 || cells.length <= 1) {
    for (const cell of cells) {
      try {
        await runOne(cell);
      } catch (e) {
        errors.push(e);
      }
    }
  } else {
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < cells.length) {
        const cell = cells[next++]!;
        try {
          await runInWorker({ projectDir: project.dir, sweepId, cellId: cell.id }, progress);
        } catch (e) {
          errors.push(e);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(jobs, cells.length) }, lane));
  }
  if (errors.length > 0) throw errors[0];
}

function runInWorker(request: WorkerRequest, progress: Progress): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: request });
    let settled = false;
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'progress') (progress[m.method] as (...a: unknown[]) => void)(...m.args);
      else if (m.type === 'done') {
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
