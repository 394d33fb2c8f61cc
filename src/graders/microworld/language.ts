// Microworld: which language an answer is written in — the whole-output property of "wronglang".
import { languageOf, type Language } from '../../microworld/index.js';
import { propertyGrader } from './shared.js';

export const mwLanguageGrader = propertyGrader({
  name: 'mw-language',
  description: 'Microworld: labels an answer by its language (english | spanish). Lenient: the language of most of its words.',
  version: 1,
  what: 'language',
  values: ['english', 'spanish'],
  force: (v) => ({ lang: v }),
  observe: (_r, words) => {
    const n: Record<Language, number> = { english: 0, spanish: 0 };
    for (const w of words) {
      const l = languageOf(w);
      if (l !== null) n[l]++;
    }
    return n.english > n.spanish ? 'english' : n.spanish > n.english ? 'spanish' : null;
  },
});
