"""Check a tidy indicator table, with messages a person can act on.

:func:`validate_indicator_table` checks a tidy indicator table against the
data contract: our own checks first, each raising an
:class:`~meam_mapping.errors.InputError` that names the file, rows, column,
what was expected and how to fix it, then the pandera schema
(:data:`INDICATOR_SCHEMA`) as a final guard on types and allowed values.
(Parsing numbers from text cells is in :mod:`.values`.)

Row numbers are those a spreadsheet shows (heading row 1, first data row 2).
A table built by the readers carries them in a ``_row`` column (and the source
column of each value in ``_column``); otherwise row ``i`` (from 0) is reported
as ``i + 2``.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import numpy as np
import pandas as pd

from meam_mapping.errors import InputError
from meam_mapping.indicators.kinds import KINDS, POLARITIES
from meam_mapping.indicators.table import row_groups
from meam_mapping.io.patterns import MAX_PLAUSIBLE_COUNT
from meam_mapping.io.values import PEOPLE_UNITS, UNITS
from meam_mapping.schema import DOMAINS, INDICATOR_COLUMNS

__all__ = [
    "GSS_PATTERN",
    "INDICATOR_SCHEMA",  # noqa: F822 - built on first use (module __getattr__)
    "check_area_codes",
    "row_numbers",
    "validate_indicator_table",
]

#: A well-formed GSS code: country letter and eight digits (e.g. E01000001).
GSS_PATTERN = re.compile(r"^[EWSN]\d{8}$")


def row_numbers(frame: pd.DataFrame) -> pd.Series:
    """Spreadsheet row numbers for each row of ``frame``.

    Uses the ``_row`` column, else an index named ``"row"``, else position + 2.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table.

    Returns
    -------
    pandas.Series
        Integer row numbers aligned with ``frame``.
    """
    if "_row" in frame.columns:
        return frame["_row"].astype("int64")
    if frame.index.name == "row":
        return pd.Series(frame.index.to_numpy(), index=frame.index, dtype="int64")
    return pd.Series(np.arange(len(frame)) + 2, index=frame.index, dtype="int64")


def check_area_codes(
    codes: pd.Series,
    *,
    file: str | None = None,
    column: str = "area_code",
    rows: pd.Series | None = None,
) -> list[str]:
    """Check area codes are well-formed GSS codes, or consistently custom ids.

    When most codes look like GSS codes (a letter E, W, S or N then eight
    digits), the others are taken to be mistakes and reported. When most do
    not, all are taken as custom area ids (to be matched to custom
    boundaries) and a note says so. Which geography level and vintage the
    codes belong to is decided in :mod:`meam_mapping.geography`.

    Parameters
    ----------
    codes : pandas.Series
        Area codes (already stripped of spaces).
    file, column : str, optional
        For messages.
    rows : pandas.Series, optional
        Spreadsheet row numbers aligned with ``codes``.

    Returns
    -------
    list of str
        Notes (empty when all codes are GSS codes).

    Raises
    ------
    InputError
        If codes are blank, or some codes are malformed among GSS codes.
    """
    if rows is None:
        rows = pd.Series(np.arange(len(codes)) + 2, index=codes.index)
    # Each distinct code once (a million rows hold some tens of thousands of areas).
    positions, uniques = pd.factorize(codes, use_na_sentinel=False)
    distinct = pd.Series(uniques, dtype=object)
    distinct = distinct.where(distinct.notna(), "").astype(str)
    blank = pd.Series((distinct.str.strip() == "").to_numpy()[positions], index=codes.index)
    if blank.any():
        raise InputError(
            f"{int(blank.sum())} row(s) have no area code",
            file=file,
            row=[int(r) for r in rows[blank]],
            column=column,
            expected="an area code on every row",
            fix="Fill in the area code, or delete rows that are not areas",
        )
    ok = pd.Series(distinct.str.match(GSS_PATTERN).to_numpy()[positions], index=codes.index)
    if ok.all():
        return []
    if ok.mean() > 0.5:
        text = pd.Series(distinct.to_numpy(dtype=object)[positions], index=codes.index)
        bad = text[~ok]
        shown = ", ".join(f"row {rows[i]}: {v!r}" for i, v in list(bad.items())[:5])
        raise InputError(
            f"{int((~ok).sum())} area code(s) are not valid ONS (GSS) codes ({shown})",
            file=file,
            row=[int(r) for r in rows[~ok]],
            column=column,
            expected="a capital E, W, S or N followed by eight digits, such as E01000001",
            fix="Correct these codes (look for missing digits, spaces or lower-case letters)",
        )
    return [
        f"Most area codes in column {column!r} are not ONS (GSS) codes, so they are treated "
        "as custom area ids; they must match the ids of your custom boundaries."
    ]


def _non_negative_or_nan(s: pd.Series) -> pd.Series:
    return s.isna() | (s >= 0)


_PER_N = re.compile(r"per_[1-9]\d*")


def _is_unit_code(s: pd.Series) -> pd.Series:
    """True for canonical unit codes: :data:`UNITS` or any ``per_N`` (checked once per value)."""
    positions, uniques = pd.factorize(s, sort=False, use_na_sentinel=False)
    ok = np.array(
        [u in UNITS or (isinstance(u, str) and bool(_PER_N.fullmatch(u))) for u in uniques],
        dtype=bool,
    )
    return pd.Series(ok[positions], index=s.index)


@functools.cache
def _indicator_schema() -> Any:
    """The data contract of the tidy indicator table, as a pandera schema.

    Built (and pandera imported, about 0.3 s) at the first check, not when
    this module is imported: reading a kept table back needs the module but
    not the schema. Also importable as :data:`INDICATOR_SCHEMA`.
    """
    import pandera.pandas as pa

    return pa.DataFrameSchema(
        {
            "area_code": pa.Column(str, pa.Check.str_length(min_value=1)),
            "indicator": pa.Column(str, pa.Check.str_length(min_value=1)),
            "domain": pa.Column(str, pa.Check.isin(DOMAINS)),
            "period": pa.Column(str),
            "count": pa.Column(float, pa.Check(_non_negative_or_nan), nullable=True),
            "denominator": pa.Column(float, pa.Check(_non_negative_or_nan), nullable=True),
            "value": pa.Column(float, nullable=True),
            "unit": pa.Column(str, pa.Check(_is_unit_code, error="unit must be a unit code")),
            "unit_label": pa.Column(str, pa.Check.str_length(min_value=1)),
            "kind": pa.Column(str, pa.Check.isin(KINDS)),
            "polarity": pa.Column(str, pa.Check.isin(POLARITIES)),
            "source": pa.Column(str),
            "suppressed": pa.Column(bool),
        },
        checks=[
            pa.Check(
                lambda df: ~(df["suppressed"] & df["count"].notna()),
                error="count must be blank where suppressed",
            )
        ],
        strict=False,
        name="indicator table",
    )


def __getattr__(name: str) -> Any:
    if name == "INDICATOR_SCHEMA":  # the schema, built on first use
        return _indicator_schema()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: Tables longer than this are schema-checked on their distinct vocabulary rows.
_SCHEMA_SAMPLE_FROM = 100_000
_SCHEMA_KEYS = ("indicator", "domain", "period", "unit", "unit_label", "kind", "polarity",
                "source", "suppressed")  # fmt: skip


def _rows_where(mask: pd.Series, rows: pd.Series) -> list[int]:
    return sorted({int(r) for r in rows[mask]})


def _col(frame: pd.DataFrame, mask: pd.Series, default: str) -> str | list[str]:
    source = "_denominator_column" if default == "denominator" else "_column"
    if source not in frame.columns:
        return default
    cols = [c for c in dict.fromkeys(frame.loc[mask, source].astype(str)) if c] or [default]
    return cols[0] if len(cols) == 1 else cols[:5]


def validate_indicator_table(
    table: pd.DataFrame, *, file: str | None = None, integer_counts: bool = True
) -> list[str]:
    """Check a tidy indicator table against the data contract.

    Checks, in order: required columns; area codes; allowed domains, unit
    codes, kinds and polarities; one row per area x indicator x period; counts of 0 or more,
    whole numbers (when ``integer_counts``), not above their denominator
    where the unit counts people within a population (:data:`PEOPLE_UNITS`);
    suppressed rows have no count; finally :data:`INDICATOR_SCHEMA`.

    Parameters
    ----------
    table : pandas.DataFrame
        The tidy table (see :data:`meam_mapping.schema.INDICATOR_COLUMNS`).
    file : str, optional
        File name for messages.
    integer_counts : bool, default True
        Whether counts must be whole numbers (False for published modelled
        estimates, which may have fractions).

    Returns
    -------
    list of str
        Notes on things that are allowed but worth knowing.

    Raises
    ------
    InputError
        On the first problem found.
    """
    missing = [c for c in INDICATOR_COLUMNS if c not in table.columns]
    if missing:
        found = [c for c in table.columns if not str(c).startswith("_")]
        raise InputError(
            "Required column(s) missing: " + ", ".join(repr(c) for c in missing),
            file=file,
            column=missing,
            expected="columns "
            + ", ".join(INDICATOR_COLUMNS)
            + "; found "
            + (", ".join(repr(c) for c in found) or "none"),
            fix="Add or rename these columns",
        )
    notes: list[str] = []
    rows = row_numbers(table)
    notes += check_area_codes(table["area_code"], file=file, rows=rows)
    allowed_sets = (("domain", DOMAINS), ("unit", UNITS), ("kind", KINDS), ("polarity", POLARITIES))
    for name, allowed in allowed_sets:
        bad = ~(_is_unit_code(table[name]) if name == "unit" else table[name].isin(allowed))
        if bad.any():
            raise InputError(
                f"Unknown {name} value(s): "
                + ", ".join(repr(v) for v in table.loc[bad, name].unique()[:5]),
                file=file,
                row=_rows_where(bad, rows),
                column=name,
                expected="one of " + ", ".join(allowed),
                fix=f"Use one of the listed {name} names",
            )
    key = ["area_code", "indicator", "period"]
    # Duplicates found on one integer per distinct (area, indicator, period) (fast on text).
    group, _ = row_groups(table[key])
    dup = pd.Series(np.bincount(group)[group] > 1, index=table.index)
    if dup.any():
        first = table.loc[dup, key].iloc[0]
        raise InputError(
            f"{int(dup.sum())} rows repeat the same area, indicator and period "
            f"(for example {first['area_code']}, {first['indicator']}, {first['period']!r})",
            file=file,
            row=_rows_where(dup, rows),
            column=key,
            expected="one row per area, indicator and period",
            fix="Remove the repeated rows, or give them different periods or indicator names",
        )
    count, denom = table["count"].astype("float64"), table["denominator"].astype("float64")
    checks = [
        (count < 0, "count", "count(s) are negative", "a whole number of 0 or more"),
        (denom < 0, "denominator", "denominator(s) are negative", "a number of 0 or more"),
    ]
    # More people than live in the United Kingdom: a typing or export error (1e23).
    for values, column, what in (
        (count, "count", "count(s)"),
        (denom, "denominator", "denominator(s)"),
    ):
        checks.append(
            (
                values > MAX_PLAUSIBLE_COUNT,
                column,
                f"{what} are larger than any plausible population (more than "
                f"{MAX_PLAUSIBLE_COUNT:,}, about the population of the United Kingdom)",
                "a number of people or events in one area, well below the population of the "
                "United Kingdom",
            )
        )
    if integer_counts:
        frac = count.notna() & ~np.isclose(count, count.round())
        checks.append(
            (frac, "count", "count(s) are not whole numbers", "a whole number of people or events")
        )
    # A rate of people or events in a population of none: an export that wrote blanks as 0, say.
    checks.append(
        (
            denom.eq(0) & count.gt(0),
            "denominator",
            "count(s) above 0 have a denominator of 0",
            "the population the count is drawn from (more than 0), or a blank if it is unknown",
        )
    )
    people = table["unit"].isin(PEOPLE_UNITS)
    over = count.notna() & denom.notna() & (count > denom)
    checks.append(
        (
            over & people,
            "count",
            "count(s) are larger than their denominator",
            "a count of people no larger than the population it is drawn from",
        )
    )
    for mask, column, what, expected in checks:
        if mask.any():
            raise InputError(
                f"{int(mask.sum())} {what}",
                file=file,
                row=_rows_where(mask, rows),
                column=_col(table, mask, column),
                expected=expected,
                fix="Correct the value, or leave it blank if it is unknown",
            )
    # Once per distinct unit (the same test as on every row).
    units, distinct_units = pd.factorize(
        table["unit"].astype(str), sort=False, use_na_sentinel=False
    )
    per_n = pd.Series(distinct_units, dtype=str).str.fullmatch(_PER_N.pattern)
    per_n = per_n.fillna(False).to_numpy(dtype=bool)
    over_events = over & ~people & per_n[units]
    if over_events.any():
        notes.append(
            f"{int(over_events.sum())} count(s) are larger than their denominator; "
            "this is possible for events such as admissions but check it is intended."
        )
    clash = table["suppressed"].eq(True) & count.notna()
    if clash.any():
        raise InputError(
            f"{int(clash.sum())} row(s) are marked suppressed but have a count",
            file=file,
            row=_rows_where(clash, rows),
            column="suppressed",
            expected="a blank count where the count was withheld",
            fix="Clear the count or set suppressed to FALSE",
        )
    # The checks above already refuse negative counts, blank codes and suppressed
    # counts row by row; the schema guards types and allowed values, which a
    # large table repeats, so it sees one row per distinct combination of them.
    guarded = table
    if len(table) > _SCHEMA_SAMPLE_FROM:
        _, first = row_groups(table[[c for c in _SCHEMA_KEYS if c in table.columns]])
        guarded = table.iloc[first]
    import pandera.errors

    try:
        _indicator_schema().validate(guarded, lazy=True)
    except pandera.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        cases = cases.sort_values("schema_context", key=lambda s: s != "Column", kind="stable")
        first = cases.iloc[0]
        idx = cases["index"].dropna()
        bad_rows = sorted({int(rows.loc[i]) for i in idx if i in rows.index})
        raise InputError(
            f"The table does not match the indicator table format ({first['check']} "
            f"failed for {first['failure_case']!r})",
            file=file,
            row=bad_rows or None,
            column=str(first["column"]) if pd.notna(first["column"]) else None,
            expected="the columns and types in meam_mapping.schema.INDICATOR_COLUMNS",
            fix="Correct the values named",
        ) from None
    return notes
