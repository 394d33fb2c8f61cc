import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { groupKey } from '../analysis/index.js';
import { openProject } from '../store/index.js';
import { tempDir } from '../../test/temp-dir.js';
import { summaryTable, verdictLines } from './analyze.js';
import { browserSkip, chartFacts, launchChromium, screenshotPath } from './browser.js';
import { buildFixtureRecord, DEMO_FIXTURE, FIXTURE_MACHINE_PATHS } from './fixture.js';
import { lrColors } from './plots.js';
import { buildReport, writeReport } from './report.js';

const LRS = ['1e-4', '3e-4', '1e-3', '3e-3'];
const THRESHOLD = 0.4;

test('the demo-like report answers at a glance: a verdict per (method, LR), legends naming the series, the threshold where it applies, panels that fit', { skip: browserSkip() }, async () => {
  const dir = tempDir('bct-report-');
  const { project } = buildFixtureRecord(dir, DEMO_FIXTURE);
  const out = join(dir, 'report.html');
  const t0 = performance.now();
  const analysis = await writeReport(project.db, out, undefined, { resamples: 100, threshold: THRESHOLD });
  const buildMs = performance.now() - t0;
  project.db.close();
  const html = readFileSync(out, 'utf8');
  // Self-contained: no external scripts, styles, images or fonts; no path of the machine that ran it.
  assert.doesNotMatch(html, /(src|href)\s*=\s*["']?(https?:)?\/\//i);
  assert.ok(!html.includes(FIXTURE_MACHINE_PATHS.base) && !html.includes('/home/alice'), 'machine paths are cut');
  const data = JSON.parse(/<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(html)![1]!) as { schemaVersion: number; verdicts: { group: string; kind: string }[]; threshold: number };
  assert.equal(data.schemaVersion, 2);
  assert.equal(data.threshold, THRESHOLD);
  const groups = [...new Set(analysis.cells.map((c) => groupKey(c)))];
  assert.deepEqual(data.verdicts.map((v) => v.group).sort(), [...groups].sort());

  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(pathToFileURL(out).href);
    assert.equal(await page.locator('h1').textContent(), 'Sweep demo-fixture');
    // A verdict row for every (method, LR), each naming its verdict; the fixture has one of each kind.
    const rows = await page.locator('#verdict-table tbody tr').evaluateAll((trs) =>
      trs.map((tr) => ({ group: tr.getAttribute('data-group'), kind: tr.getAttribute('data-kind'), badge: tr.querySelector('.verdict')?.textContent, text: tr.children[2]?.textContent ?? '' })),
    );
    assert.deepEqual(rows.map((r) => r.group).sort(), [...groups].sort());
    const kind = Object.fromEntries(rows.map((r) => [r.group, r]));
    assert.equal(kind['full lr=1e-4']!.kind, 'resisted');
    assert.match(kind['full lr=1e-4']!.text, /^resisted initial not < 40% in 128 steps/);
    assert.equal(kind['full lr=1e-3']!.kind, 'transferred');
    assert.match(kind['full lr=1e-3']!.text, /^transferred initial < 40% at \d+ \[\d+, \d+\] steps$/);
    assert.equal(kind['full lr=3e-3']!.kind, 'collapsed');
    assert.match(kind['full lr=3e-3']!.text, /collapsed capability −\d+% at step 4/);
    assert.equal(kind['lora r=8 lr=1e-3']!.badge, 'transferred then recovered');
    // The seeds' agreement is on every row.
    assert.match((await page.locator('#verdict-table tbody tr[data-group="lora r=8 lr=3e-4"]').textContent())!, /1 of 2 seeds crossed.*seed 0: > 128.*seed 1: \d+ \[/s);
    // The rules are stated beside the verdicts, with this threshold.
    assert.match((await page.locator('ul.rules').textContent())!, /below 40%/);

    const charts = await chartFacts(page, 'main');
    assert.deepEqual(charts.map((c) => c.id), [
      'glance-full', 'glance-lora-r-8', 'initial-steps', 'alternate-heatmap', 'alternate-steps', 'other-steps', 'initial-samples', 'initial-lr-steps',
      'capability-loss', 'pareto', 'capability-metrics', 'train-loss', 'grad-norm',
    ]);
    const palette = Object.fromEntries(LRS.map((lr, i) => [lr, lrColors([1e-4, 3e-4, 1e-3, 3e-3])[i]!]));
    for (const c of charts) {
      assert.ok(c.legends.length > 0, `${c.id} has a legend`);
      if (c.id === 'alternate-heatmap') {
        assert.equal(c.legends[0]!.title, 'alternate rate');
      } else {
        // Every chart of series names each LR and each method, and gives each LR the one palette colour.
        const lr = c.legends.find((l) => l.title === 'LR');
        const method = c.legends.find((l) => l.title === 'method');
        assert.deepEqual(lr?.labels, LRS, `${c.id}: LR legend`);
        assert.deepEqual(method?.labels, ['full', 'lora r=8'], `${c.id}: method legend`);
        assert.deepEqual(lr!.colors, palette, `${c.id}: colours`);
        for (const col of c.lineColors) assert.ok(Object.values(palette).includes(col), `${c.id}: line colour ${col} is in the legend`);
      }
      // The threshold line sits at the threshold, on the initial-rate panels only.
      if (c.id.startsWith('initial-') || c.id.startsWith('glance-')) {
        assert.ok(c.thresholds.length >= 1, `${c.id} draws the threshold`);
        for (const y of c.thresholds) assert.ok(Math.abs(y - THRESHOLD) < 0.01, `${c.id}: threshold drawn at ${y}`);
      } else {
        assert.deepEqual(c.thresholds, [], `${c.id} has no threshold line`);
      }
      // Nothing runs off the page.
      assert.ok(c.left >= 0 && c.right <= 1280, `${c.id} spans ${c.left}..${c.right}`);
    }
    assert.equal(charts.find((c) => c.id === 'initial-steps')!.lineColors.length, 4, 'one colour per LR on the curves');
    // The capability panels fit a narrower window too.
    await page.setViewportSize({ width: 1000, height: 900 });
    for (const c of (await chartFacts(page, 'main')).filter((x) => x.id.startsWith('capability') || x.id.startsWith('glance'))) assert.ok(c.right <= 1000, `${c.id} ends at ${c.right}`);
    await page.setViewportSize({ width: 1280, height: 900 });

    // The setting in words, prompts as chats with answers at step 0 and the last step, readable tables.
    assert.match((await page.locator('#behaviours').textContent())!, /obeys the flag.*appends "cat"/s);
    assert.equal(await page.locator('.cards .card').count(), 3);
    assert.ok((await page.locator('.cards .chat .msg.user').count()) === 3);
    assert.equal(await page.locator('#example-answers tbody tr').count(), groups.length);
    assert.match((await page.locator('#example-answers .reason').first().textContent())!, /^grader: fixture: answer/);
    assert.match((await page.locator('#organism').textContent())!, /…\/models\/mw-base.*system prompt.*mode 1 : 0 cat/s);
    assert.match((await page.locator('#graders').textContent())!, /mw-animal.*classes\.initial = plain/s);

    const shot = screenshotPath('report.png');
    await page.screenshot({ path: shot, fullPage: true });
    await page.locator('#glance').scrollIntoViewIfNeeded();
    await page.screenshot({ path: screenshotPath('report-glance.png') });
    console.log(`report of ${groups.length} groups written in ${buildMs.toFixed(0)} ms; screenshots: ${shot}`);
  } finally {
    await browser.close();
  }
});

test('the plain-text summary starts with the verdicts; the report names what it lacks', async () => {
  const dir = tempDir('bct-report-empty-');
  const empty = openProject(join(dir, 'none'), { create: true });
  await assert.rejects(buildReport(empty.db), /no sweeps yet/);
  empty.db.close();
  const { project } = buildFixtureRecord(dir, { lrs: [1e-4, 1e-3], seeds: [0], steps: [0, 10, 100], evalPrompts: 12, trainPrompts: 2, gradNorm: false });
  const full = await buildReport(project.db, undefined, { resamples: 20 });
  const text = summaryTable(full.analysis);
  assert.match(text, /^verdicts \(transfer: seed-mean initial rate below 50%/);
  assert.deepEqual(verdictLines(full.analysis).map((l) => l.trim().split(/\s{2,}/)[0]), ['full lr=1e-4', 'full lr=1e-3']);
  assert.match(text, /full lr=1e-4\s+resisted: initial not < 50% in 100 steps/);
  assert.match(text, /^family\s+lr\s+step\s+initial/m);
  assert.match(text, /> 100/);
  // A backend that reports no gradient norm: no chart for it, and a sentence saying why.
  assert.match(full.html, /id="grad-norm-missing"/);
  assert.doesNotMatch(full.html, /data-chart="grad-norm"/);
  assert.match(full.html, /data-chart="train-loss"/);
  // The pre-check names its offending prompts by id (the record keeps each with its answer and grade).
  const precheck = /<table id="precheck">(.*?)<\/table>/s.exec(full.html)![1]!;
  const divergence = precheck.split('<tr>').find((r) => r.startsWith('<td>divergence</td>'));
  assert.ok(divergence?.endsWith('<td>e7</td></tr>'), divergence);
  project.db.exec('DELETE FROM cell_metrics; DELETE FROM metrics; DELETE FROM train_log');
  const noCap = await buildReport(project.db, undefined, { resamples: 20 });
  assert.match(noCap.html, /No capability evaluations recorded/);
  assert.match(noCap.html, /No training steps recorded/);
  assert.ok(Number.isNaN(noCap.analysis.groups[0]!.capabilityLoss));
  project.db.exec('DELETE FROM grades');
  const nothing = await buildReport(project.db, undefined, { resamples: 20 });
  assert.match(nothing.html, /No graded eval answers yet/);
  assert.equal(nothing.analysis.steps.length, 0);
  assert.equal(summaryTable(nothing.analysis).split('\n')[0]!.startsWith('family'), true);
  project.db.close();
});
