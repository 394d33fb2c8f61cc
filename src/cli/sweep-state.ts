// What a recorded status means now, for `bct status` and `bct ls sweeps`. A run records its sweep as
// `running` when it begins it and as done or failed when it ends; a run killed on the way (SIGKILL, a
// crash, a power cut) never ends it. So `running` is true only while a live process holds the project's
// run lock and took it before the sweep began; otherwise the sweep, and its cells marked running, were
// interrupted. A run stopped by SIGINT/SIGTERM ends its sweep and the cell it was in as failed with the
// InterruptedError message, which reads as interrupted too: nothing failed, and running the same command
// again resumes.
import { isInterruption } from '../errors.js';
import { readRunLock, type CellRow, type SweepRow } from '../store/index.js';

export type ShownStatus = 'running' | 'done' | 'failed' | 'pending' | 'interrupted' | 'stopped';

export interface SweepState {
  status: ShownStatus;
  /** Why it shows as interrupted, and what to do; undefined otherwise. */
  note: string | undefined;
}

const RESUME = 'run the same command again to resume';

export function sweepState(projectDir: string, sweep: SweepRow): SweepState {
  if (sweep.status === 'done') return { status: 'done', note: undefined };
  // Stopped at its budget (src/pipeline/budget.ts): the note says at what and how to resume.
  if (sweep.status === 'stopped') return { status: 'stopped', note: sweep.error ?? undefined };
  if (sweep.status === 'failed') {
    return isInterruption(sweep.error) ? { status: 'interrupted', note: sweep.error ?? undefined } : { status: 'failed', note: undefined };
  }
  const lock = readRunLock(projectDir);
  // ISO-8601 UTC times compare as strings; the run takes the lock before it marks the sweep running.
  if (lock !== null && lock.alive !== false && sweep.updated_at >= lock.holder.started) return { status: 'running', note: undefined };
  const who = lock === null ? 'no bct run holds this project' : `the run that held it (pid ${lock.holder.pid}) is gone`;
  return { status: 'interrupted', note: `${who}: it was killed or crashed; ${RESUME}` };
}

export function cellState(cell: CellRow, sweep: ShownStatus): ShownStatus {
  if (cell.status === 'running' && sweep !== 'running') return 'interrupted';
  if (cell.status === 'failed' && isInterruption(cell.error)) return 'interrupted';
  return cell.status;
}
