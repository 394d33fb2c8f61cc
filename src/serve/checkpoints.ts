// Saved weights and their tinker:// paths. `tinker://<model_id>/weights/<name>` is a training state (the
// trainable weights + optimizer), `tinker://<model_id>/sampler_weights/<name>` what a sampler loads.
// Each is a folder `<project>/serve/<model_id>/<kind>/<name>/` holding the engine's checkpoint files and
// `checkpoint.json` (below), written under a temporary name and renamed into place, so a folder either
// is complete or does not exist. Paths keep working after the server restarts.
// Names are checked against one pattern before they touch the file system: no separators, no dot
// segments, nothing but [A-Za-z0-9._-] (first character alphanumeric), at most 128 characters.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HttpError, quoteShort } from '../http/index.js';

export type CheckpointKind = 'weights' | 'sampler_weights';

/** checkpoint.json. Changing a field's name or meaning requires bumping schemaVersion. */
export interface CheckpointMeta {
  /** Version of this file's layout; 1. */
  schemaVersion: 1;
  /** The served base model name the weights were trained from. */
  baseModel: string;
  /** LoRA rank and alpha of the adapters, or null for a full model. */
  lora: { rank: number; alpha: number } | null;
  /** Optimizer steps taken when saved. */
  step: number;
  kind: CheckpointKind;
}

export const MODEL_ID = /^model_[0-9a-f]{16}$/;
export const CHECKPOINT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const TINKER_PATH = /^tinker:\/\/([^/]+)\/([^/]+)\/([^/]+)$/;

export interface TinkerPath {
  modelId: string;
  kind: CheckpointKind;
  name: string;
}

export function tinkerPath(p: TinkerPath): string {
  return `tinker://${p.modelId}/${p.kind}/${p.name}`;
}

/** Parses a tinker:// path; any other form is a 400 naming the expected one. */
export function parseTinkerPath(raw: string, field: string): TinkerPath {
  const m = TINKER_PATH.exec(raw);
  const expected = 'expected tinker://<model_id>/weights/<name> or tinker://<model_id>/sampler_weights/<name>';
  if (m === null || !MODEL_ID.test(m[1]!) || (m[2] !== 'weights' && m[2] !== 'sampler_weights') || !CHECKPOINT_NAME.test(m[3]!)) {
    throw new HttpError(400, `${field}: ${quoteShort(raw)} is not a path of this server; ${expected}`);
  }
  return { modelId: m[1]!, kind: m[2], name: m[3]! };
}

/** Checks a checkpoint name given by a client (400 otherwise). */
export function checkName(name: string, field: string): string {
  if (!CHECKPOINT_NAME.test(name)) {
    throw new HttpError(400, `${field}: ${quoteShort(name)} is not a checkpoint name; expected letters, digits and . _ - (at most 128, starting with a letter or digit)`);
  }
  return name;
}

export class CheckpointStore {
  constructor(readonly root: string) {}

  folder(p: TinkerPath): string {
    return join(this.root, p.modelId, p.kind, p.name);
  }

  exists(p: TinkerPath): boolean {
    return existsSync(join(this.folder(p), 'checkpoint.json'));
  }

  /** The metadata of a saved checkpoint; 404 when there is none. */
  read(p: TinkerPath): CheckpointMeta {
    const file = join(this.folder(p), 'checkpoint.json');
    if (!existsSync(file)) throw new HttpError(404, `no checkpoint at ${tinkerPath(p)}`);
    let meta: Partial<CheckpointMeta> | null = null;
    try {
      meta = JSON.parse(readFileSync(file, 'utf8')) as Partial<CheckpointMeta>;
    } catch {
      // reported below
    }
    const lora = meta?.lora;
    const loraOk = lora === null || (typeof lora === 'object' && lora !== undefined && Number.isInteger(lora.rank) && typeof lora.alpha === 'number');
    if (meta === null || meta.schemaVersion !== 1 || typeof meta.baseModel !== 'string' || !loraOk || meta.kind !== p.kind) {
      throw new HttpError(500, `the checkpoint at ${tinkerPath(p)} has an unreadable checkpoint.json (expected schemaVersion 1)`);
    }
    return meta as CheckpointMeta;
  }

  /** Every readable sampler-weights checkpoint under the root, sorted by path, with the time its
   *  checkpoint.json was written (Unix seconds). Folders that are not checkpoints of this server
   *  (temporary ones, other names, unreadable metadata) are left out. */
  listSamplerWeights(): { path: TinkerPath; meta: CheckpointMeta; created: number }[] {
    const out: { path: TinkerPath; meta: CheckpointMeta; created: number }[] = [];
    const names = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).sort() : []);
    for (const modelId of names(this.root).filter((n) => MODEL_ID.test(n))) {
      for (const name of names(join(this.root, modelId, 'sampler_weights')).filter((n) => CHECKPOINT_NAME.test(n))) {
        const path: TinkerPath = { modelId, kind: 'sampler_weights', name };
        if (!this.exists(path)) continue;
        try {
          out.push({ path, meta: this.read(path), created: Math.floor(statSync(join(this.folder(path), 'checkpoint.json')).mtimeMs / 1000) });
        } catch {
          // an unreadable checkpoint.json: not listed (sampling it answers the 500 that names it)
        }
      }
    }
    return out;
  }

  /** Writes a checkpoint: `fill(dir)` writes the engine files into a fresh temporary folder, which is
   *  then renamed into place (replacing an older one of the same name when `overwrite`). */
  write(p: TinkerPath, meta: CheckpointMeta, fill: (dir: string) => void, overwrite: boolean): void {
    const final = this.folder(p);
    const parent = join(this.root, p.modelId, p.kind);
    mkdirSync(parent, { recursive: true });
    const tmp = join(parent, `.tmp-${randomBytes(6).toString('hex')}`);
    try {
      fill(tmp);
      writeFileSync(join(tmp, 'checkpoint.json'), `${JSON.stringify(meta, null, 2)}\n`);
      if (existsSync(final)) {
        if (!overwrite) throw new HttpError(409, `${tinkerPath(p)} already exists; choose another name`);
        rmSync(final, { recursive: true, force: true });
      }
      renameSync(tmp, final);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
}
