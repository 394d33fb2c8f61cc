import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildFixtureRecord } from './fixture.js';
import { writeReport } from './report.js';
import { summaryTable } from './analyze.js';
import { browserSkip, launchChromium, screenshotPath } from './browser.js';

test('the report is one offline HTML file with plots, tables and examples, and reads right in Chromium', { skip: browserSkip() }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bct-report-'));
  try {
    const { project } = buildFixtureRecord(dir, { evalPrompts: 30 });
    const out = join(dir, 'report.html');
    const analysis = await writeReport(project.db, out, undefined, { resamples: 100 });
    project.db.close();
    const html = readFileSync(out, 'utf8');
    // Self-contained: no external scripts, styles, images or fonts.
    assert.doesNotMatch(html, /(src|href)\s*=\s*["']?(https?:)?\/\//i);
    assert.ok((html.match(/<svg/g) ?? []).length >= 8, 'curves, lr×steps, capability loss, Pareto and raw capability plots');
    const data = JSON.parse(/<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(html)![1]!) as { schemaVersion: number; groups: unknown[] };
    assert.equal(data.schemaVersion, 1);
    assert.equal(data.groups.length, 4);
    // The fixture's lowest LR does not transfer within 100 steps: censored, shown as "> 100".
    const lowest = analysis.steps.find((s) => s.lr === 1e-4)!;
    assert.equal(lowest.status, 'censored');
    assert.match(summaryTable(analysis), /> 100/);

    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      await page.goto(pathToFileURL(out).href);
      assert.equal(await page.locator('h1').textContent(), 'Sweep fixture-sweep');
      const summaryRows = await page.locator('#summary tbody tr').allTextContents();
      assert.equal(summaryRows.length, 4);
      assert.match(summaryRows[0]!, /1e-4.*> 100/);
      assert.equal(await page.locator('#precheck tbody tr').count(), 3);
      assert.ok((await page.locator('#steps-table').textContent())!.includes('censored'));
      assert.ok(await page.locator('#lr-table tbody tr').count() >= 1);
      assert.equal(await page.locator('#budget-table tbody tr').count(), 4);
      assert.ok(await page.locator('svg').count() >= 8);
      // Per-seed crossings in the cells table: the lowest LR's seeds are censored.
      assert.match((await page.locator('#cells-table tbody tr').first().textContent())!, /> 100$/);
      assert.ok((await page.locator('.answer').count()) > 0);
      // SVG marks were drawn with real sizes (not an empty chart).
      const box = await page.locator('.plot svg').first().boundingBox();
      assert.ok(box !== null && box.width > 300 && box.height > 200);
      await page.screenshot({ path: screenshotPath('report.png'), fullPage: true });
      await page.locator('#curves').scrollIntoViewIfNeeded();
      await page.screenshot({ path: screenshotPath('report-curves.png') });
    } finally {
      await browser.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a sweep with nothing graded yet, or without capability data, still gives a report', async () => {
  const { buildReport } = await import('./report.js');
  const { openProject } = await import('../store/index.js');
  const dir = mkdtempSync(join(tmpdir(), 'bct-report-empty-'));
  try {
    const empty = openProject(join(dir, 'none'), { create: true });
    await assert.rejects(buildReport(empty.db), /no sweeps yet/);
    empty.db.close();
    const { project } = buildFixtureRecord(dir, { lrs: [1e-3], seeds: [0], steps: [0, 10], evalPrompts: 3, trainPrompts: 1 });
    project.db.exec('DELETE FROM cell_metrics; DELETE FROM metrics');
    const noCap = await buildReport(project.db, undefined, { resamples: 20 });
    assert.match(noCap.html, /No capability evaluations recorded/);
    assert.ok(Number.isNaN(noCap.analysis.groups[0]!.capabilityLoss));
    project.db.exec('DELETE FROM grades');
    const nothing = await buildReport(project.db, undefined, { resamples: 20 });
    assert.match(nothing.html, /No graded eval answers yet/);
    assert.equal(nothing.analysis.steps.length, 0);
    project.db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
