// Public surface of src/backends/: the backend interface and the table of implementations. A backend is
// created from its spec `{ name, args }` (what the record stores), never by an if-chain.
import { ConfigError } from '../errors.js';
import type { Backend, BackendSpec } from './types.js';
import { createEmbeddedBackend } from './embedded/index.js';

export const BACKENDS: Record<string, { description: string; create(spec: BackendSpec): Backend }> = {
  embedded: { description: 'the in-process engine (src/engine) with the microworld tokenizer', create: createEmbeddedBackend },
};

export function createBackend(spec: BackendSpec): Backend {
  const entry = BACKENDS[spec.name];
  if (entry === undefined) throw new ConfigError(`unknown backend "${spec.name}"; known: ${Object.keys(BACKENDS).join(', ')}`, 'backend');
  return entry.create(spec);
}

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
