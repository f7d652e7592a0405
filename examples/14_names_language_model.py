"""Lesson 14: a character-level language model of names: bigram counts, an MLP over 3 characters, an RNN, an LSTM and a tiny transformer, their losses side by side, and new names sampled from each.

Run:  python examples/14_names_language_model.py          (--quick for a short run, --help)

The data: 32,033 first names bundled with the package (tg.data.load_names; from Karpathy's
makemore, US SSA 2018, MIT). A model reads a name one character at a time and gives the
probabilities of the next one; "." marks the start and the end (tg.data.CharTokenizer, 27
symbols). Its loss is the mean negative log-likelihood per character on names it never saw:
ln 27 = 3.30 for a uniform guess, lower is better. Every model is scored on the very same
characters, so the losses compare.

  1. bigram: P(next | last) counted from the training names (+1 smoothing): no training.
  2. MLP (Bengio et al. 2003): the last 3 characters, each an nn.Embedding vector, through a
     tanh layer: a fixed window, so it cannot see further back than 3.
  3. RNN: nn.RNN reads the whole name so far into h_t; a Linear turns h_t into the logits.
  4. LSTM: the same with nn.LSTM (the cell state keeps gradients alive over more steps).
  5. a tiny transformer: token + position embeddings, nn.TransformerEncoderLayer with a
     causal mask (each position attends only to earlier ones), a final Linear.

Then each model samples names: start from ".", draw the next character from the model's
probabilities, append it, stop at ".".
"""

import argparse
import math
import time

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.data import CharTokenizer, context_windows, load_names, padded_sequences

LENGTH = 16  # the longest name has 15 letters, plus the end mark


class Bigram:
    """P(next | last character), counted; the loss needs no gradient."""

    def __init__(self, x, y, vocab):
        counts = np.ones((vocab, vocab))                      # +1 smoothing
        np.add.at(counts, (x.numpy()[:, 0], y.numpy()), 1)
        self.log_p = np.log(counts / counts.sum(axis=1, keepdims=True))

    def loss(self, x, y):
        return float(-self.log_p[x.numpy()[:, 0], y.numpy()].mean())

    def next_probabilities(self, prefix):
        return np.exp(self.log_p[prefix[-1] if prefix else 0])


class WindowMLP(nn.Module):
    """embed the last `block` characters, concatenate, tanh layer, logits."""

    def __init__(self, vocab, block=3, embed=10, hidden=64):
        super().__init__()
        self.block = block
        self.embed = nn.Embedding(vocab, embed)
        self.hidden = nn.Linear(block * embed, hidden)
        self.out = nn.Linear(hidden, vocab)

    def forward(self, x):                                     # x (N, block)
        e = self.embed(x).reshape(x.shape[0], -1)             # (N, block·embed)
        return self.out(self.hidden(e).tanh())                # (N, vocab)

    def next_probabilities(self, prefix):
        window = ([0] * self.block + prefix)[-self.block:]
        return _softmax_row(self(tg.tensor([window]))[0])


class Recurrent(nn.Module):
    """embed each character, an RNN or LSTM over the name, logits at every step."""

    def __init__(self, vocab, kind="LSTM", embed=16, hidden=64):
        super().__init__()
        self.embed = nn.Embedding(vocab, embed)
        self.rnn = getattr(nn, kind)(embed, hidden, batch_first=True)
        self.out = nn.Linear(hidden, vocab)

    def forward(self, x):                                     # x (N, T)
        h, _ = self.rnn(self.embed(x))                        # (N, T, hidden)
        return self.out(h)                                    # (N, T, vocab)

    def next_probabilities(self, prefix):
        return _softmax_row(self(tg.tensor([[0] + prefix]))[0, -1])


class TinyTransformer(nn.Module):
    """token + position embeddings, causal self-attention layers, logits at every step."""

    def __init__(self, vocab, d_model=32, heads=4, layers=1, length=LENGTH):
        super().__init__()
        self.tokens = nn.Embedding(vocab, d_model)
        self.positions = nn.Embedding(length, d_model)
        self.blocks = nn.ModuleList([nn.TransformerEncoderLayer(
            d_model, heads, dim_feedforward=2 * d_model, dropout=0.0, batch_first=True,
            norm_first=True) for _ in range(layers)])
        self.norm = nn.LayerNorm(d_model)
        self.out = nn.Linear(d_model, vocab)

    def forward(self, x):                                     # x (N, T)
        T = x.shape[1]
        h = self.tokens(x) + self.positions(tg.arange(T))     # (N, T, d_model)
        future = ~nn.causal_mask(T)                           # True = may not attend (PyTorch)
        for block in self.blocks:
            h = block(h, src_mask=tg.tensor(future), is_causal=True)
        return self.out(self.norm(h))                         # (N, T, vocab)

    def next_probabilities(self, prefix):
        return _softmax_row(self(tg.tensor([[0] + prefix]))[0, -1])


def _softmax_row(logits):
    z = logits.numpy().astype(np.float64)
    p = np.exp(z - z.max())
    return p / p.sum()


