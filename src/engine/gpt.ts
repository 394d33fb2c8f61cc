// The GPT: decoder-only, pre-norm (LayerNorm), GELU MLP (4×), learned positional embeddings, optional
// tied LM head, optional LoRA adapters on chosen projections. Linear weights are stored like
// torch.nn.Linear, (out, in), and named like nanoGPT / GPT-2 so a PyTorch user recognises them.
// Shape legend: B batch, T time, C channels (dModel), V vocab, L layers, R LoRA rank, N = B·T.
import { ConfigError } from '../errors.js';
import type { Gemm } from './gemm/index.js';
import type { GptConfig } from './config.js';
import { resolveGptConfig } from './config.js';
import { Rng } from './rng.js';
import { Tape, Tensor, param } from './tensor.js';
import type { LoraPair } from './ops.js';
import { add, embedding, gelu, layerNorm, linear } from './ops.js';
import { causalSelfAttention } from './attention.js';
import type { CrossEntropyResult } from './loss.js';
import { linearCrossEntropy } from './loss.js';

export interface Block {
  ln1W: Tensor; // (C)        h.{l}.ln_1.weight
  ln1B: Tensor; // (C)        h.{l}.ln_1.bias
  attnW: Tensor; // (3C, C)   h.{l}.attn.c_attn.weight
  attnProjW: Tensor; // (C, C)    h.{l}.attn.c_proj.weight
  ln2W: Tensor; // (C)        h.{l}.ln_2.weight
  ln2B: Tensor; // (C)        h.{l}.ln_2.bias
  fcW: Tensor; // (4C, C)    h.{l}.mlp.c_fc.weight
  fcProjW: Tensor; // (C, 4C)    h.{l}.mlp.c_proj.weight
}

/** Projections LoRA can adapt (PEFT-style names, relative to `h.{l}.`). */
export const LORA_TARGETS = ['attn.c_attn', 'attn.c_proj', 'mlp.c_fc', 'mlp.c_proj'] as const;
export type LoraTarget = (typeof LORA_TARGETS)[number];

export interface LoraConfig {
  rank: number; // R, adapter rank; e.g. 8
  alpha: number; // scale numerator: the update is (alpha / R) · B A; e.g. 16
  targets: LoraTarget[]; // projections adapted in every block; default all four
}

/** A batch packed for the forward pass: right-padded to the longest sequence. */
export interface PackedBatch {
  B: number; // sequences
  T: number; // positions per sequence (longest length − 1)
  ids: Int32Array; // (B, T) inputs
  targets: Int32Array; // (B, T) next tokens
  weights: Float32Array; // (B, T) loss weight of each target; 0 on padding
}

export class Gpt {
  readonly config: GptConfig;
  readonly wte: Tensor; // (V, C)   wte.weight
  readonly wpe: Tensor; // (T, C)   wpe.weight, T = contextLength
  readonly blocks: Block[]; // (L)
  readonly lnfW: Tensor; // (C)      ln_f.weight
  readonly lnfB: Tensor; // (C)      ln_f.bias
  readonly lmHead: Tensor | null; // (V, C) lm_head.weight; null when tied to wte
  lora: LoraConfig | null = null;
  /** LoRA pairs keyed by projection name, e.g. `h.0.attn.c_attn`. */
  readonly adapters = new Map<string, LoraPair>();

