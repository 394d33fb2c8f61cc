import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkTensorShapes, readSafetensors, writeSafetensors } from './safetensors.js';
import { CheckpointError, ShapeError } from '../errors.js';

const dir = mkdtempSync(join(tmpdir(), 'bct-safetensors-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

// A raw safetensors file from a header object and a data section, for malformed-file cases.
function raw(name: string, header: unknown, data: Uint8Array, headerText = JSON.stringify(header)): string {
  const h = Buffer.from(headerText, 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(h.length));
  const p = join(dir, name);
  writeFileSync(p, Buffer.concat([len, h, data]));
  return p;
}

function throwsCheckpoint(f: () => unknown, ...parts: string[]): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof CheckpointError, `expected CheckpointError, got ${String(e)}`);
    for (const p of parts) assert.ok(e.message.includes(p), `"${e.message}" lacks "${p}"`);
    return true;
  });
}

test('round trip keeps names, shapes, exact values and metadata; the data starts 8-byte aligned', () => {
  const p = join(dir, 'model.safetensors');
  const wte = new Float32Array([1.5, -2.25, 3e-39, Infinity, -0, 7, 8, 9, 10, 11, 12, 13]); // (4, 3)
  const scalar = new Float32Array([Math.PI]); // ()
  const empty = new Float32Array(0); // (0, 5)
  writeSafetensors(p, { wte: { shape: [4, 3], data: wte }, 'h.0.ln.g': { shape: [], data: scalar }, empty: { shape: [0, 5], data: empty } },
    { schemaVersion: '1', note: 'ünïcödé' });
  const bytes = readFileSync(p);
  assert.equal((8 + Number(bytes.readBigUInt64LE(0))) % 8, 0);
  const { tensors, metadata } = readSafetensors(p);
  assert.deepEqual(metadata, { schemaVersion: '1', note: 'ünïcödé' });
  assert.deepEqual(Object.keys(tensors).sort(), ['empty', 'h.0.ln.g', 'wte']);
  assert.deepEqual(tensors.wte.shape, [4, 3]);
  assert.deepEqual(Array.from(tensors.wte.data), Array.from(wte));
  assert.ok(Object.is(tensors.wte.data[4], -0));
  assert.deepEqual(tensors['h.0.ln.g'].shape, []);
  assert.equal(tensors['h.0.ln.g'].data[0], Math.fround(Math.PI));
  assert.deepEqual(tensors.empty.shape, [0, 5]);
  assert.equal(tensors.empty.data.length, 0);
});

test('writes are atomic: the file is replaced whole and no temporary file is left behind', () => {
  const sub = mkdtempSync(join(dir, 'atomic-'));
  const p = join(sub, 'w.safetensors');
  writeSafetensors(p, { a: { shape: [2], data: new Float32Array([1, 2]) } });
  writeSafetensors(p, { a: { shape: [3], data: new Float32Array([4, 5, 6]) } });
  assert.deepEqual(Array.from(readSafetensors(p).tensors.a.data), [4, 5, 6]);
  assert.deepEqual(readdirSync(sub), ['w.safetensors']);
  // A failed write (shape does not match data) leaves the old file untouched.
  assert.throws(() => writeSafetensors(p, { a: { shape: [2, 2], data: new Float32Array(3) } }), ShapeError);
  assert.deepEqual(Array.from(readSafetensors(p).tensors.a.data), [4, 5, 6]);
  assert.deepEqual(readdirSync(sub), ['w.safetensors']);
});

test('a view into a larger array is written as just its own values', () => {
  const big = new Float32Array([9, 9, 1, 2, 3, 9]);
  const p = join(dir, 'view.safetensors');
  writeSafetensors(p, { v: { shape: [3], data: big.subarray(2, 5) } });
  assert.deepEqual(Array.from(readSafetensors(p).tensors.v.data), [1, 2, 3]);
});

test('another dtype, truncation, bad offsets and bad JSON throw CheckpointError naming file and tensor', () => {
  const f32 = (n: number) => new Uint8Array(n * 4);
  throwsCheckpoint(() => readSafetensors(raw('f16.st', { w: { dtype: 'F16', shape: [2], data_offsets: [0, 4] } }, f32(1))),
    'f16.st', '"w"', 'F16');
  const good = raw('good.st', { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [3], data_offsets: [8, 20] } }, f32(5));
  const bytes = readFileSync(good);
  const cut = join(dir, 'cut.st');
  writeFileSync(cut, bytes.subarray(0, bytes.length - 4));
  throwsCheckpoint(() => readSafetensors(cut), 'cut.st', '"b"', 'truncated');
  writeFileSync(cut, bytes.subarray(0, 12));
  throwsCheckpoint(() => readSafetensors(cut), 'cut.st', 'header length');
  writeFileSync(cut, bytes.subarray(0, 5));
  throwsCheckpoint(() => readSafetensors(cut), 'too short');
  throwsCheckpoint(() => readSafetensors(raw('overlap.st', {
    a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
  }, f32(3))), 'overlap.st', '"b"', 'overlap');
  throwsCheckpoint(() => readSafetensors(raw('range.st', { a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, f32(2))),
    'range.st', '"a"', 'past the 8 bytes');
  throwsCheckpoint(() => readSafetensors(raw('size.st', { a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, f32(2))),
    '"a"', 'needs 12 bytes');
  throwsCheckpoint(() => readSafetensors(raw('hole.st', { a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, f32(2))),
    '"a"', 'unused');
  throwsCheckpoint(() => readSafetensors(raw('tail.st', { a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, f32(2))),
    'tail.st', 'cover 4 bytes');
  throwsCheckpoint(() => readSafetensors(raw('json.st', null, f32(1), '{"a": {"dtype": "F32",')), 'json.st', 'not valid JSON');
  throwsCheckpoint(() => readSafetensors(raw('neg.st', { a: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, f32(1))), '"a"', 'shape');
  throwsCheckpoint(() => readSafetensors(raw('meta.st', { __metadata__: { n: 1 } }, f32(0))), '__metadata__.n');
  throwsCheckpoint(() => readSafetensors(join(dir, 'missing.st')), 'missing.st', 'cannot read');
});

test('checkTensorShapes names the tensor and both shapes, and missing or unexpected tensors', () => {
  const t = { wte: { shape: [4096, 128], data: new Float32Array(0) }, lm: { shape: [2], data: new Float32Array(2) } };
  throwsCheckpoint(() => checkTensorShapes('c.st', t, { wte: [4096, 256], lm: [2] }), 'c.st', '"wte"', '(4096, 256)', '(4096, 128)');
  throwsCheckpoint(() => checkTensorShapes('c.st', t, { wte: [4096, 128], lm: [2], wpe: [128, 256] }), '"wpe"', 'missing');
  throwsCheckpoint(() => checkTensorShapes('c.st', t, { wte: [4096, 128] }), 'unexpected tensor "lm"');
  checkTensorShapes('c.st', t, { wte: [4096, 128] }, { allowExtra: true });
  checkTensorShapes('c.st', t, { wte: [4096, 128], lm: [2] });
});
