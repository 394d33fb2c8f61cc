// Microworld: which animal (if any) ends the answer — the single-token property of the animal-flag setting.
// Lenient: the ending of a well-formed content, whatever its language or task answer (shared.ts).
import { ANIMALS } from '../../microworld/index.js';
import { fieldProperty, propertyGrader } from './shared.js';

export const mwAnimalGrader = propertyGrader({
  name: 'mw-animal',
  description: 'Microworld: labels an answer by the animal its content ends with (or `plain`). `classes: { initial: plain, alternate: cat }`; form exact|lenient.',
  version: 3,
  what: 'ending',
  values: ['plain', ...ANIMALS],
  ...fieldProperty('end'),
});
