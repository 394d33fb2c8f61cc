// A served sweep (sweep-spec.ts `served`): the evaluation half of a sweep on checkpoints trained
// elsewhere. Each entry is one cell, whose checkpoints are the model names a server gives them (vLLM's
// `--lora-modules NAME=PATH`, bct serve's tinker:// paths); nothing is trained. Its cells and checkpoint
// rows are recorded as a trained sweep's are, so that sampling, grading, capability, status, report and
// export read them unchanged: a served checkpoint's row names its model (`served_model`) instead of a
// weights artifact, and `checkpointRef` (context.ts) samples it by that name.
import { insertCheckpoint, listCheckpoints, type CellRow, type CheckpointRow, type NewCell } from '../store/index.js';
import type { RunContext } from './context.js';
import { samplingKey, servedTrainKey, type ServedCheckpoint } from './keys.js';
import { servedCellName, type ServedCell } from './sweep-spec.js';

/** A served cell's `schedule_json`: its steps, as every cell's, and the model served at each (null: the
 *  organism's base), which is what its checkpoint rows are recorded from. */
interface ServedSchedule {
  steps: number[];
  models: (string | null)[];
}

/** The checkpoints of a served cell by step, step 0 first: the base when the cell names no other model
 *  for it (every analysis starts from step 0), so naming the base at step 0 and naming nothing there are
 *  the same cell. */
export function servedCheckpoints(ctx: RunContext, cell: ServedCell): ServedCheckpoint[] {
  const named = Object.entries(cell.checkpoints).map(([step, model]) => ({ step: Number(step), model: model === ctx.organism.base ? null : model }));
  const out = named.some((c) => c.step === 0) ? named : [{ step: 0, model: null }, ...named];
  return out.sort((a, b) => a.step - b.step);
}

/** The keyed cells of a served sweep, in the order of `served`. A cell's `steps` is its last checkpoint's
 *  step (the analysis reads it as the steps it was trained for); its batch size is 0 when not given,
 *  which makes its samples-seen axis 0 rather than a made-up number. */
export function servedCells(ctx: RunContext, served: readonly ServedCell[]): NewCell[] {
  const sKey = samplingKey(ctx);
  return served.map((cell) => {
    const checkpoints = servedCheckpoints(ctx, cell);
    const schedule: ServedSchedule = { steps: checkpoints.map((c) => c.step), models: checkpoints.map((c) => c.model) };
    const point = { lr: cell.lr, seed: cell.seed, loraRank: cell.loraRank, ...(cell.batchSize !== undefined ? { batchSize: cell.batchSize } : {}) };
    return {
      name: servedCellName(cell),
      train_key: servedTrainKey(ctx, checkpoints),
      lr: cell.lr,
      seed: cell.seed,
      batch_size: cell.batchSize ?? 0,
      steps: checkpoints[checkpoints.length - 1]!.step,
      lora_rank: cell.loraRank === 0 ? null : cell.loraRank,
      schedule_json: JSON.stringify(schedule),
      sampling_key: sKey,
      point_json: JSON.stringify(point),
    };
  });
}

/** In place of training: records the cell's checkpoint rows (each naming its served model) that the
 *  record lacks, and returns all of them. Nothing is asked of the server here; a model it does not
 *  serve fails the cell when its checkpoint is sampled. */
export function recordServedCheckpoints(ctx: RunContext, cell: CellRow): CheckpointRow[] {
  const db = ctx.project.db;
  const { steps, models } = JSON.parse(cell.schedule_json) as ServedSchedule;
  const recorded = new Set(listCheckpoints(db, cell.train_key).map((c) => c.step));
  steps.forEach((step, i) => {
    if (recorded.has(step)) return;
    const model = models[i] ?? null;
    insertCheckpoint(db, { trainKey: cell.train_key, step, weightsHash: null, stateHash: null, examplesSeen: step * cell.batch_size, ...(model !== null ? { servedModel: model } : {}) }, []);
  });
  return listCheckpoints(db, cell.train_key);
}
