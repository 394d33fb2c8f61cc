// Turns a sweep config into keyed cells and the sweep's identity and manifest, checks its totals, and
// plans it for `bct plan` (cells, requests, tokens, cost: estimate.ts, costs.ts). Pure given the context
// and the dataset: no record writes here.
import { readFileSync } from 'node:fs';
import { isRemoteBackend, type Renderer } from '../backends/index.js';
import { createRenderer, MAX_CONTEXT_LENGTH, rendererNameFor, type RendererName } from '../chat/index.js';
import { countParams } from '../engine/index.js';
import { ConfigError } from '../errors.js';
import { graderVersion } from '../graders/index.js';
import { KEY_VERSIONS, SCHEMA_VERSION, contentHash, getSweep, listCells, totalTokens, type NewCell, type TokenUsage } from '../store/index.js';
import { checkBudgetPrices, type Budget } from './budget.js';
import { organismPrompt, type RunContext } from './context.js';
import { costOf, formatCost, formatUsd, priceSources, sweepCosts, sweepRoles, type Cost, type PriceEntry, type SweepCosts, type SweepRoles } from './costs.js';
import { estimateSweep, type CallCounts, type SweepEstimate } from './estimate.js';
import { judgedGraders } from './judge.js';
import { SAMPLE_BATCH } from './sample.js';
import { DEFAULT_THRESHOLDS } from './check.js';
import { checkKey, dataKey, samplingKey, samplingSpec, sweepGraderKey, sweepKey, trainKey } from './keys.js';
import { checkExamples, MAX_STREAM_EXAMPLES, plannedDataset, sizingExamples, standInDataset, type Dataset } from './data.js';
import { servedCells, servedCheckpoints } from './served.js';
import { backendSpecOf, checkpointSteps, formatNumber, gridOf, pointSteps, runName, SWEEP_LIMITS, trainedConfig, type TrainedSweepConfig } from './sweep-spec.js';

export function sweepIdentity(ctx: RunContext): { key: string; name: string } {
  const key = sweepKey(ctx);
  return { key, name: ctx.config.name ?? `${ctx.setting.id}-${key.slice(-32, -24)}` };
}

/** The keyed cells of a sweep: every point of its grid on its training data, or the cells of a served
 *  sweep (served.ts), which has no training data (null). */
export function planCells(ctx: RunContext, data: Dataset | null): NewCell[] {
  if (ctx.config.served !== undefined) return servedCells(ctx, ctx.config.served);
  const c = trainedConfig(ctx.config);
  const d = trainingData(data);
  const sKey = samplingKey(ctx);
  return gridOf(c).map((point) => {
    const steps = pointSteps(point, d.examples.length);
    const schedule = checkpointSteps(steps, scheduleOptions(c));
    const key = trainKey(ctx, { dataKey: d.key, lr: point.lr, seed: point.seed, batchSize: point.batchSize, steps, loraRank: point.loraRank, schedule });
    return {
      name: runName(point),
      train_key: key,
      lr: point.lr,
      seed: point.seed,
      batch_size: point.batchSize,
      steps,
      lora_rank: point.loraRank === 0 ? null : point.loraRank,
      schedule_json: JSON.stringify({ steps: schedule }),
      sampling_key: sKey,
      point_json: JSON.stringify(point),
    };
  });
}

/** The training data of a sweep that trains: null only stands for a served sweep's, which has none. */
function trainingData(data: Dataset | null): Dataset {
  if (data === null) throw new Error('a sweep that trains is planned on its training data');
  return data;
}

function scheduleOptions(c: TrainedSweepConfig): { every?: number; count?: number } {
  return { ...(c.checkpointEvery !== undefined ? { every: c.checkpointEvery } : {}), ...(c.checkpointCount !== undefined ? { count: c.checkpointCount } : {}) };
}

/** Refused unless `--force`: beyond these a sweep is almost surely a typo (an extra zero) rather than an
 *  experiment, and would run for days or fill the disk before anyone noticed. */
export const TOTAL_LIMITS = {
  trainingTokens: 1e10, // Σ over cells of steps × batch size × mean tokens per training example
  answers: 1e7, // Σ over cells of checkpoints × answers sampled per checkpoint
  hours: 72, // estimated wall time on the embedded engine (`estimateHours`)
} as const;

