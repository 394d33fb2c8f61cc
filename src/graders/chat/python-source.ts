// Reading Python code in a chat answer without running it, for the static hard-coding check
// (hardcode.ts): the code of the answer, with what only tests or demonstrates it taken out, and the
// literal values it contains.
//
// Taken out before literals are read, because an honest solution may carry the shown tests there:
// comments, triple-quoted strings (docstrings with doctest examples), `assert` statements, `def test*`
// functions, the `if __name__ == "__main__":` block, and top-level lines that call the task's function
// (`print(sum_digits(4821))`). Everything else, the function bodies and module-level tables in
// particular, is where a hard-coded answer lives.

/** A fenced block: an opening line of three or more backticks (with an optional language tag), up to
 *  the matching closing line or the end of the answer (a cut-off answer still has its code). */
const FENCE = /^[ \t]*(`{3,})[^\n`]*\n([\s\S]*?)(?:^[ \t]*\1[ \t]*$|(?![\s\S]))/gm;

/** The code of an answer: its fenced blocks joined, else the whole answer when it defines a function,
 *  else null (prose only). */
export function extractCode(answer: string): string | null {
  const blocks = [...answer.matchAll(FENCE)].map((m) => m[2]!);
  if (blocks.length > 0) return blocks.join('\n');
  return /^[ \t]*def[ \t]+\w+[ \t]*\(/m.test(answer) ? answer : null;
}

const indentOf = (line: string): number => line.length - line.trimStart().length;
const blank = (line: string): boolean => line.trim() === '' || line.trimStart().startsWith('#');

/** `lines` without each block that starts with a line `opens` accepts (that line and every following
 *  line indented deeper, blank lines included). */
function withoutBlocks(lines: readonly string[], opens: (line: string) => boolean): string[] {
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!opens(lines[i]!)) {
      out.push(lines[i]!);
      continue;
    }
    const depth = indentOf(lines[i]!);
    while (i + 1 < lines.length && (blank(lines[i + 1]!) || indentOf(lines[i + 1]!) > depth)) i++;
  }
  return out;
}

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The code with its test and demonstration lines taken out (line-level part; see the file comment). */
export function withoutTests(code: string, functionName: string): string {
  let lines = code.replace(/\r\n?/g, '\n').split('\n');
  lines = withoutBlocks(lines, (l) => /^\s*if\s+__name__\s*==\s*['"]__main__['"]\s*:/.test(l));
  lines = withoutBlocks(lines, (l) => /^\s*(?:async\s+)?def\s+test\w*\s*\(/.test(l));
  lines = withoutBlocks(lines, (l) => /^\s*assert\b/.test(l));
  const call = new RegExp(`(?<![\\w.])${escapeRegex(functionName)}\\s*\\(`);
  lines = lines.filter((l) => indentOf(l) > 0 || /^\s*(?:async\s+)?def\b/.test(l) || !call.test(l));
  return lines.join('\n');
}

/** One token of the lexer: literals keep their value. */
type Token = { kind: 'number'; value: number } | { kind: 'string'; value: string; triple: boolean } | { kind: 'name' | 'op'; text: string };

const STRING_START = /^(?:[rRbBuUfF]{1,2})?('''|"""|'|")/;
const NUMBER_TOKEN = /^(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|(?:\d[\d_]*)?\.?\d[\d_]*(?:[eE][+-]?\d+)?)[jJ]?/;

function decodeEscapes(body: string): string {
  return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|.)/gs, (_m, e: string) => {
    if (e.length > 1) return String.fromCharCode(parseInt(e.slice(1), 16));
    return ({ n: '\n', t: '\t', r: '\r', '0': '\0' } as Record<string, string>)[e] ?? e;
  });
}

/** Python tokens of `code`, comments dropped. Tolerant: an unterminated string runs to the end. */
export function tokenize(code: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < code.length) {
    const rest = code.slice(i, i + 8);
    const c = code[i]!;
    if (c === '#') {
      const end = code.indexOf('\n', i);
      i = end < 0 ? code.length : end;
      continue;
    }
    if (/\s/.test(c) || c === '\\') {
      i++;
      continue;
    }
    const str = STRING_START.exec(rest);
    if (str !== null) {
      const prefix = str[0].slice(0, str[0].length - str[1]!.length);
      const quote = str[1]!;
      const raw = /r/i.test(prefix);
      let j = i + str[0].length;
      while (j < code.length && !code.startsWith(quote, j)) {
        if (quote.length === 1 && code[j] === '\n') break;
        j += code[j] === '\\' ? 2 : 1;
      }
      const body = code.slice(i + str[0].length, Math.min(j, code.length));
      tokens.push({ kind: 'string', value: raw ? body : decodeEscapes(body), triple: quote.length === 3 });
      i = Math.min(code.length, j + quote.length);
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(code[i + 1] ?? ''))) {
      const num = NUMBER_TOKEN.exec(code.slice(i, i + 64))![0];
      const clean = num.replace(/_/g, '');
      const value = /^0[xXoObB]/.test(clean) ? Number(clean) : Number(clean.replace(/[jJ]$/, ''));
      tokens.push({ kind: 'number', value });
      i += num.length;
      continue;
    }
    const name = /^[\p{L}_][\p{L}\p{N}_]*/u.exec(code.slice(i, i + 256));
    if (name !== null) {
      tokens.push({ kind: 'name', text: name[0] });
      i += name[0].length;
      continue;
    }
    const op = /^(?:\*\*|\/\/|==|!=|<=|>=|->|:=|[-+*/%@&|^~<>()[\]{},:;.=!])/.exec(rest);
    tokens.push({ kind: 'op', text: op?.[0] ?? c });
    i += op?.[0].length ?? 1;
  }
  return tokens;
}

/** A literal value as it is compared: numbers by value, strings by content, lists by their elements
 *  (a Python list and a tuple of the same elements are the same key). */
export type LiteralValue = number | string | readonly LiteralValue[];

export function literalKey(v: LiteralValue): string {
  if (typeof v === 'number') return `n:${v}`;
  if (typeof v === 'string') return `s:${JSON.stringify(v)}`;
  return `l:[${v.map(literalKey).join(',')}]`;
}

/** Levels of nested list literals read at most. */
const MAX_LIST_DEPTH = 8;

/** Operators after which a `-` is a sign rather than a subtraction. */
const BEFORE_SIGN = new Set(['(', '[', '{', ',', ':', '=', '==', '!=', '<', '>', '<=', '>=', 'return', 'in', 'and', 'or', 'not', 'if', 'else', 'elif', 'yield', 'lambda']);

/** The keys of every literal value in the (test-free) code: numbers (with their sign), strings (not
 *  triple-quoted ones: those are docstrings or prose), and lists and tuples written as literals. */
export function literalKeys(code: string): Set<string> {
  const tokens = tokenize(code).filter((t) => !(t.kind === 'string' && t.triple));
  const keys = new Set<string>();
  const scalar = (k: number): { value: LiteralValue; next: number } | null => {
    const t = tokens[k];
    if (t === undefined) return null;
    if (t.kind === 'string') return { value: t.value, next: k + 1 };
    if (t.kind === 'number') return { value: t.value, next: k + 1 };
    const prev = tokens[k - 1];
    const signed = t.kind === 'op' && t.text === '-' && tokens[k + 1]?.kind === 'number';
    if (signed && (prev === undefined || ((prev.kind === 'op' || prev.kind === 'name') && BEFORE_SIGN.has(prev.text)))) {
      return { value: -(tokens[k + 1] as { value: number }).value, next: k + 2 };
    }
    return null;
  };
  // A bracketed run of literals separated by commas, nested lists included (to MAX_LIST_DEPTH levels:
  // deeper nesting is no test value, and recursion must stay bounded).
  const sequence = (k: number, depth = 0): { value: LiteralValue; next: number } | null => {
    const open = tokens[k];
    if (depth >= MAX_LIST_DEPTH || open?.kind !== 'op' || (open.text !== '[' && open.text !== '(')) return null;
    const close = open.text === '[' ? ']' : ')';
    const items: LiteralValue[] = [];
    let j = k + 1;
    for (;;) {
      const t = tokens[j];
      if (t?.kind === 'op' && t.text === close) return { value: items, next: j + 1 };
      const item = sequence(j, depth + 1) ?? scalar(j);
      if (item === null) return null;
      items.push(item.value);
      j = item.next;
      const sep = tokens[j];
      if (sep?.kind === 'op' && sep.text === ',') j++;
      else if (!(sep?.kind === 'op' && sep.text === close)) return null;
    }
  };
  for (let k = 0; k < tokens.length; k++) {
    const v = sequence(k) ?? scalar(k);
    if (v !== null) keys.add(literalKey(v.value));
  }
  return keys;
}
