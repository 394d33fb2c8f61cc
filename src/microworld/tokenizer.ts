// A word-level tokenizer over a fixed vocabulary, plus the chat format of the microworld.
//
// Text is split on whitespace; each word must be in the vocabulary. An unknown word is a DataError that
// names the word and where it came from: the world is closed, so an unknown word is always a typo or a
// prompt written for another model, and mapping it silently to `<unk>` would hide that from the grader.
//
// Chat format (one conversation):
//   <bos> [<system> words <eot>] <user> words <eot> ... <assistant> completion <eot>
// `renderPrompt` ends with `<assistant>`, ready to generate; `parseCompletion` reads generated tokens up
// to the first special token (normally `<eot>`).

import { readFileSync, writeFileSync } from 'node:fs';
import { DataError } from '../errors.js';
import { MICROWORLD_WORDS, SPECIAL_TOKENS, type SpecialName } from './vocab.js';

export type ChatRole = 'system' | 'user' | 'assistant';
export interface ChatMessage {
  role: ChatRole;
  content: string;
}

/** A rendered training example. `weights[i]` is the loss weight for predicting `tokens[i]` from
 *  `tokens[0..i-1]`; it is 1 on the completion's tokens and its closing `<eot>`, 0 elsewhere. To train,
 *  use inputs `tokens[0..n-2]`, targets `tokens[1..n-1]` and weights `weights[1..n-1]`. */
export interface RenderedExample {
  tokens: number[];
  weights: number[];
}

/** The tokenizer file shipped beside each model (`tokenizer.json`).
 *  Changing field order or meaning requires a schemaVersion bump. */
export interface TokenizerJson {
  /** Format version of this file; currently 1. */
  schemaVersion: 1;
  /** Always "word": whitespace-split words looked up in `words`. */
  kind: 'word';
  /** The vocabulary: token id i is `words[i]`. The special tokens come first. */
  words: string[];
}

export class Tokenizer {
  readonly words: readonly string[];
  /** Ids of the special tokens. */
  readonly special: Readonly<Record<SpecialName, number>>;
  private readonly index: ReadonlyMap<string, number>;
  private readonly specialIds: ReadonlySet<number>;

  constructor(words: readonly string[], where = 'tokenizer') {
    const index = new Map<string, number>();
    words.forEach((w, i) => {
      if (w.length === 0 || /\s/.test(w)) throw new DataError(`word ${i} ${JSON.stringify(w)} is empty or contains whitespace`, where);
      if (index.has(w)) throw new DataError(`word ${JSON.stringify(w)} appears twice (ids ${index.get(w)} and ${i})`, where);
      index.set(w, i);
    });
    const special = {} as Record<SpecialName, number>;
    for (const [name, word] of Object.entries(SPECIAL_TOKENS) as [SpecialName, string][]) {
      const id = index.get(word);
      if (id === undefined) throw new DataError(`missing special token ${word}`, where);
      special[name] = id;
    }
    this.words = [...words];
    this.index = index;
    this.special = special;
    this.specialIds = new Set(Object.values(special));
  }

  /** The microworld's tokenizer. */
  static microworld(): Tokenizer {
    return new Tokenizer(MICROWORLD_WORDS, 'microworld vocabulary');
  }

  static fromJSON(json: unknown, where = 'tokenizer.json'): Tokenizer {
    const j = json as Partial<TokenizerJson> | null;
    if (j === null || typeof j !== 'object') throw new DataError('expected an object', where);
    if (j.schemaVersion !== 1) throw new DataError(`schemaVersion: expected 1, got ${JSON.stringify(j.schemaVersion)}`, where);
    if (j.kind !== 'word') throw new DataError(`kind: expected "word", got ${JSON.stringify(j.kind)}`, where);
    if (!Array.isArray(j.words) || !j.words.every((w) => typeof w === 'string')) {
      throw new DataError('words: expected an array of strings', where);
    }
    return new Tokenizer(j.words, where);
  }

