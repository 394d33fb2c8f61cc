// What every stage gets: the record, the backend, the setting, the organism and the sweep config. Built
// from a config in the main process, and rebuilt from the sweep row in a worker, by the same function.
import { existsSync, readFileSync } from 'node:fs';
import { basename, isAbsolute, join } from 'node:path';
import { createBackend, isRemoteBackend, type Backend, type SamplingClient, type WeightsRef } from '../backends/index.js';
import { CHECKPOINT_FILES, resolveGptConfig, type GptConfig } from '../engine/index.js';
import { BctError, CheckpointError, ConfigError } from '../errors.js';
import { applyInduction, resolveSetting, trainingHash, type ModelOrganism, type Setting } from '../settings/index.js';
import { resolveModelPath, type Prompt } from '../domain/index.js';
import { artifactPath, contentHash, hashPath, type CheckpointRow, type Project } from '../store/index.js';
import { judgeLabel, openJudge, requireJudge } from './judge.js';
import type { Progress } from './progress.js';
import { backendSpecOf, type JudgeConfig, type SweepConfig } from './sweep-spec.js';

export interface RunContext {
  project: Project;
  backend: Backend;
  setting: Setting;
  organism: ModelOrganism;
  /** The organism with its files replaced by content hashes: what keys and the manifest use. */
  organismIdentity: OrganismIdentity;
  /** `trainingHash(setting)`: what training depends on (not graders), used in data and train keys. */
  trainingHash: string;
  config: SweepConfig;
  /** The base model's shape when the base is a local bctlab checkpoint; null for a backend's model name
   *  (that backend checks its own limits). */
  model: GptConfig | null;
  progress: Progress;
  /** The untrained organism's sampler (pre-check answers, on-policy targets). */
  baseSampler(): Promise<SamplingClient>;
  /** The sweep's judge (`judge` of the config): what keys and the record know of it, and how lines name
   *  it; undefined when the sweep names none (then no grader of the setting asks one: makeContext
   *  refuses that). */
  judge: { config: JudgeConfig; identity: JudgeIdentity; label: string } | undefined;
  /** The judge's sampler, for graders that ask a model (`context.judge` of src/graders): grading, the
   *  pre-check and its judge validation, targets kept by a model-graded train grader. A ConfigError
   *  naming `judge` when the sweep names none. */
  judgeSampler(): Promise<SamplingClient>;
  close(): Promise<void>;
}

/** A judge as keys know it: which model answers (by content hash or served name, as organisms are),
 *  on which backend and how it is read (an openai server's API mode, the renderer); never where it runs.
 *  `organism`: the untrained organism's base and adapter, on the sweep's backend. */
export type JudgeIdentity =
  | { organism: { base: string; adapter: string | null }; backend: string }
  | { backend: string; api?: string; model: string; renderer: string | null };

export interface OrganismIdentity {
  id: string;
  induction: ModelOrganism['induction'];
  base: string;
  adapter: string | null;
}

/** Content hash of a local file or folder (all files, by relative name); a name that is not a local path
 *  (a remote model) is its own identity. A path that should exist and does not is a CheckpointError. */
export function fileIdentity(name: string, where: string): string {
  const path = resolveModelPath(name);
  if (!existsSync(path)) {
    if (path.includes('/') || path.includes('.')) {
      const looked = isAbsolute(path) ? path : `${path} under ${process.cwd()} or the bctlab package`;
      throw new CheckpointError(`${where === 'organism.adapter' ? 'adapter' : 'base checkpoint'} not found (expected a file or folder at ${looked})`, where);
    }
    return `name:${path}`;
  }
  // Identities enter every stage key, so they keep the folder scheme that named the first records: with
  // the full-length one every existing project would be re-trained under new keys.
  return hashPath(path, 'sha256-128').hash;
}

/** The organism a config names: the sweep's own, else the setting's, with `base` overridden (then named
 *  `<organism>@<checkpoint folder>`). */
export function organismOf(config: SweepConfig, setting: Setting): ModelOrganism {
  const o = config.organism ?? setting.defaultOrganism;
  if (o === undefined && config.base !== undefined) {
    // A bare base checkpoint: the organism is the base itself, with nothing added.
    return { id: basename(config.base), base: config.base, induction: { kind: 'none' } };
  }
  if (o === undefined) {
    throw new ConfigError(`setting "${setting.id}" names no model organism; give \`organism\` in the sweep file or --base PATH`, 'organism');
  }
  // The overridden organism is named after both, so that check lines and reports do not show the
  // setting's checkpoint name for another checkpoint (the keys hash the files either way).
  return config.base !== undefined ? { ...o, id: `${o.id}@${basename(config.base)}`, base: config.base } : o;
}

/** `remote`: the base is a model name the backend's server resolves (never a local folder to hash). */
export function identityOf(o: ModelOrganism, remote = false): OrganismIdentity {
  return {
    id: o.id,
    induction: o.induction,
    base: remote ? `name:${o.base}` : fileIdentity(o.base, 'organism.base'),
    adapter: o.adapter === undefined ? null : fileIdentity(o.adapter, 'organism.adapter'),
  };
}

/** The config.json of a local bctlab checkpoint folder, or null when the base is not one (a backend's
 *  model name, another format). A config.json the engine cannot read is left for its loader to report. */
