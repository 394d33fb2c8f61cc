// Stage `data`: the training examples of a sweep, from its data source (data-source.ts: the sweep's
// `data`, else the setting's own targets):
//  - reference: the setting's target of every train prompt (a prompt without one is dropped and listed);
//  - on-policy: the untrained organism's answers, kept when the train grader calls them compatible;
//  - teacher: another model's answers to the same prompts, kept the same way;
//  - dataset: the pairs of a JSONL file the user brings (dataset-file.ts);
//  - stream: no fixed examples: step s (from 1), slot k of a cell trains on prompt (s − 1)·B + k of the
//    setting's generator (B the cell's batch size), with its reference target (`streamExample`), so a
//    cell's data depends on its own batch size and steps only.
// Every example records its provenance; the dataset records its source, what a sampled source kept of
// what it drew, and the untrained organism's NLL on the targets (check.ts `signalCheck`). Stored under
// the data key.
import { createBackend, type SamplingClient } from '../backends/index.js';
import { BctError, ConfigError, DataError } from '../errors.js';
import { createGrader, MODEL_GRADED } from '../graders/index.js';
import type { ChatMessage, Prompt } from '../domain/index.js';
import { addTokens, contentHash, getDataset, putDataset, setDatasetSource, zeroUsage, type RoleTokens, type TokenUsage } from '../store/index.js';
import { formatSignal, signalCheck, SIGNAL_EXAMPLES, type SignalCheck } from './check.js';
import { organismPrompt, seedOf, type RunContext } from './context.js';
import { dataSourceOf, streamIdentity, teacherBackendSpec, type DataSource, type TeacherSource } from './data-source.js';
import { readDatasetFile } from './dataset-file.js';
import { dataKey, sweepGraderKey, teacherKey } from './keys.js';
import { metered, type Metered } from './metered.js';

/** Where one example's target came from. `attempt` counts from 0 (the first sample drawn). */
export type Provenance =
  | { kind: 'reference' }
  | { kind: 'on-policy'; attempt: number }
  | { kind: 'teacher'; teacher: string; attempt: number }
  | { kind: 'dataset'; file: string; line: number }
  | { kind: 'stream'; generator: string; seed: number; index: number };

export interface TrainExample {
  promptId: string;
  /** The prompt as the organism sees it (induction applied). */
  messages: ChatMessage[];
  completion: string;
  /** Absent in datasets recorded before bctlab recorded it (reference or on-policy targets). */
  provenance?: Provenance;
}

export interface Dropped {
  promptId: string;
  reason: string;
  /** Samples drawn for the prompt, for a sampled source. */
  attempts?: number;
}

/** What a sampled source (on-policy, teacher) kept of what it drew. */
export interface SampledYield {
  prompts: number;
  /** Prompts with a kept answer (one each). */
  kept: number;
  /** Samples drawn over all prompts. */
  drawn: number;
  /** keptAt[i]: prompts whose answer was kept at attempt i + 1. */
  keptAt: number[];
}

/** The source as the record names it: the resolved `data` source, with what identifies a teacher (its
 *  model's content hash), a dataset file (its bytes' hash) and a stream (its generator's fingerprint). */
export type SourceRecord =
  | Extract<DataSource, { kind: 'reference' | 'on-policy' }>
  | (TeacherSource & { identity: string })
  | { kind: 'dataset'; file: string; hash: string; pairs: number }
  | { kind: 'stream'; seed: number; generator: string; fingerprint: string };

/** `datasets.source_json`: where the targets came from, what was kept, and the training signal. */
export interface DataSummary {
  source: SourceRecord;
  yield?: SampledYield;
  /** Absent only in a dataset recorded before bctlab measured it and not run since. */
  signal?: SignalCheck;
}

export interface Dataset {
  key: string;
  /** Empty for a stream (its examples are drawn per step: `streamExample`). */
  examples: TrainExample[];
  dropped: Dropped[];
  summary: DataSummary;
}

/** The tokens of a dataset's model calls: the organism's, the judge's, and a teacher's (a role of its
 *  own, recorded with the dataset; not priced yet). */
type DataUsage = TokenUsage & { teacher?: RoleTokens };

function referenceTarget(ctx: RunContext): (p: Prompt) => string | null {
  const t = ctx.setting.targets;
  if (t.kind !== 'reference') throw new ConfigError(`setting "${ctx.setting.id}" has no reference targets`, 'data.kind');
  return t.target;
}

