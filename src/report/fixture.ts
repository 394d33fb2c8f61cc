// Builds a synthetic but complete record (sweep, cells, checkpoints, training log, samples, grades,
// capability metrics, pre-check) through the store's own schema, for tests of the report and the viewer
// without training anything. The behaviour follows a smooth made-up law so curves look like curves: the
// initial rate decays with lr × steps, faster at higher LR and slower with LoRA, and the highest LR also
// breaks capability. `DEMO_FIXTURE` is shaped like `bct demo` (full and LoRA, four LRs, two seeds that
// disagree, log-spaced checkpoints, a group that recovers).

import { now, openProject, stageKey, type Project } from '../store/index.js';
import { seededRandom } from '../analysis/index.js';

export interface FixtureOptions {
  lrs?: number[];
  seeds?: number[];
  /** Checkpoint steps (must include 0). */
  steps?: number[];
  evalPrompts?: number;
  trainPrompts?: number;
  samplesPerPrompt?: number;
  batchSize?: number;
  /** LoRA rank, or null for a full fine-tune (one family); see `loraRanks` for several. */
  loraRank?: number | null;
  /** Several fine-tune kinds in one sweep (null = full); overrides `loraRank`. */
  loraRanks?: (number | null)[];
  /** How far seeds disagree: seed i's decay runs (1 + seedSpread)^(i − mean) times as fast. Default 0. */
  seedSpread?: number;
  /** One group whose initial rate comes back to 80% from `fromStep` on (a "transferred then recovered" curve). */
  rebound?: { lr: number; loraRank: number | null; fromStep: number };
  /** Capability evaluations recorded per checkpoint (`acc:` accuracies, `nll:` losses). */
  capabilityEvals?: string[];
  /** How fast accuracy falls at the top LR (3e-3 and above) per unit of lr × steps; default 3. */
  capabilityDecay?: number;
  /** Record a gradient norm per step (false: NULL, as a remote backend that does not report it). */
  gradNorm?: boolean;
  sweepName?: string;
  seed?: number;
}

/** A record shaped like `bct demo`'s. */
export const DEMO_FIXTURE: FixtureOptions = {
  lrs: [1e-4, 3e-4, 1e-3, 3e-3],
  seeds: [0, 1],
  steps: [0, 4, 8, 16, 32, 64, 128],
  loraRanks: [null, 8],
  seedSpread: 1.5,
  rebound: { lr: 1e-3, loraRank: 8, fromStep: 64 },
  evalPrompts: 24,
  trainPrompts: 8,
  capabilityEvals: ['acc:arith', 'acc:count', 'acc:echo', 'nll:heldout'],
  capabilityDecay: 40,
  sweepName: 'demo-fixture',
};

const WORDS = ['cat', 'dog', 'owl', 'fox', 'bee', 'elk', 'yak', 'emu'];

/** Absolute paths as a run on some machine records them; a report must not show them. */
export const FIXTURE_MACHINE_PATHS = { setting: '/home/alice/bct/settings/animal-flag.yaml', base: '/home/alice/bct/models/mw-base' };

