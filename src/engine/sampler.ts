// Batched generation with a preallocated KV cache, and teacher-forced scoring.
// Shape legend: S sequences in the batch, E entries (tokens fed in one step), C channels, H heads,
// D head dim, T positions the cache holds (at most contextLength), V vocab, R LoRA rank.
//
// One `step` feeds E entries (row, position, token): the prompts of every row at once (prefill), then one
// token per unfinished row (decode). Rows keep their own positions, so prompts of different lengths share
// a batch without padding. Attention for a run of consecutive entries of one row is two sgemms against
// that row's cache (scores Q Kᵀ, then P V); with the addon's kernels, a prompt's run is one fused
// causalAttention call and a step's single-token entries one decodeAttention call. LoRA adapters are
// merged into copies of the weights once per generate call (W + scale·B A), so sampling costs the same
// with or without them.
import { DataError, ConfigError } from '../errors.js';
import type { Gemm, PackedWeights } from './gemm/index.js';
import { getGemm } from './gemm/index.js';
import type { Gpt } from './gpt.js';
import { TYPESCRIPT_KERNELS, fastExp, type Kernels } from './kernels.js';
import { kernelsFor } from './kernel-select.js';
import { Rng } from './rng.js';
import { Tape } from './tensor.js';
import { packBatch } from './train.js';

export interface SampleOptions {
  maxTokens: number; // new tokens per prompt at most; default 64
  temperature: number; // softmax temperature; 0 = greedy (argmax, lowest id on ties); default 1
  topP: number; // nucleus mass in (0, 1]; 1 = off; default 1
  stopTokens: readonly number[]; // a row ends after generating one of these (kept in its tokens); default []
  seed: number; // prompt i samples with seed + i unless `seeds` gives its own; default 0
  seeds?: readonly number[]; // per-prompt seeds, so a sample does not depend on how prompts are batched
  logprobs: boolean; // also return each generated token's log-probability (temperature 1); default false
}

export const DEFAULT_SAMPLE: SampleOptions = { maxTokens: 64, temperature: 1, topP: 1, stopTokens: [], seed: 0, logprobs: false };

export interface Generation {
  tokens: number[]; // generated tokens, without the prompt (a final stop token included)
  finishReason: 'stop' | 'length'; // 'length': maxTokens or the context length was reached
  logprobs?: number[]; // log p(token) under the model (temperature 1), when asked for
}

interface LayerWeights {
  attn: StepWeight; // (3C, C)
  attnProj: StepWeight; // (C, C)
  fc: StepWeight; // (4C, C)
  fcProj: StepWeight; // (C, 4C)
}

/** A weight W (N, K) as the decode step multiplies by it. A decode product has one row per unfinished
 *  sequence, and OpenBLAS lays the weight out again on every call (about a third of such a product), so
 *  where the GEMM can, the weight is packed once per generate call. */
interface StepWeight {
  readonly W: Float32Array; // (N, K)
  readonly N: number;
  readonly K: number;
  readonly packed: PackedWeights | null;
}

function stepWeight(gemm: Gemm, W: Float32Array, N: number, K: number): StepWeight {
  return { W, N, K, packed: gemm.packWeights && gemm.sgemmPacked ? gemm.packWeights(W, 0, N, K) : null };
}

/** out (E, N) = x (E, K) Wᵀ + beta·out. */
function project(gemm: Gemm, E: number, x: Float32Array, w: StepWeight, beta: number, out: Float32Array): void {
  if (w.packed && gemm.sgemmPacked) gemm.sgemmPacked(E, 1, x, 0, w.K, w.packed, beta, out, 0, w.N);
  else gemm.sgemm(false, true, E, w.N, w.K, 1, x, 0, w.K, w.W, 0, w.K, beta, out, 0, w.N);
}

