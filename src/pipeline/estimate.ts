// What a sweep will take before it runs: tokens per cell and role, and requests per backend. Counted
// with the rules the record counts by (store/usage.ts), with the organism's renderer, so that what can
// be known exactly is: trained tokens (each cell's batches are a pure function of its seed and step,
// `batchIndices`), prompt tokens of every answer, and the tokens of every log-probability request. Only
// the length of the answers a model will give is a guess: the length of the setting's own targets
// (the answers the organism is trained to give), at most maxTokens; `maxSampled` bounds it.
import { continuationSpan, type LogprobsOptions, type Renderer, type SamplingClient } from '../backends/index.js';
import type { ChatMessage, Prompt } from '../domain/index.js';
import { MODEL_GRADED, type GradeSample, type GraderSpec } from '../graders/index.js';
import { addTokens, addUsage, getCheck, getDataset, zeroUsage, type CellRow, type CheckpointRow, type NewCell, type RoleTokens, type TokenUsage } from '../store/index.js';
import { checkSubset, DEFAULT_THRESHOLDS } from './check.js';
import { organismPrompt, type RunContext } from './context.js';
import { signalExamples, sizingExamples, standInDataset, type Dataset } from './data.js';
import { dataSourceOf } from './data-source.js';
import { splitGraders } from './grade.js';
import { judgedGraders, judgeGoldSet } from './judge.js';
import { checkKey, dataKey, sweepGraderKey } from './keys.js';
import { meteredGrader } from './metered.js';
import { SAMPLE_BATCH, sampleJobs } from './sample.js';
import { trainedTokens, trainingBatches } from './train.js';

/** The prompt's tokens and those of `text` after it, as a log-probability request reads and scores them:
 *  what the renderer trains on after the prompt, without the end-of-turn tokens it ends with (how both
 *  backends score a continuation). */
export function continuationTokens(renderer: Renderer, messages: readonly ChatMessage[], text: string, opts: LogprobsOptions = {}): { prompt: number; continuation: number } {
  const { prompt, end } = continuationSpan(renderer, new Set(renderer.stopTokens), messages, text, opts);
  return { prompt: prompt.length, continuation: end - prompt.length };
}

/** `text` as an answer of at most `maxTokens` tokens to `messages`: its first maxTokens tokens decoded
 *  (as the sampler decodes them: a qwen3 think block counts in maxTokens, and is dropped). */
function withinTokens(renderer: Renderer, messages: readonly ChatMessage[], text: string, maxTokens: number): string {
  const { prompt, full, end } = continuationSpan(renderer, new Set(renderer.stopTokens), messages, text);
  return end - prompt.length <= maxTokens ? text : renderer.decode(full.slice(prompt.length, prompt.length + maxTokens));
}

/** A judge that scores and answers nothing, so a grader can be run to count what it asks of its judge:
 *  every log-probability request's tokens, and for a sampled verdict the longest one allowed. */
function countingJudge(renderer: Renderer, calls: { n: number }): SamplingClient {
  return {
    renderer,
    async sample(prompts, params) {
      calls.n += prompts.length;
      const samples = prompts.map(() => ({ text: '', tokens: new Array<number>(params.maxTokens).fill(0), finishReason: 'length' as const }));
      return { samples, promptTokens: prompts.reduce((s, p) => s + renderer.renderPrompt(p.messages).length, 0), completionTokens: prompts.length * params.maxTokens, latencyMs: 0 };
    },
    async logprobs(prompt, continuation, opts) {
      calls.n++;
      const tokens = new Array<number>(continuationTokens(renderer, prompt, continuation, opts).continuation).fill(0);
      return { logprob: 0, tokens, tokenLogprobs: tokens, latencyMs: 0 };
    },
    close: async () => {},
  };
}

/** Answers a judge is asked about, per split, are estimated from this many of them. */
const JUDGE_PROBES = 16;

/** What the labels of `answers` cost their judge (tokens and requests), with the judge's renderer;
 *  nothing for a grader that calls no model. */
async function judgeOfAnswers(spec: GraderSpec, renderer: Renderer, answers: readonly GradeSample[], where: string): Promise<{ tokens: RoleTokens; calls: number }> {
  const none = { tokens: { trained: 0, prefill: 0, sampled: 0 }, calls: 0 };
  if (!MODEL_GRADED.has(spec.name) || answers.length === 0) return none;
  const calls = { n: 0 };
  const grade = meteredGrader(spec, countingJudge(renderer, calls), where);
  let sum = none.tokens;
  for (const a of answers) sum = addTokens(sum, (await grade(a)).judge);
  return { tokens: sum, calls: calls.n };
}

