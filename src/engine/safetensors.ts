// Reading and writing the safetensors format (https://huggingface.co/docs/safetensors), so checkpoints
// load in other tools. File layout:
//   u64 little-endian N | N bytes of UTF-8 JSON header | data
// The header maps each tensor name to {dtype, shape, data_offsets: [begin, end]} (byte offsets into the
// data, which the tensors must cover exactly, without overlap or holes) and may hold "__metadata__", a
// string→string map. bctlab writes and reads F32 only; tensors are written in name order, and the header
// is padded with spaces so the data starts 8-byte aligned.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CheckpointError, ShapeError, systemProblem } from '../errors.js';

export interface NamedTensor {
  shape: number[];
  data: Float32Array; // (product of shape)
}

export interface SafetensorsFile {
  tensors: Record<string, NamedTensor>;
  metadata: Record<string, string>;
}

const METADATA_KEY = '__metadata__';
const MAX_HEADER_BYTES = 100 * 1024 * 1024; // the reference implementation's limit
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function fmtShape(shape: readonly number[]): string {
  return `(${shape.join(', ')})`;
}

function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

// Float32 values as little-endian bytes (a view on little-endian hosts, a swapped copy otherwise).
function leBytes(data: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.byteLength);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) dv.setFloat32(i * 4, data[i], true);
  return out;
}

/** Writes `tensors` (F32) and optional string metadata to `path` atomically: a temporary file in the
 *  same folder is written, flushed and renamed over `path`, so readers never see a partial file. */
export function writeSafetensors(path: string, tensors: Record<string, NamedTensor>, metadata?: Record<string, string>): void {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new CheckpointError(`metadata "${k}" must be a string, got ${typeof v}`, path);
    }
    header[METADATA_KEY] = metadata;
  }
  let offset = 0;
  for (const name of names) {
    const { shape, data } = tensors[name];
    if (name === '' || name === METADATA_KEY) throw new CheckpointError(`invalid tensor name ${JSON.stringify(name)}`, path);
    if (!(data instanceof Float32Array)) throw new CheckpointError(`tensor "${name}": data must be a Float32Array`, path);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new ShapeError(`tensor "${name}": shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`, path);
    }
    if (numel(shape) !== data.length) {
      throw new ShapeError(`tensor "${name}": shape ${fmtShape(shape)} holds ${numel(shape)} values but data has ${data.length}`, path);
    }
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + data.byteLength] };
    offset += data.byteLength;
  }
  let json = JSON.stringify(header);
  const jsonBytes = Buffer.byteLength(json, 'utf8');
  json += ' '.repeat((8 - ((8 + jsonBytes) % 8)) % 8); // align the data to 8 bytes
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(Buffer.byteLength(json, 'utf8')));

  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'w');
    writeSync(fd, head);
    writeSync(fd, Buffer.from(json, 'utf8'));
    for (const name of names) {
      const bytes = leBytes(tensors[name].data);
      for (let done = 0; done < bytes.length;) done += writeSync(fd, bytes, done);
    }
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    if (e instanceof Error && !(e instanceof CheckpointError)) {
      throw new CheckpointError(`could not write the checkpoint: ${e.message}`, path);
    }
    throw e;
  }
}

interface Entry { name: string; shape: number[]; begin: number; end: number }

