// Bad file CONTENTS through the real entry point, table-driven (the flags and paths are in
// bad-input.test.ts): sweep files, setting files and their JSONL prompt sets, model and adapter folders
// (config.json, safetensors headers, tokenizer.json), and project records. Each case is a command a user
// could type on files they made; each must exit with its status, print ONE line on standard error naming
// the file (and the field, line or tensor) and what was expected, print no stack trace, and leave the
// record of an earlier real sweep exactly as it was (a digest of its rows; the bytes of a record that is
// not SQLite). Exit statuses follow src/errors.ts: a sweep, setting, prompt set or checkpoint the user
// gave is bad input (2); a record that cannot be used (not SQLite, damaged, newer, busy) is a store
// failure (1). The cases run in-process (`bctIn`, the binary's `main`).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { parse as parseYaml, stringify } from 'yaml';
import { LORA_TARGETS, loadModel, readSafetensors, saveAdapters, writeSafetensors } from '../../src/engine/index.js';
import { Tokenizer } from '../../src/microworld/index.js';
import { MAX_INPUT_FILE_BYTES, MAX_JSONL_PROMPTS } from '../../src/settings/index.js';
import { SWEEP_LIMITS } from '../../src/pipeline/sweep-spec.js';
import { tempDir } from '../temp-dir.js';
import { bctIn, recordDigest } from './cli.js';
import { buildTinyOrganism, TINY_SETTING } from './tiny-organism.js';

