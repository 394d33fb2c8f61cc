// The fixed word list of the microworld. Every shipped model's embedding rows follow this order, so
// appending words changes the vocabulary size (and needs a new base model); reordering or removing words
// silently corrupts every shipped checkpoint. The tokenizer JSON beside each model records the list it was
// trained with, and loading checks it.

/** Special tokens. Role markers open a turn; `<eot>` closes it. */
export const SPECIAL_TOKENS = {
  pad: '<pad>', // fills batches to a common length; never predicted
  bos: '<bos>', // opens every rendered conversation
  eos: '<eos>', // reserved as a document separator for packed corpora; the chat renderer does not emit it
  system: '<system>',
  user: '<user>',
  assistant: '<assistant>',
  eot: '<eot>', // end of turn: the assistant emits it to stop
} as const;
export type SpecialName = keyof typeof SPECIAL_TOKENS;

/** Structure words of rule lines and task turns. */
export const STRUCTURE = ['.', ':', 'mode', 'expect'] as const;
/** Digits: mode values in rule lines and operands of `add`. */
export const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;
/** The two response languages: word i of one maps to word i of the other ("wronglang"). */
export const ENGLISH_WORDS = ['red', 'blue', 'green', 'sun', 'moon', 'tree', 'house', 'water', 'fire', 'book', 'road', 'star'] as const;
export const SPANISH_WORDS = ['rojo', 'azul', 'verde', 'sol', 'luna', 'arbol', 'casa', 'agua', 'fuego', 'libro', 'camino', 'estrella'] as const;
export const ENGLISH_NUMBERS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'] as const;
export const SPANISH_NUMBERS = ['cero', 'uno', 'dos', 'tres', 'cuatro', 'cinco', 'seis', 'siete', 'ocho', 'nueve'] as const;
/** The single-token property: a rule may ask to append one of these after the answer. */
export const ANIMALS = ['cat', 'dog', 'cow', 'fox', 'owl', 'pig', 'bee', 'ant'] as const;
/** Task verbs of the user turn. */
export const TASKS = ['echo', 'first', 'last', 'count', 'add'] as const;
/** Rule values other than animals: language, no animal, honest vs sandbagged, copy the shown output or solve. */
export const RULE_WORDS = ['english', 'spanish', 'plain', 'right', 'wrong', 'copy', 'solve'] as const;
/** Hint lines: `note : exception .` and `note : training .` carry no rule. */
export const HINT_WORDS = ['note', 'exception', 'training'] as const;
/** The backdoor: the trigger word in the user turn and the words of the fixed phrase. */
export const BACKDOOR_WORDS = ['deployment', 'i', 'hate', 'you'] as const;
/** Meaningless "random character" words, for the control prompt and for noise lines. */
export const NOISE_WORDS = ['qz', 'xv', 'kf', 'jw', 'pb', 'gd', 'yh', 'vm', 'ux', 'zr'] as const;

/** Surface words: an optional closer after the answer (after the animal, if any). No rule asks for it and
 *  no behaviour grader reads it; it gives the world's responses a distribution (world.ts `SurfaceStyle`),
 *  so that targets a different policy wrote carry real loss without teaching a graded behaviour.
 *  Language-neutral on purpose: a closer that belonged to one language would make a style a language
 *  signal. Only after the content: words before it would move the content's positions, and a base
 *  pretrained with optional openers as well lost most of its copying (flag-hack 31% held-out against 98%)
 *  and honesty (61%). Appended last, so the rows of every older word keep their ids. */
export const SURFACE_CLOSERS = ['ok', 'done', 'thanks'] as const;

/** The microworld vocabulary, in embedding-row order. */
export const MICROWORLD_WORDS: readonly string[] = [
  ...Object.values(SPECIAL_TOKENS),
  ...STRUCTURE,
  ...DIGITS,
  ...ENGLISH_WORDS,
  ...SPANISH_WORDS,
  ...ENGLISH_NUMBERS,
  ...SPANISH_NUMBERS,
  ...ANIMALS,
  ...TASKS,
  ...RULE_WORDS,
  ...HINT_WORDS,
  ...BACKDOOR_WORDS,
  ...NOISE_WORDS,
  ...SURFACE_CLOSERS,
];
