"""A character-level MLP language model (Bengio et al. 2003): embeddings C, a tanh hidden layer, cross-entropy, minibatch SGD with a step decay, then samples.

After Andrej Karpathy's "makemore part 2: MLP" (karpathy/nn-zero-to-hero,
lectures/makemore/makemore_part2_mlp.ipynb, MIT), written anew and shrunk: synthetic names
(_names.py), a 50-unit hidden layer, 1,000 steps instead of 200,000.
"""
import argparse
import random

import torch
import torch.nn.functional as F

from _names import WORDS

parser = argparse.ArgumentParser()
parser.add_argument("--seed", type=int, default=2147483647)
args = parser.parse_args()

words = list(WORDS)
chars = sorted(list(set("".join(words))))
stoi = {s: i + 1 for i, s in enumerate(chars)}
stoi["."] = 0
itos = {i: s for s, i in stoi.items()}
V = len(stoi)
block_size = 3


def build_dataset(words):
    X, Y = [], []
    for w in words:
        context = [0] * block_size
        for ch in w + ".":
            ix = stoi[ch]
            X.append(context)
            Y.append(ix)
            context = context[1:] + [ix]
    X = torch.tensor(X)
    Y = torch.tensor(Y)
    print(X.shape, Y.shape)
    return X, Y


random.seed(42)
random.shuffle(words)
n1 = int(0.8 * len(words))
n2 = int(0.9 * len(words))
Xtr, Ytr = build_dataset(words[:n1])
Xdev, Ydev = build_dataset(words[n1:n2])
Xte, Yte = build_dataset(words[n2:])

g = torch.Generator().manual_seed(args.seed)
C = torch.randn((V, 10), generator=g)
W1 = torch.randn((30, 50), generator=g) * 0.2
b1 = torch.randn(50, generator=g) * 0.01
W2 = torch.randn((50, V), generator=g) * 0.1
b2 = torch.randn(V, generator=g) * 0
parameters = [C, W1, b1, W2, b2]
print(sum(p.nelement() for p in parameters))
for p in parameters:
    p.requires_grad = True

lossi = []
for i in range(1000):
    ix = torch.randint(0, Xtr.shape[0], (32,), generator=g)
    emb = C[Xtr[ix]]                                  # (32, 3, 10)
    h = torch.tanh(emb.view(-1, 30) @ W1 + b1)        # (32, 50)
    logits = h @ W2 + b2                              # (32, V)
    loss = F.cross_entropy(logits, Ytr[ix])
    for p in parameters:
        p.grad = None
    loss.backward()
    lr = 0.1 if i < 500 else 0.01
    for p in parameters:
        p.data += -lr * p.grad
    lossi.append(loss.log10().item())
print(sum(lossi[-100:]) / 100)

for name, (X, Y) in {"train": (Xtr, Ytr), "dev": (Xdev, Ydev), "test": (Xte, Yte)}.items():
    emb = C[X]
    h = torch.tanh(emb.view(-1, 30) @ W1 + b1)
    logits = h @ W2 + b2
    print(name, F.cross_entropy(logits, Y).item())

g = torch.Generator().manual_seed(args.seed + 10)
for _ in range(5):
    out = []
    context = [0] * block_size
    while True:
        emb = C[torch.tensor([context])]
        h = torch.tanh(emb.view(1, -1) @ W1 + b1)
        logits = h @ W2 + b2
        probs = F.softmax(logits, dim=1)
        ix = torch.multinomial(probs, num_samples=1, generator=g).item()
        context = context[1:] + [ix]
        out.append(ix)
        if ix == 0:
            break
    print("".join(itos[i] for i in out))