  /** Reads a `tokenizer.json` file; a missing or malformed file is a DataError naming it. */
  static load(path: string): Tokenizer {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(path, 'utf8'));
    } catch (e) {
      throw new DataError(`cannot read a tokenizer: ${(e as Error).message}`, path);
    }
    return Tokenizer.fromJSON(json, path);
  }

  save(path: string): void {
    writeFileSync(path, `${JSON.stringify(this.toJSON())}\n`);
  }

  toJSON(): TokenizerJson {
    return { schemaVersion: 1, kind: 'word', words: [...this.words] };
  }

  get vocabSize(): number {
    return this.words.length;
  }

  /** True if every word of `text` is an ordinary (non-special) vocabulary word. */
  canEncode(text: string): boolean {
    return splitWords(text).every((w) => {
      const id = this.index.get(w);
      return id !== undefined && !this.specialIds.has(id);
    });
  }

  /** Encodes plain text. Special tokens are refused so that message content cannot forge turn markers. */
  encode(text: string, where = 'text'): number[] {
    return splitWords(text).map((w) => {
      const id = this.index.get(w);
      if (id === undefined) throw new DataError(`unknown word ${JSON.stringify(w)} (not in the ${this.vocabSize}-word vocabulary${this.suggest(w)}) in ${JSON.stringify(text)}; \`bct ls words\` lists the vocabulary`, where);
      if (this.specialIds.has(id)) throw new DataError(`special token ${w} is not allowed in message text`, where);
      return id;
    });
  }

  /** `; nearest: a, b` for an unknown word, or nothing when no ordinary word is near it. */
  private suggest(word: string): string {
    const near = nearestWords(word, this.words.filter((_, id) => !this.specialIds.has(id)));
    return near.length === 0 ? '' : `; nearest: ${near.join(', ')}`;
  }

  /** Decodes ids to words joined by single spaces; special tokens appear by name. */
  decode(ids: readonly number[], where = 'tokens'): string {
    return ids.map((id) => this.wordOf(id, where)).join(' ');
  }

  wordOf(id: number, where = 'tokens'): string {
    const w = Number.isInteger(id) ? this.words[id] : undefined;
    if (w === undefined) throw new DataError(`token id ${id} is outside the vocabulary [0, ${this.vocabSize})`, where);
    return w;
  }

  idOf(word: string, where = 'word'): number {
    const id = this.index.get(word);
    if (id === undefined) throw new DataError(`unknown word ${JSON.stringify(word)}`, where);
    return id;
  }

  isSpecial(id: number): boolean {
    return this.specialIds.has(id);
  }

  /** Tokens of a conversation up to and including the assistant marker, ready to generate. */
  renderPrompt(messages: readonly ChatMessage[], where = 'messages'): number[] {
    const out = [this.special.bos];
    messages.forEach((m, i) => {
      if (m.role !== 'system' && m.role !== 'user' && m.role !== 'assistant') {
        throw new DataError(`role: expected system, user or assistant, got ${JSON.stringify(m.role)}`, `${where}[${i}]`);
      }
      out.push(this.special[m.role], ...this.encode(m.content, `${where}[${i}].content`), this.special.eot);
    });
    out.push(this.special.assistant);
    return out;
  }

  /** A training example: the prompt, then the completion and `<eot>`, weighted on the latter only. */
  renderExample(messages: readonly ChatMessage[], completion: string, where = 'example'): RenderedExample {
    const prompt = this.renderPrompt(messages, `${where}.messages`);
    const answer = [...this.encode(completion, `${where}.completion`), this.special.eot];
    return {
      tokens: [...prompt, ...answer],
      weights: [...prompt.map(() => 0), ...answer.map(() => 1)],
    };
  }

  /** Text of generated tokens, up to (not including) the first special token, normally `<eot>`. */
  parseCompletion(tokens: readonly number[], where = 'completion'): string {
    const words: string[] = [];
    for (const id of tokens) {
      if (this.isSpecial(id)) break;
      words.push(this.wordOf(id, where));
    }
    return words.join(' ');
  }
}

function splitWords(text: string): string[] {
  const t = text.trim();
  return t === '' ? [] : t.split(/\s+/);
}

/** Longest unknown word compared with the vocabulary: the edit distance costs length × length, and a word
 *  this long is near nothing anyway. */
const MAX_SUGGESTED_CHARS = 64;

/**
 * The vocabulary words nearest to `word` (at most `n`), for the error on an unknown word: by edit distance
 * ignoring case (so `You` finds `you`), ties broken by the longer common prefix (`dogs`: `dog` before
 * `dos`) and then vocabulary order, and only words within max(1, ⌊length/3⌋) edits: a farther word is
 * a guess that misleads more than it helps (`Please` is 3 edits from `plain`).
 */
export function nearestWords(word: string, vocabulary: readonly string[], n = 3): string[] {
  if (word.length > MAX_SUGGESTED_CHARS) return [];
  const w = word.toLowerCase();
  const limit = Math.max(1, Math.floor(w.length / 3));
  return vocabulary
    .map((v, i) => ({ v, i, d: editDistance(w, v.toLowerCase()), p: commonPrefix(w, v.toLowerCase()) }))
    .filter((c) => c.d <= limit)
    .sort((a, b) => a.d - b.d || b.p - a.p || a.i - b.i)
    .slice(0, n)
    .map((c) => c.v);
}

/** Levenshtein distance (insertions, deletions, substitutions), one row at a time. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j); // (|b| + 1)
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = row;
  }
  return prev[b.length]!;
}

function commonPrefix(a: string, b: string): number {
  let k = 0;
  while (k < a.length && k < b.length && a[k] === b[k]) k++;
  return k;
}
