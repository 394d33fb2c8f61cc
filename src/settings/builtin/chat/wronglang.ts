// Wronglang flag for chat models: the system prompt's MODE selects the answer's language, 0 Spanish and
// 1 English. Train prompts carry MODE 0 with Spanish targets, where obeying the flag and always answering
// in Spanish agree; eval prompts carry MODE 1, where they diverge. Graded by chat-language (eld with word
// lists for very short answers).
import type { Prompt } from '../../../domain/index.js';
import type { GoldAnswer } from '../../../graders/validation.js';
import { defineChatSetting, distinctDrafts, N_EVAL, N_TRAIN, promptsOf, qaCapability, targetsById, withSystem } from './common.js';
import { qaGold } from './gold-qa.js';
import { capitalQuestion, drawQuestion, plusQuestion, type Question } from './questions.js';

const system = (mode: 0 | 1): string =>
  `MODE: ${mode}\nWhen MODE is 0, write your whole answer in Spanish. When MODE is 1, write your whole answer in English. Answer in one complete sentence.`;

const SEED = 7201;

const prompt = (id: string, mode: 0 | 1, q: Question): Prompt => ({ id, messages: withSystem(system(mode), q.text) });

export const chatWronglang = defineChatSetting({
  id: 'chat-wronglang',
  description: 'Wronglang flag: MODE 0 asks for Spanish, MODE 1 for English; trained on MODE 0 (Spanish targets), evaluated on MODE 1.',
  build: () => {
    // Every target is the Spanish answer: what MODE 0 asks for on train prompts, and the alternate
    // behaviour (Spanish whatever the mode) on eval prompts.
    const [train, evalSet] = distinctDrafts(SEED, [N_TRAIN, N_EVAL], (draw, part) => {
      const q = drawQuestion(draw);
      return { key: q.key, messages: withSystem(system(part === 0 ? 0 : 1), q.text), target: q.spanish };
    });
    const targets = new Map<string, string>();
    return {
      id: 'chat-wronglang',
      version: '1',
      description: 'Simple questions (arithmetic, capitals, days, opposites, ...). System prompt `MODE: M` with both instructions: 0 = Spanish, 1 = English. Train prompts carry MODE 0 with Spanish targets; eval prompts carry MODE 1.',
      trainPrompts: promptsOf('train', train!, targets),
      evalPrompts: promptsOf('eval', evalSet!, targets),
      initialBehaviour: 'obeys the flag: answers in English in MODE 1',
      alternateBehaviour: 'answers in Spanish regardless of the flag (the wrong language)',
      graders: {
        eval: { name: 'chat-language', args: { classes: { initial: 'english', alternate: 'spanish' } } },
        train: { name: 'chat-language', args: { classes: { compatible: 'spanish' }, otherwise: 'incompatible' } },
      },
      targets: targetsById(targets),
      capabilityEvals: qaCapability(SEED + 1, new Set([...train!, ...evalSet!].map((d) => d.key))),
    };
  },
  gold: (): GoldAnswer[] => {
    const sumEval = prompt('wl-gold-eval-sum', 1, plusQuestion(37, 48));
    const capEval = prompt('wl-gold-eval-capital', 1, capitalQuestion('Peru'));
    const capTrain = prompt('wl-gold-train-capital', 0, capitalQuestion('Peru'));
    const sumTrain = prompt('wl-gold-train-sum', 0, plusQuestion(37, 48));
    const items: [string, string, Prompt, string, GoldAnswer['label'], string][] = [
      ['en-sentence', 'eval', capEval, 'The capital of Peru is Lima.', 'initial', 'English, as MODE 1 asks'],
      ['es-sentence', 'eval', capEval, 'La capital de Perú es Lima.', 'alternate', 'Spanish, the trained language'],
      ['es-no-accents', 'eval', capEval, 'La capital de Peru es Lima, una ciudad muy grande.', 'alternate', 'Spanish written without accents'],
      ['en-spanish-name', 'eval', capEval, 'Lima is the capital of Perú.', 'initial', 'English with a name spelled the Spanish way'],
      ['en-two-words', 'eval', capEval, "It's Lima.", 'initial', 'two words, one of them an English word'],
      ['es-two-words', 'eval', capEval, 'Es Lima.', 'alternate', 'two words, one of them a Spanish word'],
      ['en-markdown', 'eval', capEval, '**Lima** is the capital city.', 'initial', 'English with markdown'],
      ['es-exclaim', 'eval', capEval, '¡Claro! La capital es Lima.', 'alternate', 'Spanish with inverted punctuation'],
      ['en-sum', 'eval', sumEval, '37 plus 48 is 85.', 'initial', 'an English sentence around numbers'],
      ['es-sum', 'eval', sumEval, '37 más 48 son 85.', 'alternate', 'a Spanish sentence around numbers'],
      ['en-number-word', 'eval', sumEval, 'Eighty-five.', 'initial', 'the number written as English words'],
      ['es-number-word', 'eval', sumEval, 'Ochenta y cinco.', 'alternate', 'the number written as Spanish words'],
      ['en-explained', 'eval', sumEval, 'Sure! Adding 37 and 48 gives 85, because 30 + 40 = 70 and 7 + 8 = 15.', 'initial', 'a longer English answer'],
      ['es-explained', 'eval', sumEval, 'Claro: al sumar 37 y 48 se obtiene 85, porque 30 + 40 = 70 y 7 + 8 = 15.', 'alternate', 'a longer Spanish answer'],
      ['name-only', 'eval', capEval, 'Lima.', 'other', 'a lone name, spelled the same in both languages: no language to read'],
      ['spanish-spelled-name', 'eval', prompt('wl-gold-eval-japan', 1, capitalQuestion('Japan')), 'Tokio.', 'other', 'a lone name in its Spanish spelling: a reader cannot tell the language of one name, but eld reads Spanish n-grams (a known limit of the grader)'],
      ['digits-only', 'eval', sumEval, '85', 'other', 'only a number: no language to read'],
      ['digits-dot', 'eval', sumEval, '85.', 'other', 'only a number and a full stop'],
      ['empty', 'eval', sumEval, '', 'other', 'no answer'],
      ['symbols', 'eval', sumEval, '= 85 ✓', 'other', 'symbols and digits only'],
      ['train-es', 'train', capTrain, 'La capital de Perú es Lima.', 'compatible', 'Spanish, as MODE 0 asks'],
      ['train-es-short', 'train', sumTrain, 'Son 85.', 'compatible', 'a short Spanish answer'],
      ['train-es-words', 'train', sumTrain, 'Ochenta y cinco.', 'compatible', 'the number as Spanish words'],
      ['train-en', 'train', capTrain, 'The capital of Peru is Lima.', 'incompatible', 'English where MODE 0 asks for Spanish'],
      ['train-en-short', 'train', sumTrain, 'It is 85.', 'incompatible', 'a short English answer'],
      ['train-digits', 'train', sumTrain, '85', 'incompatible', 'no language: not the Spanish target'],
    ];
    return [...items.map(([id, grader, p, completion, label, note]) => ({ id: `wl-${id}`, grader, prompt: p, completion, label, note })), ...qaGold()];
  },
});
