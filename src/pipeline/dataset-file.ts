// A dataset file the user brings (`data: { kind: dataset, file }`): JSONL, one training pair a line,
//   {"id"?: "...", "prompt": "user turn text", "completion": "..."}
//   {"id"?: "...", "messages": [{"role": "system" | "user" | "assistant", "content": "..."}, ...], "completion": "..."}
// where `messages` ends with a user turn (the completion answers it). Every line is validated; an error
// names the file, the line and the field. The file's bytes are hashed: that hash, not its path, enters
// the data key, so the same pairs under another name are the same dataset and an edited file is another.
import { readFileSync, statSync } from 'node:fs';
import { z } from 'zod';
import type { ChatMessage } from '../domain/index.js';
import { DataError, formatBytes, systemProblem } from '../errors.js';
import { MAX_INPUT_FILE_BYTES, MAX_JSONL_PROMPTS, readJsonlLines } from '../settings/index.js';
import { bytesHash } from '../store/index.js';

export interface DatasetPair {
  /** 1-based line number in the file. */
  line: number;
  /** The line's `id`, else `line-<n>`. */
  id: string;
  /** The prompt as the file gives it (before the organism's induction). */
  messages: ChatMessage[];
  completion: string;
}

export interface DatasetFile {
  path: string;
  /** sha256 of the file's bytes, hex (what `sha256sum` prints). */
  hash: string;
  pairs: DatasetPair[];
}

/** Characters of a pair's `id` at most. */
const MAX_ID_CHARS = 256;

const messageSchema = z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string() }).strict();
const pairSchema = z
  .object({
    id: z.string().min(1).max(MAX_ID_CHARS).optional(),
    prompt: z.string().min(1).optional(),
    messages: z.array(messageSchema).min(1).max(1024).optional(),
    completion: z.string(),
  })
  .strict()
  .refine((l) => (l.prompt !== undefined) !== (l.messages !== undefined), { message: 'expected either "prompt" or "messages" (not both)' })
  .refine((l) => l.messages === undefined || l.messages[l.messages.length - 1]!.role === 'user', { message: 'expected the last message to be the user turn the completion answers', path: ['messages'] });

/** Reads and validates a dataset file: at most MAX_JSONL_PROMPTS pairs of at most MAX_JSONL_LINE_CHARS
 *  characters a line, in a file of at most 16 MiB (`readInputFile`). */
export function readDatasetFile(path: string): DatasetFile {
  const lines = readJsonlLines(path, pairSchema, {
    unreadable: 'cannot read the dataset file named by data.file; expected a JSONL file of prompt/completion pairs',
    tooMany: (n) => `${n} lines; expected at most ${MAX_JSONL_PROMPTS} prompt/completion pairs (named by data.file)`,
    perLine: 'one pair per line',
    none: 'no prompt/completion pairs; expected at least one JSONL line (named by data.file)',
  });
  const ids = new Set<string>();
  const pairs = lines.map(({ line, value: l }): DatasetPair => {
    const id = l.id ?? `line-${line}`;
    if (ids.has(id)) throw new DataError(`id: duplicate id "${id}"; expected every pair's id once`, `${path}:${line}`);
    ids.add(id);
    return { line, id, messages: l.messages ?? [{ role: 'user', content: l.prompt! }], completion: l.completion };
  });
  return { path, hash: fileHash(path), pairs };
}

/** The hash of the file's bytes, remembered per path, size and modification time: the data key is
 *  taken several times per run, and the file read once. */
const hashes = new Map<string, { size: number; mtimeMs: number; hash: string }>();

export function fileHash(path: string): string {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch (e) {
    const problem = systemProblem(e);
    throw new DataError(`cannot read the dataset file named by data.file${problem === undefined ? '' : `: ${problem}`}`, path, { cause: e });
  }
  if (!st.isFile()) throw new DataError('cannot read the dataset file named by data.file (found a folder or device, not a file)', path);
  if (st.size > MAX_INPUT_FILE_BYTES) throw new DataError(`file is ${formatBytes(st.size)}; expected at most ${formatBytes(MAX_INPUT_FILE_BYTES)}`, path);
  const known = hashes.get(path);
  if (known !== undefined && known.size === st.size && known.mtimeMs === st.mtimeMs) return known.hash;
  const hash = bytesHash(readFileSync(path));
  hashes.set(path, { size: st.size, mtimeMs: st.mtimeMs, hash });
  return hash;
}