/** Example `index` of a stream dataset: the generator's prompt `index` for the source's seed, as the
 *  organism sees it, with its reference target. */
export function streamExample(ctx: RunContext, data: Dataset, index: number): TrainExample {
  const source = data.summary.source;
  if (source.kind !== 'stream') throw new ConfigError(`dataset ${data.key} is not a stream`, 'data');
  const raw = ctx.setting.trainPromptStream!.prompt(source.seed, index);
  const completion = referenceTarget(ctx)(raw);
  if (completion === null) throw new DataError(`the reference policy gives no target for prompt ${index} of the stream`, `data (stream seed ${source.seed})`);
  return { promptId: raw.id, messages: organismPrompt(ctx, raw).messages, completion, provenance: { kind: 'stream', generator: source.generator, seed: source.seed, index } };
}

/** The dataset the record holds for this context, if any (read only). */
export function recordedDataset(ctx: RunContext): Dataset | undefined {
  const key = dataKey(ctx);
  const stored = getDataset(ctx.project.db, key);
  if (stored === undefined) return undefined;
  // A dataset recorded before its source was: the source is the one its key was made from.
  const summary: DataSummary = stored.source_json === null ? { source: dataSourceOf(ctx.config.data, ctx.setting) as SourceRecord } : (JSON.parse(stored.source_json) as DataSummary);
  return { key, examples: JSON.parse(stored.examples_json) as TrainExample[], dropped: JSON.parse(stored.dropped_json) as Dropped[], summary };
}

/** The examples of a setting with reference targets: a pure function of the setting and the organism
 *  (no model call, nothing written), so a plan can count their tokens before anything runs. */
export function referenceDataset(ctx: RunContext, target: (p: Prompt) => string | null): Dataset {
  const examples: TrainExample[] = [];
  const dropped: Dropped[] = [];
  for (const p of ctx.setting.trainPrompts) {
    const completion = target(p);
    if (completion === null) dropped.push({ promptId: p.id, reason: 'the reference policy gives no target' });
    else examples.push({ promptId: p.id, messages: organismPrompt(ctx, p).messages, completion, provenance: { kind: 'reference' } });
  }
  return { key: dataKey(ctx), examples, dropped, summary: { source: { kind: 'reference' } } };
}

/** The pairs of a dataset file, as the organism sees their prompts. Pure: reads the file only. */
export function fileDataset(ctx: RunContext, file: string): Dataset {
  const f = readDatasetFile(file);
  const examples = f.pairs.map((p): TrainExample => ({
    promptId: p.id,
    messages: organismPrompt(ctx, { id: p.id, messages: p.messages }).messages,
    completion: p.completion,
    provenance: { kind: 'dataset', file: f.hash, line: p.line },
  }));
  return { key: dataKey(ctx), examples, dropped: [], summary: { source: { kind: 'dataset', file, hash: f.hash, pairs: f.pairs.length } } };
}

/** A stream: no fixed examples, its generator named. */
export function streamDataset(ctx: RunContext, seed: number): Dataset {
  return { key: dataKey(ctx), examples: [], dropped: [], summary: { source: { kind: 'stream', seed, ...streamIdentity(ctx.setting, seed) } } };
}

/** Prompts one cell draws from a stream at most: each is generated and rendered when it is trained on
 *  and when a plan counts its tokens (about 10 µs each for a microworld prompt). */
export const MAX_STREAM_EXAMPLES = 4_194_304;

/** Sampled targets not drawn yet, for a plan's bounds and cells: every train prompt kept, with an empty
 *  answer (the estimate counts each at maxTokens). */
export function standInDataset(ctx: RunContext): Dataset {
  const examples = ctx.setting.trainPrompts.map((p) => ({ promptId: p.id, messages: organismPrompt(ctx, p).messages, completion: '' }));
  return { key: dataKey(ctx), examples, dropped: [], summary: { source: dataSourceOf(ctx.config.data, ctx.setting) as SourceRecord } };
}

/** The examples a plan sizes training by: all of a fixed dataset, the first SIGNAL_EXAMPLES of a
 *  stream. */
export function sizingExamples(ctx: RunContext, d: Dataset): TrainExample[] {
  return d.summary.source.kind === 'stream' ? signalExamples(ctx, d) : d.examples;
}

