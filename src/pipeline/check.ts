// Stage `check`: the compatibility pre-check of a setting on its model organism, before any training.
//  - agreement: on train prompts, the untrained organism's answer is graded compatible (and so is the
//    reference target, when there is one): training then upweights what the organism already does there;
//  - divergence: on eval prompts, the alternate behaviour's answer (the reference target, where the
//    setting gives one for an eval prompt) is graded `alternate`, so the two behaviours can be told apart;
//  - initial at step 0: the untrained organism's answers on eval prompts are graded `initial`.
// Each is a rate with a Wilson interval and the offending prompts; a criterion passes when its rate is at
// least its threshold. A setting whose graders ask a judge model also has its judge validated: the judge
// grades their gold answers, and fails below the judge thresholds (judge.ts `validateJudge`; the check
// fails then, and `bct run` refuses the sweep unless --force). Results are stored under a check key.
import { quantileSorted, wilson, type Rate } from '../analysis/index.js';
import type { SamplingClient } from '../backends/index.js';
import { createGrader, MODEL_GRADED, type GradeFn } from '../graders/index.js';
import { DEFAULT_JUDGE_THRESHOLDS, type JudgeThresholds } from '../graders/validation.js';
import type { Prompt } from '../domain/index.js';
import { getCheck, putCheck } from '../store/index.js';
import { organismPrompt, seedOf, yieldToEventLoop, type RunContext } from './context.js';
import type { TrainExample } from './data.js';
import { checkKey, sweepGraderKey } from './keys.js';
import { formatJudgeCheck, judgedGraders, validateJudge, type JudgeCheck } from './judge.js';
import { metered } from './metered.js';

export interface CheckThresholds {
  agreement: number; // min rate of compatible step-0 answers on train prompts; default 0.95
  divergence: number; // min rate of alternate targets graded `alternate` on eval prompts; default 0.9
  initial: number; // min rate of `initial` step-0 answers on eval prompts; default 0.9
}

// Agreement is held higher than the other two: it is the premise of BCT (training on answers the organism
// already gives); each train prompt it answers otherwise is one where training changes in-distribution
// behaviour too, which transfer would then be confounded with.
export const DEFAULT_THRESHOLDS: CheckThresholds = { agreement: 0.95, divergence: 0.9, initial: 0.9 };

/** Prompts checked per criterion at most (a seeded subset beyond that). */
export const CHECK_PROMPTS = 64;

export interface Offender {
  promptId: string;
  answer: string;
  label: string;
  reason: string;
}

export interface Criterion extends Rate {
  threshold: number;
  passed: boolean;
  /** Up to 20 prompts that did not meet the criterion. */
  offending: Offender[];
}

export interface CheckResult {
  settingId: string;
  organismId: string;
  agreement: Criterion;
  /** null when the setting gives no alternate answers on eval prompts (not measurable; not failing). */
  divergence: Criterion | null;
  initialAtStep0: Criterion;
  /** The judge's validation on gold answers; null (or absent, in checks recorded before judges had
   *  one) when no grader of the setting asks a judge. */
  judge?: JudgeCheck | null;
  /** Every criterion passed, and the judge (when there is one) too. */
  passed: boolean;
}

/** Whether the three criteria passed, whatever the judge's validation says (`bct check --force`). */
export function criteriaPassed(r: CheckResult): boolean {
  return r.agreement.passed && (r.divergence?.passed ?? true) && r.initialAtStep0.passed;
}

function criterion(results: { promptId: string; answer: string; label: string; reason: string; ok: boolean }[], threshold: number): Criterion {
  const k = results.filter((r) => r.ok).length;
  const rate = wilson(k, results.length);
  return {
    ...rate,
    threshold,
    passed: results.length > 0 && rate.rate >= threshold,
    offending: results.filter((r) => !r.ok).slice(0, 20).map(({ ok: _ok, ...o }) => o),
  };
}

/** The prompts a criterion checks: all, or a seeded subset of CHECK_PROMPTS. */
export function checkSubset(prompts: Prompt[]): Prompt[] {
  if (prompts.length <= CHECK_PROMPTS) return prompts;
  return [...prompts].sort((a, b) => seedOf('check', a.id) - seedOf('check', b.id)).slice(0, CHECK_PROMPTS);
}