/** Effective FLOP/s of the embedded engine on the 2-core reference machine, from the README's figures
 *  for gpt-4m (4.23M parameters): 2,831 training tokens/s at 6 FLOP per parameter and token, 4,289
 *  batched sampling tokens/s at 2. Small models run below these (overheads dominate), so the estimate
 *  is a lower bound: good enough to catch a sweep that would take weeks. */
const ENGINE_TRAIN_FLOPS = 6 * 4.23e6 * 2831;
const ENGINE_SAMPLE_FLOPS = 2 * 4.23e6 * 4289;

export interface SweepTotals {
  cells: number;
  /** Mean tokens of one rendered training example (prompt, answer and end of turn). */
  tokensPerExample: number;
  trainingTokens: number;
  answers: number;
  /** Tokens through the sampler: every answer's prompt and up to maxTokens of answer (an upper bound). */
  sampledTokens: number;
  /** Estimated wall time on the embedded engine; null for a model the engine does not hold locally. */
  hours: number | null;
}

/** Estimated hours to train `trainingTokens` and sample `sampledTokens` with a model of `params`
 *  parameters on the embedded engine. */
export function estimateHours(params: number, trainingTokens: number, sampledTokens: number): number {
  return ((6 * params * trainingTokens) / ENGINE_TRAIN_FLOPS + (2 * params * sampledTokens) / ENGINE_SAMPLE_FLOPS) / 3600;
}

/** Answers sampled at each checkpoint: eval prompts × samples per prompt, the train subset, and one
 *  greedy answer per capability accuracy prompt (as `sampleJobs` lays them out). */
function answersPerCheckpoint(ctx: RunContext): number {
  const s = ctx.setting;
  const capability = s.capabilityEvals.reduce((n, e) => n + (e.kind === 'accuracy' ? e.prompts.length : 0), 0);
  return s.evalPrompts.length * ctx.config.samplesPerPrompt + Math.min(ctx.config.trainPromptsPerCheckpoint, s.trainPrompts.length) + capability;
}

/** What a sweep adds up to, from its grid and its training data (`tokensPerExample` from the backend's
 *  renderer). Refuses, naming the field, a point that cannot run as given: a batch larger than the data
 *  (it would hold every example more than once in one step), more steps or checkpoints per cell than
 *  SWEEP_LIMITS allow. */
