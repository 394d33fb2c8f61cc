// Microworld: which language an answer is written in — the whole-output property of "wronglang".
// Lenient: the language of a well-formed content; a mix of the two languages is not well-formed.
import { propertyGrader, fieldProperty } from './shared.js';

export const mwLanguageGrader = propertyGrader({
  name: 'mw-language',
  description: 'Microworld: labels an answer by the language of its content (english | spanish); form exact|lenient.',
  version: 3,
  what: 'language',
  values: ['english', 'spanish'],
  ...fieldProperty('lang'),
});
