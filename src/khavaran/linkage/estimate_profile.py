"""Profile-likelihood interval for the total under one log-linear model (Cormack 1992).

The multinomial likelihood of N is maximised over the model's parameters for
each candidate N (the full 2^k table, "on no list" = N - n, refitted); the
interval holds the N whose likelihood ratio to the best is within the
chi-square bound.  It treats the model as known: used for the independence
model, where no model is chosen.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import brentq, minimize_scalar
from scipy.special import gammaln, ndtri

from khavaran.linkage.estimate_loglinear import Fit, Float, Term, design, fit_batch

__all__ = ["profile_interval"]


def _profile_loglik(y: Float, k: int, terms: tuple[Term, ...], n0: float,
                    start: list[Float]) -> float:
    x = design(k, terms, True)
    assert x is not None
    full = np.concatenate([[n0], y])
    beta, _, ok = fit_batch(x[None], full, start[0][None] if len(start) else None)
    # Not converged means the supremum is approached at infinity (a cell fitted
    # towards zero): the last iterate's likelihood is then as good as the limit.
    if ok[0]:
        start[:] = [beta[0]]
    with np.errstate(all="ignore"):
        mu = np.exp(x @ beta[0])
        total = float(full.sum())
        keep = full > 0
        value = float(gammaln(total + 1) - gammaln(n0 + 1)
                      + (full[keep] * np.log(mu[keep] / total)).sum())
    # a finite floor keeps the optimisers' arithmetic finite
    return value if math.isfinite(value) else -1e12


def profile_interval(y: Float, k: int, fit: Fit, level: float = 0.95,
                     cap: float = 1000.0) -> tuple[float, float]:
    """Multinomial profile-likelihood interval for N (Cormack 1992).

    The upper bound is inf when the likelihood stays within the bound up to
    `cap` times the observed count: the data do not bound the total.
    """
    if design(k, fit.terms, True) is None:
        return math.nan, math.nan
    n = float(y.sum())
    start: list[Float] = []

    def ll(n0: float) -> float:
        return _profile_loglik(y, k, fit.terms, max(n0, 0.0), start)

    top = max(fit.unobserved, 1.0)
    res = minimize_scalar(lambda v: -ll(v), bounds=(0.0, 4.0 * top + 10.0), method="bounded",
                          options={"xatol": 1e-3})
    peak, lmax = float(res.x), -float(res.fun)
    drop = _chi2_1(level) / 2.0

    def gap(n0: float) -> float:
        return lmax - ll(n0) - drop

    low = n if gap(0.0) <= 0 else n + brentq(gap, 0.0, peak, xtol=1e-3)
    hi = max(peak, 1.0) * 2.0
    while gap(hi) < 0:
        if hi > cap * n:
            return low, math.inf
        hi *= 2.0
    high = n + brentq(gap, peak, hi, xtol=1e-3)
    return low, high


def _chi2_1(level: float) -> float:
    """Quantile of chi-square with 1 df, via the normal (scipy.stats is slow to import)."""
    return float(ndtri(0.5 + level / 2.0)) ** 2
