// `bct verify`: checks every artifact of a project against the record: each listed artifact exists, has
// its recorded size and the content its name is the hash of, and is used by a checkpoint; nothing
// unlisted lies in artifacts/. One line per problem, then a summary; exit 1 when anything is wrong.
import { z } from 'zod';
import { formatDuration } from '../pipeline/index.js';
import { formatBytes } from '../errors.js';
import { openProject, verifyArtifacts, type ArtifactProblem, type VerifyProgress } from '../store/index.js';
import { type Command, type Io, writeLine } from './command.js';
import { parseCommandLine } from './config.js';
import type { CliOptions, CommandHelp } from './options.js';
import { sweepOptions } from './sweep-options.js';

interface VerifyConfig {
  project: string; // project folder; default .bct
}

const options: CliOptions<VerifyConfig> = { project: sweepOptions.project };
const schema = z.object({ project: z.string().default('.bct') }).strict();

const help: CommandHelp = {
  usage: 'bct verify [options]',
  summary:
    'Checks every artifact (checkpoint weights, training states) of a project: present, of its recorded size,\n' +
    'holding the content its name is the sha256 of, and used by a checkpoint. Prints one line per problem and\n' +
    'a summary; exits 1 when anything is wrong. Reads every byte: large projects show progress with an ETA.',
  examples: ['bct verify', 'bct verify --project runs/.bct'],
};

/** Progress of a long verification: nothing for the first `intervalMs` (small projects print no
 *  progress at all), then one line per interval (rewritten in place on a terminal) with an ETA from the
 *  bytes hashed so far. Returns the callback and a function that clears a line left on the terminal. */
export function verifyProgress(out: Io['out'], intervalMs = 5000, clock: () => number = Date.now): { onProgress(p: VerifyProgress): void; done(): void } {
  const started = clock();
  let last = started;
  let drawn = false;
  return {
    onProgress(p) {
      const t = clock();
      if (t - last < intervalMs) return;
      last = t;
      const eta = p.bytesDone === 0 ? '?' : formatDuration(((t - started) / p.bytesDone) * (p.bytes - p.bytesDone));
      const line = `verify: ${p.artifactsDone}/${p.artifacts} artifacts, ${formatBytes(p.bytesDone)} of ${formatBytes(p.bytes)}, eta ${eta}`;
      if (out.isTTY === true) {
        out.write(`\r\x1b[2K${line}`);
        drawn = true;
      } else writeLine(out, line);
    },
    done() {
      if (drawn) out.write('\r\x1b[2K');
    },
  };
}

function problemLine(p: ArtifactProblem): string {
  const used = p.usedBy.length === 0 ? '' : `; used by ${p.usedBy.slice(0, 5).join(', ')}${p.usedBy.length > 5 ? ` and ${p.usedBy.length - 5} more` : ''}`;
  return `${p.kind}: ${p.name} (${p.path}): ${p.detail}${used}`;
}

export const verifyCommand: Command = {
  name: 'verify',
  summary: 'check every artifact of a project against its recorded size and hash',
  async run(argv, io) {
    const parsed = parseCommandLine(argv, options, schema, help, (t) => io.out.write(t));
    if (parsed === undefined) return 0;
    const project = openProject(parsed.config.project, { readonly: true });
    try {
      const t0 = Date.now();
      const progress = verifyProgress(io.out);
      const report = await verifyArtifacts(project, { onProgress: progress.onProgress });
      progress.done();
      for (const p of report.problems) writeLine(io.out, problemLine(p));
      const recent = report.recentUnreferenced > 0 ? `; ${report.recentUnreferenced} unreferenced artifacts younger than 10 minutes not counted (a running \`bct run\` may be recording them)` : '';
      const head = `verified ${report.checked} artifacts (${formatBytes(report.bytes)}) in ${project.dir} in ${formatDuration(Date.now() - t0)}`;
      if (report.problems.length === 0) {
        writeLine(io.out, `${head}: all match the record${recent}`);
        return 0;
      }
      const broken = report.problems.filter((p) => p.kind !== 'unreferenced').length;
      writeLine(
        io.out,
        `${head}: ${report.problems.length} problem${report.problems.length === 1 ? '' : 's'}${recent}` +
          (broken > 0 ? `. A missing or changed artifact cannot be rebuilt from the record: delete the rows of the checkpoints that use it, or re-run the sweep in a new --project` : ''),
      );
      return 1;
    } finally {
      project.db.close();
    }
  },
};
