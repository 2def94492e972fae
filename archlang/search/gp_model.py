"""The Gaussian process behind `--algorithm bo`: a categorical kernel with one weight per
decision, fitted by marginal likelihood, and its posterior with pending points as kriging
believers. NumPy only; it knows encodings (blocks of columns, one per decision), not spaces.

    >>> import numpy as np
    >>> gp = CategoricalGP([(0, 2), (2, 4)])
    >>> x = np.array([[1, 0, 1, 0], [0, 1, 1, 0], [1, 0, 0, 1]], dtype=float)
    >>> y = np.array([1.0, -1.0, 0.0])
    >>> gp.fit(gp.deltas(x, x), y)
    >>> mean, sd = gp.posterior(x, y, x[:1], np.empty((0, 4)))
    >>> bool(abs(mean[0] - 1.0) < 0.2 and sd[0] < 0.5)
    True
"""

from __future__ import annotations

import math

import numpy as np

#: the noise variance's floor (standardized scores)
MIN_NOISE = 1e-4
#: the variance of the log-normal prior on each decision's weight
PRIOR_VAR = 4.0
#: Rprop steps per fit of the kernel's weights
FIT_STEPS = 25


class CategoricalGP:
    """``k(x, x') = exp(-sum_d theta_d * delta_d(x, x'))`` plus noise, on standardized scores.

    Args:
        blocks: for each decision, its ``(start, end)`` columns in an encoding.
    """

    def __init__(self, blocks: list[tuple[int, int]]) -> None:
        self.blocks = blocks
        self.log_theta = np.zeros(len(blocks))
        self.log_noise = math.log(1e-2)

    def deltas(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """delta_d between every row of `a` and of `b`: shape (decisions, len(a), len(b))."""
        out = np.empty((len(self.blocks), len(a), len(b)))
        for i, (lo, hi) in enumerate(self.blocks):
            xa, xb = a[:, lo:hi], b[:, lo:hi]
            sq = (xa * xa).sum(1)[:, None] + (xb * xb).sum(1)[None, :] - 2 * xa @ xb.T
            out[i] = np.maximum(sq, 0.0) / 2
        return out

    def fit(self, deltas: np.ndarray, y: np.ndarray) -> None:
        """Weights and noise by maximum marginal likelihood, from the last fit.

        The optimizer is Rprop (sign-based steps, one step size per parameter, grown while
        the gradient keeps its sign and halved when it flips): robust without a learning
        rate, and a few dozen gradient evaluations suffice for a handful of parameters.
        """
        n_d = len(self.blocks)
        eye = np.eye(len(y))

        def gradient(params: np.ndarray) -> np.ndarray | None:
            theta, noise = np.exp(params[:n_d]), math.exp(params[n_d]) + MIN_NOISE
            k = np.exp(-np.tensordot(theta, deltas, 1))
            try:
                chol = np.linalg.cholesky(k + noise * eye)
            except np.linalg.LinAlgError:
                return None
            alpha = _solve(chol, y)
            inner = np.outer(alpha, alpha) - _solve(chol, eye)  # d(log likelihood)/dK
            grad = np.empty_like(params)
            for i in range(n_d):  # dK/dlog(theta_i) = -theta_i * delta_i * K
                grad[i] = 0.5 * theta[i] * np.sum(inner * deltas[i] * k)
            grad[n_d] = -0.5 * np.trace(inner) * (noise - MIN_NOISE)
            grad[:n_d] += params[:n_d] / PRIOR_VAR  # log-normal prior, centred on theta = 1
            return grad

        params = np.concatenate([self.log_theta, [self.log_noise]])
        low = np.array([-6.0] * n_d + [-9.0])
        high = np.array([4.0] * n_d + [1.0])
        step = np.full(len(params), 0.1)
        last = np.zeros(len(params))
        for _ in range(FIT_STEPS):
            grad = gradient(params)
            if grad is None:  # not positive definite: more noise, and go on
                params[n_d] = min(params[n_d] + 1.0, high[n_d])
                continue
            turn = np.sign(grad) * np.sign(last)
            step = np.where(turn > 0, np.minimum(step * 1.2, 1.0),
                            np.where(turn < 0, np.maximum(step * 0.5, 1e-3), step))
            grad = np.where(turn < 0, 0.0, grad)
            params = np.clip(params - np.sign(grad) * step, low, high)
            last = grad
        self.log_theta, self.log_noise = params[:n_d], float(params[n_d])

    def posterior(self, x: np.ndarray, y: np.ndarray, cand: np.ndarray,
                   fantasies: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and standard deviation at `cand`, pending points as kriging believers."""
        theta, noise = np.exp(self.log_theta), math.exp(self.log_noise) + MIN_NOISE
        if len(fantasies):
            k_fx = np.exp(-np.tensordot(theta, self.deltas(fantasies, x), 1))
            chol = np.linalg.cholesky(np.exp(-np.tensordot(theta, self.deltas(x, x), 1))
                                      + noise * np.eye(len(x)))
            y = np.concatenate([y, k_fx @ _solve(chol, y)])
            x = np.concatenate([x, fantasies])
        k = np.exp(-np.tensordot(theta, self.deltas(x, x), 1)) + noise * np.eye(len(x))
        chol = np.linalg.cholesky(k)
        k_cx = np.exp(-np.tensordot(theta, self.deltas(cand, x), 1))
        mean = k_cx @ _solve(chol, y)
        v = np.linalg.solve(chol, k_cx.T)
        var = np.maximum(1.0 - (v * v).sum(0), 1e-12)
        return mean, np.sqrt(var)


def _solve(chol: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(L L^T)^-1 b for a lower-triangular Cholesky factor L."""
    return np.linalg.solve(chol.T, np.linalg.solve(chol, b))