/** What can be known of the data without a model call: the record's dataset, or the examples of a
 *  reference, dataset or stream source; null for sampled targets not drawn yet. Writes nothing. */
export function plannedDataset(ctx: RunContext): Dataset | null {
  const recorded = recordedDataset(ctx);
  if (recorded !== undefined) return recorded;
  const source = dataSourceOf(ctx.config.data, ctx.setting);
  if (source.kind === 'reference') return referenceDataset(ctx, referenceTarget(ctx));
  if (source.kind === 'dataset') return fileDataset(ctx, source.file);
  if (source.kind === 'stream') return streamDataset(ctx, source.seed);
  return null;
}

export async function dataStage(ctx: RunContext): Promise<Dataset> {
  const stored = recordedDataset(ctx);
  if (stored !== undefined) return withSignal(ctx, stored);
  const source = dataSourceOf(ctx.config.data, ctx.setting);
  const built = await buildDataset(ctx, source);
  // Not stored when empty: an empty output is never cached.
  checkExamples(ctx, built.data);
  if (source.kind === 'dataset') await checkRenders(ctx, built.data);
  const signal = await measuredSignal(ctx, built.data);
  const data = { ...built.data, summary: { ...built.data.summary, signal: signal.check } };
  const usage: DataUsage = { ...built.usage, organism: addTokens(built.usage.organism, signal.usage.organism), judge: addTokens(built.usage.judge, signal.usage.judge) };
  putDataset(ctx.project.db, data.key, data.examples, data.dropped, usage, data.summary);
  return data;
}

async function buildDataset(ctx: RunContext, source: DataSource): Promise<{ data: Dataset; usage: DataUsage }> {
  switch (source.kind) {
    case 'reference':
      return { data: referenceDataset(ctx, referenceTarget(ctx)), usage: zeroUsage() };
    case 'dataset':
      return { data: fileDataset(ctx, source.file), usage: zeroUsage() };
    case 'stream':
      return { data: streamDataset(ctx, source.seed), usage: zeroUsage() };
    case 'on-policy':
      return onPolicyDataset(ctx, source);
    case 'teacher':
      return teacherDataset(ctx, source);
  }
}

/** A ConfigError when every train prompt was dropped: there is nothing to train on. (A stream has no
 *  fixed examples: it draws them as it trains.) */
export function checkExamples(ctx: RunContext, d: Dataset): void {
  if (d.summary.source.kind === 'stream') return;
  if (d.examples.length === 0) throw new ConfigError(`no training examples: all ${d.dropped.length} train prompts were dropped (${d.dropped[0]?.reason ?? 'no prompts'})`, `setting ${ctx.setting.id}`);
}

/** Every pair of a dataset file must render with the organism's renderer (a microworld organism reads
 *  only the world's words): an error names the file and line here, before anything is trained. */
async function checkRenders(ctx: RunContext, d: Dataset): Promise<void> {
  const renderer = (await ctx.baseSampler()).renderer;
  const source = d.summary.source as Extract<SourceRecord, { kind: 'dataset' }>;
  for (const e of d.examples) {
    try {
      renderer.renderSupervised(e.messages, e.completion);
    } catch (err) {
      if (!(err instanceof BctError)) throw err;
      const line = e.provenance?.kind === 'dataset' ? e.provenance.line : 0;
      throw new DataError(`the organism's renderer cannot read this pair: ${err.message}`, `${source.file}:${line}`, { cause: err });
    }
  }
}

/** The examples the training signal is measured on: at most SIGNAL_EXAMPLES, a seeded subset of a fixed
 *  dataset, or the first of a stream (what its first steps train on). */
export function signalExamples(ctx: RunContext, d: Dataset): TrainExample[] {
  if (d.summary.source.kind === 'stream') return Array.from({ length: SIGNAL_EXAMPLES }, (_, i) => streamExample(ctx, d, i));
  if (d.examples.length <= SIGNAL_EXAMPLES) return d.examples;
  return [...d.examples].sort((a, b) => seedOf('signal', a.promptId) - seedOf('signal', b.promptId)).slice(0, SIGNAL_EXAMPLES);
}

/** The signal check of a dataset, and its tokens. Targets a sampled source kept were graded compatible
 *  by the train grader already (it is in their key), so they are not graded again. */