export async function checkStage(ctx: RunContext, thresholds: CheckThresholds = DEFAULT_THRESHOLDS, judgeThresholds: JudgeThresholds = DEFAULT_JUDGE_THRESHOLDS): Promise<CheckResult> {
  const key = checkKey(ctx, thresholds, judgeThresholds);
  const stored = getCheck(ctx.project.db, key);
  if (stored !== undefined) return JSON.parse(stored.result_json) as CheckResult;

  // The organism's answers and the judge's verdicts are counted apart: two roles, two prices (costs.ts).
  const base = await ctx.baseSampler();
  const organism = metered(base);
  const judged = judgedGraders(ctx.setting).length > 0;
  const judge = metered(judged ? await ctx.judgeSampler() : base);
  const sampler = organism.client;
  const context = (name: string) => (MODEL_GRADED.has(name as never) ? { judge: judge.client } : {});
  const gradeEval: GradeFn = createGrader(ctx.setting.graders.eval, context(ctx.setting.graders.eval.name), 'graders.eval');
  const gradeTrain: GradeFn = createGrader(ctx.setting.graders.train, context(ctx.setting.graders.train.name), 'graders.train');
  const c = ctx.config;
  const answers = async (prompts: Prompt[]): Promise<string[]> => {
    const out: string[] = [];
    for (let i = 0; i < prompts.length; i += 32) {
      const batch = prompts.slice(i, i + 32);
      const res = await sampler.sample(
        batch.map((p) => ({ messages: p.messages, seed: seedOf('check', c.sampleSeed, p.id) })),
        { temperature: c.temperature, topP: c.topP, maxTokens: c.maxTokens, stop: [], seed: c.sampleSeed },
      );
      out.push(...res.samples.map((s) => s.text));
    }
    return out;
  };

  const train = checkSubset(ctx.setting.trainPrompts).map((p) => organismPrompt(ctx, p));
  const trainAnswers = await answers(train);
  const target = ctx.setting.targets.kind === 'reference' ? ctx.setting.targets.target : null;
  const agreement = await Promise.all(
    train.map(async (p, i) => {
      const g = await gradeTrain({ prompt: p, completion: trainAnswers[i]! });
      const t = target?.(p);
      const tg = t === undefined || t === null ? null : await gradeTrain({ prompt: p, completion: t });
      const ok = g.label === 'compatible' && (tg === null || tg.label === 'compatible');
      const reason = tg !== null && tg.label !== 'compatible' ? `reference target ${JSON.stringify(t)}: ${tg.reason}` : g.reason;
      return { promptId: p.id, answer: trainAnswers[i]!, label: g.label, reason, ok };
    }),
  );

  const evals = checkSubset(ctx.setting.evalPrompts).map((p) => organismPrompt(ctx, p));
  const evalAnswers = await answers(evals);
  const initial = await Promise.all(
    evals.map(async (p, i) => {
      const g = await gradeEval({ prompt: p, completion: evalAnswers[i]! });
      return { promptId: p.id, answer: evalAnswers[i]!, label: g.label, reason: g.reason, ok: g.label === 'initial' };
    }),
  );
  const withTargets = target === null ? [] : evals.flatMap((p) => {
    const t = target(p);
    return t === null ? [] : [{ p, t }];
  });
  const divergence = await Promise.all(
    withTargets.map(async ({ p, t }) => {
      const g = await gradeEval({ prompt: p, completion: t });
      return { promptId: p.id, answer: t, label: g.label, reason: g.reason, ok: g.label === 'alternate' };
    }),
  );

  const result: CheckResult = {
    settingId: ctx.setting.id,
    organismId: ctx.organism.id,
    agreement: criterion(agreement, thresholds.agreement),
    divergence: divergence.length === 0 ? null : criterion(divergence, thresholds.divergence),
    initialAtStep0: criterion(initial, thresholds.initial),
    judge: judged ? await validateJudge(ctx, judge.client, judgeThresholds) : null,
    passed: false,
  };
  result.passed = criteriaPassed(result) && (result.judge?.passed ?? true);
  const usage = { organism: organism.tokens, judge: judge.tokens };
  putCheck(ctx.project.db, { key, settingId: ctx.setting.id, settingHash: ctx.setting.hash, organism: ctx.organism, passed: result.passed, result, usage });
  return result;
}

