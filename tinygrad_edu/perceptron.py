"""The classic perceptron and its learning rule w ← w + r (d − y) x, in plain numpy (no gradients).

A perceptron outputs y = 1 if x·w + b > 0 else 0. The rule changes the weights only after
a mistake: when it said 1 but should have said 0 (d − y = −1) it subtracts r·x, making
x·w smaller next time; when it said 0 but should have said 1 it adds r·x. If a line (a
hyperplane) separates the 1s from the 0s, repeating the rule over the examples finds
one in finitely many steps (the perceptron convergence theorem); for XOR no line exists
and the rule never settles.
"""

import collections

import numpy as np

__all__ = ["Perceptron", "EpochRecord", "truth_table", "TRUTH_TABLES", "AND", "OR", "NAND", "XOR"]

_INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)

AND = (_INPUTS, np.array([0, 0, 0, 1]))
OR = (_INPUTS, np.array([0, 1, 1, 1]))
NAND = (_INPUTS, np.array([1, 1, 1, 0]))
XOR = (_INPUTS, np.array([0, 1, 1, 0]))
TRUTH_TABLES = {"AND": AND, "OR": OR, "NAND": NAND, "XOR": XOR}
for _inputs, _targets in TRUTH_TABLES.values():
    # Shared module constants: make them read-only so no caller can change them for everyone.
    _inputs.flags.writeable = False
    _targets.flags.writeable = False


def truth_table(name):
    """The inputs and desired outputs of a two-input logic gate.

    Args:
        name: "AND", "OR", "NAND" or "XOR" (any case).

    Returns:
        (X, d): X of shape (4, 2) with rows (0,0), (0,1), (1,0), (1,1) (float64), and d of
        shape (4,) with the gate's outputs (int). Fresh writable copies.

    Raises:
        ValueError: an unknown gate name.

    Example:
        >>> X, d = truth_table("AND")
        >>> d.tolist()
        [0, 0, 0, 1]
    """
    key = str(name).upper()
    if key not in TRUTH_TABLES:
        raise ValueError(f"truth_table: unknown gate {name!r}; choose one of {', '.join(TRUTH_TABLES)}")
    inputs, targets = TRUTH_TABLES[key]
    return inputs.copy(), targets.copy()


EpochRecord = collections.namedtuple("EpochRecord", ["epoch", "errors", "weights", "bias"])
EpochRecord.__doc__ = "One pass of `Perceptron.fit`: mistakes made during it, weights and bias after it."


