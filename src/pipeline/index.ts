// Public surface of src/pipeline/: the sweep spec, the stages and the runner.
export {
  checkpointSteps,
  formatNumber,
  grid,
  gridOf,
  pointSteps,
  runName,
  judgeConfigSchema,
  sweepConfigSchema,
  type GridAxes,
  type JudgeConfig,
  type GridPoint,
  type SweepConfig,
} from './sweep-spec.js';
export { checkStage, criteriaPassed, formatCheck, DEFAULT_THRESHOLDS, type CheckResult, type CheckThresholds, type Criterion } from './check.js';
export { batchingSampler, judgedGraders, judgeGoldSet, validateJudge, formatJudgeCheck, type JudgeCheck } from './judge.js';
export { configIdentity, identityOf, judgeIdentity, makeContext, organismOf, type JudgeIdentity, type RunContext } from './context.js';
export { dataStage, formatData, formatYield, type Dataset, type DataSummary, type Provenance, type SampledYield, type TrainExample } from './data.js';
export { dataSourceSchema, type DataSource } from './data-source.js';
export { formatSignal, NOISE_NLL, type SignalCheck } from './check.js';
export { runSweep, runCell, type SweepOutcome } from './runner.js';
export { createProgress, silentProgress, formatDuration, stopOnRequest, type CellEnd, type Progress } from './progress.js';
export { contextFromSweep } from './resume.js';
export { formatPlan, planSweep, type SweepPlan } from './plan.js';
export { costOf, formatCost, formatUsd, priceSources, sweepCosts, sweepRoles, type CellCost, type Cost, type PriceEntry, type SweepCosts, type SweepRoles } from './costs.js';
export { isBudgetStop, type Budget } from './budget.js';
