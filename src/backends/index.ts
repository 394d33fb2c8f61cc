// Public surface of src/backends/: the backend interface and its implementations.
export type {
  Backend,
  BackendSpec,
  Datum,
  ForwardBackwardResult,
  LogprobsResult,
  OptimParams,
  OptimStepResult,
  Renderer,
  ResumableTrainingClient,
  SampleBatchResult,
  SamplePrompt,
  SampleResult,
  SamplingClient,
  SamplingParams,
  SavedWeights,
  TrainingClient,
  TrainingClientOptions,
  WeightsRef,
} from './types.js';
export { isResumable } from './types.js';
