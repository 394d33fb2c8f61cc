// The chat project of `bct init --kind chat`, run through the Tinker backend against `bct serve` (an
// engine model on Qwen3's vocabulary, tiny and random): the sweep file as written, with only the model
// line and the grid's size given as flags. The answers are noise; what is tested is that the project's
// prompts, graders and capability sets go through the real-model path, pre-check included.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Gpt, saveModel } from '../../src/engine/index.js';
import { openProject, resolveSweep } from '../../src/store/index.js';
import { tempDir } from '../temp-dir.js';
import { bct, ENV } from './cli.js';
import { startServe, TOKEN } from './serve-child.js';

const QWEN3_VOCAB = 151_669;

test('the chat project of bct init runs through the Tinker backend against bct serve', async () => {
  const dir = tempDir('bct-init-chat-');
  assert.equal(bct(['init', join(dir, 'my-chat'), '--kind', 'chat']).status, 0);
  const model = join(dir, 'qwen-tiny');
  saveModel(new Gpt({ vocabSize: QWEN3_VOCAB, contextLength: 128, dModel: 16, nLayer: 1, nHead: 2 }, 5), model);
  const cfgPath = join(model, 'config.json');
  writeFileSync(cfgPath, JSON.stringify({ ...JSON.parse(readFileSync(cfgPath, 'utf8')), tokenizer: 'Qwen/Qwen3-8B' }, null, 2));

  const server = await startServe(['--model', `qwen-tiny=${model}`, '--project', join(dir, 'serve-project')]);
  try {
    // The sweep file as written (backend `{ name: tinker }`, so the server is $TINKER_BASE_URL); the model
    // is given by --base as a user fills in organism.base, and the grid is shrunk to a few steps. The
    // untrained random model fails the pre-check, which --force runs and reports without stopping.
    const run = bct(
      ['run', join(dir, 'my-chat', 'sweep.yaml'), '--project', join(dir, 'p'), '--base', 'qwen-tiny', '--lrs', '1e-2', '--lora-ranks', '4', '--batch-sizes', '4', '--steps', '4', '--checkpoint-count', '1', '--max-tokens', '4', '--force'],
      dir,
      { ...ENV, TINKER_BASE_URL: server.url, TINKER_API_KEY: TOKEN },
    );
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /^pre-check of my-chat on my-model@qwen-tiny: FAIL$/m);
    assert.match(run.stdout, /^ {4}likely cause: /m);
    const project = openProject(join(dir, 'p'), { readonly: true });
    try {
      const sweep = resolveSweep(project.db);
      assert.equal(sweep.status, 'done');
      const graded = project.db.prepare(`SELECT step, split, COUNT(*) AS n FROM sweep_grades WHERE sweep_id = ? GROUP BY step, split ORDER BY step, split`).all(sweep.id);
      // Every checkpoint (step 0 and the last among them) has all 34 eval and 16 train answers graded.
      const steps = [...new Set(graded.map((g) => (g as { step: number }).step))];
      assert.ok(steps[0] === 0 && steps.at(-1) === 4, `steps ${steps.join(', ')}`);
      assert.deepEqual(graded, steps.flatMap((step) => [{ step, split: 'eval', n: 34 }, { step, split: 'train', n: 16 }]));
      const metrics = project.db.prepare(`SELECT m.name AS name, COUNT(*) AS n FROM cell_metrics cm JOIN metrics m ON m.id = cm.metric_id GROUP BY m.name ORDER BY m.name`).all();
      assert.deepEqual(metrics, [{ name: 'acc:facts', n: steps.length }, { name: 'nll:facts-nll', n: steps.length }]);
    } finally {
      project.db.close();
    }
  } finally {
    server.child.kill('SIGTERM');
  }
});
