// Public surface of src/report: record queries, chart specs, the HTML report, the viewer, comparisons and
// the export rows.
export { renderSvg, compileSpec, theorySpec, seriesStyle, lrColors, type SeriesStyle } from './plots.js';
export { curveSpec, heatmapSpec, compareSpec, type CurveAxis } from './transfer-plots.js';
export { capabilitySpec, capabilityMetricsSpec, paretoSpec } from './capability-plots.js';
export { trainLogSpec } from './training-plots.js';
export { sweepCharts, type Chart, type ChartSection } from './charts.js';
export {
  listSweeps,
  findSweep,
  sweepCells,
  sweepSamples,
  sweepCapability,
  cellSteps,
  samplePage,
  promptAnswers,
  examplesByClass,
  trainLogSeries,
  searchPrompts,
  type SweepSummary,
  type SweepMeta,
  type CellRow,
  type SampleRow,
  type SamplePageQuery,
  type TrainLogPoint,
  type PromptHit,
} from './record.js';
export { buildFixtureRecord, DEMO_FIXTURE, type FixtureOptions } from './fixture.js';
export { analyzeSweep, summaryTable, verdictLines, type SweepAnalysis, type AnalysisOptions, type GroupSummary } from './analyze.js';
export { sweepMetricsRows, trainLogRows, cellColumns, round6, type ExportRow } from './exports.js';
export { buildReport, writeReport, writeSweepReport, REPORT_SCHEMA_VERSION, type ReportOptions } from './report.js';
export { compareSweeps, compareAnalyses, compareTable, MAX_COMPARED, type SweepComparison } from './compare.js';
export { startViewer, type Viewer, type ViewerOptions } from './viewer.js';
