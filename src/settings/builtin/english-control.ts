// The shape both controls share: train prompts whose system turn carries no rule (none at all, or
// meaningless words), with the default English answers as targets; eval prompts that ask for Spanish.
// The behaviours "follow the prompt" and "always English" agree on train prompts and diverge on eval.
// Only the train system turn and the seeds differ between the controls.
import type { RandomSource } from '../../microworld/index.js';
import { defineSetting, type BuiltinSetting } from '../registry.js';
import { alternateTargets, behaviourGraders, MW_BASE, N_EVAL, capabilityMeasures, promptSet, userTurn, withSystem, MW_PARAMS, trainSet } from './mw-common.js';

export interface EnglishControl {
  id: string;
  description: string; // one line for `bct ls`
  detail: string; // what the train and eval prompts hold
  version: string;
  seed: number; // train prompts use seed·100+1, eval prompts seed·100+2, capability evals seed
  trainSystem: (rng: RandomSource) => string | null; // the train prompt's system turn (null: none)
}

export function englishControl(c: EnglishControl): BuiltinSetting {
  return defineSetting({
    id: c.id,
    description: c.description,
    params: MW_PARAMS,
    build: (params) => ({
      id: c.id,
      version: c.version,
      description: c.detail,
      ...trainSet(c.id, c.seed * 100 + 1, params, (rng) => withSystem(c.trainSystem(rng), userTurn(rng))),
      evalPrompts: promptSet('eval', c.seed * 100 + 2, N_EVAL, (rng) => withSystem('spanish .', userTurn(rng))),
      initialBehaviour: 'follows the prompt: Spanish when asked for Spanish',
      alternateBehaviour: 'answers in English although asked for Spanish',
      graders: behaviourGraders('mw-language', 'spanish', 'english'),
      targets: alternateTargets({ lang: 'english' }, params.targetStyle),
      ...capabilityMeasures(['flag-end', 'flag-honesty', 'flag-hack'], c.seed, { property: 'lang', grader: 'mw-language', alternate: 'english' }),
      defaultOrganism: MW_BASE,
    }),
  });
}
