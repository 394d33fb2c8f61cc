// Shared pieces of the chat built-in settings: prompt sets of realistic size drawn from seeded generators
// (no two prompts of a setting alike, train and eval prompts disjoint), reference targets looked up by
// prompt id, and the capability evaluation every chat setting carries.
//
// Chat settings declare no default organism: their organism is a real chat model the user names in the
// sweep (`organism: { id: qwen3-8b, base: Qwen/Qwen3-8B, induction: { kind: none } }` with the tinker
// backend) or with `--base`; `bct ls` marks them `[chat model]`.
import { seededRandom } from '../../../analysis/index.js';
import type { ChatMessage, Json, Prompt } from '../../../domain/index.js';
import type { GraderSpec } from '../../../graders/index.js';
import type { GoldAnswer } from '../../../graders/validation.js';
import { defineSetting, type BuiltinSetting } from '../../registry.js';
import type { CapabilityEval, Setting, TrainingTargets } from '../../types.js';
import type { Draw } from './draw.js';
import { drawQuestion, type Question } from './questions.js';

/** Train prompts per chat setting: a few epochs of batches of 32 to 128 examples. */
export const N_TRAIN = 512;
/** Eval prompts per chat setting: intervals of about ±0.06 on a rate near 0.5. */
export const N_EVAL = 256;
/** Capability questions (accuracy) and held-out answers (NLL) per chat setting. */
export const N_CAPABILITY = 128;
export const N_NLL = 64;

/** One prompt before it has an id: its turns, what the graders need, and its reference target. */
export interface Drafted {
  /** Identifies the task for uniqueness (two drafts with the same key are the same prompt). */
  key: string;
  messages: ChatMessage[];
  meta?: Record<string, Json>;
  /** The reference target: on a train prompt what both behaviours give; on an eval prompt the
   *  alternate behaviour's answer (what the pre-check's divergence compares against). */
  target: string;
}

/** Drafts made at most per prompt wanted before giving up: the generators have far more distinct
 *  tasks than any set needs, so this only stops a generator that has run dry. */
const MAX_DRAWS_PER_PROMPT = 50;

/** `sizes[i]` distinct drafts per part from one seeded stream, no key in two parts nor in `taken`.
 *  Deterministic. */
export function distinctDrafts(seed: number, sizes: readonly number[], make: (draw: Draw, part: number) => Drafted, taken: ReadonlySet<string> = new Set()): Drafted[][] {
  const draw = seededRandom(seed);
  const seen = new Set(taken);
  return sizes.map((size, part) => {
    const out: Drafted[] = [];
    for (let tries = 0; out.length < size; tries++) {
      if (tries >= size * MAX_DRAWS_PER_PROMPT) throw new Error(`seed ${seed}, part ${part}: only ${out.length} distinct prompts of ${size}`);
      const d = make(draw, part);
      if (seen.has(d.key)) continue;
      seen.add(d.key);
      out.push(d);
    }
    return out;
  });
}

/** Prompts `${prefix}-i` of drafts, with their targets recorded by id in `targets`. */
export function promptsOf(prefix: string, drafts: readonly Drafted[], targets: Map<string, string>): Prompt[] {
  return drafts.map((d, i) => {
    const id = `${prefix}-${i}`;
    targets.set(id, d.target);
    return { id, messages: d.messages, ...(d.meta !== undefined ? { meta: d.meta } : {}) };
  });
}

/** Reference targets by prompt id (train and eval prompts of the setting). */
export function targetsById(targets: ReadonlyMap<string, string>): TrainingTargets {
  return { kind: 'reference', target: (p) => targets.get(p.id) ?? null };
}

export function withSystem(system: string | null, user: string): ChatMessage[] {
  return system === null ? [{ role: 'user', content: user }] : [{ role: 'system', content: system }, { role: 'user', content: user }];
}

/** The meta the chat-answer grader reads for a question. */
export function answerMeta(q: Question): Record<string, Json> {
  return { answer: q.answer, format: q.format };
}

/** The capability grader: the chat-answer grader's right answers are correct. */
export const CAPABILITY_GRADER: GraderSpec = { name: 'chat-answer', args: { classes: { correct: 'right' }, otherwise: 'incorrect' } };

/** Capability evaluations of a chat setting: accuracy on simple questions without a system prompt
 *  (`qa`), and the mean NLL of held-out reference answers (`qa-nll`, or `extra` pairs in its place).
 *  Their questions are drawn apart from the setting's own prompts (keys in `taken` are skipped). */
export function qaCapability(seed: number, taken: ReadonlySet<string>, nll?: CapabilityEval): CapabilityEval[] {
  const [qa, held] = distinctDrafts(
    seed,
    [N_CAPABILITY, N_NLL],
    (draw) => {
      const q = drawQuestion(draw);
      return { key: q.key, messages: withSystem(null, q.text), meta: answerMeta(q), target: q.english };
    },
    taken,
  );
  return [
    { kind: 'accuracy', name: 'qa', prompts: qa!.map((d, i) => ({ id: `qa-${i}`, messages: d.messages, meta: d.meta! })), grader: CAPABILITY_GRADER },
    nll ?? { kind: 'nll', name: 'qa-nll', pairs: held!.map((d, i) => ({ prompt: { id: `qa-nll-${i}`, messages: d.messages }, completion: d.target })) },
  ];
}

/** A chat built-in: a setting for a real chat model, with the gold answers its graders are checked on. */
export interface ChatBuiltin extends BuiltinSetting {
  /** Hand-written answers showing each behaviour and the borderline cases, labelled for the setting's
   *  graders (`grader`: eval, train, or a capability evaluation's name). */
  gold(): GoldAnswer[];
}

export function defineChatSetting(definition: Pick<BuiltinSetting, 'id' | 'description' | 'params' | 'build'> & { gold(): GoldAnswer[] }): ChatBuiltin {
  return { ...defineSetting(definition), gold: definition.gold };
}
