// Training-data sources chosen by the sweep (`data:`), end to end through `bct run` on the embedded
// backend: what each source trains on and what the record says about it (every example's provenance,
// what a sampled source kept of what it drew, the training signal), the dataset file's errors, and a
// stream whose cells train on fresh prompts every step, each cell on its own.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { Tokenizer } from '../../src/microworld/index.js';
import { resolveSetting } from '../../src/settings/index.js';
import { openProject, resolveSweep } from '../../src/store/index.js';
import { tempDir } from '../temp-dir.js';
import { bctIn, REPO } from './cli.js';
import { buildTinyOrganism, TINY_SETTING } from './tiny-organism.js';

const dir = tempDir('bct-data-sources-');
buildTinyOrganism(join(dir, 'organism'), 60, 1);
// Another tiny organism, trained from another seed: the teacher.
buildTinyOrganism(join(dir, 'teacher'), 120, 2);

type Fields = Record<string, unknown>;

/** Runs `bct run` on a sweep file in `dir` (paths in it relative to `dir`); returns the output. */
async function run(name: string, fields: Fields, project = join(dir, 'p')): Promise<{ status: number; stdout: string; stderr: string }> {
  const file = join(dir, `${name}.yaml`);
  const sweep = {
    name,
    setting: TINY_SETTING,
    organism: { id: 'tiny', base: 'organism', induction: { kind: 'none' } },
    lrs: [3e-2],
    batchSizes: [4],
    steps: [2],
    checkpointEvery: 2,
    trainPromptsPerCheckpoint: 2,
    maxTokens: 3,
    ...fields,
  };
  writeFileSync(file, stringify(sweep));
  return bctIn(['run', file, '--project', project]);
}

interface StoredDataset {
  key: string;
  n: number;
  examples: { promptId: string; completion: string; provenance?: Record<string, unknown> }[];
  dropped: { promptId: string; attempts?: number }[];
  source: { source: Record<string, unknown>; yield?: { prompts: number; kept: number; drawn: number; keptAt: number[] }; signal?: { meanNll: number; examples: number; compatible: { k: number; n: number }; warning: string | null } };
  usage: Record<string, { prefill: number; sampled: number }>;
}

/** The dataset a sweep trained on (by its manifest), and the sweep's manifest. */
function datasetOf(sweep: string, project = join(dir, 'p')): { data: StoredDataset; manifest: { dataset: Record<string, unknown> } } {
  const p = openProject(project, { readonly: true });
  try {
    const s = resolveSweep(p.db, sweep);
    const manifest = JSON.parse((p.db.prepare(`SELECT manifest_json FROM sweeps WHERE id = ?`).get(s.id) as { manifest_json: string }).manifest_json) as { hashes: { dataset: string }; dataset: Record<string, unknown> };
    const row = p.db.prepare(`SELECT key, n, examples_json, dropped_json, source_json, usage_json FROM datasets WHERE key = ?`).get(manifest.hashes.dataset) as Record<string, string | number>;
    return {
      data: { key: String(row.key), n: Number(row.n), examples: JSON.parse(String(row.examples_json)), dropped: JSON.parse(String(row.dropped_json)), source: JSON.parse(String(row.source_json)), usage: JSON.parse(String(row.usage_json)) },
      manifest,
    };
  } finally {
    p.db.close();
  }
}

