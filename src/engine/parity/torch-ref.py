# Dumps the PyTorch reference for the engine's parity test (src/engine/parity.test.ts): the same GPT as
# src/engine/gpt.ts (pre-LN, GELU tanh, no linear biases, learned positions, tied or untied head), with
# the weighted next-token cross-entropy, on a tiny config. Writes one safetensors file with the weights
# under bctlab's names, the batch, the loss, per-position NLL and every weight's gradient (grad.<name>).
# Run with Debian's torch: /usr/bin/python3 src/engine/parity/torch-ref.py src/engine/parity/tiny-ref.safetensors
import json, math, struct, sys
import torch
import torch.nn.functional as F

torch.manual_seed(0)
V, T, C, L, H = 32, 16, 16, 2, 2
B, S = 3, 9  # sequences, tokens per sequence (predictions per sequence: S - 1)
D = C // H

def p(*shape, std=0.2):
    return (torch.randn(*shape) * std).requires_grad_()

W = {'wte.weight': p(V, C), 'wpe.weight': p(T, C)}
for l in range(L):
    W[f'h.{l}.ln_1.weight'] = (1 + torch.randn(C) * 0.1).requires_grad_()
    W[f'h.{l}.ln_1.bias'] = p(C, std=0.1)
    W[f'h.{l}.attn.c_attn.weight'] = p(3 * C, C)
    W[f'h.{l}.attn.c_proj.weight'] = p(C, C)
    W[f'h.{l}.ln_2.weight'] = (1 + torch.randn(C) * 0.1).requires_grad_()
    W[f'h.{l}.ln_2.bias'] = p(C, std=0.1)
    W[f'h.{l}.mlp.c_fc.weight'] = p(4 * C, C)
    W[f'h.{l}.mlp.c_proj.weight'] = p(C, 4 * C)
W['ln_f.weight'] = (1 + torch.randn(C) * 0.1).requires_grad_()
W['ln_f.bias'] = p(C, std=0.1)

tokens = torch.randint(0, V, (B, S))
weights = (torch.rand(B, S) < 0.7).float() * torch.rand(B, S) * 2  # some zero, some fractional
weights[:, 0] = 0
x_ids, y_ids, w = tokens[:, :-1], tokens[:, 1:], weights[:, 1:]
Tn = S - 1

x = W['wte.weight'][x_ids] + W['wpe.weight'][:Tn]
for l in range(L):
    h = F.layer_norm(x, (C,), W[f'h.{l}.ln_1.weight'], W[f'h.{l}.ln_1.bias'], eps=1e-5)
    q, k, v = (h @ W[f'h.{l}.attn.c_attn.weight'].T).view(B, Tn, 3, H, D).permute(2, 0, 3, 1, 4)
    att = (q @ k.transpose(-1, -2)) / math.sqrt(D)
    att = att.masked_fill(torch.triu(torch.ones(Tn, Tn, dtype=torch.bool), 1), float('-inf')).softmax(-1)
    y = (att @ v).transpose(1, 2).reshape(B, Tn, C)
    x = x + y @ W[f'h.{l}.attn.c_proj.weight'].T
    h2 = F.layer_norm(x, (C,), W[f'h.{l}.ln_2.weight'], W[f'h.{l}.ln_2.bias'], eps=1e-5)
    x = x + F.gelu(h2 @ W[f'h.{l}.mlp.c_fc.weight'].T, approximate='tanh') @ W[f'h.{l}.mlp.c_proj.weight'].T
xf = F.layer_norm(x, (C,), W['ln_f.weight'], W['ln_f.bias'], eps=1e-5)
logits = xf @ W['wte.weight'].T
nll = F.cross_entropy(logits.reshape(-1, V), y_ids.reshape(-1), reduction='none').view(B, Tn)
loss = (nll * w).sum() / w.sum()
loss.backward()

out = {name: t.detach() for name, t in W.items()}
out.update({f'grad.{name}': t.grad for name, t in W.items()})
out['batch.tokens'] = tokens.float()
out['batch.weights'] = weights
out['out.nll'] = (nll * (w > 0)).detach()
out['out.loss'] = loss.detach().reshape(1)

# safetensors: u64 header length, JSON header, little-endian F32 data
header, blobs, off = {}, [], 0
for name in sorted(out):
    data = out[name].contiguous().float().numpy().astype('<f4').tobytes()
    header[name] = {'dtype': 'F32', 'shape': list(out[name].shape), 'data_offsets': [off, off + len(data)]}
    blobs.append(data)
    off += len(data)
header['__metadata__'] = {'config': json.dumps({'vocabSize': V, 'contextLength': T, 'dModel': C, 'nLayer': L, 'nHead': H}),
                          'torch': torch.__version__}
hb = json.dumps(header).encode()
hb += b' ' * (-len(hb) % 8)
with open(sys.argv[1], 'wb') as f:
    f.write(struct.pack('<Q', len(hb)) + hb + b''.join(blobs))
print(f'wrote {sys.argv[1]}: loss {loss.item():.6f}, {len(out)} tensors')
