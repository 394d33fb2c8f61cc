// Public surface of src/report: record queries, plots, the HTML report and the viewer.
export { renderSvg, curveSpec, capabilitySpec, capabilityMetricsSpec, paretoSpec, theorySpec, type CurveAxis } from './plots.js';
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
  type SweepSummary,
  type SweepMeta,
  type CellRow,
  type SampleRow,
  type SamplePageQuery,
} from './record.js';
export { buildFixtureRecord, type FixtureOptions } from './fixture.js';
export { analyzeSweep, summaryTable, sweepMetricsRows, type SweepAnalysis, type AnalysisOptions, type GroupSummary } from './analyze.js';
export { buildReport, writeReport, writeSweepReport, REPORT_SCHEMA_VERSION, type ReportOptions } from './report.js';
export { startViewer, type Viewer, type ViewerOptions } from './viewer.js';