def train(model, x, y, steps, batch_size, lr, rng):
    """Adam on the cross-entropy of every real character (padding targets are −1, ignored)."""
    optimizer = optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss(ignore_index=-1)
    for step in range(steps):
        rows = rng.integers(0, x.shape[0], batch_size)
        inputs, targets = x[rows], y[rows]
        if targets.ndim == 2:  # cut the columns that are padding in every name of the batch
            length = int((targets.numpy() != -1).sum(axis=1).max())
            inputs, targets = inputs[:, :length], targets[:, :length]
        logits = model(inputs)
        loss = loss_fn(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()


def evaluate(model, x, y):
    """The mean negative log-likelihood per real character."""
    if isinstance(model, Bigram):
        return model.loss(x, y)
    with tg.no_grad():
        logits = model(x)
        loss = nn.CrossEntropyLoss(ignore_index=-1)(logits.reshape(-1, logits.shape[-1]),
                                                    y.reshape(-1))
    return float(loss.item())


def sample(model, tokens, count, rng):
    """`count` names drawn character by character until the end mark (at most LENGTH − 1)."""
    names = []
    with tg.no_grad():
        for _ in range(count):
            prefix = []
            while len(prefix) < LENGTH - 1:
                index = int(rng.choice(tokens.vocab_size, p=model.next_probabilities(prefix)))
                if index == 0:
                    break
                prefix.append(index)
            names.append(tokens.decode(prefix))
    return names


def build(name, vocab, hidden):
    if name == "MLP, 3 characters":
        return WindowMLP(vocab, hidden=hidden)
    if name in ("RNN", "LSTM"):
        return Recurrent(vocab, name, hidden=hidden)
    return TinyTransformer(vocab, d_model=hidden // 2)


def main(argv=None):
    """Run the lesson; argv as for the command line (None reads sys.argv)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="few names and training steps")
    parser.add_argument("--train-names", type=int, default=25000)
    parser.add_argument("--val-names", type=int, default=3000)
    parser.add_argument("--steps", type=int, default=3000, help="Adam steps per trained model")
    parser.add_argument("--batch-size", type=int, default=32, help="names (or windows ×16)")
    parser.add_argument("--hidden", type=int, default=64,
                        help="hidden units (MLP, RNN, LSTM); the transformer's width is half")
    parser.add_argument("--samples", type=int, default=6, help="names sampled per model")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.quick:
        args.train_names, args.val_names, args.steps, args.hidden = 2000, 300, 150, 32
    names = load_names(shuffle=True, seed=42)
    train_names = names[:args.train_names]
    val_names = names[args.train_names:args.train_names + args.val_names]
    tokens = CharTokenizer(names)
    windows = {b: (context_windows(train_names, tokens, b), context_windows(val_names, tokens, b))
               for b in (1, 3)}                               # (train (X, Y), val (X, Y))
    sequences = (padded_sequences(train_names, tokens, LENGTH),
                 padded_sequences(val_names, tokens, LENGTH))
    characters = int((sequences[1][1].numpy() != -1).sum())
    print(f"{len(train_names)} training names, {len(val_names)} validation names "
          f"({characters} characters to predict); {tokens!r}")
    print(f"uniform guess: ln {tokens.vocab_size} = {math.log(tokens.vocab_size):.4f}; "
          f"trained models: Adam, {args.steps} steps of {args.batch_size} names (MLP: "
          f"{16 * args.batch_size} windows)\n")
    rng = np.random.default_rng(args.seed)
    results, samples = {}, {}
    for name in ("bigram (counts)", "MLP, 3 characters", "RNN", "LSTM", "tiny transformer"):
        tg.manual_seed(args.seed)
        started = time.perf_counter()
        if name.startswith("bigram"):
            model = Bigram(*windows[1][0], tokens.vocab_size)
            val = windows[1][1]
            train_loss = model.loss(*windows[1][0])
        else:
            model = build(name, tokens.vocab_size, args.hidden)
            (x, y), val = (windows[3] if name.startswith("MLP") else sequences)
            batch = 16 * args.batch_size if name.startswith("MLP") else args.batch_size
            train(model, x, y, args.steps, batch, 3e-3, rng)
            train_loss = evaluate(model, x[:2000], y[:2000])
        parameters = 0 if isinstance(model, Bigram) else \
            sum(p.numpy().size for p in model.parameters())
        results[name] = {"train": train_loss, "val": evaluate(model, *val),
                         "parameters": parameters or tokens.vocab_size ** 2}
        samples[name] = sample(model, tokens, args.samples, np.random.default_rng(args.seed))
        results[name]["seconds"] = time.perf_counter() - started
    print(f"{'model':<20}{'parameters':>11}{'train loss':>12}{'val loss':>10}{'seconds':>8}   "
          f"samples")
    for name, r in results.items():
        print(f"{name:<20}{r['parameters']:>11}{r['train']:>12.4f}{r['val']:>10.4f}"
              f"{r['seconds']:>8.1f}   " + ", ".join(samples[name]))
    return {"losses": results, "samples": samples, "uniform": math.log(tokens.vocab_size),
            "characters": characters}


if __name__ == "__main__":
    main()