function parseEntry(path: string, name: string, v: unknown, dataLen: number): Entry {
  const bad = (what: string): never => { throw new CheckpointError(`tensor "${name}": ${what}`, path); };
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad('header entry must be an object');
  const { dtype, shape, data_offsets: off } = v as Record<string, unknown>;
  if (dtype !== 'F32') bad(`dtype ${JSON.stringify(dtype)} is not supported; bctlab reads F32 tensors only`);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    bad(`shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isSafeInteger(d) && d >= 0) || off[0] > off[1]) {
    bad(`data_offsets must be [begin, end] with 0 <= begin <= end, got ${JSON.stringify(off)}`);
  }
  const [begin, end] = off as [number, number];
  const s = shape as number[];
  if (end > dataLen) {
    bad(`data_offsets [${begin}, ${end}] reach past the ${dataLen} bytes of data (is the file truncated?)`);
  }
  if (end - begin !== numel(s) * 4) {
    bad(`shape ${fmtShape(s)} of F32 needs ${numel(s) * 4} bytes but data_offsets [${begin}, ${end}] span ${end - begin}`);
  }
  return { name, shape: s, begin, end };
}

/** Reads a safetensors file of F32 tensors. Throws CheckpointError naming the file (and the tensor)
 *  for a missing or truncated file, bad JSON, another dtype, or overlapping / out-of-range offsets. */
export function readSafetensors(path: string): SafetensorsFile {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new CheckpointError(`cannot read the checkpoint: ${systemProblem(e) ?? (e as Error).message}`, path, { cause: e });
  }
  if (buf.length < 8) throw new CheckpointError(`file has ${buf.length} bytes, too short for a safetensors header (truncated?)`, path);
  const n = buf.readBigUInt64LE(0);
  if (n > BigInt(Math.min(MAX_HEADER_BYTES, buf.length - 8))) {
    throw new CheckpointError(`header length ${n} exceeds the ${buf.length - 8} bytes after it (truncated or not safetensors?)`, path);
  }
  const headerLen = Number(n);
  let header: unknown;
  try {
    header = JSON.parse(buf.toString('utf8', 8, 8 + headerLen));
  } catch (e) {
    throw new CheckpointError(`header is not valid JSON: ${(e as Error).message}`, path);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new CheckpointError('header must be a JSON object', path);
  }
  const dataStart = 8 + headerLen;
  const dataLen = buf.length - dataStart;
  const metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, v] of Object.entries(header)) {
    if (name === METADATA_KEY) {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new CheckpointError('__metadata__ must be an object', path);
      for (const [k, s] of Object.entries(v)) {
        if (typeof s !== 'string') throw new CheckpointError(`__metadata__.${k} must be a string, got ${JSON.stringify(s)}`, path);
        metadata[k] = s;
      }
    } else {
      entries.push(parseEntry(path, name, v, dataLen));
    }
  }
  // The tensors must tile the data exactly: sorted by offset, each starts where the previous ended.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    if (e.begin < at) {
      throw new CheckpointError(`tensor "${e.name}": data_offsets [${e.begin}, ${e.end}] overlap tensor "${entries[i - 1].name}"`, path);
    }
    if (e.begin > at) throw new CheckpointError(`tensor "${e.name}": data_offsets leave bytes ${at}..${e.begin} unused`, path);
    at = e.end;
  }
  if (at !== dataLen) {
    throw new CheckpointError(`the tensors cover ${at} bytes of data but the file holds ${dataLen} after the header`, path);
  }
  const tensors: Record<string, NamedTensor> = {};
  for (const e of entries) {
    const data = new Float32Array((e.end - e.begin) / 4); // (product of shape)
    if (LITTLE_ENDIAN) {
      new Uint8Array(data.buffer).set(buf.subarray(dataStart + e.begin, dataStart + e.end));
    } else {
      for (let i = 0; i < data.length; i++) data[i] = buf.readFloatLE(dataStart + e.begin + i * 4);
    }
    tensors[e.name] = { shape: e.shape, data };
  }
  return { tensors, metadata };
}

/** Checks that `tensors` (read from `path`) hold exactly the `expected` names and shapes; the error
 *  names the tensor and both shapes. With `allowExtra`, tensors not in `expected` are ignored. */
export function checkTensorShapes(path: string, tensors: Record<string, NamedTensor>,
  expected: Record<string, readonly number[]>, opts: { allowExtra?: boolean } = {}): void {
  for (const [name, shape] of Object.entries(expected)) {
    const t = tensors[name];
    if (!t) throw new CheckpointError(`tensor "${name}" of shape ${fmtShape(shape)} is missing`, path);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new CheckpointError(`tensor "${name}": expected shape ${fmtShape(shape)}, got ${fmtShape(t.shape)}`, path);
    }
  }
  if (!opts.allowExtra) {
    const extra = Object.keys(tensors).filter((n) => !(n in expected));
    if (extra.length > 0) {
      throw new CheckpointError(`unexpected tensor${extra.length > 1 ? 's' : ''} ${extra.map((n) => `"${n}"`).join(', ')} ` +
        '(is this a checkpoint of a different model?)', path);
    }
  }
}
