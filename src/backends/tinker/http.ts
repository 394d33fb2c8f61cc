// JSON over HTTP to a Tinker server: the shared client of ../http/ (the SDK's retry policy, Retry-After,
// timeouts, the key scrubbed from messages) with Tinker's headers: the key as `X-API-Key`, and one
// `X-Idempotency-Key` per logical call, the same on its retries.
import { JsonHttp } from '../http/index.js';
import type { TinkerConfig, TinkerTiming } from './config.js';

export class TinkerHttp extends JsonHttp<TinkerTiming> {
  constructor(
    readonly config: TinkerConfig,
    timing: TinkerTiming,
    random: () => number = Math.random,
  ) {
    super({ service: 'tinker', baseUrl: config.baseUrl, apiKeyEnv: config.apiKeyEnv, auth: 'x-api-key', idempotencyHeader: 'X-Idempotency-Key' }, timing, random);
  }
}
