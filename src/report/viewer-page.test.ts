import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { groupKey } from '../analysis/index.js';
import { promptClasses, promptFlips } from '../analysis/prompt-classes.js';
import { tempDir } from '../../test/temp-dir.js';
import { browserSkip, chartFacts, launchChromium, screenshotPath } from './browser.js';
import { buildFixtureRecord, DEMO_FIXTURE } from './fixture.js';
import { writeReport } from './report.js';
import { startViewer } from './viewer.js';

const THRESHOLD = 0.4;

test('the viewer draws the report charts with the same colours and numbers, and drills down as chats', { skip: browserSkip() }, async () => {
  const dir = tempDir('bct-viewer-page-');
  const { project } = buildFixtureRecord(dir, DEMO_FIXTURE);
  // A second sweep to compare: fewer LRs, seeds that agree.
  buildFixtureRecord(dir, { ...DEMO_FIXTURE, sweepName: 'demo-fixture-b', lrs: [1e-3, 3e-3], seedSpread: 0, seed: 7 }).project.db.close();
  const opts = { resamples: 100, threshold: THRESHOLD };
  const reportPath = join(dir, 'report.html');
  const analysis = await writeReport(project.db, reportPath, 'demo-fixture', opts);
  const viewer = await startViewer(project.db, opts);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(viewer.url);
    await page.locator('button[data-sweep="1"]').click();
    await page.locator('#title', { hasText: 'Sweep demo-fixture · animal-flag' }).waitFor();
    await page.locator('#charts[data-drawn]').waitFor({ state: 'attached' });

    // The same verdicts, word for word, as the report.
    const verdictText = (sel: string) => page.locator(`${sel} #verdict-table tbody tr`).allTextContents();
    const inViewer = await verdictText('#verdicts');
    assert.equal(inViewer.length, 8);
    const report = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await report.goto(pathToFileURL(reportPath).href);
    assert.deepEqual(inViewer, await verdictText('main'));

    // The same charts, each with a legend naming its series and the same colour per LR as in the report.
    const viewCharts = await chartFacts(page, '#charts');
    const reportCharts = await chartFacts(report, 'main');
    assert.deepEqual(viewCharts.map((c) => c.id), reportCharts.map((c) => c.id));
    for (const [i, v] of viewCharts.entries()) {
      const r = reportCharts[i]!;
      assert.ok(v.legends.length > 0, `${v.id} has a legend`);
      assert.deepEqual(v.legends.map((l) => [l.title, l.labels, l.colors]), r.legends.map((l) => [l.title, l.labels, l.colors]), `${v.id}: legends`);
      assert.deepEqual(v.lineColors.sort(), r.lineColors.sort(), `${v.id}: line colours`);
      assert.equal(v.thresholds.length, r.thresholds.length, `${v.id}: threshold lines`);
      for (const y of v.thresholds) assert.ok(Math.abs(y - THRESHOLD) < 0.01, `${v.id}: threshold at ${y}`);
    }
    await report.close();

    // Click the full lr=1e-3 seed-mean point at step 32: that series' answers at step 32, as chats.
    const point = await page.evaluate(`(() => {
      var paths = Array.from(document.querySelectorAll('[data-chart="initial-steps"] g.rate_checkpoints_marks path'));
      var p = paths.filter(function (e) { return e.__data__ && e.__data__.datum.group === 'full lr=1e-3' && e.__data__.datum.step === 32; })[0];
      if (!p) return null;
      p.scrollIntoView({ block: 'center' });
      var r = p.getBoundingClientRect();
      return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
    })()`) as { x: number; y: number } | null;
    assert.ok(point !== null, 'the point is drawn');
    await page.mouse.move(point.x, point.y);
    await page.locator('#tip', { hasText: 'step: 32' }).waitFor();
    await page.mouse.click(point.x, point.y);
    await page.waitForFunction(() => (document.getElementById('step') as HTMLSelectElement).value === '32' && document.querySelectorAll('#samples .sample').length > 0);
    assert.match((await page.locator('#cell option:checked').textContent())!, /^lr=0\.001\.seed=0\.bs=8\.full$/);
    assert.equal(await page.locator('#samples .sample').count(), 24);
    assert.equal(await page.locator('#samples .sample .chat .msg.user').count(), 24);
    assert.match((await page.locator('#samples .sample .reason').first().textContent())!, /^grader: fixture: answer/);
    // Filter by class.
    await page.selectOption('#label', 'alternate');
    await page.waitForFunction(() => document.querySelectorAll('#samples .sample .tag:not(.alternate)').length === 0 && document.querySelectorAll('#samples .sample').length > 0);

    // Side by side and the prompts that flipped between step 0 and the last step.
    await page.locator('#samples .sample').first().click();
    await page.locator('#cmpB .msg.assistant').first().waitFor();
    assert.match((await page.locator('#cmpA').textContent())!, /^step 0/);
    assert.match((await page.locator('#cmpB').textContent())!, /^step 128/);
    await page.locator('#flipsBtn').click();
    await page.locator('#flips .muted').waitFor();
    const cell = analysis.cells.find((c) => c.name === 'lr=0.001.seed=0.bs=8.full')!;
    const flips = promptFlips(analysis.samples, cell.cellId, 0, 128);
    assert.ok(flips.length > 0);
    assert.equal(await page.locator('#flips .flip').count(), flips.length);
    assert.deepEqual(await page.locator('#flips .flip').evaluateAll((els) => els.map((e) => e.getAttribute('data-prompt'))), flips.map((f) => f.promptId));

    // The prompt × LR matrix of one method at one step: a row per prompt, a column per (LR, seed).
    await page.selectOption('#mxFamily', 'lora r=8');
    await page.selectOption('#mxStep', '64');
    await page.locator('#mxBtn').click();
    await page.locator('#matrix tr[data-prompt]').first().waitFor();
    assert.equal(await page.locator('#matrix tr[data-prompt]').count(), 24);
    assert.equal(await page.locator('#matrix tr[data-prompt="e3"] td.cls').count(), 8);
    const lora = analysis.cells.filter((c) => c.family === 'lora r=8').sort((x, y) => x.lr - y.lr || x.seed - y.seed);
    const classes = promptClasses(analysis.samples, 64);
    const expected = lora.map((c) => `cls ${classes.get(c.cellId)!.get('e3')!.label}`);
    assert.deepEqual(await page.locator('#matrix tr[data-prompt="e3"] td.cls').evaluateAll((tds) => tds.map((t) => t.className)), expected);

    // Search by text, then one prompt across every cell with the grader's reasons.
    await page.fill('#search', 'owl');
    await page.locator('#searchBtn').click();
    await page.locator('#hits .hit').first().waitFor();
    const hits = await page.locator('#hits .hit').allTextContents();
    assert.ok(hits.length >= 3 && hits.every((h) => h.includes('owl')), hits.join(' | '));
    await page.fill('#search', 'e5');
    await page.locator('#searchBtn').click();
    await page.locator('#hits .hit[data-prompt="e5"]').first().waitFor();
    await page.locator('#hits .hit[data-prompt="e5"]').first().click();
    await page.locator('#across .across-cell').first().waitFor();
    assert.equal(await page.locator('#across .across-cell').count(), analysis.cells.length);
    assert.equal(await page.locator('#across .across-cell .reason').count(), analysis.cells.length);

    // Compare the two sweeps: one chart naming both, and the fields of their specs that differ.
    await page.locator('input[data-compare="1"]').check();
    await page.locator('input[data-compare="2"]').check();
    await page.locator('#compare').click();
    await page.locator('#diff tr').nth(1).waitFor();
    const diff = await page.locator('#diff tr td:first-child').allTextContents();
    assert.ok(diff.includes('spec.lrs') && diff.includes('spec.seeds') === false, diff.join(', '));
    await page.waitForFunction(() => document.querySelectorAll('[data-chart="compare"] g.role-legend').length > 0);
    const [cmp] = await chartFacts(page, '#comparison');
    assert.deepEqual(cmp!.legends.find((l) => l.title === 'sweep')?.labels, ['demo-fixture', 'demo-fixture-b']);
    assert.deepEqual(cmp!.legends.find((l) => l.title === 'LR')?.labels, ['1e-4', '3e-4', '1e-3', '3e-3']);

    assert.deepEqual(errors, []);
    const shot = screenshotPath('viewer.png');
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`viewer screenshots: ${shot}`);

    // The sweep's analysis is cached, but follows the record when it changes (a run still writing).
    const groups = async (): Promise<number> => ((await (await fetch(`${viewer.url}api/sweeps/1`)).json()) as { verdicts: unknown[] }).verdicts.length;
    assert.equal(await groups(), 8);
    project.db.prepare(`DELETE FROM grades WHERE sample_id IN (SELECT cs.sample_id FROM cell_samples cs JOIN cells c ON c.id = cs.cell_id WHERE c.lr = 3e-3 AND c.sweep_id = 1)`).run();
    assert.equal(await groups(), 6);
    // Bad drill-down parameters are 400s naming the parameter.
    for (const [path, param] of [['matrix?step=x', 'step'], ['matrix?step=0&family=nope', 'family'], ['flips?cell=1&a=0', 'b'], ['search?q=', 'q'], ['prompt?prompt=e1&step=0&split=x', 'split']]) {
      const r = await fetch(`${viewer.url}api/sweeps/1/${path}`);
      assert.equal(r.status, 400, path);
      assert.match(((await r.json()) as { error: string }).error, new RegExp(`^${param}: `), path);
    }
    assert.equal((await fetch(`${viewer.url}api/compare?sweeps=1`)).status, 400);
    assert.ok(groupKey(cell) === 'full lr=1e-3');
  } finally {
    await browser.close();
    await viewer.close();
    project.db.close();
  }
});
