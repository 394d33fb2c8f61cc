// Turns a sweep config into keyed cells and the sweep's identity and manifest. Pure given the context
// and the dataset: no record writes here.
import { readFileSync } from 'node:fs';
import { graderVersion } from '../graders/index.js';
import { KEY_VERSIONS, SCHEMA_VERSION, contentHash, type NewCell } from '../store/index.js';
import type { RunContext } from './context.js';
import { graderKey, samplingKey, samplingSpec, sweepKey, trainKey } from './keys.js';
import type { Dataset } from './data.js';
import { checkpointSteps, gridOf, pointSteps, runName, type SweepConfig } from './sweep-spec.js';

export function sweepIdentity(ctx: RunContext): { key: string; name: string } {
  const key = sweepKey(ctx);
  return { key, name: ctx.config.name ?? `${ctx.setting.id}-${key.slice(-32, -24)}` };
}

export function planCells(ctx: RunContext, data: Dataset): NewCell[] {
  const c: SweepConfig = ctx.config;
  const sKey = samplingKey(ctx);
  return gridOf(c).map((point) => {
    const steps = pointSteps(point, data.examples.length);
    const schedule = checkpointSteps(steps, { ...(c.checkpointEvery !== undefined ? { every: c.checkpointEvery } : {}), ...(c.checkpointCount !== undefined ? { count: c.checkpointCount } : {}) });
    const key = trainKey(ctx, { dataKey: data.key, lr: point.lr, seed: point.seed, batchSize: point.batchSize, steps, loraRank: point.loraRank, schedule });
    return {
      name: runName(point),
      train_key: key,
      lr: point.lr,
      seed: point.seed,
      batch_size: point.batchSize,
      steps,
      lora_rank: point.loraRank === 0 ? null : point.loraRank,
      schedule_json: JSON.stringify({ steps: schedule }),
      sampling_key: sKey,
      point_json: JSON.stringify(point),
    };
  });
}

/** bctlab's version, from the nearest package.json above this file (works from src/ and dist/src/). */
function packageVersion(): string {
  for (const up of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'bctlab' && pkg.version !== undefined) return pkg.version;
    } catch {
      // not at this level
    }
  }
  return 'unknown';
}

/** Everything needed to say what a sweep ran: versions, seeds, config, content hashes. */
export function manifest(ctx: RunContext, data: Dataset): Record<string, unknown> {
  const g = ctx.setting.graders;
  return {
    schemaVersion: 1,
    versions: {
      bctlab: packageVersion(),
      node: process.version,
      recordSchema: SCHEMA_VERSION,
      keys: KEY_VERSIONS,
      graders: { eval: graderVersion(g.eval.name), train: graderVersion(g.train.name) },
    },
    seeds: { training: ctx.config.seeds, sampling: ctx.config.sampleSeed },
    config: ctx.config,
    sampling: samplingSpec(ctx),
    backend: ctx.backend.spec,
    hashes: {
      setting: ctx.setting.hash,
      organism: contentHash(ctx.organismIdentity),
      base: ctx.organismIdentity.base,
      adapter: ctx.organismIdentity.adapter,
      dataset: data.key,
      evalGrader: graderKey(g.eval),
      trainGrader: graderKey(g.train),
    },
    dataset: { examples: data.examples.length, dropped: data.dropped.length },
  };
}
