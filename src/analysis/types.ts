// The analysis works on plain arrays, not on the database: the store adapter (src/report/record.ts) turns
// the record into these shapes, and tests build them by hand.

/** How an answer to an eval prompt was classified. */
export type EvalClass = 'initial' | 'alternate' | 'other';
export const EVAL_CLASSES: readonly EvalClass[] = ['initial', 'alternate', 'other'];

/** One graded answer. */
export interface GradedSample {
  /** The cell (one LR × seed × … point of a sweep) the answer comes from. */
  cellId: string;
  /** Gradient steps taken before the checkpoint that produced the answer (0 = the model organism). */
  step: number;
  /** Stable id of the prompt; several samples of one prompt share it. */
  promptId: string;
  /** Which distribution the prompt is from. */
  split: 'eval' | 'train';
  /**
   * Eval prompts: the class. Train prompts: whether the answer is compatible with the training target.
   * `error`: the grader failed on this answer; it is left out of every n and counted on its own.
   */
  label: EvalClass | 'compatible' | 'incompatible' | 'error';
}

/** What the analysis needs to know about a cell. */
export interface CellInfo {
  cellId: string;
  /** Everything that identifies a curve except the LR and the seed, e.g. "full" or "lora r=8". */
  family: string;
  /** Learning rate. */
  lr: number;
  /** Training seed. Cells that differ only in seed form one curve with a band. */
  seed: number;
  /** Training examples per gradient step, to put "samples seen" on the x axis. */
  batchSize: number;
}

/** One capability measurement of one checkpoint. */
export interface CapabilityScore {
  cellId: string;
  step: number;
  /** Name of the evaluation, e.g. "acc:arith" or "nll:heldout". */
  name: string;
  value: number;
  /** Items the value averages (the record's `metrics.n`); gives an accuracy its interval. Absent: no interval. */
  n?: number;
  /** True for accuracies, false for losses such as NLL. */
  higherIsBetter: boolean;
}

/** The key of the curve a cell belongs to: its family and LR. */
export function groupKey(cell: Pick<CellInfo, 'family' | 'lr'>): string {
  return `${cell.family} lr=${formatLr(cell.lr)}`;
}

/** Short, exact LR label: 3e-4 rather than 0.00030000000000000003. */
export function formatLr(lr: number): string {
  return Number(lr.toPrecision(6)).toExponential().replace(/\.?0+e/, 'e').replace('e+', 'e');
}