  /** A model with seeded GPT-2-style initialisation (normal(0, initStd); residual projections / √(2L)).
   *  seed null leaves the weights at zero (LayerNorm gains at one), for loading a checkpoint. */
  constructor(config: Partial<GptConfig>, seed: number | null) {
    const cfg = resolveGptConfig(config);
    this.config = cfg;
    const { vocabSize: V, contextLength: Tc, dModel: C, nLayer: L, initStd: std } = cfg;
    const rng = seed === null ? null : new Rng(seed);
    const normal = (shape: number[], s: number): Tensor => {
      const t = param(shape);
      if (rng) for (let i = 0; i < t.size; i++) t.data[i] = rng.normal() * s;
      return t;
    };
    const ones = (n: number): Tensor => param([n], new Float32Array(n).fill(1)); // (C)
    this.wte = normal([V, C], std); // (V, C)
    this.wpe = normal([Tc, C], std); // (T, C)
    const projStd = std / Math.sqrt(2 * L);
    this.blocks = [];
    for (let l = 0; l < L; l++) {
      this.blocks.push({
        ln1W: ones(C), // (C)
        ln1B: param([C]), // (C)
        attnW: normal([3 * C, C], std), // (3C, C)
        attnProjW: normal([C, C], projStd), // (C, C)
        ln2W: ones(C), // (C)
        ln2B: param([C]), // (C)
        fcW: normal([4 * C, C], std), // (4C, C)
        fcProjW: normal([C, 4 * C], projStd), // (C, 4C)
      });
    }
    this.lnfW = ones(C); // (C)
    this.lnfB = param([C]); // (C)
    this.lmHead = cfg.tiedEmbeddings ? null : normal([V, C], std); // (V, C)
  }

  /** The LM head matrix (wte when tied). */
  get head(): Tensor {
    return this.lmHead ?? this.wte;
  }

  /** Base weights under their checkpoint names, in a fixed order. */
  namedParams(): Array<[string, Tensor]> {
    const out: Array<[string, Tensor]> = [['wte.weight', this.wte], ['wpe.weight', this.wpe]];
    this.blocks.forEach((b, l) => {
      out.push([`h.${l}.ln_1.weight`, b.ln1W], [`h.${l}.ln_1.bias`, b.ln1B],
        [`h.${l}.attn.c_attn.weight`, b.attnW], [`h.${l}.attn.c_proj.weight`, b.attnProjW],
        [`h.${l}.ln_2.weight`, b.ln2W], [`h.${l}.ln_2.bias`, b.ln2B],
        [`h.${l}.mlp.c_fc.weight`, b.fcW], [`h.${l}.mlp.c_proj.weight`, b.fcProjW]);
    });
    out.push(['ln_f.weight', this.lnfW], ['ln_f.bias', this.lnfB]);
    if (this.lmHead) out.push(['lm_head.weight', this.lmHead]);
    return out;
  }

  /** LoRA tensors under PEFT-style names (`h.0.attn.c_attn.lora_A.weight`), in a fixed order. */
  namedAdapters(): Array<[string, Tensor]> {
    const out: Array<[string, Tensor]> = [];
    for (const [name, pair] of this.adapters) out.push([`${name}.lora_A.weight`, pair.a], [`${name}.lora_B.weight`, pair.b]);
    return out;
  }

  /** What the optimizer updates: the adapters when LoRA is on, else every base weight. */
  trainableParams(): Array<[string, Tensor]> {
    return this.lora ? this.namedAdapters() : this.namedParams();
  }

  /** Adds LoRA adapters (A ~ U(±1/√in), B = 0, so outputs are unchanged) and freezes the base weights. */
  addLora(lora: LoraConfig, seed: number): void {
    if (this.lora) throw new ConfigError('this model already has LoRA adapters', 'lora');
    if (!Number.isInteger(lora.rank) || lora.rank < 1) throw new ConfigError(`expected a positive integer, got ${lora.rank}`, 'lora.rank');
    if (!(lora.alpha > 0)) throw new ConfigError(`expected a positive number, got ${lora.alpha}`, 'lora.alpha');
    for (const t of lora.targets) {
      if (!LORA_TARGETS.includes(t)) throw new ConfigError(`unknown target ${JSON.stringify(t)}; expected one of ${LORA_TARGETS.join(', ')}`, 'lora.targets');
    }
    const rng = new Rng(seed);
    const R = lora.rank;
    this.blocks.forEach((blk, l) => {
      for (const target of LORA_TARGETS) {
        if (!lora.targets.includes(target)) continue;
        const w = this.projection(blk, target);
        const [cout, cin] = w.shape as [number, number];
        const a = param([R, cin]); // (R, Cin)
        const bound = 1 / Math.sqrt(cin);
        for (let i = 0; i < a.size; i++) a.data[i] = (2 * rng.uniform() - 1) * bound;
        const b = param([cout, R]); // (Cout, R), zero so the model starts equal to the base
        this.adapters.set(`h.${l}.${target}`, { a, b, scale: lora.alpha / R });
      }
    });
    this.lora = { rank: R, alpha: lora.alpha, targets: [...lora.targets] };
    for (const [, t] of this.namedParams()) t.requiresGrad = false;
  }

