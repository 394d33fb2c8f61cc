// formatCheck: a failing criterion is followed by its offending prompts and then by its likely cause, read
// from what the offenders show (checkStage itself runs end to end in test/e2e/sweep.test.ts and init.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { wilson } from '../analysis/index.js';
import { formatCheck, type CheckResult, type Criterion, type Offender } from './check.js';

function criterion(k: number, n: number, threshold: number, offending: Offender[] = []): Criterion {
  const rate = wilson(k, n);
  return { ...rate, threshold, passed: n > 0 && rate.rate >= threshold, offending };
}

const offender = (answer: string, label: string, reason: string): Offender => ({ promptId: 'p-1', answer, label, reason });

function result(parts: Partial<Pick<CheckResult, 'agreement' | 'divergence' | 'initialAtStep0'>>): CheckResult {
  const r: CheckResult = {
    settingId: 's',
    organismId: 'mw-base',
    agreement: criterion(64, 64, 0.95),
    divergence: criterion(64, 64, 0.9),
    initialAtStep0: criterion(64, 64, 0.9),
    passed: false,
    ...parts,
  };
  return { ...r, passed: r.agreement.passed && (r.divergence?.passed ?? true) && r.initialAtStep0.passed };
}

/** The lines of the criterion whose head starts with `name`, up to the next criterion. */
function block(lines: string[], name: string): string[] {
  const start = lines.findIndex((l) => l.startsWith(`  ${name}`));
  const end = lines.findIndex((l, i) => i > start && /^ {2}\S/.test(l));
  return lines.slice(start, end < 0 ? undefined : end);
}

test('a passing check has no likely-cause lines', () => {
  const lines = formatCheck(result({}));
  assert.equal(lines[0], 'pre-check of s on mw-base: PASS');
  assert.ok(lines.every((l) => !l.includes('likely cause')));
});

test('organism answers graded incompatible on train prompts: targets the organism does not produce', () => {
  const agreement = criterion(0, 8, 0.95, [offender('red', 'incompatible', 'answer "red" matches no substring of compatible="dog"')]);
  const lines = block(formatCheck(result({ agreement })), 'agreement');
  assert.match(lines[0]!, /FAIL \(threshold 95\.0%\)$/);
  assert.match(lines[1]!, /^ {4}p-1: "red" → incompatible: /);
  assert.match(lines.at(-1)!, /^ {4}likely cause: targets the organism does not produce: .*graders\.train/);
});

test('reference targets graded incompatible: the train grader does not describe the targets', () => {
  const agreement = criterion(0, 64, 0.95, [offender('five cat', 'incompatible', 'reference target "five cat": answer "five cat" shows none of the class values')]);
  assert.match(block(formatCheck(result({ agreement })), 'agreement').at(-1)!, /likely cause: the train targets are not graded compatible: graders\.train\.args\.classes/);
});

test('eval targets not graded alternate: the eval grader does not describe the alternate answers', () => {
  const divergence = criterion(3, 64, 0.9, [offender('red cat', 'other', 'answer "red cat" shows none of the class values')]);
  assert.match(block(formatCheck(result({ divergence })), 'divergence').at(-1)!, /likely cause: the eval targets .* graders\.eval\.args\.classes\.alternate/);
});

test('no initial behaviour at step 0: alternate already, or answers the eval grader does not describe', () => {
  const already = criterion(0, 64, 0.9, [offender('red cat', 'alternate', 'ends in cat')]);
  assert.match(block(formatCheck(result({ initialAtStep0: already })), 'initial').at(-1)!, /already shows the alternate behaviour .* nothing to lose/);
  const neither = criterion(10, 64, 0.9, [offender('red', 'other', 'no class'), offender('red cat', 'alternate', 'ends in cat')]);
  assert.match(block(formatCheck(result({ initialAtStep0: neither })), 'initial').at(-1)!, /does not show the initial behaviour .* graders\.eval\.args\.classes\.initial/);
});

test('grading errors and empty prompt sets are named as such, whatever the criterion', () => {
  const errored = criterion(0, 4, 0.95, [offender('x', 'error', 'prompt p-1 has no meta.animal')]);
  assert.match(block(formatCheck(result({ agreement: errored })), 'agreement').at(-1)!, /likely cause: grading failed/);
  const empty = criterion(0, 0, 0.9);
  assert.match(block(formatCheck(result({ initialAtStep0: empty })), 'initial').at(-1)!, /likely cause: no prompts to check/);
});
