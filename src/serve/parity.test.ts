// `bct serve` against the embedded backend on models/mw-base: the same tokens and seeds give the same
// numbers bit for bit (pure-TypeScript GEMM, whose results do not depend on threads or batch shape).
process.env.BCT_GEMM = 'typescript';

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tempDir } from '../../test/temp-dir.js';
import { createEmbeddedBackend } from '../backends/embedded/index.js';
import type { ResumableTrainingClient } from '../backends/index.js';
import { meanWeighted } from '../backends/mean-weights.js';
import type { ChatMessage, Datum } from '../domain/index.js';
import { getGemm } from '../engine/index.js';
import { Tokenizer } from '../microworld/index.js';
import { fwdBwdBody, testServer, type TestClient } from './testing.js';

const msgs = (task: string): ChatMessage[] => [{ role: 'system', content: 'mode 1' }, { role: 'user', content: task }];
const EXAMPLES: [string, string][] = [['echo red', 'red'], ['echo blue sun', 'blue sun'], ['count one two', 'two'], ['echo tree', 'tree']];
const ADAM = { learning_rate: 3e-3, beta1: 0.9, beta2: 0.95, eps: 1e-8, weight_decay: 0.01, grad_clip_norm: 1 };
const OPTIM = { lr: 3e-3, betas: [0.9, 0.95] as [number, number], eps: 1e-8, weightDecay: 0.01, gradClip: 1 };
const tok = Tokenizer.microworld();
const batch: Datum[] = EXAMPLES.map(([task, answer]) => tok.renderExample(msgs(task), answer));

interface FwdBwd {
  loss_fn_outputs: { logprobs: { data: number[] }; elementwise_loss: { data: number[] } }[];
  metrics: Record<string, number>;
}
interface Sample {
  sequences: { tokens: number[]; logprobs: number[] | null; stop_reason: string }[];
  prompt_logprobs: (number | null)[] | null;
}

/** One step through HTTP: forward_backward (mean-weighted, as every client sends) then optim_step. */
async function httpStep(c: TestClient, model: string, seq: number): Promise<{ loss: number; gradNorm: number; out: FwdBwd }> {
  const out = await c.call<FwdBwd>('forward_backward', fwdBwdBody(model, seq, meanWeighted(batch)));
  const opt = await c.call<{ metrics: Record<string, number> }>('optim_step', { model_id: model, seq_id: seq + 1, adam_params: ADAM });
  return { loss: out.metrics['loss:sum']!, gradNorm: opt.metrics.grad_norm!, out };
}

async function embeddedStep(t: ResumableTrainingClient): Promise<{ loss: number; gradNorm: number }> {
  const loss = (await t.forwardBackward(batch)).loss;
  return { loss, gradNorm: (await t.optimStep(OPTIM)).gradNorm };
}

