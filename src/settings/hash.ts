// The content hash of a setting: everything that affects data, training or grading. Reference targets are
// hashed by their values on every train prompt, so a code change to a built-in's target function changes
// the hash even if its version string was not bumped.
import { contentHash } from '../store/index.js';
import type { Setting } from './types.js';

export function settingHash(s: Omit<Setting, 'hash'>): string {
  return contentHash({
    id: s.id,
    version: s.version,
    trainPrompts: s.trainPrompts,
    evalPrompts: s.evalPrompts,
    graders: s.graders,
    targets: hashableTargets(s),
    capabilityEvals: s.capabilityEvals,
    defaultOrganism: s.defaultOrganism ?? null,
    // Only when declared, so that the hash of a setting without one is what it was before the field existed.
    ...(s.spread !== undefined ? { spread: s.spread } : {}),
  });
}

function hashableTargets(s: Omit<Setting, 'hash'>): unknown {
  const t = s.targets;
  return t.kind === 'reference' ? { kind: t.kind, values: s.trainPrompts.map((p) => t.target(p)) } : t;
}

/** The hash of what training depends on: train prompts and their targets (not graders, eval prompts or
 *  capability evaluations). Training and sampling keys use it, so changing a grader re-grades without
 *  re-training or re-sampling. */
export function trainingHash(s: Omit<Setting, 'hash'>): string {
  return contentHash({ trainPrompts: s.trainPrompts, targets: hashableTargets(s) });
}