async function measuredSignal(ctx: RunContext, d: Dataset): Promise<{ check: SignalCheck; usage: TokenUsage }> {
  const organism = metered(await ctx.baseSampler());
  const kind = d.summary.source.kind;
  const sampled = kind === 'on-policy' || kind === 'teacher';
  const judge = sampled ? undefined : await trainJudge(ctx);
  const meta = new Map(ctx.setting.trainPrompts.map((p) => [p.id, p.meta]));
  const check = await signalCheck(ctx, signalExamples(ctx, d), {
    scorer: organism.client,
    judge: judge?.client,
    of: kind === 'stream' ? null : d.examples.length,
    metaOf: (e) => (kind === 'reference' ? meta.get(e.promptId) : undefined),
    graded: !sampled,
  });
  return { check, usage: { organism: organism.tokens, judge: judgeTokens(judge) } };
}

/** A meter on the sweep's judge when graders.train asks a model (none otherwise: no judge is needed). */
async function trainJudge(ctx: RunContext): Promise<Metered | undefined> {
  return MODEL_GRADED.has(ctx.setting.graders.train.name) ? metered(await ctx.judgeSampler()) : undefined;
}

const judgeTokens = (m: Metered | undefined): RoleTokens => m?.tokens ?? { trained: 0, prefill: 0, sampled: 0 };

/** A recorded dataset with its signal: measured now when the record has none (a dataset recorded before
 *  bctlab measured it, then recorded with it), or when the train grader changed since (then shown, not
 *  stored: the grader is not in the data key). */
async function withSignal(ctx: RunContext, d: Dataset): Promise<Dataset> {
  const signal = d.summary.signal;
  if (signal !== undefined && signal.compatible.graderKey === sweepGraderKey(ctx, ctx.setting.graders.train)) return d;
  const measured = { ...d, summary: { ...d.summary, signal: (await measuredSignal(ctx, d)).check } };
  if (signal === undefined) setDatasetSource(ctx.project.db, d.key, measured.summary);
  return measured;
}

/** Samples answers to the train prompts (as the organism sees them) from `sampler`, up to `attempts`
 *  per prompt, and keeps the first the train grader calls compatible. Returns the examples in the
 *  setting's prompt order, the prompts dropped, and what was kept of what was drawn. */
async function sampledExamples(
  ctx: RunContext,
  sampler: SamplingClient,
  judge: SamplingClient | undefined,
  opts: { attempts: number; temperature: number; seedTag: string; who: string; provenance: (attempt: number) => Provenance },
): Promise<{ examples: TrainExample[]; dropped: Dropped[]; yield: SampledYield }> {
  const grade = createGrader(ctx.setting.graders.train, judge === undefined ? {} : { judge }, 'graders.train');
  const examples: TrainExample[] = [];
  const keptAt = new Array<number>(opts.attempts).fill(0);
  let drawn = 0;
  let pending = ctx.setting.trainPrompts.map((p) => organismPrompt(ctx, p));
  for (let attempt = 0; attempt < opts.attempts && pending.length > 0; attempt++) {
    const res = await sampler.sample(
      pending.map((p) => ({ messages: p.messages, seed: seedOf(opts.seedTag, p.id, attempt) })),
      { temperature: opts.temperature, topP: 1, maxTokens: ctx.config.maxTokens, stop: [], seed: 0 },
    );
    drawn += pending.length;
    const next = [];
    for (let i = 0; i < pending.length; i++) {
      const p = pending[i]!;
      const text = res.samples[i]!.text;
      const g = await grade({ prompt: p, completion: text });
      if (g.label === 'compatible') {
        examples.push({ promptId: p.id, messages: p.messages, completion: text, provenance: opts.provenance(attempt) });
        keptAt[attempt]!++;
      } else next.push(p);
    }
    pending = next;
  }
  const dropped = pending.map((p) => ({ promptId: p.id, reason: `no compatible ${opts.who} in ${opts.attempts} samples`, attempts: opts.attempts }));
  // Keep the setting's prompt order regardless of which attempt found the target.
  const order = new Map(ctx.setting.trainPrompts.map((p, i) => [p.id, i]));
  examples.sort((a, b) => order.get(a.promptId)! - order.get(b.promptId)!);
  return { examples, dropped, yield: { prompts: ctx.setting.trainPrompts.length, kept: examples.length, drawn, keptAt } };
}

/** Targets sampled from the untrained organism. Their cost, the organism's answers and the grader's
 *  judge (for a model-graded grader) counted apart, is recorded with the examples (store/usage.ts). */
