"""Compare two records field by field and weigh the evidence.

Each field gives a weight in bits: log2 of how much more likely what we see is
if the two records are one person than if they are two (Fellegi and Sunter).
Agreement on a rare name weighs more than agreement on «محمد»: the chance that
two different people agree is the share of records that carry the value, so
the weights come from the lists being linked (``Frequencies``).  Disagreement
weights are fixed: they say how often lists get a field wrong for the same
person.  Every weight is reported with a plain reason, which is what a
reviewer reads in ``khavaran dedupe``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rapidfuzz.distance import OSA, JaroWinkler, Levenshtein

from khavaran.linkage.features import Features
from khavaran.linkage.names import COMMON_NAMES, Word, compound_parts, link_key

__all__ = ["Comparison", "Frequencies", "Reason", "compare", "match_probability"]

# How often one person's records agree on a field, or disagree because a list is
# wrong; chosen from what the lists we know get wrong, not fitted.
M_SAME_WORD = 0.95
EXTRA_WORD = -4.0       # a word on one side only: Mohammad is not Mohammad Reza
EXTRA_INITIAL = -1.0    # an initial on one side only (S. for Seyyed)
CONFLICT_WORD = -12.0   # a word on each side that do not match: another name (brothers)
SIMILAR_WORD, SIMILAR = -2.0, 0.8  # ... unless their keys are this similar (Jaro-Winkler)
M_INITIAL = 0.9
GENDER_AGREE, GENDER_DIFFER = 0.9, -8.0
BIRTH_WEIGHTS = (4.0, -0.5, -3.0, -6.0, -9.0)  # gap of 0, 1, 2, 3-5, 6+ years
DEATH_SAME_DAY, DEATH_OVERLAP = 5.0, 0.5
DEATH_NEAR, DEATH_APART, DEATH_FAR = -0.5, -3.0, -5.0  # <= 7 days, <= 60 days, more
PLACE_DIFFER = {"city": -4.5, "prison": -3.0, "affiliation": -4.0}
PLACE_CAP = 6.0
PLACES = ("city", "prison", "affiliation")
ATTESTED = 3
PRIOR_SHIFT = 4.0
# Shares of records that carry a value, before the lists say otherwise.
PSEUDO_RECORDS = 100
# Namesakes: two records whose birth years are this far apart are two people,
# however alike their names, city and dates (lists misstate an age by a year or
# a few, not by a generation).  A guard for fathers' names that share no word
# was tried and left out: on the benchmark it cut records whose list got the
# father wrong from their person, and lost more than it gained (docs/linkage.md).
GUARD_YEARS = 6
TYPICAL_WORD, TYPICAL_INITIAL, TYPICAL_PLACE = 0.01, 0.08, 0.05


def match_probability(weight: float, prior: float) -> float:
    """Probability that a pair with this total weight is one person, given the
    prior odds (in bits) that two records taken at random are."""
    return float(1.0 / (1.0 + 2.0 ** -(weight + prior)))


@dataclass(frozen=True, slots=True)
class Reason:
    field: str
    verdict: str  # "agree", "close", "differ"
    weight: float
    detail: str


@dataclass(slots=True)
class Comparison:
    """A total weight and, when ``explain``, the reason for each part of it."""

    prior: float
    explain: bool = True
    weight: float = 0.0
    reasons: list[Reason] = field(default_factory=list)
    guard: str = ""  # why the two cannot be one person (namesakes), or ""

    def add(self, fld: str, verdict: str, weight: float, detail: str) -> None:
        self.weight += weight
        self.reasons.append(Reason(fld, verdict, weight, detail))

    @property
    def probability(self) -> float:
        return match_probability(self.weight, self.prior)


class Frequencies:
    """Share of records carrying each name word, father's name, place and initial."""

    def __init__(self, features: Iterable[Features]) -> None:
        self.words: Counter[str] = Counter()
        self.fathers: Counter[str] = Counter()
        self.initials: Counter[str] = Counter()
        self.places: dict[str, Counter[str]] = {k: Counter() for k in PLACES}
        self.n = 0
        # Name comparisons repeat (a common name meets itself thousands of times).
        self.cache: dict[tuple[str, tuple[str, ...], tuple[str, ...]], float] = {}
        # Keys that Persian-script records spell: names in their own right.
        # A key seen in fewer than ATTESTED records may be one list's typo.
        self.persian: Counter[str] = Counter({link_key(w): ATTESTED for w in COMMON_NAMES})
        for f in features:
            self.n += 1
            self.persian.update(w.key for w in f.words if w.persian)
            self.persian.update(w.key for w in f.father if w.persian)
            self.words.update({w.key for w in f.words if not w.is_initial})
            self.initials.update({w.initial for w in f.words})
            self.fathers.update({w.key for w in f.father if not w.is_initial})
            for kind in PLACES:
                value = getattr(f, kind)
                if value is not None:
                    self.places[kind][value] += 1

    def share(self, counter: Counter[str], key: str, typical: float = TYPICAL_WORD) -> float:
        """Estimated share of records carrying ``key``.

        Smoothed towards a typical share, as if PSEUDO_RECORDS more records had
        been seen: in a registry of ten records every name is "common".  At
        least one record in twenty thousand, as a unique spelling proves less
        than its rarity suggests (it may be one list's typo).
        """
        seen = counter.get(key, 0) + PSEUDO_RECORDS * typical
        return max(seen / (self.n + PSEUDO_RECORDS), 1 / 20000)

    @property
    def prior(self) -> float:
        """Prior odds in bits that two records taken at random are one person.

        In theory about one other record of the same person among n; the
        weights above undercount agreement (fields agree together more often
        than independence allows), so PRIOR_SHIFT bits are added back, fitted
        on the generated lists of bench/linkage_data.py (docs/linkage.md).
        """
        return -math.log2(max(self.n, 1024)) + PRIOR_SHIFT

    def distinct_names(self, a: str, b: str) -> bool:
        """Whether two keys are two names, not two spellings of one: both are
        spelled so in Persian script, where vowels of names are long and written."""
        return a != b and self.persian[a] >= ATTESTED and self.persian[b] >= ATTESTED


