"""Poisson log-linear models of capture histories, their selection and intervals.

The observed cells of the 2^k table (every history but "on no list") are fitted
with a Poisson log-linear model: main effects, a chosen set of pairwise
interactions and, optionally, one heterogeneity term of Rcapture's Mth family
(a function of the number of lists a person is on).  The fitted unobserved cell
is exp(intercept).  Models are chosen by stepwise AIC or BIC; the interval is
a parametric bootstrap that repeats the selection in every replicate (or, in
estimate_profile.py, the profile likelihood of one model).

Fitting uses a small batched IRLS in numpy rather than statsmodels: the
selection and the bootstrap fit tens of thousands of tiny models, and one
statsmodels fit costs more than a whole batch here (the tests compare the two).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations, product

import numpy as np
from numpy.typing import NDArray
from scipy.special import gammaln

__all__ = [
    "HETEROGENEITY",
    "Fit",
    "bootstrap_totals",
    "cell_table",
    "design",
    "fit_batch",
    "fit_model",
    "model_name",
    "select_model",
    "select_models",
]

Float = NDArray[np.float64]
Term = tuple[int, int] | str

# Rcapture's heterogeneity forms h(s), s = number of lists a person is on; each is
# 0 at s = 0, so the unobserved cell stays exp(intercept).
def _darroch(s: Float) -> Float:
    return s**2 / 2.0


def _poisson(s: Float) -> Float:
    return np.asarray(2.0**s - 1.0, dtype=np.float64)


def _gamma(s: Float) -> Float:
    return np.asarray(math.log(3.5) - np.log(3.5 + s), dtype=np.float64)


HETEROGENEITY: dict[str, Callable[[Float], Float]] = {
    "darroch": _darroch,
    "poisson": _poisson,
    "gamma": _gamma,
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
    """IRLS for Poisson log-linear models: x (C, m, p) designs, y (m,) or (C, m) counts.

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
    c, m, p = x.shape
    ys = np.broadcast_to(y, (c, m))
    beta, loglik, ok = np.zeros((c, p)), np.full(c, -np.inf), np.zeros(c)
    for i in range(c):
        try:
            b, ll, o = _irls(x[i : i + 1], ys[i], None if start is None else start[i : i + 1])
        except np.linalg.LinAlgError:
            continue
        beta[i], loglik[i], ok[i] = b[0], ll[0], o[0]
    return beta, loglik, ok


def _irls(x: Float, y: Float, start: Float | None) -> tuple[Float, Float, Float]:
    c, m, p = x.shape
    y = np.broadcast_to(y, (c, m))
    if start is None:
        beta = np.zeros((c, p))
        eta = np.log(y + 0.5)
    else:
        beta = start.copy()
        eta = np.clip(np.einsum("cmp,cp->cm", x, beta), -300, 300)
    mu = np.exp(eta)
    ridge = 1e-10 * np.eye(p)
    delta = np.full(c, np.inf)
    active = np.arange(c)
    # only the models still moving are iterated; one that diverges stops early
    for _ in range(MAX_ITER):
        xa, ea, ma = x[active], eta[active], mu[active]
        z = ea + (y[active] - ma) / ma
        xtw = xa.transpose(0, 2, 1) * ma[:, None, :]
        new = np.asarray(np.linalg.solve(xtw @ xa + ridge, xtw @ z[:, :, None])[:, :, 0],
                         dtype=np.float64)
        step = np.abs(new - beta[active]).max(axis=1)
        beta[active], delta[active] = new, step
        eta[active] = np.clip(np.einsum("cmp,cp->cm", xa, new), -300, 300)
        mu[active] = np.exp(eta[active])
        active = active[(step >= 1e-9) & (np.abs(new).max(axis=1) < 2 * MAX_COEF)]
        if not active.size:
            break
    loglik = (np.where(y > 0, y * eta, 0.0) - mu).sum(axis=1) - gammaln(y + 1).sum(axis=1)
    ok = (delta < 1e-6) & (np.abs(beta).max(axis=1) < MAX_COEF) & np.isfinite(loglik)
    return beta, loglik, ok.astype(np.float64)


