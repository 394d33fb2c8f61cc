// Builds a synthetic but complete record (sweep, cells, checkpoints, samples, grades, capability metrics,
// pre-check) through the store's own schema, for tests of the report and the viewer without training
// anything. The behaviour follows a smooth made-up law so curves look like curves: the initial rate decays
// with lr × steps, faster at higher LR, and the highest LR also breaks capability.

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
  /** LoRA rank, or null for a full fine-tune. */
  loraRank?: number | null;
  sweepName?: string;
  seed?: number;
}

const WORDS = ['cat', 'dog', 'owl', 'fox', 'bee', 'elk', 'yak', 'emu'];

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
    sweepName: 'fixture-sweep',
    seed: 1,
    ...options,
  };
  const project = openProject(dir, { create: true });
  const db = project.db;
  const rnd = seededRandom(o.seed);
  const t = now();
  const evalGrader = 'grader:fixture-eval';
  const trainGrader = 'grader:fixture-train';
  const spec = { lrs: o.lrs, seeds: o.seeds, batchSize: o.batchSize, schedule: o.steps, samplesPerPrompt: o.samplesPerPrompt, loraRank: o.loraRank };
  const organism = { id: 'fixture-organism', base: 'fixture-base', induction: { kind: 'system-prompt' } };
  const manifest = { versions: { bctlab: '0.1.0', node: process.version, schema: 1 }, seeds: o.seeds, hashes: { setting: 'f1x7' } };
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
        JSON.stringify({ eval: { name: 'fixture-eval', args: {} }, train: { name: 'fixture-train', args: {} } }),
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
  db.transaction(() => {
    for (const lr of o.lrs) {
      for (const seed of o.seeds) {
        const name = `lr=${lr}.seed=${seed}.bs=${o.batchSize}.${o.loraRank === null ? 'full' : `lora${o.loraRank}`}`;
        const trainKey = stageKey('train', { sweep: o.sweepName, name });
        const cellId = Number(insCell.run(sweepId, name, trainKey, lr, seed, o.batchSize, Math.max(...o.steps), o.loraRank, JSON.stringify({ steps: o.steps }), JSON.stringify({ lr, seed }), t).lastInsertRowid);
        for (const step of o.steps) {
          const ck = Number(insCk.run(trainKey, step, step * o.batchSize, t).lastInsertRowid);
          // Made-up law: P(initial) = 1 / (1 + (lr·step / 0.01)^1.5 · (lr / 1e-3)); other grows at the top LR.
          const x = lr * step;
          const pInitial = 1 / (1 + Math.pow(x / 0.01, 1.5) * (lr / 1e-3));
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
                const prompt = [{ role: 'system', content: `MODE ${split === 'eval' ? 1 : 0} animal` }, { role: 'user', content: `echo ${word} ${word}` }];
                const sid = Number(
                  insSample.run(stageKey('sample', { ck, split, p, j, name }), ck, split, `${split[0]}${p}`, j, j, JSON.stringify(prompt), completion, 4, t).lastInsertRowid,
                );
                linkSample.run(cellId, ck, sid);
                insGrade.run(stageKey('grade', { sid }), sid, split === 'eval' ? evalGrader : trainGrader, label, label === 'initial' ? 1 : 0, `fixture label ${label}`, t);
              }
            }
          }
          const acc = lr >= 3e-3 ? Math.max(0.3, 0.9 - x * 3) : 0.9 - x * 0.5;
          linkMetric.run(cellId, ck, insMetric.run(stageKey('capability', { ck, n: 'acc' }), ck, 'acc:arith', acc, 1, t).lastInsertRowid);
          linkMetric.run(cellId, ck, insMetric.run(stageKey('capability', { ck, n: 'nll' }), ck, 'nll:heldout', 1.2 + x, 0, t).lastInsertRowid);
        }
      }
    }
  })();
  return { project, sweepId };
}
