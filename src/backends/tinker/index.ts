// The tinker backend: the backend interface over the Tinker REST API (JSON, as SDK ≤ 0.24 speaks it),
// for hosted Tinker, self-hosted Tinker-compatible servers (SkyRL, ...) and `bct serve`. One session per
// backend, opened on first use; training and sampling clients are made within it. See README.md for the
// requests each operation sends and the concurrency caps.
import type { Backend, BackendSpec, SamplingClient, TrainingClientOptions, WeightsRef } from '../types.js';
import { DEFAULT_TIMING, tinkerConfig, type TinkerConfig, type TinkerTiming } from './config.js';
import { TinkerHttp } from './http.js';
import { Limiter } from '../http/index.js';
import { createTinkerSampler } from './sampling-client.js';
import { TinkerSession, type Warn } from './session.js';
import { createTinkerTrainer, type TinkerTrainer } from './training-client.js';

export { DEFAULT_TIMING, type TinkerConfig, type TinkerTiming } from './config.js';

const warnOnStderr: Warn = (message) => void process.stderr.write(`bct: warning: ${message}\n`);

export class TinkerBackend implements Backend {
  readonly http: TinkerHttp;
  private session: Promise<TinkerSession> | undefined;
  /** Caps asample requests in flight over every sampling client of this backend. */
  private readonly sampling: Limiter;

  constructor(
    readonly spec: BackendSpec,
    config: TinkerConfig,
    timing: TinkerTiming = DEFAULT_TIMING,
    private readonly warn: Warn = warnOnStderr,
  ) {
    this.http = new TinkerHttp(config, timing);
    this.sampling = new Limiter(config.maxInFlight);
  }

  /** The session, opened on first use (so making a backend costs nothing); a failed open is retried by
   *  the next caller. */
  private open(): Promise<TinkerSession> {
    this.session ??= TinkerSession.open(this.http, this.warn).catch((e: unknown) => {
      this.session = undefined;
      throw e;
    });
    return this.session;
  }

  async createTrainingClient(options: TrainingClientOptions): Promise<TinkerTrainer> {
    return createTinkerTrainer(await this.open(), options, this.warn);
  }

  async createSamplingClient(ref: WeightsRef): Promise<SamplingClient> {
    return createTinkerSampler(await this.open(), ref, this.sampling, this.warn);
  }

  /** Stops the session's heartbeat. */
  async close(): Promise<void> {
    const s = this.session;
    this.session = undefined;
    if (s !== undefined) (await s.catch(() => undefined))?.close();
  }
}

/** The tinker backend of `spec` (`args: { baseUrl?, apiKeyEnv?, maxInFlight? }`). The spec is kept as
 *  given, so the record does not depend on $TINKER_BASE_URL or the key; both are read where used. */
export function createTinkerBackend(spec: BackendSpec): Backend {
  return new TinkerBackend({ name: 'tinker', args: { ...spec.args } }, tinkerConfig(spec));
}
