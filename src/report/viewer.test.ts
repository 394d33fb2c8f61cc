import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostileRequests, malformedRequests, rawRequest, runRequestLoop } from '../http/probe.js';
import { openProject } from '../store/index.js';
import { buildFixtureRecord } from './fixture.js';
import { startViewer } from './viewer.js';

interface Page {
  rows: { sampleId: number; label: string; step: number; promptId: string }[];
  next: number | null;
}

async function getJson<T>(url: string): Promise<{ status: number; body: T }> {
  const r = await fetch(url);
  return { status: r.status, body: (await r.json()) as T };
}

test('the viewer pages through a record of 100,000 answers with keyset queries', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bct-view-big-'));
  // 4 LRs × 2 seeds × 6 checkpoints × (520 eval + 20 train prompts) × 4 samples = 103,680 answers.
  const { project } = buildFixtureRecord(dir, { evalPrompts: 520, trainPrompts: 20, samplesPerPrompt: 4 });
  const viewer = await startViewer(project.db);
  try {
    const db = project.db;
    const total = (db.prepare('SELECT COUNT(*) AS n FROM samples').get() as { n: number }).n;
    assert.ok(total >= 100000, `record has ${total} answers`);
    const cell = (db.prepare('SELECT id FROM cells ORDER BY id LIMIT 1 OFFSET 3').get() as { id: number }).id;
    // Expected pages straight from SQL: the ids of the cell's 'alternate' eval answers at step 30, in order.
    const expected = (
      db
        .prepare(
          `SELECT s.id FROM cells c JOIN checkpoints k ON k.train_key = c.train_key AND k.step = 30
           JOIN samples s ON s.checkpoint_id = k.id AND s.split = 'eval' JOIN grades g ON g.sample_id = s.id
           WHERE c.id = ? AND g.label = 'alternate' ORDER BY s.id`,
        )
        .all(cell) as { id: number }[]
    ).map((r) => r.id);
    assert.ok(expected.length > 200, `${expected.length} alternate answers`);
    const base = `${viewer.url}api/cells/${cell}/samples?step=30&label=alternate&limit=100`;
    const first = await getJson<Page>(base);
    assert.equal(first.status, 200);
    assert.equal(first.body.rows.length, 100);
    assert.deepEqual(first.body.rows.map((r) => r.sampleId), expected.slice(0, 100));
    assert.ok(first.body.rows.every((r) => r.label === 'alternate' && r.step === 30));
    const second = await getJson<Page>(`${base}&after=${first.body.next}`);
    assert.deepEqual(second.body.rows.map((r) => r.sampleId), expected.slice(100, 200));
    // The last page is short and has no cursor.
    const lastStart = expected[Math.floor((expected.length - 1) / 100) * 100 - 1]!;
    const last = await getJson<Page>(`${base}&after=${lastStart}`);
    assert.equal(last.body.rows.length, expected.length - Math.floor((expected.length - 1) / 100) * 100);
    assert.equal(last.body.next, null);
    // Page size is capped; bad input is a 400 that names the parameter.
    const capped = await getJson<Page>(`${viewer.url}api/cells/${cell}/samples?step=30&limit=100000`);
    assert.equal(capped.body.rows.length, 500);
    const bad = await getJson<{ error: string }>(`${viewer.url}api/cells/${cell}/samples?step=x`);
    assert.equal(bad.status, 400);
    assert.match(bad.body.error, /^step: expected an integer/);
    const side = await getJson<Record<string, Page['rows']>>(`${viewer.url}api/cells/${cell}/prompt?prompt=e5&steps=0,100`);
    assert.equal(side.body['0']!.length, 4);
    assert.ok(side.body['100']!.every((r) => r.promptId === 'e5'));
  } finally {
    await viewer.close();
    project.db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

// The page itself (charts, drill-down, comparison) is tested in Chromium in viewer-page.test.ts.

test('the viewer answers malformed targets with 400, a foreign Host with 403 and other methods with 405, and stays up', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bct-view-guards-'));
  const { project } = buildFixtureRecord(dir, { evalPrompts: 4 });
  const viewer = await startViewer(project.db, { resamples: 20 });
  const port = Number(new URL(viewer.url).port);
  const get = (target: string, host = `127.0.0.1:${port}`, method = 'GET') =>
    rawRequest(port, `${method} ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
  try {
    // These once threw inside `new URL(req.url, base)` and took the process down.
    for (const target of ['//', '///', '//a:99999/', 'http://[', '/api/%2e%2e/sweeps', '/api/sweeps/1/']) {
      const r = await get(target);
      assert.equal(r.status, 400, `${target}: ${r.text.split('\r\n')[0]}`);
    }
    // DNS rebinding: a page on attacker.test that resolves to 127.0.0.1 must not read the record.
    const rebound = await get('/api/sweeps/1', 'attacker.test:8765');
    assert.equal(rebound.status, 403);
    assert.match(rebound.text, /Host \\"attacker\.test:8765\\" is not this server/);
    assert.doesNotMatch(rebound.text, /fixture-sweep/);
    assert.equal((await get('/api/sweeps/1', `localhost:${port}`)).status, 200);
    const post = await get('/api/sweeps', `127.0.0.1:${port}`, 'POST');
    assert.equal(post.status, 405);
    assert.match(post.text, /allow: GET/i);
    assert.equal((await get('/api/nothing')).status, 404);
    const ok = await fetch(`${viewer.url}api/sweeps`);
    assert.equal(ok.status, 200);
    assert.equal(((await ok.json()) as unknown[]).length, 1);
  } finally {
    await viewer.close();
    project.db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('10,000+ hostile requests: the viewer stays up, answers each with a 4xx, and the record file is byte-for-byte unchanged', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bct-view-hostile-'));
  buildFixtureRecord(dir, { evalPrompts: 4 }).project.db.close(); // closing folds the WAL into record.sqlite
  const project = openProject(dir, { readonly: true });
  const viewer = await startViewer(project.db, { resamples: 20 });
  const port = Number(new URL(viewer.url).port);
  const host = `127.0.0.1:${port}`;
  const files = (): Record<string, string> =>
    Object.fromEntries(readdirSync(dir).filter((f) => f.startsWith('record')).map((f) => [f, createHash('sha256').update(readFileSync(join(dir, f))).digest('hex')]));
  try {
    assert.equal((await fetch(`${viewer.url}api/sweeps/1`)).status, 200);
    const before = files();
    assert.ok('record.sqlite' in before);
    const cases = hostileRequests({ host, paths: ['/api/sweeps', '/api/sweeps/1', '/api/cells/1/samples', '/'], auth: {}, maxBodyBytes: 16 * 1024 });
    for (const q of ['step=x', 'step=0&after=1e999', 'step=0&split=../../etc', 'step=%00', 'step=0&limit=ten']) {
      cases.push({ method: 'GET', path: `/api/cells/1/samples?${q}`, headers: { host } });
    }
    cases.push({ method: 'GET', path: '/api/sweeps/999999', headers: { host } });
    cases.push({ method: 'GET', path: '/api/cells/999999/prompt?prompt=x&steps=a,b', headers: { host } });
    const t0 = performance.now();
    const loop = await runRequestLoop(port, cases, 10200, 16);
    const raw: number[] = [];
    for (const m of malformedRequests(host)) raw.push((await rawRequest(port, m)).status);
    const counts = [...loop.statuses.entries()].sort((a, b) => a[0] - b[0]);
    console.log(`${loop.requests} hostile requests (${cases.length} kinds) in ${((performance.now() - t0) / 1000).toFixed(1)} s; statuses ${JSON.stringify(counts)}`);
    for (const [status, n] of counts) assert.ok(status >= 400 && status < 500, `${n} requests answered ${status}`);
    assert.ok(raw.every((st) => st >= 400 && st < 500), `malformed: ${raw.join(', ')}`);
    assert.equal((await fetch(`${viewer.url}api/sweeps/1`)).status, 200, 'still up');
    assert.deepEqual(files(), before, 'the record is byte-for-byte unchanged');
  } finally {
    await viewer.close();
    project.db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
