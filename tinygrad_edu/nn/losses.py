"""Cost functions, as functions and as modules: the lecture's costs and PyTorch's losses, gathered in one place to import from.

Where each lives:
    lecture_costs.py   the lecture's quadratic, cross-entropy and log-likelihood costs, and the
                       L2 penalty (QuadraticCost, CrossEntropyCost, LogLikelihoodCost)
    torch_losses.py    PyTorch's losses (MSELoss, BCELoss, BCEWithLogitsLoss, CrossEntropyLoss,
                       NLLLoss) and their functions
    loss_checks.py     the checks both share (inputs, targets, probabilities), one_hot, and
                       the log clamped at −100

The lecture's costs have the lecture's normalization, which differs from PyTorch's:

    quadratic_cost       C = 1/(2n) Σₓ ‖y(x) − a(x)‖²
                         (MSELoss: the mean of (a − y)², without the ½, divided by n·k, not n)
    cross_entropy_cost   C = −1/n Σₓ Σⱼ [yⱼ ln aⱼ + (1 − yⱼ) ln(1 − aⱼ)]
                         (BCELoss: the same sum, divided by n·k)
    log_likelihood_cost  C = −1/n Σₓ ln a_y(x)
                         (NLLLoss of ln a; CrossEntropyLoss of the logits z when a = softmax(z))

n is the number of examples in the batch, k the number of output neurons. Targets may be
one-hot rows (n, k) or class indices (n,) of an integer dtype. Every log of a probability is
clamped at −100, as in PyTorch's BCELoss, so a saturated output never gives inf or NaN.
"""

from .lecture_costs import (CrossEntropyCost, LogLikelihoodCost, QuadraticCost,
                            cross_entropy_cost, l2_penalty, log_likelihood_cost, quadratic_cost)
from .loss_checks import one_hot
from .torch_losses import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, NLLLoss,
                           binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy,
                           mse_loss, nll_loss)

__all__ = [
    "quadratic_cost", "cross_entropy_cost", "log_likelihood_cost", "mse_loss",
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy", "nll_loss",
    "l2_penalty", "one_hot",
    "QuadraticCost", "CrossEntropyCost", "LogLikelihoodCost", "MSELoss", "BCELoss",
    "BCEWithLogitsLoss", "CrossEntropyLoss", "NLLLoss",
]