@dataclass(slots=True)
class _Match:
    kind: str  # same, joined, variant, typo, part, initial
    a: str
    b: str
    weight: float


def _pairs_joined(words: Sequence[Word], free: list[bool]) -> dict[str, tuple[int, int]]:
    out = {}
    for i in range(len(words) - 1):
        if free[i] and free[i + 1] and not words[i].is_initial and not words[i + 1].is_initial:
            out[link_key(words[i].text + words[i + 1].text)] = (i, i + 1)
    return out


def _align(a: Sequence[Word], b: Sequence[Word], counter: Counter[str],
           freq: Frequencies) -> tuple[list[_Match], list[Word], list[Word]]:
    """Match the words of two names, strongest evidence first."""
    free_a, free_b = [True] * len(a), [True] * len(b)
    matches: list[_Match] = []

    def take(i: int, j: int, kind: str, weight: float) -> None:
        free_a[i] = free_b[j] = False
        matches.append(_Match(kind, a[i].shown, b[j].shown, weight))

    def bits(key: str, m: float = M_SAME_WORD) -> float:
        return math.log2(m / freq.share(counter, key))

    for i, wa in enumerate(a):
        if wa.is_initial or not wa.key:
            continue
        for j, wb in enumerate(b):
            if free_b[j] and not wb.is_initial and wb.key == wa.key:
                take(i, j, "same", bits(wa.key))
                break
    # "Mohammad Ali" against "Mohammadali" / «محمدعلی»: two words against one.
    for x, y, free_x, free_y, flip in ((a, b, free_a, free_b, False),
                                       (b, a, free_b, free_a, True)):
        joined = _pairs_joined(y, free_y)
        for i, wx in enumerate(x):
            hit = joined.get(wx.key) if free_x[i] and not wx.is_initial else None
            if hit and free_y[hit[0]] and free_y[hit[1]]:
                free_x[i] = free_y[hit[0]] = free_y[hit[1]] = False
                text_y = y[hit[0]].shown + " " + y[hit[1]].shown
                pair = (text_y, wx.shown) if flip else (wx.shown, text_y)
                matches.append(_Match("joined", *pair, bits(wx.key)))
    for i, wa in enumerate(a):
        for j, wb in enumerate(b):
            if not (free_a[i] and free_b[j]) or wa.is_initial or wb.is_initial:
                continue
            if wa.alt == wb.alt or wa.alt == wb.key or wa.key == wb.alt:
                take(i, j, "variant", bits(wa.key, 0.5))
            elif freq.distinct_names(wa.key, wb.key):
                continue
            elif wa.skeleton == wb.skeleton and wa.skeleton:
                take(i, j, "variant", bits(wa.key, 0.5))
            elif ((min(len(wa.key), len(wb.key)) >= 3
                   and Levenshtein.distance(wa.key, wb.key) <= 1)
                  or (wa.persian == wb.persian and min(len(wa.text), len(wb.text)) >= 5
                      and OSA.distance(wa.text, wb.text) <= 1)):
                rarer = min(wa.key, wb.key, key=lambda k: counter.get(k, 0))
                other = wb.key if rarer == wa.key else wa.key
                take(i, j, "typo", bits(other, 0.3))
    # Alireza against Ali: one part of a compound name.  Two names, but a list may
    # shorten one to its part: it weighs as a word on one side only, not as
    # another name (brothers are Ali and Alireza as often as Ali and Hassan).
    for i, wa in enumerate(a):
        for j, wb in enumerate(b):
            if not (free_a[i] and free_b[j]) or wa.is_initial or wb.is_initial:
                continue
            parts_a, parts_b = compound_parts(wa.key), compound_parts(wb.key)
            if parts_a and wb.key in parts_a or parts_b and wa.key in parts_b:
                take(i, j, "part", EXTRA_WORD)
    for i, wa in enumerate(a):
        for j, wb in enumerate(b):
            if (free_a[i] and free_b[j] and (wa.is_initial or wb.is_initial)
                    and wa.initial == wb.initial):
                share = freq.share(freq.initials, wa.initial, TYPICAL_INITIAL)
                take(i, j, "initial", math.log2(M_INITIAL / share))
    rest_a = [w for w, f in zip(a, free_a, strict=True) if f]
    rest_b = [w for w, f in zip(b, free_b, strict=True) if f]
    return matches, rest_a, rest_b