/** Generates continuations of each prompt (token ids). */
export function generate(model: Gpt, prompts: readonly (readonly number[])[], options: Partial<SampleOptions> = {},
  gemm: Gemm = getGemm(), kernels: Kernels = kernelsFor(gemm)): Generation[] {
  const o = { ...DEFAULT_SAMPLE, ...options };
  if (!(o.temperature >= 0)) throw new ConfigError(`expected a number ≥ 0, got ${o.temperature}`, 'sample.temperature');
  if (!(o.topP > 0 && o.topP <= 1)) throw new ConfigError(`expected a number in (0, 1], got ${o.topP}`, 'sample.topP');
  if (!Number.isInteger(o.maxTokens) || o.maxTokens < 0) throw new ConfigError(`expected an integer ≥ 0, got ${o.maxTokens}`, 'sample.maxTokens');
  if (o.seeds && o.seeds.length !== prompts.length) throw new ConfigError(`${o.seeds.length} seeds for ${prompts.length} prompts`, 'sample.seeds');
  const cfg = model.config;
  prompts.forEach((p, i) => {
    if (p.length < 1 || p.length > cfg.contextLength) {
      throw new DataError(`prompt of ${p.length} tokens; expected 1 to ${cfg.contextLength}`, `prompts[${i}]`);
    }
    for (const id of p) if (!(id >= 0 && id < cfg.vocabSize)) throw new DataError(`token id ${id} is outside [0, ${cfg.vocabSize})`, `prompts[${i}]`);
  });
  const S = prompts.length;
  const out: Generation[] = prompts.map(() => (o.logprobs ? { tokens: [], finishReason: 'length', logprobs: [] } : { tokens: [], finishReason: 'length' }));
  if (S === 0 || o.maxTokens === 0) return out;
  // Positions 0..len+maxTokens−2 of a row are fed (its last token is not), so the cache holds no more.
  const positions = Math.min(cfg.contextLength, prompts.reduce((n, p) => Math.max(n, p.length), 0) + o.maxTokens);
  const run = new DecodeState(model, gemm, kernels, S, prompts.reduce((n, p) => n + p.length, 0), positions);
  const rngs = prompts.map((_, i) => new Rng(o.seeds ? o.seeds[i]! : o.seed + i));
  const stop = new Set(o.stopTokens);
  const V = cfg.vocabSize;
  // Prefill: every prompt token of every row in one step; logits at each row's last prompt token.
  let E = 0;
  prompts.forEach((p, r) => p.forEach((id, t) => {
    run.rows[E] = r;
    run.pos[E] = t;
    run.ids[E++] = id;
  }));
  const len = Int32Array.from(prompts, (p) => p.length); // (S) tokens seen per row
  const active = Int32Array.from(prompts, (_, r) => r); // (S) unfinished rows, first nActive used
  let nActive = S;
  let logits = run.step(E);
  const picker = new TokenPicker(V, run.kernels, S);
  const picked = new Int32Array(S); // (S) the token of each active row, in order of `active`
  // Decode: one token per unfinished row per step; buffers are reused, nothing is allocated per token
  // beyond the growing output arrays.
  for (;;) {
    let n = 0;
    picker.pickRows(logits, nActive, o.temperature, o.topP, rngs, active, picked);
    for (let k = 0; k < nActive; k++) {
      const r = active[k]!;
      const tok = picked[k]!;
      const g = out[r]!;
      g.tokens.push(tok);
      g.logprobs?.push(logSoftmaxAt(logits, k * V, V, tok));
      if (stop.has(tok)) g.finishReason = 'stop';
      else if (g.tokens.length < o.maxTokens && len[r]! < cfg.contextLength) {
        active[n] = r; // n ≤ k, so compaction in place is safe
        run.rows[n] = r;
        run.pos[n] = len[r]!;
        run.ids[n++] = tok;
        len[r]!++;
      }
    }
    nActive = n;
    if (nActive === 0) break;
    logits = run.step(nActive);
  }
  return out;
}

/** Per-generate-call buffers and the KV cache: (S, H, T, D) keys and values per layer, T the positions
 *  this call can reach. */
