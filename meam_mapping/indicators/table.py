"""Fill the vocabulary columns of a tidy indicator table.

:func:`fill_vocabulary` makes sure every row has ``indicator_name`` (a
readable form of the id where the table has none), ``unit`` as a canonical
code with its readable ``unit_label``, and ``kind`` / ``polarity``. The loaders
call it on every file, and :class:`~meam_mapping.dataset.Dataset` on tables
built any other way (the demo, workspaces saved before these columns existed),
so every step downstream can rely on them.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from meam_mapping.errors import InputError
from meam_mapping.indicators.kinds import KINDS, POLARITIES, check_kind, check_polarity, infer_kind
from meam_mapping.indicators.units import ACCEPTED_UNIT_FORMS, VALUE_ONLY_CODES, Unit, parse_unit

__all__ = ["VOCABULARY_COLUMNS", "fill_vocabulary", "readable_name", "row_groups", "unit_text"]

#: Columns :func:`fill_vocabulary` guarantees, besides ``unit``.
VOCABULARY_COLUMNS: tuple[str, ...] = ("indicator_name", "unit_label", "kind", "polarity")

_BLANK = {"", "nan", "none", "<na>", "null"}
_BLANK_EXACT = [*_BLANK, "NaN", "None", "NA", "<NA>", "Null", "NULL"]
_CODES = frozenset({"count", "proportion", "percent", *VALUE_ONLY_CODES})
_PER_CODE = re.compile(r"per_[1-9]\d*")
_KIND_SET = frozenset(KINDS)
_POLARITY_SET = frozenset(POLARITIES)


def readable_name(indicator_id: object) -> str:
    """A readable name from an indicator id.

    Examples
    --------
    >>> readable_name("homelessness_duty_owed")
    'Homelessness duty owed'
    >>> readable_name("imd_2019_score")
    'Imd 2019 score'
    """
    text = re.sub(r"[_\s]+", " ", str(indicator_id)).strip()
    return text[:1].upper() + text[1:] if text else "Unnamed indicator"


def _per_value(values: pd.Series, func) -> pd.Series:  # noqa: ANN001 - a callable or dict
    """``values.map(func)``, calling ``func`` once per distinct value (a million rows are normal).

    A dict maps its keys (others become None).
    """
    codes, uniques = pd.factorize(values, sort=False, use_na_sentinel=False)
    get = func.get if isinstance(func, dict) else func
    results = np.empty(len(uniques), dtype=object)
    results[:] = [get(u) for u in uniques]
    return pd.Series(results[codes], index=values.index, dtype=object)


def _blank(values: pd.Series) -> pd.Series:
    codes, uniques = pd.factorize(values, sort=False, use_na_sentinel=False)
    flags = np.array([pd.isna(u) or str(u).strip().lower() in _BLANK for u in uniques], dtype=bool)
    return pd.Series(flags[codes], index=values.index)


def _rows(table: pd.DataFrame, mask: pd.Series) -> list[int]:
    if "_row" in table.columns:
        return [int(r) for r in table.loc[mask, "_row"]]
    return [int(i) + 2 for i in np.flatnonzero(mask.to_numpy())]


def _is_done(table: pd.DataFrame) -> bool:
    """Fast check (no copies) that every vocabulary column is already filled and valid."""
    needed = ("indicator", "unit", *VOCABULARY_COLUMNS)
    if any(c not in table.columns for c in needed):
        return False
    for column in ("indicator_name", "unit_label"):
        values = table[column]
        if values.isna().any() or values.isin(_BLANK_EXACT).any():
            return False
    units = pd.unique(table["unit"])
    if not all(isinstance(u, str) and (u in _CODES or _PER_CODE.fullmatch(u)) for u in units):
        return False
    return bool(set(pd.unique(table["kind"])) <= _KIND_SET) and bool(
        set(pd.unique(table["polarity"])) <= _POLARITY_SET
    )


def _column_codes(values: pd.Series) -> tuple[np.ndarray, int]:
    """``pd.factorize(values, sort=False, use_na_sentinel=False)`` codes and number of uniques.

    A text column holding one value throughout (a period, a source, a unit:
    most of a table's vocabulary) is seen to by one comparison instead of
    hashing every cell.
    """
    if (
        len(values)
        and isinstance(values.dtype, pd.StringDtype)
        and values.dtype.storage == "pyarrow"
    ):
        import pyarrow as pa
        import pyarrow.compute as pc

        text = pa.array(values.array)
        if text.null_count == 0 and pc.all(pc.equal(text, text[0])).as_py():
            return np.zeros(len(values), dtype=np.intp), 1
    codes, uniques = pd.factorize(values, sort=False, use_na_sentinel=False)
    return codes, len(uniques)


def row_groups(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Number each row's combination of values and find the first row of each.

    A million-row table holds few distinct combinations of its vocabulary
    columns; work done once per combination is spread back with ``group``.

    Parameters
    ----------
    frame : pandas.DataFrame
        The columns whose combinations are numbered (missing values are equal
        to each other).

    Returns
    -------
    group : numpy.ndarray
        The combination of each row, numbered from 0 in order of first appearance.
    first : numpy.ndarray
        The position of the first row of each combination (ascending).

    Examples
    --------
    >>> group, first = row_groups(pd.DataFrame({"a": ["x", "y", "x"], "b": [1, 1, 1]}))
    >>> group.tolist(), first.tolist()
    ([0, 1, 0], [0, 1])
    """
    group = np.zeros(len(frame), dtype=np.int64)
    size = 1  # group < size
    for column in frame.columns:
        codes, n_distinct = _column_codes(frame[column])
        if size * max(n_distinct, 1) >= 2**62:  # re-numbered before it could overflow
            group = pd.factorize(group, sort=False)[0].astype(np.int64)
            size = int(group.max()) + 1 if len(group) else 1
        group = group * max(n_distinct, 1) + codes
        size *= max(n_distinct, 1)
    group = pd.factorize(group, sort=False)[0].astype(np.int64)
    # Groups are numbered as they first appear: a group starts where the running maximum grows.
    first = np.flatnonzero(np.diff(np.maximum.accumulate(group), prepend=-1) > 0)
    return group, first


def _spread(values: pd.Series, group: np.ndarray, index: pd.Index) -> pd.Series:
    """Text per distinct combination, spread back to every row (one take, no Python loop)."""
    text = pd.Series(np.asarray(values, dtype=object), dtype=object).astype(str).array
    return pd.Series(text.take(group), index=index)


def _parse_units(
    written: pd.Series, default_unit: str | None
) -> tuple[pd.Series, dict[str, Unit | None]]:
    """Unit text per distinct row and its :class:`Unit` per distinct text (None: not understood)."""
    text = pd.Series(
        ["" if pd.isna(v) else str(v).strip() for v in written], index=written.index, dtype=object
    )
    parsed: dict[str, Unit | None] = {}
    for value in text.unique():
        try:
            parsed[value] = parse_unit(value, default=default_unit)
        except InputError:
            parsed[value] = None
    return text, parsed


def fill_vocabulary(
    table: pd.DataFrame,
    *,
    file: str | None = None,
    unit_column: str = "unit",
    default_unit: str | None = "per_1000",
) -> pd.DataFrame:
    """Give every row ``indicator_name``, a unit code and label, ``kind`` and ``polarity``.

    A blank name, or a name that is just the id, becomes a readable form of the
    id (:func:`readable_name`).

    Parameters
    ----------
    table : pandas.DataFrame
        A tidy indicator table (``area_code, indicator, ...``). ``unit`` may be
        a code or wording; ``indicator_name``, ``unit_label``, ``kind`` and
        ``polarity`` may be missing or blank.
    file : str, optional
        File name for messages.
    unit_column : str, default 'unit'
        The heading the unit came from in the file, for messages.
    default_unit : str or None, default 'per_1000'
        Unit for rows with a blank unit; None refuses blank units.

    Returns
    -------
    pandas.DataFrame
        A copy (or ``table`` itself when nothing needed filling) where
        ``unit`` holds codes (``per_1000``, ``percent``, ``count``...),
        ``unit_label`` the wording given or a readable default, ``kind`` one
        of :data:`~meam_mapping.indicators.kinds.KINDS` and ``polarity`` one
        of :data:`~meam_mapping.indicators.kinds.POLARITIES` (given values
        kept, missing ones inferred per indicator by
        :func:`~meam_mapping.indicators.kinds.infer_kind`).

    Raises
    ------
    InputError
        A unit that is not understood, or a ``kind``/``polarity`` value not in
        the allowed set; the message names the file, rows and column.

    Notes
    -----
    Every column filled here is a function of the row's indicator, name, unit,
    label, kind and polarity (and, for inferred kinds, of what the indicator's
    rows hold), so the work is done once per distinct combination of those
    (a few dozen in a million-row table) and spread back to the rows.
    """
    if "indicator" not in table.columns:
        return table
    if _is_done(table):
        return table
    out = table.copy(deep=False)  # columns are replaced, never changed in place
    if out.empty:
        for column in ("unit", *VOCABULARY_COLUMNS):
            if column not in out.columns:
                out[column] = pd.Series(dtype=str)
        return out
    rows = (
        out["_row"].astype("int64")
        if "_row" in out.columns
        else pd.Series(np.arange(len(out)) + 2, index=out.index)
    )
    keys = pd.DataFrame(index=out.index)
    keys["indicator"] = out["indicator"]
    for column in ("indicator_name", "unit", "unit_label"):
        keys[column] = out[column] if column in out.columns else np.nan
    # Given kinds and polarities are checked on every row (the message names them all).
    keys["kind"] = check_kind(out["kind"], file=file, rows=rows) if "kind" in out.columns else ""
    keys["polarity"] = (
        check_polarity(out["polarity"], file=file, rows=rows) if "polarity" in out.columns else ""
    )
    group, first = row_groups(keys)
    d = keys.iloc[first].reset_index(drop=True)

    ids = d["indicator"].astype(str)
    names = d["indicator_name"]
    # A name that is just the id (a heading such as "drug_alcohol_treatment") is made readable.
    blank_name = _blank(names) | (names.astype(str) == ids)
    d["indicator_name"] = (
        names.astype("object").where(~blank_name, ids.map(readable_name)).astype(str)
    )

    text, parsed = _parse_units(d["unit"], default_unit)
    bad = text.map(parsed).isna().to_numpy()
    if bad.any():
        shown = ", ".join(repr(v) for v in text[bad].unique()[:5])
        bad_rows = pd.Series(bad[group], index=out.index)
        raise InputError(
            f"Unknown unit {shown} ({int(bad_rows.sum())} row(s)): the program cannot read it",
            file=file,
            row=_rows(table, bad_rows),
            column=unit_column,
            expected=ACCEPTED_UNIT_FORMS,
            fix="Write the unit in one of these forms (for example 'per 1,000 adults')",
        )
    units = text.map(parsed)  # one parse per distinct unit
    d["unit"] = units.map(lambda u: u.code)
    labels = d["unit_label"]
    d["unit_label"] = (
        labels.astype("object").where(~_blank(labels), units.map(lambda u: u.label)).astype(str)
    )

    kind, polarity = d["kind"].astype(str), d["polarity"].astype(str)
    need = (kind == "") | (polarity == "")
    if need.any():
        # What each indicator holds, in one pass over the rows (a million rows are normal).
        ind_of_group, indicators = pd.factorize(ids, sort=False)
        ind = ind_of_group[group]

        def any_row(mask: pd.Series) -> np.ndarray:
            hits = np.bincount(ind, weights=mask.to_numpy(dtype=bool), minlength=len(indicators))
            return hits > 0

        count = pd.to_numeric(out["count"], errors="coerce") if "count" in out else None
        den = pd.to_numeric(out["denominator"], errors="coerce") if "denominator" in out else None
        supp = out["suppressed"].fillna(False).astype(bool) if "suppressed" in out else None
        has_count = np.zeros(len(indicators), dtype=bool)
        if count is not None:
            has_count |= any_row(count.notna())
        if supp is not None:
            has_count |= any_row(supp)
        has_den = any_row(den.notna()) if den is not None else np.zeros(len(indicators), bool)
        # The first row of an indicator is the first row of its first combination.
        at = {i: k for k, i in enumerate(indicators)}
        first_of = ~ids.duplicated()
        first_name = dict(zip(ids[first_of], d.loc[first_of, "indicator_name"], strict=True))
        first_unit = dict(zip(ids[first_of], units[first_of], strict=True))
        guesses = {
            indicator: infer_kind(
                first_name[indicator],
                first_unit[indicator],
                has_count=bool(has_count[at[indicator]]),
                has_denominator=bool(has_den[at[indicator]]),
            )
            for indicator in ids[need].unique()
        }
        guessed = ids.map(lambda i: guesses[i][0] if i in guesses else None)
        kind = kind.where(~(need & (kind == "")), guessed)
        guessed = ids.map(lambda i: guesses[i][1] if i in guesses else None)
        polarity = polarity.where(~(need & (polarity == "")), guessed)
    d["kind"], d["polarity"] = kind.astype(str), polarity.astype(str)
    for column in ("indicator_name", "unit", "unit_label", "kind", "polarity"):
        out[column] = _spread(d[column], group, out.index)
    return out


def unit_text(frame: pd.DataFrame) -> str:
    """The unit to show for a slice of one indicator: its ``unit_label``, else a readable unit.

    Returns ``""`` for an empty frame; a unit code such as ``per_1000`` is never
    shown as it is ("per 1,000" instead).
    """
    if not len(frame):
        return ""
    if "unit_label" in frame.columns:
        labels = frame["unit_label"]
        known = labels[~_blank(labels)]
        if len(known):
            return str(known.iloc[0])
    if "unit" not in frame.columns:
        return ""
    text = str(frame["unit"].iloc[0])
    try:
        return parse_unit(text, default=None).label
    except InputError:
        return text
