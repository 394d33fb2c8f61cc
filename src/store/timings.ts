// Reading the `timings` table: what each stage of a sweep cost. Every row is one finished stage
// invocation whose `items` count only the work it did itself (0 when it found its output recorded; see
// src/pipeline/runner.ts), so sums over a sweep's rows count each piece of work once however often the
// sweep was resumed, while `ms` adds up all the wall time spent.
import type { Db } from './db.js';

export interface StageCost {
  stage: string;
  /** Finished invocations of the stage (a resumed sweep has more than one per cell). */
  invocations: number;
  /** Invocations that found all their output recorded (items 0). */
  reused: number;
  /** Work done: steps trained, answers sampled, labels, metrics, examples built, checks run. */
  items: number;
  /** Wall time of all invocations, milliseconds. */
  ms: number;
}

/** Per stage, in pipeline order, what the sweep's invocations did and how long they took. */
export function stageCosts(db: Db, sweepId: number): StageCost[] {
  return db
    .prepare(
      `SELECT stage, COUNT(*) AS invocations, SUM(items = 0) AS reused, SUM(items) AS items, SUM(ms) AS ms
       FROM timings WHERE sweep_id = ? GROUP BY stage
       ORDER BY CASE stage WHEN 'check' THEN 0 WHEN 'data' THEN 1 WHEN 'train' THEN 2 WHEN 'sample' THEN 3 WHEN 'grade' THEN 4 WHEN 'capability' THEN 5 ELSE 6 END, stage`,
    )
    .all(sweepId) as StageCost[];
}
