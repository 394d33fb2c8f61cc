import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { verifyProgress } from './verify.js';

function sink(isTTY: boolean): { out: Writable & { isTTY?: boolean }; text: () => string } {
  let text = '';
  const out = Object.assign(new Writable({ write: (c: Buffer, _e, cb) => ((text += c.toString()), cb()) }), { isTTY });
  return { out, text: () => text };
}

test('verification progress stays silent on short runs, then prints a line per interval with an ETA', async () => {
  let now = 0;
  const { out, text } = sink(false);
  const p = verifyProgress(out, 5000, () => now);
  const total = { artifacts: 4, bytes: 400 * 2 ** 20 };
  now = 4000;
  p.onProgress({ ...total, artifactsDone: 1, bytesDone: 100 * 2 ** 20 });
  now = 10_000;
  p.onProgress({ ...total, artifactsDone: 1, bytesDone: 100 * 2 ** 20 });
  now = 12_000;
  p.onProgress({ ...total, artifactsDone: 2, bytesDone: 200 * 2 ** 20 });
  p.done();
  await new Promise((r) => setImmediate(r));
  // 100 MiB in 10 s: the other 300 MiB take 30 s. The next call came within the interval: not printed.
  assert.equal(text(), 'verify: 1/4 artifacts, 100.0 MiB of 400.0 MiB, eta 30s\n');
});

test('on a terminal the progress line is rewritten in place and cleared at the end', async () => {
  let now = 0;
  const { out, text } = sink(true);
  const p = verifyProgress(out, 5000, () => now);
  now = 6000;
  p.onProgress({ artifacts: 2, bytes: 2 ** 20, artifactsDone: 1, bytesDone: 2 ** 19 });
  p.done();
  await new Promise((r) => setImmediate(r));
  assert.equal(text(), '\r\x1b[2Kverify: 1/2 artifacts, 512.0 KiB of 1.0 MiB, eta 6s\r\x1b[2K');
});