async function onPolicyDataset(ctx: RunContext, s: Extract<DataSource, { kind: 'on-policy' }>): Promise<{ data: Dataset; usage: DataUsage }> {
  const organism = metered(await ctx.baseSampler());
  const judge = await trainJudge(ctx);
  const r = await sampledExamples(ctx, organism.client, judge?.client, { attempts: s.attempts, temperature: s.temperature, seedTag: 'on-policy', who: 'answer', provenance: (attempt) => ({ kind: 'on-policy', attempt }) });
  return { data: { key: dataKey(ctx), examples: r.examples, dropped: r.dropped, summary: { source: s, yield: r.yield } }, usage: { organism: organism.tokens, judge: judgeTokens(judge) } };
}

/** Targets written by a teacher model on its own backend (made here from the backend table, closed
 *  when done), kept when the train grader calls them compatible. */
async function teacherDataset(ctx: RunContext, t: TeacherSource): Promise<{ data: Dataset; usage: DataUsage }> {
  const identity = contentHash(teacherKey(t));
  let backend;
  try {
    backend = createBackend(teacherBackendSpec(t));
  } catch (e) {
    // The backend's own checks name `backend.<arg>`; here that is the teacher's backend.
    if (e instanceof ConfigError) throw new ConfigError(e.message, `data.${e.where ?? 'backend'}`, { cause: e });
    throw e;
  }
  try {
    const teacherClient = await backend.createSamplingClient({ base: t.model, ...(t.adapter !== undefined ? { adapter: t.adapter } : {}) });
    try {
      const teacher = metered(teacherClient);
      const judge = await trainJudge(ctx);
      const r = await sampledExamples(ctx, teacher.client, judge?.client, { attempts: t.attempts, temperature: t.temperature, seedTag: 'teacher', who: 'teacher answer', provenance: (attempt) => ({ kind: 'teacher', teacher: identity, attempt }) });
      const zero = zeroUsage();
      return { data: { key: dataKey(ctx), examples: r.examples, dropped: r.dropped, summary: { source: { ...t, identity }, yield: r.yield } }, usage: { organism: zero.organism, judge: judgeTokens(judge), teacher: teacher.tokens } };
    } finally {
      await teacherClient.close();
    }
  } finally {
    await backend.close();
  }
}

const pct = (k: number, n: number): string => `${n === 0 ? '–' : ((100 * k) / n).toFixed(1)}%`;

/** What a sampled source kept: of the prompts and of the samples drawn, and at which attempt. */
export function formatYield(y: SampledYield): string {
  const at = y.keptAt.map((k, i) => `${i + 1}: ${k}`).join(', ');
  return `kept ${y.kept} of ${y.prompts} prompts (${pct(y.kept, y.prompts)}); ${y.drawn} samples drawn, ${y.kept} kept (${pct(y.kept, y.drawn)}); kept at attempt ${at}; dropped ${y.prompts - y.kept}`;
}

/** Lines describing a dataset: its source, what it kept, and its training signal. */
export function formatData(d: Dataset): string[] {
  const s = d.summary.source;
  const head = (() => {
    switch (s.kind) {
      case 'reference':
        return `reference targets of the setting: ${d.examples.length} examples${d.dropped.length > 0 ? `, ${d.dropped.length} train prompts without a target` : ''}`;
      case 'on-policy':
        return `on-policy answers of the untrained organism (temperature ${s.temperature}, up to ${s.attempts} samples a prompt, kept when graders.train calls them compatible)`;
      case 'teacher': {
        const backend = typeof s.backend === 'string' ? s.backend : s.backend.name;
        return `teacher ${s.model} on ${backend} (temperature ${s.temperature}, up to ${s.attempts} samples a prompt, kept when graders.train calls them compatible)`;
      }
      case 'dataset':
        return `dataset ${s.file} (sha256 ${s.hash.slice(0, 12)}…): ${d.examples.length} pairs`;
      case 'stream':
        return `a stream of fresh train prompts from ${s.generator}'s generator (seed ${s.seed}): step s, slot k trains on prompt (s − 1)·B + k, with its reference target`;
    }
  })();
  return [
    `training data: ${head}`,
    ...(d.summary.yield !== undefined ? [`  ${formatYield(d.summary.yield)}`] : []),
    ...(d.summary.signal !== undefined ? formatSignal(d.summary.signal) : []),
  ];
}