/** What one answer's label costs its judge, averaged over a few of the split's prompts with the answer
 *  the setting expects of them. */
async function judgePerAnswer(spec: GraderSpec, renderer: Renderer, prompts: readonly Prompt[], answerOf: (p: Prompt) => string, where: string): Promise<{ tokens: RoleTokens; calls: number }> {
  const probes = prompts.slice(0, JUDGE_PROBES);
  const all = await judgeOfAnswers(spec, renderer, probes.map((p) => ({ prompt: p, completion: answerOf(p) })), where);
  return probes.length === 0 ? all : { tokens: times(all.tokens, 1 / probes.length), calls: all.calls / probes.length };
}

const times = (t: RoleTokens, k: number): RoleTokens => ({ trained: t.trained * k, prefill: t.prefill * k, sampled: t.sampled * k });

export interface CellEstimate {
  name: string;
  steps: number;
  /** Checkpoints sampled, step 0 included. */
  checkpoints: number;
  answers: number;
  usage: TokenUsage;
}

/** The sweep's calls by kind, run from nothing, for the requests each backend makes of them (plan.ts). */
export interface CallCounts {
  cells: number;
  steps: number;
  /** Checkpoints saved (after step 0): sampler weights and training state each. */
  saves: number;
  /** Sampling clients: one per cell and checkpoint, and the untrained organism's. */
  samplers: number;
  answers: number;
  /** `sample` calls of the embedded backend: batches of at most SAMPLE_BATCH answers, per parameter set. */
  sampleCalls: number;
  /** Log-likelihoods: the capability NLL sets' at every checkpoint, and the training signal's (one per
   *  example it scores, data.ts `signalExamples`). */
  logprobCalls: number;
  /** Requests of model-graded graders to their judge. */
  judgeCalls: number;
  /** forward_backward requests on a Tinker server: one per step, more where the SDK splits a batch. */
  forwardBackwards: number;
}

/** One sweep-level stage: what the record will hold for it (its recorded tokens once it ran), and its
 *  calls when run from nothing. */
interface StageEstimate {
  usage: TokenUsage;
  answers: number;
  sampleCalls: number;
  logprobCalls: number;
  judgeCalls: number;
}

export interface SweepEstimate {
  cells: CellEstimate[];
  /** The pre-check (null: skipped) and the training data. */
  check: TokenUsage | null;
  data: TokenUsage;
  /** How the data's tokens are known: `reference`, `dataset`, `stream` (no model calls but the training
   *  signal's: exact), `recorded` (the record's count), or `on-policy` / `teacher` (one attempt per train
   *  prompt of maxTokens: fewer attempts, longer answers than may be; a teacher's own tokens are not
   *  counted); `none` for a served sweep, which builds no training data. */
  dataSource: 'reference' | 'dataset' | 'stream' | 'recorded' | 'on-policy' | 'teacher' | 'none';
  total: TokenUsage;
  /** The organism's sampled tokens if every answer ran to maxTokens: the bound on the one guess. */
  maxSampled: number;
  /** Answer tokens the estimate assumes: the training targets' mean, 1 … maxTokens. */
  answerTokens: number;
  calls: CallCounts;
}

/** What a sweep's record will hold once it ran (store/usage.ts counts the same), with the organism's
 *  renderer (and the judge's, else the judge's sampler is asked for it). `cells` are planCells' output;
 *  `data` the training data (recorded, or the reference targets), or null for on-policy targets not
 *  sampled yet; for a served sweep, which trains nothing, what sizes its answers (the reference targets,
 *  or null: maxTokens). Reads the record, writes nothing. */
