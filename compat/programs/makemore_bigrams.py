"""A bigram character model of names: counted, sampled, scored by its negative log-likelihood, then learned again as a one-layer network by gradient descent.

After Andrej Karpathy's "makemore part 1: bigrams" (karpathy/nn-zero-to-hero,
lectures/makemore/makemore_part1_bigrams.ipynb, MIT), written anew and shrunk: synthetic
names (_names.py) instead of names.txt, 50 gradient steps instead of 100.
"""
import argparse

import torch
import torch.nn.functional as F

from _names import WORDS

parser = argparse.ArgumentParser()
parser.add_argument("--seed", type=int, default=2147483647)
args = parser.parse_args()

words = WORDS
print(len(words), min(len(w) for w in words), max(len(w) for w in words))
chars = sorted(list(set("".join(words))))
stoi = {s: i + 1 for i, s in enumerate(chars)}
stoi["."] = 0
itos = {i: s for s, i in stoi.items()}
V = len(stoi)

N = torch.zeros((V, V), dtype=torch.int32)
for w in words:
    chs = ["."] + list(w) + ["."]
    for ch1, ch2 in zip(chs, chs[1:]):
        N[stoi[ch1], stoi[ch2]] += 1
print(N.sum().item(), N[0].max().item())

P = (N + 1).float()
P /= P.sum(1, keepdims=True)
print(P[0].sum().item())

g = torch.Generator().manual_seed(args.seed)
for i in range(5):
    out = []
    ix = 0
    while True:
        p = P[ix]
        ix = torch.multinomial(p, num_samples=1, replacement=True, generator=g).item()
        out.append(itos[ix])
        if ix == 0:
            break
    print("".join(out))

log_likelihood = 0.0
n = 0
for w in words:
    chs = ["."] + list(w) + ["."]
    for ch1, ch2 in zip(chs, chs[1:]):
        logprob = torch.log(P[stoi[ch1], stoi[ch2]])
        log_likelihood += logprob
        n += 1
print(f"{log_likelihood=}")
nll = -log_likelihood
print(f"{nll=}")
print(f"{nll/n}")

xs, ys = [], []
for w in words:
    chs = ["."] + list(w) + ["."]
    for ch1, ch2 in zip(chs, chs[1:]):
        xs.append(stoi[ch1])
        ys.append(stoi[ch2])
xs = torch.tensor(xs)
ys = torch.tensor(ys)
num = xs.nelement()
print("number of examples: ", num)

W = torch.randn((V, V), generator=g, requires_grad=True)
for k in range(50):
    xenc = F.one_hot(xs, num_classes=V).float()
    logits = xenc @ W
    counts = logits.exp()
    probs = counts / counts.sum(1, keepdims=True)
    loss = -probs[torch.arange(num), ys].log().mean() + 0.01 * (W ** 2).mean()
    if k % 10 == 9:
        print(k, loss.item())
    W.grad = None
    loss.backward()
    W.data += -50 * W.grad
