// Microworld: which animal (if any) ends the answer — the single-token property of the animal-flag setting.
import { ANIMALS, isAnimal } from '../../microworld/index.js';
import { propertyGrader } from './shared.js';

export const mwAnimalGrader = propertyGrader({
  name: 'mw-animal',
  description: 'Microworld: labels an answer by the animal it ends with (or `plain`). `classes: { initial: plain, alternate: cat }`; form exact|lenient.',
  version: 1,
  what: 'ending',
  values: ['plain', ...ANIMALS],
  force: (v) => ({ end: v }),
  observe: (_r, words) => {
    const last = words[words.length - 1];
    return last !== undefined && isAnimal(last) ? last : 'plain';
  },
});
