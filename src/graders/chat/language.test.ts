// The language grader's accuracy on 240 labelled short English and Spanish answers (the figures stated
// in src/graders/README.md), and what the word lists add to eld on the shortest ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eldLanguage, identifyLanguage, MAX_LANGUAGE_CHARS, wordsOf } from './language-id.js';
import { LABELLED_ANSWERS } from './language-labelled.js';
import { ENGLISH_WORDS, SPANISH_WORDS } from './language-words.js';

test('the labelled set: at least 200 answers, both languages, 1-3-word answers included', () => {
  assert.ok(LABELLED_ANSWERS.length >= 200);
  for (const language of ['english', 'spanish'] as const) {
    const mine = LABELLED_ANSWERS.filter((a) => a.language === language);
    assert.ok(mine.filter((a) => a.length === 'one word').length >= 40, language);
    assert.ok(mine.filter((a) => a.length === 'two or three words').length >= 40, language);
  }
  assert.equal(new Set(LABELLED_ANSWERS.map((a) => a.text)).size, LABELLED_ANSWERS.length, 'no answer twice');
});

test('accuracy on the labelled set: at least 0.98 overall and 0.95 on one-word answers, above eld alone', async () => {
  const byLength = new Map<string, { n: number; grader: number; eld: number }>();
  let grader = 0;
  let eld = 0;
  for (const a of LABELLED_ANSWERS) {
    const r = await identifyLanguage(a.text);
    const e = await eldLanguage(a.text);
    const row = byLength.get(a.length) ?? { n: 0, grader: 0, eld: 0 };
    row.n++;
    if (r.language === a.language) {
      row.grader++;
      grader++;
    }
    if (e === a.language) {
      row.eld++;
      eld++;
    }
    byLength.set(a.length, row);
  }
  const n = LABELLED_ANSWERS.length;
  assert.ok(grader / n >= 0.98, `grader ${grader}/${n}`);
  const one = byLength.get('one word')!;
  assert.ok(one.grader / one.n >= 0.95, `one word: ${one.grader}/${one.n}`);
  assert.ok(grader > eld, `the word lists add to eld: ${grader} against ${eld} of ${n}`);
  const longer = byLength.get('longer')!;
  assert.equal(longer.grader, longer.n, 'every sentence right');
});

test('answers without letters show no language; the word lists decide short answers and eld long ones', async () => {
  for (const t of ['', '85', '= 85 ✓', '...']) assert.equal((await identifyLanguage(t)).language, null, JSON.stringify(t));
  assert.deepEqual(await identifyLanguage('Siete.'), { language: 'spanish', by: 'words', words: 1, englishWords: 0, spanishWords: 1 });
  assert.equal((await identifyLanguage('Thursday')).by, 'words');
  const long = await identifyLanguage('El océano más grande de la Tierra es el Pacífico, que cubre casi un tercio del planeta.');
  assert.deepEqual([long.language, long.by], ['spanish', 'eld']);
  // Only the first MAX_LANGUAGE_CHARS characters are read: a long English answer with Spanish after it.
  const english = 'The capital of Peru is Lima. '.repeat(Math.ceil(MAX_LANGUAGE_CHARS / 29));
  assert.equal((await identifyLanguage(english + 'La capital de Perú es Lima. '.repeat(400))).language, 'english');
});

test('word lists: no word in both, apostrophes kept inside words', () => {
  for (const w of ENGLISH_WORDS) assert.ok(!SPANISH_WORDS.has(w), w);
  for (const w of ['no', 'a', 'me', 'once']) assert.ok(!ENGLISH_WORDS.has(w) && !SPANISH_WORDS.has(w), `${w} counts for neither`);
  assert.deepEqual(wordsOf('Don’t say ¡HOLA!'), ["don't", 'say', 'hola']);
});
