import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createGrader, GRADER_DEFINITIONS, GRADER_NAMES, MODEL_GRADED, type GraderName } from './index.js';
import type { SamplingClient } from '../backends/index.js';
import type { Prompt } from '../settings/index.js';

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
  const bad = createGrader({ name: 'regex', args: { classes: { initial: '(' } } });
  assert.equal((await bad({ prompt, completion: 'x' })).label, 'error');
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

test('llm-judge: softmax of Yes/No logprobs cut at 0.5, failures are results', async () => {
  const judge = (yes: number, no: number): SamplingClient => ({
    renderer: undefined as never,
    sample: () => Promise.reject(new Error('unused')),
    logprobs: (_p, c) => Promise.resolve({ logprob: c === 'Yes' ? yes : no, tokens: [], tokenLogprobs: [], latencyMs: 0 }),
    close: () => Promise.resolve(),
  });
  const spec = { name: 'llm-judge' as const, args: { question: 'Does "{{completion}}" name a cat?', yes: 'initial', no: 'alternate' } };
  const r1 = await createGrader(spec, { judge: judge(Math.log(0.8), Math.log(0.2)) })({ prompt, completion: 'cat' });
  assert.equal(r1.label, 'initial');
  assert.ok(Math.abs(r1.score - 0.8) < 1e-9);
  const r2 = await createGrader(spec, { judge: judge(-3, -1) })({ prompt, completion: 'dog' });
  assert.equal(r2.label, 'alternate');
  const failing: SamplingClient = { ...judge(0, 0), logprobs: () => Promise.reject(new Error('boom')) };
  const r3 = await createGrader(spec, { judge: failing })({ prompt, completion: 'x' });
  assert.equal(r3.label, 'error');
  assert.match(r3.reason, /boom/);
  assert.throws(() => createGrader(spec), /needs a judge model/);
});
