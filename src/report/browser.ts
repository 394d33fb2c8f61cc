// Headless Debian Chromium for the report and viewer tests (playwright-core drives the system browser; no
// browser download), and what those tests read off a drawn chart: its legends with their entries' colours,
// where its threshold lines sit on the y scale, and its size. Screenshots go to a temporary folder that is
// kept after the tests (its path is printed), or to $BCT_SCREENSHOTS.

import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env['BCT_CHROMIUM'] ?? '/usr/bin/chromium';

/** Why browser tests cannot run here, or false when they can (for `test(..., { skip })`). */
export function browserSkip(): string | false {
  return existsSync(CHROMIUM_PATH) ? false : `no Chromium at ${CHROMIUM_PATH} (set BCT_CHROMIUM)`;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

let shots: string | undefined;

/** Path for a screenshot in this test process's screenshot folder (created on demand, kept afterwards). */
export function screenshotPath(name: string): string {
  if (shots === undefined) {
    const fixed = process.env['BCT_SCREENSHOTS'];
    if (fixed !== undefined) mkdirSync(fixed, { recursive: true });
    shots = fixed ?? mkdtempSync(join(tmpdir(), 'bct-screenshots-'));
  }
  return join(shots, name);
}

/** What a reader sees of one drawn chart (an element with `data-chart` holding a vega SVG). */
export interface ChartFacts {
  id: string;
  /** Each legend: its title, its entries' labels in order and each label's colour (symbol fill or stroke). */
  legends: { title: string; labels: string[]; colors: Record<string, string> }[];
  /** Each threshold line (`threshold_marks`) as a value on its panel's y scale, for a scale from 0 to 1. */
  thresholds: number[];
  /** Stroke colours of the seed-mean lines (`rate_mean_lines_marks`). */
  lineColors: string[];
  /** The chart's box on the page. */
  left: number;
  right: number;
  width: number;
}

// Runs in the page. A string, not a function: the test runner's compiler wraps named functions in a call
// to its own naming function (__name), which does not exist in the page.
const CHART_FACTS = String.raw`(rootSel) => {
  var frameOf = function (el) {
    // The nearest vega group whose own background path is the plot area of that panel.
    for (var g = el.closest('g.mark-group'); g !== null; g = g.parentElement ? g.parentElement.closest('g.mark-group') : null) {
      var bg = g.querySelector(':scope > g > path.background');
      if (bg !== null && bg.getBoundingClientRect().height > 20) return bg.getBoundingClientRect();
    }
    return null;
  };
  return Array.from(document.querySelector(rootSel).querySelectorAll('[data-chart]')).map(function (chart) {
    var legends = Array.from(chart.querySelectorAll('g.role-legend')).map(function (lg) {
      var labels = Array.from(lg.querySelectorAll('g.role-legend-label text')).map(function (t) { return t.textContent || ''; });
      var colors = {};
      Array.from(lg.querySelectorAll('g.role-legend-symbol path')).forEach(function (sym) {
        // An entry is a <g> holding its symbol's group and its label's group side by side.
        var text = sym.parentElement && sym.parentElement.parentElement ? sym.parentElement.parentElement.querySelector('g.role-legend-label text') : null;
        var fill = sym.getAttribute('fill');
        colors[text ? text.textContent : ''] = fill !== null && fill !== 'transparent' && fill !== 'none' ? fill : (sym.getAttribute('stroke') || '');
      });
      var title = lg.querySelector('g.role-legend-title text');
      return { title: title ? title.textContent : '', labels: labels, colors: colors };
    });
    var thresholds = Array.from(chart.querySelectorAll('g.threshold_marks line')).map(function (line) {
      var r = line.getBoundingClientRect();
      var f = frameOf(line);
      return f === null ? NaN : (f.bottom - (r.top + r.bottom) / 2) / f.height;
    });
    var strokes = Array.from(chart.querySelectorAll('g.rate_mean_lines_marks path')).map(function (p) { return p.getAttribute('stroke') || ''; });
    var box = (chart.querySelector('svg') || chart).getBoundingClientRect();
    return { id: chart.getAttribute('data-chart') || '', legends: legends, thresholds: thresholds, lineColors: Array.from(new Set(strokes)), left: box.left, right: box.right, width: box.width };
  });
}`;

/** Reads every chart under `root` (default the whole page). */
export function chartFacts(page: Page, root = 'body'): Promise<ChartFacts[]> {
  return page.evaluate(`(${CHART_FACTS})(${JSON.stringify(root)})`) as Promise<ChartFacts[]>;
}
