// `npm run bench:remote`: the same sweep on the embedded backend and through the Tinker API against
// `bct serve` on loopback, in one run. Prints wall times, their ratio, and the requests the remote sweep
// made (per endpoint, per training step, per sampled answer), counted by the server.
//
// The sweep: animal-flag on the shipped mw-base, LoRA rank 8, one LR, 2 seeds, 32 steps, 2 checkpoints
// after step 0, 1 answer per eval prompt (flags below change it). Both sweeps run as `bct run` child
// processes on the pure-TypeScript GEMM (the path on which they must agree bit for bit); the server runs
// in this process, so the two share the machine's cores as a client and a local server would.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageModels, startServe } from '../src/serve/index.js';
import { openProject, resolveSweep } from '../src/store/index.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const TOKEN = 'tml-bench-remote';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}
const known = new Set(['--json', '--steps', '--seeds', '--lrs']);
for (const a of process.argv.slice(2)) if (a.startsWith('--') && !known.has(a)) throw new Error(`unknown flag ${a}; expected --json, --steps N, --seeds a,b, --lrs x,y`);

const steps = flag('steps', '32');
const common = ['--setting', 'animal-flag', '--lrs', flag('lrs', '1e-3'), '--seeds', flag('seeds', '0,1'), '--steps', steps, '--checkpoint-count', '2', '--lora-ranks', '8', '--max-tokens', '8', '--samples-per-prompt', '1', '--train-prompts-per-checkpoint', '16'];
const env = { ...process.env, BCT_GEMM: 'typescript', OPENBLAS_NUM_THREADS: '1', TINKER_API_KEY: TOKEN };

/** `bct run …args` as a child process (asynchronously: the server answers from this event loop). */
async function run(args: string[]): Promise<number> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [join(REPO, 'bin', 'bct.js'), 'run', ...args], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const status = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (status !== 0) throw new Error(`bct run ${args.join(' ')} exited ${status}:\n${out}`);
  return (performance.now() - t0) / 1000;
}

function answersOf(project: string): { answers: number; steps: number } {
  const p = openProject(project, { readonly: true });
  try {
    const sweep = resolveSweep(p.db);
    const answers = (p.db.prepare(`SELECT COUNT(*) AS n FROM cell_samples cs JOIN cells c ON c.id = cs.cell_id WHERE c.sweep_id = ?`).get(sweep.id) as { n: number }).n;
    const trained = (p.db.prepare(`SELECT COALESCE(SUM(steps), 0) AS n FROM cells WHERE sweep_id = ?`).get(sweep.id) as { n: number }).n;
    return { answers, steps: trained };
  } finally {
    p.db.close();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'bct-bench-remote-'));
const server = await startServe({ host: '127.0.0.1', port: 0, token: TOKEN, models: packageModels(), project: join(dir, 'serve') });
try {
  const embeddedS = await run([...common, '--base', 'models/mw-base', '--project', join(dir, 'embedded')]);
  // A sweep file names the remote backend and its URL (flags give the backend's name only).
  const file = join(dir, 'remote.yaml');
  writeFileSync(file, `backend: { name: tinker, baseUrl: "${server.url}" }\norganism: { id: mw-base, base: mw-base, induction: { kind: none } }\n`);
  const remoteS = await run([file, ...common, '--project', join(dir, 'remote')]);
  const requests = server.stats().requests;
  const total = Object.values(requests).reduce((a, b) => a + b, 0);
  const { answers, steps: trained } = answersOf(join(dir, 'remote'));
  const training = (requests['forward_backward'] ?? 0) + (requests['optim_step'] ?? 0);
  const result = {
    bench: 'remote',
    sweep: common.join(' '),
    embeddedSeconds: Number(embeddedS.toFixed(2)),
    remoteSeconds: Number(remoteS.toFixed(2)),
    remoteVsEmbedded: Number((remoteS / embeddedS).toFixed(2)),
    requests: total,
    requestsByEndpoint: requests,
    trainingSteps: trained,
    submitsPerStep: Number((training / trained).toFixed(2)),
    pollsPerStep: Number(((requests['retrieve_future'] ?? 0) / (trained + answers)).toFixed(2)),
    answers,
    asamplesPerAnswer: Number(((requests['asample'] ?? 0) / answers).toFixed(2)),
  };
  if (process.argv.includes('--json')) console.log(JSON.stringify(result));
  else {
    console.log(`sweep: ${result.sweep}`);
    console.log(`embedded ${result.embeddedSeconds} s, through bct serve ${result.remoteSeconds} s: ×${result.remoteVsEmbedded}`);
    console.log(`${total} requests: ${result.submitsPerStep} training submissions per step, ${result.asamplesPerAnswer} asample per answer (${answers} answers, capability log-probs included), ${result.pollsPerStep} future polls per step or answer`);
    console.log(`by endpoint: ${JSON.stringify(requests)}`);
  }
} finally {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}