class DecodeState {
  private readonly C: number;
  private readonly H: number;
  private readonly D: number;
  private readonly T: number;
  private readonly layers: LayerWeights[];
  private readonly head: StepWeight; // (V, C)
  private readonly kCache: Float32Array[]; // (L) × (S, H, T, D)
  private readonly vCache: Float32Array[]; // (L) × (S, H, T, D)
  private readonly x: Float32Array; // (E, C) residual stream
  private readonly h: Float32Array; // (E, C) layer-normed residual
  private readonly att: Float32Array; // (E, C) attention output
  private readonly qkv: Float32Array; // (E, 3C)
  private readonly f: Float32Array; // (E, 4C)
  private readonly scores: Float32Array; // (H, max(T, S), T) scores of one run (or one group of runs), per head;
  // the (1, H, n, n) probabilities of a fused prompt run fit in it too
  private readonly last: Float32Array; // (S, C) final hidden state of each row's last entry
  private readonly logits: Float32Array; // (S, V)
  private readonly runs: Int32Array; // (E + 1) start of each run of entries of one row, then E
  /** The entries of the next step: row, position and token id. (E) each */
  readonly rows: Int32Array;
  readonly pos: Int32Array;
  readonly ids: Int32Array;

  constructor(private readonly model: Gpt, private readonly gemm: Gemm, readonly kernels: Kernels, S: number, maxEntries: number,
    positions: number) {
    const cfg = model.config;
    const C = (this.C = cfg.dModel);
    this.H = cfg.nHead;
    this.D = C / cfg.nHead;
    const T = (this.T = positions);
    const E = Math.max(S, maxEntries);
    this.layers = model.blocks.map((_, l) => ({
      attn: stepWeight(gemm, model.effectiveWeight(l, 'attn.c_attn', gemm), 3 * C, C),
      attnProj: stepWeight(gemm, model.effectiveWeight(l, 'attn.c_proj', gemm), C, C),
      fc: stepWeight(gemm, model.effectiveWeight(l, 'mlp.c_fc', gemm), 4 * C, C),
      fcProj: stepWeight(gemm, model.effectiveWeight(l, 'mlp.c_proj', gemm), C, 4 * C),
    }));
    this.head = stepWeight(gemm, model.head.data, cfg.vocabSize, C);
    // Touched once here, page by page: left to the decode steps, the first store to each page of a fresh
    // allocation faulted one page at a time (gpt-4m, 64 rows: 0.45 → 0.13 ms per step for the stores).
    this.kCache = model.blocks.map(() => new Float32Array(S * C * T).fill(0)); // (S, H, T, D)
    this.vCache = model.blocks.map(() => new Float32Array(S * C * T).fill(0)); // (S, H, T, D)
    this.x = new Float32Array(E * C); // (E, C)
    this.h = new Float32Array(E * C); // (E, C)
    this.att = new Float32Array(E * C); // (E, C)
    this.qkv = new Float32Array(E * 3 * C); // (E, 3C)
    this.f = new Float32Array(E * 4 * C); // (E, 4C)
    this.scores = new Float32Array(this.H * Math.max(T, S) * T); // (H, max(T, S), T)
    this.last = new Float32Array(S * C); // (S, C)
    this.logits = new Float32Array(S * cfg.vocabSize); // (S, V)
    this.runs = new Int32Array(E + 1); // (E + 1)
    this.rows = new Int32Array(E); // (E)
    this.pos = new Int32Array(E); // (E)
    this.ids = new Int32Array(E); // (E)
  }

