// Every chat built-in setting, end to end over real HTTP, from the sweep files a researcher runs
// (examples/chat-qwen3/ and examples/inoculation-qwen3/): `bct serve` (in this process, on 127.0.0.1)
// serves a tiny engine model on Qwen3's vocabulary as the organism (Tinker API) and, for a reward-hacking
// setting graded by the judge (hackGrader=judge), as the judge (OpenAI API). Only the model and the grid's
// size are given as flags. The answers are noise (the pre-check and the judge's gold check fail, and
// --force runs anyway); what is tested is the path: every stage recorded, every answer graded, the judge
// and the static check beside it, and the plan's tokens within 10% of what the run used.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { sweepCosts } from '../../src/pipeline/index.js';
import { startServe } from '../../src/serve/index.js';
import { CHAT_SETTINGS } from '../../src/settings/index.js';
import { openProject, resolveSweep, totalTokens } from '../../src/store/index.js';
import { tempDir } from '../temp-dir.js';
import { bctIn, REPO } from './cli.js';
import { qwenTinyModel } from './judge-fixtures.js';

const KEY = 'tml-chat-settings-e2e';
process.env.TINKER_API_KEY = KEY;
process.env.BCT_CHAT_JUDGE_KEY = KEY;

/** Eval prompts kept of each setting's 256 (`evalPrompts`, a pilot), and the checkpoints of the
 *  shrunk grid (steps 0 and 2). */
const EVAL_PROMPTS = 16;
const STEPS = [0, 2];
/** The judge reads the task, the answer and the rubric's question: up to about 700 Qwen3 tokens. */
const JUDGE_CONTEXT = 1024;

test('every chat setting runs from its example sweep file against bct serve, and its plan matches the tokens used within 10%', async (t) => {
  const dir = tempDir('bct-chat-settings-');
  const serve = await startServe({ host: '127.0.0.1', port: 0, token: KEY, models: new Map([['qwen-tiny', qwenTinyModel(join(dir, 'qwen-tiny'), 3, JUDGE_CONTEXT)]]), project: join(dir, 'serve') });
  process.env.TINKER_BASE_URL = serve.url;
  try {
    const prices = join(dir, 'prices.yaml');
    writeFileSync(prices, stringify({ prices: [{ backend: 'tinker', model: 'qwen-tiny', train: 0.36, prefill: 0.12, sample: 0.3, source: 'test' }, { backend: 'openai', model: 'qwen-tiny', train: 0, prefill: 0.1, sample: 0.2, source: 'test' }] }));
    const judge = join(dir, 'judge.yaml');
    writeFileSync(judge, stringify({ judge: { backend: { name: 'openai', baseUrl: `${serve.url}v1`, apiKeyEnv: 'BCT_CHAT_JUDGE_KEY' }, model: 'qwen-tiny' } }));
    const project = join(dir, 'p');
    for (const s of CHAT_SETTINGS) {
      const rh = s.id.startsWith('chat-rh-');
      // The six reward-hacking settings differ in their system prompts only: one of them is graded by the
      // judge (each judged answer costs two log-probability requests over Qwen3's whole vocabulary at every
      // position, slow on the engine), the others by the static check.
      const judged = s.id === 'chat-rh-plain';
      const file = join(REPO, 'examples', rh ? 'inoculation-qwen3' : 'chat-qwen3', 'sweep.yaml');
      // 8 train prompts in batches of 4 for one epoch (2 steps, a checkpoint at each end), 16 eval prompts.
      const flags = ['--setting', s.id, '--name', `${s.id}-tiny`, '--base', 'qwen-tiny', '--lrs', '1e-2', '--seeds', '0', '--lora-ranks', '4', '--batch-sizes', '4', '--epochs', '1', '--checkpoint-every', '2', '--max-tokens', '4', '--prices', prices, '--project', project];
      flags.push('--setting-params', `trainPrompts=8,evalPrompts=${EVAL_PROMPTS}${judged ? ',hackGrader=judge' : ''}`, ...(judged ? ['--judge', judge] : []));
      const plan = await bctIn(['plan', file, ...flags]);
      assert.equal(plan.status, 0, `${s.id}: ${plan.stdout}\n${plan.stderr}`);
      const planned = /\ntokens: .*; total ≈ ([\d,]+)\n/.exec(plan.stdout);
      assert.ok(planned !== null, plan.stdout);
      const run = await bctIn(['run', file, ...flags, '--force']);
      assert.equal(run.status, 0, `${s.id}: ${run.stdout}\n${run.stderr}`);
      if (judged) assert.match(run.stdout, new RegExp(`\\n {2}judge qwen-tiny on openai for graders\\.eval \\(llm-judge\\), on \\d+ gold answers of setting ${s.id}: accuracy `), `${s.id}: the judge is checked on the setting's gold answers`);

      const record = openProject(project, { readonly: true });
      try {
        const sweep = resolveSweep(record.db, `${s.id}-tiny`);
        assert.equal(sweep.status, 'done', s.id);
        const graded = record.db.prepare(`SELECT step, split, COUNT(*) AS n FROM sweep_grades WHERE sweep_id = ? GROUP BY step, split ORDER BY step, split`).all(sweep.id);
        assert.deepEqual(graded, STEPS.flatMap((step) => [{ step, split: 'eval', n: EVAL_PROMPTS }, { step, split: 'train', n: 8 }]), s.id);
        if (judged) {
          // Every eval grade names both graders: the judge's verdict and the static check beside it (or
          // standing over it, for an answer with no code).
          const reasons = record.db.prepare(`SELECT g.reason FROM sweep_grades sg JOIN grades g ON g.sample_id = sg.sample_id AND g.grader_key = (SELECT eval_grader_key FROM sweeps WHERE id = sg.sweep_id) WHERE sg.sweep_id = ? AND sg.split = 'eval'`).pluck().all(sweep.id) as string[];
          assert.equal(reasons.length, EVAL_PROMPTS * STEPS.length);
          for (const r of reasons) assert.match(r, /judge P\(Yes\) = [\d.]+ .*chat-hardcode|chat-hardcode: .*stands over the judge \(judge P\(Yes\) = /, r);
        }
        const costs = sweepCosts(record.db, sweep.id);
        const used = totalTokens(costs.total.usage);
        const estimate = Number(planned[1]!.replaceAll(',', ''));
        t.diagnostic(`${s.id}: plan ${estimate} tokens, used ${used} (${(((estimate - used) / used) * 100).toFixed(1)}%)`);
        assert.ok(Math.abs(estimate - used) <= 0.1 * used, `${s.id}: plan ${estimate} tokens vs ${used} used`);
        if (judged) assert.ok(costs.total.usage.judge.prefill > 0, `${s.id}: the judge's tokens are counted`);
      } finally {
        record.db.close();
      }
    }
  } finally {
    await serve.close();
  }
});
