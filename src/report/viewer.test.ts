import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFixtureRecord } from './fixture.js';
import { startViewer } from './viewer.js';
import { browserSkip, launchChromium, screenshotPath } from './browser.js';

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

test('the viewer page shows sweeps, curves, answers by class and two checkpoints side by side in Chromium', { skip: browserSkip() }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bct-view-'));
  const { project } = buildFixtureRecord(dir, { evalPrompts: 30, samplesPerPrompt: 2 });
  const viewer = await startViewer(project.db, { resamples: 100 });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(viewer.url);
    await page.locator('#title', { hasText: 'Sweep fixture-sweep' }).waitFor();
    assert.equal(await page.locator('#summary tbody tr').count(), 4);
    // One curve per LR, with a point per checkpoint.
    assert.equal(await page.locator('#chart polyline.curve').count(), 4);
    assert.equal(await page.locator('#chart circle.pt').count(), 4 * 6);
    // The legend hides and shows a curve.
    await page.locator('#chart g.legend[data-group="full lr=1e-4"]').click();
    assert.equal(await page.locator('#chart polyline.curve').count(), 3);
    await page.locator('#chart g.legend[data-group="full lr=1e-4"]').click();
    assert.equal(await page.locator('#chart polyline.curve').count(), 4);
    // Switching the class redraws.
    await page.selectOption('#cls', 'alternate');
    assert.equal(await page.locator('#chart polyline.curve').count(), 4);
    // Clicking the lr=1e-3 point at step 30 opens that cell's answers at step 30.
    await page.locator('#chart circle.pt[data-group="full lr=1e-3"][data-step="30"]').click();
    await page.locator('#samples .sample').first().waitFor();
    assert.equal(await page.inputValue('#step'), '30');
    assert.match((await page.locator('#cell option:checked').textContent())!, /^lr=0.001\.seed=0/);
    assert.equal(await page.locator('#samples .sample').count(), 50);
    // Filter by class: only 'initial' tags remain, and "more" pages on.
    await page.selectOption('#label', 'initial');
    await page.waitForFunction(() => document.querySelectorAll('#samples .sample .tag:not(.initial)').length === 0 && document.querySelectorAll('#samples .sample').length > 0);
    const nInitial = await page.locator('#samples .sample').count();
    assert.ok(nInitial > 0 && nInitial <= 50);
    // Side by side: click an answer, see its prompt at step 0 and step 100.
    await page.selectOption('#label', '');
    await page.locator('#samples .sample').first().waitFor();
    await page.locator('#samples .sample').first().click();
    await page.locator('#cmpA .answer').first().waitFor();
    assert.match((await page.locator('#cmpA').textContent())!, /^step 0/);
    assert.match((await page.locator('#cmpB').textContent())!, /^step 100/);
    assert.equal(await page.locator('#cmpA .answer').count(), 2, 'two samples per prompt');
    assert.deepEqual(errors, []);
    await page.screenshot({ path: screenshotPath('viewer.png'), fullPage: true });
    // The sweep's analysis is cached, but follows the record when it changes (a run still writing).
    const before = await getJson<{ groups: unknown[] }>(`${viewer.url}api/sweeps/1`);
    assert.equal(before.body.groups.length, 4);
    project.db
      .prepare(`DELETE FROM grades WHERE sample_id IN (SELECT s.id FROM samples s JOIN checkpoints k ON k.id = s.checkpoint_id JOIN cells c ON c.train_key = k.train_key WHERE c.lr = 3e-3)`)
      .run();
    const after = await getJson<{ groups: unknown[] }>(`${viewer.url}api/sweeps/1`);
    assert.equal(after.body.groups.length, 3);
  } finally {
    await browser.close();
    await viewer.close();
    project.db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