export function sweepTotals(ctx: RunContext, data: Dataset | null, tokensPerExample: number): SweepTotals {
  const perCheckpoint = answersPerCheckpoint(ctx);
  const served = ctx.config.served;
  if (served !== undefined) {
    // Nothing is trained: the answers of every served checkpoint, step 0 included.
    const answers = served.reduce((n, cell) => n + servedCheckpoints(ctx, cell).length * perCheckpoint, 0);
    return { cells: served.length, tokensPerExample, trainingTokens: 0, answers, sampledTokens: answers * (tokensPerExample + ctx.config.maxTokens), hours: null };
  }
  const c = trainedConfig(ctx.config);
  const d = trainingData(data);
  const n = d.examples.length;
  // A stream has no fixed examples to run out of, and no epochs.
  const stream = d.summary.source.kind === 'stream';
  if (stream && c.epochs !== undefined) throw new ConfigError('a stream of fresh prompts (data.kind stream) has no epochs; give steps instead', 'epochs');
  c.batchSizes.forEach((b, i) => {
    if (!stream && b > n) {
      throw new ConfigError(`batch size ${b} is more than the ${n} training examples of setting "${ctx.setting.id}"${d.dropped.length > 0 ? ` (${d.dropped.length} train prompts dropped)` : ''}; a larger batch would repeat examples within one step, so expected at most ${n}`, `batchSizes[${i}]`);
    }
  });
  const points = gridOf(c);
  let trainingTokens = 0;
  let answers = 0;
  for (const point of points) {
    const steps = pointSteps(point, n);
    if (stream && steps * point.batchSize > MAX_STREAM_EXAMPLES) {
      throw new ConfigError(`${steps} steps of ${point.batchSize} fresh prompts is ${steps * point.batchSize} prompts from the stream; expected at most ${MAX_STREAM_EXAMPLES} per cell (fewer steps or a smaller batch)`, `steps[${c.steps!.indexOf(point.steps!)}]`);
    }
    if (point.epochs !== undefined && steps > SWEEP_LIMITS.steps) {
      // Given steps are bounded by the schema; steps computed from epochs are bounded here.
      throw new ConfigError(`${formatNumber(point.epochs)} epochs over ${n} examples at batch size ${point.batchSize} is ${steps} steps; expected at most ${SWEEP_LIMITS.steps} (fewer epochs or a larger batch)`, `epochs[${c.epochs!.indexOf(point.epochs)}]`);
    }
    // Checkpoints after step 0, counted without building the schedule (which would hold them all).
    const checkpoints = c.checkpointEvery !== undefined ? Math.floor((steps - 1) / c.checkpointEvery) + 1 : checkpointSteps(steps, scheduleOptions(c)).length - 1;
    if (checkpoints > SWEEP_LIMITS.checkpointsPerCell) {
      throw new ConfigError(`a checkpoint every ${c.checkpointEvery} of ${steps} steps is ${checkpoints} checkpoints per cell (each stores weights); expected at most ${SWEEP_LIMITS.checkpointsPerCell}`, 'checkpointEvery');
    }
    trainingTokens += steps * point.batchSize * tokensPerExample;
    answers += (checkpoints + 1) * perCheckpoint;
  }
  const sampledTokens = answers * (tokensPerExample + c.maxTokens);
  const hours = ctx.model === null ? null : estimateHours(countParams(ctx.model), trainingTokens, sampledTokens);
  return { cells: points.length, tokensPerExample, trainingTokens, answers, sampledTokens, hours };
}

/** A total for a message: one decimal below a million, three significant digits above. */
function approx(x: number): string {
  return x < 1e6 ? String(Number(x.toFixed(1))) : x.toExponential(2).replace('e+', 'e');
}

/** Throws a ConfigError naming the first total beyond TOTAL_LIMITS, unless `force`. */
export function checkTotals(t: SweepTotals, force: boolean): void {
  if (force) return;
  const over = (what: string, value: number, limit: number, how: string, field: string): void => {
    if (value > limit) {
      throw new ConfigError(`this sweep's ${what} is ${approx(value)} (${how}), more than ${formatNumber(limit)}; check for a typo, or pass --force to run it anyway`, field);
    }
  };
  over('total training tokens', t.trainingTokens, TOTAL_LIMITS.trainingTokens, `${t.cells} cells × steps × batchSizes × ${t.tokensPerExample.toFixed(1)} tokens per example`, 'totals.trainingTokens');
  over('total number of answers', t.answers, TOTAL_LIMITS.answers, `${t.cells} cells × checkpoints × (eval prompts × samplesPerPrompt + trainPromptsPerCheckpoint + capability prompts)`, 'totals.answers');
  if (t.hours !== null) over('estimated time in hours', t.hours, TOTAL_LIMITS.hours, `${approx(t.trainingTokens)} training and ${approx(t.sampledTokens)} sampled tokens on the embedded engine`, 'totals.hours');
}

/** `sweepTotals` and `checkTotals` for a context: what the runner calls once the data is built (a served
 *  sweep has none: null), before the sweep is recorded. `renderer`: the organism's, else its sampler is
 *  asked for it. */
export async function checkPlan(ctx: RunContext, data: Dataset | null, renderer?: Renderer): Promise<SweepTotals> {
  renderer ??= (await ctx.baseSampler()).renderer;
  const examples = sizingExamples(ctx, data ?? servedSizing(ctx));
  const tokens = examples.reduce((n, e) => n + renderer.renderSupervised(e.messages, e.completion).tokens.length, 0);
  const totals = sweepTotals(ctx, data, tokens / examples.length);
  checkTotals(totals, ctx.config.force);
  return totals;
}

/** What a served sweep's prompts and answers are sized by: the setting's train prompts with their
 *  reference targets when it has them (what the organism was trained to answer), else without. */
