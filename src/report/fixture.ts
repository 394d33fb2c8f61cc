// Builds a synthetic but complete record (sweep, cells, checkpoints, training log, samples, grades,
// capability metrics, pre-check) through the store's own writers (src/store/record.ts), for tests of the
// report and the viewer without training anything. The behaviour follows a smooth made-up law so curves
// look like curves: the initial rate decays with lr × steps, faster at higher LR and slower with LoRA, and
// the highest LR also breaks capability. `DEMO_FIXTURE` is shaped like `bct demo` (full and LoRA, four
// LRs, two seeds that disagree, log-spaced checkpoints, a group that recovers).

import {
  beginSweep,
  ensureCells,
  insertCheckpoint,
  insertGrades,
  insertMetric,
  insertSamples,
  openProject,
  putCheck,
  samplesOf,
  setCellStatus,
  setSweepStatus,
  stageKey,
  zeroUsage,
  type NewSample,
  type Project,
  type TrainLogRow,
} from '../store/index.js';
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
  const sweepId = beginSweep(db, {
    key: stageKey('sweep', { name: o.sweepName, spec }),
    name: o.sweepName,
    settingId: 'animal-flag',
    settingHash: 'f1x7',
    organism,
    spec,
    evalGraderKey: evalGrader,
    trainGraderKey: trainGrader,
    graders: {
      eval: { name: 'mw-animal', args: { classes: { initial: 'plain', alternate: 'cat' }, form: 'lenient' } },
      train: { name: 'mw-animal', args: { classes: { compatible: 'cat' }, otherwise: 'incompatible', form: 'lenient' } },
    },
    manifest,
  }).id;
  const check = {
    agreement: { k: 10, n: 10, rate: 1, lo: 0.72, hi: 1, threshold: 0.95, passed: true, offending: [] },
    divergence: { k: 19, n: 20, rate: 0.95, lo: 0.76, hi: 0.99, threshold: 0.9, passed: true, offending: [{ promptId: 'e7', answer: 'owl owl . cat', label: 'initial', reason: 'fixture: the alternate target read as initial' }] },
    initialAtStep0: { k: 20, n: 20, rate: 1, lo: 0.84, hi: 1, threshold: 0.9, passed: true, offending: [] },
    organismId: organism.id,
    passed: true,
    settingId: 'animal-flag',
  };
  putCheck(db, { key: stageKey('check', { setting: 'f1x7', organism }), settingId: 'animal-flag', settingHash: 'f1x7', organism, passed: true, result: check, usage: zeroUsage() });
  const meanSeed = o.seeds.reduce((a, b) => a + b, 0) / o.seeds.length;
  const last = Math.max(...o.steps);
  const points = ranks.flatMap((rank) => o.lrs.flatMap((lr) => o.seeds.map((seed) => ({ rank, lr, seed, name: `lr=${lr}.seed=${seed}.bs=${o.batchSize}.${rank === null ? 'full' : `lora${rank}`}` }))));
  const cells = ensureCells(
    db,
    sweepId,
    points.map((pt) => ({
      name: pt.name,
      train_key: stageKey('train', { sweep: o.sweepName, name: pt.name }),
      lr: pt.lr,
      seed: pt.seed,
      batch_size: o.batchSize,
      steps: last,
      lora_rank: pt.rank,
      schedule_json: JSON.stringify({ steps: o.steps }),
      sampling_key: 'sampling:fixture',
      point_json: JSON.stringify({ lr: pt.lr, seed: pt.seed, loraRank: pt.rank ?? 0 }),
    })),
  );
  db.transaction(() => {
    for (const { rank, lr, seed, name } of points) {
      const cell = cells.find((c) => c.name === name)!;
      // LoRA moves more slowly at the same LR; seeds decay at different speeds when seedSpread > 0.
      const speed = (rank === null ? 1 : 0.5) * Math.pow(1 + o.seedSpread, seed - meanSeed);
      const rebound = o.rebound !== undefined && o.rebound.lr === lr && o.rebound.loraRank === rank ? o.rebound.fromStep : Infinity;
      // log[i]: optimizer step i + 1.
      const log: TrainLogRow[] = Array.from({ length: last }, (_, i) => {
        const loss = 2 * Math.exp((-(i + 1) * lr * speed * 300) / (1 + lr * 1e3)) + 1e-5 * (1 + logRnd());
        return { step: i + 1, loss, gradNorm: o.gradNorm ? Math.sqrt(loss) * (0.8 + 0.4 * logRnd()) : NaN, tokens: 160, latencyMs: 25 };
      });
      let logged = 0;
      for (const step of [...o.steps].sort((a, b) => a - b)) {
        const ck = insertCheckpoint(db, { trainKey: cell.train_key, step, weightsHash: null, stateHash: null, examplesSeen: step * o.batchSize }, log.slice(logged, step)).id;
        logged = step;
        const owner = { cellId: cell.id, checkpointId: ck };
        // Made-up law: P(initial) = 1 / (1 + (lr·step / 0.01)^1.5 · (lr / 1e-3)); other grows at the top LR.
        const x = lr * step * speed;
        const pInitial = step >= rebound ? 0.8 : 1 / (1 + Math.pow(x / 0.01, 1.5) * (lr / 1e-3));
        const pOther = lr >= 3e-3 ? Math.min(0.5, x * 2) : 0.02;
        for (const [split, count] of [['eval', o.evalPrompts], ['train', o.trainPrompts]] as const) {
          const answers: (NewSample & { label: string })[] = [];
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
              answers.push({
                key: stageKey('sample', { ck, split, p, j, name }),
                checkpointId: ck,
                split,
                promptId: `${split[0]}${p}`,
                sampleIndex: j,
                seed: j,
                samplingKey: 'sampling:fixture',
                prompt,
                completion,
                promptTokens: 12,
                completionTokens: 4,
                finishReason: 'stop',
                latencyMs: 1,
                label,
              });
            }
          }
          insertSamples(db, answers, owner);
          const ids = new Map(samplesOf(db, owner, split).map((r) => [r.key, r.id]));
          insertGrades(
            db,
            answers.map((s) => ({
              key: stageKey('grade', { sample: s.key }),
              sampleId: ids.get(s.key)!,
              graderKey: split === 'eval' ? evalGrader : trainGrader,
              grader: {},
              label: s.label,
              score: s.label === 'initial' ? 1 : 0,
              reason: `fixture: answer "${s.completion}" read as ${s.label}`,
              judgePrefillTokens: 0,
              judgeSampledTokens: 0,
            })),
          );
        }
        const acc = lr >= 3e-3 ? Math.max(0.3, 0.9 - x * o.capabilityDecay) : 0.9 - x * 0.5;
        for (const [i, metric] of o.capabilityEvals.entries()) {
          const nll = metric.startsWith('nll:');
          insertMetric(db, { key: stageKey('capability', { ck, n: metric }), checkpointId: ck, name: metric, value: nll ? 1.2 + x : Math.max(0, acc - 0.02 * i), n: 50, higherIsBetter: !nll, prefillTokens: 0 }, owner);
        }
      }
      setCellStatus(db, cell.id, 'done');
    }
  })();
  setSweepStatus(db, sweepId, 'done');
  return { project, sweepId };
}