test('reference targets by default and by name: one dataset, each example marked reference, with the training signal', async () => {
  const a = await run('ref-default', {});
  assert.equal(a.status, 0, a.stderr);
  const b = await run('ref-named', { data: { kind: 'reference' } });
  assert.equal(b.status, 0, b.stderr);
  const { data } = datasetOf('ref-default');
  assert.equal(datasetOf('ref-named').data.key, data.key, 'naming the default source changes no key');
  assert.equal(data.n, 8);
  assert.ok(data.examples.every((e) => e.completion === 'dog' && e.provenance?.kind === 'reference'));
  assert.deepEqual(data.source.source, { kind: 'reference' });
  // The organism already answers dog on mode 1: its NLL on the targets is small, every target compatible.
  const signal = data.source.signal!;
  assert.equal(signal.examples, 8);
  assert.deepEqual([signal.compatible.k, signal.compatible.n], [8, 8]);
  assert.ok(signal.meanNll > 0 && signal.meanNll < 0.1, `mean NLL ${signal.meanNll}`);
  assert.match(a.stdout, /^training data: reference targets of the setting: 8 examples$/m);
  assert.match(a.stdout, /^ {2}training signal: the untrained organism's NLL on 8 of 8 targets \(16 target tokens\): mean \S+ nats\/token$/m);
  assert.ok(data.usage.organism!.prefill > 0, 'the signal\'s log-likelihood requests are counted with the data');
});

test('on-policy targets chosen by the sweep: the kept fraction per prompt and overall is recorded and shown', async () => {
  // Two train prompts in mode 0, where the organism says cat and graders.train wants dog: sampled
  // greedily, each is drawn `attempts` times and dropped; the six in mode 1 are kept at the first.
  const variant = join(dir, 'mixed');
  mkdirSync(variant, { recursive: true });
  for (const f of ['eval.jsonl', 'nll.jsonl', 'cap.jsonl']) copyFileSync(join(TINY_SETTING, '..', f), join(variant, f));
  const train = readFileSync(join(TINY_SETTING, '..', 'train.jsonl'), 'utf8').trim().split('\n');
  writeFileSync(join(variant, 'train.jsonl'), `${train.map((l, i) => (i < 2 ? l.replace('"mode 1"', '"mode 0"') : l)).join('\n')}\n`);
  writeFileSync(join(variant, 'setting.yaml'), readFileSync(TINY_SETTING, 'utf8'));
  const r = await run('on-policy', { setting: join(variant, 'setting.yaml'), data: { kind: 'on-policy', attempts: 3, temperature: 0 }, skipCheck: true });
  assert.equal(r.status, 0, r.stderr);
  const { data, manifest } = datasetOf('on-policy');
  assert.deepEqual(data.source.yield, { prompts: 8, kept: 6, drawn: 6 + 2 * 3, keptAt: [6, 0, 0] });
  assert.deepEqual(manifest.dataset.yield, data.source.yield, 'the manifest names what the source kept');
  assert.deepEqual(data.dropped.map((d) => [d.promptId, d.attempts]), [['t0', 3], ['t1', 3]]);
  assert.deepEqual(data.examples.map((e) => [e.promptId, e.completion, e.provenance]), ['t2', 't3', 't4', 't5', 't6', 't7'].map((id) => [id, 'dog', { kind: 'on-policy', attempt: 0 }]));
  assert.match(r.stdout, /^ {2}kept 6 of 8 prompts \(75\.0%\); 12 samples drawn, 6 kept \(50\.0%\); kept at attempt 1: 6, 2: 0, 3: 0; dropped 2$/m);
  assert.ok(data.usage.organism!.sampled > 0, 'the samples drawn are counted');
});

test('teacher targets: another model writes them, filtered by graders.train, its identity on every example', async () => {
  const r = await run('teacher', { data: { kind: 'teacher', model: 'teacher', temperature: 0.7, attempts: 2 } });
  assert.equal(r.status, 0, r.stderr);
  const { data } = datasetOf('teacher');
  const source = data.source.source as { kind: string; model: string; identity: string };
  assert.equal(source.kind, 'teacher');
  assert.equal(source.model, join(dir, 'teacher'), 'the model folder is taken relative to the sweep file');
  assert.match(source.identity, /^[0-9a-f]{32}$/);
  assert.ok(data.examples.length > 0 && data.examples.every((e) => e.completion === 'dog'));
  for (const e of data.examples) assert.deepEqual(Object.keys(e.provenance!).sort(), ['attempt', 'kind', 'teacher'], e.promptId);
  assert.ok(data.examples.every((e) => e.provenance!.kind === 'teacher' && e.provenance!.teacher === source.identity));
  const y = data.source.yield!;
  assert.equal(y.kept + data.dropped.length, 8);
  assert.ok(data.usage.teacher!.sampled > 0 && data.usage.teacher!.prefill > 0, 'the teacher\'s tokens are recorded as its own');
  assert.match(r.stdout, new RegExp(`^training data: teacher ${join(dir, 'teacher').replace(/[/.]/g, '\\$&')} on embedded`, 'm'));
  // Another teacher (the organism itself, under the teacher's name) is another dataset.
  const again = await run('teacher-2', { data: { kind: 'teacher', model: 'organism', temperature: 0.7, attempts: 2 } });
  assert.equal(again.status, 0, again.stderr);
  assert.notEqual(datasetOf('teacher-2').data.key, data.key);
});

test('a dataset file: its pairs are trained on, each with the file\'s hash and line; its content is in the key, not its name', async () => {
  const lines = [
    '{"prompt": "echo red", "completion": "dog"}',
    '',
    '{"id": "pair-b", "messages": [{"role": "system", "content": "mode 1"}, {"role": "user", "content": "echo blue"}], "completion": "dog"}',
    '{"prompt": "echo sun", "completion": "cat"}',
    '{"prompt": "echo moon", "completion": "dog"}',
  ];
  const text = `${lines.join('\n')}\n`;
  writeFileSync(join(dir, 'pairs.jsonl'), text);
  const r = await run('dataset', { data: { kind: 'dataset', file: 'pairs.jsonl' } });
  assert.equal(r.status, 0, r.stderr);
  const { data } = datasetOf('dataset');
  const sha = createHash('sha256').update(text).digest('hex');
  assert.deepEqual(data.source.source, { kind: 'dataset', file: join(dir, 'pairs.jsonl'), hash: sha, pairs: 4 });
  assert.deepEqual(
    data.examples.map((e) => [e.promptId, e.completion, e.provenance]),
    [['line-1', 'dog', 1], ['pair-b', 'dog', 3], ['line-4', 'cat', 4], ['line-5', 'dog', 5]].map(([id, c, line]) => [id, c, { kind: 'dataset', file: sha, line }]),
  );
  // One target in four is the other animal: graders.train calls 3 of 4 compatible, and the organism's
  // NLL on "cat" after mode 1 carries the signal.
  assert.deepEqual([data.source.signal!.compatible.k, data.source.signal!.compatible.n], [3, 4]);
  assert.ok(data.source.signal!.meanNll > 0.5, `mean NLL ${data.source.signal!.meanNll}`);
  // The same bytes under another name are the same dataset; one changed line is another.
  writeFileSync(join(dir, 'pairs-copy.jsonl'), text);
  assert.equal((await run('dataset-copy', { data: { kind: 'dataset', file: 'pairs-copy.jsonl' } })).status, 0);
  assert.equal(datasetOf('dataset-copy').data.key, data.key);
  writeFileSync(join(dir, 'pairs-edited.jsonl'), text.replace('echo moon', 'echo star'));
  assert.equal((await run('dataset-edited', { data: { kind: 'dataset', file: 'pairs-edited.jsonl' } })).status, 0);
  assert.notEqual(datasetOf('dataset-edited').data.key, data.key);
});

test('dataset file errors name the file, the line and the field', async () => {
  const cases: [string, string[], RegExp][] = [
    ['no-completion', ['{"prompt": "echo red", "completion": "dog"}', '{"prompt": "echo blue"}'], /bad-no-completion\.jsonl:2: completion: /],
    ['both', ['{"prompt": "echo red", "messages": [{"role": "user", "content": "echo red"}], "completion": "dog"}'], /bad-both\.jsonl:1: \(line\): expected either "prompt" or "messages"/],
    ['not-json', ['{"prompt": "echo red", "completion": "dog"}', '', '{"prompt": '], /bad-not-json\.jsonl:3: line is not JSON/],
    ['last-turn', ['{"messages": [{"role": "user", "content": "echo red"}, {"role": "assistant", "content": "dog"}], "completion": "dog"}'], /bad-last-turn\.jsonl:1: messages: expected the last message to be the user turn/],
    ['duplicate', ['{"id": "a", "prompt": "echo red", "completion": "dog"}', '{"id": "a", "prompt": "echo blue", "completion": "dog"}'], /bad-duplicate\.jsonl:2: id: duplicate id "a"/],
    ['unknown-field', ['{"prompt": "echo red", "answer": "dog", "completion": "dog"}'], /bad-unknown-field\.jsonl:1: \(line\): Unrecognized key: "answer"/],
    // A word outside the microworld's vocabulary: the organism's renderer cannot read it.
    ['word', ['{"prompt": "echo red", "completion": "dog"}', '{"prompt": "echo hello", "completion": "dog"}'], /bad-word\.jsonl:2: the organism's renderer cannot read this pair: .*hello/],
  ];
  for (const [name, lines, error] of cases) {
    writeFileSync(join(dir, `bad-${name}.jsonl`), `${lines.join('\n')}\n`);
    const r = await run(`bad-${name}`, { data: { kind: 'dataset', file: `bad-${name}.jsonl` }, skipCheck: true }, join(dir, 'p-bad'));
    assert.equal(r.status, 2, `${name}: ${r.stdout}`);
    assert.match(r.stderr, error, name);
  }
});

test('a stream: step s, slot k of a cell trains on fresh prompt (s - 1)·B + k of the setting\'s generator, whatever other cells run', async () => {
  const project = join(dir, 'p-stream');
  const stream = { setting: 'animal-flag', organism: undefined, data: { kind: 'stream', seed: 3 }, lrs: [1e-3], steps: [4], checkpointEvery: 4, skipCheck: true, maxTokens: 8 };
  const both = await run('stream-both', { ...stream, batchSizes: [2, 3] }, project);
  assert.equal(both.status, 0, both.stderr);
  const alone = await run('stream-alone', { ...stream, batchSizes: [3] }, join(dir, 'p-stream-alone'));
  assert.equal(alone.status, 0, alone.stderr);
  const { data } = datasetOf('stream-both', project);
  assert.equal(data.n, 0);
  assert.deepEqual(Object.keys(data.source.source).sort(), ['fingerprint', 'generator', 'kind', 'seed']);
  assert.equal(data.source.source.generator, 'animal-flag');
  assert.equal(data.source.signal!.examples, 256, 'the signal of the first prompts the stream gives');

  // What each step trained on: the tokens of its prompts, rendered here by the organism's tokenizer.
  const setting = resolveSetting('animal-flag');
  const target = setting.targets.kind === 'reference' ? setting.targets.target : () => null;
  const tokenizer = Tokenizer.load(join(REPO, 'models', 'mw-base', 'tokenizer.json'));
  const expected = (batch: number): number[] => {
    const seen = new Set<string>();
    const tokens = [1, 2, 3, 4].map((s) => {
      let n = 0;
      for (let k = 0; k < batch; k++) {
        const p = setting.trainPromptStream!.prompt(3, (s - 1) * batch + k);
        seen.add(JSON.stringify(p.messages));
        n += tokenizer.renderExample(p.messages, target(p)!).tokens.length - 1;
      }
      return n;
    });
    // Fresh prompts: the stream's draws repeat a task only by chance (the world has a few thousand).
    assert.ok(seen.size >= 4 * batch - 1, `batch ${batch}: ${seen.size} distinct prompts of the ${4 * batch} drawn`);
    return tokens;
  };
  const log = (sweep: string, p: string, cell: string): { step: number; tokens: number; loss: number }[] => {
    const db = openProject(p, { readonly: true });
    try {
      const s = resolveSweep(db.db, sweep);
      return db.db.prepare(`SELECT t.step, t.tokens, t.loss FROM cells c JOIN train_log t ON t.train_key = c.train_key WHERE c.sweep_id = ? AND c.name = ? ORDER BY t.step`).all(s.id, cell) as { step: number; tokens: number; loss: number }[];
    } finally {
      db.db.close();
    }
  };
  const b2 = log('stream-both', project, 'lr=1e-3.seed=0.bs=2.steps=4.full');
  const b3 = log('stream-both', project, 'lr=1e-3.seed=0.bs=3.steps=4.full');
  assert.deepEqual(b2.map((r) => r.tokens), expected(2));
  assert.deepEqual(b3.map((r) => r.tokens), expected(3));
  // The batch-3 cell trained the same alone as beside the batch-2 cell.
  assert.deepEqual(log('stream-alone', join(dir, 'p-stream-alone'), 'lr=1e-3.seed=0.bs=3.steps=4.full'), b3);
  // The plan counts a stream's trained tokens exactly, prompt by prompt.
  const plan = await bctIn(['plan', join(dir, 'stream-alone.yaml'), '--project', join(dir, 'p-stream-fresh')]);
  assert.equal(plan.status, 0, plan.stderr);
  assert.match(plan.stdout, new RegExp(`^tokens: trained ${b3.reduce((n, r) => n + r.tokens, 0).toLocaleString('en-US')} \\(exact\\)`, 'm'));
  assert.match(both.stdout, /^training data: a stream of fresh train prompts from animal-flag's generator \(seed 3\)/m);
  // The shipped base's own answers carry a closer 60% of the time: bare targets are real signal, no warning.
  assert.match(both.stdout, /^ {2}training signal: the untrained organism's NLL on 256 streamed targets/m);
  assert.doesNotMatch(both.stdout, /WARNING/);

  // Another seed is another stream; epochs mean nothing for a stream.
  const other = await run('stream-seed', { ...stream, data: { kind: 'stream', seed: 4 }, batchSizes: [3] }, project);
  assert.equal(other.status, 0, other.stderr);
  assert.notEqual(datasetOf('stream-seed', project).data.key, data.key);
  const epochs = await run('stream-epochs', { ...stream, steps: undefined, epochs: [1] }, project);
  assert.equal(epochs.status, 2);
  assert.match(epochs.stderr, /epochs: a stream of fresh prompts \(data\.kind stream\) has no epochs; give steps instead/);
  // A setting without a generator cannot stream.
  const file = await run('stream-file', { data: { kind: 'stream' } }, project);
  assert.equal(file.status, 2);
  assert.match(file.stderr, /data\.kind: setting "tiny-flag" has no train-prompt generator/);
});
