"""The Bayesian search's model: a Gaussian process with a Matérn 5/2 kernel, and expected improvement.

The Gaussian process (`GaussianProcess`) models the objective on the unit cube, its
hyperparameters maximize the marginal likelihood, and the next trial maximizes the
expected improvement (`expected_improvement`) over the best score so far.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

__all__ = ["GaussianProcess", "matern52", "expected_improvement"]


_SQRT5 = math.sqrt(5.0)


def _scaled_differences(X1: np.ndarray, X2: np.ndarray, lengthscales: np.ndarray) -> np.ndarray:
    return (X1[:, None, :] - X2[None, :, :]) / lengthscales


def matern52(X1: np.ndarray, X2: np.ndarray, lengthscales, variance: float) -> np.ndarray:
    """The Matérn 5/2 kernel matrix K[i, j] = k(X1[i], X2[j]):

        k(x, x') = σ² (1 + s + s²/3) e^(−s),   s = √5 r,   r = ‖(x − x') / ℓ‖

    with one length scale ℓ_d per input dimension. Its samples are twice differentiable:
    smooth like a loss surface, but less rigid than the squared-exponential kernel.
    """
    X1, X2 = np.atleast_2d(X1), np.atleast_2d(X2)
    lengthscales = np.broadcast_to(np.asarray(lengthscales, dtype=float), (X1.shape[1],))
    s = _SQRT5 * np.sqrt(np.sum(_scaled_differences(X1, X2, lengthscales) ** 2, axis=-1))
    return variance * (1.0 + s + s * s / 3.0) * np.exp(-s)


def _cholesky(K: np.ndarray) -> np.ndarray:
    # Rounding can make a valid covariance matrix look slightly indefinite; add a tiny
    # "jitter" to the diagonal, growing until the factorization succeeds.
    scale = float(np.mean(np.diag(K)))
    for jitter in (0.0, 1e-10, 1e-8, 1e-6, 1e-4):
        try:
            return np.linalg.cholesky(K + jitter * scale * np.eye(len(K)))
        except np.linalg.LinAlgError:
            continue
    raise np.linalg.LinAlgError("GaussianProcess: the kernel matrix is not positive definite, even with jitter")


def _cholesky_solve(L: np.ndarray, b: np.ndarray) -> np.ndarray:
    """K⁻¹ b from the factor K = L Lᵀ (two triangular systems)."""
    return np.linalg.solve(L.T, np.linalg.solve(L, b))


def _rprop_maximize(function: Callable, theta: np.ndarray, lower: np.ndarray, upper: np.ndarray,
                    steps: int = 60) -> tuple[np.ndarray, float]:
    """Maximize function(θ) -> (value, gradient) inside the box [lower, upper] with iRprop−.

    Rprop moves each coordinate by its own step, ×1.2 while the gradient keeps its sign
    and ×0.5 when it flips (then skips one move). It uses only the gradient's sign, which
    suits log-hyperparameters whose gradients differ by orders of magnitude
    (Blum & Riedmiller, 2013, use it for exactly this).
    """
    step = np.full_like(theta, 0.1)
    previous = np.zeros_like(theta)
    best_theta, best_value = theta.copy(), -np.inf
    for _ in range(steps):
        value, gradient = function(theta)
        if value > best_value:
            best_theta, best_value = theta.copy(), value
        agreement = gradient * previous
        step = np.where(agreement > 0, np.minimum(step * 1.2, 1.0),
                        np.where(agreement < 0, np.maximum(step * 0.5, 1e-6), step))
        gradient = np.where(agreement < 0, 0.0, gradient)
        theta = np.clip(theta + np.sign(gradient) * step, lower, upper)
        previous = gradient
    return best_theta, best_value


class GaussianProcess:
    """Gaussian-process regression with a Matérn 5/2 kernel, for inputs in the unit cube.

    Prior: f ~ GP(0, k) on the normalized targets (y − mean) / std, observed with
    Gaussian noise of variance σ_n². Given data (X, y) the posterior at x is normal with

        mean(x) = k(x, X) K⁻¹ y,     var(x) = k(x, x) − k(x, X) K⁻¹ k(X, x),

    where K = k(X, X) + σ_n² I. Hyperparameters θ = (log ℓ_1..ℓ_d, log σ², log σ_n²)
    maximize the log marginal likelihood

        log p(y | θ) = −½ yᵀ K⁻¹ y − ½ log det K − (n/2) log 2π,

    a trade-off between fitting the data and keeping the model simple.

    Example:
        >>> gp = GaussianProcess().fit(X, y)      # X in [0, 1]^d, shape (n, d)
        >>> mean, std = gp.predict(X_new)
    """

    def __init__(self, lengthscales=0.3, variance: float = 1.0, noise: float = 1e-4, *,
                 lengthscale_bounds=(0.01, 20.0), variance_bounds=(0.05, 20.0),
                 noise_bounds=(1e-6, 1.0)):
        self.lengthscales = lengthscales
        self.variance, self.noise = variance, noise
        self.lengthscale_bounds = lengthscale_bounds
        self.variance_bounds, self.noise_bounds = variance_bounds, noise_bounds
        self.X = None

    @property
    def theta(self) -> np.ndarray:
        """(log ℓ_1..ℓ_d, log σ², log σ_n²), the hyperparameters as the optimizer sees them."""
        return np.concatenate([np.log(self.lengthscales), [math.log(self.variance), math.log(self.noise)]])

    def _set_theta(self, theta: np.ndarray) -> None:
        self.lengthscales = np.exp(theta[:-2])
        self.variance, self.noise = math.exp(theta[-2]), math.exp(theta[-1])

    def log_marginal_likelihood(self, theta: np.ndarray | None = None,
                                gradient: bool = False):
        """log p(y | θ) for the fitted data, and with gradient=True also ∂/∂θ, from

            ∂ log p / ∂θ_j = ½ tr((α αᵀ − K⁻¹) ∂K/∂θ_j),   α = K⁻¹ y,

        with ∂K/∂log ℓ_d = σ² (5/3)(1 + s) e^(−s) ((x_d − x'_d)/ℓ_d)²,
        ∂K/∂log σ² = σ² k-part of K, ∂K/∂log σ_n² = σ_n² I.
        """
        if self.X is None:
            raise RuntimeError("GaussianProcess: call fit(X, y) first")
        theta = self.theta if theta is None else np.asarray(theta, dtype=float)
        X, y, n, d = self.X, self.y, len(self.X), self.X.shape[1]
        lengthscales, variance, noise = np.exp(theta[:d]), math.exp(theta[d]), math.exp(theta[d + 1])
        scaled = _scaled_differences(X, X, lengthscales)
        s = _SQRT5 * np.sqrt(np.sum(scaled**2, axis=-1))
        decay = np.exp(-s)
        K_f = variance * (1.0 + s + s * s / 3.0) * decay
        L = _cholesky(K_f + noise * np.eye(n))
        alpha = _cholesky_solve(L, y)
        value = -0.5 * y @ alpha - np.sum(np.log(np.diag(L))) - 0.5 * n * math.log(2 * math.pi)
        if not gradient:
            return value
        W = np.outer(alpha, alpha) - _cholesky_solve(L, np.eye(n))
        common = variance * (5.0 / 3.0) * (1.0 + s) * decay
        grads = [0.5 * np.sum(W * common * scaled[:, :, k] ** 2) for k in range(d)]
        grads += [0.5 * np.sum(W * K_f), 0.5 * noise * np.trace(W)]
        return value, np.array(grads)

    def fit(self, X, y, *, optimize: bool = True, rng: np.random.Generator | None = None,
            n_restarts: int = 2, steps: int = 60) -> GaussianProcess:
        """Condition on data (X, y); with optimize=True first choose the hyperparameters.

        Args:
            X: inputs, shape (n, d), in the unit cube.
            y: targets, shape (n,); normalized internally to mean 0 and std 1.
            optimize: maximize the marginal likelihood over θ (from the current θ and
                `n_restarts` random starts); False keeps the current hyperparameters.
            rng: generator for the random starts (default: seeded with 0).
            n_restarts: random starting points besides the current θ.
            steps: Rprop iterations per start.

        Returns:
            self.
        """
        X = np.atleast_2d(np.asarray(X, dtype=float))
        y = np.asarray(y, dtype=float).reshape(-1)
        if len(X) != len(y) or len(y) == 0:
            raise ValueError(f"GaussianProcess.fit: X has {len(X)} rows but y has {len(y)} values")
        self.y_mean = float(y.mean())
        self.y_std = float(y.std()) if y.std() > 0 else 1.0
        self.X, self.y = X, (y - self.y_mean) / self.y_std
        d = X.shape[1]
        self.lengthscales = np.broadcast_to(np.asarray(self.lengthscales, dtype=float), (d,)).copy()
        if optimize:
            bounds = [self.lengthscale_bounds] * d + [self.variance_bounds, self.noise_bounds]
            lower, upper = np.log(np.array(bounds, dtype=float)).T
            rng = np.random.default_rng(0) if rng is None else rng
            starts = [np.clip(self.theta, lower, upper)]
            for _ in range(n_restarts):
                starts.append(np.concatenate([
                    rng.uniform(math.log(0.05), math.log(2.0), size=d),
                    [rng.uniform(math.log(0.5), math.log(2.0)), rng.uniform(math.log(1e-6), math.log(1e-2))],
                ]))
            best_theta, best_value = starts[0], -np.inf
            for start in starts:
                theta, value = _rprop_maximize(
                    lambda t: self.log_marginal_likelihood(t, gradient=True), start, lower, upper, steps
                )
                if value > best_value:
                    best_theta, best_value = theta, value
            self._set_theta(best_theta)
        K = matern52(X, X, self.lengthscales, self.variance) + self.noise * np.eye(len(X))
        self.L = _cholesky(K)
        self.alpha = _cholesky_solve(self.L, self.y)
        return self

    def predict(self, X) -> tuple[np.ndarray, np.ndarray]:
        """Posterior mean and standard deviation of f at the rows of X (in y's units)."""
        if self.X is None:
            raise RuntimeError("GaussianProcess: call fit(X, y) before predict")
        X = np.atleast_2d(np.asarray(X, dtype=float))
        K_star = matern52(X, self.X, self.lengthscales, self.variance)
        mean = K_star @ self.alpha
        v = np.linalg.solve(self.L, K_star.T)
        variance = np.maximum(self.variance - np.sum(v * v, axis=0), 0.0)
        return self.y_mean + self.y_std * mean, self.y_std * np.sqrt(variance)


_erfc = np.vectorize(math.erfc, otypes=[float])


def _normal_cdf(z: np.ndarray) -> np.ndarray:
    # Φ(z) = ½ erfc(−z/√2): erfc keeps full relative precision far in the lower tail.
    return 0.5 * _erfc(-np.asarray(z, dtype=float) / math.sqrt(2.0))


def _normal_pdf(z: np.ndarray) -> np.ndarray:
    return np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)


def expected_improvement(mean, std, best: float, xi: float = 0.0) -> np.ndarray:
    """How much f(x) is expected to beat `best` (maximization), for f(x) ~ N(μ, σ²):

        EI = E[max(f − best − ξ, 0)] = (μ − best − ξ) Φ(z) + σ φ(z),   z = (μ − best − ξ)/σ

    and max(μ − best − ξ, 0) where σ = 0. It is never negative; it is large where the
    mean is high (exploitation) or the uncertainty is (exploration).

    Args:
        mean, std: posterior mean and standard deviation (arrays of the same shape).
        best: the best value seen so far.
        xi: a margin ξ ≥ 0 that demands a real improvement (more exploration).
    """
    mean, std = np.broadcast_arrays(np.asarray(mean, dtype=float), np.asarray(std, dtype=float))
    gain = mean - best - xi
    improvement = np.maximum(gain, 0.0)
    uncertain = std > 1e-12
    z = gain[uncertain] / std[uncertain]
    improvement[uncertain] = gain[uncertain] * _normal_cdf(z) + std[uncertain] * _normal_pdf(z)
    return np.maximum(improvement, 0.0)


def _maximize_expected_improvement(gp, best, xi, encoder, rng, n_candidates):
    """Largest EI among random points of the cube and points near the best trials, then
    refined by a few rounds of smaller and smaller random steps around the leaders."""
    observed = gp.X[np.argsort(-gp.y)[:5]]
    near = observed[rng.integers(len(observed), size=n_candidates // 5)]
    near = near + 0.05 * rng.standard_normal(near.shape)
    candidates = np.vstack([rng.random((n_candidates, encoder.width)), near])
    candidates = encoder.project(np.clip(candidates, 0.0, 1.0))
    scores = expected_improvement(*gp.predict(candidates), best, xi)
    for radius in (0.1, 0.03, 0.01):
        leaders = candidates[np.argsort(-scores)[:5]]
        local = np.repeat(leaders, 20, axis=0) + radius * rng.standard_normal((100, encoder.width))
        local = encoder.project(np.clip(local, 0.0, 1.0))
        candidates = np.vstack([candidates, local])
        scores = np.concatenate([scores, expected_improvement(*gp.predict(local), best, xi)])
    top = int(np.argmax(scores))
    return candidates[top], float(scores[top])