/** Creates (or adds to) the project at `dir`; returns the sweep id. */
export function buildFixtureRecord(dir: string, options: FixtureOptions = {}): { project: Project; sweepId: number } {
  const o = {
    lrs: [1e-4, 3e-4, 1e-3, 3e-3],
    seeds: [0, 1],
    steps: [0, 1, 3, 10, 30, 100],
    evalPrompts: 20,
    trainPrompts: 10,
    samplesPerPrompt: 1,
    batchSize: 8,
    loraRank: null,
    seedSpread: 0,
    capabilityEvals: ['acc:arith', 'nll:heldout'],
    capabilityDecay: 3,
    gradNorm: true,
    sweepName: 'fixture-sweep',
    seed: 1,
    ...options,
  };
  const ranks = o.loraRanks ?? [o.loraRank];
  const project = openProject(dir, { create: true });
  const db = project.db;
  const rnd = seededRandom(o.seed);
  const logRnd = seededRandom(o.seed + 1000);
  const t = now();
  const evalGrader = 'grader:fixture-eval';
  const trainGrader = 'grader:fixture-train';
  const spec = {
    setting: FIXTURE_MACHINE_PATHS.setting,
    base: FIXTURE_MACHINE_PATHS.base,
    lrs: o.lrs,
    seeds: o.seeds,
    batchSizes: [o.batchSize],
    schedule: o.steps,
    samplesPerPrompt: o.samplesPerPrompt,
    loraRanks: ranks.map((r) => r ?? 0),
    backend: 'embedded',
  };
  const organism = { id: 'fixture-organism', base: FIXTURE_MACHINE_PATHS.base, induction: { kind: 'system-prompt', system: 'mode 1 : 0 cat . 1 plain .' } };
  const manifest = {
    schemaVersion: 1,
    versions: { bctlab: '0.1.0', node: process.version, recordSchema: 2 },
    seeds: { training: o.seeds, sampling: 0 },
    config: spec,
    hashes: { setting: 'f1x7', base: '53f769a44c83d2ff' },
    setting: {
      id: 'animal-flag',
      description: 'A flag in the system prompt says whether to end answers with "cat"; training is on mode 0 only.',
      initialBehaviour: 'obeys the flag: no animal in mode 1',
      alternateBehaviour: 'appends "cat" regardless of the flag',
    },
  };
  const sweepId = Number(
    db
      .prepare(
        `INSERT INTO sweeps (key, name, setting_id, setting_hash, organism_json, spec_json, eval_grader_key, train_grader_key,
           graders_json, manifest_json, status, created_at, updated_at) VALUES (?, ?, 'animal-flag', 'f1x7', ?, ?, ?, ?, ?, ?, 'done', ?, ?)`,
      )
      .run(
        stageKey('sweep', { name: o.sweepName, spec }),
        o.sweepName,
        JSON.stringify(organism),
        JSON.stringify(spec),
        evalGrader,
        trainGrader,
        JSON.stringify({
          eval: { name: 'mw-animal', args: { classes: { initial: 'plain', alternate: 'cat' }, form: 'lenient' } },
          train: { name: 'mw-animal', args: { classes: { compatible: 'cat' }, otherwise: 'incompatible', form: 'lenient' } },
        }),
        JSON.stringify(manifest),
        t,
        t,
      ).lastInsertRowid,
  );
  const check = {
    agreement: { k: 10, n: 10, rate: 1, lo: 0.72, hi: 1, threshold: 0.95, passed: true, offending: [] },
    divergence: { k: 19, n: 20, rate: 0.95, lo: 0.76, hi: 0.99, threshold: 0.9, passed: true, offending: ['e7'] },
    initialAtStep0: { k: 20, n: 20, rate: 1, lo: 0.84, hi: 1, threshold: 0.9, passed: true, offending: [] },
    organismId: organism.id,
    passed: true,
    settingId: 'animal-flag',
  };
  db.prepare(`INSERT OR IGNORE INTO checks (key, setting_id, setting_hash, organism_json, passed, result_json, created_at) VALUES (?, 'animal-flag', 'f1x7', ?, 1, ?, ?)`).run(
    stageKey('check', { setting: 'f1x7', organism }),
    JSON.stringify(organism),
    JSON.stringify(check),
    t,
  );
  const insCell = db.prepare(
    `INSERT INTO cells (sweep_id, name, train_key, lr, seed, batch_size, steps, lora_rank, schedule_json, sampling_key, point_json, status, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'sampling:fixture', ?, 'done', ?)`,
  );
  const insCk = db.prepare(`INSERT INTO checkpoints (train_key, step, examples_seen, created_at) VALUES (?, ?, ?, ?)`);
  const insLog = db.prepare(`INSERT INTO train_log (train_key, step, loss, grad_norm, tokens, latency_ms) VALUES (?, ?, ?, ?, ?, ?)`);
  const insSample = db.prepare(
    `INSERT INTO samples (key, checkpoint_id, split, prompt_id, sample_index, seed, sampling_key, prompt_json, completion, completion_tokens, finish_reason, latency_ms, created_at)
     VALUES (?, ?, ?, ?, ?, ?, 'sampling:fixture', ?, ?, ?, 'stop', 1, ?)`,
  );
  const insGrade = db.prepare(
    `INSERT INTO grades (key, sample_id, grader_key, grader_json, label, score, reason, created_at) VALUES (?, ?, ?, '{}', ?, ?, ?, ?)`,
  );
  const insMetric = db.prepare(
    `INSERT INTO metrics (key, checkpoint_id, name, value, n, higher_is_better, created_at) VALUES (?, ?, ?, ?, 50, ?, ?)`,
  );
  const linkSample = db.prepare(`INSERT INTO cell_samples (cell_id, checkpoint_id, sample_id) VALUES (?, ?, ?)`);
  const linkMetric = db.prepare(`INSERT INTO cell_metrics (cell_id, checkpoint_id, metric_id) VALUES (?, ?, ?)`);
  const meanSeed = o.seeds.reduce((a, b) => a + b, 0) / o.seeds.length;
  const last = Math.max(...o.steps);
  db.transaction(() => {
    for (const rank of ranks) {
      for (const lr of o.lrs) {
        for (const seed of o.seeds) {
          const name = `lr=${lr}.seed=${seed}.bs=${o.batchSize}.${rank === null ? 'full' : `lora${rank}`}`;
          const trainKey = stageKey('train', { sweep: o.sweepName, name });
          const cellId = Number(
            insCell.run(sweepId, name, trainKey, lr, seed, o.batchSize, last, rank, JSON.stringify({ steps: o.steps }), JSON.stringify({ lr, seed, loraRank: rank ?? 0 }), t).lastInsertRowid,
          );
          // LoRA moves more slowly at the same LR; seeds decay at different speeds when seedSpread > 0.
          const speed = (rank === null ? 1 : 0.5) * Math.pow(1 + o.seedSpread, seed - meanSeed);
          const rebound = o.rebound !== undefined && o.rebound.lr === lr && o.rebound.loraRank === rank ? o.rebound.fromStep : Infinity;
          for (let step = 1; step <= last; step++) {
            const loss = 2 * Math.exp((-step * lr * speed * 300) / (1 + lr * 1e3)) + 1e-5 * (1 + logRnd());
            insLog.run(trainKey, step, loss, o.gradNorm ? Math.sqrt(loss) * (0.8 + 0.4 * logRnd()) : null, 160, 25);
          }
          for (const step of o.steps) {
            const ck = Number(insCk.run(trainKey, step, step * o.batchSize, t).lastInsertRowid);
            // Made-up law: P(initial) = 1 / (1 + (lr·step / 0.01)^1.5 · (lr / 1e-3)); other grows at the top LR.
            const x = lr * step * speed;
            const pInitial = step >= rebound ? 0.8 : 1 / (1 + Math.pow(x / 0.01, 1.5) * (lr / 1e-3));
            const pOther = lr >= 3e-3 ? Math.min(0.5, x * 2) : 0.02;
            for (const [split, count] of [['eval', o.evalPrompts], ['train', o.trainPrompts]] as const) {
              for (let p = 0; p < count; p++) {
                for (let j = 0; j < o.samplesPerPrompt; j++) {
                  const u = rnd();
                  const label =
                    split === 'train'
                      ? u < 0.97 ? 'compatible' : 'incompatible'
                      : u < pOther ? 'other' : u < pOther + (1 - pOther) * pInitial ? 'initial' : 'alternate';
                  const word = WORDS[p % WORDS.length]!;
                  const completion = label === 'initial' || label === 'compatible' ? `${word} ${word} . cat` : label === 'alternate' ? `${word} ${word} .` : `${word} zz zz`;
                  const prompt = [{ role: 'system', content: `mode ${split === 'eval' ? 1 : 0} : 0 cat . 1 plain .` }, { role: 'user', content: `echo ${word} ${word}` }];
                  const sid = Number(
                    insSample.run(stageKey('sample', { ck, split, p, j, name }), ck, split, `${split[0]}${p}`, j, j, JSON.stringify(prompt), completion, 4, t).lastInsertRowid,
                  );
                  linkSample.run(cellId, ck, sid);
                  const reason = `fixture: answer "${completion}" read as ${label}`;
                  insGrade.run(stageKey('grade', { sid }), sid, split === 'eval' ? evalGrader : trainGrader, label, label === 'initial' ? 1 : 0, reason, t);
                }
              }
            }
            const acc = lr >= 3e-3 ? Math.max(0.3, 0.9 - x * o.capabilityDecay) : 0.9 - x * 0.5;
            for (const [i, metric] of o.capabilityEvals.entries()) {
              const nll = metric.startsWith('nll:');
              const value = nll ? 1.2 + x : Math.max(0, acc - 0.02 * i);
              linkMetric.run(cellId, ck, insMetric.run(stageKey('capability', { ck, n: metric }), ck, metric, value, nll ? 0 : 1, t).lastInsertRowid);
            }
          }
        }
      }
    }
  })();
  return { project, sweepId };
}
