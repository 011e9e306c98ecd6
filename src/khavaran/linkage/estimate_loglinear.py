"""Poisson log-linear models of capture histories, their selection and intervals.

The observed cells of the 2^k table (every history but "on no list") are fitted
with a Poisson log-linear model: main effects, a chosen set of pairwise
interactions and, optionally, one heterogeneity term of Rcapture's Mth family
(a function of the number of lists a person is on).  The fitted unobserved cell
is exp(intercept).  Models are chosen by stepwise AIC or BIC; the interval is
either the profile likelihood of the chosen model (Cormack 1992) or a
parametric bootstrap that repeats the selection in every replicate.

Fitting uses a small batched IRLS in numpy rather than statsmodels: the
selection and the bootstrap fit tens of thousands of tiny models, and one
statsmodels fit costs more than a whole batch here (the tests compare the two).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations, product
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import brentq, minimize_scalar
from scipy.special import gammaln, ndtri

__all__ = [
    "HETEROGENEITY",
    "Fit",
    "bootstrap_totals",
    "cell_table",
    "design",
    "fit_batch",
    "fit_model",
    "model_name",
    "profile_interval",
    "select_model",
]

Float = NDArray[np.float64]
Term = tuple[int, int] | str

# Rcapture's heterogeneity forms h(s), s = number of lists a person is on; each is
# 0 at s = 0, so the unobserved cell stays exp(intercept).
HETEROGENEITY: dict[str, Any] = {
    "darroch": lambda s: s**2 / 2.0,
    "poisson": lambda s: 2.0**s - 1.0,
    "gamma": lambda s: -np.log(3.5 + s) + math.log(3.5),
}
MAX_ITER = 60
# A coefficient this large means the MLE is at infinity (an empty margin): the
# model does not exist for these data rather than fitting them well.
MAX_COEF = 25.0


@dataclass(frozen=True)
class Fit:
    """One fitted model."""

    terms: tuple[Term, ...]
    beta: Float
    loglik: float
    criterion: float
    unobserved: float


@lru_cache(maxsize=16)
def cell_table(k: int, with_zero: bool = False) -> NDArray[np.int8]:
    """Every history of k lists (0/1 rows) in a fixed order, "on no list" first if asked."""
    rows = [h for h in product((0, 1), repeat=k) if with_zero or any(h)]
    return np.array(rows, dtype=np.int8)


def _sort_terms(terms: Iterable[Term]) -> tuple[Term, ...]:
    return tuple(sorted(terms, key=lambda t: (isinstance(t, str), str(t))))


@lru_cache(maxsize=8192)
def _design(k: int, terms: tuple[Term, ...], with_zero: bool) -> Float | None:
    cells = cell_table(k, with_zero).astype(np.float64)
    cols = [np.ones(len(cells)), *cells.T]
    s = cells.sum(axis=1)
    for t in terms:
        cols.append(HETEROGENEITY[t](s) if isinstance(t, str) else cells[:, t[0]] * cells[:, t[1]])
    x = np.column_stack(cols)
    # A rank-deficient design (Darroch with every pair, or more terms than cells)
    # has no unique estimate of the unobserved cell: treat it as no model at all.
    if np.linalg.matrix_rank(x if not with_zero else x[1:]) < x.shape[1]:
        return None
    x.setflags(write=False)
    return x


def design(k: int, terms: Iterable[Term], with_zero: bool = False) -> Float | None:
    """Design matrix of a model (None when its parameters are not identifiable)."""
    return _design(k, _sort_terms(terms), with_zero)


def fit_batch(x: Float, y: Float, start: Float | None = None) -> tuple[Float, Float, Float]:
    """IRLS for Poisson log-linear models: x (C, m, p) designs, y (m,) counts.

    Returns (beta (C, p), log-likelihood (C,), converged (C,) as 0/1).  A model
    whose MLE does not exist (an interaction over an empty margin) does not
    converge; its overflow and singular steps are expected, hence silenced here.
    """
    with np.errstate(all="ignore"):
        try:
            return _irls(x, y, start)
        except np.linalg.LinAlgError:
            return _irls_one_by_one(x, y, start)


def _irls_one_by_one(x: Float, y: Float, start: Float | None) -> tuple[Float, Float, Float]:
    """A singular matrix in a batch fails it whole: fit its models apart."""
    c, _, p = x.shape
    beta, loglik, ok = np.zeros((c, p)), np.full(c, -np.inf), np.zeros(c)
    for i in range(c):
        try:
            b, ll, o = _irls(x[i : i + 1], y, None if start is None else start[i : i + 1])
        except np.linalg.LinAlgError:
            continue
        beta[i], loglik[i], ok[i] = b[0], ll[0], o[0]
    return beta, loglik, ok


def _irls(x: Float, y: Float, start: Float | None) -> tuple[Float, Float, Float]:
    c, m, p = x.shape
    if start is None:
        mu = np.broadcast_to(y + 0.5, (c, m)).copy()
        eta = np.log(mu)
        beta = np.zeros((c, p))
    else:
        beta = start.copy()
        eta = np.clip(np.einsum("cmp,cp->cm", x, beta), -300, 300)
        mu = np.exp(eta)
    xt = x.transpose(0, 2, 1)
    ridge = 1e-10 * np.eye(p)
    delta = np.full(c, np.inf)
    for _ in range(MAX_ITER):
        z = eta + (y - mu) / mu
        xtw = xt * mu[:, None, :]
        new = np.asarray(np.linalg.solve(xtw @ x + ridge, xtw @ z[:, :, None])[:, :, 0],
                         dtype=np.float64)
        delta = np.abs(new - beta).max(axis=1)
        beta = new
        eta = np.clip(np.einsum("cmp,cp->cm", x, beta), -300, 300)
        mu = np.exp(eta)
        if np.all(delta < 1e-9):
            break
    loglik = (np.where(y > 0, y * eta, 0.0) - mu).sum(axis=1) - gammaln(y + 1).sum()
    ok = (delta < 1e-6) & (np.abs(beta).max(axis=1) < MAX_COEF) & np.isfinite(loglik)
    return beta, loglik, ok.astype(np.float64)


def _penalty(p: int, n: float, criterion: str) -> float:
    return 2.0 * p if criterion == "aic" else p * math.log(n)


def fit_model(y: Float, k: int, terms: Iterable[Term], criterion: str = "aic") -> Fit | None:
    """Fit one model to the observed cells; None if it has no finite MLE."""
    fits = _fit_many(y, k, [_sort_terms(terms)], criterion)
    return fits[0]


def _fit_many(y: Float, k: int, models: Sequence[tuple[Term, ...]],
              criterion: str) -> list[Fit | None]:
    out: list[Fit | None] = [None] * len(models)
    groups: dict[int, list[int]] = {}
    designs = [_design(k, t, False) for t in models]
    for i, x in enumerate(designs):
        if x is not None:
            groups.setdefault(x.shape[1], []).append(i)
    n = float(y.sum())
    for p, idx in groups.items():
        xs = np.stack([designs[i] for i in idx])  # type: ignore[misc]
        beta, loglik, ok = fit_batch(xs, y)
        for j, i in enumerate(idx):
            if ok[j]:
                crit = -2.0 * float(loglik[j]) + _penalty(p, n, criterion)
                out[i] = Fit(models[i], beta[j], float(loglik[j]), crit,
                             math.exp(float(beta[j, 0])))
    return out


def _neighbours(current: tuple[Term, ...], k: int) -> list[tuple[Term, ...]]:
    pairs: list[Term] = [t for t in combinations(range(k), 2)]
    het = [t for t in current if isinstance(t, str)]
    out = []
    for t in [*pairs, *HETEROGENEITY]:
        if t in current:
            out.append(_sort_terms(u for u in current if u != t))
        elif isinstance(t, tuple) or not het:
            out.append(_sort_terms((*current, t)))
    if k >= 3 and het:  # swapping one heterogeneity form for another is one step
        rest = [u for u in current if u != het[0]]
        out += [_sort_terms((*rest, h)) for h in HETEROGENEITY if h != het[0]]
    return out


def select_model(y: Float, k: int, criterion: str = "aic",
                 heterogeneity: bool = True) -> Fit | None:
    """Forward-backward stepwise search from the independence model.

    An exhaustive search is out of reach in a bootstrap (for 5 lists, 2^10 sets
    of pairs times four heterogeneity options); each stepwise step fits all its
    neighbours in one batch.  None if not even the independence model can be fitted.
    """
    best = fit_model(y, k, (), criterion)
    if best is None:
        return None
    seen = {best.terms}
    while True:
        cand = [t for t in _neighbours(best.terms, k)
                if t not in seen and (heterogeneity or all(isinstance(u, tuple) for u in t))]
        seen.update(cand)
        fits = [f for f in _fit_many(y, k, cand, criterion) if f is not None]
        step = min(fits, key=lambda f: f.criterion, default=None)
        if step is None or step.criterion >= best.criterion - 1e-9:
            return best
        best = step


def model_name(terms: Sequence[Term], k: int) -> str:
    """Rcapture-style name: [12][13][4][5] for pairs 1-2, 1-3 and lists 4, 5 alone."""
    sep = "," if k > 9 else ""
    pairs = [t for t in terms if isinstance(t, tuple)]
    covered = {i for p in pairs for i in p}
    parts = [f"[{p[0] + 1}{sep}{p[1] + 1}]" for p in pairs]
    parts += [f"[{i + 1}]" for i in range(k) if i not in covered]
    het = [t for t in terms if isinstance(t, str)]
    return "".join(parts) + (f" + heterogeneity ({het[0]})" if het else "")


def _profile_loglik(y: Float, k: int, terms: tuple[Term, ...], n0: float,
                    start: list[Float]) -> float:
    x = _design(k, terms, True)
    assert x is not None
    full = np.concatenate([[n0], y])
    beta, _, _ = fit_batch(x[None], full, start[0][None] if len(start) else None)
    start[:] = [beta[0]]
    mu = np.exp(x @ beta[0])
    total = float(full.sum())
    keep = full > 0
    return float(gammaln(total + 1) - gammaln(n0 + 1)
                 + (full[keep] * np.log(mu[keep] / total)).sum())


def profile_interval(y: Float, k: int, fit: Fit, level: float = 0.95,
                     cap: float = 1000.0) -> tuple[float, float]:
    """Multinomial profile-likelihood interval for N (Cormack 1992).

    The upper bound is inf when the likelihood stays within the bound up to
    `cap` times the observed count: the data do not bound the total.
    """
    if _design(k, fit.terms, True) is None:
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


def bootstrap_totals(y: Float, k: int, fit: Fit, draws: int, rng: np.random.Generator,
                     criterion: str = "aic", heterogeneity: bool = True) -> Float:
    """Totals re-estimated, with model selection, on tables drawn from the fitted model.

    Each replicate draws round(N) persons over all 2^k cells with the fitted
    probabilities, hides the "on no list" cell and selects a model afresh, so
    the spread includes the uncertainty of the choice of model.  A replicate
    whose table cannot be fitted gives inf (the data would not bound the total).
    """
    x = _design(k, fit.terms, True)
    assert x is not None
    mu = np.exp(x @ fit.beta)
    total = float(mu.sum())
    probs = mu / total
    tables = rng.multinomial(int(round(total)), probs, size=draws)[:, 1:].astype(np.float64)
    out = np.empty(draws)
    for b, table in enumerate(tables):
        best = select_model(table, k, criterion, heterogeneity)
        out[b] = math.inf if best is None else table.sum() + best.unobserved
    return out
