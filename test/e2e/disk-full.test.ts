// A disk that fills up during a sweep, for real: the project lives on a 2 MiB tmpfs, too small for the
// first checkpoint of the shipped base model (2.4 MB of weights). The run must say so (ENOSPC or
// SQLITE_FULL, with the free space), exit 1 (a failure, not bad input), never count the failed cell as
// done, start no further cell, and leave a record that resumes once there is room. Mounting needs root
// with CAP_SYS_ADMIN; elsewhere the test skips, saying so (the classification and the progress
// accounting are unit-tested in src/errors.test.ts and src/pipeline/progress.test.ts).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../temp-dir.js';
import { bct, bctIn, mountTmpfs, REPO } from './cli.js';

test('a full disk during bct run: one line saying so with the free space, exit 1, no cell counted done, and it resumes', async (t) => {
  const disk = join(tempDir('bct-disk-full-'), 'petit disque');
  if (!mountTmpfs(disk, 'size=2m')) return t.skip('mounting a tmpfs is not allowed here (needs root with CAP_SYS_ADMIN)');
  try {
    const project = join(disk, '.bct');
    const args = ['run', '--setting', 'animal-flag', '--base', join(REPO, 'models', 'mw-base'), '--lrs', '1e-3,1e-4', '--steps', '8', '--checkpoint-count', '1', '--max-tokens', '8', '--project', project];
    // The default GEMM: nothing here depends on bit-exact numbers.
    const full = bct(args, REPO, process.env);
    assert.equal(full.status, 1, `${full.stdout}\n${full.stderr}`);
    assert.match(
      full.stderr,
      /^bct run: [^\n]*petit disque[^\n]*: (no space left on device \(ENOSPC\)|database or disk is full \(SQLITE_FULL\)), [\d.]+ (bytes|KiB|MiB) free on that file system; free some space or use a folder on a larger disk, then run the same command again \(finished work is kept\)\n$/,
    );
    assert.match(full.stdout, /\nsweep: 0\/2 cells done, 1 failed(, eta \S+)?\n/);
    assert.doesNotMatch(full.stdout, /[12]\/2 cells done/, 'a failed cell is never counted as done');
    const status = await bctIn(['status', '--project', project]);
    assert.match(status.stdout, /^sweep 1 \S+: failed; .*cells: 0 done, 0 running, 1 pending, 1 failed\n/, 'the second cell was not started on a full disk');

    assert.equal(spawnSync('mount', ['-o', 'remount,size=64m', disk]).status, 0, 'grow the disk');
    const resumed = bct(args, REPO, process.env);
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.equal(resumed.stderr, '');
    assert.match((await bctIn(['status', '--project', project])).stdout, /^sweep 1 \S+: done; .*cells: 2 done/);
  } finally {
    spawnSync('umount', [disk]);
    rmSync(disk, { recursive: true, force: true });
  }
});
