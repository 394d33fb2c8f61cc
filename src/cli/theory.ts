// `bct theory linreg`: the linear-regression model of transfer (docs/theory.md). Prints, per LR, the
// closed-form and simulated steps to transfer and lr × k*, the LR-pair ratios, and writes the plot as SVG.
import { resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { formatLr, theory } from '../analysis/index.js';
import { renderSvg, theorySpec } from '../report/index.js';
import type { Command } from './command.js';
import { parseOrHelp, validateConfig } from './config.js';
import { checkOutputFile, writeOutputFile } from './paths.js';
import { parseNumber, parseNumberList, type CliOptions, type CommandHelp } from './options.js';

export interface TheoryConfig {
  lrs: number[]; // learning rates to compare; default 3e-4 … 0.9 (the scenario's GD is stable below 1)
  steps: number; // last checkpoint step; default 3000
  points: number; // log-spaced checkpoints from 0; default 20
  out: string; // SVG file to write; default theory-linreg.svg
  seed: number; // seed of the SGD simulation's data and minibatches; default 1
  json: boolean; // print the study as JSON instead of tables
}

const schema = z
  .object({
    lrs: z.array(z.number().positive()).min(1).default([0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 0.45, 0.9]),
    steps: z.number().int().positive().default(3000),
    points: z.number().int().min(2).default(20),
    out: z.string().min(1).default('theory-linreg.svg'),
    seed: z.number().int().default(1),
    json: z.boolean().default(false),
  })
  .strict();

export const theoryOptions: CliOptions<TheoryConfig> = {
  lrs: { description: 'comma-separated learning rates', argument: '<lrs>', parse: parseNumberList },
  steps: { description: 'last checkpoint step (default 3000)', argument: '<n>', parse: parseNumber },
  points: { description: 'number of log-spaced checkpoints (default 20)', argument: '<n>', parse: parseNumber },
  out: { description: 'SVG file for the plot (default theory-linreg.svg)', argument: '<file>' },
  seed: { description: 'seed of the SGD simulation (default 1)', argument: '<n>', parse: parseNumber },
  json: { description: 'print JSON instead of tables', argument: null },
};

export const theoryHelp: CommandHelp = {
  usage: 'bct theory linreg [options]',
  arguments: ['model'],
  summary:
    'Linear-regression model of transfer: closed form and SGD simulation of the eval behaviour over steps at\n' +
    'several LRs, steps to transfer, and how they scale with the LR. See docs/theory.md.',
  examples: ['bct theory linreg', 'bct theory linreg --lrs 0.01,0.1 --steps 500 --out /tmp/linreg.svg'],
};

export async function runTheory(argv: readonly string[], out: (line: string) => void = console.log): Promise<void> {
  const args = parseOrHelp(argv, theoryOptions, theoryHelp, out);
  if (args === undefined) return;
  const model = args.positionals[0];
  if (model !== 'linreg') throw new ConfigError(`expected a model name; known: linreg (got ${model === undefined ? 'none' : `"${model}"`})`, 'model');
  const c = validateConfig(schema, {}, args, undefined);
  checkOutputFile(c.out, '--out');
  const study = theory.linregStudy(theory.DEFAULT_SCENARIO, { lrs: c.lrs, steps: theory.logSteps(c.steps, c.points), seed: c.seed });
  const svgPath = resolve(c.out);
  writeOutputFile(svgPath, await renderSvg(theorySpec(study.closed, study.simulated)), '--out');
  if (c.json) {
    out(JSON.stringify({ stabilityLimit: study.stabilityLimit, rows: study.rows, pairs: study.pairs, svg: svgPath }, (_k, v: unknown) => (v === Infinity ? 'Infinity' : v)));
    return;
  }
  const f = (x: number, d = 3): string => (Number.isFinite(x) ? x.toFixed(d) : 'never');
  out(`GD on the scenario's train loss is stable for lr < ${f(study.stabilityLimit)} (2/λ_max).`);
  out('');
  const g = (x: number, d = 2): string => (Number.isNaN(x) ? '-' : f(x, d));
  out(table(
    ['lr', 'lr·λmax', 'k* (closed)', 'lr·k*', 'crossing (closed, ckpts)', 'crossing (SGD)', 'P(init) end', 'SGD end', 'Adam crossing', 'lr·steps (Adam)'],
    study.rows.map((r) => [
      formatLr(r.lr),
      f(r.lrLambdaMax, 2),
      r.lrLambdaMax >= 1 ? '≤ 1 (overshoot)' : f(r.kStar, 1),
      r.lrLambdaMax >= 1 ? '-' : f(r.lrTimesKStar),
      r.closedCrossing,
      r.simulatedCrossing,
      f(r.finalClosed),
      f(r.finalSimulated),
      f(r.adamSteps, 1),
      f(r.adamLrTimesSteps),
    ]),
  ));
  out('');
  out('LR pairs (N from 2 to 10; all in --json): steps at the low LR / (N · steps at the high LR).');
  out('1 = only lr × steps matters; the companion note saw > 6. GD: closed form, lr·λmax < 1 only. Adam: simulated.');
  out(table(
    ['high', 'low', 'N', 'GD ratio', 'Adam ratio'],
    study.pairs.filter((p) => p.n >= 1.99 && p.n <= 10.01).map((p) => [formatLr(p.lrHigh), formatLr(p.lrLow), f(p.n, 1), g(p.ratio), g(p.adamRatio)]),
  ));
  out('');
  out(`plot: ${svgPath}`);
}

function table(head: string[], rows: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]): string => r.map((c, i) => c.padStart(w[i]!)).join('  ');
  return [line(head), ...rows.map(line)].join('\n');
}

export const theoryCommand: Command = {
  name: 'theory',
  summary: 'linear-regression model of transfer: closed form, simulation, plot',
  run: async (argv, io) => {
    await runTheory(argv, (l) => io.out.write(`${l}\n`));
    return 0;
  },
};
