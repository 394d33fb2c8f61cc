#!/usr/bin/env node
// Re-derives the microworld observations of docs/microworld.md: runs every sweep file in sweeps/ (or the
// named ones) into one project and writes each one's report. Each sweep is an ordinary `bct run`, so an
// interrupted invocation resumes where it stopped and a finished sweep is not run again.
//   npm run sweeps                        all settings' full sweeps into ./.bct-sweeps
//   npm run sweeps -- sandbag inoculation only these
//   npm run sweeps -- --project DIR       another project folder
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
let project = '.bct-sweeps';
const names = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--project') project = args[++i] ?? project;
  else names.push(args[i].replace(/\.yaml$/, ''));
}
const available = readdirSync('sweeps').filter((f) => f.endsWith('.yaml') && f !== 'demo.yaml').map((f) => f.replace(/\.yaml$/, '')).sort();
const unknown = names.filter((n) => !available.includes(n));
if (unknown.length > 0) {
  console.error(`unknown sweep ${unknown.map((n) => JSON.stringify(n)).join(', ')}; expected one of ${available.join(', ')}`);
  process.exit(2);
}
const bct = (...a) => spawnSync(process.execPath, ['bin/bct.js', ...a, '--project', project], { stdio: 'inherit' }).status ?? 1;
const t0 = Date.now();
const failed = [];
for (const name of names.length > 0 ? names : available) {
  console.log(`\n=== ${name} (${((Date.now() - t0) / 60000).toFixed(1)} min so far)`);
  // --force: a setting whose pre-check fails is still swept; the report and the check lines say so.
  const file = join('sweeps', `${name}.yaml`);
  const sweepName = /^name:\s*(\S+)/m.exec(readFileSync(file, 'utf8'))?.[1] ?? name;
  if (bct('run', file, '--force') !== 0 || bct('report', sweepName) !== 0) failed.push(name);
}
console.log(`\n${failed.length === 0 ? 'all sweeps done' : `failed: ${failed.join(', ')}`} in ${((Date.now() - t0) / 60000).toFixed(1)} min; records in ${project}`);
process.exit(failed.length === 0 ? 0 : 1);
