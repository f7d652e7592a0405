"""A multilayer perceptron from scratch: parameters by hand, ReLU as torch.max(X, 0), softmax cross-entropy, optim.SGD, accuracy with an accumulator.

After "Implementation of Multilayer Perceptrons from Scratch" of Dive into Deep Learning
(d2l-ai/d2l-en, chapter_multilayer-perceptrons/mlp-scratch, PyTorch tab; code MIT-0, text
CC BY-SA 4.0), written anew without the d2l package and shrunk: the bundled MNIST digits
(_mnist.py: the same 28×28 ten-class format as the Fashion-MNIST the book uses), 2,000
training and 500 test images, 3 epochs.
"""
import argparse

import torch
from torch import nn
from torch.utils import data

from _mnist import load

parser = argparse.ArgumentParser()
parser.add_argument("--seed", type=int, default=0)
args = parser.parse_args()
torch.manual_seed(args.seed)

batch_size = 256
train_x, train_y = load("train", 2000)
test_x, test_y = load("t10k", 500)
train_iter = data.DataLoader(data.TensorDataset(torch.tensor(train_x), torch.tensor(train_y)),
                             batch_size, shuffle=True, num_workers=0)
test_iter = data.DataLoader(data.TensorDataset(torch.tensor(test_x), torch.tensor(test_y)),
                            batch_size, shuffle=False)

num_inputs, num_outputs, num_hiddens = 784, 10, 256
W1 = nn.Parameter(torch.randn(num_inputs, num_hiddens, requires_grad=True) * 0.01)
b1 = nn.Parameter(torch.zeros(num_hiddens, requires_grad=True))
W2 = nn.Parameter(torch.randn(num_hiddens, num_outputs, requires_grad=True) * 0.01)
b2 = nn.Parameter(torch.zeros(num_outputs, requires_grad=True))
params = [W1, b1, W2, b2]


def relu(X):
    a = torch.zeros_like(X)
    return torch.max(X, a)


def net(X):
    X = X.reshape((-1, num_inputs))
    H = relu(X @ W1 + b1)
    return H @ W2 + b2


loss = nn.CrossEntropyLoss(reduction="none")


class Accumulator:
    def __init__(self, n):
        self.data = [0.0] * n

    def add(self, *args):
        self.data = [a + float(b) for a, b in zip(self.data, args)]

    def __getitem__(self, idx):
        return self.data[idx]


def accuracy(y_hat, y):
    if len(y_hat.shape) > 1 and y_hat.shape[1] > 1:
        y_hat = y_hat.argmax(axis=1)
    cmp = y_hat.type(y.dtype) == y
    return float(cmp.type(y.dtype).sum())


def evaluate_accuracy(net, data_iter):
    metric = Accumulator(2)
    with torch.no_grad():
        for X, y in data_iter:
            metric.add(accuracy(net(X), y), y.numel())
    return metric[0] / metric[1]


def train_epoch(net, train_iter, loss, updater):
    metric = Accumulator(3)
    for X, y in train_iter:
        y_hat = net(X)
        l = loss(y_hat, y)
        updater.zero_grad()
        l.mean().backward()
        updater.step()
        metric.add(float(l.sum()), accuracy(y_hat, y), y.numel())
    return metric[0] / metric[2], metric[1] / metric[2]


num_epochs, lr = 3, 0.1
updater = torch.optim.SGD(params, lr=lr)
for epoch in range(num_epochs):
    train_loss, train_acc = train_epoch(net, train_iter, loss, updater)
    test_acc = evaluate_accuracy(net, test_iter)
    print(f"epoch {epoch + 1}, loss {train_loss:.3f}, train acc {train_acc:.3f}, test acc {test_acc:.3f}")
