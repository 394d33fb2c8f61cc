// The configuration of `bct serve`: where it listens, its token, the models it serves, where it writes,
// and the bounds on everything a client can make it hold or do.
import type { ServerLimits } from '../http/index.js';

export interface ServeLimits {
  // Request sizes
  maxBodyBytes: number; // JSON body; default 16 MiB (413 beyond)
  maxDatums: number; // datums per forward/forward_backward request; default 1024 (the SDK's chunk size)
  maxNumSamples: number; // num_samples per asample; default 64
  maxStopSequences: number; // entries of sampling_params.stop; default 16
  maxLoraRank: number; // lora_config.rank; default 256
  maxLogprobs: number; // OpenAI endpoints: logprobs, top_logprobs and prompt_logprobs top-k; default 20 (vLLM's --max-logprobs)
  maxScoredAlternatives: number; // OpenAI endpoints: top-k > 0 scores every vocabulary token at each position asked; positions × vocabulary per request; default 1024
  // What the server holds
  maxModels: number; // training models loaded at once; default 8
  maxSessions: number; // client sessions (the stalest is forgotten beyond); default 1024
  maxSamplingSessions: number; // sampling sessions (the oldest is forgotten beyond); default 4096
  maxSamplerModels: number; // sampler weights kept loaded (least recently used dropped); default 8
  maxCheckpointsPerModel: number; // save_weights + save_weights_for_sampler per model; default 1000
  maxFutures: number; // futures kept (finished ones dropped oldest first beyond); default 10000
  futureTtlMs: number; // a finished future is kept this long; default 1 hour
  maxQueued: number; // operations waiting to run, all models together (429 beyond); default 1024
  maxHeldPerModel: number; // requests held for an earlier seq_id of the same model (429 beyond); default 64
  // Timing
  pollMs: number; // retrieve_future holds a pending future this long, then says try_again; default 30 s
  seqGapMs: number; // a request waits this long for an earlier missing seq_id, then runs; default 5 s
}

export const DEFAULT_SERVE_LIMITS: ServeLimits = {
  maxBodyBytes: 16 * 1024 * 1024,
  maxDatums: 1024,
  maxNumSamples: 64,
  maxStopSequences: 16,
  maxLoraRank: 256,
  maxLogprobs: 20,
  maxScoredAlternatives: 1024,
  maxModels: 8,
  maxSessions: 1024,
  maxSamplingSessions: 4096,
  maxSamplerModels: 8,
  maxCheckpointsPerModel: 1000,
  maxFutures: 10000,
  futureTtlMs: 60 * 60 * 1000,
  maxQueued: 1024,
  maxHeldPerModel: 64,
  pollMs: 30000,
  seqGapMs: 5000,
};

export interface ServeConfig {
  host: string; // interface to listen on; default 127.0.0.1
  port: number; // default 8000 (0 = any free port)
  token: string; // required of every request but healthz (X-API-Key or Authorization: Bearer)
  /** Served base models: name → engine checkpoint folder. */
  models: ReadonlyMap<string, string>;
  /** Project folder; weights are written under `<project>/serve/`. */
  project: string;
  limits?: Partial<ServeLimits>;
  http?: Partial<ServerLimits>;
}