  /** Feeds the first E entries of rows/pos/ids, grouped in runs of one row with consecutive positions;
   *  returns the logits (runs, V) at the last entry of each run, in run order. */
  step(E: number): Float32Array {
    const { C, H, D, T, gemm, kernels, model, rows, pos, ids, runs } = this;
    const x = this.x;
    const wte = model.wte.data;
    const wpe = model.wpe.data;
    for (let e = 0; e < E; e++) {
      const a = ids[e]! * C;
      const p = pos[e]! * C;
      for (let c = 0; c < C; c++) x[e * C + c] = wte[a + c]! + wpe[p + c]!;
    }
    let nRuns = 0;
    for (let e = 0; e < E; e++) if (e === 0 || rows[e] !== rows[e - 1]) runs[nRuns++] = e;
    runs[nRuns] = E;
    const scale = 1 / Math.sqrt(D);
    for (let l = 0; l < model.blocks.length; l++) {
      const blk = model.blocks[l]!;
      const w = this.layers[l]!;
      kernels.layerNormForward(this.h, 0, null, null, x, 0, blk.ln1W.data, blk.ln1B.data, E, C);
      project(gemm, E, this.h, w.attn, 0, this.qkv);
      const kc = this.kCache[l]!;
      const vc = this.vCache[l]!;
      const qkv = this.qkv;
      if (kernels.storeKv) kernels.storeKv(qkv, E, H, D, T, rows, pos, kc, vc);
      else {
        for (let e = 0; e < E; e++) {
          for (let hd = 0; hd < H; hd++) {
            const dst = ((rows[e]! * H + hd) * T + pos[e]!) * D;
            const src = e * 3 * C + hd * D;
            for (let d = 0; d < D; d++) {
              kc[dst + d] = qkv[src + C + d]!;
              vc[dst + d] = qkv[src + 2 * C + d]!;
            }
          }
        }
      }
      for (let k = 0; k < nRuns;) {
        const e0 = runs[k]!;
        const n = runs[k + 1]! - e0;
        const p0 = pos[e0]!;
        const keys = p0 + n; // positions 0..p0+n-1 are visible to the run
        const base = rows[e0]! * H * T * D;
        if (n === 1 && kernels.decodeAttention) {
          // The addon's fused loop: every consecutive single-token run (whatever its row and position) and
          // every head in one call. The strided batches below are its reference (and the path of the
          // TypeScript kernels).
          let G = 1;
          while (k + G < nRuns && runs[k + G + 1]! - runs[k + G]! === 1) G++;
          kernels.decodeAttention(qkv, H, D, T, rows, pos, e0, e0 + G, kc, vc, this.att, scale);
          k += G;
          continue;
        }
        // Decode steps: consecutive single-token runs of consecutive rows at the same position share one
        // strided batch per head (their caches lie H·T·D apart), instead of two calls per row.
        let G = 1;
        if (n === 1) {
          while (k + G < nRuns && runs[k + G + 1]! - runs[k + G]! === 1 && rows[e0 + G] === rows[e0]! + G && pos[e0 + G] === p0) G++;
        }
        if (G > 1) {
          for (let hd = 0; hd < H; hd++) {
            const sc = hd * G * keys; // this head's (G, keys) block of scores
            gemm.sgemmStridedBatched(false, true, 1, keys, D, scale, qkv, e0 * 3 * C + hd * D, 3 * C, 3 * C,
              kc, base + hd * T * D, D, H * T * D, 0, this.scores, sc, keys, keys, G);
          }
          kernels.prefixSoftmax(this.scores, 0, H * G, keys, 1, p0); // every row at position p0
          for (let hd = 0; hd < H; hd++) {
            gemm.sgemmStridedBatched(false, false, 1, D, keys, 1, this.scores, hd * G * keys, keys, keys,
              vc, base + hd * T * D, D, H * T * D, 0, this.att, e0 * C + hd * D, C, C, G);
          }
          k += G;
          continue;
        }
        if (p0 === 0 && kernels.causalAttention) {
          // A prompt from its first token: the run's own keys and values are all it sees, so it is the
          // training attention of one sequence of n tokens, one fused call (its probabilities go to scratch).
          kernels.causalAttention(qkv.subarray(e0 * 3 * C, (e0 + n) * 3 * C), this.scores, this.att.subarray(e0 * C, (e0 + n) * C),
            1, n, H, D, scale);
          k++;
          continue;
        }
        const nk = n * keys;
        // Per head (batched): scores (n, keys) = Q (n, D) Kᵀ, Q read in place from qkv (row stride 3C).
        gemm.sgemmStridedBatched(false, true, n, keys, D, scale, qkv, e0 * 3 * C, 3 * C, D, kc, base, D, T * D,
          0, this.scores, 0, keys, nk, H);
        kernels.prefixSoftmax(this.scores, 0, H * n, keys, n, p0); // row i of each head at position p0 + i
        // out (n, D) = P V per head, written in place into att at column h·D (row stride C).
        gemm.sgemmStridedBatched(false, false, n, D, keys, 1, this.scores, 0, keys, nk, vc, base, D, T * D,
          0, this.att, e0 * C, C, D, H);
        k++;
      }
      project(gemm, E, this.att, w.attnProj, 1, x); // x += att Wᵀ
      kernels.layerNormForward(this.h, 0, null, null, x, 0, blk.ln2W.data, blk.ln2B.data, E, C);
      project(gemm, E, this.h, w.fc, 0, this.f);
      kernels.geluForward(this.f, null, this.f, E * 4 * C);
      project(gemm, E, this.f, w.fcProj, 1, x); // x += f Wᵀ
    }
    for (let k = 0; k < nRuns; k++) {
      const e = runs[k + 1]! - 1;
      kernels.layerNormForward(this.last, k * C, null, null, x, e * C, model.lnfW.data, model.lnfB.data, 1, C);
    }
    project(gemm, nRuns, this.last, this.head, 0, this.logits);
    return this.logits;
  }
}