export async function estimateSweep(ctx: RunContext, cells: readonly NewCell[], data: Dataset | null, renderer: Renderer, judgeRendererGiven?: Renderer): Promise<SweepEstimate> {
  const c = ctx.config;
  const s = ctx.setting;
  const served = c.served !== undefined;
  const target = s.targets.kind === 'reference' ? s.targets.target : null;
  // What a judge is shown of an answer: the target, cut as the sampler cuts answers at maxTokens.
  const answerOf = (p: Prompt): string => withinTokens(renderer, p.messages, target?.(p) ?? '', c.maxTokens);
  // The judge's tokens are counted with the judge's own renderer (another model's, unless judge: organism).
  const judgeRenderer = judgedGraders(s).length === 0 ? renderer : (judgeRendererGiven ?? (await ctx.judgeSampler()).renderer);

  // Training datums, and the length of the answers they teach. Targets not sampled yet: the prompt and
  // the longest answer. A stream's cells are counted prompt by prompt (`trainingBatches`).
  const stream = data !== null && data.summary.source.kind === 'stream';
  const examples = data === null ? standInDataset(ctx).examples : sizingExamples(ctx, data);
  const lengths = examples.map((e) => renderer.renderSupervised(e.messages, e.completion).tokens.length + (data === null ? c.maxTokens : 0));
  const taught = data === null ? [] : examples.map((e) => continuationTokens(renderer, e.messages, e.completion).continuation);
  const answerTokens = taught.length === 0 ? c.maxTokens : Math.min(c.maxTokens, Math.max(1, taught.reduce((a, b) => a + b, 0) / taught.length));

  // One checkpoint's work, the same at every checkpoint of every cell: the answers (sampleJobs lays them
  // out as the sample stage does), the NLL sets' log-likelihoods, and the labels' judge.
  const probeCell: CellRow = { ...cells[0]!, id: 0, sweep_id: 0, status: 'pending', error: null, updated_at: '' };
  const step0: CheckpointRow = { id: 0, train_key: probeCell.train_key, step: 0, weights_hash: null, state_hash: null, examples_seen: 0, created_at: '', served_model: null };
  const jobs = sampleJobs(ctx, probeCell, step0);
  const perCheckpoint = zeroUsage();
  perCheckpoint.organism.prefill = jobs.reduce((n, j) => n + renderer.renderPrompt(j.prompt.messages).length, 0);
  perCheckpoint.organism.sampled = jobs.length * answerTokens;
  const groups = new Map<string, number>();
  for (const j of jobs) groups.set(JSON.stringify(j.params), (groups.get(JSON.stringify(j.params)) ?? 0) + 1);
  const sampleCallsPerCheckpoint = [...groups.values()].reduce((n, k) => n + Math.ceil(k / SAMPLE_BATCH), 0);
  let logprobsPerCheckpoint = 0;
  for (const e of s.capabilityEvals) {
    if (e.kind !== 'nll') continue;
    for (const pair of e.pairs) {
      const t = continuationTokens(renderer, organismPrompt(ctx, pair.prompt).messages, pair.completion);
      perCheckpoint.organism.prefill += t.prompt + t.continuation;
      logprobsPerCheckpoint++;
    }
  }
  let judgeCallsPerCheckpoint = 0;
  for (const g of splitGraders(ctx)) {
    const answered = jobs.filter((j) => j.split === g.split).map((j) => j.prompt);
    const per = await judgePerAnswer(g.spec, judgeRenderer, answered, answerOf, g.where);
    perCheckpoint.judge = addTokens(perCheckpoint.judge, times(per.tokens, answered.length));
    judgeCallsPerCheckpoint += per.calls * answered.length;
  }

  const planned: CellEstimate[] = cells.map((cell) => {
    const checkpoints = (JSON.parse(cell.schedule_json) as { steps: number[] }).steps.length;
    // A served cell's steps were trained elsewhere: here it trains none.
    const steps = served ? 0 : cell.steps;
    const usage: TokenUsage = {
      organism: {
        ...times(perCheckpoint.organism, checkpoints),
        trained: served ? 0 : stream ? trainingBatches(ctx, data, renderer, cell.batch_size, cell.seed).tokens(1, steps) : trainedTokens(lengths, cell.batch_size, steps, cell.seed),
      },
      judge: times(perCheckpoint.judge, checkpoints),
    };
    return { name: cell.name, steps, checkpoints, answers: jobs.length * checkpoints, usage };
  });

  const check = ctx.config.skipCheck ? null : await estimateCheck(ctx, renderer, judgeRenderer, answerTokens, answerOf);
  const nothingBuilt: StageEstimate = { usage: zeroUsage(), answers: 0, sampleCalls: 0, logprobCalls: 0, judgeCalls: 0 };
  const built = served ? { stage: nothingBuilt, source: 'none' as const } : await estimateData(ctx, data, renderer, judgeRenderer, answerOf);
  const stages = [check, built.stage].filter((x): x is StageEstimate => x !== null);
  const total = [...stages.map((x) => x.usage), ...planned.map((p) => p.usage)].reduce(addUsage, zeroUsage());
  const checkpoints = planned.reduce((n, p) => n + p.checkpoints, 0);
  const guessed = planned.reduce((n, p) => n + p.answers, 0) + (check?.answers ?? 0);
  // The SDK's split of a batch: at most 1024 datums and about 5 MB (30 bytes per target position).
  const meanLength = lengths.reduce((a, b) => a + b, 0) / lengths.length;
  const requestsPerStep = (batch: number): number => Math.max(Math.ceil(batch / 1024), Math.ceil((batch * (meanLength - 1) * 30) / 5e6));
  return {
    cells: planned,
    check: check?.usage ?? null,
    data: built.stage.usage,
    dataSource: built.source,
    total,
    maxSampled: total.organism.sampled + guessed * (c.maxTokens - answerTokens),
    answerTokens,
    calls: {
      cells: cells.length,
      steps: planned.reduce((n, p) => n + p.steps, 0),
      saves: served ? 0 : checkpoints - cells.length,
      samplers: checkpoints + 1,
      answers: planned.reduce((n, p) => n + p.answers, 0) + stages.reduce((n, x) => n + x.answers, 0),
      sampleCalls: sampleCallsPerCheckpoint * checkpoints + stages.reduce((n, x) => n + x.sampleCalls, 0),
      logprobCalls: logprobsPerCheckpoint * checkpoints + stages.reduce((n, x) => n + x.logprobCalls, 0),
      judgeCalls: Math.round(judgeCallsPerCheckpoint * checkpoints + stages.reduce((n, x) => n + x.judgeCalls, 0)),
      forwardBackwards: planned.reduce((n, x, i) => n + x.steps * requestsPerStep(cells[i]!.batch_size), 0),
    },
  };
}

