// A Tinker session: the `client/config` handshake (SDK ≥ 0.18 calls it first and servers expect it),
// `create_session`, a heartbeat every 10 s while the session is open, and the server's capabilities.
// Training and sampling clients are numbered within their session (`model_seq_id`,
// `sampling_session_seq_id`), so the counters live here.
import { ConfigError } from '../../errors.js';
import type { TinkerHttp } from './http.js';
import { readCapabilities, readString, SDK_VERSION, type ServedModel } from './wire.js';

/** What the server's `client/config` says this client may do, beyond the SDK's own flags. */
export interface ServerFlags {
  /** The server trains full models when create_model has no lora_config. Not an SDK flag: an extension
   *  that `bct serve` sends. Hosted Tinker and SkyRL train LoRA only (and may default a missing
   *  lora_config to LoRA), so without this flag a full fine-tune is refused before any request. */
  fullFinetune: boolean;
  /** The server takes `lora_config.alpha` (an extension of `bct serve`). Tinker's LoRA has no alpha (the
   *  server fixes it; SkyRL uses 32), so it is sent only where the server says it reads it. */
  loraAlpha: boolean;
}

export type Warn = (message: string) => void;

export class TinkerSession {
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private heartbeatFailing = false;
  private modelSeq = 0;
  private samplerSeq = 0;
  private served: Promise<ServedModel[]> | undefined;
  private readonly tokenizers = new Map<string, string>(); // base model → tokenizer id get_info reported
  private readonly probes = new Map<string, Promise<string>>(); // base model → tokenizer probe under way

  private constructor(
    readonly http: TinkerHttp,
    readonly id: string,
    readonly flags: ServerFlags,
    private readonly warn: Warn,
  ) {}

  /** Handshake, new session, heartbeat started. */
  static async open(http: TinkerHttp, warn: Warn): Promise<TinkerSession> {
    const config = await http.call('POST', '/api/v1/client/config', { sdk_version: SDK_VERSION });
    const c = (config !== null && typeof config === 'object' ? config : {}) as { full_finetune?: unknown; lora_alpha?: unknown };
    const flags: ServerFlags = { fullFinetune: c.full_finetune === true, loraAlpha: c.lora_alpha === true };
    const endpoint = '/api/v1/create_session';
    const reply = await http.call('POST', endpoint, { tags: [], user_metadata: {}, sdk_version: SDK_VERSION, type: 'create_session' });
    const session = new TinkerSession(http, readString(reply, 'session_id', endpoint), flags, warn);
    const r = reply as { warning_message?: unknown; error_message?: unknown };
    for (const m of [r.warning_message, r.error_message]) if (typeof m === 'string' && m !== '') warn(`tinker server: ${http.redact(m)}`);
    session.scheduleHeartbeat();
    return session;
  }

  nextModelSeqId(): number {
    return this.modelSeq++;
  }

  nextSamplingSessionSeqId(): number {
    return this.samplerSeq++;
  }

  /** The models the server serves (asked once per session; asked again after a failure). */
  capabilities(): Promise<ServedModel[]> {
    const endpoint = '/api/v1/get_server_capabilities';
    this.served ??= this.http.call('GET', endpoint).then(
      (reply) => readCapabilities(reply, endpoint),
      (e: unknown) => {
        this.served = undefined;
        throw e;
      },
    );
    return this.served;
  }

  /** The served model named `base`; an unknown one is a ConfigError (bad input) naming `organism.base`
   *  and listing what the server serves. */
  async servedModel(base: string): Promise<ServedModel> {
    const served = await this.capabilities();
    const found = served.find((m) => m.name === base);
    if (found === undefined) {
      const list = served.length === 0 ? 'none' : served.map((m) => m.name).join(', ');
      throw new ConfigError(`model "${base}" is not served by ${this.http.config.baseUrl}; it serves: ${list}`, 'organism.base');
    }
    return found;
  }

  /** Remembers the tokenizer get_info reported for a model trained from `base`. */
  rememberTokenizer(base: string, tokenizerId: string): void {
    this.tokenizers.set(base, tokenizerId);
  }

  /** The tokenizer of `base` as get_info reported it earlier in this session, if it did. */
  knownTokenizer(base: string): string | undefined {
    return this.tokenizers.get(base);
  }

  /** Runs `probe` for `base` once at a time: concurrent callers share the one under way (a failed one
   *  is run again by the next caller). */
  probeTokenizer(base: string, probe: () => Promise<string>): Promise<string> {
    let p = this.probes.get(base);
    if (p === undefined) {
      p = probe().finally(() => this.probes.delete(base));
      this.probes.set(base, p);
    }
    return p;
  }

  /** Stops the heartbeat. The server ends the session on its own once heartbeats stop. */
  close(): void {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
  }

  private scheduleHeartbeat(): void {
    if (this.closed) return;
    // A chain of timeouts, not an interval: a slow heartbeat never overlaps the next. Unref'd so an open
    // session never keeps the process alive.
    this.timer = setTimeout(() => void this.heartbeat(), this.http.timing.heartbeatMs);
    this.timer.unref();
  }

  private async heartbeat(): Promise<void> {
    try {
      await this.http.call('POST', '/api/v1/session_heartbeat', { session_id: this.id, type: 'session_heartbeat' }, { maxRetries: 0, timeoutMs: Math.min(10_000, this.http.timing.requestTimeoutMs) });
      this.heartbeatFailing = false;
    } catch (e) {
      // Not fatal: the next one may get through, and the requests themselves report real outages.
      // Warned once per outage, not every 10 s.
      if (!this.heartbeatFailing && !this.closed) this.warn(`session heartbeat failed (${(e as Error).message}); retrying every ${this.http.timing.heartbeatMs / 1000} s`);
      this.heartbeatFailing = true;
    }
    this.scheduleHeartbeat();
  }
}
