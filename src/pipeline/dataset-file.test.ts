// A dataset file's pairs, hash and bounds (the errors of single lines through `bct run` are in
// test/e2e/data-sources.test.ts).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../test/temp-dir.js';
import { DataError } from '../errors.js';
import { MAX_JSONL_LINE_CHARS, MAX_JSONL_PROMPTS } from '../settings/index.js';
import { fileHash, readDatasetFile } from './dataset-file.js';

const dir = tempDir('bct-dataset-file-');

test('pairs in both forms, ids by line where none is given, the sha256 of the bytes', () => {
  const file = join(dir, 'pairs.jsonl');
  writeFileSync(file, '{"prompt": "What is 2 + 2?", "completion": "4"}\n\n{"id": "q2", "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Capital of Peru?"}], "completion": "Lima."}\n');
  const f = readDatasetFile(file);
  assert.equal(f.hash, createHash('sha256').update(readFileSync(file)).digest('hex'));
  assert.equal(fileHash(file), f.hash);
  assert.deepEqual(f.pairs, [
    { line: 1, id: 'line-1', messages: [{ role: 'user', content: 'What is 2 + 2?' }], completion: '4' },
    { line: 3, id: 'q2', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Capital of Peru?' }], completion: 'Lima.' },
  ]);
  // An edit is a new hash, even within the same second and size.
  writeFileSync(file, readFileSync(file, 'utf8').replace('Lima.', 'Cusco'));
  assert.notEqual(fileHash(file), f.hash);
});

test('bounded: lines, characters a line, and at least one pair', () => {
  const refused = (name: string, text: string, message: RegExp): void => {
    const file = join(dir, name);
    writeFileSync(file, text);
    assert.throws(() => readDatasetFile(file), (e: unknown) => e instanceof DataError && message.test(e.message), name);
  };
  const pair = '{"prompt": "a", "completion": "b"}';
  refused('many.jsonl', `${Array.from({ length: MAX_JSONL_PROMPTS + 1 }, () => pair).join('\n')}\n`, new RegExp(`many\\.jsonl: ${MAX_JSONL_PROMPTS + 1} lines; expected at most ${MAX_JSONL_PROMPTS}`));
  refused('long.jsonl', `${pair}\n{"prompt": "${'a'.repeat(MAX_JSONL_LINE_CHARS)}", "completion": "b"}\n`, /long\.jsonl:2: line has \d+ characters; expected at most/);
  refused('empty.jsonl', '\n\n', /empty\.jsonl: no prompt\/completion pairs/);
  refused('array.jsonl', '[1, 2]\n', /array\.jsonl:1: \(line\): /);
  assert.throws(() => readDatasetFile(dir), /cannot read the dataset file named by data\.file; .*\(found a folder or device, not a file\)/);
});
