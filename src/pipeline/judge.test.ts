// The judge role of a sweep: never implied, named in keys by what it is (not where it runs), priced as
// its own model, its backend errors named as the sweep names the judge, and its verdicts batched on a
// local engine without changing any answer.
import assert from 'node:assert/strict';
import { cpSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildTinyOrganism, TINY_SETTING } from '../../test/e2e/tiny-organism.js';
import { codingSetting } from '../../test/e2e/judge-fixtures.js';
import { tempDir } from '../../test/temp-dir.js';
import { createBackend, type SamplePrompt, type SamplingClient, type SamplingParams } from '../backends/index.js';
import { CheckpointError, ConfigError } from '../errors.js';
import { issuePath, loadSettingFile, reportedIssue } from '../settings/index.js';
import { openProject } from '../store/index.js';
import { DEFAULT_THRESHOLDS } from './check.js';
import { makeContext, type RunContext } from './context.js';
import { sweepRoles } from './costs.js';
import { batchingSampler, JUDGE_BATCH } from './judge.js';
import { checkKey, sweepGraderKey, sweepKey } from './keys.js';
import { silentProgress } from './progress.js';
import { sweepConfigSchema } from './sweep-spec.js';

const dir = tempDir('bct-judge-role-');
const organism = join(dir, 'organism');
buildTinyOrganism(organism);
const judged = loadSettingFile(codingSetting(join(dir, 'coding')));
const project = openProject(join(dir, 'p'), { create: true });

const contextOf = (judge: unknown, setting = judged): RunContext =>
  makeContext(project, sweepConfigSchema.parse({ setting: setting.id, base: organism, ...(judge === undefined ? {} : { judge }) }), silentProgress, setting);
const openai = (fields: Record<string, unknown> = {}, model = 'judge-model', renderer?: string) => ({ backend: { name: 'openai', baseUrl: 'http://127.0.0.1:9/v1', ...fields }, model, ...(renderer === undefined ? {} : { renderer }) });

test('a setting whose grader asks a judge is refused without one, naming the grader and the ways to name a judge', () => {
  assert.throws(
    () => contextOf(undefined),
    (e: unknown) => e instanceof ConfigError && e.where === 'judge' && /setting "judged-coding" grades with llm-judge \(graders\.eval\), which asks a judge model.*judge: \{ backend, model \}.*judge: organism/.test(e.message),
  );
  // A setting whose graders ask no model needs none.
  assert.equal(contextOf(undefined, loadSettingFile(TINY_SETTING)).judge, undefined);
});

test('judge grades are keyed by the judge\'s model, API mode and renderer, never by where it runs; other graders not at all', async () => {
  const keys = (judge: unknown) => {
    const ctx = contextOf(judge);
    const g = ctx.setting.graders;
    const out = { eval: sweepGraderKey(ctx, g.eval), train: sweepGraderKey(ctx, g.train), sweep: sweepKey(ctx), check: checkKey(ctx, DEFAULT_THRESHOLDS) };
    void ctx.close();
    return out;
  };
  const a = keys(openai());
  assert.deepEqual(keys(openai({ baseUrl: 'https://elsewhere.example/v1', apiKeyEnv: 'OTHER_KEY', maxInFlight: 3 })), a, 'address, key variable and concurrency enter no key');
  for (const [what, judge] of [
    ['another model', openai({}, 'judge-model-2')],
    ['chat mode', openai({ api: 'chat' })],
    ['a renderer', openai({}, 'judge-model', 'qwen3')],
    ['the organism', 'organism'],
  ] as const) {
    const b = keys(judge);
    assert.notEqual(b.eval, a.eval, what);
    assert.notEqual(b.check, a.check, `${what}: the pre-check validates another judge`);
    assert.equal(b.train, a.train, `${what}: the static train grader keeps its key`);
  }
  // An embedded judge is its files' content: the same model at another path is the same judge.
  const copy = join(dir, 'organism-copy');
  cpSync(organism, copy, { recursive: true });
  assert.equal(keys({ backend: 'embedded', model: organism }).eval, keys({ backend: 'embedded', model: copy }).eval);
  assert.throws(() => keys({ backend: 'embedded', model: join(dir, 'no-such-model') }), (e: unknown) => e instanceof CheckpointError && e.where === 'judge.model');
  // Where no grader asks a judge, naming one changes the sweep's identity only.
  const tiny = loadSettingFile(TINY_SETTING);
  const plain = contextOf(undefined, tiny);
  const named = contextOf('organism', tiny);
  assert.equal(sweepGraderKey(named, tiny.graders.eval), sweepGraderKey(plain, tiny.graders.eval));
  assert.equal(checkKey(named, DEFAULT_THRESHOLDS), checkKey(plain, DEFAULT_THRESHOLDS));
  await Promise.all([plain.close(), named.close()]);
});

