// Counting the tokens of model calls whose output is not one row per call (the pre-check, on-policy
// targets, a judge's verdict): a sampling client that adds every call's tokens to its `tokens`. Counts
// follow the record's rules (store/usage.ts): a sampled answer reads its prompt and writes its answer
// tokens (the end-of-turn token it stopped on is not counted, as `samples.completion_tokens`); a
// log-probability request reads the prompt and the continuation it scores.
import type { SamplingClient } from '../backends/index.js';
import { createGrader, type GradeResult, type GradeSample, type GraderSpec } from '../graders/index.js';
import type { RoleTokens } from '../store/index.js';

export interface Metered {
  client: SamplingClient;
  readonly tokens: RoleTokens;
}

export function metered(client: SamplingClient): Metered {
  const tokens: RoleTokens = { trained: 0, prefill: 0, sampled: 0 };
  return {
    tokens,
    client: {
      renderer: client.renderer,
      async sample(prompts, params) {
        const res = await client.sample(prompts, params);
        tokens.prefill += res.promptTokens;
        tokens.sampled += res.samples.reduce((n, s) => n + s.tokens.length, 0);
        return res;
      },
      async logprobs(prompt, continuation, opts) {
        const res = await client.logprobs(prompt, continuation, opts);
        // A server that renders the prompt itself (an OpenAI chat API) says what it read; no renderer may
        // be known for its model.
        tokens.prefill += res.promptTokens ?? client.renderer.renderPrompt(prompt).length + res.tokens.length;
        return res;
      },
      // The wrapped client belongs to whoever made it.
      close: async () => {},
    },
  };
}

/** A grader whose every verdict carries the tokens its judge read and sampled for it (0 for a grader
 *  that calls no model): the grader is made per answer over its own meter, so concurrent verdicts never
 *  mix their counts. */
export function meteredGrader(spec: GraderSpec, judge: SamplingClient | undefined, where: string): (sample: GradeSample) => Promise<GradeResult & { judge: RoleTokens }> {
  if (judge === undefined) {
    const grade = createGrader(spec, {}, where);
    return async (sample) => ({ ...(await grade(sample)), judge: { trained: 0, prefill: 0, sampled: 0 } });
  }
  createGrader(spec, { judge }, where); // a bad spec is reported here, once, not per answer
  return async (sample) => {
    const m = metered(judge);
    const result = await createGrader(spec, { judge: m.client }, where)(sample);
    return { ...result, judge: m.tokens };
  };
}
