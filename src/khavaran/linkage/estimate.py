"""Multiple systems estimation: the total number of victims from the overlap of lists.

`capture_histories` turns linked memberships (person, list) into counts of each
capture history; `estimate` turns those counts into a total with a 95%
interval; `estimate_by` does the same within each stratum (city, prison).
docs/estimation.md says what each method assumes and when not to trust it.

An estimate is never a documented count: the registry keeps the two apart.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from khavaran.errors import ValidationError
from khavaran.linkage import estimate_methods as methods

__all__ = [
    "MAX_LISTS",
    "METHODS",
    "MIN_STRATUM_RECORDS",
    "NOT_ESTIMATED",
    "UNKNOWN_STRATUM",
    "Estimate",
    "auto_method",
    "capture_histories",
    "combine",
    "estimate",
    "estimate_by",
    "with_linkage",
]

METHODS = ("auto", "independence", "loglinear", "lcmcr", "combined")
NOT_ESTIMATED = "none"
UNKNOWN_STRATUM = "(unknown)"
MAX_LISTS = 10  # 2^10 cells; more lists than that are better merged by source first
MIN_STRATUM_RECORDS = 30
# Thresholds of the warnings (docs/estimation.md gives the reasons)
SMALL_OVERLAP = 20
FEW_RECORDS = 100
WIDE = 0.5  # interval width over the estimate

TWO_LISTS = (
    "Only two lists: this estimate assumes that being on one list does not change the "
    "chance of being on the other, and that every victim was equally likely to be listed. "
    "Some victims are usually easier to find than others; then the true total is likely "
    "higher than this estimate and its interval.")


@dataclass(frozen=True)
class Estimate:
    """A multiple systems estimate; `method == "none"` when it could not be made."""

    lists: tuple[str, ...]
    observed: int
    total: float
    low: float
    high: float
    method: str
    model: str
    warnings: tuple[str, ...]
    stratum: str | None = None
    # With the linkage's uncertainty (``with_linkage``): how many clusterings were
    # drawn, and the share of the interval's variance that comes from the linkage.
    draws: int = 0
    linkage_share: float | None = None

    @property
    def estimated(self) -> bool:
        return self.method != NOT_ESTIMATED


def capture_histories(memberships: Iterable[tuple[str, str]],
                      lists: Sequence[str]) -> dict[tuple[int, ...], int]:
    """Count each capture history (a 0/1 per list, in the order of `lists`).

    A person named twice on the same list counts once there; a list that is
    not in `lists` is refused rather than silently dropped.
    """
    position = _list_positions(lists)
    seen: dict[str, list[int]] = {}
    for person, name in memberships:
        if name not in position:
            raise ValidationError(f"person '{person}' is on list '{name}', which is not one of "
                                  f"the lists given ({', '.join(lists)})")
        seen.setdefault(person, [0] * len(lists))[position[name]] = 1
    counts: dict[tuple[int, ...], int] = defaultdict(int)
    for history in seen.values():
        counts[tuple(history)] += 1
    return dict(sorted(counts.items(), reverse=True))


def _list_positions(lists: Sequence[str]) -> dict[str, int]:
    if len(set(lists)) != len(lists):
        raise ValidationError(f"a list is named twice in {list(lists)}")
    if any(not name for name in lists):
        raise ValidationError("a list has an empty name")
    return {name: i for i, name in enumerate(lists)}


def estimate(histories: Mapping[tuple[int, ...], int], lists: Sequence[str], *,
             method: str = "auto", seed: int = 0, criterion: str = "aic") -> Estimate:
    """Estimate the total, observed and unobserved, with a 95% interval.

    method: "auto" (see `auto_method`: "independence" with a warning for two
    lists, "loglinear" for three, "combined" for more), "independence",
    "loglinear", "lcmcr" or "combined" (log-linear and latent-class side by
    side, see `combine`).  criterion: "aic" or "bic" for
    the log-linear model selection.  Results do not depend on the order of the
    lists, and are the same for the same seed.
    """
    counts = _check(histories, lists, method, criterion)
    return _estimate(tuple(sorted(counts.items())), tuple(lists), method, seed, criterion)


@lru_cache(maxsize=256)
def _estimate(cells: tuple[tuple[tuple[int, ...], int], ...], lists: tuple[str, ...],
              method: str, seed: int, criterion: str) -> Estimate:
    # Kept: clusterings drawn for the linkage's uncertainty (services/estimation.py)
    # often count the same histories, and an estimate takes seconds.
    counts = dict(cells)
    k = len(lists)
    if method == "auto":
        method = auto_method(k)
    if method == "combined":
        return combine(estimate(counts, lists, method="loglinear", seed=seed, criterion=criterion),
                       estimate(counts, lists, method="lcmcr", seed=seed))
    # Work on the lists sorted by name, so that the order the caller gives them
    # in changes nothing, not even the random draws.
    order = sorted(range(k), key=lambda i: lists[i])
    y = methods.cell_vector({tuple(h[i] for i in order): c for h, c in counts.items()}, k)
    if method == "independence":
        total, low, high, model, notes = methods.independence(y, k, order)
    elif method == "loglinear":
        total, low, high, model, notes = methods.loglinear_result(y, k, order, criterion, seed)
    else:
        total, low, high, model, notes = methods.lcmcr_result(y, k, seed)
    observed = int(y.sum())
    low, high = max(min(low, total), observed), max(high, total)
    warnings = _warnings(counts, k, observed) + _result_warnings(observed, total, low, high)
    warnings += notes
    return Estimate(tuple(lists), observed, total, low, high, method, model, tuple(warnings))


def auto_method(lists: int) -> str:
    """The method "auto" stands for, by number of lists (docs/estimation.md says why)."""
    if lists == 2:
        return "independence"
    # with three lists the latent-class model is too weakly identified to add anything
    return "loglinear" if lists == 3 else "combined"


def combine(loglin: Estimate, latent: Estimate) -> Estimate:
    """The log-linear and the latent-class estimates of the same lists, side by side.

    The two families read heterogeneity differently and the data cannot tell
    which is right (docs/estimation.md): the interval runs from the lower of
    the two lower bounds to the higher of the two upper bounds, and the central
    figure is the mean of the two central figures.
    """
    if loglin.lists != latent.lists or loglin.observed != latent.observed:
        raise ValidationError("combine needs two estimates of the same lists")
    total = (loglin.total + latent.total) / 2
    low, high = min(loglin.low, latent.low), max(loglin.high, latent.high)
    # the warnings about each interval give way to those about the combined one
    stale = {w for e in (loglin, latent) for w in _result_warnings(e.observed, e.total, e.low,
                                                                   e.high)}
    warnings = [w for w in dict.fromkeys((*loglin.warnings, *latent.warnings)) if w not in stale]
    warnings += _result_warnings(loglin.observed, total, low, high)
    if loglin.high < latent.low or latent.high < loglin.low:
        warnings.append(
            f"The log-linear ({loglin.low:,.0f} to {loglin.high:,.0f}) and latent-class "
            f"({latent.low:,.0f} to {latent.high:,.0f}) models disagree: the lists cannot tell "
            "which pattern of unequal capture is right, so the interval spans both.")
    return Estimate(loglin.lists, loglin.observed, total, low, high, "combined",
                    f"log-linear {loglin.model} and latent classes", tuple(warnings),
                    loglin.stratum)


def _check(histories: Mapping[tuple[int, ...], int], lists: Sequence[str], method: str,
           criterion: str) -> dict[tuple[int, ...], int]:
    if len(lists) < 2:
        raise ValidationError(
            "one list cannot estimate anything: the number of victims on no list is "
            "estimated from how much independent lists overlap, so at least two lists "
            "are needed")
    _list_positions(lists)
    if len(lists) > MAX_LISTS:
        raise ValidationError(f"{len(lists)} lists: at most {MAX_LISTS} can be modelled; "
                              "merge lists that come from the same source first")
    if method not in METHODS:
        raise ValidationError(f"unknown method '{method}': one of {', '.join(METHODS)}")
    if criterion not in ("aic", "bic"):
        raise ValidationError(f"unknown criterion '{criterion}': aic or bic")
    if method in ("loglinear", "lcmcr", "combined") and len(lists) < 3:
        raise ValidationError(
            f"the {method} method needs at least three lists: with two, only the "
            "independence estimate can be made (method 'independence')")
    counts = _checked_counts(histories, len(lists))
    for j, name in enumerate(lists):
        if not any(h[j] for h in counts):
            raise ValidationError(f"list '{name}' has nobody on it: leave it out")
    for j, name in enumerate(lists):
        if all(h[j] for h in counts):
            raise ValidationError(
                f"list '{name}' holds every person found on the other lists: the others find "
                "nobody it lacks, so nothing shows how many it missed (the estimate would be "
                "the number listed, as if the list were complete)")
    if not any(sum(h) >= 2 for h in counts):
        raise ValidationError(
            "no person is on two or more lists: without any overlap the estimate would be "
            "infinite; check the linkage before concluding that the lists share nobody")
    return counts


def _checked_counts(histories: Mapping[tuple[int, ...], int],
                    k: int) -> dict[tuple[int, ...], int]:
    counts: dict[tuple[int, ...], int] = {}
    for history, count in histories.items():
        h = tuple(int(v) for v in history)
        if len(h) != k or any(v not in (0, 1) for v in h):
            raise ValidationError(f"capture history {history} is not a 0/1 per list ({k} lists)")
        if int(count) != count or count < 0:
            raise ValidationError(f"capture history {history} has count {count}")
        if count and not any(h):
            raise ValidationError("a person on no list cannot be counted: histories of all "
                                  "zeros are what the estimate is for")
        if count:
            counts[h] = counts.get(h, 0) + int(count)
    if not counts:
        raise ValidationError("no person is on any list")
    return counts


def _warnings(counts: Mapping[tuple[int, ...], int], k: int, observed: int) -> list[str]:
    """What makes any estimate from these counts fragile."""
    out = [TWO_LISTS] if k == 2 else []
    overlap = sum(c for h, c in counts.items() if sum(h) >= 2)
    if observed < FEW_RECORDS:
        out.append(f"Only {observed} persons are listed: the estimate is fragile.")
    if overlap < SMALL_OVERLAP:
        out.append(f"Only {overlap} persons are on more than one list: the estimate rests on "
                   "few overlaps, and a single linkage decision can move it a lot.")
    return out


def _result_warnings(observed: int, total: float, low: float, high: float) -> list[str]:
    """What makes this particular estimate fragile."""
    out = []
    if math.isinf(high) or high - low > WIDE * total:
        out.append(f"The interval is very wide ({low:,.0f} to {high:,.0f}): the lists say little "
                   "about how many victims are on none of them.")
    if total - observed > observed:
        out.append("More victims are estimated to be on no list than are on any: the estimate "
                   "is an extrapolation far beyond the data.")
    return out


def estimate_by(memberships: Iterable[tuple[str, str]], strata: Mapping[str, str],
                lists: Sequence[str], *, method: str = "auto", seed: int = 0,
                criterion: str = "aic",
                min_records: int = MIN_STRATUM_RECORDS) -> list[Estimate]:
    """One estimate per stratum (a person's stratum is `strata[person]`).

    Persons without a stratum form the stratum "(unknown)".  Lists with nobody
    in a stratum are left out there (with a warning).  A stratum that cannot be
    estimated (fewer than `min_records` persons, fewer than two lists, no
    overlap, a method that needs more lists) gets an entry with method "none",
    NaN figures and the reason as its warning, so one small city does not stop
    the others.  Strata are in name order, "(unknown)" last.
    """
    _list_positions(lists)
    # a wrong option is the caller's mistake, not a stratum's: refuse it once
    if method not in METHODS:
        raise ValidationError(f"unknown method '{method}': one of {', '.join(METHODS)}")
    if criterion not in ("aic", "bic"):
        raise ValidationError(f"unknown criterion '{criterion}': aic or bic")
    groups: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for person, name in memberships:
        groups[strata.get(person) or UNKNOWN_STRATUM].append((person, name))
    names = sorted(groups, key=lambda s: (s == UNKNOWN_STRATUM, s))
    return [_one_stratum(s, groups[s], lists, method, seed, criterion, min_records)
            for s in names]


def _one_stratum(stratum: str, members: list[tuple[str, str]], lists: Sequence[str],
                 method: str, seed: int, criterion: str, min_records: int) -> Estimate:
    histories = capture_histories(members, lists)
    present = [j for j, _ in enumerate(lists) if any(h[j] for h in histories)]
    used = tuple(lists[j] for j in present)
    observed = sum(histories.values())
    dropped = [f"List '{name}' has nobody in {stratum} and was left out there."
               for name in lists if name not in used]
    if observed < min_records:
        reason = (f"Not estimated: only {observed} persons are listed in {stratum} "
                  f"(at least {min_records} are needed).")
        return _not_estimated(stratum, used, observed, [*dropped, reason])
    reduced: dict[tuple[int, ...], int] = defaultdict(int)
    for h, c in histories.items():
        reduced[tuple(h[j] for j in present)] += c
    try:
        est = estimate(reduced, used, method=method, seed=seed, criterion=criterion)
    except ValidationError as exc:
        return _not_estimated(stratum, used, observed, [*dropped, f"Not estimated: {exc}"])
    return Estimate(est.lists, est.observed, est.total, est.low, est.high, est.method,
                    est.model, (*dropped, *est.warnings), stratum)


def _not_estimated(stratum: str, used: tuple[str, ...], observed: int,
                   warnings: list[str]) -> Estimate:
    return Estimate(used, observed, math.nan, math.nan, math.nan, NOT_ESTIMATED,
                    "not estimated", tuple(warnings), stratum)


Z95 = 1.959964


def with_linkage(draws: Sequence[Estimate], shown: Estimate) -> Estimate:
    """``shown`` (the estimate of the clustering `khavaran link` gives) with the
    linkage's uncertainty added from the estimates of other clusterings of the
    same records, each drawn from the pairs' probabilities (linkage/link.py), by
    Rubin's rules on the log scale.

    The central figure is the mean of the draws' log figures.  The capture's
    variance W is the mean of the draws' (each interval's width over 2 x 1.96,
    squared); the linkage's is (1 + 1/m) B, B the variance between the draws'
    log figures; T = W + (1 + 1/m) B, with Rubin's degrees of freedom
    (m - 1)(1 + W / ((1 + 1/m) B))^2 for the t quantile.  The interval keeps the
    shape of ``shown``'s below and above its figure (a capture interval is not
    symmetric), each side stretched by t sqrt(T) / (1.96 sqrt(W)): draws that
    agree give ``shown``'s interval back, and the linkage never narrows it.  An
    unbounded draw leaves the pooled interval unbounded above; draws that could
    not be estimated are left out and said to be, and with fewer than two left
    ``shown`` is returned with a warning.
    """
    from scipy import stats  # only this command needs SciPy

    usable = [e for e in draws if e.estimated and 0 < e.low <= e.total <= e.high]
    if len(usable) < 2 or not shown.estimated:
        return replace(shown, warnings=(*shown.warnings, (
            f"The linkage's uncertainty is not in this interval: {len(usable)} of "
            f"{len(draws)} clusterings drawn could be estimated, and at least two are "
            "needed.")))
    m = len(usable)
    logs = [math.log(e.total) for e in usable]
    centre = sum(logs) / m
    bounded = [e for e in usable if math.isfinite(e.high)]
    within = (sum(((math.log(e.high) - math.log(e.low)) / (2 * Z95)) ** 2 for e in bounded)
              / len(bounded)) if bounded else math.inf
    between = (1 + 1 / m) * sum((x - centre) ** 2 for x in logs) / (m - 1)
    variance = within + between
    share = between / variance if math.isfinite(variance) and variance > 0 else 0.0
    freedom = (m - 1) * (1 + within / between) ** 2 if between > 0 else math.inf
    t = float(stats.t.ppf(0.975, freedom)) if math.isfinite(freedom) else Z95
    below = math.log(shown.total) - math.log(shown.low) if shown.low > 0 else math.inf
    above = math.log(shown.high) - math.log(shown.total)
    if within > 0:
        stretch = t * math.sqrt(variance) / (Z95 * math.sqrt(within))
        below, above = below * stretch, above * stretch
    else:  # every interval a point: the spread between the draws is all there is
        below = above = t * math.sqrt(variance)
    if len(bounded) < m:
        above = math.inf
    floor = min(e.observed for e in (*usable, shown))
    total = math.exp(centre)
    low = max(math.exp(centre - below), floor) if math.isfinite(below) else floor
    high = math.exp(centre + above) if math.isfinite(above) else math.inf
    low, high = min(low, total), max(high, total)
    stale = set(_result_warnings(shown.observed, shown.total, shown.low, shown.high))
    notes = [w for w in shown.warnings if w not in stale]
    if m < len(draws):
        notes.append(f"{len(draws) - m} of {len(draws)} clusterings drawn could not be "
                     "estimated and were left out.")
    notes += _result_warnings(shown.observed, total, low, high)
    return replace(shown, total=total, low=low, high=high, warnings=tuple(notes), draws=m,
                   linkage_share=share)
