"""Bayesian non-parametric latent-class model (Manrique-Vallier 2016, R package LCMCR).

Persons fall in latent classes; within a class every list captures
independently with its own probability, so heterogeneity (some persons easier
to find than others) is whatever mixture of classes the data support.  The
classes follow a truncated stick-breaking Dirichlet process, the unobserved are
augmented as data, and a Gibbs sampler draws N.  Priors are those of LCMCR:
lambda ~ Beta(1, 1), alpha ~ Gamma(0.25, 0.25), p(N) proportional to 1/N.

Persons with the same capture history share their class probabilities, so the
sampler allocates whole cells of the table at once (one multinomial draw per
history) rather than one person at a time: an iteration costs the same for a
hundred or a million records.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["LcmcrDraws", "sample_total"]

Float = NDArray[np.float64]

PRIOR_ALPHA = (0.25, 0.25)  # shape, rate: LCMCR's default
TINY = 1e-300


@dataclass(frozen=True)
class LcmcrDraws:
    """Posterior draws of the total N, and what produced them."""

    totals: NDArray[np.int64]
    classes: int
    burn_in: int
    thin: int


def _stick_breaking(sizes: NDArray[np.int64], alpha: float,
                    rng: np.random.Generator) -> tuple[Float, float]:
    """Class weights pi, and the sum of log(1 - V) that alpha's update needs."""
    tails = sizes[::-1].cumsum()[::-1]
    v = rng.beta(1.0 + sizes[:-1], alpha + tails[1:])
    np.clip(v, 1e-12, 1.0 - 1e-12, out=v)
    log_rest = np.log1p(-v)
    cum = log_rest.cumsum()
    pi = np.empty(len(sizes))
    pi[:-1] = v * np.exp(cum - log_rest)
    pi[-1] = math.exp(cum[-1])
    return pi, float(cum[-1])


def sample_total(cells: NDArray[np.int8], counts: NDArray[np.int64], *, seed: int,
                 classes: int = 10, burn_in: int = 2000, draws: int = 2000,
                 thin: int = 5) -> LcmcrDraws:
    """Gibbs sampler; `cells` are the observed histories (rows of 0/1), `counts` their counts."""
    with np.errstate(divide="ignore", over="ignore", under="ignore"):
        return _gibbs(cells, counts, seed, classes, burn_in, draws, thin)


def _gibbs(cells: NDArray[np.int8], counts: NDArray[np.int64], seed: int, classes: int,
           burn_in: int, draws: int, thin: int) -> LcmcrDraws:
    rng = np.random.default_rng(seed)
    x = cells.astype(np.float64)
    n = int(counts.sum())
    k = classes
    lam = rng.uniform(0.2, 0.8, size=(k, x.shape[1]))
    pi = np.full(k, 1.0 / k)
    alpha = 1.0
    missing = np.zeros(k, dtype=np.int64)
    kept = np.empty(draws, dtype=np.int64)
    log_miss = np.log1p(-lam).sum(axis=1)  # log P(on no list | class)
    for it in range(burn_in + draws * thin):
        # classes of the observed, cell by cell: log P(history | class) + log pi
        logp = x @ (np.log(lam) - np.log1p(-lam)).T + (log_miss + np.log(pi + TINY))
        probs = np.exp(logp - logp.max(axis=1, keepdims=True))
        probs /= probs.sum(axis=1, keepdims=True)
        alloc = rng.multinomial(counts, probs)
        sizes = alloc.sum(axis=0) + missing
        hits = alloc.T @ x
        lam = rng.beta(1.0 + hits, 1.0 + sizes[:, None] - hits)
        np.clip(lam, 1e-10, 1.0 - 1e-10, out=lam)
        pi, log_rest = _stick_breaking(sizes, alpha, rng)
        alpha = rng.gamma(PRIOR_ALPHA[0] + k - 1, 1.0 / (PRIOR_ALPHA[1] - log_rest))
        # the unobserved: how many, then their classes
        log_miss = np.log1p(-lam).sum(axis=1)
        miss_by_class = pi * np.exp(log_miss)
        p0 = float(miss_by_class.sum())
        # p0 near 1 would mean a class that no list can reach; keep the draw finite
        n0 = int(rng.negative_binomial(n, max(1.0 - p0, 1e-9)))
        missing = rng.multinomial(n0, miss_by_class / p0)
        if it >= burn_in and (it - burn_in) % thin == 0:
            kept[(it - burn_in) // thin] = n + n0
    return LcmcrDraws(kept, k, burn_in, thin)
