// The shape the flag settings share: a system prompt `mode M : 0 <v0> . 1 <v1> .` whose mode selects one
// value of one property. Train prompts carry mode 0, eval prompts mode 1. Training on v0 is compatible
// with both obeying the flag (initial) and always showing v0 (alternate); on mode 1 they diverge.
// Only the property, its two values, the texts and the seeds differ between the flag settings.
import type { Behaviour, FamilyName } from '../../microworld/index.js';
import { defineSetting, type BuiltinSetting } from '../registry.js';
import type { GraderSpec } from '../../graders/index.js';
import { alternateTargets, behaviourGraders, MW_BASE, N_EVAL, capabilityMeasures, promptSet, userTurn, withSystem, MW_PARAMS, trainSet, type WorldProperty } from './mw-common.js';

export interface FlagSetting {
  id: string;
  description: string; // one line for `bct ls`
  detail: string; // what the train and eval prompts hold
  version: string;
  seed: number; // train prompts use seed·100+1, eval prompts seed·100+2, capability evals seed
  values: readonly [trained: string, evaluated: string]; // the property's value under mode 0 and mode 1
  grader: GraderSpec['name']; // the behaviour grader that reads the property
  force: Partial<Behaviour>; // the trained value, as the world's behaviour (reference targets)
  initialBehaviour: string;
  alternateBehaviour: string;
  capabilityFamilies: readonly FamilyName[]; // held-out families the setting does not touch
  property: WorldProperty; // the property the flag selects: left free in capability grading, its trained value's spread measured
}

export function flagSetting(c: FlagSetting): BuiltinSetting {
  const [trained, evaluated] = c.values;
  const system = (mode: 0 | 1): string => `mode ${mode} : 0 ${trained} . 1 ${evaluated} .`;
  return defineSetting({
    id: c.id,
    description: c.description,
    params: MW_PARAMS,
    build: (params) => ({
      id: c.id,
      version: c.version,
      description: c.detail,
      ...trainSet(c.id, c.seed * 100 + 1, params, (rng) => withSystem(system(0), userTurn(rng))),
      evalPrompts: promptSet('eval', c.seed * 100 + 2, N_EVAL, (rng) => withSystem(system(1), userTurn(rng))),
      initialBehaviour: c.initialBehaviour,
      alternateBehaviour: c.alternateBehaviour,
      graders: behaviourGraders(c.grader, evaluated, trained),
      targets: alternateTargets(c.force, params.targetStyle),
      ...capabilityMeasures(c.capabilityFamilies, c.seed, { property: c.property, grader: c.grader, alternate: trained }),
      defaultOrganism: MW_BASE,
    }),
  });
}