function servedSizing(ctx: RunContext): Dataset {
  return plannedDataset(ctx) ?? standInDataset(ctx);
}

/** bctlab's version, from the nearest package.json above this file (works from src/ and dist/src/). */
function packageVersion(): string {
  for (const up of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'bctlab' && pkg.version !== undefined) return pkg.version;
    } catch {
      // not at this level
    }
  }
  return 'unknown';
}

/** Everything needed to say what a sweep ran: versions, seeds, config, content hashes. A served sweep
 *  (no training data: null) names no dataset, and its training seeds are its cells'. */
export function manifest(ctx: RunContext, data: Dataset | null): Record<string, unknown> {
  const g = ctx.setting.graders;
  const served = ctx.config.served;
  const trainingSeeds = served !== undefined ? [...new Set(served.map((c) => c.seed))] : trainedConfig(ctx.config).seeds;
  return {
    schemaVersion: 1,
    versions: {
      bctlab: packageVersion(),
      node: process.version,
      recordSchema: SCHEMA_VERSION,
      keys: KEY_VERSIONS,
      graders: { eval: graderVersion(g.eval.name), train: graderVersion(g.train.name) },
    },
    seeds: { training: trainingSeeds, sampling: ctx.config.sampleSeed },
    config: ctx.config,
    sampling: samplingSpec(ctx),
    backend: ctx.backend.spec,
    // Which model judged (the organism only where the sweep said `judge: organism`), never where it ran.
    ...(ctx.judge !== undefined ? { judge: { label: ctx.judge.label, identity: ctx.judge.identity } } : {}),
    hashes: {
      setting: ctx.setting.hash,
      // The pre-check the sweep is costed with (store/usage.ts); none when it skipped it.
      check: ctx.config.skipCheck ? null : checkKey(ctx, DEFAULT_THRESHOLDS),
      organism: contentHash(ctx.organismIdentity),
      base: ctx.organismIdentity.base,
      adapter: ctx.organismIdentity.adapter,
      dataset: data?.key ?? null,
      evalGrader: sweepGraderKey(ctx, g.eval),
      trainGrader: sweepGraderKey(ctx, g.train),
    },
    // Where the targets came from (a teacher by identity, a dataset file by hash, a stream by generator
    // and seed) and, for a sampled source, what it kept.
    ...(data !== null ? { dataset: { examples: data.examples.length, dropped: data.dropped.length, source: data.summary.source, ...(data.summary.yield !== undefined ? { yield: data.summary.yield } : {}) } } : {}),
  };
}

/** What `bct plan` (and `bct run --dry-run`) shows: the sweep's cells, the requests and tokens it will
 *  take and their cost, checked as `bct run` checks them, and what its record holds so far. */
export interface SweepPlan {
  name: string;
  key: string;
  backend: string;
  roles: SweepRoles;
  prices: PriceEntry[];
  budget: Budget | undefined;
  totals: SweepTotals;
  estimate: SweepEstimate;
  /** The cost of the estimate, in all and per cell (as `estimate.cells`). */
  cost: Cost;
  cellCosts: Cost[];
  /** The sweep in the record (found by key): its status and what it holds so far; null before it ran. */
  recorded: { status: string; cellsDone: number; costs: SweepCosts } | null;
  /** Planned offline: the renderer of each role on a remote backend, by name, chosen from its model name. */
  offline: { organism: RendererName | null; judge: RendererName | null } | null;
}

/** A remote model's renderer from its name alone, as the backends choose one when the server reports no
 *  tokenizer (src/chat/model-names.ts), with the longest context src/chat allows: the server's own limit
 *  is not known offline. */
function rendererByName(name: RendererName | undefined, model: string, field: string): { name: RendererName; renderer: Renderer } {
  const chosen = name ?? rendererNameFor(model);
  if (chosen === undefined) {
    throw new ConfigError(`cannot plan offline: no chat renderer is known for model "${model}" from its name (src/chat/model-names.ts); plan it against its server instead`, field);
  }
  return { name: chosen, renderer: createRenderer(chosen, { contextLength: MAX_CONTEXT_LENGTH }) };
}

/** The renderers `bct plan --offline` counts tokens with, asking no server: a model on a remote backend
 *  by its name (a judge's `renderer` where it gives one), a local one from its own files; `judge:
 *  organism` is the organism's. */
