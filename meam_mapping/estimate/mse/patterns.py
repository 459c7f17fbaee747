"""Overlap (pattern) tables: validate, normalise and check them for estimation.

A pattern table is what a data-matching exercise yields: one 0/1 column per
list (service), a ``count`` column with the number of people seen in exactly
that pattern, and optionally ``area_code`` and stratum columns (``sex``,
``age_band``). See ``DESIGN.md`` ("Overlap (pattern) table").

:func:`validate_patterns` turns whatever the user supplied into a
:class:`PatternTable` or raises :class:`~meam_mapping.errors.InputError` naming
the row (as a spreadsheet shows it: header is row 1) and the column.
:func:`check_estimable` then refuses tables from which no estimate of the
hidden population can be made, raising
:class:`~meam_mapping.errors.EstimationError` with the reason.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from meam_mapping.errors import EstimationError, InputError

__all__ = [
    "COUNT_COLUMN",
    "NON_LIST_COLUMNS",
    "PatternTable",
    "detect_lists",
    "validate_patterns",
    "observable_patterns",
    "pattern_counts",
    "check_estimable",
]

#: Column holding the number of people seen in a pattern.
COUNT_COLUMN = "count"
#: Columns never taken to be lists when lists are auto-detected.
NON_LIST_COLUMNS: tuple[str, ...] = ("count", "area_code", "area_name", "sex", "age_band")


@dataclass(frozen=True)
class PatternTable:
    """A validated pattern table.

    Attributes
    ----------
    table : pandas.DataFrame
        Columns ``strata + lists + ['count']``; list columns are ``int64`` 0/1,
        ``count`` is ``int64``; one row per distinct stratum and pattern
        (repeated patterns summed), the all-zero pattern removed.
    lists : tuple of str
        The list (service) column names, in the order given.
    strata : tuple of str
        Stratum columns kept apart (for example ``area_code``).
    warnings : tuple of str
        Things the user should know that did not stop validation.
    """

    table: pd.DataFrame
    lists: tuple[str, ...]
    strata: tuple[str, ...]
    warnings: tuple[str, ...]

    @property
    def observed(self) -> int:
        """Number of people seen by at least one list."""
        return int(self.table[COUNT_COLUMN].sum())


def detect_lists(columns: Sequence[str], strata: Sequence[str] = ()) -> list[str]:
    """Return the columns taken to be lists: all but count, area and strata.

    Parameters
    ----------
    columns : sequence of str
        Column names of the pattern table.
    strata : sequence of str, optional
        Extra columns to leave out (stratum columns).

    Returns
    -------
    list of str
    """
    skip = set(NON_LIST_COLUMNS) | set(strata)
    return [str(c) for c in columns if str(c) not in skip]


def _rows(mask: pd.Series | np.ndarray) -> int | list[int]:
    """Spreadsheet row number(s) (header is row 1) of the True positions."""
    rows = [int(i) + 2 for i in np.flatnonzero(np.asarray(mask))]
    return rows[0] if len(rows) == 1 else rows


def _as_numbers(series: pd.Series) -> pd.Series:
    """Numbers from a column that may hold text (as read from a CSV)."""
    if series.dtype == bool:
        return series.astype("float64")
    return pd.to_numeric(series, errors="coerce").astype("float64")


def validate_patterns(
    patterns: pd.DataFrame,
    *,
    lists: Sequence[str] | None = None,
    strata: Sequence[str] = (),
    file: str | None = None,
) -> PatternTable:
    """Check and normalise an overlap (pattern) table.

    Parameters
    ----------
    patterns : pandas.DataFrame
        One 0/1 column per list and a ``count`` column.
    lists : sequence of str, optional
        The list columns. By default every column except ``count``,
        ``area_code``, ``area_name``, ``sex``, ``age_band`` and ``strata``.
    strata : sequence of str, optional
        Columns that split the table into separate groups (kept, not lists).
    file : str, optional
        File name to put in error messages.

    Returns
    -------
    PatternTable

    Raises
    ------
    InputError
        On a missing column, a list value other than 0/1, a blank, negative
        or fractional count, an all-zero pattern with people in it, or fewer
        than two lists. Rows are numbered as a spreadsheet shows them.

    Examples
    --------
    >>> import pandas as pd
    >>> t = validate_patterns(pd.DataFrame({"A": [1, 0, 1], "B": [0, 1, 1],
    ...                                      "count": [30, 20, 10]}))
    >>> t.lists, t.observed
    (('A', 'B'), 60)
    """
    name = "overlap table"  # the file, when known, is named at the start of the message
    if not isinstance(patterns, pd.DataFrame):
        raise InputError(
            f"the pattern table is a {type(patterns).__name__}, not a table",
            file=file,
            expected="a table with one 0/1 column per list and a 'count' column",
        )
    if len(patterns) == 0:
        raise InputError(
            "the pattern table has no rows",
            file=file,
            expected="one row per pattern of lists, with the number of people in it",
        )
    columns = [str(c) for c in patterns.columns]
    df = patterns.copy()
    df.columns = columns
    if COUNT_COLUMN not in columns:
        raise InputError(
            "there is no 'count' column",
            file=file,
            column=COUNT_COLUMN,
            expected="a column named 'count' with the number of people seen in each pattern",
            fix="Rename the column holding the numbers to 'count' (columns found: "
            + ", ".join(map(repr, columns))
            + ")",
        )
    strata = [str(s) for s in strata]
    missing_strata = [s for s in strata if s not in columns]
    if missing_strata:
        raise InputError(
            f"stratum column(s) {', '.join(map(repr, missing_strata))} are not in the {name}",
            file=file,
            column=missing_strata,
            expected="one of the columns " + ", ".join(map(repr, columns)),
        )
    if lists is None:
        lists = detect_lists(columns, strata)
    else:
        lists = [str(c) for c in lists]
        missing = [c for c in lists if c not in columns]
        if missing:
            raise InputError(
                f"list column(s) {', '.join(map(repr, missing))} are not in the {name}",
                file=file,
                column=missing,
                expected="one of the columns " + ", ".join(map(repr, columns)),
            )
        if len(set(lists)) != len(lists):
            raise InputError("a list column is named twice", file=file, column=list(lists))
    if len(lists) < 2:
        raise InputError(
            f"the {name} has {len(lists)} list column(s)"
            + (f" ({', '.join(map(repr, lists))})" if lists else "")
            + "; an estimate of the hidden population needs at least two lists",
            file=file,
            expected="two or more 0/1 columns, one per list (service), saying whether the people of "
            "each row are on that service's list",
            fix="Add a 0/1 column for each other service whose people were matched",
        )

    for col in lists:
        values = _as_numbers(df[col])
        bad = ~values.isin([0.0, 1.0])
        if bad.any():
            shown = sorted({str(v) for v in patterns[col][bad.to_numpy()].tolist()})[:5]
            hint = ""
            if col not in strata:
                hint = (
                    f" If '{col}' is not a list but a grouping column, estimate separately for "
                    f"each of its values (on the command line: --by {col}) or remove the column"
                )
            raise InputError(
                f"list column '{col}' holds values other than 0 and 1 ({', '.join(shown)})",
                file=file,
                row=_rows(bad),
                column=col,
                expected="0 (not on this list) or 1 (on this list)",
                fix="Correct those cells." + hint,
            )
        df[col] = values.astype("int64")

    counts = _as_numbers(df[COUNT_COLUMN])
    blank = counts.isna()
    if blank.any():
        raise InputError(
            "count is blank or not a number",
            file=file,
            row=_rows(blank),
            column=COUNT_COLUMN,
            expected="a whole number of 0 or more",
            fix="Fill in the number of people (0 if none)",
        )
    negative = counts < 0
    if negative.any():
        raise InputError(
            "count is negative",
            file=file,
            row=_rows(negative),
            column=COUNT_COLUMN,
            expected="a whole number of 0 or more",
        )
    fractional = (counts != np.floor(counts)) | ~np.isfinite(counts)
    if fractional.any():
        raise InputError(
            "count is not a whole number",
            file=file,
            row=_rows(fractional),
            column=COUNT_COLUMN,
            expected="a whole number of people (no decimals)",
        )
    df[COUNT_COLUMN] = counts.astype("int64")

    on_none = df[list(lists)].sum(axis=1) == 0
    impossible = on_none & (df[COUNT_COLUMN] > 0)
    if impossible.any():
        raise InputError(
            "a row says people were seen on none of the lists; nobody can be counted there "
            "(that number is what the estimate is for)",
            file=file,
            row=_rows(impossible),
            column=list(lists),
            expected="at least one 1 in every row with people in it",
            fix="Remove those rows or correct the 0/1 values",
        )

    warnings: list[str] = []
    keys = list(strata) + list(lists)
    kept = df.loc[~on_none.to_numpy(), keys + [COUNT_COLUMN]]
    duplicated = kept.duplicated(subset=keys, keep="first")
    if duplicated.any():
        rows = [int(i) + 2 for i in np.flatnonzero(~on_none.to_numpy())[duplicated.to_numpy()]]
        shown = ", ".join(str(r) for r in rows[:10]) + (" ..." if len(rows) > 10 else "")
        label = "row" if len(rows) == 1 else "rows"
        warnings.append(
            f"{len(rows)} {label} {'repeats' if len(rows) == 1 else 'repeat'} a pattern already listed ({label} {shown}); "
            "their counts were added together"
        )
    table = kept.groupby(keys, sort=True, as_index=False, dropna=False)[COUNT_COLUMN].sum()
    table = table.reset_index(drop=True)
    return PatternTable(
        table=table, lists=tuple(lists), strata=tuple(strata), warnings=tuple(warnings)
    )


def observable_patterns(k: int) -> np.ndarray:
    """All ``2**k - 1`` patterns of ``k`` lists except the all-zero one.

    Parameters
    ----------
    k : int
        Number of lists.

    Returns
    -------
    numpy.ndarray
        Shape ``(2**k - 1, k)`` of 0/1, in a fixed (binary counting) order.
    """
    return np.array([p for p in itertools.product((0, 1), repeat=k) if any(p)], dtype=np.int64)


def pattern_counts(table: pd.DataFrame, lists: Sequence[str]) -> np.ndarray:
    """Return counts for every observable pattern (0 where nobody was seen).

    Parameters
    ----------
    table : pandas.DataFrame
        A validated table (``PatternTable.table``) with one stratum or none.
    lists : sequence of str
        List columns, in the order used for :func:`observable_patterns`.

    Returns
    -------
    numpy.ndarray
        Float counts aligned with ``observable_patterns(len(lists))``.
    """
    k = len(lists)
    weights = 2 ** np.arange(k - 1, -1, -1)
    codes = table[list(lists)].to_numpy(dtype=np.int64) @ weights
    out = np.zeros(2**k, dtype=float)
    np.add.at(out, codes, table[COUNT_COLUMN].to_numpy(dtype=float))
    return out[1:]


def check_estimable(table: pd.DataFrame, lists: Sequence[str]) -> list[str]:
    """Refuse tables that carry no overlap information; return warnings.

    Parameters
    ----------
    table : pandas.DataFrame
        A validated table for one stratum.
    lists : sequence of str
        List columns.

    Returns
    -------
    list of str
        Warnings (for example a list nested inside another with 3+ lists).

    Raises
    ------
    EstimationError
        If nobody was seen, a list has nobody on it, nobody is on more than one
        list, or (with two lists) one list lies wholly inside the other.
    """
    lists = list(lists)
    y = pattern_counts(table, lists)
    pats = observable_patterns(len(lists))
    total = y.sum()
    if total <= 0:
        raise EstimationError("nobody was seen on any list, so there is nothing to estimate from")
    per_list = pats.T @ y
    empty = [lists[i] for i in range(len(lists)) if per_list[i] == 0]
    if empty:
        raise EstimationError(
            f"list(s) {empty} have nobody on them; drop those columns and estimate from the rest"
        )
    on_many = y[pats.sum(axis=1) >= 2].sum()
    if on_many == 0:
        raise EstimationError(
            "nobody appears on more than one list, so the lists give no overlap to estimate "
            "from (each person was seen by one list only); check the record matching"
        )
    warnings: list[str] = []
    for i, j in itertools.permutations(range(len(lists)), 2):
        only_i = y[(pats[:, i] == 1) & (pats[:, j] == 0)].sum()
        if only_i == 0:
            text = (
                f"everyone on list '{lists[i]}' is also on list '{lists[j]}' "
                "(one list lies inside the other)"
            )
            if len(lists) == 2:
                raise EstimationError(
                    text + ", so the two lists carry no information about people missed by "
                    f"'{lists[j]}'; two-list estimates need lists compiled independently"
                )
            warnings.append(
                text + f"; models with the interaction {lists[i]}:{lists[j]} cannot be fitted"
            )
    return warnings
