# Dumps the PyTorch references for the engine's parity test (src/engine/parity.test.ts): the same GPT as
# src/engine/gpt.ts (pre-LN, GELU tanh, no linear biases, learned positions, tied head), with the weighted
# next-token cross-entropy, on a tiny config. Writes two safetensors files into the folder given:
#   tiny-ref.safetensors   weights of moderate size (pre-GELU values within |x| ≈ 3)
#   large-ref.safetensors  c_fc weights scaled so that most pre-GELU values lie beyond the engine's tanh
#                          clamp (|x| > 4.84) and the largest reach |x| ≥ 30, plus one AdamW step
# Each holds the weights under bctlab's names, the batch, the loss, the per-position NLL, the log-softmax
# over the whole vocabulary at every position, and every weight's gradient (grad.<name>). The weights and
# batch are drawn in float32 (what the engine holds); everything after is computed in float64 from them
# and rounded to float32 once when written, so each reference value is within half a float32 ulp of the
# exact result and the test measures the engine's own error.
# Run with Debian's torch: /usr/bin/python3 src/engine/parity/torch-ref.py src/engine/parity
import json, math, os, struct, sys
import torch
import torch.nn.functional as F

V, T, C, L, H = 32, 16, 16, 2, 2
B, S = 3, 9  # sequences, tokens per sequence (predictions per sequence: S - 1)
D = C // H
CONFIG = {'vocabSize': V, 'contextLength': T, 'dModel': C, 'nLayer': L, 'nHead': H}
# The research's optimizer (Tinker's AdamParams defaults; `optimizer: research` in a sweep) at a typical LR.
LR, BETAS, EPS, WEIGHT_DECAY = 1e-3, (0.9, 0.95), 1e-12, 0.0


def draw_weights(fc_std):
    """float32 weights under bctlab's names; fc_std scales mlp.c_fc (the GELU's input)."""
    def p(*shape, std=0.2):
        return torch.randn(*shape) * std
    W = {'wte.weight': p(V, C), 'wpe.weight': p(T, C)}
    for l in range(L):
        W[f'h.{l}.ln_1.weight'] = 1 + torch.randn(C) * 0.1
        W[f'h.{l}.ln_1.bias'] = p(C, std=0.1)
        W[f'h.{l}.attn.c_attn.weight'] = p(3 * C, C)
        W[f'h.{l}.attn.c_proj.weight'] = p(C, C)
        W[f'h.{l}.ln_2.weight'] = 1 + torch.randn(C) * 0.1
        W[f'h.{l}.ln_2.bias'] = p(C, std=0.1)
        W[f'h.{l}.mlp.c_fc.weight'] = p(4 * C, C, std=fc_std)
        W[f'h.{l}.mlp.c_proj.weight'] = p(C, 4 * C)
    W['ln_f.weight'] = 1 + torch.randn(C) * 0.1
    W['ln_f.bias'] = p(C, std=0.1)
    return W


def draw_batch():
    """float32 tokens (B, S) and loss weights (B, S): some zero, some fractional, none on position 0."""
    tokens = torch.randint(0, V, (B, S))
    weights = (torch.rand(B, S) < 0.7).float() * torch.rand(B, S) * 2
    weights[:, 0] = 0
    return tokens, weights


def forward(W, tokens, weights):
    """float64 forward: log-softmax (B, S-1, V), NLL (B, S-1), weighted mean loss, max |pre-GELU|."""
    x_ids, y_ids, w = tokens[:, :-1], tokens[:, 1:], weights[:, 1:].double()
    Tn = S - 1
    x = W['wte.weight'][x_ids] + W['wpe.weight'][:Tn]
    pre_gelu_max = 0.0
    for l in range(L):
        h = F.layer_norm(x, (C,), W[f'h.{l}.ln_1.weight'], W[f'h.{l}.ln_1.bias'], eps=1e-5)
        q, k, v = (h @ W[f'h.{l}.attn.c_attn.weight'].T).view(B, Tn, 3, H, D).permute(2, 0, 3, 1, 4)
        att = (q @ k.transpose(-1, -2)) / math.sqrt(D)
        att = att.masked_fill(torch.triu(torch.ones(Tn, Tn, dtype=torch.bool), 1), float('-inf')).softmax(-1)
        y = (att @ v).transpose(1, 2).reshape(B, Tn, C)
        x = x + y @ W[f'h.{l}.attn.c_proj.weight'].T
        h2 = F.layer_norm(x, (C,), W[f'h.{l}.ln_2.weight'], W[f'h.{l}.ln_2.bias'], eps=1e-5)
        u = h2 @ W[f'h.{l}.mlp.c_fc.weight'].T  # (B, Tn, 4C)
        pre_gelu_max = max(pre_gelu_max, u.detach().abs().max().item())
        x = x + F.gelu(u, approximate='tanh') @ W[f'h.{l}.mlp.c_proj.weight'].T
    xf = F.layer_norm(x, (C,), W['ln_f.weight'], W['ln_f.bias'], eps=1e-5)
    logprobs = (xf @ W['wte.weight'].T).log_softmax(-1)  # (B, Tn, V)
    nll = -logprobs.gather(-1, y_ids.unsqueeze(-1)).squeeze(-1)  # (B, Tn)
    loss = (nll * w).sum() / w.sum()
    return logprobs, nll * (w > 0), loss, pre_gelu_max


