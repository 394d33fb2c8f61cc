// The microworld's chat format as a Renderer: `<bos> [<system> … <eot>] <user> … <eot> <assistant>`,
// from the microworld tokenizer (src/microworld/tokenizer.ts), which also refuses special tokens in
// message text. The embedded backend renders with a tokenizer of its own (the tokenizer.json beside a
// base), so the tokenizer is a parameter.
import type { Renderer } from '../domain/index.js';
import type { Tokenizer } from '../microworld/index.js';

/** `tok`'s chat format with `contextLength` (the model's). The length of an example is checked where it
 *  is trained (the engine's packBatch), as the embedded backend always has. */
export function microworldRenderer(tok: Tokenizer, contextLength: number): Renderer {
  return {
    renderPrompt: (messages) => tok.renderPrompt(messages),
    renderSupervised: (messages, completion) => tok.renderExample(messages, completion),
    decode: (tokens) => tok.parseCompletion(tokens),
    contextLength,
    stopTokens: [tok.special.eot],
  };
}
