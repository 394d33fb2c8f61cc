// docs/tutorial.md, run: every ```sh block in order, in one bash shell (so that `cd` and the alias carry
// over as they do for a reader), from the repository root with HOME in a temporary folder (the tutorial
// works in ~/bct-tutorial), so that the tutorial cannot fall out of step with the commands it teaches. A
// ```text block right after a ```sh block is what that block prints: each of its lines except `…` must
// be printed, in that order, with numbers and hashes compared by their shape only (a sampled rate may
// differ in its last digit between BLAS kernels; the words of a line may not), spaces by their presence.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../temp-dir.js';
import { REPO } from './cli.js';
import { fences, type Fence } from './markdown.js';

const DOC = 'docs/tutorial.md';
const MARK = '@@tutorial-block@@';

/** A line as compared: the home folder as `~`, 8-digit hex hashes and numbers (with their sign) by shape,
 *  and runs of spaces as one (a table pads its columns to the widest number). */
function shape(line: string, home: string): string {
  return line
    .replaceAll(home, '~')
    .replace(/\b[0-9a-f]{8}\b/g, '<hash>')
    .replace(/[−±+]?\d+(\.\d+)?/g, '#')
    .replace(/ +/g, ' ')
    .trim();
}

test('every command of docs/tutorial.md runs, and prints what the tutorial shows', () => {
  const blocks = fences(readFileSync(join(REPO, DOC), 'utf8'));
  for (const b of blocks) assert.ok(b.lang === 'sh' || (b.lang === 'text' && b.followsPrevious), `${DOC}:${b.line}: a block is a command (sh) or, right after one, its output (text)`);
  const steps: { command: Fence; output?: Fence }[] = [];
  for (const b of blocks) {
    if (b.lang === 'sh') steps.push({ command: b });
    else steps[steps.length - 1]!.output = b;
  }
  assert.ok(steps.length >= 8 && steps.filter((s) => s.output !== undefined).length >= 7, 'the tutorial shows its commands and what they print');

  const home = tempDir('bct-tutorial-home-');
  const script = ['set -euo pipefail', 'shopt -s expand_aliases', 'exec 2>&1', ...steps.map((s) => `echo ${MARK}\n${s.command.body}`)].join('\n');
  const r = spawnSync('bash', ['-c', script], { cwd: REPO, env: { ...process.env, HOME: home }, encoding: 'utf8', timeout: 300_000 });
  const printed = r.stdout.split(`${MARK}\n`).slice(1);
  assert.equal(r.status, 0, `${DOC}:${steps[printed.length - 1]?.command.line}: the block failed (status ${r.status}, ${r.signal ?? 'no signal'}):\n${printed.at(-1) ?? r.stdout}`);
  assert.equal(printed.length, steps.length);

  steps.forEach((s, i) => {
    if (s.output === undefined) return;
    const actual = printed[i]!.split('\n').map((l) => shape(l, home));
    let at = 0;
    for (const want of s.output.body.split('\n').filter((l) => l.trim() !== '' && l.trim() !== '…')) {
      const found = actual.indexOf(shape(want, home), at);
      assert.ok(found >= 0, `${DOC}:${s.output.line}: the block at line ${s.command.line} did not print, after what came before it,\n  ${want}\nIt printed:\n${printed[i]}`);
      at = found + 1;
    }
  });
});
