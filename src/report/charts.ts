// Every chart of a sweep, built once from its analysis: the report renders each to SVG and the viewer
// draws the same specs (compiled to Vega) in the browser. Ids are stable: the viewer and the tests find a
// chart by id (the report's <figure data-chart="…">).

import type { TopLevelSpec } from 'vega-lite';
import type { SweepAnalysis } from './analyze.js';
import { capabilityLayers, capabilityMetricsSpec, capabilitySpec, paretoSpec } from './capability-plots.js';
import { VL_SCHEMA } from './plots.js';
import { drawable, trainLayers, trainLogSpec } from './training-plots.js';
import { curveLayers, curveSpec, heatmapSpec, type CurveAxis } from './transfer-plots.js';

export type ChartSection = 'glance' | 'transfer' | 'lr' | 'capability' | 'training';

export interface Chart {
  id: string;
  section: ChartSection;
  spec: TopLevelSpec;
}

/** The charts of a sweep in page order; empty sections give no chart (the report says why instead). */
export function sweepCharts(a: SweepAnalysis): Chart[] {
  if (a.curves.length === 0) return [];
  const style = a.style;
  const scale = a.stepScale;
  const base = { style, seeds: a.seedRates, broken: a.brokenGroups };
  const curve = (id: string, section: ChartSection, cls: 'initial' | 'alternate' | 'other', axis: CurveAxis, title: string, threshold?: number): Chart => ({
    id,
    section,
    spec: curveSpec(a.curves, cls, axis, { ...base, title, threshold, ...(axis === 'step' ? { scale } : {}) }),
  });
  const hasCapability = a.losses.length > 0;
  const hasLoss = drawable(a.trainLog, 'loss').shown.length > 0;
  const hasGradNorm = drawable(a.trainLog, 'gradNorm').shown.length > 0;
  const charts: Chart[] = [
    ...style.families.filter((f) => a.curves.some((p) => p.family === f)).map((f) => ({ id: `glance-${f.replace(/[^A-Za-z0-9]+/g, '-')}`, section: 'glance' as const, spec: glanceSpec(a, f) })),
    curve('initial-steps', 'transfer', 'initial', 'step', 'initial behaviour on eval prompts vs steps', a.threshold),
    { id: 'alternate-heatmap', section: 'transfer', spec: heatmapSpec(a.curves, 'alternate', { style, broken: a.brokenGroups, title: 'alternate rate over LR × step' }) },
    curve('alternate-steps', 'transfer', 'alternate', 'step', 'alternate behaviour vs steps'),
    curve('other-steps', 'transfer', 'other', 'step', 'other answers vs steps'),
    curve('initial-samples', 'transfer', 'initial', 'samplesSeen', 'initial behaviour vs training samples seen', a.threshold),
    curve('initial-lr-steps', 'lr', 'initial', 'lrSteps', 'initial behaviour at equal lr × steps', a.threshold),
  ];
  if (hasCapability) {
    charts.push(
      { id: 'capability-loss', section: 'capability', spec: capabilitySpec(a.losses, a.cells, a.broken.capabilityLoss, { style, scale, broken: a.brokenCells }) },
      { id: 'pareto', section: 'capability', spec: paretoSpec(a.pareto, a.cells, { style }) },
      { id: 'capability-metrics', section: 'capability', spec: capabilityMetricsSpec(a.capability, a.cells, { style, scale }) },
    );
  }
  if (hasLoss) charts.push({ id: 'train-loss', section: 'training', spec: trainLogSpec(a.trainLog, a.cells, 'loss', { style, scale }) });
  if (hasGradNorm) charts.push({ id: 'grad-norm', section: 'training', spec: trainLogSpec(a.trainLog, a.cells, 'gradNorm', { style, scale }) });
  return charts;
}

/**
 * One method at a glance, three panels on one step axis: the initial rate with the threshold, the
 * capability loss with the broken threshold, and the training loss (log). A drop in the initial rate that
 * comes with a capability collapse or a loss at zero shows as such side by side.
 */
function glanceSpec(a: SweepAnalysis, family: string): TopLevelSpec {
  const opts = { style: a.style, scale: a.stepScale };
  const cellIds = new Set(a.cells.filter((c) => c.family === family).map((c) => c.cellId));
  const cells = a.cells.filter((c) => cellIds.has(c.cellId));
  const panel = (title: string, l: { data: unknown; layer: unknown[] }) => ({ title, width: 250, height: 180, data: l.data, layer: l.layer });
  const panels = [
    panel(
      'initial rate (thick: seed mean, thin: seeds)',
      curveLayers(
        a.curves.filter((p) => p.family === family),
        'initial',
        'step',
        { ...opts, seeds: a.seedRates.filter((s) => cellIds.has(s.cellId)), broken: a.brokenGroups, threshold: a.threshold },
      ),
    ),
  ];
  if (a.losses.length > 0) {
    panels.push(panel('capability loss vs step 0', capabilityLayers(a.losses.filter((l) => cellIds.has(l.cellId)), cells, a.broken.capabilityLoss, { ...opts, broken: a.brokenCells })));
  }
  const log = a.trainLog.filter((p) => cellIds.has(p.cellId));
  if (drawable(log, 'loss').shown.length > 0) panels.push(panel('training loss (log)', trainLayers(log, cells, 'loss', opts)));
  return {
    $schema: VL_SCHEMA,
    title: { text: `${family}: transfer, capability and training loss on one step axis`, subtitle: 'hollow: broken checkpoint · dashed: threshold · red: broken threshold' },
    hconcat: panels,
    // Each panel its own y (rates, losses, log losses); one legend for the series they share.
    resolve: { scale: { x: 'independent', y: 'independent', color: 'shared', strokeDash: 'shared', shape: 'shared' } },
  } as TopLevelSpec;
}