const recordedUsage = (json: string | null): TokenUsage => (json === null ? zeroUsage() : (JSON.parse(json) as TokenUsage));

/** The pre-check: the untrained organism's answers on the checked train and eval prompts (batches of
 *  32), their labels (a reference target is labelled too), and the judge's labels of the gold answers
 *  it is validated on (exact: the gold answers are known). Once recorded, its recorded tokens. */
async function estimateCheck(ctx: RunContext, renderer: Renderer, judgeRenderer: Renderer, answerTokens: number, answerOf: (p: Prompt) => string): Promise<StageEstimate> {
  const s = ctx.setting;
  const target = s.targets.kind === 'reference' ? s.targets.target : null;
  const train = checkSubset(s.trainPrompts).map((p) => organismPrompt(ctx, p));
  const evals = checkSubset(s.evalPrompts).map((p) => organismPrompt(ctx, p));
  const usage = zeroUsage();
  let judgeCalls = 0;
  for (const [prompts, spec, where] of [[train, s.graders.train, 'graders.train'], [evals, s.graders.eval, 'graders.eval']] as const) {
    usage.organism.prefill += prompts.reduce((n, p) => n + renderer.renderPrompt(p.messages).length, 0);
    usage.organism.sampled += prompts.length * answerTokens;
    const per = await judgePerAnswer(spec, judgeRenderer, prompts, answerOf, where);
    const labels = prompts.length + prompts.filter((p) => target?.(p) != null).length;
    usage.judge = addTokens(usage.judge, times(per.tokens, labels));
    judgeCalls += per.calls * labels;
  }
  for (const g of judgedGraders(s)) {
    const gold = await judgeOfAnswers(g.spec, judgeRenderer, judgeGoldSet(s, g)?.gold ?? [], g.where);
    usage.judge = addTokens(usage.judge, gold.tokens);
    judgeCalls += gold.calls;
  }
  const recorded = getCheck(ctx.project.db, checkKey(ctx, DEFAULT_THRESHOLDS));
  return { usage: recorded === undefined ? usage : recordedUsage(recorded.usage_json), answers: train.length + evals.length, sampleCalls: Math.ceil(train.length / 32) + Math.ceil(evals.length / 32), logprobCalls: 0, judgeCalls };
}