for (const lora of [{ rank: 4, alpha: 8 }, null]) {
  const kind = lora === null ? 'full fine-tune' : 'LoRA';
  test(`${kind}: training, sampler weights and sampling through HTTP equal the embedded backend bit for bit; save/load resumes exactly`, async () => {
    assert.equal(getGemm().backend, 'typescript');
    const project = tempDir('bct-serve-parity-');
    const { serve, client: c, internal } = await testServer(project);
    try {
      const backend = createEmbeddedBackend({ name: 'embedded', args: {} });
      const embedded = (await backend.createTrainingClient({ base: 'models/mw-base', lora, seed: 11, workDir: tempDir('bct-serve-work-') })) as ResumableTrainingClient;
      const session = await c.session();
      const model = await c.createModel(session, lora === null ? null : { rank: lora.rank, alpha: lora.alpha, seed: 11 });

      // Two steps: equal losses and gradient norms, to the bit.
      for (let step = 0; step < 2; step++) {
        const h = await httpStep(c, model, 2 * step + 1);
        const e = await embeddedStep(embedded);
        assert.equal(h.loss, e.loss, `step ${step} loss`);
        assert.equal(h.gradNorm, e.gradNorm, `step ${step} grad norm`);
        // Per-token outputs: Σ elementwise_loss is the same loss (to float rounding); the logprobs are
        // those of the targets, negative, one per input token.
        const sum = h.out.loss_fn_outputs.flatMap((o) => o.elementwise_loss.data).reduce((a, b) => a + b, 0);
        assert.ok(Math.abs(sum - h.loss) < 1e-5, `Σ elementwise_loss ${sum} vs loss:sum ${h.loss}`);
        h.out.loss_fn_outputs.forEach((o, i) => assert.equal(o.logprobs.data.length, batch[i]!.tokens.length - 1));
        assert.ok(h.out.loss_fn_outputs.every((o) => o.logprobs.data.every((l) => l < 0)));
      }

      // Sampler weights, then sampling: sample i of a request with seed s equals the embedded sampler's
      // answer to the same prompt with seed s + i; sample 0 equals a lone prompt with seed s.
      const saved = await c.call<{ path: string }>('save_weights_for_sampler', { model_id: model, seq_id: 5, path: 'after-2' });
      assert.match(saved.path, new RegExp(`^tinker://${model}/sampler_weights/after-2$`));
      const samplingSession = (await c.post<{ sampling_session_id: string }>('create_sampling_session', { session_id: session, sampling_session_seq_id: 0, model_path: saved.path })).body.sampling_session_id;
      const sampler = await backend.createSamplingClient((await embedded.saveForSampler('after-2')).ref);
      const messages: ChatMessage[] = [{ role: 'user', content: 'note cat' }]; // an open question: answers vary by seed
      const prompt = tok.renderPrompt(messages);
      const eot = tok.special.eot;
      const params = { temperature: 1.5, topP: 0.95, maxTokens: 12, stop: [], seed: 0 };
      const viaHttp = await c.call<Sample>('asample', {
        sampling_session_id: samplingSession, seq_id: 0, num_samples: 4, prompt: { chunks: [{ type: 'encoded_text', tokens: prompt }] },
        sampling_params: { max_tokens: 12, temperature: 1.5, top_p: 0.95, seed: 500, stop: [eot] }, prompt_logprobs: false, type: 'sample',
      });
      const answers = viaHttp.sequences.map((q) => (q.tokens[q.tokens.length - 1] === eot ? q.tokens.slice(0, -1) : q.tokens));
      const batchOf4 = await sampler.sample([0, 1, 2, 3].map((i) => ({ messages, seed: 500 + i })), params);
      assert.deepEqual(answers, batchOf4.samples.map((x) => x.tokens), 'num_samples 4 = four prompts with seeds s..s+3');
      const alone = await sampler.sample([{ messages, seed: 500 }], params);
      assert.deepEqual(answers[0], alone.samples[0]!.tokens, 'sample 0 = a lone prompt with seed s');
      assert.ok(new Set(answers.map((a) => a.join(' '))).size > 1, `seeds differ, answers differ: ${JSON.stringify(answers)}`);
      viaHttp.sequences.forEach((q) => {
        assert.equal(q.stop_reason, q.tokens[q.tokens.length - 1] === eot ? 'stop' : 'length');
        assert.equal(q.logprobs!.length, q.tokens.length);
      });

      // compute_logprobs (asample with prompt_logprobs) against the embedded sampler's logprobs.
      const continuation = 'zero cat';
      const lp = await c.call<Sample>('asample', {
        model_path: saved.path, num_samples: 1, prompt: { chunks: [{ type: 'encoded_text', tokens: [...prompt, ...tok.encode(continuation)] }] },
        sampling_params: { max_tokens: 1, seed: 1 }, prompt_logprobs: true,
      });
      const want = (await sampler.logprobs(messages, continuation)).tokenLogprobs;
      const got = lp.prompt_logprobs!.slice(-want.length) as number[];
      assert.equal(lp.prompt_logprobs![0], null);
      assert.equal(lp.prompt_logprobs!.length, prompt.length + want.length);
      got.forEach((g, i) => assert.ok(Math.abs(g - want[i]!) < 1e-6, `prompt logprob ${i}: ${g} vs ${want[i]}`));

      // save_weights → a new model → load_weights (with optimizer) continues exactly like the original.
      const state = await c.call<{ path: string }>('save_weights', { model_id: model, seq_id: 6, path: 'state-2' });
      const resumed = await c.createModel(session, lora === null ? null : { rank: lora.rank, alpha: lora.alpha, seed: 99 });
      const loaded = await c.call<{ path: string; model_id: string }>('load_weights', { model_id: resumed, seq_id: 1, path: state.path, optimizer: true });
      assert.deepEqual(loaded, { type: 'load_weights', path: state.path, model_id: resumed });
      const a = await httpStep(c, model, 7);
      const b = await httpStep(c, resumed, 2);
      const e = await embeddedStep(embedded);
      assert.deepEqual([b.loss, b.gradNorm], [a.loss, a.gradNorm], 'resumed step = original step');
      assert.deepEqual([a.loss, a.gradNorm], [e.loss, e.gradNorm], 'and = the embedded third step');
      const info = await c.post<Record<string, unknown>>('weights_info', { tinker_path: state.path });
      assert.deepEqual(info.body, { base_model: 'mw-base', is_lora: lora !== null, lora_rank: lora?.rank ?? null });
      assert.deepEqual(internal, []);
    } finally {
      await serve.close();
    }
  });
}