export function localModelConfig(o: ModelOrganism): GptConfig | null {
  const file = join(resolveModelPath(o.base), CHECKPOINT_FILES.config);
  if (!existsSync(file)) return null;
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { format?: unknown; config?: Record<string, unknown> } | null;
    return parsed?.format === 'bctlab-gpt' ? resolveGptConfig(parsed.config ?? {}, file) : null;
  } catch (e) {
    // An operating-system error (config.json is a folder) is also the loader's to report: it names the file.
    if (e instanceof SyntaxError || e instanceof BctError || (e as NodeJS.ErrnoException).code !== undefined) return null;
    throw e;
  }
}

export function judgeIdentity(judge: JudgeConfig, organism: OrganismIdentity, backend: string): JudgeIdentity {
  if (judge === 'organism') return { organism: { base: organism.base, adapter: organism.adapter }, backend };
  const spec = backendSpecOf(judge.backend);
  const model = isRemoteBackend(spec.name) ? `name:${judge.model}` : fileIdentity(judge.model, 'judge.model');
  const api = spec.name === 'openai' ? { api: String(spec.args.api ?? 'completions') } : {};
  return { backend: spec.name, ...api, model, renderer: judge.renderer ?? null };
}

/** LoRA ranks above the model's width add parameters that cannot raise the update's rank (every adapted
 *  projection has d_model on one side) and only cost memory: refused, naming the rank. */
export function checkLoraRanks(config: SweepConfig, organism: ModelOrganism, model: GptConfig | null): void {
  // A served sweep's ranks label cells trained elsewhere, on a model named by its server.
  if (model === null || config.served !== undefined) return;
  config.loraRanks.forEach((rank, i) => {
    if (rank > model.dModel) {
      throw new ConfigError(`LoRA rank ${rank} exceeds the d_model ${model.dModel} of organism "${organism.id}" (${organism.base}); expected at most ${model.dModel}`, `loraRanks[${i}]`);
    }
  });
}

/** The identity of the organism a config names, checked before anything runs (a missing local base is a
 *  CheckpointError naming it; on a remote backend the base is a model name and is not looked for). */
export function configIdentity(config: SweepConfig, setting: Setting): OrganismIdentity {
  return identityOf(organismOf(config, setting), isRemoteBackend(backendSpecOf(config.backend).name));
}

/** Builds a run context; nothing is written to the record here. */
export function makeContext(project: Project, config: SweepConfig, progress: Progress, setting?: Setting): RunContext {
  // A setting the caller resolved is used as given unless the config has setting parameters, which it
  // was resolved without (the CLI resolves a setting to check its organism before anything runs).
  const s = setting !== undefined && config.settingParams === undefined ? setting : resolveSetting(config.setting, 'setting', config.settingParams);
  const organism = organismOf(config, s);
  const spec = backendSpecOf(config.backend);
  const remote = isRemoteBackend(spec.name);
  if (remote && organism.adapter !== undefined) {
    throw new ConfigError(`a remote backend serves models by name and cannot apply an adapter folder; serve the organism as its own model (e.g. bct serve --model NAME=DIR) and name it as organism.base`, 'organism.adapter');
  }
  const organismIdentity = identityOf(organism, remote);
  const model = remote ? null : localModelConfig(organism);
  checkLoraRanks(config, organism, model);
  requireJudge(s, config.judge);
  const judge = config.judge === undefined ? undefined : { config: config.judge, identity: judgeIdentity(config.judge, organismIdentity, spec.name), label: judgeLabel(config.judge, organism.id, spec.name) };
  const backend = createBackend(spec);
  let base: Promise<SamplingClient> | undefined;
  const baseSampler = (): Promise<SamplingClient> => (base ??= backend.createSamplingClient(baseRef(organism)));
  const judged = config.judge === undefined ? undefined : openJudge(config.judge, backend, baseSampler);
  return {
    project,
    backend,
    setting: s,
    organism,
    organismIdentity,
    trainingHash: trainingHash(s),
    config,
    model,
    progress,
    baseSampler,
    judge,
    judgeSampler: async () => {
      if (judged === undefined) throw new ConfigError('a grader asks a judge model and the sweep names none; set judge: { backend, model } in the sweep file, or judge: organism', 'judge');
      return judged.sampler();
    },
    close: async () => {
      await judged?.close();
      if (base !== undefined) await (await base).close();
      await backend.close();
    },
  };
}

export function baseRef(o: ModelOrganism): WeightsRef {
  return o.adapter === undefined ? { base: o.base } : { base: o.base, adapter: o.adapter };
}

/** The weights of a checkpoint: the organism itself at step 0, a recorded artifact, or the model a
 *  server serves for a served checkpoint (served.ts), which the backend samples by that name. */
export function checkpointRef(ctx: RunContext, c: CheckpointRow): WeightsRef {
  if (c.served_model !== null) return { ...baseRef(ctx.organism), weights: c.served_model };
  if (c.weights_hash === null) return baseRef(ctx.organism);
  return { ...baseRef(ctx.organism), weights: artifactPath(ctx.project, c.weights_hash) };
}

/** A prompt as the organism sees it. */
export function organismPrompt(ctx: RunContext, p: Prompt): Prompt {
  return applyInduction(ctx.organism, p);
}

/** Lets the event loop run (signal handlers such as Ctrl-C's, worker messages, progress output). The
 *  embedded backend computes synchronously inside its async methods, so without this a long stage would
 *  hold the loop until it ends. Called once per training step and per sampling or grading batch. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A 31-bit seed derived from its parts (stable across runs and machines). */
export function seedOf(...parts: (string | number)[]): number {
  return parseInt(contentHash(parts).slice(0, 8), 16) & 0x7fffffff;
}
