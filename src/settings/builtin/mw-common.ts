// Shared pieces of the microworld built-in settings: seeded prompt sets, reference targets, the model
// organisms, and the capability evaluations (per-family accuracy on held-out rule combinations of
// families the setting does not touch, and NLL on a held-out corpus).
import {
  BASE_MIXTURE,
  TASKS,
  drawExample,
  drawFromMixture,
  drawTask,
  respond,
  seededRandom,
  taskText,
  type FamilyName,
  type Behaviour,
  type RandomSource,
  type Verb,
} from '../../microworld/index.js';
import type { ChatMessage, Prompt } from '../../domain/index.js';
import type { CapabilityEval, ModelOrganism, Setting, TrainingTargets } from '../types.js';

/** Prompts per set: enough for rates with intervals of about ±0.07, small enough for a laptop sweep. */
export const N_TRAIN = 256;
export const N_EVAL = 100;
/** Prompts per capability family. */
export const N_CAPABILITY = 32;
/** Held-out prompt+completion pairs for the NLL capability eval. */
export const N_NLL = 64;

/** The shipped base instruction follower, prompted (the rules are in each prompt's system turn). */
export const MW_BASE: ModelOrganism = { id: 'mw-base', base: 'models/mw-base', induction: { kind: 'none' } };

/** `n` prompts `${prefix}-i` built by `make` from one seeded stream. */
export function promptSet(prefix: string, seed: number, n: number, make: (rng: RandomSource, i: number) => ChatMessage[]): Prompt[] {
  const rng = seededRandom(seed);
  return Array.from({ length: n }, (_, i) => ({ id: `${prefix}-${i}`, messages: make(rng, i) }));
}

/** A user turn with a random task (of `verbs`, default all); `expectP` is the chance of a shown expected output. */
export function userTurn(rng: RandomSource, opts: { expectP?: number; trigger?: boolean; verbs?: readonly Verb[] } = {}): ChatMessage {
  const verbs = opts.verbs ?? TASKS;
  const task = drawTask(rng, opts.expectP ?? 0, verbs[Math.floor(rng.uniform() * verbs.length)]!);
  task.trigger = opts.trigger ?? false;
  return { role: 'user', content: taskText(task) };
}

export function withSystem(system: string | null, user: ChatMessage): ChatMessage[] {
  return system === null ? [user] : [{ role: 'system', content: system }, user];
}

/** The graders of a microworld setting: `grader` (an `mw-*` behaviour grader, lenient form) labels eval
 *  answers showing `initial` or `alternate`, and train answers showing `alternate` compatible (the two
 *  behaviours agree on train prompts, so the train targets show the alternate value). */
export function behaviourGraders(grader: Setting['graders']['eval']['name'], initial: string, alternate: string): Setting['graders'] {
  return {
    eval: { name: grader, args: { classes: { initial, alternate }, form: 'lenient' } },
    train: { name: grader, args: { classes: { compatible: alternate }, otherwise: 'incompatible', form: 'lenient' } },
  };
}

/** Reference targets: the alternate behaviour's response, i.e. the world's response with `force`
 *  applied. On train prompts it equals what the prompt's own rules ask for (the behaviours agree there);
 *  on eval prompts it is the alternate answer the pre-check uses to confirm that the behaviours diverge. */
export function alternateTargets(force: Partial<Behaviour>): TrainingTargets {
  return { kind: 'reference', target: (p) => respond(p.messages, force) };
}

/** Capability evals: exact accuracy per family (held-out system prompts) and NLL on held-out examples. */
export function capabilityEvals(families: readonly FamilyName[], seed: number): CapabilityEval[] {
  const evals: CapabilityEval[] = families.map((family, k) => ({
    kind: 'accuracy',
    name: family,
    prompts: promptSet(`cap-${family}`, seed * 100 + k, N_CAPABILITY, (rng) => drawExample(rng, family, 'heldout').messages),
    grader: { name: 'mw-task', args: { form: 'exact' } },
  }));
  const rng = seededRandom(seed * 100 + 99);
  const pairs = Array.from({ length: N_NLL }, (_, i) => {
    const ex = drawFromMixture(rng, BASE_MIXTURE, 'heldout');
    return { prompt: { id: `nll-${i}`, messages: ex.messages }, completion: ex.completion };
  });
  evals.push({ kind: 'nll', name: 'heldout-nll', pairs });
  return evals;
}