def gradients(W32, tokens, weights):
    """float64 leaves made from the float32 weights, and the forward's outputs after backward."""
    W = {name: t.double().requires_grad_() for name, t in W32.items()}
    logprobs, nll, loss, pre_gelu_max = forward(W, tokens, weights)
    loss.backward()
    return W, logprobs, nll, loss, pre_gelu_max


def adamw_step(W32, grads32, state, clip):
    """Parameters after one torch.optim.AdamW step from `state` (exp_avg, exp_avg_sq, step) on the float32
    gradients, after torch.nn.utils.clip_grad_norm_(clip) unless clip is None; and the gradient norm."""
    params = {name: t.double().requires_grad_() for name, t in W32.items()}
    for name, p in params.items():
        p.grad = grads32[name].double()
    opt = torch.optim.AdamW(list(params.values()), lr=LR, betas=BETAS, eps=EPS, weight_decay=WEIGHT_DECAY)
    for name, p in params.items():
        m, v, step = state[name]
        opt.state[p] = {'step': torch.tensor(float(step)), 'exp_avg': m.double(), 'exp_avg_sq': v.double()}
    norm = torch.linalg.vector_norm(torch.cat([g.reshape(-1) for g in grads32.values()]).double()).item()
    if clip is not None:
        # clip_grad_norm_ scales by min(1, clip / (norm + 1e-6)); the engine scales by clip / (norm + 1e-6)
        # only when norm > clip. They differ only for norm in (clip - 1e-6, clip], kept far away here.
        assert norm > 2 * clip, f'clip {clip} would not engage clearly at gradient norm {norm}'
        torch.nn.utils.clip_grad_norm_(list(params.values()), clip)
    opt.step()
    return {name: p.detach() for name, p in params.items()}, norm


def write_safetensors(path, out, metadata):
    """u64 header length, JSON header, little-endian F32 data in name order (what safetensors.ts reads)."""
    header, blobs, off = {}, [], 0
    for name in sorted(out):
        data = out[name].detach().contiguous().float().numpy().astype('<f4').tobytes()
        header[name] = {'dtype': 'F32', 'shape': list(out[name].shape), 'data_offsets': [off, off + len(data)]}
        blobs.append(data)
        off += len(data)
    header['__metadata__'] = {'config': json.dumps(CONFIG), 'torch': torch.__version__, **metadata}
    hb = json.dumps(header).encode()
    hb += b' ' * (-len(hb) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(hb)) + hb + b''.join(blobs))


def reference(path, seed, fc_std, with_adamw):
    """Draws a model (c_fc std fc_std) and a batch from `seed` and writes their reference to `path`."""
    torch.manual_seed(seed)
    W32 = draw_weights(fc_std)
    tokens, weights = draw_batch()
    W, logprobs, nll, loss, pre_gelu_max = gradients(W32, tokens, weights)
    out = dict(W32)
    out.update({f'grad.{name}': t.grad for name, t in W.items()})
    out.update({'batch.tokens': tokens.float(), 'batch.weights': weights,
                'out.logprobs': logprobs, 'out.nll': nll, 'out.loss': loss.reshape(1)})
    # Scalars go into the metadata as decimal strings, at float64 precision.
    metadata = {'pre_gelu_max_abs': repr(pre_gelu_max)}
    if with_adamw:
        # A resumed optimizer (step 1 → 2): from a fresh state Adam's first update is lr·g/(|g| + eps), i.e.
        # lr·sign(g) whatever g's scale, so clipping could not show. The state is what AdamW's first step
        # leaves after the gradient g0 of a second batch at the same weights: m = (1-β1)·g0, v = (1-β2)·g0².
        tokens0, weights0 = draw_batch()
        W0, *_ = gradients(W32, tokens0, weights0)
        state = {name: ((1 - BETAS[0]) * t.grad, (1 - BETAS[1]) * t.grad ** 2, 1) for name, t in W0.items()}
        # Both sides step on the same float32 gradients (the dumped ones): Adam divides each entry by its
        # own root mean square, so the engine's own gradient error (≈1e-6 of the largest entry) would be
        # amplified without bound on the entries that nearly cancel; the gradients are compared on their own.
        state32 = {name: (m.float(), v.float(), step) for name, (m, v, step) in state.items()}
        grads32 = {name: t.grad.float() for name, t in W.items()}
        after_free, norm = adamw_step(W32, grads32, state32, None)
        clip = 0.25 * norm
        after_clip, _ = adamw_step(W32, grads32, state32, clip)
        for name, (m, v, _) in state32.items():
            out[f'adam.{name}.exp_avg'] = m
            out[f'adam.{name}.exp_avg_sq'] = v
            out[f'noclip.{name}'] = after_free[name]
            out[f'clip.{name}'] = after_clip[name]
        metadata['adamw'] = json.dumps({'lr': LR, 'betas': BETAS, 'eps': EPS, 'weightDecay': WEIGHT_DECAY,
                                        'step': 1, 'gradNorm': norm, 'clip': clip})
    write_safetensors(path, out, metadata)
    print(f'wrote {path}: loss {loss.item():.6f}, max |pre-GELU| {pre_gelu_max:.3f}, {len(out)} tensors, '
          f'{os.path.getsize(path)} bytes' + (f', gradient norm {norm:.4f}, clip {clip:.4f}' if with_adamw else ''))


reference(os.path.join(sys.argv[1], 'tiny-ref.safetensors'), seed=0, fc_std=0.2, with_adamw=False)
reference(os.path.join(sys.argv[1], 'large-ref.safetensors'), seed=1, fc_std=2.5, with_adamw=True)
