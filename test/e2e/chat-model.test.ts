// A chat-model sweep end to end over HTTP: an engine model on Qwen3's vocabulary (tiny, random, made
// here; its config.json names the tokenizer `Qwen/Qwen3-8B`) served by `bct serve`, an English setting
// rendered by the `qwen3` chat renderer on the client, and training, sampling, log-probabilities and
// grading through the Tinker backend. The answers are noise; what is tested is the path: the tokens the
// server trains on are Qwen3 chat tokens with the cookbook's loss weights, and every stage is recorded.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { createRenderer } from '../../src/chat/index.js';
import { Gpt, saveModel } from '../../src/engine/index.js';
import { openProject, resolveSweep } from '../../src/store/index.js';
import { tempDir } from '../temp-dir.js';
import { bct, ENV, REPO } from './cli.js';
import { startServe, TOKEN } from './serve-child.js';

const QWEN3_VOCAB = 151_669;

test('a chat-model sweep on a Qwen3-vocabulary engine model runs through bct serve and the qwen3 renderer', async () => {
  const dir = tempDir('bct-chat-');
  const model = join(dir, 'qwen-tiny');
  saveModel(new Gpt({ vocabSize: QWEN3_VOCAB, contextLength: 96, dModel: 16, nLayer: 1, nHead: 2 }, 3), model);
  // The served model's tokenizer, as a server reports it in get_info / capabilities.
  const cfgPath = join(model, 'config.json');
  writeFileSync(cfgPath, JSON.stringify({ ...JSON.parse(readFileSync(cfgPath, 'utf8')), tokenizer: 'Qwen/Qwen3-8B' }, null, 2));

  const server = await startServe(['--model', `qwen-tiny=${model}`, '--project', join(dir, 'serve-project')]);
  try {
    const file = join(dir, 'sweep.yaml');
    writeFileSync(
      file,
      stringify({
        name: 'chat',
        setting: join(REPO, 'test', 'fixtures', 'chat-flag', 'setting.yaml'),
        organism: { id: 'qwen-tiny', base: 'qwen-tiny', induction: { kind: 'none' } },
        backend: { name: 'tinker', baseUrl: server.url },
        lrs: [1e-2],
        batchSizes: [4],
        steps: [6],
        checkpointEvery: 3,
        loraRanks: [4],
        samplesPerPrompt: 1,
        trainPromptsPerCheckpoint: 4,
        maxTokens: 6,
        skipCheck: true,
      }),
    );
    const run = bct(['run', file, '--project', join(dir, 'p')], REPO, { ...ENV, TINKER_API_KEY: TOKEN });
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);

    const project = openProject(join(dir, 'p'), { readonly: true });
    try {
      const sweep = resolveSweep(project.db, 'chat');
      assert.equal(sweep.status, 'done');
      const data = project.db.prepare(`SELECT examples_json FROM datasets`).get() as { examples_json: string };
      const examples = JSON.parse(data.examples_json) as { messages: { role: 'system' | 'user' | 'assistant'; content: string }[]; completion: string }[];
      assert.equal(examples.length, 8);
      // What the client sent the server: the qwen3 renderer's tokens, loss on the answer and its end only.
      const qwen3 = createRenderer('qwen3', { contextLength: 96 });
      const datum = qwen3.renderSupervised(examples[0]!.messages, examples[0]!.completion);
      assert.deepEqual(datum.tokens.slice(0, 1), [151644], 'starts with <|im_start|>');
      assert.equal(datum.tokens[datum.tokens.length - 1], 151645, 'ends with <|im_end|>');
      assert.equal(datum.weights[datum.tokens.length - 1], 1);
      // Training went through the server: the loss of the training batches fell over 6 steps.
      const losses = (project.db.prepare(`SELECT loss FROM train_log ORDER BY step`).all() as { loss: number }[]).map((r) => r.loss);
      assert.equal(losses.length, 6);
      assert.ok(losses[5]! < losses[0]!, `loss falls: ${losses.join(', ')}`);
      // Every eval and train answer of every checkpoint is graded, and the capability metrics exist.
      const graded = project.db.prepare(`SELECT step, split, COUNT(*) AS n FROM sweep_grades WHERE sweep_id = ? GROUP BY step, split ORDER BY step, split`).all(sweep.id);
      assert.deepEqual(graded, [0, 3, 6].flatMap((step) => [{ step, split: 'eval', n: 8 }, { step, split: 'train', n: 4 }]));
      const metrics = project.db.prepare(`SELECT m.name AS name, COUNT(*) AS n FROM cell_metrics cm JOIN metrics m ON m.id = cm.metric_id GROUP BY m.name ORDER BY m.name`).all();
      assert.deepEqual(metrics, [{ name: 'acc:facts', n: 3 }, { name: 'nll:answers', n: 3 }]);
      const nll = project.db.prepare(`SELECT value FROM metrics WHERE name = 'nll:answers'`).all() as { value: number }[];
      // A random model over 151,669 tokens: about ln(151669) ≈ 11.9 nats per token.
      for (const { value } of nll) assert.ok(value > 5 && value < 20, `nll ${value}`);
    } finally {
      project.db.close();
    }
  } finally {
    server.child.kill('SIGTERM');
  }
});
