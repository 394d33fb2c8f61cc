// Public surface of src/serve: `bct serve`, the embedded engine behind the Tinker API (JSON bodies of
// SDK ≤ 0.24, under /api/v1/) and the OpenAI API (under /v1/). See README.md for the endpoints,
// extensions, limits, tokens and paths.
import { join, resolve } from 'node:path';
import { startGuardedServer, tokenChecker } from '../http/index.js';
import { Catalog } from './catalog.js';
import { CheckpointStore } from './checkpoints.js';
import { DEFAULT_SERVE_LIMITS, type ServeConfig } from './config.js';
import { openaiRouter } from './openai-routes.js';
import { router } from './routes.js';
import { ServeState } from './state.js';

export { DEFAULT_SERVE_LIMITS, type ServeConfig, type ServeLimits } from './config.js';
export { MICROWORLD_TOKENIZER_ID, packageModels, parseModelFlag } from './catalog.js';
export { LORA_ALPHA } from './training.js';

/** Counts of what the server holds. */
export interface ServeStats {
  sessions: number;
  models: number;
  samplingSessions: number;
  futures: number;
  queued: number;
  /** Requests per endpoint since the start (path after /api/v1/; `v1/<path>` for the OpenAI API). */
  requests: Record<string, number>;
}

export interface RunningServe {
  url: string;
  port: number;
  stats(): ServeStats;
  /** Stops accepting requests, wakes waiting polls and closes every connection. */
  close(): Promise<void>;
}

export async function startServe(config: ServeConfig, onInternalError?: (message: string) => void): Promise<RunningServe> {
  const limits = { ...DEFAULT_SERVE_LIMITS, ...config.limits };
  const catalog = new Catalog(config.models);
  const store = new CheckpointStore(join(resolve(config.project), 'serve'));
  const report = onInternalError ?? ((m: string) => process.stderr.write(`[bct serve] ${m}\n`));
  const state = new ServeState(limits, report);
  let allowed: ReadonlySet<string> = new Set();
  const serve = { state, catalog, store };
  const checkToken = tokenChecker(config.token);
  const tinker = router(serve, limits, checkToken, () => allowed);
  const openai = openaiRouter(serve, limits, checkToken, () => allowed, report);
  const srv = await startGuardedServer({
    host: config.host,
    port: config.port,
    ...(config.http !== undefined ? { limits: config.http } : {}),
    onInternalError: report,
    route: (req, res, target) => (target.segments[0] === 'v1' ? openai : tinker)(req, res, target),
  });
  allowed = srv.allowedHosts;
  return {
    url: srv.url,
    port: srv.port,
    stats: () => ({
      sessions: state.sessions.size,
      models: state.models.size,
      samplingSessions: state.samplingSessions.size,
      futures: state.futures.size,
      queued: state.queue.pending,
      requests: Object.fromEntries(state.requests),
    }),
    close: async () => {
      state.futures.wakeAll();
      for (const m of state.models.values()) m.gate.dispose();
      await srv.close();
    },
  };
}
