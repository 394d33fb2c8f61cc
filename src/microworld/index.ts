// Public surface of the microworld: the tokenizer and chat format, the grammar of rule-following chat
// examples, and the corpus generator. Other folders import only from this file.
export { Tokenizer, type ChatMessage, type ChatRole, type RenderedExample, type TokenizerJson } from './tokenizer.js';
export { MICROWORLD_WORDS, SPECIAL_TOKENS } from './vocab.js';
