// End to end through the real `bct` binary on a fixture record: report, export --table metrics, view.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFixtureRecord } from '../report/index.js';
import { bct, bctChild } from '../../test/e2e/cli.js';
import { buildTinyOrganism, TWO_LR_SWEEP, writeTinySweep } from '../../test/e2e/tiny-organism.js';

test('bct report, bct export --table metrics and bct view work on a recorded sweep', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bct-cli-report-'));
  try {
    const { project } = buildFixtureRecord(dir, { lrs: [1e-4, 1e-3], seeds: [0], steps: [0, 10, 100], evalPrompts: 12 });
    project.db.close();
    const out = join(dir, 'r.html');
    const r = bct(['report', '--project', dir, '--out', out, '--resamples', '50']);
    assert.equal(r.stderr, '');
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^family\s+lr\s+step\s+initial/m);
    assert.match(r.stdout, /> 100/, 'the low LR is censored');
    assert.ok(r.stdout.includes(`report: ${out}`));
    assert.ok(existsSync(out) && readFileSync(out, 'utf8').includes('<svg'));

    const unknown = bct(['report', 'nope', '--project', dir]);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /no sweep "nope"; known: 1 \(fixture-sweep\)/);
    const badFlag = bct(['report', '--project', dir, '--threshold', '2']);
    assert.equal(badFlag.status, 2);
    assert.match(badFlag.stderr, /--threshold/);

    const ex = bct(['export', '--table', 'metrics', '--format', 'jsonl', '--project', dir]);
    assert.equal(ex.status, 0, ex.stderr);
    const rows = ex.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(rows.length, 2 * 3);
    assert.ok(rows.every((row) => typeof row['initial_lo'] === 'number'));

    const child = bctChild(['view', '--project', dir, '--port', '0']);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      let buf = '';
      child.stdout!.on('data', (d: Buffer) => {
        buf += d.toString();
        const m = /bct view: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(buf);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => setTimeout(() => reject(new Error(`bct view exited ${code}: ${stderr}`)), 50));
    });
    const sweeps = (await (await fetch(`${url}api/sweeps`)).json()) as { name: string }[];
    assert.deepEqual(sweeps.map((s) => s.name), ['fixture-sweep']);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bct report reads a record written by a real bct run (tiny organism)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bct-cli-report-real-'));
  try {
    buildTinyOrganism(join(dir, 'organism'), 60);
    const { file } = writeTinySweep(dir, {
      name: 'tiny-report',
      ...TWO_LR_SWEEP,
    });
    const project = join(dir, '.bct');
    const run = bct(['run', file, '--project', project]);
    assert.equal(run.status, 0, run.stderr);
    const out = join(dir, 'r.html');
    const r = bct(['report', '--project', project, '--out', out, '--resamples', '50']);
    assert.equal(r.stderr, '');
    assert.equal(r.status, 0);
    // One row per LR with the last checkpoint (12) and a steps-to-transfer entry.
    const rows = r.stdout.split('\n').filter((l) => /^full\s/.test(l));
    assert.equal(rows.length, 2);
    assert.ok(rows.every((l) => /^full\s+\S+\s+12\s/.test(l)), rows.join('\n'));
    const html = readFileSync(out, 'utf8');
    // The recorded pre-check shows its three criteria and nothing else.
    const precheck = /<table id="precheck">(.*?)<\/table>/s.exec(html)![1]!;
    assert.equal((precheck.match(/<tr>/g) ?? []).length, 4);
    assert.doesNotMatch(precheck, /FAIL/);
    assert.ok((html.match(/<svg/g) ?? []).length >= 5);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