_SAID = {"same": "same", "joined": "written as one word", "variant": "variant spelling",
         "typo": "one letter apart", "initial": "initial", "part": "part of a compound name"}


def _compare_names(fld: str, a: Features, b: Features, freq: Frequencies,
                   out: Comparison) -> None:
    words_a, words_b = (a.words, b.words) if fld == "name" else (a.father, b.father)
    counter = freq.words if fld == "name" else freq.fathers
    if out.explain:
        _weigh_names(fld, words_a, words_b, counter, freq, out)
        return
    keys_a, keys_b = (a.name_keys, b.name_keys) if fld == "name" else (a.father_keys, b.father_keys)
    if keys_a is not None and keys_a == keys_b:
        # The same words: what _align would find first, and all it would find.
        out.weight += sum(math.log2(M_SAME_WORD / freq.share(counter, k)) for k in keys_a)
        return
    key = (fld, a.name_sig, b.name_sig) if fld == "name" else (fld, a.father_sig, b.father_sig)
    weight = freq.cache.get(key)
    if weight is None:
        part = Comparison(0.0)
        _weigh_names(fld, words_a, words_b, counter, freq, part)
        weight = freq.cache[key] = part.weight
    out.weight += weight


def _weigh_names(fld: str, a: Sequence[Word], b: Sequence[Word], counter: Counter[str],
                 freq: Frequencies, out: Comparison) -> None:
    matches, rest_a, rest_b = _align(a, b, counter, freq)
    for m in matches:
        verdict = "agree" if m.kind in ("same", "joined") else "close"
        detail = f"{m.a} = {m.b}" if m.kind == "same" else f"{m.a} ~ {m.b} ({_SAID[m.kind]})"
        out.add(fld, verdict, m.weight, detail)
    # A father's name is often shortened (Ali for Alireza): it differs less.
    conflict, extra_word = (CONFLICT_WORD, EXTRA_WORD) if fld == "name" else (-6.0, -1.5)
    conflicts = min(len(rest_a), len(rest_b))
    for wa, wb in zip(rest_a[:conflicts], rest_b[:conflicts], strict=True):
        if (JaroWinkler.similarity(wa.key, wb.key) >= SIMILAR
                and not freq.distinct_names(wa.key, wb.key)):
            # Probably a spelling we do not know or a bad typo, not another name.
            out.add(fld, "differ", SIMILAR_WORD, f"{wa.shown} ≈ {wb.shown} (similar)")
        else:
            out.add(fld, "differ", conflict, f"{wa.shown} ≠ {wb.shown}")
    extra = rest_a[conflicts:] or rest_b[conflicts:]
    if extra:
        weight = sum(EXTRA_INITIAL if w.is_initial else extra_word for w in extra)
        out.add(fld, "close", weight, f"only one record has {' '.join(w.shown for w in extra)}")


