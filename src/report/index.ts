// Public surface of src/report: a sweep as the report reads it, chart specs, the HTML report, the viewer,
// comparisons and the export rows.
export { renderSvg, compileSpec, theorySpec, seriesStyle, lrColors, type SeriesStyle } from './plots.js';
export { curveSpec, heatmapSpec, compareSpec, type CurveAxis } from './transfer-plots.js';
export { capabilitySpec, capabilityMetricsSpec, paretoSpec } from './capability-plots.js';
export { trainLogSpec } from './training-plots.js';
export { sweepCharts, type Chart, type ChartSection } from './charts.js';
export { findSweep, sweepCells, sweepSamples, sweepCapability, examplesByClass, trainLogSeries, type SweepMeta, type CellRow, type TrainLogPoint } from './record.js';
export { buildFixtureRecord, DEMO_FIXTURE, type FixtureOptions } from './fixture.js';
export { analyzeSweep, summaryTable, verdictBlock, verdictLines, capabilityBlock, instabilityBlock, type SweepAnalysis, type AnalysisOptions, type GroupSummary } from './analyze.js';
export { sweepMetricsRows, sweepGradeRows, sweepCellRows, sweepCapabilityRows, trainLogRows, cellColumns, round6, type ExportRow } from './exports.js';
export { buildReport, writeReport, writeSweepReport, REPORT_SCHEMA_VERSION, type ReportOptions } from './report.js';
export { compareSweeps, compareAnalyses, compareTable, MAX_COMPARED, type SweepComparison } from './compare.js';
export { startViewer, type Viewer, type ViewerOptions } from './viewer.js';
