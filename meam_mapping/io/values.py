"""Read numbers and units from text cells.

* :func:`parse_numbers` turns text cells into numbers: thousands commas
  (``"1,234"``) are read, suppression markers (``*``, ``c``, ``x``, ``..``,
  ``-``, ``[c]``, ``[x]``, ``:``, ``<5``) become *unknown* (NaN, flagged as
  suppressed, never zero), "n/a" and blanks are missing, and anything else
  that is not a number is an :class:`~meam_mapping.errors.InputError` naming
  its rows.
* :func:`guess_unit` guesses a unit code from an indicator's name and values
  when the file gives none; :func:`normalize_unit` reads one as people write
  it ("per 1,000", "%") through the one vocabulary,
  :func:`meam_mapping.indicators.units.parse_unit`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from meam_mapping.errors import InputError
from meam_mapping.indicators.units import parse_unit

__all__ = [
    "SUPPRESSION_MARKERS",
    "MISSING_MARKERS",
    "UNITS",
    "UNIT_MULTIPLIERS",
    "PEOPLE_UNITS",
    "ParsedNumbers",
    "parse_numbers",
    "guess_unit",
    "normalize_unit",
    "map_unique",
]

#: Cell values that mean "withheld by the publisher" (compared ignoring case).
#: ``<5``-style entries ("fewer than 5") are also treated as suppressed.
SUPPRESSION_MARKERS: frozenset[str] = frozenset(
    {"*", "c", "x", "..", "-", "[c]", "[x]", ":", "~", "s", "[s]", "supp", "suppressed"}
)
#: Cell values that mean "no value" (not withheld): kept as unknown.
MISSING_MARKERS: frozenset[str] = frozenset(
    {"", "na", "n/a", "nan", "null", "none", "#n/a", "[z]", "z"}
)
_FEWER_THAN = re.compile(r"^<\s*\d+$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")

#: Common unit codes of ``value`` (any ``per_N`` is also a code); the one
#: vocabulary is :mod:`meam_mapping.indicators.units`.
UNITS: tuple[str, ...] = (
    "count",
    "proportion",
    "percent",
    "per_1000",
    "per_10000",
    "per_100000",
    "score",
    "ratio",
    "rank",
    "decile",
    "quintile",
    "category",
    "other",
)
#: Multiplier turning ``count / denominator`` into ``value`` for the common rate
#: codes (use :func:`meam_mapping.indicators.units.parse_unit` for any unit).
UNIT_MULTIPLIERS: dict[str, float] = {
    "proportion": 1.0,
    "percent": 100.0,
    "per_1000": 1_000.0,
    "per_10000": 10_000.0,
    "per_100000": 100_000.0,
}
#: Units where the count is people *within* the denominator population, so a
#: count larger than its denominator is impossible (an error). For rates per
#: 1,000 etc. the count may be of events (admissions, attendances), which can
#: outnumber the population, so that is only noted; for scores and ratios the
#: denominator is not a population and nothing is checked.
PEOPLE_UNITS: frozenset[str] = frozenset({"count", "proportion", "percent"})


def map_unique(
    values: pd.Series, func: Callable[[object], object] | Mapping[object, object]
) -> pd.Series:
    """Apply ``func`` once per distinct value and map the results back to every row.

    A million-row table holds few distinct indicator names, units or periods,
    so this turns a per-row Python loop into a per-value one.

    Parameters
    ----------
    values : pandas.Series
        The values (NaN is passed to ``func`` as NaN).
    func : callable or mapping
        Applied to each distinct value (a mapping gives None for values it lacks).

    Returns
    -------
    pandas.Series
        ``values.map(func)``, with the same index: of dtype ``bool`` when every
        result is a bool, ``str`` when every result is a string, else object
        (typed results spare the caller a pass over a million Python objects).

    Examples
    --------
    >>> map_unique(pd.Series(["a", "b", "a"]), str.upper).tolist()
    ['A', 'B', 'A']
    """
    codes, uniques = pd.factorize(values, sort=False, use_na_sentinel=False)
    get = func.get if isinstance(func, Mapping) else func
    # The same values (missing: its NA), not one by one.
    if isinstance(uniques.dtype, pd.StringDtype):
        uniques = uniques.to_numpy(dtype=object, na_value=uniques.dtype.na_value)
    found = [get(u) for u in uniques]
    if found and all(isinstance(r, (bool, np.bool_)) for r in found):
        return pd.Series(np.array(found, dtype=bool)[codes], index=values.index)
    if found and all(isinstance(r, str) for r in found):
        text = pd.Series(found, dtype=object).astype(str).array  # the str dtype in use
        return pd.Series(text.take(codes), index=values.index)
    results = np.empty(len(uniques), dtype=object)
    results[:] = found
    return pd.Series(results[codes], index=values.index, dtype=object)


@dataclass(frozen=True)
class ParsedNumbers:
    """Numbers parsed from text cells.

    Attributes
    ----------
    values : pandas.Series
        Floats; NaN where the cell was blank, missing or suppressed.
    suppressed : pandas.Series
        True where the cell held a suppression marker.
    missing : pandas.Series
        True where the cell was blank or said "n/a" (no value, not withheld).
    """

    values: pd.Series
    suppressed: pd.Series
    missing: pd.Series


def parse_numbers(
    cells: pd.Series,
    *,
    column: str,
    file: str | None = None,
    rows: pd.Series | Sequence[int] | None = None,
) -> ParsedNumbers:
    """Parse text cells as numbers, keeping suppression markers as unknown.

    Parameters
    ----------
    cells : pandas.Series
        Text (or numbers) to parse.
    column : str
        Column name, for messages.
    file : str, optional
        File name, for messages.
    rows : sequence of int, optional
        Spreadsheet row number of each cell (default: position + 2).

    Returns
    -------
    ParsedNumbers
        Values, and which cells were suppressed or missing.

    Raises
    ------
    InputError
        If any cell is neither a number, a suppression marker nor blank; the
        message lists the first few such cells with their rows.

    Examples
    --------
    >>> p = parse_numbers(pd.Series(["1,234", "*", "", "7"]), column="count")
    >>> p.values.tolist()[0], p.suppressed.tolist()
    (1234.0, [False, True, False, False])
    """
    # Parse each distinct cell once and map back (a million rows hold few distinct values).
    codes, uniques = pd.factorize(cells, sort=False, use_na_sentinel=False)
    text = pd.Series(uniques, dtype="object")
    text = text.where(text.notna(), "").astype(str).str.strip()
    lowered = text.str.lower()
    suppressed = lowered.isin(SUPPRESSION_MARKERS) | lowered.str.match(_FEWER_THAN)
    missing = lowered.isin(MISSING_MARKERS)
    cleaned = text.where(~text.str.match(_THOUSANDS), text.str.replace(",", "", regex=False))
    cleaned = cleaned.str.replace("£", "", regex=False)
    cleaned = cleaned.where(~(suppressed | missing), None)
    values = pd.to_numeric(cleaned, errors="coerce").astype("float64")
    junk = cleaned.notna() & ~np.isfinite(values.fillna(np.inf)) | (cleaned.notna() & values.isna())
    values = values.where(~(suppressed | missing))

    def back(per_unique: pd.Series) -> pd.Series:
        return pd.Series(per_unique.to_numpy()[codes], index=cells.index)

    if junk.any():
        if rows is None:
            rows = pd.Series(np.arange(len(cells)) + 2, index=cells.index)
        rows = pd.Series(list(rows), index=cells.index)
        junk_rows = back(junk).astype(bool)
        bad = back(text)[junk_rows]
        shown = ", ".join(f"row {rows[i]}: {v!r}" for i, v in list(bad.items())[:5])
        raise InputError(
            f"{int(junk_rows.sum())} cell(s) are not numbers ({shown})",
            file=file,
            row=[int(r) for r in rows[junk_rows]],
            column=column,
            expected="a number such as 12 or 1,234, a blank, or a suppression marker "
            "(*, c, x, .., -, [c], [x], :)",
            fix="Correct these cells, or leave them blank if the value is unknown",
        )
    return ParsedNumbers(
        back(values).astype("float64"), back(suppressed).astype(bool), back(missing).astype(bool)
    )


_UNIT_WORDS: tuple[tuple[str, str], ...] = (
    (r"\brank(ing)?\b", "rank"),
    (r"\bdeciles?\b", "decile"),
    (r"\bquintiles?\b", "quintile"),
    (r"\bratio\b", "ratio"),
    (r"\bscore\b|\bindex\b|\bimd\b|\baverage\b|\bmean\b", "score"),
    (r"%|\bpercent|\bpercentage\b|\bpct\b", "percent"),
    (r"\bproportion\b", "proportion"),
    (r"\bdsr\b|directly (age )?standardi[sz]ed", "per_100000"),
    (r"^(counts?|number|n|people|persons|total)$|\bnumber of\b|\bcount\b", "count"),
)
_PER_N = re.compile(r"(?:\bper\b|/)\s*(\d{1,3}(?:,\d{3})+|\d+)\b", re.IGNORECASE)


def guess_unit(name: str, values: pd.Series | None = None) -> str:
    """Guess the unit of an indicator's values from its name, then its values.

    Rules, first match wins: "per 1,000" / "/ 100,000" etc. give ``per_N``;
    "rank", "decile", "quintile" give those codes; "ratio" gives ``ratio``; "score", "index", "IMD", "average" give ``score``;
    "%" / "percent" give ``percent``; "proportion" gives ``percent`` unless all
    values lie in 0-1 (then ``proportion``); "directly standardised" / "DSR"
    give ``per_100000``; "count" / "number of" give ``count``. With no clue in
    the name, whole numbers of 0 or more give ``count``, anything else
    ``other``.

    Parameters
    ----------
    name : str
        Indicator name or column heading.
    values : pandas.Series, optional
        The values (floats, NaN allowed).

    Returns
    -------
    str
        One of :data:`UNITS`.

    Examples
    --------
    >>> guess_unit("Hospital admissions per 100,000")
    'per_100000'
    >>> guess_unit("homeless_households", pd.Series([3.0, 0.0, 12.0]))
    'count'
    """
    text = str(name).replace("_", " ").strip().lower()
    for per in _PER_N.finditer(text):
        n = int(per.group(1).replace(",", ""))
        if n == 100:
            return "percent"
        if n >= 1000 and str(n).rstrip("0") == "1":  # 1,000, 10,000, 100,000...
            return f"per_{n}"
    finite = values.dropna() if values is not None else pd.Series(dtype="float64")
    for pattern, unit in _UNIT_WORDS:
        if re.search(pattern, text):
            if unit == "proportion" and (finite.empty or finite.max() > 1):
                return "percent"
            return unit
    if not finite.empty and (finite >= 0).all() and np.allclose(finite, finite.round()):
        return "count"
    return "other"


def normalize_unit(text: str) -> str | None:
    """Map a unit as people write it ("per 1,000", "%", "Number") to its code.

    Parameters
    ----------
    text : str
        The unit as written.

    Returns
    -------
    str or None
        The code (see :func:`meam_mapping.indicators.units.parse_unit`), or
        None if it is not recognised or blank.
    """
    try:
        return parse_unit(text, default=None).code
    except InputError:
        return None