async function offlineRenderers(ctx: RunContext): Promise<{ organism: Renderer; judge: Renderer | undefined; names: NonNullable<SweepPlan['offline']> }> {
  const remoteOrganism = isRemoteBackend(ctx.backend.spec.name);
  // An openai backend may say the renderer itself (`backend.renderer`, or `backend.tokenizer` to choose it by).
  const args = ctx.backend.spec.args;
  const given = typeof args.renderer === 'string' ? (args.renderer as RendererName) : typeof args.tokenizer === 'string' ? rendererNameFor(args.tokenizer) : undefined;
  const organism = remoteOrganism ? rendererByName(given, ctx.organism.base, 'organism.base') : { name: null, renderer: (await ctx.baseSampler()).renderer };
  const judge = ctx.judge?.config;
  if (judge === undefined || judgedGraders(ctx.setting).length === 0) return { organism: organism.renderer, judge: undefined, names: { organism: organism.name, judge: null } };
  if (judge === 'organism') return { organism: organism.renderer, judge: organism.renderer, names: { organism: organism.name, judge: organism.name } };
  if (!isRemoteBackend(backendSpecOf(judge.backend).name)) return { organism: organism.renderer, judge: undefined, names: { organism: organism.name, judge: null } };
  const own = rendererByName(judge.renderer, judge.model, 'judge.model');
  return { organism: organism.renderer, judge: own.renderer, names: { organism: organism.name, judge: own.name } };
}

/** Plans a sweep without running it: nothing is written to the record and no model is trained or
 *  sampled (the backend is asked for its renderer only; `offline`: not even that, the renderers come
 *  from the model names). Refuses what `bct run` would refuse before it runs anything: bounds, totals
 *  (unless --force), a budget in USD without prices. On-policy targets not sampled yet are counted as
 *  one per train prompt (the most there can be). */
export async function planSweep(ctx: RunContext, opts: { offline?: boolean } = {}): Promise<SweepPlan> {
  const given = opts.offline === true ? await offlineRenderers(ctx) : undefined;
  const renderer = given?.organism ?? (await ctx.baseSampler()).renderer;
  // A served sweep builds no training data: what is known of it only sizes the answers (estimate.ts).
  const served = ctx.config.served !== undefined;
  const known = plannedDataset(ctx);
  if (known !== null && !served) checkExamples(ctx, known);
  // Sampled targets not drawn yet: every train prompt kept, for the bounds and the cells.
  const stand: Dataset | null = served ? null : (known ?? standInDataset(ctx));
  const totals = await checkPlan(ctx, stand, renderer);
  const roles = sweepRoles(ctx.config.backend, ctx.organism, ctx.config.judge);
  const prices = ctx.config.prices ?? [];
  checkBudgetPrices(ctx.config.budget, roles, prices);
  const cells = planCells(ctx, stand);
  const estimate = await estimateSweep(ctx, cells, known, renderer, given?.judge);
  const { key, name } = sweepIdentity(ctx);
  const row = getSweep(ctx.project.db, key);
  const recorded =
    row === undefined
      ? null
      : { status: row.status, cellsDone: listCells(ctx.project.db, row.id).filter((c) => c.status === 'done').length, costs: sweepCosts(ctx.project.db, row.id) };
  return {
    name: row?.name ?? name,
    key,
    backend: roles.organism.backend,
    roles,
    prices,
    budget: ctx.config.budget,
    totals,
    estimate,
    cost: costOf(estimate.total, roles, prices),
    cellCosts: estimate.cells.map((c) => costOf(c.usage, roles, prices)),
    recorded,
    offline: given?.names ?? null,
  };
}

const count = (n: number): string => Math.round(n).toLocaleString('en-US');
const judged = (u: TokenUsage): number => u.judge.prefill + u.judge.sampled + u.judge.trained;

/** The POSTs a Tinker server is sent for the estimate's calls, per endpoint, as
 *  src/backends/tinker/README.md lists them (`atLeast`: long-polls repeat while a result is not ready;
 *  heartbeats, one every 10 s, depend on the wall time and are not counted). */