def _birth_said(f: Features, years: tuple[int, int]) -> str:
    lo, hi = years
    span = str(lo) if lo == hi else f"{lo}–{hi}"
    if f.birth is not None:
        return f"born {f.record.birth_year}" + ("" if f.record.birth_year == span else
                                                 f" ({span})")
    return f"age {f.age} (born {span})"


def _compare_birth(a: Features, b: Features, out: Comparison) -> None:
    death = a.death_years or b.death_years
    ba, bb = a.birth_interval(a.death_years or death), b.birth_interval(b.death_years or death)
    if ba is None or bb is None:
        return
    gap = max(ba[0] - bb[1], bb[0] - ba[1], 0)
    if gap >= GUARD_YEARS:
        out.guard = out.guard or f"born {gap} years apart"
    index = gap if gap < 3 else 3 if gap < 6 else 4
    if not out.explain:
        out.weight += BIRTH_WEIGHTS[index]
        return
    verdict = "agree" if gap == 0 else "close" if gap <= 2 else "differ"
    apart = "" if gap == 0 else f"; {gap} year(s) apart"
    out.add("birth", verdict, BIRTH_WEIGHTS[index],
            f"{_birth_said(a, ba)} vs {_birth_said(b, bb)}{apart}")


def _compare_death(a: Features, b: Features, out: Comparison) -> None:
    if a.death is None or b.death is None:
        return
    (sa, ea, pa), (sb, eb, pb) = a.death, b.death
    gap = max((sa - eb).days, (sb - ea).days, 0)
    if gap == 0:
        weight = DEATH_SAME_DAY if pa == "day" and pb == "day" else DEATH_OVERLAP
    else:
        weight = DEATH_NEAR if gap <= 7 else DEATH_APART if gap <= 60 else DEATH_FAR
    if not out.explain:
        out.weight += weight
        return
    said = f"{a.record.death_date} vs {b.record.death_date}"
    if gap == 0:
        out.add("death", "agree", weight, said)
    else:
        out.add("death", "close" if gap <= 7 else "differ", weight, f"{said} ({gap} days apart)")


def compare(a: Features, b: Features, freq: Frequencies, *, explain: bool = True) -> Comparison:
    """Weigh every field the two records both have (with reasons, if ``explain``)."""
    out = Comparison(freq.prior, explain)
    _compare_names("name", a, b, freq, out)
    if a.father and b.father:
        _compare_names("father", a, b, freq, out)
    if a.gender and b.gender:
        same = a.gender == b.gender
        weight = GENDER_AGREE if same else GENDER_DIFFER
        if not explain:
            out.weight += weight
        else:
            out.add("gender", "agree" if same else "differ", weight,
                    a.gender if same else f"{a.gender} vs {b.gender}")
    _compare_birth(a, b, out)
    _compare_death(a, b, out)
    for kind in PLACES:
        va, vb = getattr(a, kind), getattr(b, kind)
        if va is None or vb is None:
            continue
        if va == vb:
            weight = min(math.log2(0.9 / freq.share(freq.places[kind], va, TYPICAL_PLACE)),
                         PLACE_CAP)
        else:
            weight = PLACE_DIFFER[kind]
        if not explain:
            out.weight += weight
            continue
        ta, tb = getattr(a.record, kind), getattr(b.record, kind)
        said = ta if ta == tb else f"{ta} = {tb}" if va == vb else f"{ta} vs {tb}"
        out.add(kind, "agree" if va == vb else "differ", weight, said)
    return out
