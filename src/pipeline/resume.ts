// Rebuilding a run context from a recorded sweep (for workers, `bct status` and re-grading): the stored
// config is re-validated, and the setting must still have the hash it had when the sweep started.
import { ConfigError, StoreError } from '../errors.js';
import { getSweep, type Project } from '../store/index.js';
import { makeContext, type RunContext } from './context.js';
import type { Progress } from './progress.js';
import { sweepConfigSchema } from './sweep-spec.js';

export function contextFromSweep(project: Project, sweepId: number, progress: Progress): RunContext {
  const row = getSweep(project.db, sweepId);
  if (row === undefined) throw new StoreError(`sweep ${sweepId} is not in the record`, project.dir);
  const config = sweepConfigSchema.parse(JSON.parse(row.spec_json));
  const ctx = makeContext(project, config, progress);
  if (ctx.setting.hash !== row.setting_hash) {
    void ctx.close();
    throw new ConfigError(`setting "${row.setting_id}" changed since sweep "${row.name}" started (hash ${row.setting_hash.slice(0, 8)} → ${ctx.setting.hash.slice(0, 8)}); run it as a new sweep`, 'setting');
  }
  return ctx;
}
