// The fenced code blocks of a markdown document, for the tests that run a document's commands (README.md's
// "Running your own experiment", docs/tutorial.md), so that what the documents tell people to type is
// what the tests run.

export interface Fence {
  /** The info string after the opening backticks (`sh`, `text`, ``). */
  lang: string;
  /** The lines between the fences, each ending in a newline. */
  body: string;
  /** 1-based line of the opening fence, for messages. */
  line: number;
  /** Whether only blank lines stand between this block and the one before it. */
  followsPrevious: boolean;
}

/** Every fenced block (```…```) of `markdown`, in order. */
export function fences(markdown: string): Fence[] {
  const out: Fence[] = [];
  const lines = markdown.split('\n');
  let lastEnd = -2;
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i]!);
    if (open === null) continue;
    const close = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l));
    if (close < 0) throw new Error(`unclosed code block at line ${i + 1}`);
    const between = lines.slice(lastEnd + 1, i);
    out.push({ lang: open[1]!, body: lines.slice(i + 1, close).map((l) => `${l}\n`).join(''), line: i + 1, followsPrevious: out.length > 0 && between.every((l) => l.trim() === '') });
    lastEnd = close;
    i = close;
  }
  return out;
}

/** The text of the section under `heading` (a whole heading line, `## Title`), up to the next heading of
 *  the same or a higher level (a `# comment` line inside a code block is not a heading). */
export function section(markdown: string, heading: string): string {
  const lines = markdown.split('\n');
  const start = lines.indexOf(heading);
  if (start < 0) throw new Error(`no heading ${JSON.stringify(heading)}`);
  const level = /^#+/.exec(heading)![0].length;
  let inFence = false;
  let end = lines.length;
  for (let i = start + 1; i < lines.length; i++) {
    if (/^```/.test(lines[i]!)) inFence = !inFence;
    else if (!inFence && new RegExp(`^#{1,${level}} `).test(lines[i]!)) {
      end = i;
      break;
    }
  }
  return lines.slice(start, end).join('\n');
}
