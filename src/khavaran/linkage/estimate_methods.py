"""The methods behind `khavaran.linkage.estimate.estimate`, on a vector of cell counts.

Each takes the observed cells (in the order of `estimate_loglinear.cell_table`)
of lists already sorted by name, and returns (total, low, high, model, notes);
`order` maps the sorted lists back to the caller's numbering for model names.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from khavaran.errors import ValidationError
from khavaran.linkage import estimate_lcmcr as lc
from khavaran.linkage import estimate_loglinear as ll
from khavaran.linkage.estimate_profile import profile_interval

__all__ = [
    "BOOTSTRAP_DRAWS",
    "Result",
    "cell_vector",
    "chapman",
    "independence",
    "lcmcr_result",
    "loglinear_result",
]

BOOTSTRAP_DRAWS = 200
Z95 = 1.959963984540054
Result = tuple[float, float, float, str, list[str]]


def cell_vector(counts: Mapping[tuple[int, ...], int], k: int) -> np.ndarray:
    """Counts in the order of `cell_table(k)`: history read as a binary number, minus one."""
    y = np.zeros(2**k - 1)
    for h, c in counts.items():
        y[int("".join(map(str, h)), 2) - 1] = c
    return y


def _names(terms: Sequence[ll.Term], k: int, order: Sequence[int]) -> str:
    """The model in the caller's numbering of the lists."""
    mapped = [t if isinstance(t, str) else tuple(sorted((order[t[0]], order[t[1]])))
              for t in terms]
    return ll.model_name(sorted(mapped, key=str), k)  # type: ignore[arg-type]


def chapman(y: np.ndarray) -> tuple[float, float, float]:
    """Chapman's estimator with Chao's (1987) log-normal interval."""
    n01, n10, n11 = (float(v) for v in y)
    n1, n2, m = n10 + n11, n01 + n11, n11
    n = n01 + n10 + n11
    total = (n1 + 1) * (n2 + 1) / (m + 1) - 1
    var = (n1 + 1) * (n2 + 1) * (n1 - m) * (n2 - m) / ((m + 1) ** 2 * (m + 2))
    unseen = total - n
    if unseen <= 0 or var <= 0:
        return total, total, total
    c = math.exp(Z95 * math.sqrt(math.log(1 + var / unseen**2)))
    return total, n + unseen / c, n + unseen * c


def independence(y: np.ndarray, k: int, order: Sequence[int]) -> Result:
    """Chapman for two lists; the main-effects log-linear model for more."""
    if k == 2:
        total, low, high = chapman(y)
        return total, low, high, "Chapman (independence)", []
    fit = ll.fit_model(y, k, ())
    if fit is None:
        raise ValidationError("the independence model cannot be fitted to these lists")
    low, high = profile_interval(y, k, fit)
    return float(y.sum()) + fit.unobserved, low, high, f"{_names((), k, order)} (independence)", []


def loglinear_result(y: np.ndarray, k: int, order: Sequence[int], criterion: str,
                     seed: int) -> Result:
    """The model chosen by stepwise AIC/BIC; interval from a bootstrap with selection."""
    fit = ll.select_model(y, k, criterion)
    if fit is None:
        raise ValidationError("no log-linear model can be fitted to these lists (the overlap "
                              "is too sparse); try method 'independence' and read its warnings")
    n = float(y.sum())
    total = n + fit.unobserved
    model = f"{_names(fit.terms, k, order)} ({criterion.upper()})"
    notes: list[str] = []
    if fit.unobserved > 1000 * n:
        notes.append("The chosen model puts almost everyone on no list: the data do not "
                     "bound the total, and the estimate means nothing.")
        return total, n, math.inf, model, notes
    rng = np.random.default_rng(seed)
    draws = ll.bootstrap_totals(y, k, fit, BOOTSTRAP_DRAWS, rng, criterion)
    failed = int(np.isinf(draws).sum())
    if failed:
        notes.append(f"In {failed} of {len(draws)} simulated re-runs no model could be fitted: "
                     "the upper end of the interval is uncertain.")
    low, high = (float(v) for v in np.quantile(draws, [0.025, 0.975], method="inverted_cdf"))
    return total, low, high, model, notes


def lcmcr_result(y: np.ndarray, k: int, seed: int) -> Result:
    """Posterior median of N and its 95% credible interval."""
    cells = ll.cell_table(k)
    draws = lc.sample_total(cells, y.astype(np.int64), seed=seed)
    low, mid, high = (float(v) for v in np.quantile(draws.totals, [0.025, 0.5, 0.975]))
    model = (f"latent classes (up to {draws.classes}, Dirichlet process); "
             f"{len(draws.totals)} draws after {draws.burn_in} burn-in, thinned by {draws.thin}")
    notes = []
    if k == 3:
        notes.append("With only three lists the latent-class model is weakly identified: "
                     "its interval depends much on its prior assumptions.")
    return mid, low, high, model, notes
