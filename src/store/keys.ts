// Every content key in bctlab is computed here and nowhere else. A key is `kind:vN:<hash>` where the
// hash covers ALL inputs of the stage (setting hash, organism, train config, checkpoint, sampling params
// and seed, grader spec and version). Bumping a kind's version invalidates its stored outputs (and, via
// the keys that include it, everything downstream). Keys never include credentials or file paths that
// differ between machines (weights are named by content hash).
import { createHash } from 'node:crypto';

/** Canonical JSON: object keys sorted, undefined dropped, so equal values hash equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      return Object.fromEntries(Object.keys(o).sort().filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));
    }
    if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
    if (typeof v === 'function') throw new TypeError('canonicalJson: functions cannot be hashed; hash their outputs');
    return v;
  });
}

/** sha256 of canonical JSON, hex, first 32 characters (128 bits). */
export function contentHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 32);
}

/** sha256 of raw bytes, hex (full length): the name of an artifact file. */
export function bytesHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Stage kinds and their key versions. Changing what a stage computes, or the meaning of its stored
 *  output, requires bumping its version here. */
export const KEY_VERSIONS = {
  /** Pre-check of a setting on a model organism. */
  check: 1,
  /** Training examples of a cell (targets for every train prompt). */
  data: 1,
  /** One training cell: data + organism + optimizer config + seed + schedule. */
  train: 1,
  /** One sampled answer: checkpoint weights + prompt + sampling params + seed. */
  sample: 1,
  /** One grade: sample key + grader spec + grader version. */
  grade: 1,
  /** One capability metric of a checkpoint. */
  capability: 1,
  /** A sweep: its full spec. */
  sweep: 1,
} as const;

export type KeyKind = keyof typeof KEY_VERSIONS;

/** The content key of a stage output. */
export function stageKey(kind: KeyKind, inputs: unknown): string {
  return `${kind}:v${KEY_VERSIONS[kind]}:${contentHash(inputs)}`;
}