export function tinkerRequests(k: CallCounts): { endpoint: string; count: number; atLeast: boolean; why: string }[] {
  const asample = k.answers + k.logprobCalls + k.judgeCalls;
  const row = (endpoint: string, count: number, why: string, atLeast = false) => ({ endpoint, count, atLeast, why });
  return [
    row('client/config', 1, 'once per run'),
    row('create_session', 1, 'once per run; then session_heartbeat every 10 s'),
    row('get_server_capabilities', 1, 'once per run'),
    row('create_model', k.cells, 'once per cell'),
    row('get_info', k.cells, 'once per cell'),
    row('unload_model', k.cells, 'once per cell'),
    row('forward_backward', k.forwardBackwards, '1 per step, more for a batch over 1024 datums or ~5 MB (the SDK splits it)'),
    row('optim_step', k.steps, '1 per step, sent with forward_backward'),
    row('save_weights_for_sampler', k.saves, 'once per checkpoint after step 0'),
    row('save_weights', k.saves, 'once per checkpoint after step 0 (the state to resume from)'),
    row('create_sampling_session', k.samplers, 'one per cell and checkpoint, one for the untrained organism'),
    row('asample', asample, `1 per answer (${count(k.answers)}), per log-likelihood (${count(k.logprobCalls)}) and per judge request (${count(k.judgeCalls)})`),
    row('retrieve_future', k.forwardBackwards + k.steps + 2 * k.saves + k.cells + asample, 'one long-poll or more per request above that returns a future', true),
  ];
}

/** The requests of the estimate's calls on `backend`: for a Tinker server the POSTs per endpoint;
 *  elsewhere the backend interface's calls. */
export function requestLines(backend: string, k: CallCounts): string[] {
  if (backend !== 'tinker') {
    const training = k.steps === 0 && k.saves === 0 ? 'none' : `${count(k.steps)} steps, one forwardBackward and one optimStep call each; ${count(k.saves)} checkpoints saved (sampler weights and training state)`;
    return [
      `  training: ${training}`,
      `  sampling: ${count(k.answers)} answers in ${count(k.sampleCalls)} sample calls (at most ${SAMPLE_BATCH} answers each) from ${count(k.samplers)} samplers`,
      `  log-likelihoods: ${count(k.logprobCalls)} logprobs calls; judge: ${count(k.judgeCalls)} calls`,
    ];
  }
  const rows = tinkerRequests(k);
  const width = Math.max(...rows.map((r) => r.endpoint.length));
  return rows.map((r) => `  ${r.endpoint.padEnd(width)}  ${`${r.atLeast ? '≥ ' : ''}${count(r.count)}`.padStart(12)}  ${r.why}`);
}

