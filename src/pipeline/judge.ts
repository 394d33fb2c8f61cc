// The judge role of a sweep (sweep-spec.ts `judge`): which graders of a setting ask it, the gold answers
// it is validated on before a sweep trusts it (check.ts), a line naming it, and its sampling client. What
// of it enters keys is context.ts `judgeIdentity`.
import { createBackend, isRemoteBackend, type Backend, type BackendSpec, type SampleBatchResult, type SamplePrompt, type SamplingClient, type SamplingParams } from '../backends/index.js';
import { ConfigError } from '../errors.js';
import { createGrader, judgeGoldOf, MODEL_GRADED, RUBRIC_NAMES, type GraderSpec } from '../graders/index.js';
import { belowThresholds, validateGrader, type Agreement, type GoldAnswer, type GoldMiss, type JudgeThresholds } from '../graders/validation.js';
import { goldAnswersOf, type Setting } from '../settings/index.js';
import type { RunContext } from './context.js';
import { backendSpecOf, type JudgeConfig } from './sweep-spec.js';

/** A grader of a setting that asks a judge model. */
export interface JudgedGrader {
  /** What gold answers name it by: `eval`, `train` or a capability evaluation's name. */
  role: string;
  /** Where it is in the setting (`graders.eval`), for messages. */
  where: string;
  spec: GraderSpec;
}

export function judgedGraders(s: Setting): JudgedGrader[] {
  const all: JudgedGrader[] = [
    { role: 'eval', where: 'graders.eval', spec: s.graders.eval },
    { role: 'train', where: 'graders.train', spec: s.graders.train },
    ...s.capabilityEvals.flatMap((e, i) => (e.kind === 'accuracy' ? [{ role: e.name, where: `capabilityEvals[${i}].grader`, spec: e.grader }] : [])),
  ];
  return all.filter((g) => MODEL_GRADED.has(g.spec.name));
}

/** A ConfigError naming `judge` when the setting has a grader that asks a judge and the sweep names none:
 *  the organism is never the judge unless the sweep says so. */
export function requireJudge(s: Setting, judge: JudgeConfig | undefined): void {
  const [first] = judgedGraders(s);
  if (first === undefined || judge !== undefined) return;
  throw new ConfigError(
    `setting "${s.id}" grades with ${first.spec.name} (${first.where}), which asks a judge model, and the sweep names none; set judge: { backend, model } in the sweep file (or --judge FILE), or judge: organism to ask the untrained organism as the research did`,
    'judge',
  );
}

/** The gold answers the judge of `g` is validated on: the setting's own for that grader, else those of
 *  the grader's rubric; undefined when there are none. */
export function judgeGoldSet(s: Setting, g: JudgedGrader): { source: string; gold: GoldAnswer[] } | undefined {
  const own = goldAnswersOf(s.id)?.filter((a) => a.grader === g.role) ?? [];
  if (own.length > 0) return { source: `setting ${s.id}`, gold: own };
  const rubric = judgeGoldOf(g.spec, g.role, g.where);
  return rubric === undefined ? undefined : { source: `rubric ${String((g.spec.args as { rubric?: unknown }).rubric)}`, gold: rubric };
}

/** How lines and reports name the judge. */
export function judgeLabel(judge: JudgeConfig, organismId: string, backend: string): string {
  return judge === 'organism' ? `the untrained organism ${organismId} on ${backend} (judge: organism)` : `${judge.model} on ${backendSpecOf(judge.backend).name}`;
}

/** The backend spec of a judge with a model of its own (its renderer is an openai backend argument). */
export function judgeBackendSpec(judge: Exclude<JudgeConfig, 'organism'>): BackendSpec {
  const spec = backendSpecOf(judge.backend);
  return { name: spec.name, args: { ...spec.args, ...(judge.renderer !== undefined ? { renderer: judge.renderer } : {}) } };
}

const sameSpec = (a: BackendSpec, b: BackendSpec): boolean => {
  const canonical = (s: BackendSpec): string => JSON.stringify([s.name, Object.entries(s.args).filter(([, v]) => v !== undefined).sort(([x], [y]) => x.localeCompare(y))]);
  return canonical(a) === canonical(b);
};

/** A backend's ConfigError about the judge's model or backend arguments, named as the sweep names them
 *  (`judge.model`, `judge.backend.renderer`) rather than as the organism's. */