/** The training signal's requests and tokens (data.ts `measuredSignal`): one log-probability request
 *  per example it scores, and for a source no grader kept (reference, dataset, stream) the train
 *  grader's labels of those targets. `data` null: sampled targets not drawn yet, each at maxTokens. */
async function estimateSignal(ctx: RunContext, data: Dataset | null, sampled: boolean, renderer: Renderer, judgeRenderer: Renderer): Promise<{ usage: TokenUsage; logprobCalls: number; judgeCalls: number }> {
  const usage = zeroUsage();
  const scored = signalExamples(ctx, data ?? standInDataset(ctx));
  for (const e of scored) {
    // Scored with the end of turn, as signalCheck asks (check.ts).
    const t = continuationTokens(renderer, e.messages, e.completion, { endOfTurn: true });
    usage.organism.prefill += t.prompt + (data === null ? ctx.config.maxTokens : t.continuation);
  }
  if (sampled) return { usage, logprobCalls: scored.length, judgeCalls: 0 };
  // The targets' labels: the grader reads each example's own completion.
  const byPrompt = new Map(scored.map((e) => [e.promptId, e.completion]));
  const per = await judgePerAnswer(ctx.setting.graders.train, judgeRenderer, scored.map((e) => ({ id: e.promptId, messages: e.messages })), (p) => byPrompt.get(p.id) ?? '', 'graders.train');
  usage.judge = times(per.tokens, scored.length);
  return { usage, logprobCalls: scored.length, judgeCalls: per.calls * scored.length };
}

/** Whether the run measures a recorded dataset's signal again (data.ts `withSignal`): the record has
 *  none (a dataset recorded before bctlab measured it), or one by another train grader. Those requests
 *  add no tokens to the record (the signal's tokens are recorded only with a dataset it builds). */
function signalMeasuredAgain(ctx: RunContext, data: Dataset): boolean {
  const signal = data.summary.signal;
  return signal === undefined || signal.compatible.graderKey !== sweepGraderKey(ctx, ctx.setting.graders.train);
}

/** The training data: the record's count once built (and the requests of a signal measured again);
 *  else the training signal's and, for sampled targets, one attempt of maxTokens per train prompt (all
 *  in one sampling call; a teacher's are its own tokens, not counted here) and its labels. */
async function estimateData(ctx: RunContext, data: Dataset | null, renderer: Renderer, judgeRenderer: Renderer, answerOf: (p: Prompt) => string): Promise<{ stage: StageEstimate; source: SweepEstimate['dataSource'] }> {
  const kind = dataSourceOf(ctx.config.data, ctx.setting).kind;
  const sampled = kind === 'on-policy' || kind === 'teacher';
  const recorded = getDataset(ctx.project.db, dataKey(ctx));
  if (data !== null && recorded !== undefined) {
    const again = signalMeasuredAgain(ctx, data) ? await estimateSignal(ctx, data, sampled, renderer, judgeRenderer) : { logprobCalls: 0, judgeCalls: 0 };
    return { stage: { usage: recordedUsage(recorded.usage_json), answers: 0, sampleCalls: 0, logprobCalls: again.logprobCalls, judgeCalls: again.judgeCalls }, source: 'recorded' };
  }
  const signal = await estimateSignal(ctx, data, sampled, renderer, judgeRenderer);
  const usage = signal.usage;
  const stage: StageEstimate = { usage, answers: 0, sampleCalls: 0, logprobCalls: signal.logprobCalls, judgeCalls: signal.judgeCalls };
  if (!sampled) return { stage, source: kind as 'reference' | 'dataset' | 'stream' };
  const prompts = ctx.setting.trainPrompts.map((p) => organismPrompt(ctx, p));
  if (kind === 'on-policy') {
    usage.organism.prefill += prompts.reduce((n, p) => n + renderer.renderPrompt(p.messages).length, 0);
    usage.organism.sampled += prompts.length * ctx.config.maxTokens;
  }
  const per = await judgePerAnswer(ctx.setting.graders.train, judgeRenderer, prompts, answerOf, 'graders.train');
  usage.judge = times(per.tokens, prompts.length);
  return {
    stage: { usage, answers: kind === 'on-policy' ? prompts.length : 0, sampleCalls: kind === 'on-policy' ? 1 : 0, logprobCalls: signal.logprobCalls, judgeCalls: per.calls * prompts.length },
    source: kind,
  };
}
