// Public surface of src/analysis: rates with intervals, transfer curves, steps to transfer, the LR check,
// capability degradation, the metrics table and the rules behind each verdict. Everything works on plain
// arrays (see types.ts).
export * from './types.js';
export {
  wilson,
  wilsonBounds,
  promptRate,
  ratioInterval,
  t95,
  seededRandom,
  quantileSorted,
  Z95,
  type Rate,
  type RateMethod,
  type PromptCount,
} from './intervals.js';
export { checkpointRates, type CheckpointRates } from './rates.js';
export { transferCurves, type CurvePoint } from './curves.js';
export {
  firstCrossing,
  crossed,
  cellCrossings,
  stepsToTransfer,
  formatSteps,
  MIN_SEEDS_TO_RESAMPLE,
  type Crossing,
  type CrossingStatus,
  type CurveSample,
  type StepsToTransfer,
  type StepsOptions,
} from './crossing.js';
export { lrCheck, equalBudget, type LrPairCheck, type EqualBudgetRow } from './lr-check.js';
export {
  capabilityLoss,
  capabilityKind,
  brokenStates,
  brokenPredicate,
  paretoView,
  CAPABILITY_KINDS,
  DEFAULT_BROKEN,
  type CapabilityKind,
  type CapabilityLoss,
  type BrokenState,
  type BrokenThresholds,
  type ParetoPoint,
} from './capability.js';
export { metricsTable, metricsFromRates, metricsCsv, metricsJsonl, type MetricsRow } from './metrics-table.js';
export { analysisRules, brokenRuleLine, type AnalysisRules } from './rules.js';
export { isSpreadMetric, spreadRates, type SpreadRate } from './spread.js';
export { cellInstability, describeInstability, DEFAULT_INSTABILITY_FACTOR, type CellInstability, type TrainLossStep } from './instability.js';
export * as theory from './theory/index.js';