test('the judge field: organism, or a backend and model; a renderer only for the openai backend', () => {
  const parse = (judge: unknown) => sweepConfigSchema.safeParse({ setting: 'x', judge });
  assert.ok(parse('organism').success);
  assert.ok(parse({ backend: 'openai', model: 'gpt-4o-mini' }).success);
  assert.ok(parse({ backend: { name: 'tinker', baseUrl: 'http://gpu:8000' }, model: 'Qwen/Qwen3-8B' }).success);
  // What the user is told: the issue of the form the value came closest to.
  const issue = (judge: unknown) => {
    const r = parse(judge);
    assert.ok(!r.success);
    const i = reportedIssue(r.error.issues);
    return `${issuePath(i.path)}: ${i.message}`;
  };
  assert.equal(issue({ backend: 'embedded', model: 'models/mw-base', renderer: 'qwen3' }), 'judge.renderer: is read by the openai backend only (embedded and tinker take the renderer from the model)');
  assert.equal(issue({ backend: 'openai', model: 'm', temperature: 0 }), 'judge: Unrecognized key: "temperature"');
  assert.match(issue({ backend: 'openai' }), /^judge\.model: /);
  assert.match(issue({ backend: { name: 'openai', api: 'responses' }, model: 'm' }), /^judge\.backend\.api: .*"completions"\|"chat"/);
});

test('the judge is priced as its own model on its own backend; judge: organism as the organism', () => {
  const organismRef = { backend: 'tinker', model: 'Qwen/Qwen3-8B' };
  assert.deepEqual(sweepRoles('tinker', { base: 'Qwen/Qwen3-8B' }, { backend: { name: 'openai', baseUrl: 'http://x/v1' }, model: 'gpt-4o-mini' }), { organism: organismRef, judge: { backend: 'openai', model: 'gpt-4o-mini' } });
  assert.deepEqual(sweepRoles('tinker', { base: 'Qwen/Qwen3-8B' }, 'organism').judge, organismRef);
});

test('an openai judge\'s configuration errors name the judge\'s fields, not the organism\'s', async () => {
  const server = createServer((_req, res) => res.end(JSON.stringify({ data: [{ id: 'mystery-model' }] })));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    const ctx = contextOf({ backend: { name: 'openai', baseUrl: url }, model: 'mystery-model' });
    await assert.rejects(ctx.judgeSampler(), (e: unknown) => e instanceof ConfigError && e.where === 'judge.renderer' && /no chat renderer is known for model "mystery-model"/.test(e.message));
    await ctx.close();
  } finally {
    server.close();
  }
});

test('a local judge answers the sample calls of one turn as one batch, each caller its own answers and prompt tokens', async () => {
  const client = await createBackend({ name: 'embedded', args: {} }).createSamplingClient({ base: organism });
  const batches: number[] = [];
  // The real client, with its batch sizes written down.
  const counted: SamplingClient = { ...client, renderer: client.renderer, sample: (prompts: readonly SamplePrompt[], params: SamplingParams) => (batches.push(prompts.length), client.sample(prompts, params)), logprobs: client.logprobs.bind(client) };
  const batched = batchingSampler(counted);
  const params: SamplingParams = { temperature: 1, topP: 1, maxTokens: 3, stop: [], seed: 0 };
  const prompts = ['red', 'blue', 'sun', 'moon', 'tree'].map((w, i) => [{ messages: [{ role: 'system' as const, content: `mode ${i % 2}` }, { role: 'user' as const, content: `echo ${w}` }], seed: 40 + i }]);
  const alone = await Promise.all(prompts.map((p) => client.sample(p, params)));
  const together = await Promise.all(prompts.map((p) => batched.sample(p, params)));
  assert.deepEqual(batches, [5], 'one call of five prompts');
  together.forEach((r, i) => {
    assert.deepEqual(r.samples, alone[i]!.samples, `prompt ${i}: the answer it gets alone`);
    assert.equal(r.promptTokens, client.renderer.renderPrompt(prompts[i]![0]!.messages).length);
  });
  // Other parameters are another batch; more than JUDGE_BATCH prompts are several.
  batches.length = 0;
  await Promise.all([batched.sample(prompts[0]!, params), batched.sample(prompts[1]!, { ...params, temperature: 0 })]);
  assert.deepEqual(batches, [1, 1]);
  batches.length = 0;
  await Promise.all(Array.from({ length: JUDGE_BATCH + 3 }, (_, i) => batched.sample(prompts[i % 5]!, params)));
  assert.deepEqual(batches, [JUDGE_BATCH, 3]);
});
