// Public surface of src/analysis: rates with intervals, transfer curves, steps to transfer, the LR check,
// capability degradation and the metrics table. Everything works on plain arrays (see types.ts).
export * from './types.js';
export { wilson, clusterBootstrapRate, clusterBootstrapRates, seededRandom, quantileSorted, Z95, type Rate, type PromptCount, type BootstrapOptions } from './intervals.js';
export { checkpointRates, type CheckpointRates, type RateOptions } from './rates.js';
export { transferCurves, type CurvePoint } from './curves.js';
export { firstCrossing, cellCrossings, stepsToTransfer, formatSteps, type Crossing, type CurveSample, type StepsToTransfer, type StepsOptions } from './crossing.js';
export { lrCheck, equalBudget, type LrPairCheck, type EqualBudgetRow } from './lr-check.js';
export {
  capabilityLoss,
  brokenPredicate,
  paretoView,
  DEFAULT_BROKEN,
  type CapabilityLoss,
  type BrokenThresholds,
  type ParetoPoint,
} from './capability.js';
export { metricsTable, metricsFromRates, metricsCsv, metricsJsonl, type MetricsRow } from './metrics-table.js';
export * as theory from './theory/index.js';
