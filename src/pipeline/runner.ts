// The runner: sequences the stages of a sweep and of a cell. It holds no stage logic (stages are in
// check.ts, data.ts, train.ts, sample.ts, grade.ts, capability.ts), no display (progress.ts) and no
// scheduling (scheduler.ts). Every stage skips what the record already has, so running the same command
// again is a resume.
import { isRemoteBackend, type SamplingClient } from '../backends/index.js';
import type { Setting } from '../settings/index.js';
import { ConfigError } from '../errors.js';
import { acquireRunLock, beginSweep, collectGarbage, ensureCells, getCheck, getDataset, getSweep, recordTiming, setCellStatus, setSweepStatus, type CellRow, type Project, type SweepRow } from '../store/index.js';
import { capabilityStage } from './capability.js';
import { checkStage, criteriaPassed, DEFAULT_THRESHOLDS, formatCheck, type CheckResult } from './check.js';
import { BudgetGuard, checkBudgetPrices, isBudgetStop } from './budget.js';
import { checkpointRef, makeContext, type RunContext } from './context.js';
import { sweepRoles } from './costs.js';
import { checkKey, dataKey, sweepGraderKey } from './keys.js';
import { dataStage, formatData, type Dataset } from './data.js';
import { gradeStage } from './grade.js';
import { checkPlan, manifest, planCells, sweepIdentity } from './plan.js';
import type { Progress } from './progress.js';
import { sampleJobs } from './sample.js';
import { sampleStage } from './sample.js';
import { runCells } from './scheduler.js';
import type { SweepConfig } from './sweep-spec.js';
import { recordServedCheckpoints } from './served.js';
import { trainStage } from './train.js';

/** Cells in flight at once against a remote backend. */
export const REMOTE_CELLS_IN_FLIGHT = 256;

export interface SweepOutcome {
  sweep: SweepRow;
  check: CheckResult | null;
  cells: CellRow[];
}

/** One finished stage invocation: a `timings` row. `items` is the work it did itself (steps trained,
 *  answers sampled, labels and metrics written, examples built, checks run), 0 when it found its output
 *  in the record; so a resumed stage adds its wall time but never counts earlier work again, and a
 *  sweep's SUM(items) and SUM(ms) per stage are what it cost. */
interface Timing {
  stage: string;
  items: number;
  ms: number;
}

async function measured<T>(stage: string, run: () => Promise<T>, items: (r: T) => number): Promise<{ result: T; timing: Timing }> {
  const t0 = performance.now();
  const result = await run();
  return { result, timing: { stage, items: items(result), ms: performance.now() - t0 } };
}

async function timed<T>(ctx: RunContext, where: { sweepId: number; cellId: number }, stage: string, run: () => Promise<T>, items: (r: T) => number): Promise<T> {
  const { result, timing } = await measured(stage, run, items);
  recordTiming(ctx.project.db, { ...where, ...timing });
  return result;
}

/** Runs (or resumes) a whole sweep, holding the project's run lock (one writer per project). */
export async function runSweep(project: Project, config: SweepConfig, progress: Progress, setting?: Setting): Promise<SweepOutcome> {
  const release = acquireRunLock(project);
  try {
    return await runSweepLocked(project, config, progress, setting);
  } finally {
    release();
  }
}

