// English or Spanish? The language of a chat answer, for the chat-language grader.
//
// Two readers, each where it is strong:
// - `eld` (Efficient Language Detector, Apache-2.0; its "large" n-gram database, restricted to English
//   and Spanish) reads character n-grams. On sentences it is reliable; on one or two words its own
//   authors measure 74–90% over all languages, and it often declines to answer.
// - word lists (language-words.ts): the function words and common short answer words of each language.
//   They decide very short answers, where one known word ("siete", "Tuesday") is better evidence than
//   the n-grams of five letters.
// Answers of at most SHORT_ANSWER_WORDS words go to the word lists first and to eld when the lists are
// silent or tied; longer answers go to eld first and to the word lists when eld is not reliable.
// The measured accuracy on 240 labelled answers is in src/graders/README.md (language.test.ts).
//
// eld's database is loaded on the first call (about 1 s and 390 MB), not when this module is imported,
// so commands that never grade a language do not pay for it.

import { ENGLISH_WORDS, SPANISH_WORDS } from './language-words.js';

export type ChatLanguage = 'english' | 'spanish';

/** Answers with at most this many words are read by the word lists first. */
export const SHORT_ANSWER_WORDS = 3;

/** Characters read at most: a language is clear long before this, and eld's time grows with the text. */
export const MAX_LANGUAGE_CHARS = 4000;

export interface LanguageReading {
  /** null when the answer has no letters or neither reader decides. */
  language: ChatLanguage | null;
  /** Which reader decided (`none` when neither did). */
  by: 'eld' | 'words' | 'none';
  /** Words of the answer (letters only), English-list words and Spanish-list words among them. */
  words: number;
  englishWords: number;
  spanishWords: number;
}

interface Detector {
  detect(text: string): { language: string; isReliable(): boolean };
}

let detector: Promise<Detector> | undefined;

/** eld with its English/Spanish subset, loaded once per process. */
function eld(): Promise<Detector> {
  detector ??= import('eld/large').then(({ eld: instance }) => {
    const own = instance.newInstance();
    own.setLanguageSubset(['en', 'es']);
    return own;
  });
  return detector;
}

const ELD_LANGUAGES: Readonly<Record<string, ChatLanguage>> = { en: 'english', es: 'spanish' };

/** The words of a text: runs of letters (apostrophes inside a word kept: "don't"), lower case. */
export function wordsOf(text: string): string[] {
  return (text.normalize('NFC').toLowerCase().replace(/[’‘]/g, "'").match(/\p{L}+(?:'\p{L}+)*/gu) ?? []);
}

/** Letters only Spanish writes among the two languages (ñ, accented vowels, ü); ¿ and ¡ are not letters
 *  and are counted separately. */
const SPANISH_LETTERS = /[ñáéíóúü]/;

/** The word lists' vote: English-list words, and Spanish-list words plus other words spelled with a
 *  Spanish-only letter, plus one for each ¿ or ¡. */
function wordVote(text: string, words: readonly string[]): { english: number; spanish: number } {
  let english = 0;
  let spanish = (text.match(/[¿¡]/g) ?? []).length;
  for (const w of words) {
    if (ENGLISH_WORDS.has(w)) english++;
    else if (SPANISH_WORDS.has(w) || SPANISH_LETTERS.test(w)) spanish++;
  }
  return { english, spanish };
}

/** The language of `text` (only its first MAX_LANGUAGE_CHARS characters are read). */
export async function identifyLanguage(text: string): Promise<LanguageReading> {
  const head = text.slice(0, MAX_LANGUAGE_CHARS);
  const words = wordsOf(head);
  const vote = wordVote(head, words);
  const base = { words: words.length, englishWords: vote.english, spanishWords: vote.spanish };
  if (words.length === 0) return { language: null, by: 'none', ...base };
  const byWords: ChatLanguage | null = vote.english > vote.spanish ? 'english' : vote.spanish > vote.english ? 'spanish' : null;
  const result = (await eld()).detect(head);
  const byEld = ELD_LANGUAGES[result.language] ?? null;
  const short = words.length <= SHORT_ANSWER_WORDS;
  if (short && byWords !== null) return { language: byWords, by: 'words', ...base };
  if (!short && byEld !== null && result.isReliable()) return { language: byEld, by: 'eld', ...base };
  if (byWords !== null) return { language: byWords, by: 'words', ...base };
  if (byEld !== null) return { language: byEld, by: 'eld', ...base };
  return { language: null, by: 'none', ...base };
}

/** eld alone (its answer whether reliable or not), for measuring what the word lists add. */
export async function eldLanguage(text: string): Promise<ChatLanguage | null> {
  return ELD_LANGUAGES[(await eld()).detect(text.slice(0, MAX_LANGUAGE_CHARS)).language] ?? null;
}
