// Chat: the language of an answer, English or Spanish (the whole-answer property of the chat wronglang
// setting), read by language-id.ts: eld restricted to the two languages, with word lists for answers of
// one to three words. An answer without letters (only a number, only code symbols) shows no language.
import { identifyLanguage } from './language-id.js';
import { chatPropertyGrader } from './shared.js';

export const chatLanguageGrader = chatPropertyGrader({
  name: 'chat-language',
  description: 'Chat: labels an answer by its language, english | spanish (eld, with word lists for 1-3-word answers). `classes: { initial: english, alternate: spanish }`.',
  version: 1,
  what: 'language',
  values: ['english', 'spanish'],
  observe: async (_prompt, answer) => {
    const r = await identifyLanguage(answer);
    const detail =
      r.by === 'eld'
        ? `eld read ${r.language} in ${r.words} words`
        : r.by === 'words'
          ? `word lists: ${r.englishWords} English, ${r.spanishWords} Spanish of ${r.words} words`
          : r.words === 0
            ? 'no letters'
            : `neither eld nor the word lists decide ${r.words} words`;
    return { value: r.language, detail };
  },
});