def fit_model(y: Float, k: int, terms: Iterable[Term], criterion: str = "aic") -> Fit | None:
    """Fit one model to the observed cells; None if it has no finite MLE."""
    return _fit_jobs(y[None, :], k, [(0, _sort_terms(terms))], criterion)[0]


def _fit_jobs(tables: Float, k: int, jobs: Sequence[tuple[int, tuple[Term, ...]]],
              criterion: str) -> list[Fit | None]:
    """Fit each (table, model) job; the jobs with as many parameters go in one batch."""
    out: list[Fit | None] = [None] * len(jobs)
    groups: dict[int, list[int]] = {}
    designs = [_design(k, terms, False) for _, terms in jobs]
    for i, x in enumerate(designs):
        if x is not None:
            groups.setdefault(x.shape[1], []).append(i)
    for p, idx in groups.items():
        xs = np.stack([designs[i] for i in idx])  # type: ignore[misc]
        ys = tables[[jobs[i][0] for i in idx]]
        beta, loglik, ok = fit_batch(xs, ys)
        penalty = 2.0 * p if criterion == "aic" else p * np.log(ys.sum(axis=1))
        crit = (-2.0 * loglik + penalty).tolist()
        unobserved = np.exp(beta[:, 0]).tolist()
        logliks = loglik.tolist()
        for j in np.flatnonzero(ok).tolist():
            i = idx[j]
            out[i] = Fit(jobs[i][1], beta[j], logliks[j], crit[j], unobserved[j])
    return out


@lru_cache(maxsize=8192)
def _neighbours(current: tuple[Term, ...], k: int) -> tuple[tuple[Term, ...], ...]:
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
    return tuple(out)


def select_model(y: Float, k: int, criterion: str = "aic",
                 heterogeneity: bool = True) -> Fit | None:
    """The model chosen by forward-backward stepwise search from independence.

    An exhaustive search is out of reach in a bootstrap (for 5 lists, 2^10 sets
    of pairs times four heterogeneity options).  None if not even the
    independence model can be fitted.
    """
    return select_models(y[None, :], k, criterion, heterogeneity)[0]


def select_models(tables: Float, k: int, criterion: str = "aic",
                  heterogeneity: bool = True) -> list[Fit | None]:
    """`select_model` for many tables (R, m) at once, their steps in lockstep.

    Each step fits every neighbour of every table's current model in a few
    batches, which is what makes a bootstrap with model selection affordable.
    """
    best = _fit_jobs(tables, k, [(r, ()) for r in range(len(tables))], criterion)
    seen: list[set[tuple[Term, ...]]] = [{()} for _ in best]
    active = [r for r, f in enumerate(best) if f is not None]
    while active:
        jobs = []
        for r in active:
            current = best[r]
            assert current is not None
            cand = [t for t in _neighbours(current.terms, k) if t not in seen[r]
                    and (heterogeneity or all(isinstance(u, tuple) for u in t))]
            seen[r].update(cand)
            jobs += [(r, t) for t in cand]
        step: dict[int, Fit] = {}
        for (r, _), fit in zip(jobs, _fit_jobs(tables, k, jobs, criterion), strict=True):
            if fit is not None and (r not in step or fit.criterion < step[r].criterion):
                step[r] = fit
        moved = []
        for r in active:
            current = best[r]
            if r in step and current is not None and step[r].criterion < current.criterion - 1e-9:
                best[r] = step[r]
                moved.append(r)
        active = moved
    return best


def model_name(terms: Sequence[Term], k: int) -> str:
    """Rcapture-style name: [12][13][4][5] for pairs 1-2, 1-3 and lists 4, 5 alone."""
    sep = "," if k > 9 else ""
    pairs = [t for t in terms if isinstance(t, tuple)]
    covered = {i for p in pairs for i in p}
    parts = [f"[{p[0] + 1}{sep}{p[1] + 1}]" for p in pairs]
    parts += [f"[{i + 1}]" for i in range(k) if i not in covered]
    het = [t for t in terms if isinstance(t, str)]
    return "".join(parts) + (f" + heterogeneity ({het[0]})" if het else "")


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
    fits = select_models(tables, k, criterion, heterogeneity)
    return np.array([math.inf if f is None else t.sum() + f.unobserved
                     for t, f in zip(tables, fits, strict=True)])