class Perceptron:
    """A single threshold unit trained with the perceptron learning rule.

    y = 1 if x·w + b > 0 else 0   (a step function; exactly 0 counts as "no")

    After each example with desired output d:   w ← w + r (d − y) x,   b ← b + r (d − y)
    (the bias update only when `learn_bias`).

    Args:
        n_inputs: the number of inputs.
        lr: the learning rate r > 0.
        weights: the starting weights (n_inputs,), default zeros.
        bias: the starting bias b, default 0.
        learn_bias: update b with the rule; False keeps it fixed (as in the lecture's
            AND example, where the threshold stays 0.5).

    Attributes:
        weights: float64 array (n_inputs,).
        bias: float.

    Raises:
        ValueError: a bad n_inputs, lr, or weights of the wrong shape.

    Example:
        >>> p = Perceptron(2, lr=0.5, weights=[0.9, 0.9], bias=-0.5, learn_bias=False)
        >>> p.predict([0, 1]), p.update([0, 1], 0), p.weights.tolist()
        (1, True, [0.9, 0.4])
    """

    def __init__(self, n_inputs, lr, weights=None, bias=None, learn_bias=True):
        if isinstance(n_inputs, bool) or not isinstance(n_inputs, (int, np.integer)) or n_inputs < 1:
            raise ValueError(f"Perceptron: n_inputs must be an int >= 1, got {n_inputs!r}")
        if not np.isfinite(lr) or lr <= 0:
            raise ValueError(f"Perceptron: the learning rate lr must be a positive number, got {lr!r}")
        self.n_inputs = int(n_inputs)
        self.lr = float(lr)
        self.learn_bias = bool(learn_bias)
        if weights is None:
            self.weights = np.zeros(self.n_inputs)
        else:
            self.weights = np.array(weights, dtype=np.float64)
            if self.weights.shape != (self.n_inputs,):
                raise ValueError(
                    f"Perceptron: weights have shape {self.weights.shape} but n_inputs={self.n_inputs} "
                    f"needs shape ({self.n_inputs},)")
        self.bias = 0.0 if bias is None else float(bias)

    def _inputs(self, X, op):
        X = np.asarray(X, dtype=np.float64)
        if X.shape[-1:] != (self.n_inputs,) or X.ndim > 2:
            raise ValueError(
                f"Perceptron.{op}: inputs of shape {X.shape}; expected ({self.n_inputs},) for one example "
                f"or (N, {self.n_inputs}) for N examples")
        return X

    def weighted_sum(self, X):
        """z = x·w + b, for one example (a float) or a batch (an array)."""
        z = self._inputs(X, "weighted_sum") @ self.weights + self.bias
        return float(z) if np.ndim(z) == 0 else z

    def predict(self, X):
        """The step output 1 if x·w + b > 0 else 0: an int for one example, an int array for (N, n_inputs)."""
        z = self._inputs(X, "predict") @ self.weights + self.bias
        y = (z > 0).astype(np.int64)
        return int(y) if y.ndim == 0 else y

    def update(self, x, d):
        """Apply the rule once to example x with desired output d (0 or 1).

        Returns:
            True when the weights or the bias changed (a mistake on a non-zero input).
        """
        x = self._inputs(x, "update")
        if x.ndim != 1:
            raise ValueError(f"Perceptron.update: takes one example of shape ({self.n_inputs},), got {x.shape}; use fit for many")
        if d not in (0, 1):
            raise ValueError(f"Perceptron.update: the desired output d must be 0 or 1, got {d!r}")
        error = int(d) - self.predict(x)
        if error == 0:
            return False
        step = self.lr * error
        new_weights = self.weights + step * x
        new_bias = self.bias + step if self.learn_bias else self.bias
        changed = not np.array_equal(new_weights, self.weights) or new_bias != self.bias
        self.weights, self.bias = new_weights, new_bias
        return changed

    def fit(self, X, d, max_epochs=100):
        """Sweep the examples in order, applying the rule after each, until an epoch has no mistake.

        Args:
            X: inputs (N, n_inputs).
            d: desired outputs (N,), each 0 or 1.
            max_epochs: give up after this many sweeps (XOR never converges).

        Returns:
            A list of EpochRecord(epoch, errors, weights, bias), one per epoch; the last one
            has errors == 0 when the perceptron converged.
        """
        X = self._inputs(X, "fit")
        d = np.asarray(d)
        if X.ndim != 2 or d.shape != (X.shape[0],):
            raise ValueError(f"Perceptron.fit: inputs {X.shape} and desired outputs {d.shape} must be (N, {self.n_inputs}) and (N,)")
        if not np.isin(d, (0, 1)).all():
            raise ValueError(f"Perceptron.fit: desired outputs must be 0 or 1, got {np.unique(d).tolist()}")
        history = []
        for epoch in range(1, max_epochs + 1):
            errors = 0
            for x, target in zip(X, d):
                if self.predict(x) != target:
                    errors += 1
                self.update(x, int(target))
            history.append(EpochRecord(epoch, errors, self.weights.copy(), self.bias))
            if errors == 0:
                break
        return history

    def __repr__(self):
        return (f"Perceptron(weights={np.round(self.weights, 6).tolist()}, bias={self.bias:g}, "
                f"lr={self.lr:g}, learn_bias={self.learn_bias})")