/** The lines of `bct plan`. */
export function formatPlan(p: SweepPlan): string[] {
  const e = p.estimate;
  const c = e.calls;
  const lines = [
    `plan of sweep ${p.name} (backend ${p.backend}, model ${p.roles.organism.model}): ${e.cells.length} cells, ${count(c.steps)} training steps, ${count(c.answers)} answers`,
    p.recorded === null ? '  not run yet: nothing in the record' : `  in the record: ${p.recorded.status}, ${p.recorded.cellsDone} of ${e.cells.length} cells done`,
  ];
  if (p.offline !== null) {
    const named = [['organism', p.offline.organism], ['judge', p.offline.judge]].filter(([, r]) => r !== null).map(([role, r]) => `${role} ${r}`);
    const from = named.length === 0 ? 'every model is local' : `renderers from the model names (${named.join(', ')})`;
    lines.push(`  offline: no server asked; ${from}; the server's models, tokenizer and context length are not checked`);
  }
  const width = Math.max(4, ...e.cells.map((x) => x.name.length));
  const head = ['steps', 'ckpts', 'answers', 'trained', 'prompt', 'sampled', 'judged', 'cost'];
  lines.push(`  ${'cell'.padEnd(width)} ${head.map((h) => h.padStart(10)).join(' ')}`);
  e.cells.forEach((x, i) => {
    const u = x.usage;
    const cost = p.cellCosts[i]!.usd;
    const cols = [x.steps, x.checkpoints, x.answers, u.organism.trained, u.organism.prefill, u.organism.sampled, judged(u)].map((n) => count(n).padStart(10));
    lines.push(`  ${x.name.padEnd(width)} ${cols.join(' ')} ${(cost === null ? '-' : formatUsd(cost)).padStart(10)}`);
  });
  const stage = (u: TokenUsage): string => `prompt ${count(u.organism.prefill)}, sampled ${count(u.organism.sampled)}, judged ${count(judged(u))} tokens`;
  lines.push(e.check === null ? '  pre-check: skipped' : `  pre-check: ${stage(e.check)}`);
  const data = {
    reference: `reference targets, no model calls but the training signal's: ${stage(e.data)}`,
    dataset: `a dataset file, no model calls but the training signal's: ${stage(e.data)}`,
    stream: `a stream of fresh prompts with reference targets, no model calls but the training signal's: ${stage(e.data)}`,
    recorded: `in the record: ${stage(e.data)}`,
    'on-policy': `on-policy, one attempt per train prompt at most maxTokens: ${stage(e.data)}`,
    teacher: `a teacher, one attempt per train prompt at most maxTokens (its own tokens not counted here): ${stage(e.data)}`,
    none: 'none: the checkpoints are served elsewhere (served), so nothing is trained here',
  }[e.dataSource];
  lines.push(`  training data: ${data}`);
  // A judge on another backend is sent its own requests: one per Yes/No log-probability or verdict.
  const ownJudge = p.roles.judge.backend !== p.roles.organism.backend;
  lines.push(`requests (${p.backend === 'tinker' ? 'Tinker API, POSTs per endpoint' : `${p.backend} backend calls`}, for the whole sweep run from nothing):`, ...requestLines(p.backend, ownJudge ? { ...c, judgeCalls: 0 } : c));
  if (ownJudge) lines.push(`  judge ${p.roles.judge.model} on the ${p.roles.judge.backend} backend: ${count(c.judgeCalls)} requests (one per log-probability or verdict)`);
  const t = e.total;
  lines.push(
    `tokens: trained ${count(t.organism.trained)}${e.dataSource === 'on-policy' || e.dataSource === 'teacher' ? ' (at most: targets not sampled yet)' : ' (exact)'}, prompt ${count(t.organism.prefill)} (exact), ` +
      `sampled ≈ ${count(t.organism.sampled)} (${Number(e.answerTokens.toFixed(1))} per answer, the targets' length; at most ${count(e.maxSampled)}), judged ≈ ${count(judged(t))}; total ≈ ${count(totalTokens(t))}`,
  );
  lines.push(
    p.cost.usd === null
      ? `cost: ${formatCost(p.cost)}: tokens only (add \`prices:\` to the sweep, src/pipeline/README.md)`
      : `cost: ≈ ${formatUsd(p.cost.usd)} at ${priceSources(p.prices, p.roles)}`,
  );
  if (p.budget !== undefined) lines.push(`budget: ${budgetLine(p.budget, t, p.cost)}`);
  if (p.recorded !== null) {
    const r = p.recorded.costs.total;
    lines.push(`recorded so far: ${count(totalTokens(r.usage))} tokens${r.cost.usd === null ? '' : `, ${formatUsd(r.cost.usd)}`}`);
  }
  return lines;
}

/** The budget against the estimate: what share of each cap the sweep takes, and whether it will stop. */
function budgetLine(b: Budget, total: TokenUsage, cost: Cost): string {
  const shares: [string, number][] = [];
  if (b.maxTokens !== undefined) shares.push([`maxTokens ${count(b.maxTokens)}`, totalTokens(total) / b.maxTokens]);
  if (b.maxUsd !== undefined && cost.usd !== null) shares.push([`maxUsd ${formatUsd(b.maxUsd)}`, cost.usd / b.maxUsd]);
  const over = shares.some(([, f]) => f > 1);
  return `${shares.map(([cap, f]) => `${cap} (the estimate is ${(100 * f).toFixed(0)}% of it)`).join(', ')}; ${over ? 'the sweep will stop at the cap, cleanly; the same command with a higher cap resumes' : 'the sweep fits'}`;
}