function logSoftmaxAt(logits: Float32Array, off: number, V: number, tok: number): number {
  let m = -Infinity;
  for (let j = 0; j < V; j++) if (logits[off + j]! > m) m = logits[off + j]!;
  let z = 0;
  for (let j = 0; j < V; j++) z += fastExp(logits[off + j]! - m);
  return logits[off + tok]! - m - Math.log(z);
}

/** Chooses a token per row of logits: greedy, temperature sampling (every row in one kernel call), or
 *  temperature + nucleus sampling. */
export class TokenPicker {
  private readonly p: Float32Array; // (V) unnormalised probabilities
  private readonly idx: Int32Array; // (V) token ids, partitioned during nucleus selection
  private readonly max = new Float32Array(1); // (1) the row's largest logit
  private readonly sum = new Float64Array(1); // (1) z, the sum of p
  private readonly uniforms: Float64Array; // (rows) one draw per row and step

  /** kernels: those of the sampler's GEMM backend; rows: the most rows one call picks for. */
  constructor(private readonly V: number, private readonly kernels: Kernels = TYPESCRIPT_KERNELS, rows = 1) {
    this.p = new Float32Array(V); // (V)
    this.idx = new Int32Array(V); // (V)
    this.uniforms = new Float64Array(rows); // (rows)
  }

  /** tokens[k] ← the pick from row k of logits (n, V), k < n; row k draws from rngs[rowOf[k]]. */
  pickRows(logits: Float32Array, n: number, temperature: number, topP: number, rngs: readonly Rng[],
    rowOf: Int32Array, tokens: Int32Array): void {
    if (temperature > 0 && topP >= 1) {
      for (let k = 0; k < n; k++) this.uniforms[k] = rngs[rowOf[k]!]!.uniform();
      this.kernels.sampleRows(logits, n, this.V, 1 / temperature, this.uniforms, tokens);
      return;
    }
    for (let k = 0; k < n; k++) tokens[k] = this.pick(logits, k * this.V, temperature, topP, rngs[rowOf[k]!]!);
  }

