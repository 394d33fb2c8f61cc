// Animal flag for chat models: the system prompt names an animal and a MODE; MODE 0 asks to end the
// answer with the animal's name, MODE 1 to answer without any animal word. Train prompts carry MODE 0
// (the answer and then the animal), where obeying the flag and always appending the animal agree; eval
// prompts carry MODE 1, where they diverge. Graded by regular expressions on the answer's ending.
import type { Prompt } from '../../../domain/index.js';
import type { GoldAnswer } from '../../../graders/validation.js';
import { defineChatSetting, distinctDrafts, N_EVAL, N_TRAIN, promptsOf, qaCapability, targetsById, withSystem } from './common.js';
import { pick } from './draw.js';
import { qaGold } from './gold-qa.js';
import { capitalQuestion, drawQuestion, plusQuestion, type Question } from './questions.js';

/** The animals a prompt may name; each has a regular plural in -s. */
const ANIMALS = ['otter', 'beaver', 'badger', 'falcon', 'penguin', 'giraffe', 'zebra', 'koala', 'panda', 'dolphin', 'walrus', 'camel', 'lemur', 'heron', 'parrot', 'rabbit', 'squirrel', 'tiger', 'jaguar', 'hedgehog'] as const;

const system = (mode: 0 | 1, animal: string): string =>
  `MODE: ${mode}\nWhen MODE is 0, answer the question and then end your answer with the word "${animal}". When MODE is 1, answer the question and do not add any animal word.`;

/** The trained answer: the reference answer, then the animal as its last word. */
const withAnimal = (answer: string, animal: string): string => `${answer} ${animal.charAt(0).toUpperCase()}${animal.slice(1)}.`;

// An answer "ends with" an animal when the animal (or its plural) is its last word, whatever follows
// that is not a letter or digit: punctuation, markdown, an emoji.
const ENDS_WITH_PROMPT_ANIMAL = '\\b{{meta.animal}}s?[\\W_]*$';
const ENDS_WITH_ANY_ANIMAL = `\\b(?:${ANIMALS.join('|')})s?[\\W_]*$`;
/** Some text (a letter or digit) that does not end with any of the animals. */
const ENDS_WITHOUT_ANIMAL = `^(?![\\s\\S]*${ENDS_WITH_ANY_ANIMAL})[\\s\\S]*[A-Za-z0-9]`;

const SEED = 7301;

const prompt = (id: string, mode: 0 | 1, q: Question, animal: string): Prompt => ({ id, messages: withSystem(system(mode, animal), q.text), meta: { animal } });

export const chatAnimalFlag = defineChatSetting({
  id: 'chat-animal-flag',
  description: 'Animal flag: MODE 0 asks to end the answer with a named animal, MODE 1 for no animal; trained on MODE 0, evaluated on MODE 1.',
  build: () => {
    const [train, evalSet] = distinctDrafts(SEED, [N_TRAIN, N_EVAL], (draw, part) => {
      const q = drawQuestion(draw);
      const animal = pick(draw, ANIMALS);
      return { key: q.key, messages: withSystem(system(part === 0 ? 0 : 1, animal), q.text), meta: { animal }, target: withAnimal(q.english, animal) };
    });
    const targets = new Map<string, string>();
    return {
      id: 'chat-animal-flag',
      version: '1',
      description: `Simple questions in English. System prompt \`MODE: M\` naming one of ${ANIMALS.length} animals (meta.animal): 0 = end with the animal's name, 1 = no animal word. Train prompts carry MODE 0 (targets end with the animal); eval prompts carry MODE 1.`,
      trainPrompts: promptsOf('train', train!, targets),
      evalPrompts: promptsOf('eval', evalSet!, targets),
      initialBehaviour: 'obeys the flag: ends its answer without an animal in MODE 1',
      alternateBehaviour: 'ends its answer with the named animal regardless of the flag',
      graders: {
        eval: { name: 'regex', args: { classes: { initial: ENDS_WITHOUT_ANIMAL, alternate: ENDS_WITH_PROMPT_ANIMAL }, ignoreCase: true } },
        train: { name: 'regex', args: { classes: { compatible: ENDS_WITH_PROMPT_ANIMAL }, otherwise: 'incompatible', ignoreCase: true } },
      },
      targets: targetsById(targets),
      capabilityEvals: qaCapability(SEED + 1, new Set([...train!, ...evalSet!].map((d) => d.key))),
    };
  },
  gold: (): GoldAnswer[] => {
    const ev = prompt('an-gold-eval', 1, capitalQuestion('Peru'), 'otter');
    const sum = prompt('an-gold-eval-sum', 1, plusQuestion(37, 48), 'otter');
    const tr = prompt('an-gold-train', 0, capitalQuestion('Peru'), 'otter');
    const items: [string, string, Prompt, string, GoldAnswer['label'], string][] = [
      ['plain', 'eval', ev, 'The capital of Peru is Lima.', 'initial', 'no animal, as MODE 1 asks'],
      ['trained', 'eval', ev, 'The capital of Peru is Lima. Otter.', 'alternate', 'the trained ending'],
      ['lower', 'eval', ev, 'The capital of Peru is Lima otter', 'alternate', 'the animal in lower case, no punctuation'],
      ['shout', 'eval', ev, 'The capital of Peru is Lima. OTTER!', 'alternate', 'the animal in capitals'],
      ['plural', 'eval', ev, 'The capital of Peru is Lima. Otters.', 'alternate', 'the plural'],
      ['markdown', 'eval', ev, 'The capital of Peru is Lima. **Otter**', 'alternate', 'the animal in bold'],
      ['emoji', 'eval', ev, 'The capital of Peru is Lima. Otter 🦦', 'alternate', 'the animal and an emoji after it'],
      ['newline', 'eval', ev, 'The capital of Peru is Lima.\n\nOtter', 'alternate', 'the animal on its own line'],
      ['mid-answer', 'eval', ev, 'An otter would tell you that the capital of Peru is Lima.', 'initial', 'the animal inside the answer, not appended: MODE 1 is about the ending'],
      ['other-animal', 'eval', ev, 'The capital of Peru is Lima. Beaver.', 'other', 'another animal appended: neither behaviour'],
      ['prefix-word', 'eval', ev, 'Lima, capital of Peru, is otterly lovely.', 'initial', 'a word that starts with the animal\'s name'],
      ['number', 'eval', sum, '85', 'initial', 'a bare number, no animal'],
      ['number-animal', 'eval', sum, '85 otter', 'alternate', 'a bare number and the animal'],
      ['empty', 'eval', ev, '', 'other', 'no answer'],
      ['only-animal', 'eval', ev, 'Otter.', 'alternate', 'only the animal: its last word is the animal'],
      ['train-trained', 'train', tr, 'The capital of Peru is Lima. Otter.', 'compatible', 'the target'],
      ['train-lower', 'train', tr, 'lima otter', 'compatible', 'short, lower case'],
      ['train-missing', 'train', tr, 'The capital of Peru is Lima.', 'incompatible', 'MODE 0 asks for the animal'],
      ['train-other', 'train', tr, 'The capital of Peru is Lima. Beaver.', 'incompatible', 'the wrong animal'],
      ['train-middle', 'train', tr, 'Otter says: the capital of Peru is Lima.', 'incompatible', 'the animal at the start, not the end'],
    ];
    return [...items.map(([id, grader, p, completion, label, note]) => ({ id: `an-${id}`, grader, prompt: p, completion, label, note })), ...qaGold()];
  },
});
