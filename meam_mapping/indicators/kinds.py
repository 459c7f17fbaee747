"""What an indicator's values are (``kind``) and which end is worse (``polarity``).

Both are columns of the tidy indicator table, inferred at load from the
heading, the unit and whether the file gives counts and denominators
(:func:`infer_kind`), or taken from ``kind`` / ``polarity`` columns of the file
(checked by :func:`check_kind` / :func:`check_polarity`).

Kinds
-----
``count``       people or events; summed to larger areas.
``rate``        count / denominator per N (per 1,000...); recomputed from sums.
``proportion``  count / denominator as a % or proportion; recomputed from sums.
``score``       a value such as an IMD score; never summed.
``rank``        1 = first (for the Indices of Deprivation, most deprived); never summed.
``decile``, ``quintile``  ordered groups of areas; never summed.
``category``    a label coded as a number; never summed.

Only :data:`SUMMABLE_KINDS` can be added up from small areas to larger ones
(:func:`meam_mapping.geography.aggregate.aggregate_indicators` refuses the
others).

Inference rules, first match wins
---------------------------------
1. heading with "rank" -> ``rank``; "decile" -> ``decile``; "quintile" ->
   ``quintile`` (or a unit ``rank``/``decile``/``quintile``). Polarity
   ``lower_is_worse`` (1 = most deprived, as in the English Indices of
   Deprivation) unless the heading says "1 is least deprived" or "10 is most
   deprived" (``higher_is_worse``).
2. unit ``category`` or a heading with "category"/"classification" -> ``category``, neutral.
3. unit ``score``/``ratio``/``other`` -> ``score``; higher_is_worse when the
   heading speaks of deprivation, need or disadvantage (a higher IMD score is
   more deprived), else neutral.
4. a heading naming a population ("population", "residents", "adults aged",
   "number of people living") -> ``count``, neutral.
5. a rate unit with counts and denominators -> ``rate`` (``proportion`` for
   % and proportion units), higher_is_worse.
6. unit ``count`` -> ``count``, higher_is_worse (people facing a disadvantage).
"""

from __future__ import annotations

import re
from typing import Literal

import pandas as pd

from meam_mapping.errors import InputError
from meam_mapping.indicators.units import Unit, parse_unit

__all__ = [
    "COMPARISON_COLOURS",
    "KINDS",
    "ORDINAL_KINDS",
    "POLARITIES",
    "SIDE_WORDS",
    "SUMMABLE_KINDS",
    "Kind",
    "Polarity",
    "check_kind",
    "check_polarity",
    "default_kind",
    "infer_kind",
    "is_summable",
]

Kind = Literal["count", "rate", "proportion", "score", "rank", "decile", "quintile", "category"]
Polarity = Literal["higher_is_worse", "lower_is_worse", "neutral"]

#: Kinds of indicator, in the order shown to people.
KINDS: tuple[str, ...] = (
    "count",
    "rate",
    "proportion",
    "score",
    "rank",
    "decile",
    "quintile",
    "category",
)
#: Which end of the values is worse.
POLARITIES: tuple[str, ...] = ("higher_is_worse", "lower_is_worse", "neutral")
#: Kinds whose counts and denominators may be summed to larger areas.
SUMMABLE_KINDS: frozenset[str] = frozenset({"count", "rate", "proportion"})
#: Kinds that are ordered groups or positions (mapped as ordered categories).
ORDINAL_KINDS: frozenset[str] = frozenset({"rank", "decile", "quintile"})

_ORDINAL_WORDS = (
    ("rank", r"\brank(ing)?\b"),
    ("decile", r"\bdeciles?\b"),
    ("quintile", r"\bquintiles?\b"),
)
_HIGH_IS_WORSE_ORDINAL = re.compile(
    r"1 (is|=) (the )?least deprived|(10|5) (is|=) (the )?most deprived|highest (is|=) most deprived"
)
_CATEGORY = re.compile(r"\bcategory\b|\bclassification\b|\bclass\b|\btype\b")
_NEED = re.compile(r"depriv|\bimd\b|\bneed\b|disadvantage|\bidaci\b|\bidaopi\b")
_POPULATION = re.compile(
    r"\bpopulation\b|\bresidents\b|\bmid[- ]year\b|\badults aged\b|\bpeople aged\b"
    r"|\baged \d+|\bnumber of people living\b|\bhouseholds? in area\b|^adults$|^total adults$"
)


#: Colours of the comparison with a benchmark (Paul Tol's colour-blind-safe
#: sets), shared by funnel plots, benchmark maps and compare-areas charts.
COMPARISON_COLOURS: dict[str, str] = {
    "Better": "#4477AA",
    "Similar": "#DDCC77",
    "Worse": "#CC3311",
    "Lower": "#88CCEE",
    "Higher": "#332288",
}
#: Polarity -> words for the (above, below) sides of a comparison with a benchmark.
SIDE_WORDS: dict[str, tuple[str, str]] = {
    "neutral": ("Higher", "Lower"),
    "higher_is_worse": ("Worse", "Better"),
    "lower_is_worse": ("Better", "Worse"),
}

def _text(heading: object) -> str:
    return re.sub(r"\s+", " ", str(heading).replace("_", " ").strip().lower())


