// Configuration of the Tinker backend: the spec's args (what the record stores) resolved against the
// environment, plus the timing of requests. The API key is deliberately NOT part of it: only the name of
// the environment variable that holds it is, and the key is read from the environment at each request
// (`apiKeyFrom` in ../http/), so it never reaches the record, an error message or a log line.
import { ConfigError } from '../../errors.js';
import { checkBaseUrl, checkEnvName, type HttpTiming } from '../http/index.js';
import type { BackendSpec } from '../types.js';

/** The hosted Tinker service, used when neither `args.baseUrl` nor TINKER_BASE_URL is set. */
export const HOSTED_BASE_URL = 'https://tinker.thinkingmachines.dev/services/tinker-prod';

export interface TinkerConfig {
  // --- where ---
  baseUrl: string; // server root, without a trailing slash; args.baseUrl, else $TINKER_BASE_URL, else HOSTED_BASE_URL
  apiKeyEnv: string; // name of the environment variable holding the API key; default TINKER_API_KEY
  // --- how much at once ---
  maxInFlight: number; // sampling requests (asample) in flight at once per backend; default 32
}

/** Timeouts, retry budgets and backoff of every request. Defaults follow the Python SDK (≤ 0.24);
 *  tests shrink the delays, never the logic. All in milliseconds. */
export interface TinkerTiming extends HttpTiming {
  // HttpTiming's defaults here: request 60 s, 10 retries within 5 min, backoff 0.5 s·2^n ≤ 10 s, Retry-After ≤ 60 s
  pollTimeoutMs: number; // one retrieve_future long-poll; SDK 45 s
  pollBackoffBaseMs: number; // a future poll after a 429 or a connection error waits base·2^n; SDK 1 s
  pollBackoffMaxMs: number; // cap of that wait; SDK 30 s
  minPollIntervalMs: number; // immediate re-polls (try_again, 408) are spaced at least this far apart
  futureDeadlineMs: number; // a future without a result after this long is an error; 1 h
  heartbeatMs: number; // session heartbeat period; SDK 10 s
}

export const DEFAULT_TIMING: TinkerTiming = {
  requestTimeoutMs: 60_000,
  maxRetries: 10,
  retryBudgetMs: 300_000,
  backoffBaseMs: 500,
  backoffMaxMs: 10_000,
  retryAfterMaxMs: 60_000,
  pollTimeoutMs: 45_000,
  pollBackoffBaseMs: 1_000,
  pollBackoffMaxMs: 30_000,
  minPollIntervalMs: 50,
  futureDeadlineMs: 3_600_000,
  heartbeatMs: 10_000,
};

const ARGS = ['baseUrl', 'apiKeyEnv', 'maxInFlight'] as const;
const MAX_IN_FLIGHT_LIMIT = 1024;

/** Validates `spec.args` and resolves defaults from `env`. Errors are ConfigErrors naming `backend.<arg>`. */
export function tinkerConfig(spec: BackendSpec, env: NodeJS.ProcessEnv = process.env): TinkerConfig {
  const unknown = Object.keys(spec.args).filter((k) => !(ARGS as readonly string[]).includes(k));
  if (unknown.length > 0) throw new ConfigError(`unknown argument(s) ${unknown.join(', ')}; the tinker backend takes ${ARGS.join(', ')}`, 'backend.args');
  const { baseUrl, apiKeyEnv, maxInFlight } = spec.args;

  if (baseUrl !== undefined && baseUrl !== null && typeof baseUrl !== 'string') throw new ConfigError(`expected a URL string, got ${JSON.stringify(baseUrl)}`, 'backend.baseUrl');
  const fromEnv = env.TINKER_BASE_URL !== undefined && env.TINKER_BASE_URL !== '';
  const url = typeof baseUrl === 'string' ? baseUrl : fromEnv ? env.TINKER_BASE_URL! : HOSTED_BASE_URL;
  const where = typeof baseUrl === 'string' ? 'backend.baseUrl' : fromEnv ? 'backend.baseUrl (from $TINKER_BASE_URL)' : 'backend.baseUrl';

  if (apiKeyEnv !== undefined && apiKeyEnv !== null) checkEnvName(apiKeyEnv, 'backend.apiKeyEnv');
  let inFlight = 32;
  if (maxInFlight !== undefined && maxInFlight !== null) {
    if (typeof maxInFlight !== 'number' || !Number.isInteger(maxInFlight) || maxInFlight < 1 || maxInFlight > MAX_IN_FLIGHT_LIMIT) {
      throw new ConfigError(`expected an integer from 1 to ${MAX_IN_FLIGHT_LIMIT}, got ${JSON.stringify(maxInFlight)}`, 'backend.maxInFlight');
    }
    inFlight = maxInFlight;
  }
  return { baseUrl: checkBaseUrl(url, where), apiKeyEnv: typeof apiKeyEnv === 'string' ? apiKeyEnv : 'TINKER_API_KEY', maxInFlight: inFlight };
}
