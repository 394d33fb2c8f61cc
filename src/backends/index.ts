// Public surface of src/backends/: the backend interface and the table of implementations. A backend is
// created from its spec `{ name, args }` (what the record stores), never by an if-chain.
import { ConfigError } from '../errors.js';
import type { Backend, BackendSpec } from './types.js';
import { createEmbeddedBackend } from './embedded/index.js';
import { createOpenAiBackend } from './openai/index.js';
import { createTinkerBackend } from './tinker/index.js';

export interface BackendEntry {
  description: string;
  /** True when models are named by the server (a base is a model name, not a local folder to hash) and
   *  work is network calls: cells then run concurrently in one thread instead of `--jobs` workers. */
  remote: boolean;
  create(spec: BackendSpec): Backend;
}

export const BACKENDS: Record<string, BackendEntry> = {
  embedded: { description: 'the in-process engine (src/engine) with the microworld tokenizer', remote: false, create: createEmbeddedBackend },
  tinker: { description: 'a Tinker API server over HTTP (hosted Tinker, SkyRL, bct serve); args baseUrl, apiKeyEnv, maxInFlight', remote: true, create: createTinkerBackend },
  openai: { description: 'an OpenAI-compatible server over HTTP, sampling only (vLLM with adapters, hosted APIs, bct serve); args baseUrl, apiKeyEnv, api, renderer, tokenizer, scoring, maxInFlight', remote: true, create: createOpenAiBackend },
};

/** Whether the backend `name` is remote (see BackendEntry.remote); unknown names are not. */
export function isRemoteBackend(name: string): boolean {
  return BACKENDS[name]?.remote === true;
}

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
  LogprobsOptions,
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
export { continuationSpan } from './remote-answers.js';
