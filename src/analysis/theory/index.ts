// The linear-regression model of transfer (docs/theory.md).
export {
  closedFormWeights,
  evalBehaviour,
  stabilityLimit,
  empiricalProblem,
  simulateGd,
  simulateAdam,
  sampledEvalRate,
  scenarioProblem,
  scenarioData,
  scenarioEvalDraw,
  scenarioStepsToTransfer,
  scenarioLrRatio,
  DEFAULT_SCENARIO,
  type LinregProblem,
  type FlagScenario,
  type Dataset,
} from './linreg.js';
export { symmetricEigen, normalCdf, type Vec, type Mat } from './linalg.js';
export { linregStudy, logSteps, type Study, type StudyRow, type StudyPair, type StudyOptions } from './study.js';
