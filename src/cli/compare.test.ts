import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { bctIn } from '../../test/e2e/cli.js';
import { tempDir } from '../../test/temp-dir.js';
import { buildFixtureRecord } from '../report/index.js';

test('bct compare prints each sweep\'s verdicts and the spec fields that differ; bad references exit 2 naming the sweep', async () => {
  const dir = tempDir('bct-compare-');
  const { project } = buildFixtureRecord(dir, { lrs: [1e-3, 3e-3], seeds: [0], steps: [0, 10], evalPrompts: 3, trainPrompts: 1, sweepName: 'a' });
  project.db.close();
  const second = buildFixtureRecord(dir, { lrs: [1e-3], seeds: [0, 1], steps: [0, 10], evalPrompts: 3, trainPrompts: 1, sweepName: 'b' });
  second.project.db.close();
  const ok = await bctIn(['compare', 'a', 'b', '--project', project.dir]);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /^a \(sweep 1, setting animal-flag\):/m);
  assert.match(ok.stdout, /^b \(sweep 2, setting animal-flag\):/m);
  assert.match(ok.stdout, /spec\.lrs/);
  const one = await bctIn(['compare', 'a', '--project', project.dir]);
  assert.equal(one.status, 2);
  assert.match(one.stderr, /expected 2 to 8 sweeps to compare, got 1/);
  const unknown = await bctIn(['compare', 'a', 'zzz', '--project', project.dir]);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /no sweep "zzz"; known: 1 \(a\), 2 \(b\)/);
});