/** What a failing criterion most likely means, and what to change, from its offending prompts: a
 *  newcomer's setting fails the pre-check far more often from targets or grader classes that do not
 *  match what the organism writes than from the organism itself. */
function likelyCause(name: 'agreement' | 'divergence' | 'initial', c: Criterion): string {
  if (c.n === 0) return 'no prompts to check: the prompt set is empty';
  const labels = new Set(c.offending.map((o) => o.label));
  if (labels.has('error')) return 'grading failed (the reasons above say why): fix the grader\'s args or the prompts\' meta they name';
  if (name === 'agreement') {
    if (c.offending.some((o) => o.reason.startsWith('reference target'))) {
      return 'the train targets are not graded compatible: graders.train.args.classes must describe the `target` of every train prompt (or the targets must show the trained behaviour)';
    }
    return 'targets the organism does not produce: on train prompts it answers as shown above, which graders.train does not call compatible; make the train prompts ask for the targets\' behaviour, or the grader accept what the organism answers';
  }
  if (name === 'divergence') {
    return 'the eval targets (the alternate answers) are not graded alternate: graders.eval.args.classes.alternate must describe the `target` of the eval prompts';
  }
  if (labels.size === 1 && labels.has('alternate')) {
    return 'the organism already shows the alternate behaviour on eval prompts at step 0, so there is nothing to lose: make the eval prompts ask for the initial behaviour';
  }
  return 'the organism does not show the initial behaviour on eval prompts at step 0 (its answers are above): make the eval prompts ask for it, or graders.eval.args.classes.initial describe what it answers';
}

/** Human-readable lines of a check result; each failing criterion ends with its likely cause. */
export function formatCheck(r: CheckResult): string[] {
  const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
  const line = (name: string, key: 'agreement' | 'divergence' | 'initial', c: Criterion | null): string[] => {
    if (c === null) return [`  ${name}: not measured (the setting gives no alternate answers on eval prompts)`];
    const head = `  ${name}: ${pct(c.rate)} (${c.k}/${c.n}, 95% CI ${pct(c.lo)}–${pct(c.hi)}) ${c.passed ? 'PASS' : 'FAIL'} (threshold ${pct(c.threshold)})`;
    const offenders = c.offending.slice(0, 5).map((o) => `    ${o.promptId}: ${JSON.stringify(o.answer)} → ${o.label}: ${o.reason}`);
    return [head, ...offenders, ...(c.passed ? [] : [`    likely cause: ${likelyCause(key, c)}`])];
  };
  return [
    `pre-check of ${r.settingId} on ${r.organismId}: ${r.passed ? 'PASS' : 'FAIL'}`,
    ...(r.judge == null ? [] : formatJudgeCheck(r.judge)),
    ...line('agreement on train prompts', 'agreement', r.agreement),
    ...line('divergence on eval prompts', 'divergence', r.divergence),
    ...line('initial behaviour at step 0', 'initial', r.initialAtStep0),
  ];
}

// ---------------------------------------------------------------------------------------------------
// Training signal: the untrained organism's NLL on the training targets, before any training. On-policy
// targets are what the organism already says (NLL near 0); off-policy ones (a teacher's, a dataset's,
// reference targets another policy wrote) carry loss, and so gradient. data.ts measures it on every
// dataset it builds and records it with the examples.

/** Examples the signal is measured on at most (a seeded subset beyond; data.ts `signalExamples`): the
 *  mean of 256 examples' NLL is known to a few percent of its spread, at one log-probability request
 *  each. */
export const SIGNAL_EXAMPLES = 256;

/** Below this mean NLL per target token training is noise-driven. The gradient of a token's cross-
 *  entropy with respect to its logits has size about 1 − p(target), which is the NLL itself when the NLL
 *  is small: at 1e-3 nats the targets pull a thousandth as hard as a fresh target would, and the organism
 *  already samples them 999 times in 1000 (e^−0.001). Adam scales every coordinate to a step of about the
 *  learning rate whatever the gradient's size, so the update goes where the residue of the fit and the
 *  float noise point, not where the targets do (the microworld's reference targets started at 2.6e-5
 *  nats/token, and moved nothing until the learning rate knocked the model out of its minimum). */
export const NOISE_NLL = 1e-3;