def infer_kind(
    heading: object,
    unit: Unit | str | None = None,
    *,
    has_count: bool = False,
    has_denominator: bool = False,
) -> tuple[str, str]:
    """Infer an indicator's kind and polarity from its heading, unit and data.

    Parameters
    ----------
    heading : str
        The indicator's name or column heading, as written in the file.
    unit : Unit or str, optional
        Its unit (see :func:`~meam_mapping.indicators.units.parse_unit`).
    has_count, has_denominator : bool
        Whether the file gives counts / denominators for it.

    Returns
    -------
    (kind, polarity) : tuple of str
        One of :data:`KINDS` and one of :data:`POLARITIES`.

    Examples
    --------
    >>> infer_kind("Index of Multiple Deprivation (IMD) Rank")
    ('rank', 'lower_is_worse')
    >>> infer_kind("Income Decile (where 1 is most deprived 10% of LSOAs)")
    ('decile', 'lower_is_worse')
    >>> infer_kind("homelessness_duty_owed", "per_1000", has_count=True, has_denominator=True)
    ('rate', 'higher_is_worse')
    >>> infer_kind("Total population: mid 2015 (excluding prisoners)", "count", has_count=True)
    ('count', 'neutral')
    """
    text = _text(heading)
    parsed = parse_unit(unit, default=None) if unit not in (None, "") else None
    code = parsed.code if parsed is not None else ""
    for kind, pattern in _ORDINAL_WORDS:
        if code == kind or re.search(pattern, text):
            high = bool(_HIGH_IS_WORSE_ORDINAL.search(text))
            return kind, "higher_is_worse" if high else "lower_is_worse"
    if code == "category" or (not has_count and _CATEGORY.search(text) and not _NEED.search(text)):
        return "category", "neutral"
    if parsed is not None and parsed.is_value_only:
        return "score", "higher_is_worse" if _NEED.search(text) else "neutral"
    countable = parsed is None or parsed.is_count
    if _POPULATION.search(text) and countable and (has_count or code == "count"):
        return "count", "neutral"
    if parsed is not None and parsed.is_rate:
        return ("proportion" if parsed.is_proportion else "rate"), "higher_is_worse"
    if has_count and has_denominator:
        return "rate", "higher_is_worse"
    if code == "count" or has_count:
        return "count", "higher_is_worse"
    return "score", "higher_is_worse" if _NEED.search(text) else "neutral"


def default_kind(
    unit: Unit | str | None, *, has_count: bool, has_denominator: bool
) -> tuple[str, str]:
    """Kind and polarity for a table saved before kinds existed (no heading to read).

    Counts with denominators are rates (``higher_is_worse``), counts alone
    counts, anything else a score (neutral).
    """
    return infer_kind("", unit, has_count=has_count, has_denominator=has_denominator)


def _check(
    values: pd.Series,
    allowed: tuple[str, ...],
    name: str,
    *,
    file: str | None,
    rows: pd.Series | None,
) -> pd.Series:
    text = values.astype("object").where(values.notna(), "").astype(str).str.strip()
    norm = text.str.lower().str.replace(r"[\s-]+", "_", regex=True)
    bad = (norm != "") & ~norm.isin(allowed)
    if bad.any():
        where = (
            rows[bad]
            if rows is not None
            else pd.Series(range(len(values)), index=values.index)[bad] + 2
        )
        raise InputError(
            f"Unknown {name} value(s): " + ", ".join(repr(v) for v in text[bad].unique()[:5]),
            file=file,
            row=[int(r) for r in where],
            column=name,
            expected="one of " + ", ".join(allowed) + " (or blank to let the program decide)",
            fix=f"Use one of the listed {name} names",
        )
    return norm


def check_kind(
    values: pd.Series, *, file: str | None = None, rows: pd.Series | None = None
) -> pd.Series:
    """Normalise a ``kind`` column ("Rank" -> "rank"); blanks stay ``""``.

    Raises
    ------
    InputError
        Naming the rows and the allowed kinds, for any other value.
    """
    return _check(values, KINDS, "kind", file=file, rows=rows)


def check_polarity(
    values: pd.Series, *, file: str | None = None, rows: pd.Series | None = None
) -> pd.Series:
    """Normalise a ``polarity`` column ("Higher is worse" -> "higher_is_worse").

    Raises
    ------
    InputError
        Naming the rows and the allowed polarities, for any other value.
    """
    return _check(values, POLARITIES, "polarity", file=file, rows=rows)


def is_summable(rows: pd.DataFrame) -> bool:
    """Whether one indicator's rows can be added up to larger areas.

    True when some row has a count (or a suppressed count) and no row has a
    ``kind`` outside :data:`SUMMABLE_KINDS` (a missing ``kind`` column counts
    as summable, as before kinds existed).
    """
    if "count" not in rows.columns:
        return False
    has_count = rows["count"].notna().any()
    if "suppressed" in rows.columns:
        has_count = has_count or rows["suppressed"].fillna(False).astype(bool).any()
    if not has_count:
        return False
    if "kind" not in rows.columns:
        return True
    kinds = rows["kind"].dropna().astype(str)
    return bool(kinds[kinds != ""].isin(SUMMABLE_KINDS).all())
