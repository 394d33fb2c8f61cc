// Worker-thread entry for `--jobs N`: runs one cell of a recorded sweep and reports progress to the main
// thread. Its context is rebuilt from the sweep row, so it computes exactly what the main thread would.
import { parentPort, workerData } from 'node:worker_threads';
import { BctError } from '../errors.js';
import { openProject } from '../store/index.js';
import { contextFromSweep } from './resume.js';
import type { Progress } from './progress.js';
import { runCell } from './runner.js';
import { dataStage } from './data.js';
import { getCell } from '../store/index.js';
import type { WorkerMessage, WorkerRequest } from './scheduler.js';

const post = (m: WorkerMessage): void => parentPort!.postMessage(m);
const relay = (method: 'plan' | 'begin' | 'advance' | 'end' | 'line') => (...args: unknown[]) => post({ type: 'progress', method, args });
const progress: Progress = { plan: relay('plan'), begin: relay('begin'), advance: relay('advance'), end: relay('end'), line: relay('line') };

async function main(): Promise<void> {
  const req = workerData as WorkerRequest;
  const project = openProject(req.projectDir);
  const ctx = contextFromSweep(project, req.sweepId, progress);
  try {
    const cell = getCell(project.db, req.cellId);
    if (cell === undefined) throw new Error(`cell ${req.cellId} is not in the record`);
    await runCell(ctx, req.sweepId, cell, await dataStage(ctx));
  } finally {
    await ctx.close();
    project.db.close();
  }
}

main().then(
  () => post({ type: 'done' }),
  (e: unknown) => post({ type: 'failed', message: (e as Error).message, code: e instanceof BctError ? e.code : undefined, where: e instanceof BctError ? e.where : undefined }),
);
