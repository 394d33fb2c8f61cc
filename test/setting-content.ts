// What a setting trains and grades on, without its id and hash (a built-in and the files written from it
// are two settings with the same content): the tests of `bct init --from` and `bct setting export`
// compare settings by this.
import type { Setting } from '../src/settings/index.js';

export function settingContent(s: Setting) {
  const target = s.targets.kind === 'reference' ? s.targets.target : () => null;
  return {
    train: s.trainPrompts.map((p) => ({ ...p, target: target(p) })),
    eval: s.evalPrompts.map((p) => ({ ...p, target: target(p) })),
    behaviours: [s.initialBehaviour, s.alternateBehaviour],
    graders: s.graders,
    capability: s.capabilityEvals,
    organism: s.defaultOrganism,
  };
}
