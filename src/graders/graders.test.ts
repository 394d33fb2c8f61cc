import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tempDir } from '../../test/temp-dir.js';
import { createGrader, GRADER_DEFINITIONS, GRADER_NAMES, MODEL_GRADED, type GraderName } from './index.js';

import { join } from 'node:path';
import { createBackend } from '../backends/index.js';
import { Gpt, saveModel } from '../engine/index.js';
import { Tokenizer } from '../microworld/index.js';
import type { Prompt } from '../domain/index.js';

const prompt: Prompt = { id: 'p1', messages: [{ role: 'user', content: 'name an animal' }], meta: { animal: 'cat' } };

test('every GraderName has exactly one definition', () => {
  // GraderName is derived from the table, so "every name has a definition" holds by construction;
  // what can break is two files claiming the same name.
  for (const name of GRADER_NAMES) assert.equal(GRADER_DEFINITIONS.filter((g) => g.name === name).length, 1, name);
  for (const g of GRADER_DEFINITIONS) {
    assert.match(g.name, /^[a-z0-9]+(-[a-z0-9]+)*$/, `${g.name} is kebab-case`);
    assert.ok(g.description.length > 10, `${g.name} has a description`);
    assert.ok(Number.isInteger(g.version) && g.version >= 1);
  }
  assert.deepEqual([...MODEL_GRADED], ['llm-judge']);
});

test('contains grader classifies with meta expansion and names observed and expected values', async () => {
  const g = createGrader({ name: 'contains', args: { classes: { initial: '{{meta.animal}}', alternate: 'dog' } } });
  assert.equal((await g({ prompt, completion: 'a cat' })).label, 'initial');
  assert.equal((await g({ prompt, completion: 'a dog' })).label, 'alternate');
  const none = await g({ prompt, completion: 'a cow' });
  assert.equal(none.label, 'other');
  assert.match(none.reason, /"a cow".*initial="\{\{meta.animal\}\}"/);
  assert.equal((await g({ prompt, completion: 'cat and dog' })).label, 'other');
  const missing = await g({ prompt: { ...prompt, meta: {} }, completion: 'cat' });
  assert.equal(missing.label, 'error');
  assert.match(missing.reason, /meta\.animal/);
});

test('regex grader escapes meta values and honours otherwise/ignoreCase', async () => {
  const g = createGrader({ name: 'regex', args: { classes: { compatible: '^\\w+ {{meta.animal}}$' }, otherwise: 'incompatible', ignoreCase: true } });
  assert.equal((await g({ prompt, completion: 'A CAT' })).label, 'compatible');
  assert.equal((await g({ prompt, completion: 'a cat!' })).label, 'incompatible');
  // A pattern that does not compile is refused with the setting, not graded `error` answer by answer.
  assert.throws(() => createGrader({ name: 'regex', args: { classes: { initial: '(' } } }, {}, 'graders.eval'), /graders\.eval\.args\.classes\.initial: invalid regular expression "\(": Unterminated group/);
});

test('exact-match grader trims', async () => {
  const g = createGrader({ name: 'exact-match', args: { classes: { correct: '{{meta.animal}}' }, otherwise: 'incorrect' } });
  assert.equal((await g({ prompt, completion: ' cat\n' })).label, 'correct');
  assert.equal((await g({ prompt, completion: 'cats' })).label, 'incorrect');
});

test('bad grader args name the args path', () => {
  assert.throws(() => createGrader({ name: 'regex', args: { classes: { initial: 3 } } }, {}, 'graders.eval'), /graders\.eval\.args\.classes\.initial/);
  assert.throws(() => createGrader({ name: 'nope' as GraderName, args: {} }), /known graders: regex/);
});

test('llm-judge: softmax of the Yes/No log-probabilities of a real judge model, cut at 0.5', async () => {
  const dir = join(tempDir('bct-judge-'), 'judge');
  saveModel(new Gpt({ vocabSize: Tokenizer.microworld().vocabSize, contextLength: 32, dModel: 16, nLayer: 1, nHead: 2 }, 5), dir);
  const judge = await createBackend({ name: 'embedded', args: {} }).createSamplingClient({ base: dir });
  // The microworld has no "Yes"/"No" words, so the judge answers with two of its words instead.
  const spec = { name: 'llm-judge' as const, args: { question: 'echo {{completion}}', yes: 'initial', no: 'alternate', yesText: 'right', noText: 'wrong' } };
  const r = await createGrader(spec, { judge })({ prompt, completion: 'cat' });
  const asked = [{ role: 'user' as const, content: 'echo cat' }];
  const yes = (await judge.logprobs(asked, 'right')).logprob;
  const no = (await judge.logprobs(asked, 'wrong')).logprob;
  const pYes = 1 / (1 + Math.exp(no - yes));
  assert.ok(Math.abs(r.score - pYes) < 1e-9, `${r.score} vs ${pYes}`);
  assert.equal(r.label, pYes >= 0.5 ? 'initial' : 'alternate');
  assert.match(r.reason, /judge P\(right\) = 0\.\d{3} against threshold 0\.5/);
  // Flipping the threshold across P(Yes) flips the verdict.
  const flipped = await createGrader({ ...spec, args: { ...spec.args, threshold: pYes >= 0.5 ? 0.999 : 0.001 } }, { judge })({ prompt, completion: 'cat' });
  assert.notEqual(flipped.label, r.label);
  // A question the judge cannot read is a graded failure, not a throw.
  const unreadable = await createGrader({ ...spec, args: { ...spec.args, question: 'is this nonsense {{completion}}' } }, { judge })({ prompt, completion: 'cat' });
  assert.equal(unreadable.label, 'error');
  assert.match(unreadable.reason, /judge failed: .*unknown word "is"/);
  assert.throws(() => createGrader(spec), /needs a judge model/);
});
