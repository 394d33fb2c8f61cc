// Where a sweep's training targets come from: the sweep's `data` field, or by default the setting's own
// targets. One schema, one resolution (`dataSourceOf`), and the identity of each source as the data key
// hashes it (keys.ts). The stage that builds the examples is data.ts.
import { z } from 'zod';
import { BACKENDS } from '../backends/index.js';
import { ConfigError } from '../errors.js';
import { contentHash } from '../store/index.js';
import { boundedNumber as bounded, boundedText as text } from '../settings/index.js';
import type { Setting } from '../settings/index.js';

/** Bounds of the `data` fields, inclusive. */
export const DATA_LIMITS = {
  attempts: 100, // samples drawn per train prompt at most (on-policy, teacher)
  temperature: 10,
  pathChars: 4096, // a dataset file, a teacher's model folder or name
  streamSeed: 2 ** 31 - 1,
} as const;

const BACKEND_NAMES = Object.keys(BACKENDS) as [string, ...string[]];

/** A teacher's backend: a name, or `{ name, ...args }` whose args the backend's own factory checks (as
 *  a sweep's `backend`). Only the args that say what is computed enter the data key (`teacherIdentity`). */
const teacherBackendSchema = z.union([
  z.enum(BACKEND_NAMES),
  z.object({ name: z.enum(BACKEND_NAMES) }).catchall(z.union([z.string().max(DATA_LIMITS.pathChars), z.number(), z.boolean()])),
]);

const attempts = bounded(1, DATA_LIMITS.attempts, { int: true });
const temperature = bounded(0, DATA_LIMITS.temperature);

export const dataSourceSchema = z.discriminatedUnion('kind', [
  // The setting's reference targets (a function of the prompt).
  z.object({ kind: z.literal('reference') }).strict(),
  // The untrained organism's own answers, kept when the train grader calls them compatible.
  z.object({ kind: z.literal('on-policy'), attempts: attempts.default(4), temperature: temperature.default(0.7) }).strict(),
  // Another model's answers to the prompts as the organism sees them, kept when compatible.
  z
    .object({
      kind: z.literal('teacher'),
      model: text(DATA_LIMITS.pathChars), // a model folder (embedded) or a model name the backend's server serves
      adapter: text(DATA_LIMITS.pathChars).optional(), // a LoRA adapter folder on that model (embedded)
      backend: teacherBackendSchema.default('embedded'),
      attempts: attempts.default(4),
      temperature: temperature.default(0.7),
    })
    .strict(),
  // A JSONL file of prompt/completion pairs (dataset-file.ts).
  z.object({ kind: z.literal('dataset'), file: text(DATA_LIMITS.pathChars) }).strict(),
  // Fresh train prompts every step from the setting's generator, with its reference targets.
  z.object({ kind: z.literal('stream'), seed: bounded(0, DATA_LIMITS.streamSeed, { int: true }).default(0) }).strict(),
]);

export type DataSource = z.infer<typeof dataSourceSchema>;
export type TeacherSource = Extract<DataSource, { kind: 'teacher' }>;

/** The source a sweep trains on: its `data`, else the setting's own targets. A source that the setting
 *  cannot serve is a ConfigError naming `data`. */
export function dataSourceOf(data: DataSource | undefined, setting: Setting): DataSource {
  const t = setting.targets;
  if (data === undefined) return t.kind === 'reference' ? { kind: 'reference' } : { kind: 'on-policy', attempts: t.attempts, temperature: t.temperature };
  if ((data.kind === 'reference' || data.kind === 'stream') && t.kind !== 'reference') {
    throw new ConfigError(`setting "${setting.id}" has no reference targets (its targets are on-policy); expected data.kind on-policy, teacher or dataset`, 'data.kind');
  }
  if (data.kind === 'stream' && setting.trainPromptStream === undefined) {
    throw new ConfigError(`setting "${setting.id}" has no train-prompt generator (only the built-in microworld settings have one); expected data.kind reference, on-policy, teacher or dataset`, 'data.kind');
  }
  return data;
}

/** Backend args that say where a backend runs, not what it computes: never in a key. */
const WHERE_ARGS: readonly string[] = ['baseUrl', 'apiKeyEnv', 'maxInFlight'];

/** The teacher's backend as `createBackend` takes it. */
export function teacherBackendSpec(t: TeacherSource): { name: string; args: Record<string, string | number | boolean> } {
  if (typeof t.backend === 'string') return { name: t.backend, args: {} };
  const { name, ...args } = t.backend;
  return { name, args: args as Record<string, string | number | boolean> };
}

/** The teacher as keys and provenance name it: backend name, the args that change what it computes, and
 *  its model and adapter by identity (`modelIdentity`: a local folder's content hash, else its name). */
export function teacherIdentity(t: TeacherSource, modelIdentity: (name: string, where: string) => string): { backend: string; args: Record<string, unknown>; model: string; adapter: string | null } {
  const spec = teacherBackendSpec(t);
  const args = Object.fromEntries(Object.entries(spec.args).filter(([k]) => !WHERE_ARGS.includes(k)));
  return { backend: spec.name, args, model: modelIdentity(t.model, 'data.model'), adapter: t.adapter === undefined ? null : modelIdentity(t.adapter, 'data.adapter') };
}

/** Prompts a stream's fingerprint covers: enough that a changed generator or target changes it. */
const FINGERPRINT_PROMPTS = 16;

/** A stream as data keys name it: its generator, and a fingerprint of its first prompts for `seed` and
 *  their reference targets (a generator's code can change under the same name). */
export function streamIdentity(setting: Setting, seed: number): { generator: string; fingerprint: string } {
  const stream = setting.trainPromptStream;
  const t = setting.targets;
  if (stream === undefined || t.kind !== 'reference') throw new ConfigError(`setting "${setting.id}" has no train-prompt generator with reference targets`, 'data.kind');
  const first = Array.from({ length: FINGERPRINT_PROMPTS }, (_, i) => {
    const p = stream.prompt(seed, i);
    return [p, t.target(p)];
  });
  return { generator: stream.id, fingerprint: contentHash(first) };
}