function asJudgeError(e: unknown): unknown {
  if (!(e instanceof ConfigError) || e.where === undefined) return e;
  const renamed: Record<string, string> = { 'organism.base': 'judge.model', 'backend.renderer': 'judge.renderer' };
  const where = renamed[e.where] ?? (e.where === 'backend' || e.where.startsWith('backend.') ? `judge.${e.where}` : undefined);
  if (where === undefined) return e;
  return new ConfigError(e.message.slice(e.where.length + 2), where, { cause: e });
}

export interface OpenJudge {
  sampler(): Promise<SamplingClient>;
  close(): Promise<void>;
}

/** The judge's sampling client, made on first use. `organism`: the untrained organism's own client
 *  (`baseSampler`, closed by its owner). A model of its own: on the sweep's backend when the judge names
 *  the same backend with the same arguments (one session), else on a backend of its own. A local judge
 *  batches its verdicts (`batchingSampler`); a remote one sends a request per prompt anyway. */
export function openJudge(judge: JudgeConfig, backend: Backend, baseSampler: () => Promise<SamplingClient>): OpenJudge {
  if (judge === 'organism') {
    let client: Promise<SamplingClient> | undefined;
    const local = !isRemoteBackend(backend.spec.name);
    return { sampler: () => (client ??= baseSampler().then((c) => (local ? batchingSampler(c) : c))), close: async () => {} };
  }
  const spec = judgeBackendSpec(judge);
  let own: Backend | undefined;
  let underlying: Promise<SamplingClient> | undefined;
  let client: Promise<SamplingClient> | undefined;
  const open = async (): Promise<SamplingClient> => {
    try {
      const b = sameSpec(spec, backend.spec) ? backend : (own = createBackend(spec));
      underlying = b.createSamplingClient({ base: judge.model });
      const c = await underlying;
      return isRemoteBackend(spec.name) ? c : batchingSampler(c);
    } catch (e) {
      throw asJudgeError(e);
    }
  };
  return {
    sampler: () => (client ??= open()),
    close: async () => {
      const made = await underlying?.catch(() => undefined);
      await made?.close();
      await own?.close();
    },
  };
}

/** Prompts of one batch at most (an embedded forward pass of this many rows). */
export const JUDGE_BATCH = 64;

/** A sampling client that sends the `sample` calls made in one turn of the event loop with the same
 *  parameters as one batch (at most JUDGE_BATCH prompts): the grade stage asks a batch of answers' verdicts
 *  at once, one call each, and a local engine then answers them in one batched pass. Each caller gets its
 *  own answers and its own prompts' token counts (the renderer's, as sample.ts records them). Answers do
 *  not depend on the batch: every prompt keeps its own seed. Closing it closes nothing (the wrapped client
 *  belongs to whoever made it). */
export function batchingSampler(client: SamplingClient): SamplingClient {
  interface Waiting {
    prompts: readonly SamplePrompt[];
    resolve: (r: SampleBatchResult) => void;
    reject: (e: unknown) => void;
  }
  const queues = new Map<string, { params: SamplingParams; waiting: Waiting[] }>();
  const send = async (params: SamplingParams, waiting: Waiting[]): Promise<void> => {
    try {
      const res = await client.sample(waiting.flatMap((w) => w.prompts), params);
      let at = 0;
      for (const w of waiting) {
        const samples = res.samples.slice(at, at + w.prompts.length);
        at += w.prompts.length;
        const promptTokens = w.prompts.reduce((n, p) => n + client.renderer.renderPrompt(p.messages).length, 0);
        w.resolve({ samples, promptTokens, completionTokens: samples.reduce((n, s) => n + s.tokens.length, 0), latencyMs: res.latencyMs });
      }
    } catch (e) {
      for (const w of waiting) w.reject(e);
    }
  };
  const flush = (key: string): void => {
    const queue = queues.get(key);
    queues.delete(key);
    if (queue === undefined) return;
    let batch: Waiting[] = [];
    let size = 0;
    for (const w of queue.waiting) {
      if (size > 0 && size + w.prompts.length > JUDGE_BATCH) {
        void send(queue.params, batch);
        batch = [];
        size = 0;
      }
      batch.push(w);
      size += w.prompts.length;
    }
    void send(queue.params, batch);
  };
  return {
    renderer: client.renderer,
    sample(prompts, params) {
      return new Promise((resolve, reject) => {
        const key = JSON.stringify(params);
        let queue = queues.get(key);
        if (queue === undefined) {
          queue = { params, waiting: [] };
          queues.set(key, queue);
          // After every call made in this turn (and the promise callbacks it runs) has queued its prompts.
          setImmediate(() => flush(key));
        }
        queue.waiting.push({ prompts, resolve, reject });
      });
    },
    logprobs: (prompt, continuation, opts) => client.logprobs(prompt, continuation, opts),
    close: async () => {},
  };
}

