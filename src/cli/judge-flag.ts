// The sweep's `judge` on the command line (`bct run --judge`, `bct check --judge`): `organism` asks the
// untrained organism; anything else names a YAML/JSON file holding the judge mapping (`{ backend, model,
// renderer? }`, or a file with `judge:` at its top, such as a sweep file). A local model folder (an
// embedded judge) is taken relative to that file.
import { dirname, resolve } from 'node:path';
import { judgeRelativeTo, readConfigObject } from './config.js';

/** `--judge organism`, or `--judge FILE` (validated later with the sweep, by the sweep schema). */
export function parseJudgeFlag(raw: string): unknown {
  if (raw === 'organism') return raw;
  const file = readConfigObject(raw);
  return judgeRelativeTo('judge' in file ? file.judge : file, dirname(resolve(raw)));
}