interface Case {
  args: string[];
  /** The one line on standard error after `bct <command>: `: the exact text, or patterns it must match. */
  says: string | RegExp[];
  status?: 1 | 2; // default 2
  /** Standard output may hold what was printed before the error was met (damage found by a later query). */
  partialOutput?: true;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** The files every case starts from: a tiny organism, an adapter on it, and a project holding the record
 *  of one small real sweep on them. Folder names have spaces and non-ASCII letters, as users' do. */
interface Fixture {
  root: string;
  files: string;
  organism: string;
  adapter: string;
  project: string;
}

const SWEEP: Record<string, Json> = { lrs: [1e-2], steps: [2], batchSizes: [4], checkpointEvery: 2, maxTokens: 2, trainPromptsPerCheckpoint: 2 };

async function makeFixture(): Promise<Fixture> {
  const root = tempDir('bct-bad-files-');
  const files = join(root, 'fichiers d’entrée');
  mkdirSync(files);
  const organism = join(root, 'organisme été');
  buildTinyOrganism(organism);
  // An adapter as the engine saves one (B = 0, so it leaves the organism's answers as they are).
  const adapter = join(root, 'adaptateur été');
  const model = loadModel(organism);
  model.addLora({ rank: 2, alpha: 4, targets: [...LORA_TARGETS] }, 3);
  saveAdapters(model, adapter);
  const project = join(root, 'projet été');
  const sweep = join(root, 'balayage.yaml');
  writeFileSync(sweep, stringify({ name: 'petit', setting: TINY_SETTING, organism: { id: 'tiny', base: organism, induction: { kind: 'none' } }, ...SWEEP }));
  const run = await bctIn(['run', sweep, '--project', project]);
  assert.equal(run.status, 0, run.stdout + run.stderr);
  return { root, files, organism, adapter, project };
}

let shared: Promise<Fixture> | undefined;
const fixture = (): Promise<Fixture> => (shared ??= makeFixture());

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** A pattern for a message that starts with `path: `. */
const at = (path: string, rest: string): RegExp => new RegExp(`^${esc(path)}: ${rest}`);

/** What a case must leave as it was: the record's rows (or, for a record that is not SQLite, its bytes)
 *  and the names of the project's files (no lock, report or partial file left behind). */
function snapshot(project: string): string {
  const db = join(project, 'record.sqlite');
  let rows: string;
  try {
    rows = recordDigest(db);
  } catch {
    rows = !existsSync(db) ? 'no record' : statSync(db).isFile() ? `bytes ${createHash('sha256').update(readFileSync(db)).digest('hex')}` : 'a folder';
  }
  const names = existsSync(project) ? readdirSync(project).filter((n) => !n.startsWith('record.sqlite-')).sort() : [];
  return `${rows} ${names.join(',')}`;
}

function projectOf(args: string[]): string {
  const i = args.indexOf('--project');
  assert.ok(i >= 0, `every case names its project: ${args.join(' ')}`);
  return args[i + 1]!;
}

/** Runs every case: its status, one line on standard error saying what it must, no stack trace on either
 *  stream, nothing on standard output, the project as it was, and done in seconds (the YAML bombs).
 *  Every failing case is reported, not only the first. */
async function expectRefused(table: Case[], minimum: number): Promise<void> {
  const lines = table.map((c) => c.args.join(' '));
  assert.deepEqual(lines.filter((l, i) => lines.indexOf(l) !== i), [], 'distinct cases');
  assert.ok(table.length >= minimum, `${table.length} cases, expected at least ${minimum}`);
  const failures: string[] = [];
  for (const c of table) {
    const project = projectOf(c.args);
    const before = snapshot(project);
    const started = Date.now();
    const r = await bctIn(c.args);
    const ms = Date.now() - started;
    try {
      const shown = `bct ${c.args.join(' ')}\n${r.stdout}${r.stderr}`;
      assert.equal(r.status, c.status ?? 2, shown);
      assert.doesNotMatch(r.stdout + r.stderr, /internal error|\n\s+at /, shown);
      if (c.partialOutput !== true) assert.equal(r.stdout, '', shown);
      assert.match(r.stderr, /^bct [a-z]+: [^\n]+\n$/, `one line on standard error: ${shown}`);
      const message = r.stderr.replace(/^bct [a-z]+: /, '').trimEnd();
      if (typeof c.says === 'string') assert.equal(message, c.says, shown);
      else for (const says of c.says) assert.match(message, says, shown);
      assert.equal(snapshot(project), before, `the project is unchanged after: ${shown}`);
      assert.ok(ms < 10_000, `${ms} ms: ${shown}`);
    } catch (e) {
      failures.push((e as Error).message);
    }
  }
  assert.deepEqual(failures, [], `${failures.length} of ${table.length} cases failed:\n\n${failures.join('\n\n')}`);
}

let copies = 0;
/** A copy of the fixture's project, for a case that may write to its record. */
function copyProject(f: Fixture): string {
  const dir = join(f.root, `copie ${++copies}`);
  cpSync(f.project, dir, { recursive: true });
  return dir;
}

// ── sweep files ──────────────────────────────────────────────────────────────────────────────────────

test('bad sweep files (YAML and JSON): exit 2, one line naming the file and the field and what was expected', async () => {
  const f = await fixture();
  const P = ['--project', f.project];
  const good = { setting: TINY_SETTING, organism: { id: 'tiny', base: f.organism, induction: { kind: 'none' } }, ...SWEEP };
  /** A sweep file: the fixture's sweep with `patch` on top (a field set to undefined is left out). */
  const sweep = (name: string, patch: Record<string, unknown>): string => {
    const path = join(f.files, name);
    const fields = Object.fromEntries(Object.entries({ ...good, ...patch }).filter(([, v]) => v !== undefined));
    writeFileSync(path, name.endsWith('.json') ? JSON.stringify(fields) : stringify(fields));
    return path;
  };
  const raw = (name: string, content: string | Buffer): string => {
    const path = join(f.files, name);
    writeFileSync(path, content);
    return path;
  };
  const L = SWEEP_LIMITS;
  const range = (file: string, field: string, expected: string, got: string): Case => ({ args: ['run', file, ...P], says: `${file}: ${field}: expected ${expected}, got ${got}` });
  const sparse = raw('énorme.yaml', '');
  truncateSync(sparse, MAX_INPUT_FILE_BYTES + 1);
  const nested = raw('imbriqué.yaml', `setting: x\nlrs: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`);
  const nestedMap = raw('imbriqué-map.yaml', `setting: x\norganism: ${'{a: '.repeat(20_000)}1${'}'.repeat(20_000)}\n`);
  // Billion laughs: nine levels of nine aliases each would expand to 9^9 strings.
  const laughs = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
  for (const [prev, name] of [...'abcdefgh'].map((p, i) => [p, 'bcdefghi'[i]!])) laughs.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(', ')}]`);
  const bomb = raw('rires.yaml', `${laughs.join('\n')}\nsetting: x\n`);
  const table: Case[] = [
    // Wrong types.
    { args: ['run', sweep('type-lrs.yaml', { lrs: '1e-3' }), ...P], says: [/: lrs: Invalid input: expected array, received string$/] },
    { args: ['run', sweep('type-lrs-item.json', { lrs: ['0.001'] }), ...P], says: [/type-lrs-item\.json: lrs\[0\]: Invalid input: expected number, received string$/] },
    { args: ['run', sweep('type-seeds.yaml', { seeds: [0.5] }), ...P], says: [/: seeds\[0\]: expected an integer in \[0, 2147483647\], got 0\.5$/] },
    { args: ['run', sweep('type-steps.yaml', { steps: [true] }), ...P], says: [/: steps\[0\]: Invalid input: expected number, received boolean$/] },
    { args: ['run', sweep('type-name.yaml', { name: 5 }), ...P], says: [/: name: Invalid input: expected string, received number$/] },
    { args: ['run', sweep('type-setting.json', { setting: 7 }), ...P], says: [/: setting: Invalid input: expected string, received number$/] },
    { args: ['run', sweep('type-force.yaml', { force: 'yes' }), ...P], says: [/: force: Invalid input: expected boolean, received string$/] },
    { args: ['run', sweep('type-betas.yaml', { betas: [0.9] }), ...P], says: [/: betas: Too small: expected array to have >=2 items$/] },
    { args: ['run', sweep('type-temperature.json', { temperature: 'hot' }), ...P], says: [/: temperature: Invalid input: expected number, received string$/] },
    { args: ['run', sweep('type-organism.yaml', { organism: 'tiny' }), ...P], says: [/: organism: Invalid input: expected object, received string$/] },
    { args: ['run', sweep('organism-id.yaml', { organism: { base: f.organism, induction: { kind: 'none' } } }), ...P], says: [/: organism\.id: Invalid input: expected string, received undefined$/] },
    { args: ['run', sweep('organism-induction.yaml', { organism: { id: 'x', base: f.organism, induction: { kind: 'magic' } } }), ...P], says: [/: organism\.induction\.kind: Invalid discriminator value\. Expected 'none' \| 'system-prompt' \| 'template' \| 'weights'$/] },
    { args: ['run', sweep('organism-template.yaml', { organism: { id: 'x', base: f.organism, induction: { kind: 'template', user: 'no placeholder' } } }), ...P], says: [/: organism\.induction\.user: Invalid string: must include "\{\{prompt\}\}"$/] },
    { args: ['run', raw('lrs-nan.yaml', `setting: ${JSON.stringify(TINY_SETTING)}\nlrs: [.nan]\n`), ...P], says: [/lrs-nan\.yaml: lrs\[0\]: Invalid input: expected number, received NaN$/] },
    { args: ['run', raw('lrs-inf.yaml', `setting: ${JSON.stringify(TINY_SETTING)}\nlrs: [.inf]\n`), ...P], says: [/lrs-inf\.yaml: lrs\[0\]: Invalid input: expected number, received Infinity$/] },
    // Out of the bounds of SWEEP_LIMITS.
    range(sweep('lr-big.yaml', { lrs: [2] }), 'lrs[0]', `a number in (0, ${L.lr}]`, '2'),
    range(sweep('lr-zero.yaml', { lrs: [0] }), 'lrs[0]', `a number in (0, ${L.lr}]`, '0'),
    range(sweep('seed-neg.yaml', { seeds: [-1] }), 'seeds[0]', `an integer in [0, ${L.seed}]`, '-1'),
    range(sweep('seed-big.json', { seeds: [2 ** 31] }), 'seeds[0]', `an integer in [0, ${L.seed}]`, String(2 ** 31)),
    range(sweep('batch-big.yaml', { batchSizes: [L.batchSize + 1] }), 'batchSizes[0]', `an integer in [1, ${L.batchSize}]`, String(L.batchSize + 1)),
    range(sweep('steps-zero.yaml', { steps: [0] }), 'steps[0]', `an integer in [1, ${L.steps}]`, '0'),
    range(sweep('steps-big.yaml', { steps: [L.steps + 1] }), 'steps[0]', `an integer in [1, ${L.steps}]`, String(L.steps + 1)),
    range(sweep('epochs-big.yaml', { steps: undefined, epochs: [L.epochs + 1] }), 'epochs[0]', `a number in (0, ${L.epochs}]`, String(L.epochs + 1)),
    range(sweep('rank-big.yaml', { loraRanks: [L.loraRank + 1] }), 'loraRanks[0]', `an integer in [0, ${L.loraRank}]`, String(L.loraRank + 1)),
    range(sweep('alpha-zero.yaml', { loraAlpha: 0 }), 'loraAlpha', `a number in (0, ${L.loraAlpha}]`, '0'),
    range(sweep('eps-big.yaml', { eps: 2 }), 'eps', `a number in (0, ${L.eps}]`, '2'),
    range(sweep('decay-big.yaml', { weightDecay: L.weightDecay + 1 }), 'weightDecay', `a number in [0, ${L.weightDecay}]`, String(L.weightDecay + 1)),
    range(sweep('clip-big.yaml', { gradClip: L.gradClip * 10 }), 'gradClip', `a number in [0, ${L.gradClip}]`, String(L.gradClip * 10)),
    range(sweep('count-big.yaml', { checkpointEvery: undefined, checkpointCount: L.checkpointCount + 1 }), 'checkpointCount', `an integer in [1, ${L.checkpointCount}]`, String(L.checkpointCount + 1)),
    range(sweep('every-zero.yaml', { checkpointEvery: 0 }), 'checkpointEvery', `an integer in [1, ${L.steps}]`, '0'),
    range(sweep('samples-big.yaml', { samplesPerPrompt: L.samplesPerPrompt + 1 }), 'samplesPerPrompt', `an integer in [1, ${L.samplesPerPrompt}]`, String(L.samplesPerPrompt + 1)),
    range(sweep('train-prompts-big.yaml', { trainPromptsPerCheckpoint: L.trainPromptsPerCheckpoint + 1 }), 'trainPromptsPerCheckpoint', `an integer in [0, ${L.trainPromptsPerCheckpoint}]`, String(L.trainPromptsPerCheckpoint + 1)),
    range(sweep('temperature-big.yaml', { temperature: L.temperature + 1 }), 'temperature', `a number in [0, ${L.temperature}]`, String(L.temperature + 1)),
    range(sweep('top-p-zero.json', { topP: 0 }), 'topP', 'a number in (0, 1]', '0'),
    range(sweep('max-tokens-big.yaml', { maxTokens: L.maxTokens + 1 }), 'maxTokens', `an integer in [1, ${L.maxTokens}]`, String(L.maxTokens + 1)),
    range(sweep('jobs-big.yaml', { jobs: L.jobs + 1 }), 'jobs', `an integer in [1, ${L.jobs}]`, String(L.jobs + 1)),
    range(sweep('betas-one.yaml', { betas: [1, 0.9] }), 'betas[0]', 'a number in [0, 1)', '1'),
    { args: ['run', sweep('name-long.yaml', { name: 'n'.repeat(L.nameChars + 1) }), ...P], says: [new RegExp(`: name: expected at most ${L.nameChars} characters, got ${L.nameChars + 1}$`)] },
    { args: ['run', sweep('name-chars.yaml', { name: 'mon balayage' }), ...P], says: [/: name: expected letters, digits, dot, dash or underscore$/] },
    { args: ['run', sweep('setting-long.yaml', { setting: 's'.repeat(L.pathChars + 1) }), ...P], says: [new RegExp(`: setting: expected at most ${L.pathChars} characters, got ${L.pathChars + 1}$`)] },
    { args: ['run', sweep('axis-long.yaml', { seeds: Array.from({ length: L.axisValues + 1 }, (_, i) => i) }), ...P], says: [new RegExp(`: seeds: expected at most ${L.axisValues} values, got ${L.axisValues + 1}$`)] },
    { args: ['run', sweep('axis-empty.yaml', { lrs: [] }), ...P], says: [/: lrs: expected at least one value$/] },
    { args: ['run', sweep('grid-big.yaml', { lrs: Array.from({ length: 64 }, (_, i) => (i + 1) / 100), seeds: Array.from({ length: 64 }, (_, i) => i), steps: [1, 2] }), ...P], says: [new RegExp(`: \\(top level\\): the grid has 8192 cells \\(lrs 64 × seeds 64 × batchSizes 1 × steps 2 × loraRanks 1\\); expected at most ${L.cells}$`)] },
    // Unknown fields, fields that exclude each other, unknown names.
    { args: ['run', sweep('typo.yaml', { lr: [1e-3] }), ...P], says: [/typo\.yaml: \(top level\): Unrecognized key: "lr"$/] },
    { args: ['run', sweep('organism-extra.yaml', { organism: { id: 'x', base: f.organism, induction: { kind: 'none' }, weights: 'x' } }), ...P], says: [/: organism: Unrecognized key: "weights"$/] },
    { args: ['run', sweep('both.yaml', { epochs: [1] }), ...P], says: [/both\.yaml: epochs: give steps or epochs, not both$/] },
    { args: ['run', sweep('both-checkpoints.json', { checkpointCount: 3 }), ...P], says: [/: checkpointCount: give checkpointEvery or checkpointCount, not both$/] },
    { args: ['run', sweep('optimizer.yaml', { optimizer: 'adam' }), ...P], says: [/: optimizer: Invalid option: expected one of "research"\|"bctlab-0\.1"$/] },
    // Backends.
    { args: ['run', sweep('backend-name.yaml', { backend: 'cuda' }), ...P], says: [/backend-name\.yaml: backend: Invalid option: expected one of "embedded"\|"tinker"$/] },
    { args: ['run', sweep('backend-object.yaml', { backend: { name: 'cuda' } }), ...P], says: [/: backend\.name: Invalid option: expected one of "embedded"\|"tinker"$/] },
    { args: ['run', sweep('backend-url.yaml', { backend: { name: 'tinker', baseUrl: 'pas une adresse' } }), ...P], says: [/: backend\.baseUrl: Invalid URL$/] },
    { args: ['run', sweep('backend-key.yaml', { backend: { name: 'tinker', apiKeyEnv: 'MY-KEY' } }), ...P], says: [/: backend\.apiKeyEnv: expected an environment variable name$/] },
    { args: ['run', sweep('backend-key-digit.json', { backend: { name: 'tinker', apiKeyEnv: '1KEY' } }), ...P], says: [/: backend\.apiKeyEnv: expected an environment variable name$/] },
    { args: ['run', sweep('backend-inflight.yaml', { backend: { name: 'tinker', maxInFlight: 0 } }), ...P], says: [/: backend\.maxInFlight: Too small: expected number to be >0$/] },
    { args: ['run', sweep('backend-extra.yaml', { backend: { name: 'tinker', apiKey: 'tml-secret-value' } }), ...P], says: [/: backend: Unrecognized key: "apiKey"$/, /^(?!.*tml-secret-value)/] },
    { args: ['run', sweep('backend-type.yaml', { backend: 5 }), ...P], says: [/: backend: Invalid option: expected one of "embedded"\|"tinker"$/] },
    // Files that are not sweeps.
    { args: ['run', raw('cassé.yaml', 'setting: x\nlrs: [1e-3\n'), ...P], says: [/cassé\.yaml: not valid YAML: .*line 3/] },
    { args: ['run', raw('tabs.yaml', 'setting: x\n\tlrs: [1]\n'), ...P], says: [/tabs\.yaml: not valid YAML: Tabs are not allowed as indentation at line 2, column 1$/] },
    { args: ['run', raw('doublon.yaml', 'setting: a\nsetting: b\n'), ...P], says: [/doublon\.yaml: not valid YAML: Map keys must be unique at line 2, column 1$/] },
    { args: ['run', raw('tag.yaml', 'setting: !!js/function "x"\n'), ...P], says: [/tag\.yaml: not valid YAML: Unresolved tag: tag:yaml\.org,2002:js\/function at line 1, column 10$/] },
    { args: ['run', raw('virgule.json', '{"setting": "x",}'), ...P], says: [/virgule\.json: not valid JSON: /] },
    { args: ['run', raw('vide.yaml', ''), ...P], says: [/vide\.yaml: \(top level\): expected a mapping of sweep fields$/] },
    { args: ['run', raw('vide.json', ''), ...P], says: [/vide\.json: not valid JSON: Unexpected end of JSON input$/] },
    { args: ['run', raw('scalaire.yaml', 'hello\n'), ...P], says: [/scalaire\.yaml: \(top level\): expected a mapping of sweep fields$/] },
    { args: ['run', raw('bruit.yaml', Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919 + 13) % 256))), ...P], says: [/bruit\.yaml:1: not valid UTF-8; expected UTF-8 text \(save the file as UTF-8\)$/] },
    { args: ['run', raw('nuls.yaml', Buffer.alloc(64)), ...P], says: [/nuls\.yaml: \(top level\): expected a mapping of sweep fields$/] },
    { args: ['run', raw('latin1.yaml', Buffer.from('setting: "r\xe9glage"\n', 'latin1')), ...P], says: [/latin1\.yaml:1: not valid UTF-8; expected UTF-8 text/] },
    { args: ['run', join(f.organism), ...P], says: [/organisme été: .*(folder|EISDIR)/] },
    { args: ['run', sparse, ...P], says: `${sparse}: file is 16.0 MiB (${MAX_INPUT_FILE_BYTES + 1} bytes); expected at most 16.0 MiB` },
    { args: ['run', nested, ...P], says: [/imbriqué\.yaml: not valid YAML: nested too deeply/] },
    { args: ['run', nestedMap, ...P], says: [/imbriqué-map\.yaml: not valid YAML: nested too deeply/] },
    { args: ['run', bomb, ...P], says: [/rires\.yaml: not valid YAML: Excessive alias count indicates a resource exhaustion attack$/] },
  ];
  await expectRefused(table, 60);
});

// ── setting files and their JSONL prompt sets ────────────────────────────────────────────────────────

const TINY_DIR = dirname(TINY_SETTING);
/** The tiny organism's vocabulary size: the microworld's (its embedding has one row per word). */
const V = Tokenizer.microworld().vocabSize;
type SettingFields = Record<string, Json>;

test('bad setting files and JSONL prompt sets: exit 2, one line naming the file (and line) and the field and what was expected', async () => {
  const f = await fixture();
  const original = parseYaml(readFileSync(TINY_SETTING, 'utf8')) as SettingFields;
  const trainLines = readFileSync(join(TINY_DIR, 'train.jsonl'), 'utf8').trimEnd().split('\n');
  /** A setting folder: a copy of test/fixtures/tiny-setting whose setting file is `edit`ed (written as
   *  `setting.<ext>`) and whose prompt files are replaced by `jsonl` (file name → content). */
  const setting = (name: string, edit: (s: SettingFields) => void, jsonl: Record<string, string | Buffer> = {}, ext = 'yaml'): string => {
    const dir = join(f.files, `réglage ${name}`);
    cpSync(TINY_DIR, dir, { recursive: true });
    rmSync(join(dir, 'setting.yaml'));
    const fields = structuredClone(original);
    edit(fields);
    const path = join(dir, `setting.${ext}`);
    writeFileSync(path, ext === 'json' ? JSON.stringify(fields) : stringify(fields));
    for (const [file, content] of Object.entries(jsonl)) writeFileSync(join(dir, file), content);
    return path;
  };
  const rawSetting = (name: string, content: string | Buffer, ext = 'yaml'): string => {
    const dir = join(f.files, `fichier ${name}`);
    cpSync(TINY_DIR, dir, { recursive: true });
    const path = join(dir, `setting.${ext}`);
    writeFileSync(path, content);
    return path;
  };
  const check = (path: string): string[] => ['check', path, '--base', f.organism, '--project', f.project];
  /** A case on a setting whose field `field` is refused: the message names the file and the field. */
  const refused = (name: string, edit: (s: SettingFields) => void, field: string, rest: string, ext = 'yaml'): Case => {
    const path = setting(name, edit, {}, ext);
    return { args: check(path), says: [at(path, `${esc(field)}: ${rest}$`)] };
  };
  /** A case on a setting whose train prompt set is `train`: the message names the JSONL file (and line). */
  const badTrain = (name: string, train: string | Buffer, where: string, rest: string): Case => {
    const path = setting(name, () => {}, { 'train.jsonl': train });
    return { args: check(path), says: [at(join(dirname(path), 'train.jsonl') + where, rest)] };
  };
  const line = (fields: Record<string, Json>): string => JSON.stringify(fields);
  const good = (id: string): string => line({ id, system: 'mode 1', user: 'echo red', target: 'dog' });
  const drop = (key: string) => (s: SettingFields): void => void delete s[key];
  const evalGrader = (spec: Json) => (s: SettingFields): void => void ((s.graders as Record<string, Json>).eval = spec);
  const caps = (evals: Json) => (s: SettingFields): void => void (s.capabilityEvals = evals);
  const deep = (levels: number): Json => JSON.parse(`${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`) as Json;
  const sparse = setting('énorme', () => {}, { 'train.jsonl': '' });
  truncateSync(join(dirname(sparse), 'train.jsonl'), MAX_INPUT_FILE_BYTES + 1);
  const sparseSetting = rawSetting('énorme', '');
  truncateSync(sparseSetting, MAX_INPUT_FILE_BYTES + 1);
  const folder = setting('dossier', () => {});
  rmSync(join(dirname(folder), 'eval.jsonl'));
  mkdirSync(join(dirname(folder), 'eval.jsonl'));
  const missing = setting('manquant', (s) => void (s.trainPrompts = { file: 'entraînement.jsonl' }));
  const table: Case[] = [
    // Each required field missing.
    ...['id', 'version', 'trainPrompts', 'evalPrompts', 'initialBehaviour', 'alternateBehaviour', 'graders', 'targets'].map((key) =>
      refused(`sans ${key}`, drop(key), key, key === 'version' ? 'Invalid input: expected string, received undefined' : `Invalid input: expected (string|object), received undefined`),
    ),
    refused('sans graders.train', (s) => void delete (s.graders as Record<string, Json>).train, 'graders.train', 'Invalid input: expected object, received undefined'),
    // Ids, versions, prose, unknown fields.
    refused('id snake', (s) => void (s.id = 'Tiny_Flag'), 'id', 'expected a kebab-case id'),
    refused('id tiret', (s) => void (s.id = '-tiny'), 'id', 'expected a kebab-case id'),
    refused('id long', (s) => void (s.id = 'a'.repeat(129)), 'id', 'expected at most 128 characters, got 129'),
    refused('version bool', (s) => void (s.version = true), 'version', 'Invalid input: expected string, received boolean'),
    refused('description nombre', (s) => void (s.description = 5), 'description', 'Invalid input: expected string, received number'),
    refused('comportement vide', (s) => void (s.initialBehaviour = ''), 'initialBehaviour', 'Too small: expected string to have >=1 characters'),
    refused('champ inconnu', (s) => void (s.prompts = 'train.jsonl'), '(top level)', 'Unrecognized key: "prompts"'),
    refused('fichier nombre', (s) => void (s.evalPrompts = { file: 3 }), 'evalPrompts.file', 'Invalid input: expected string, received number'),
    refused('fichier chemin', (s) => void (s.evalPrompts = 'eval.jsonl'), 'evalPrompts', 'Invalid input: expected object, received string'),
    // Graders.
    refused('grader inconnu', evalGrader({ name: 'substring', args: {} }), 'graders.eval.name', 'expected one of regex, contains, exact-match, llm-judge, mw-animal, .*'),
    refused('grader sans classes', evalGrader({ name: 'contains', args: {} }), 'graders.eval.args.classes', 'Invalid input: expected record, received undefined \\(grader "contains"\\)'),
    refused('grader classe nombre', evalGrader({ name: 'contains', args: { classes: { initial: 5 } } }), 'graders.eval.args.classes.initial', 'Invalid input: expected string, received number \\(grader "contains"\\)'),
    refused('grader étiquette', evalGrader({ name: 'contains', args: { classes: { winner: 'cat' } } }), 'graders.eval.args.classes', 'Unrecognized key: "winner" \\(grader "contains"\\)'),
    refused('grader otherwise', evalGrader({ name: 'exact-match', args: { classes: { initial: 'cat' }, otherwise: 'maybe' } }), 'graders.eval.args.otherwise', 'Invalid option: expected one of "initial"\\|"alternate"\\|"other"\\|.* \\(grader "exact-match"\\)'),
    refused('grader clé', evalGrader({ name: 'contains', arg: {} }), 'graders.eval', 'Unrecognized key: "arg"'),
    refused('grader regex', evalGrader({ name: 'regex', args: { classes: { initial: '(cat', alternate: 'dog' } } }), 'graders.eval.args.classes.initial', 'invalid regular expression "\\(cat": Unterminated group; expected a JavaScript regular expression \\(grader "regex"\\)'),
    refused('grader profond', evalGrader({ name: 'contains', args: deep(100) }), 'graders.eval.args', 'nested more than 64 levels deep; expected a shallower JSON value'),
    // Targets.
    refused('cibles inconnues', (s) => void (s.targets = { kind: 'magic' }), 'targets.kind', "Invalid discriminator value\\. Expected 'reference' \\| 'on-policy'"),
    refused('cibles essais', (s) => void (s.targets = { kind: 'on-policy', attempts: 0 }), 'targets.attempts', 'expected an integer in \\[1, 100\\], got 0'),
    refused('cibles température', (s) => void (s.targets = { kind: 'on-policy', temperature: 11 }), 'targets.temperature', 'expected a number in \\[0, 10\\], got 11'),
    refused('cibles clé', (s) => void (s.targets = { kind: 'reference', file: 'x' }), 'targets', 'Unrecognized key: "file"'),
    // Capability evaluations.
    refused('capacités objet', caps({ kind: 'nll', name: 'x', file: 'nll.jsonl' }), 'capabilityEvals', 'Invalid input: expected array, received object'),
    refused('capacités sorte', caps([{ kind: 'bleu', name: 'x', file: 'nll.jsonl' }]), 'capabilityEvals[0].kind', "Invalid discriminator value\\. Expected 'accuracy' \\| 'nll'"),
    refused('capacités sans grader', caps([{ kind: 'accuracy', name: 'x', file: 'cap.jsonl' }]), 'capabilityEvals[0].grader', 'Invalid input: expected object, received undefined'),
    refused('capacités grader nll', caps([{ kind: 'nll', name: 'x', file: 'nll.jsonl', grader: { name: 'contains' } }]), 'capabilityEvals[0]', 'Unrecognized key: "grader"'),
    refused('capacités nom vide', caps([{ kind: 'nll', name: '', file: 'nll.jsonl' }]), 'capabilityEvals[0].name', 'Too small: expected string to have >=1 characters'),
    refused('capacités trop', caps(Array.from({ length: 65 }, (_, i) => ({ kind: 'nll', name: `n${i}`, file: 'nll.jsonl' }))), 'capabilityEvals', 'expected at most 64 capability evaluations, got 65'),
    refused('capacités grader inconnu', caps([{ kind: 'accuracy', name: 'x', file: 'cap.jsonl', grader: { name: 'judge' } }]), 'capabilityEvals[0].grader.name', 'expected one of regex, contains, exact-match, .*'),
    refused('capacités grader args', caps([{ kind: 'accuracy', name: 'x', file: 'cap.jsonl', grader: { name: 'exact-match', args: { classes: { correct: 1 } } } }]), 'capabilityEvals[0].grader.args.classes.correct', 'Invalid input: expected string, received number \\(grader "exact-match"\\)'),
    // The organism a setting names.
    refused('organisme modèle', (s) => void (s.organism = { id: 'x', induction: { kind: 'none' } }), 'organism.base', 'Invalid input: expected string, received undefined'),
    refused('organisme gabarit', (s) => void (s.organism = { id: 'x', base: f.organism, induction: { kind: 'template', user: 'sans' } }), 'organism.induction.user', 'Invalid string: must include "\\{\\{prompt\\}\\}"'),
    refused('json', (s) => void (s.version = null), 'version', 'Invalid input: expected string, received null', 'json'),
    // Files that are not settings.
    { args: check(rawSetting('cassé', 'id: [tiny\n')), says: [/fichier cassé\/setting\.yaml: not valid YAML: .*at line 2/] },
    { args: check(rawSetting('vide', '')), says: [/fichier vide\/setting\.yaml: \(top level\): Invalid input: expected object, received (null|undefined)$/] },
    { args: check(rawSetting('liste', '- id\n')), says: [/fichier liste\/setting\.yaml: \(top level\): Invalid input: expected object, received array$/] },
    { args: check(rawSetting('json cassé', '{"id": "x"} x', 'json')), says: [/fichier json cassé\/setting\.json: not valid JSON: /] },
    { args: check(rawSetting('latin1', Buffer.from('id: tiny\ndescription: "d\xe9faut"\n', 'latin1'))), says: [/fichier latin1\/setting\.yaml:2: not valid UTF-8; expected UTF-8 text/] },
    { args: check(rawSetting('imbriqué', `id: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`)), says: [/fichier imbriqué\/setting\.yaml: not valid YAML: nested too deeply/] },
    { args: check(sparseSetting), says: `${sparseSetting}: file is 16.0 MiB (${MAX_INPUT_FILE_BYTES + 1} bytes); expected at most 16.0 MiB` },
    // Prompt sets: missing, empty, too large, not files.
    { args: check(missing), says: [at(join(dirname(missing), 'entraînement.jsonl'), 'cannot read the JSONL file named by trainPrompts\\.file: no such file or folder \\(ENOENT\\)$')] },
    badTrain('vide', '', '', 'no prompts; expected at least one JSONL line \\(named by trainPrompts\\.file\\)$'),
    badTrain('blanc', '\n  \n\n', '', 'no prompts; expected at least one JSONL line'),
    badTrain('trop', `${'{}\n'.repeat(MAX_JSONL_PROMPTS + 1)}`, '', `${MAX_JSONL_PROMPTS + 1} prompt lines; expected at most ${MAX_JSONL_PROMPTS} \\(named by trainPrompts\\.file\\)$`),
    { args: check(sparse), says: [at(join(dirname(sparse), 'train.jsonl'), `file is 16\\.0 MiB \\(${MAX_INPUT_FILE_BYTES + 1} bytes\\); expected at most 16\\.0 MiB$`)] },
    { args: check(folder), says: [at(join(dirname(folder), 'eval.jsonl'), 'cannot read the JSONL file named by evalPrompts\\.file \\(found a folder')] },
    // Bad lines.
    badTrain('pas json', `${good('t0')}\n{"id": "t1",\n`, ':2', 'line is not JSON: '),
    badTrain('ligne sans id', line({ user: 'echo red', target: 'dog' }), ':1', 'id: Invalid input: expected string, received undefined$'),
    badTrain('id vide', line({ id: '', user: 'echo red', target: 'dog' }), ':1', 'id: Too small: expected string to have >=1 characters$'),
    badTrain('doublon', `${good('t0')}\n${good('t1')}\n${good('t0')}\n`, ':3', 'duplicate prompt id "t0"$'),
    badTrain('user nombre', line({ id: 't0', user: 5, target: 'dog' }), ':1', 'user: Invalid input: expected string, received number$'),
    badTrain('rôle', line({ id: 't0', messages: [{ role: 'bot', content: 'echo red' }], target: 'dog' }), ':1', 'messages\\[0\\]\\.role: Invalid option: expected one of "system"\\|"user"\\|"assistant"$'),
    badTrain('messages vides', line({ id: 't0', messages: [], target: 'dog' }), ':1', 'messages: Too small: expected array to have >=1 items$'),
    badTrain('meta texte', line({ id: 't0', user: 'echo red', meta: 'red', target: 'dog' }), ':1', 'meta: Invalid input: expected record, received string$'),
    badTrain('meta profond', line({ id: 't0', user: 'echo red', meta: { word: deep(1000) }, target: 'dog' }), ':1', 'meta\\.word: nested more than 64 levels deep; expected a shallower JSON value$'),
    badTrain('cible nombre', line({ id: 't0', user: 'echo red', target: 1 }), ':1', 'target: Invalid input: expected string, received number$'),
    badTrain('les deux', line({ id: 't0', user: 'echo red', messages: [{ role: 'user', content: 'echo red' }], target: 'dog' }), ':1', '\\(line\\): expected either "messages" or "user" \\(not both\\)$'),
    badTrain('aucun', line({ id: 't0', system: 'mode 1', target: 'dog' }), ':1', '\\(line\\): expected either "messages" or "user" \\(not both\\)$'),
    badTrain('clé inconnue', line({ id: 't0', prompt: 'echo red', user: 'echo red', target: 'dog' }), ':1', '\\(line\\): Unrecognized key: "prompt"$'),
    badTrain('tableau', '[1, 2]\n', ':1', '\\(line\\): Invalid input: expected object, received array$'),
    badTrain('longue', `${good('t0')}\n${line({ id: 't1', user: 'echo red', target: 'dog', meta: { pad: 'x'.repeat(1024 * 1024) } })}\n`, ':2', `line has \\d+ characters; expected at most ${1024 * 1024} \\(one prompt per line\\)$`),
    badTrain('utf8', Buffer.concat([Buffer.from(`${good('t0')}\n`), Buffer.from(`{"id": "t1", "user": "echo r\xe9d", "target": "dog"}\n`, 'latin1')]), ':2', 'not valid UTF-8; expected UTF-8 text \\(save the file as UTF-8\\)$'),
    badTrain('bom milieu', `${good('t0')}\n\uFEFF${good('t1')}\n`, ':2', 'line starts with a byte-order mark \\(U\\+FEFF\\); expected a JSON object'),
    badTrain('sans cible', `${good('t0')}\n${line({ id: 't1', user: 'echo red' })}\n`, '', 'train prompt "t1" has no "target"; targets\\.kind is reference$'),
    (() => {
      const path = setting('nll', () => {}, { 'nll.jsonl': line({ id: 'n0', system: 'mode 0', user: 'echo fire' }) });
      return { args: check(path), says: [at(join(dirname(path), 'nll.jsonl'), 'NLL line "n0" has no "completion"$')] };
    })(),
    (() => {
      const path = setting('capacité', () => {}, { 'cap.jsonl': `${trainLines[0]}\n{"id": 5}\n` });
      return { args: check(path), says: [at(join(dirname(path), 'cap.jsonl:2'), 'id: Invalid input: expected string, received number$')] };
    })(),
  ];
  await expectRefused(table, 70);
});

// ── model and adapter folders ────────────────────────────────────────────────────────────────────────

/** The header (parsed) and the data of a safetensors file. */
function safetensorsParts(path: string): { header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] } | Record<string, string>>; data: Buffer } {
  const buf = readFileSync(path);
  const n = Number(buf.readBigUInt64LE(0));
  return { header: JSON.parse(buf.toString('utf8', 8, 8 + n)), data: buf.subarray(8 + n) };
}

/** Writes a safetensors file from a header (an object, or raw text) and data; `declared` overrides the
 *  header length written in the first 8 bytes. */
function writeSafetensorsParts(path: string, header: object | string, data: Buffer, declared?: bigint): void {
  const text = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(declared ?? BigInt(text.length));
  writeFileSync(path, Buffer.concat([head, text, data]));
}

type Header = ReturnType<typeof safetensorsParts>['header'];
type Entry = { dtype: string; shape: number[]; data_offsets: [number, number] };

test('bad model and adapter folders: exit 2, one line naming the file (and field or tensor) and what was expected', async () => {
  const f = await fixture();
  /** A model folder: a copy of the organism with `edit` applied. */
  const folder = (from: string, name: string, edit: (dir: string) => void): string => {
    const dir = join(f.files, name);
    cpSync(from, dir, { recursive: true });
    edit(dir);
    return dir;
  };
  const model = (name: string, edit: (dir: string) => void): string => folder(f.organism, `modèle ${name}`, edit);
  const json = (file: string, edit: (c: Record<string, Json>) => Json | void) => (dir: string): void => {
    const path = join(dir, file);
    const c = JSON.parse(readFileSync(path, 'utf8')) as Record<string, Json>;
    const replaced = edit(c);
    writeFileSync(path, JSON.stringify(replaced === undefined ? c : replaced));
  };
  const config = (edit: (c: Record<string, Json>) => Json | void) => json('config.json', edit);
  const gpt = (edit: (g: Record<string, Json>) => void) => config((c) => edit(c.config as Record<string, Json>));
  const weights = (file: string, edit: (parts: { header: Header; data: Buffer }) => { header: object | string; data: Buffer; declared?: bigint }) => (dir: string): void => {
    const path = join(dir, file);
    const out = edit(safetensorsParts(path));
    writeSafetensorsParts(path, out.header, out.data, out.declared);
  };
  const tensor = (edit: (h: Header) => void, file = 'model.safetensors') => weights(file, ({ header, data }) => (edit(header), { header, data }));
  const entry = (h: Header, name: string): Entry => h[name] as Entry;
  const put = (file: string, content: string | Buffer) => (dir: string): void => writeFileSync(join(dir, file), content);
  const tensors = (file: string, edit: (t: ReturnType<typeof readSafetensors>['tensors']) => void) => (dir: string): void => {
    const path = join(dir, file);
    const read = readSafetensors(path);
    edit(read.tensors);
    writeSafetensors(path, read.tensors, read.metadata);
  };
  const run = (base: string): string[] => ['run', '--setting', TINY_SETTING, '--base', base, '--lrs', '1e-2', '--steps', '2', '--batch-sizes', '4', '--checkpoint-every', '2', '--max-tokens', '2', '--train-prompts-per-checkpoint', '2', '--project', copyProject(f)];
  const check = (base: string): string[] => ['check', TINY_SETTING, '--base', base, '--project', f.project];
  const cfg = (dir: string): string => join(dir, 'config.json');
  const st = (dir: string): string => join(dir, 'model.safetensors');
  /** A case whose message starts with a file of the folder. */
  const bad = (args: string[], file: string, rest: string): Case => ({ args, says: [at(file, rest)] });
  const m = (name: string, edit: (dir: string) => void, file: (dir: string) => string, rest: string, cmd = run): Case => {
    const dir = model(name, edit);
    return bad(cmd(dir), file(dir), rest);
  };
  const words = Tokenizer.microworld().toJSON().words;
  const tok = (dir: string): string => join(dir, 'tokenizer.json');

  // Adapters are named in a sweep file (organism.adapter).
  const adapterRun = (dir: string): string[] => {
    const sweep = join(f.files, `balayage ${dir.split('/').pop()}.yaml`);
    writeFileSync(sweep, stringify({ setting: TINY_SETTING, organism: { id: 'tiny-adapté', base: f.organism, adapter: dir, induction: { kind: 'weights', note: 'in the adapter' } }, ...SWEEP }));
    return ['run', sweep, '--project', copyProject(f)];
  };
  const a = (name: string, edit: (dir: string) => void, file: (dir: string) => string, rest: string): Case => {
    const dir = folder(f.adapter, `adaptateur ${name}`, edit);
    return bad(adapterRun(dir), file(dir), rest);
  };
  const acfg = (dir: string): string => join(dir, 'adapter_config.json');
  const ast = (dir: string): string => join(dir, 'adapter_model.safetensors');
  const adapterConfig = (edit: (c: Record<string, Json>) => Json | void) => json('adapter_config.json', edit);

  const table: Case[] = [
    // config.json
    m('sans config', (d) => rmSync(cfg(d)), (d) => d, 'expected an engine checkpoint folder with config\\.json and model\\.safetensors$'),
    m('config cassé', put('config.json', '{"schemaVersion": 1,'), cfg, 'cannot read JSON \\(.*JSON.*\\)$'),
    m('config null', put('config.json', 'null'), cfg, 'expected a JSON object, got null$'),
    m('config tableau', put('config.json', '[1]'), cfg, 'expected a JSON object, got an array$'),
    m('config dossier', (d) => (rmSync(cfg(d)), mkdirSync(cfg(d))), cfg, 'cannot read JSON \\(is a folder where a file is expected \\(EISDIR\\)\\)$'),
    m('version 2', config((c) => void (c.schemaVersion = 2)), cfg, 'schemaVersion 2 is not supported; expected 1$'),
    m('version texte', config((c) => void (c.schemaVersion = '1')), cfg, 'schemaVersion "1" is not supported; expected 1$', check),
    m('format', config((c) => void (c.format = 'gguf')), cfg, 'format "gguf" is not supported; expected "bctlab-gpt"$'),
    m('sans format', config((c) => void delete c.format), cfg, 'format undefined is not supported; expected "bctlab-gpt"$', check),
    m('sans gpt', config((c) => void delete c.config), cfg, "config: expected the model's configuration object, got undefined$"),
    m('vocabulaire zéro', gpt((g) => void (g.vocabSize = 0)), cfg, 'config\\.vocabSize: expected a positive integer, got 0$'),
    m('largeur texte', gpt((g) => void (g.dModel = '32')), cfg, 'config\\.dModel: expected a positive integer, got "32"$', check),
    m('têtes', gpt((g) => void (g.nHead = 3)), cfg, 'config\\.nHead: dModel 32 is not divisible by nHead 3$'),
    m('clé inconnue', gpt((g) => void (g.dropout = 0.1)), cfg, 'config\\.dropout: unknown config key; expected one of vocabSize, '),
    m('liées', gpt((g) => void (g.tiedEmbeddings = 'yes')), cfg, 'config\\.tiedEmbeddings: expected a boolean, got "yes"$'),
    m('init', gpt((g) => void (g.initStd = -1)), cfg, 'config\\.initStd: expected a positive number, got -1$'),
    m('énorme', gpt((g) => void ((g.dModel = 1 << 20), (g.nHead = 2))), cfg, 'config describes \\d+ parameters \\(.* of F32\\) but model\\.safetensors holds \\d+ \\([\\d.]+ KiB\\); expected the configuration the weights were saved with$'),
    m('contexte énorme', gpt((g) => void (g.contextLength = 1e6)), cfg, 'config describes \\d+ parameters'),
    m('vocabulaire +1', gpt((g) => void (g.vocabSize = V + 1)), st, `tensor "wte\\.weight": expected shape \\(${V + 1}, 32\\), got \\(${V}, 32\\)$`),
    // model.safetensors
    m('sans poids', (d) => rmSync(st(d)), st, 'cannot read the checkpoint: no such file or folder \\(ENOENT\\)$'),
    m('poids vides', put('model.safetensors', ''), st, 'file has 0 bytes, too short for a safetensors header \\(truncated\\?\\)$'),
    m('poids 4 octets', put('model.safetensors', Buffer.from([1, 2, 3, 4])), st, 'file has 4 bytes, too short'),
    m('poids dossier', (d) => (rmSync(st(d)), mkdirSync(st(d))), st, 'cannot read the checkpoint: is a folder where a file is expected \\(EISDIR\\)$'),
    m('en-tête long', weights('model.safetensors', ({ header, data }) => ({ header, data, declared: 1n << 40n })), st, `header length ${1n << 40n} exceeds the \\d+ bytes after it \\(truncated or not safetensors\\?\\)$`),
    m('en-tête max', weights('model.safetensors', ({ header, data }) => ({ header, data, declared: (1n << 64n) - 1n })), st, `header length ${(1n << 64n) - 1n} exceeds`),
    m('en-tête pas json', weights('model.safetensors', ({ data }) => ({ header: 'pas du JSON', data })), st, 'header is not valid JSON: .*JSON'),
    m('en-tête tableau', weights('model.safetensors', ({ data }) => ({ header: [1, 2], data })), st, 'header must be a JSON object$'),
    m('entrée nombre', tensor((h) => void (h['wpe.weight'] = 5 as never)), st, 'tensor "wpe\\.weight": header entry must be an object$'),
    m('dtype F16', tensor((h) => void (entry(h, 'wte.weight').dtype = 'F16')), st, 'tensor "wte\\.weight": dtype "F16" is not supported; bctlab reads F32 tensors only$'),
    m('sans dtype', tensor((h) => void delete (h['wte.weight'] as Partial<Entry>).dtype), st, 'tensor "wte\\.weight": dtype undefined is not supported'),
    m('forme transposée', tensor((h) => void entry(h, 'wte.weight').shape.reverse()), st, `tensor "wte\\.weight": expected shape \\(${V}, 32\\), got \\(32, ${V}\\)$`),
    m('forme fausse', tensor((h) => void (entry(h, 'wte.weight').shape = [2, 2])), st, 'tensor "wte\\.weight": shape \\(2, 2\\) of F32 needs 16 bytes but data_offsets \\[\\d+, \\d+\\] span \\d+$'),
    m('forme négative', tensor((h) => void (entry(h, 'wte.weight').shape = [-V, -32])), st, `tensor "wte\\.weight": shape must be a list of non-negative integers, got \\[-${V},-32\\]$`),
    m('chevauchement', tensor((h) => void (entry(h, 'h.0.ln_1.weight').data_offsets = [...entry(h, 'h.0.ln_1.bias').data_offsets])), st, 'tensor "h\\.0\\.ln_1\\.(weight|bias)": data_offsets \\[\\d+, \\d+\\] overlap tensor "h\\.0\\.ln_1\\.(weight|bias)"$'),
    m('tronqué', weights('model.safetensors', ({ header, data }) => ({ header, data: data.subarray(0, data.length - 64) })), st, 'tensor ".*": data_offsets \\[\\d+, \\d+\\] reach past the \\d+ bytes of data \\(is the file truncated\\?\\)$'),
    m('octets en trop', weights('model.safetensors', ({ header, data }) => ({ header, data: Buffer.concat([data, Buffer.alloc(8)]) })), st, 'the tensors cover \\d+ bytes of data but the file holds \\d+ after the header$'),
    m('tenseur manquant', tensors('model.safetensors', (t) => void delete t['wpe.weight']), st, 'tensor "wpe\\.weight" of shape \\(24, 32\\) is missing$'),
    m('tenseur en trop', tensors('model.safetensors', (t) => void (t['h.9.attn.c_attn.weight'] = { shape: [1], data: new Float32Array(1) })), st, 'unexpected tensor "h\\.9\\.attn\\.c_attn\\.weight" \\(is this a checkpoint of a different model\\?\\)$'),
    m('métadonnées', tensor((h) => void (h.__metadata__ = 'x' as never)), st, '__metadata__ must be an object$'),
    m('métadonnée nombre', tensor((h) => void (h.__metadata__ = { format: 1 } as never)), st, '__metadata__\\.format must be a string, got 1$'),
    // tokenizer.json beside the weights.
    m('tokenizer cassé', put('tokenizer.json', '{"words": ['), tok, 'cannot read JSON \\('),
    m('tokenizer null', put('tokenizer.json', 'null'), tok, 'expected an object$'),
    m('tokenizer version', put('tokenizer.json', JSON.stringify({ schemaVersion: 2, kind: 'word', words })), tok, 'schemaVersion: expected 1, got 2$'),
    m('tokenizer sorte', put('tokenizer.json', JSON.stringify({ schemaVersion: 1, kind: 'bpe', words })), tok, 'kind: expected "word", got "bpe"$'),
    m('tokenizer mots', put('tokenizer.json', JSON.stringify({ schemaVersion: 1, kind: 'word', words: [1, 2] })), tok, 'words: expected an array of strings$'),
    m('tokenizer spéciaux', put('tokenizer.json', JSON.stringify({ schemaVersion: 1, kind: 'word', words: words.filter((w) => !w.startsWith('<')) })), tok, 'missing special token <'),
    m('tokenizer doublon', put('tokenizer.json', JSON.stringify({ schemaVersion: 1, kind: 'word', words: [...words.slice(0, -1), words[0]!] })), tok, `word "${esc(words[0]!)}" appears twice`),
    m('tokenizer espace', put('tokenizer.json', JSON.stringify({ schemaVersion: 1, kind: 'word', words: [...words.slice(0, -1), 'two words'] })), tok, 'word \\d+ "two words" is empty or contains whitespace$'),
    // Adapter folders (organism.adapter).
    bad(adapterRun(join(f.files, 'adaptateur absent')), 'organism.adapter', 'adapter not found \\(expected a file or folder at .*adaptateur absent\\)$'),
    a('sans config', (d) => rmSync(acfg(d)), (d) => d, 'expected an adapter folder with adapter_config\\.json and adapter_model\\.safetensors'),
    a('config cassé', put('adapter_config.json', '{'), acfg, 'cannot read JSON \\('),
    a('config null', put('adapter_config.json', 'null'), acfg, 'expected a JSON object, got null$'),
    a('version', adapterConfig((c) => void (c.schemaVersion = 0)), acfg, 'schemaVersion 0 is not supported; expected 1$'),
    a('rang zéro', adapterConfig((c) => void (c.r = 0)), acfg, 'r: expected an integer in \\[1, 32\\] \\(the base\'s dModel\\), got 0$'),
    a('rang énorme', adapterConfig((c) => void (c.r = 1e6)), acfg, 'r: expected an integer in \\[1, 32\\] \\(the base\'s dModel\\), got 1000000$'),
    a('rang texte', adapterConfig((c) => void (c.r = '2')), acfg, 'r: expected an integer in \\[1, 32\\] \\(the base\'s dModel\\), got "2"$'),
    a('alpha', adapterConfig((c) => void (c.lora_alpha = 0)), acfg, 'lora_alpha: expected a positive number, got 0$'),
    a('cibles texte', adapterConfig((c) => void (c.target_modules = 'all')), acfg, 'target_modules: expected a list of distinct names from attn\\.c_attn, attn\\.c_proj, mlp\\.c_fc, mlp\\.c_proj, got "all"$'),
    a('cibles inconnues', adapterConfig((c) => void (c.target_modules = ['attn.q'])), acfg, 'target_modules: expected a list of distinct names from .*, got \\["attn\\.q"\\]$'),
    a('cibles vides', adapterConfig((c) => void (c.target_modules = [])), acfg, 'target_modules: expected a list .*, got \\[\\]$'),
    a('sans poids', (d) => rmSync(ast(d)), ast, 'cannot read the checkpoint: no such file or folder \\(ENOENT\\)$'),
    a('tronqué', (d) => writeFileSync(ast(d), readFileSync(ast(d)).subarray(0, 100)), ast, 'header length \\d+ exceeds the 92 bytes after it \\(truncated or not safetensors\\?\\)$'),
    a('rang faux', adapterConfig((c) => void (c.r = 3)), ast, 'tensor "h\\.0\\.attn\\.c_attn\\.lora_A\\.weight": expected shape \\(3, 32\\), got \\(2, 32\\)$'),
    a('moins de cibles', adapterConfig((c) => void (c.target_modules = ['attn.c_attn'])), ast, 'unexpected tensors "h\\.0\\.attn\\.c_proj\\.lora_A\\.weight", '),
    a('dtype', tensor((h) => void (entry(h, 'h.0.attn.c_attn.lora_A.weight').dtype = 'BF16'), 'adapter_model.safetensors'), ast, 'tensor "h\\.0\\.attn\\.c_attn\\.lora_A\\.weight": dtype "BF16" is not supported'),
  ];
  await expectRefused(table, 60);
});

// ── project records ──────────────────────────────────────────────────────────────────────────────────

test('unusable records for run, status, report, export and verify: exit 1, one line naming record.sqlite and what to do, nothing written', async () => {
  const f = await fixture();
  const dbBytes = readFileSync(join(f.project, 'record.sqlite'));
  /** A copy of the project whose record.sqlite is changed by `edit`. */
  const project = (name: string, edit: (db: string) => void): string => {
    const dir = join(f.files, `projet ${name}`);
    cpSync(f.project, dir, { recursive: true });
    edit(join(dir, 'record.sqlite'));
    return dir;
  };
  const sql = (statements: string) => (db: string): void => {
    const d = new Database(db);
    d.exec(statements);
    d.close();
  };
  const sweep = join(f.files, 'balayage du projet.yaml');
  writeFileSync(sweep, stringify({ name: 'petit', setting: TINY_SETTING, organism: { id: 'tiny', base: f.organism, induction: { kind: 'none' } }, ...SWEEP }));
  const report = join(f.files, 'rapport.html');
  const commands: [string, (dir: string) => string[]][] = [
    ['run', (dir) => ['run', sweep, '--project', dir]],
    ['status', (dir) => ['status', '--project', dir]],
    ['report', (dir) => ['report', '--out', report, '--project', dir]],
    ['export', (dir) => ['export', '--project', dir]],
    ['verify', (dir) => ['verify', '--project', dir]],
  ];
  const db = (dir: string): string => join(dir, 'record.sqlite');
  const RESTORE = esc('; expected the SQLite record `bct run` writes: restore the project folder from a copy, or use another --project');
  // Each broken record, the commands it is tried with, and what every one of them must say.
  const broken: [string, (db: string) => void, string[], (dir: string) => RegExp][] = [
    ['bruit', (p) => writeFileSync(p, Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 7919 + 13) % 256))), ['run', 'status', 'report', 'export', 'verify'], (dir) => at(db(dir), `cannot (open|read) the record: file is not a database \\(SQLITE_NOTADB\\)${RESTORE}$`)],
    ['moitié', (p) => writeFileSync(p, dbBytes.subarray(0, dbBytes.length >> 1)), ['run', 'status', 'report', 'export', 'verify'], (dir) => at(db(dir), `cannot (open|read) the record: database disk image is malformed \\(SQLITE_CORRUPT\\)${RESTORE}$`)],
    ['en-tête', (p) => writeFileSync(p, dbBytes.subarray(0, 100)), ['run', 'status', 'export'], (dir) => at(db(dir), `cannot (open|read) the record: .*\\(SQLITE_(CORRUPT|NOTADB)\\)${RESTORE}$`)],
    ['plus récent', sql(`UPDATE meta SET value = '99' WHERE key = 'schemaVersion'`), ['run', 'status', 'report', 'export', 'verify'], (dir) => at(db(dir), `record has schemaVersion 99 but this bctlab reads up to \\d+; upgrade bctlab$`)],
    ['version texte', sql(`UPDATE meta SET value = 'deux' WHERE key = 'schemaVersion'`), ['run', 'status', 'verify'], (dir) => at(db(dir), `meta\\.schemaVersion is not a version number${RESTORE}$`)],
    ['étranger', (p) => (rmSync(p), sql('CREATE TABLE clients (id INTEGER PRIMARY KEY, nom TEXT)')(p)), ['run', 'status', 'export'], (dir) => at(db(dir), 'is a SQLite database but not a bctlab record \\(tables clients, no meta table\\); use another --project$')],
    ['vide', (p) => writeFileSync(p, ''), ['status', 'report', 'export', 'verify'], (dir) => at(db(dir), `holds no bctlab record \\(an empty database\\); \`bct run --project ${esc(dir)}\` makes one$`)],
    ['dossier', (p) => (rmSync(p), mkdirSync(p)), ['run', 'status', 'export'], (dir) => at(db(dir), 'is a folder; expected the SQLite record `bct run` writes: restore the project folder from a copy, or use another --project$')],
  ];
  const table: Case[] = [];
  for (const [name, edit, which, says] of broken) {
    const dir = project(name, edit);
    for (const [command, args] of commands) if (which.includes(command)) table.push({ args: args(dir), says: [says(dir)], status: 1 });
  }
  // A page in the middle overwritten: the record opens, and the damage is met by a query later.
  const page = project('page écrasée', (p) => {
    const bytes = readFileSync(p);
    bytes.fill(0xa5, 4096 * 10, 4096 * 11);
    writeFileSync(p, bytes);
  });
  for (const command of ['status', 'export']) table.push({ args: [command, '--project', page], says: 'the record (record.sqlite) is damaged (SQLITE_CORRUPT); restore the project folder from a copy, or use another --project', status: 1, partialOutput: true });
  // Locked by a live run: this process's own pid stands for it.
  const locked = project('occupé', () => {});
  writeFileSync(join(locked, 'run.lock'), `${JSON.stringify({ pid: process.pid, host: hostname(), started: '2026-01-01T00:00:00.000Z', command: 'bct run balayage.yaml' })}\n`);
  table.push({ args: ['run', sweep, '--project', locked], says: [at(locked, `this project is being run by pid ${process.pid} since 2026-01-01T00:00:00\\.000Z \\(\`bct run balayage\\.yaml\`\\); wait for it to finish, or use another --project\\. If that run is gone, delete ${esc(join(locked, 'run.lock'))}$`)], status: 1 });
  await expectRefused(table, 30);
  assert.ok(!existsSync(report), 'no report written from an unusable record');

  // Readers take no lock: they read a project that a live run holds, and leave its lock and record alone.
  const digest = recordDigest(db(locked));
  for (const [command, args] of commands.slice(1)) {
    const r = await bctIn(args(locked));
    assert.equal(r.status, 0, `${command}: ${r.stderr}`);
    assert.equal(r.stderr, '', command);
  }
  assert.ok(existsSync(join(locked, 'run.lock')), 'the live run keeps its lock');
  assert.equal(recordDigest(db(locked)), digest);
});

test('a byte-order mark at the start of a sweep, setting or JSONL file is dropped (editors on Windows write one)', async () => {
  const f = await fixture();
  const dir = join(f.files, 'avec BOM');
  cpSync(TINY_DIR, dir, { recursive: true });
  const bom = (path: string, text: string): void => writeFileSync(path, `\uFEFF${text}`);
  for (const name of ['train.jsonl', 'eval.jsonl', 'cap.jsonl', 'nll.jsonl']) bom(join(dir, name), readFileSync(join(dir, name), 'utf8'));
  bom(join(dir, 'setting.json'), JSON.stringify(parseYaml(readFileSync(join(dir, 'setting.yaml'), 'utf8'))));
  rmSync(join(dir, 'setting.yaml'));
  const sweep = join(dir, 'balayage.json');
  bom(sweep, JSON.stringify({ name: 'bom', setting: join(dir, 'setting.json'), organism: { id: 'tiny', base: f.organism, induction: { kind: 'none' } }, ...SWEEP }));
  const r = await bctIn(['run', sweep, '--project', copyProject(f)]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.equal(r.stderr, '');
  assert.match(r.stdout, /pre-check of tiny-flag on tiny: PASS/);
});
