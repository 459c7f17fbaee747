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

import dataclasses
import re
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
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
    "apply_kinds",
    "check_kind",
    "check_polarity",
    "default_kind",
    "infer_kind",
    "is_summable",
    "with_kinds",
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


#: Number of ordered groups of the group kinds.
_GROUP_SIZES = {"decile": 10, "quintile": 5}


def _changes_frame(changes: Mapping[str, Mapping[str, Any]] | pd.DataFrame) -> pd.DataFrame:
    """``{indicator: {"kind": ..., "polarity": ...}}`` or a frame -> a frame indexed by indicator."""
    if isinstance(changes, pd.DataFrame):
        frame = changes.copy()
        if "indicator" in frame.columns:
            frame = frame.set_index("indicator")
    elif isinstance(changes, Mapping):
        frame = pd.DataFrame.from_dict(
            {str(k): dict(v) for k, v in changes.items()}, orient="index"
        )
    else:
        raise InputError(
            f"the kinds to apply are a {type(changes).__name__}",
            expected="a mapping {indicator: {'kind': ..., 'polarity': ...}} or a table with "
            "columns indicator, kind, polarity",
        )
    extra = [c for c in frame.columns if c not in ("kind", "polarity", "indicator_name")]
    if extra:
        raise InputError(
            "only kind and polarity can be changed here, not " + ", ".join(map(str, extra)),
            column=[str(c) for c in extra],
            expected="kind and/or polarity",
        )
    frame.index = frame.index.astype(str)
    return frame.drop(columns=[c for c in ("indicator_name",) if c in frame.columns])


def _check_values_fit(rows: pd.DataFrame, indicator: str, kind: str) -> None:
    """Refuse a kind the indicator's values cannot have (deciles outside 1 to 10...)."""
    if kind not in ORDINAL_KINDS:
        return
    values = pd.to_numeric(rows["value"], errors="coerce") if "value" in rows else None
    if values is None or values.notna().sum() == 0:
        raise InputError(
            f"indicator {indicator!r} has no values, so it cannot be a {kind}",
            column="kind",
            expected=f"a {kind} column of whole numbers",
            fix="Choose count, rate or proportion for an indicator given as counts",
        )
    known = values.dropna().to_numpy(dtype=float)
    top = _GROUP_SIZES.get(kind)
    bad = (known != np.round(known)) | (known < 1) | (known > (top if top else np.inf))
    if bad.any():
        allowed = f"whole numbers 1 to {top}" if top else "whole numbers 1 or more"
        shown = ", ".join(f"{v:g}" for v in pd.unique(known[bad])[:5])
        raise InputError(
            f"indicator {indicator!r} has {int(bad.sum())} value(s) that cannot be {kind}s "
            f"(e.g. {shown})",
            column="kind",
            expected=allowed,
            fix="Choose score or another kind that fits these values",
        )


def apply_kinds(
    indicators: pd.DataFrame, changes: Mapping[str, Mapping[str, Any]] | pd.DataFrame
) -> pd.DataFrame:
    """Set the kind and/or polarity of named indicators in a tidy indicator table.

    This is how a person corrects what was inferred at load (the Data page's
    editor): the new values are checked, then written to every row of the
    indicator, so maps (ordered classes for ranks, deciles and quintiles),
    aggregation (which kinds may be summed), the composite index (which end is
    worse) and benchmark colours all follow them.

    Parameters
    ----------
    indicators : pandas.DataFrame
        Tidy indicator table with ``indicator``, ``kind`` and ``polarity``.
    changes : mapping or pandas.DataFrame
        ``{indicator: {"kind": ..., "polarity": ...}}`` (either key may be
        left out), or a table with columns ``indicator``, ``kind``,
        ``polarity`` (one row per indicator, as the Data page's editor gives).
        Values are written as in :data:`KINDS` / :data:`POLARITIES`; spacing
        and capitals are forgiven ("Lower is worse").

    Returns
    -------
    pandas.DataFrame
        A copy with the changed rows; the input is not modified.

    Raises
    ------
    InputError
        For an indicator that is not in the table, a kind or polarity not in
        the allowed set, or a kind the values cannot have (a decile outside 1
        to 10, a rank that is not a whole number of 1 or more).

    Examples
    --------
    >>> table = pd.DataFrame({"indicator": ["imd", "imd"], "value": [1.0, 10.0],
    ...                       "kind": ["score", "score"], "polarity": ["neutral"] * 2})
    >>> out = apply_kinds(table, {"imd": {"kind": "Decile", "polarity": "lower is worse"}})
    >>> out[["kind", "polarity"]].iloc[0].tolist()
    ['decile', 'lower_is_worse']
    """
    frame = _changes_frame(changes)
    ids = indicators["indicator"].astype(str)
    known = set(ids.unique())
    unknown = [i for i in frame.index if i not in known]
    if unknown:
        raise InputError(
            "there is no indicator " + ", ".join(repr(i) for i in unknown[:5]),
            column="indicator",
            expected="one of " + ", ".join(sorted(known)[:20]),
            fix="Choose an indicator from the list of loaded indicators",
        )
    out = indicators.copy()
    for column, check in (("kind", check_kind), ("polarity", check_polarity)):
        if column not in frame.columns:
            continue
        given = frame[column].astype("object").where(frame[column].notna(), "")
        norm = given.astype(str).str.strip().str.lower().str.replace(r"[\s-]+", "_", regex=True)
        allowed = KINDS if column == "kind" else POLARITIES
        bad = (norm != "") & ~norm.isin(allowed)
        if bad.any():
            raise InputError(
                f"unknown {column} " + ", ".join(f"{v!r} (for {i})" for i, v in given[bad].items()),
                column=column,
                expected="one of " + ", ".join(allowed),
                fix=f"Choose a {column} from the list",
            )
        normal = check(given.rename(column))
        if column not in out.columns:
            out[column] = ""
        for indicator, value in normal[normal != ""].items():  # blank: leave as it is
            rows = ids == indicator
            if column == "kind":
                _check_values_fit(out.loc[rows], indicator, value)
            out.loc[rows, column] = value
    return out


def with_kinds(dataset: Any, changes: Mapping[str, Mapping[str, Any]] | pd.DataFrame) -> Any:
    """A copy of a :class:`~meam_mapping.dataset.Dataset` with indicators' kinds/polarity changed.

    Parameters
    ----------
    dataset : Dataset
        The data loaded now.
    changes : mapping or pandas.DataFrame
        As for :func:`apply_kinds`.

    Returns
    -------
    Dataset
        A new dataset (datasets are immutable); its notes say what changed,
        and a workspace saved from it keeps the new kinds.

    Raises
    ------
    InputError
        As for :func:`apply_kinds`.
    """
    table = dataset.indicators
    before = table.groupby("indicator", sort=False)[["kind", "polarity"]].first()
    after_table = apply_kinds(table, changes)
    after = after_table.groupby("indicator", sort=False)[["kind", "polarity"]].first()
    notes = list(dataset.notes)
    for indicator in after.index:
        old, new = before.loc[indicator], after.loc[indicator]
        if tuple(old) != tuple(new):
            notes.append(
                f"Indicator {indicator}: kind and polarity set by hand to {new['kind']}, "
                f"{new['polarity'].replace('_', ' ')} (were {old['kind']}, "
                f"{old['polarity'].replace('_', ' ')})."
            )
    return dataclasses.replace(dataset, indicators=after_table, notes=notes)
