// Public surface of src/pipeline/: the sweep spec, the stages and the runner.
export {
  checkpointSteps,
  formatNumber,
  grid,
  gridOf,
  pointSteps,
  runName,
  sweepConfigSchema,
  type GridAxes,
  type GridPoint,
  type SweepConfig,
} from './sweep-spec.js';
export { checkStage, formatCheck, DEFAULT_THRESHOLDS, type CheckResult, type CheckThresholds, type Criterion } from './check.js';
export { configIdentity, identityOf, makeContext, organismOf, type RunContext } from './context.js';
export { runSweep, runCell, type SweepOutcome } from './runner.js';
export { createProgress, silentProgress, formatDuration, stopOnRequest, type CellEnd, type Progress } from './progress.js';
export { contextFromSweep } from './resume.js';
export { formatPlan, planSweep, type SweepPlan } from './plan.js';
export { costOf, formatCost, formatUsd, priceSources, sweepCosts, sweepRoles, type CellCost, type Cost, type PriceEntry, type SweepCosts, type SweepRoles } from './costs.js';
export { isBudgetStop, type Budget } from './budget.js';