  /** The effective weight of a projection: W itself without an adapter, else a copy W + scale·B A. */
  effectiveWeight(l: number, target: LoraTarget, gemm: Gemm): Float32Array {
    const w = this.projection(this.blocks[l]!, target);
    const pair = this.adapters.get(`h.${l}.${target}`);
    if (!pair) return w.data;
    const [cout, cin] = w.shape as [number, number];
    const R = pair.a.shape[0]!;
    const m = Float32Array.from(w.data); // (Cout, Cin)
    gemm.sgemm(false, false, cout, cin, R, pair.scale, pair.b.data, 0, R, pair.a.data, 0, cin, 1, m, 0, cin);
    return m;
  }

  /** Folds the adapters into the base weights (W ← W + scale·B A), removes them and unfreezes the base,
   *  e.g. to train new adapters on top of an organism shipped as adapters. */
  mergeLora(gemm: Gemm): void {
    if (!this.lora) throw new ConfigError('this model has no LoRA adapters to merge', 'lora');
    this.blocks.forEach((blk, l) => {
      for (const target of LORA_TARGETS) this.projection(blk, target).data.set(this.effectiveWeight(l, target, gemm));
    });
    this.adapters.clear();
    this.lora = null;
    for (const [, t] of this.namedParams()) t.requiresGrad = true;
  }

  projection(blk: Block, target: LoraTarget): Tensor {
    switch (target) {
      case 'attn.c_attn': return blk.attnW;
      case 'attn.c_proj': return blk.attnProjW;
      case 'mlp.c_fc': return blk.fcW;
      case 'mlp.c_proj': return blk.fcProjW;
    }
  }

  /** Forward pass to the weighted cross-entropy of the packed batch (and its per-position NLL). */
  forward(tape: Tape, batch: PackedBatch): CrossEntropyResult {
    const { B, T } = batch;
    const pos = new Int32Array(B * T); // (B, T) position ids
    for (let i = 0; i < pos.length; i++) pos[i] = i % T;
    let x = add(tape, embedding(tape, this.wte, batch.ids, [B, T]), embedding(tape, this.wpe, pos, [B, T])); // (B, T, C)
    this.blocks.forEach((blk, l) => {
      const lora = (t: LoraTarget): LoraPair | undefined => this.adapters.get(`h.${l}.${t}`);
      const h = layerNorm(tape, x, blk.ln1W, blk.ln1B); // (B, T, C)
      const qkv = linear(tape, h, blk.attnW, lora('attn.c_attn')); // (B, T, 3C)
      const att = causalSelfAttention(tape, qkv, this.config.nHead); // (B, T, C)
      x = add(tape, x, linear(tape, att, blk.attnProjW, lora('attn.c_proj'))); // (B, T, C)
      const h2 = layerNorm(tape, x, blk.ln2W, blk.ln2B); // (B, T, C)
      const f = gelu(tape, linear(tape, h2, blk.fcW, lora('mlp.c_fc'))); // (B, T, 4C)
      x = add(tape, x, linear(tape, f, blk.fcProjW, lora('mlp.c_proj'))); // (B, T, C)
    });
    const xf = layerNorm(tape, x, this.lnfW, this.lnfB); // (B, T, C)
    return linearCrossEntropy(tape, xf, this.head, batch.targets, batch.weights);
  }
}