// ---------------------------------------------------------------------------------------------------
// Judge validation (the pre-check, check.ts): the judge grades the gold answers of every grader that asks
// it, and is refused when it agrees with them less than the thresholds ask (src/graders validation.ts).

/** Misses shown per grader at most. */
const MAX_MISSES = 5;

export interface JudgedGraderCheck {
  role: string;
  where: string;
  /** The grader's registry name. */
  grader: string;
  /** Where the gold answers come from (`rubric hardcoded-tests`), or null when there are none. */
  source: string | null;
  agreement: Agreement | null;
  /** The first gold answers the judge labelled otherwise. */
  misses: GoldMiss[];
  /** Why the judge is refused for this grader (one sentence each); empty when it passes. */
  refused: string[];
}

export interface JudgeCheck {
  /** judgeLabel: the judge as lines name it. */
  judge: string;
  thresholds: JudgeThresholds;
  graders: JudgedGraderCheck[];
  passed: boolean;
}

/** Runs the judge (`client`, metered by the caller) on the gold answers of every grader of the setting
 *  that asks it. */
export async function validateJudge(ctx: RunContext, client: SamplingClient, thresholds: JudgeThresholds): Promise<JudgeCheck> {
  const graders: JudgedGraderCheck[] = [];
  for (const g of judgedGraders(ctx.setting)) {
    const set = judgeGoldSet(ctx.setting, g);
    if (set === undefined) {
      const refused = [`there are no gold answers to validate the judge on (the grader asks its own question; a rubric, args.rubric, ships a gold set: ${RUBRIC_NAMES.join(', ')})`];
      graders.push({ role: g.role, where: g.where, grader: g.spec.name, source: null, agreement: null, misses: [], refused });
      continue;
    }
    const v = await validateGrader(createGrader(g.spec, { judge: client }, g.where), set.gold);
    graders.push({ role: g.role, where: g.where, grader: g.spec.name, source: set.source, agreement: v.agreement, misses: v.misses.slice(0, MAX_MISSES), refused: belowThresholds(v.agreement, thresholds) });
  }
  return { judge: ctx.judge?.label ?? 'the judge', thresholds, graders, passed: graders.every((g) => g.refused.length === 0) };
}

/** Lines of a judge validation: per grader its figures, its first misses and, when refused, why and how
 *  to go on. */
export function formatJudgeCheck(j: JudgeCheck): string[] {
  const f = (x: number): string => x.toFixed(3);
  const t = `minimum kappa ${j.thresholds.kappa}, accuracy ${j.thresholds.accuracy}`;
  return j.graders.flatMap((g) => {
    const what = `  judge ${j.judge} for ${g.where} (${g.grader})`;
    const verdict = g.refused.length === 0 ? 'PASS' : 'FAIL';
    const head =
      g.agreement === null
        ? `${what}: not validated, no gold answers ${verdict} (${t})`
        : `${what}, on ${g.agreement.n} gold answers of ${g.source}: accuracy ${g.agreement.accuracy.k}/${g.agreement.n} = ${f(g.agreement.accuracy.rate)} [${f(g.agreement.accuracy.lo)}, ${f(g.agreement.accuracy.hi)}], ` +
          `${Number.isNaN(g.agreement.kappa.value) ? 'kappa undefined' : `kappa ${f(g.agreement.kappa.value)} [${f(g.agreement.kappa.lo)}, ${f(g.agreement.kappa.hi)}]`} ${verdict} (${t})`;
    const misses = g.misses.map((m) => `    ${m.id}: gold ${m.gold}, judged ${m.predicted}: ${m.reason}`);
    const refused = g.refused.length === 0 ? [] : [`    refused: ${g.refused.join('; ')}; name a better judge (judge: in the sweep, --judge), or pass --force to use this one anyway`];
    return [head, ...misses, ...refused];
  });
}