async function runSweepLocked(project: Project, config: SweepConfig, progress: Progress, setting?: Setting): Promise<SweepOutcome> {
  const ctx = makeContext(project, config, progress, setting);
  let sweep: SweepRow | undefined;
  // The check and data stages run before the sweep row exists; their rows are recorded under it once it
  // does (under no sweep when the sweep is refused first).
  const early: Timing[] = [];
  const recordEarly = (sweepId: number | null): void => {
    for (const t of early.splice(0)) recordTiming(project.db, { sweepId, cellId: null, ...t });
  };
  try {
    let check: CheckResult | null = null;
    if (!config.skipCheck) {
      const checkRecorded = getCheck(project.db, checkKey(ctx, DEFAULT_THRESHOLDS)) !== undefined;
      const checked = await measured('check', () => checkStage(ctx, DEFAULT_THRESHOLDS), () => (checkRecorded ? 0 : 1));
      early.push(checked.timing);
      check = checked.result;
      for (const l of formatCheck(check)) progress.line(l);
      if (!check.passed && !config.force) {
        if (check.judge?.passed === false && criteriaPassed(check)) {
          throw new ConfigError(`the judge ${check.judge.judge} falls below its thresholds on the gold answers of setting "${ctx.setting.id}" (see above); name a better judge or pass --force to use this one anyway`, 'judge');
        }
        throw new ConfigError(`setting "${ctx.setting.id}" fails its pre-check on organism "${ctx.organism.id}" (see above); fix the setting or pass --force`, 'check');
      }
    }
    // A served sweep trains nothing, so it builds no training data (null; served.ts).
    let data: Dataset | null = null;
    if (config.served === undefined) {
      const dataRecorded = getDataset(project.db, dataKey(ctx)) !== undefined;
      const built = await measured('data', () => dataStage(ctx), (d) => (dataRecorded ? 0 : d.examples.length));
      early.push(built.timing);
      data = built.result;
      for (const l of formatData(data)) progress.line(l);
    }
    // Bounds that need the data (batch size, steps from epochs) and the sweep's totals, before the sweep
    // is recorded: a refused sweep leaves no row.
    await checkPlan(ctx, data);
    checkBudgetPrices(config.budget, sweepRoles(config.backend, ctx.organism, config.judge), config.prices ?? []);
    const { key, name } = sweepIdentity(ctx);
    const g = ctx.setting.graders;
    refuseOtherGrading(project, key, sweepGraderKey(ctx, g.eval), sweepGraderKey(ctx, g.train));
    sweep = beginSweep(project.db, {
      key,
      name,
      settingId: ctx.setting.id,
      settingHash: ctx.setting.hash,
      organism: ctx.organism,
      spec: config,
      evalGraderKey: sweepGraderKey(ctx, g.eval),
      trainGraderKey: sweepGraderKey(ctx, g.train),
      graders: g,
      // The setting in words goes into the record, so that a report says what was tested without
      // reading a setting file again (one named by path may have changed or be on another machine).
      manifest: {
        ...manifest(ctx, data),
        setting: { id: ctx.setting.id, description: ctx.setting.description, initialBehaviour: ctx.setting.initialBehaviour, alternateBehaviour: ctx.setting.alternateBehaviour },
      },
    });
    recordEarly(sweep.id);
    const cells = ensureCells(project.db, sweep.id, planCells(ctx, data));
    const garbage = collectGarbage(project);
    if (garbage > 0) progress.line(`removed ${garbage} unreferenced artifacts left by an interrupted run`);
    const examples =
      data === null ? `checkpoints served on the ${ctx.backend.spec.name} backend, nothing to train` : data.summary.source.kind === 'stream' ? 'fresh train prompts every step' : `${data.examples.length} training examples`;
    progress.line(`sweep ${sweep.name}: ${cells.length} cells, ${cells.filter((c) => c.status === 'done').length} already done, ${examples}`);
    const sweepId = sweep.id;
    const todo = cells.filter((c) => c.status !== 'done');
    progress.plan(todo.length);
    // A remote backend's cells all run at once (the server batches them; requests are capped by the
    // backend's maxInFlight); --jobs is the local CPU limit.
    const remote = isRemoteBackend(ctx.backend.spec.name);
    // One guard for the cells of this thread (a remote backend runs them all at once here).
    const guard = budgetGuard(ctx, sweepId);
    try {
      guard?.check(null);
      await runCells(
        project,
        todo,
        remote ? { jobs: Math.min(todo.length, REMOTE_CELLS_IN_FLIGHT), workers: false } : { jobs: config.jobs, workers: true },
        progress,
        (cell) => runCell(ctx, sweepId, cell, data, guard),
        sweepId,
      );
    } catch (e) {
      if (!isBudgetStop(e)) throw e;
      // Not a failure: every recorded batch is kept, and the same command with a higher cap resumes.
      const message = (e as Error).message;
      setSweepStatus(project.db, sweep.id, 'stopped', message);
      return { sweep: { ...sweep, status: 'stopped', error: message }, check, cells: ensureCells(project.db, sweep.id, []) };
    }
    setSweepStatus(project.db, sweep.id, 'done');
    return { sweep: { ...sweep, status: 'done' }, check, cells: ensureCells(project.db, sweep.id, []) };
  } catch (e) {
    if (sweep !== undefined) setSweepStatus(project.db, sweep.id, 'failed', (e as Error).message);
    else recordEarly(null);
    throw e;
  } finally {
    await ctx.close();
  }
}