  /** Greedy (lowest id on ties) or nucleus sampling from the row at logits[off ..]. */
  private pick(logits: Float32Array, off: number, temperature: number, topP: number, rng: Rng): number {
    const V = this.V;
    if (temperature === 0) {
      let best = 0;
      for (let j = 1; j < V; j++) if (logits[off + j]! > logits[off + best]!) best = j;
      return best;
    }
    const p = this.p;
    const idx = this.idx;
    p.set(logits.subarray(off, off + V));
    this.kernels.expRows(p, this.max, this.sum, 1, V, 1 / temperature); // p = exp((logit − max) / T)
    for (let j = 0; j < V; j++) idx[j] = j;
    const [n, mass] = nucleus(p, idx, V, topP * this.sum[0]!);
    let u = rng.uniform() * mass;
    for (let k = 0; k < n; k++) {
      u -= p[k]!;
      if (u < 0) return idx[k]!;
    }
    return idx[n - 1]!; // rounding left u ≥ 0: the last candidate
  }
}

/** Moves the smallest set of most probable tokens whose mass reaches `target` to the front of p / idx
 *  (quickselect by mass, expected O(V)); returns its size and mass. Ties at the boundary are all kept. */
function nucleus(p: Float32Array, idx: Int32Array, V: number, target: number): [number, number] {
  let lo = 0; // [0, lo) is kept
  let hi = V; // [lo, hi) is undecided
  let kept = 0;
  const swap = (i: number, j: number): void => {
    const a = p[i]!; p[i] = p[j]!; p[j] = a;
    const b = idx[i]!; idx[i] = idx[j]!; idx[j] = b;
  };
  while (lo < hi && kept < target) {
    const pivot = p[(lo + hi) >> 1]!;
    let j = lo;
    let high = 0;
    for (let i = lo; i < hi; i++) if (p[i]! > pivot) { high += p[i]!; swap(i, j++); }
    if (kept + high >= target) {
      hi = j; // the nucleus ends inside the larger values
      continue;
    }
    kept += high;
    let k = j;
    for (let i = j; i < hi; i++) if (p[i] === pivot) { kept += p[i]!; swap(i, k++); }
    lo = k;
  }
  return [Math.max(lo, 1), kept > 0 ? kept : p[0]!];
}

export interface ScoreItem {
  prompt: readonly number[]; // context tokens (at least 1)
  continuation: readonly number[]; // tokens whose log-probability is wanted (at least 1)
}

export interface ScoreResult {
  tokenLogprobs: number[]; // log p(continuation[k] | prompt, continuation[..k]), natural log
  logprob: number; // their sum
}

/** Teacher-forced log-probabilities of each continuation after its prompt (batched, no sampling). */
export function score(model: Gpt, items: readonly ScoreItem[], gemm: Gemm = getGemm(), batchSize = 16): ScoreResult[] {
  const tape = new Tape(gemm);
  tape.recording = false;
  const out: ScoreResult[] = [];
  items.forEach((it, i) => {
    if (it.prompt.length < 1 || it.continuation.length < 1) {
      throw new DataError('prompt and continuation need at least one token each', `items[${i}]`);
    }
    const n = it.prompt.length + it.continuation.length;
    if (n > model.config.contextLength + 1) {
      throw new DataError(`prompt + continuation is ${n} tokens; at most ${model.config.contextLength + 1} (context length + 1) can be scored`, `items[${i}]`);
    }
  });
  for (let b0 = 0; b0 < items.length; b0 += batchSize) {
    const chunk = items.slice(b0, b0 + batchSize);
    const seqs = chunk.map((it) => ({
      tokens: [...it.prompt, ...it.continuation],
      weights: [...it.prompt.map(() => 0), ...it.continuation.map(() => 1)],
    }));
    const packed = packBatch(seqs, model.config.contextLength);
    tape.reset();
    const { nll } = model.forward(tape, packed);
    chunk.forEach((it, b) => {
      const lp: number[] = [];
      for (let k = 0; k < it.continuation.length; k++) lp.push(-nll[b * packed.T + it.prompt.length - 1 + k]!);
      out.push({ tokenLogprobs: lp, logprob: lp.reduce((s, v) => s + v, 0) });
    });
  }
  return out;
}