export interface SignalCheck {
  /** Examples scored, and of how many the dataset holds (null: a stream, which has no end). */
  examples: number;
  of: number | null;
  /** Target tokens scored. */
  tokens: number;
  /** Mean NLL per target token (nats), over every token scored. */
  meanNll: number;
  /** Spread of the examples' own mean NLL per token (examples with no target token left out). */
  spread: { sd: number; min: number; p10: number; median: number; p90: number; max: number };
  /** Targets graders.train calls compatible (a sampled source's kept targets are, by construction), and
   *  the grader key that said so. */
  compatible: Rate & { graderKey: string };
  /** One line saying that training is noise-driven, or null. */
  warning: string | null;
}

export interface SignalOptions {
  /** Scores the targets: the untrained organism. */
  scorer: SamplingClient;
  /** The judge of a model-graded train grader (none for a grader that asks no model). */
  judge: SamplingClient | undefined;
  of: number | null;
  /** The meta of an example's prompt, which graders read. */
  metaOf: (e: TrainExample) => Prompt['meta'];
  /** Whether to grade the targets (false: kept by the train grader already, all compatible). */
  graded: boolean;
}

export async function signalCheck(ctx: RunContext, examples: readonly TrainExample[], o: SignalOptions): Promise<SignalCheck> {
  const perExample: number[] = [];
  let nll = 0;
  let tokens = 0;
  for (const e of examples) {
    // With the end of turn: training weights it like the answer, and where the organism would have said
    // more (a closer no target has) that is where the target's loss is.
    const r = await o.scorer.logprobs(e.messages, e.completion, { endOfTurn: true });
    nll -= r.logprob;
    tokens += r.tokens.length;
    if (r.tokens.length > 0) perExample.push(-r.logprob / r.tokens.length);
    await yieldToEventLoop();
  }
  const spec = ctx.setting.graders.train;
  let k = examples.length;
  if (o.graded) {
    const grade = createGrader(spec, o.judge === undefined ? {} : { judge: o.judge }, 'graders.train');
    k = 0;
    for (const e of examples) {
      const meta = o.metaOf(e);
      const g = await grade({ prompt: { id: e.promptId, messages: e.messages, ...(meta !== undefined ? { meta } : {}) }, completion: e.completion });
      if (g.label === 'compatible') k++;
    }
  }
  const sorted = [...perExample].sort((a, b) => a - b);
  const mean = perExample.reduce((a, b) => a + b, 0) / perExample.length;
  const sd = Math.sqrt(perExample.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, perExample.length - 1));
  const meanNll = tokens === 0 ? NaN : nll / tokens;
  const warning =
    meanNll < NOISE_NLL
      ? `the untrained organism's mean NLL on these targets is ${meanNll.toExponential(2)} nats/token, below ${NOISE_NLL}: it already gives them, so training on them is driven by noise, not by the targets (use targets another policy wrote: data: { kind: teacher } or { kind: dataset })`
      : null;
  return {
    examples: examples.length,
    of: o.of,
    tokens,
    meanNll,
    spread: { sd, min: sorted[0] ?? NaN, p10: quantileSorted(sorted, 0.1), median: quantileSorted(sorted, 0.5), p90: quantileSorted(sorted, 0.9), max: sorted[sorted.length - 1] ?? NaN },
    compatible: { ...wilson(k, examples.length), graderKey: sweepGraderKey(ctx, spec) },
    warning,
  };
}

/** Lines of a signal check; the warning, when there is one, last. */
export function formatSignal(s: SignalCheck): string[] {
  const e = (x: number): string => (Number.isFinite(x) ? x.toExponential(2) : '–');
  const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
  const c = s.compatible;
  return [
    `  training signal: the untrained organism's NLL on ${s.examples}${s.of === null ? ' streamed' : ` of ${s.of}`} targets (${s.tokens} target tokens): mean ${e(s.meanNll)} nats/token`,
    `    per example: sd ${e(s.spread.sd)}, min ${e(s.spread.min)}, 10% ${e(s.spread.p10)}, median ${e(s.spread.median)}, 90% ${e(s.spread.p90)}, max ${e(s.spread.max)}`,
    `    compatible targets (graders.train): ${pct(c.rate)} (${c.k}/${c.n}, 95% CI ${pct(c.lo)}–${pct(c.hi)})`,
    ...(s.warning === null ? [] : [`  WARNING: ${s.warning}`]),
  ];
}