/** Work units of a cell, for progress: training steps + answers to sample and grade per checkpoint. */
export function cellUnits(ctx: RunContext, cell: CellRow): number {
  const schedule = (JSON.parse(cell.schedule_json) as { steps: number[] }).steps;
  const perCheckpoint = sampleJobs(ctx, cell, { id: 0, train_key: cell.train_key, step: 0, weights_hash: null, state_hash: null, examples_seen: 0, created_at: '', served_model: null }).length;
  // A served cell trains nothing here: its units are its answers to sample and grade.
  const trained = ctx.config.served !== undefined ? 0 : cell.steps;
  return trained + schedule.length * 2 * perCheckpoint;
}

/** The budget guard of a sweep's run, or undefined when its spec sets no budget. */
function budgetGuard(ctx: RunContext, sweepId: number): BudgetGuard | undefined {
  const c = ctx.config;
  return c.budget === undefined ? undefined : new BudgetGuard(ctx.project.db, sweepId, c.budget, sweepRoles(c.backend, ctx.organism, c.judge), c.prices ?? []);
}

/** Runs (or resumes) one cell: train (a served sweep's cell, with no data: record its served
 *  checkpoints), then sample, grade and measure every checkpoint. With a budget, each training segment
 *  must fit under it and each recorded batch is checked against it (budget.ts); a worker thread's cell
 *  makes its own guard. */
export async function runCell(ctx: RunContext, sweepId: number, cell: CellRow, data: Dataset | null, guard = budgetGuard(ctx, sweepId)): Promise<void> {
  const db = ctx.project.db;
  const where = { sweepId, cellId: cell.id };
  setCellStatus(db, cell.id, 'running');
  ctx.progress.begin(cell.name, cellUnits(ctx, cell));
  const advance = (n: number, note: string): void => {
    ctx.progress.advance(cell.name, n, note);
    guard?.check(cell.id);
  };
  try {
    let trained = 0;
    const onStep = (step: number, loss: number): void => {
      trained++;
      ctx.progress.advance(cell.name, 1, `step ${step} loss ${loss.toPrecision(3)}`);
    };
    const beforeSegment = guard === undefined ? {} : { beforeSegment: (from: number, to: number, tokens: number) => guard.beforeSegment(cell.id, cell.name, from, to, tokens) };
    const checkpoints = data === null ? recordServedCheckpoints(ctx, cell) : await timed(ctx, where, 'train', () => trainStage(ctx, cell, data, { onStep, ...beforeSegment }), () => trained);
    const schedule = new Set((JSON.parse(cell.schedule_json) as { steps: number[] }).steps);
    for (const ck of checkpoints.filter((c) => schedule.has(c.step))) {
      let client: Promise<SamplingClient> | undefined;
      const sampler = (): Promise<SamplingClient> => (client ??= ctx.backend.createSamplingClient(checkpointRef(ctx, ck)));
      try {
        await timed(ctx, where, 'sample', () => sampleStage(ctx, cell, ck, sampler, (n) => advance(n, `sampling step ${ck.step}`)), (n) => n);
        await timed(ctx, where, 'grade', () => gradeStage(ctx, cell, ck, (n) => advance(n, `grading step ${ck.step}`)), (n) => n);
        await timed(ctx, where, 'capability', () => capabilityStage(ctx, cell, ck, sampler), (n) => n);
      } finally {
        if (client !== undefined) await (await client).close();
      }
    }
    setCellStatus(db, cell.id, 'done');
    ctx.progress.end(cell.name, 'done');
  } catch (e) {
    // A cell stopped by the budget has not failed: it is pending again, and resumes where it stopped.
    if (isBudgetStop(e)) setCellStatus(db, cell.id, 'pending');
    else setCellStatus(db, cell.id, 'failed', (e as Error).message);
    ctx.progress.end(cell.name, `failed: ${(e as Error).message}`);
    throw e;
  } finally {
    guard?.release(cell.id);
  }
}

/** A recorded sweep whose graders this code would grade differently (a grader's version changed since):
 *  resuming it would grade its remaining cells one way and its finished ones the other, and its rates
 *  would read neither. Refused before anything is written; under another name the sweep reuses every
 *  trained checkpoint and sampled answer, and only the grading is redone. */
function refuseOtherGrading(project: Project, key: string, evalGraderKey: string, trainGraderKey: string): void {
  const recorded = getSweep(project.db, key);
  if (recorded === undefined || (recorded.eval_grader_key === evalGraderKey && recorded.train_grader_key === trainGraderKey)) return;
  throw new ConfigError(
    `sweep "${recorded.name}" was graded by other versions of its graders than this bctlab's; run it under a new name (--name ${recorded.name}-2): its checkpoints and answers are reused and only the grading is redone`,
    `sweep ${recorded.name}`,
  );
}
