"""Load a user's indicator file into the tidy indicator table.

The file is read by :mod:`.read`, turned into long rows by :mod:`.layouts`
(tidy or wide tables) or :mod:`.fingertips` (Fingertips exports), then
finished and checked here.

Each indicator gets a domain from the ``domains`` mapping, else from a
``domain`` column, else by keywords in its name (:func:`guess_domain`), with
``context`` as the fallback; guesses are reported in the notes. Units come
from a ``unit`` column, read by the one vocabulary
(:func:`meam_mapping.indicators.units.parse_unit`: "per 1,000 adults" is
stored as code ``per_1000`` with that wording kept in ``unit_label``); a unit
it cannot read is refused here, naming the file, row and column. Without a
unit: counts with denominators become rates per 1,000 (``per_1000``), counts
alone ``count``, values a unit guessed from the name
(:func:`meam_mapping.io.values.guess_unit`). Every row gets an
``indicator_name`` (a readable form of the id when the file has none), a
``kind`` and a ``polarity`` (:mod:`meam_mapping.indicators.kinds`). ``value``
is filled from ``count`` (and ``denominator``) where the file gives no value;
a value the file gives is kept as published.

:func:`load_indicator_file` does all steps from file to checked table.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import IO, Literal

import numpy as np
import pandas as pd

from meam_mapping.errors import InputError
from meam_mapping.indicators.table import fill_vocabulary
from meam_mapping.indicators.units import parse_unit
from meam_mapping.io import fingertips
from meam_mapping.io.decimals import DecimalMark, decide_decimal, to_decimal_point
from meam_mapping.io.layouts import (
    detect_layout,
    indicator_id,
    normalize_heading,
    tidy_rows,
    wide_rows,
)
from meam_mapping.io.loaded import LoadResult
from meam_mapping.io.read import RawTable, read_table
from meam_mapping.io.safety import guard_loader
from meam_mapping.io.validate import GSS_PATTERN, validate_indicator_table
from meam_mapping.io.values import guess_unit, map_unique
from meam_mapping.publications import annotate, recognise
from meam_mapping.schema import DOMAIN_LABELS, DOMAINS, INDICATOR_COLUMNS

__all__ = [
    "EXTRA_COLUMNS",
    "Layout",
    "LoadResult",
    "guess_domain",
    "load_indicator_file",
    "to_indicator_table",
]

Layout = Literal["auto", "tidy", "wide", "fingertips"]
#: Optional columns kept after :data:`~meam_mapping.schema.INDICATOR_COLUMNS`.
EXTRA_COLUMNS: tuple[str, ...] = ("area_name", "indicator_name", "lower", "upper")


_DOMAIN_WORDS: dict[str, str] = {
    "homelessness": r"homeless|rough sleep|duty owed|temporary accommodation|no fixed abode"
    r"|h-?clic|housing",
    "substance_misuse": r"drug|alcohol|substance|opiate|opioid|crack|ndtms|misuse|treatment",
    "mental_health": r"mental|psychiatr|psychosis|depress|self.?harm|suicid|iapt"
    r"|talking therap|mhsds|wellbeing",
    "justice": r"probation|offend|prison|custod|justice|crime|criminal|arrest|police|court"
    r"|liaison and diversion",
    "context": r"population|adults|resident|deprivation|imd|income|employment|census",
}


def guess_domain(name: str) -> str | None:
    """Guess an indicator's domain from keywords in its name.

    Parameters
    ----------
    name : str
        Indicator id or name, e.g. ``"drug_alcohol_treatment"``.

    Returns
    -------
    str or None
        The domain with the most keyword matches (ties go to the first in
        :data:`~meam_mapping.schema.DOMAINS`), or None when nothing matches.

    Examples
    --------
    >>> guess_domain("Homelessness duty owed")
    'homelessness'
    """
    text = str(name).replace("_", " ").lower()
    hits = {d: len(re.findall(p, text)) for d, p in _DOMAIN_WORDS.items()}
    best = max(DOMAINS, key=lambda d: hits.get(d, 0))
    return best if hits.get(best, 0) else None


def _domain_of(text: str) -> str | None:
    key = normalize_heading(text).replace(" ", "_")
    labels = {normalize_heading(v).replace(" ", "_"): k for k, v in DOMAIN_LABELS.items()}
    return key if key in DOMAINS else labels.get(key) or guess_domain(text)


#: What ``\s`` and ``str.strip`` take for white space in ASCII text.
_ASCII_SPACE = r"[ \t\n\r\x0b\x0c\x1c-\x1f]+"


def _fixed_codes(codes: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Distinct codes without white space, a code in lower case capitalised; which were."""
    codes = codes.str.strip().str.replace(r"\s+", "", regex=True)
    upper = codes.str.upper()
    fixed = ~codes.str.match(GSS_PATTERN) & upper.str.match(GSS_PATTERN)
    return codes.where(~fixed, upper), fixed.to_numpy()


def _fixed_ascii_codes(uniques: object) -> tuple[pd.Series, np.ndarray] | None:
    r""":func:`_fixed_codes` through Arrow; None unless all the codes are ASCII text.

    For ASCII, white space is the same for ``\s``, ``str.strip`` and the
    pattern below, ``str.upper`` is ``ascii_upper``, and ``\d`` is ``[0-9]``.
    """
    import pyarrow.compute as pc

    from meam_mapping.geography.codes import GSS_REGEX as gss
    from meam_mapping.geography.codes import ascii_text

    text = ascii_text(uniques)
    if text is None:
        return None
    codes = pc.replace_substring_regex(text, _ASCII_SPACE, "")
    upper = pc.ascii_upper(codes)
    fixed = pc.and_(pc.invert(pc.match_substring_regex(codes, gss)),
                    pc.match_substring_regex(upper, gss))  # fmt: skip
    cleaned = pc.if_else(fixed, upper, codes).to_numpy(zero_copy_only=False)
    return pd.Series(cleaned, dtype=object), fixed.to_numpy(zero_copy_only=False)


def _clean_codes(long: pd.DataFrame, notes: list[str]) -> pd.DataFrame:
    # Each distinct code once (a million rows hold some tens of thousands of areas).
    positions, uniques = pd.factorize(long["area_code"].astype(str), sort=False)
    done = _fixed_ascii_codes(uniques)
    cleaned, fixed = done if done is not None else _fixed_codes(pd.Series(uniques, dtype=object))
    fixed_rows = fixed[positions]
    if fixed_rows.any():
        notes.append(
            f"{int(fixed_rows.sum())} area code(s) were in lower case and were capitalised."
        )
    cleaned = cleaned.astype(str).array
    return long.assign(area_code=pd.Series(cleaned.take(positions), index=long.index))


def _domain_lookup(
    long: pd.DataFrame, domains: Mapping[str, str] | None, file: str | None
) -> dict[str, str]:
    """Map indicator ids to domains from the caller's mapping (keys: id or name)."""
    if not domains:
        return {}
    names = long.get("indicator_name", long["indicator"]).astype(str)
    by_key = {i: i for i in long["indicator"].unique()}
    by_key.update({indicator_id(n): i for n, i in zip(names, long["indicator"], strict=True)})
    out: dict[str, str] = {}
    for key, domain in domains.items():
        ind = by_key.get(indicator_id(key))
        if ind is None:
            raise InputError(
                f"A domain was given for {key!r}, which is not an indicator in this file",
                file=file,
                expected="one of " + ", ".join(sorted(by_key)[:20]),
                fix="Check the spelling of the indicator",
            )
        norm = normalize_heading(domain).replace(" ", "_")
        labels = {normalize_heading(v).replace(" ", "_"): k for k, v in DOMAIN_LABELS.items()}
        resolved = norm if norm in DOMAINS else labels.get(norm)
        if resolved is None:
            raise InputError(
                f"Unknown domain {domain!r} for indicator {key!r}",
                file=file,
                expected="one of " + ", ".join(DOMAINS),
                fix="Use one of the listed domains",
            )
        out[ind] = resolved
    return out


def _fill_domains(
    long: pd.DataFrame, domains: Mapping[str, str] | None, file: str | None, notes: list[str]
) -> pd.Series:
    given = _domain_lookup(long, domains, file)
    domain = long["domain"].astype(str)

    def read(text: str) -> str:
        text = text.strip()
        return (_domain_of(text) or "?") if text else ""

    from_column = map_unique(domain, read)
    unknown = from_column == "?"
    if unknown.any():
        raise InputError(
            "Unknown domain value(s): "
            + ", ".join(repr(v) for v in domain[unknown].str.strip().unique()[:5]),
            file=file,
            row=[int(r) for r in long.loc[unknown, "_row"]],
            column="domain",
            expected="one of " + ", ".join(DOMAINS),
            fix="Use one of the listed domains",
        )
    ids = long["indicator"]
    result = from_column
    if given:  # str columns throughout (no Python objects per row)
        result = result.where(~ids.isin(list(given)), map_unique(ids, lambda i: given.get(i, "")))
    guessed: list[str] = []
    fallback: list[str] = []
    names = long.get("indicator_name", ids)
    first = ~ids.duplicated()
    first_name = dict(zip(ids[first], names[first].astype(str), strict=True))
    blank = result == ""
    chosen: dict[str, str] = {}
    for ind in ids[blank].unique():
        guess = guess_domain(first_name[ind]) or guess_domain(ind)
        chosen[ind] = guess or "context"
        (guessed if guess else fallback).append(f"{ind} = {guess or 'context'}")
    if chosen:  # one pass over the rows, whatever the number of indicators
        result = result.where(~ids.isin(list(chosen)), map_unique(ids, lambda i: chosen.get(i, "")))
    if guessed:
        notes.append("Domains guessed from indicator names: " + ", ".join(guessed) + ".")
    if fallback:
        notes.append(
            "No domain could be guessed, so these were set to 'context': "
            + ", ".join(f.split(" = ")[0] for f in fallback)
            + ". Set their domains if that is wrong."
        )
    return result


def _unit_text(written: object) -> str:
    text = "" if pd.isna(written) else str(written).strip()
    return "" if text.lower() in {"nan", "none"} else text


def _fill_units(long: pd.DataFrame, notes: list[str]) -> pd.Series:
    """Unit text per row: as written, else a guessed code (checked later by parse_unit)."""
    # Once per distinct text (a million rows hold a handful of units).
    unit = map_unique(long["unit"], _unit_text).astype(str)
    computed: list[str] = []
    names = long.get("indicator_name", long["indicator"])
    blank = unit == ""
    if not blank.any():
        return unit
    ids = long.loc[blank, "indicator"]
    # What each indicator's rows without a unit hold, in one pass (indicators in order seen).
    which, indicators = pd.factorize(ids, sort=False)
    has_count_rows = long.loc[blank, "count"].notna() | long.loc[blank, "suppressed"].astype(bool)
    holds = zip(
        indicators,
        np.bincount(which, weights=has_count_rows.to_numpy(bool), minlength=len(indicators)) > 0,
        np.bincount(
            which,
            weights=long.loc[blank, "denominator"].notna().to_numpy(bool),
            minlength=len(indicators),
        )
        > 0,
        strict=True,
    )
    guesses: dict[str, str] = {}
    for ind, has_count, has_den in holds:
        if has_count and has_den:
            guesses[ind] = "per_1000"
            computed.append(ind)
        elif has_count:
            guesses[ind] = "count"
        else:
            sel = blank & (long["indicator"] == ind)
            guesses[ind] = guess_unit(str(names[sel].iloc[0]), long.loc[sel, "value"])
    unit = unit.where(~blank, map_unique(long["indicator"], lambda i: guesses.get(i, "")))
    if computed:
        notes.append(
            "Rates per 1,000 were worked out from count and denominator for: "
            + ", ".join(computed)
            + "."
        )
    return unit


def _finish(
    long: pd.DataFrame,
    notes: list[str],
    *,
    file: str | None,
    domains: Mapping[str, str] | None,
    integer_counts: bool,
) -> pd.DataFrame:
    long = _clean_codes(long, notes)
    long["domain"] = _fill_domains(long, domains, file, notes)
    unit_column = long.attrs.get("unit_column", "unit")
    long["unit"] = _fill_units(long, notes)
    # One vocabulary: units read (or refused, naming file, row and column) by
    # parse_unit; names, unit labels, kinds and polarity filled.
    long = fill_vocabulary(long, file=file, unit_column=unit_column, default_unit=None)
    long["period"] = long["period"].astype(str).str.strip()
    count, den, value = long["count"], long["denominator"], long["value"]
    fill = value.isna() & count.notna()
    mult = map_unique(long["unit"], lambda u: parse_unit(u).multiplier).astype(float)
    as_count = fill & (long["unit"] == "count")
    as_rate = fill & mult.notna() & den.gt(0)
    long["value"] = value.where(~as_count, count).where(~as_rate, count / den * mult)
    n_supp = int(long["suppressed"].sum())
    if n_supp:
        notes.append(
            f"{n_supp} count(s) were suppressed in the source and are kept as unknown (not zero)."
        )
    n_blank = int((count.isna() & value.isna() & ~long["suppressed"]).sum())
    if n_blank:
        notes.append(f"{n_blank} row(s) have no count or value and are kept as unknown.")
    notes += validate_indicator_table(long, file=file, integer_counts=integer_counts)
    extras = [c for c in EXTRA_COLUMNS if c in long.columns]
    out = long[list(INDICATOR_COLUMNS) + extras].reset_index(drop=True)
    text_columns = ("area_code", "indicator", "domain", "period", "unit", "unit_label", "kind")
    for c in (*text_columns, "polarity", "source", "indicator_name"):
        out[c] = out[c].astype(str)
    for c in ("count", "denominator", "value") + tuple(c for c in ("lower", "upper") if c in out):
        out[c] = out[c].astype("float64")
    out["suppressed"] = out["suppressed"].astype(bool)
    return out


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Cells as text with spreadsheet row numbers, for frames not read by read_table."""
    if frame.index.name != "row":
        frame = frame.set_axis(pd.RangeIndex(2, len(frame) + 2, name="row"), axis=0)
    if all(isinstance(t, pd.StringDtype) for t in frame.dtypes) and not frame.isna().any().any():
        return frame.set_axis([str(c) for c in frame.columns], axis=1)
    out = frame.astype("object").where(frame.notna(), "")
    out = out.map(lambda v: repr(int(v)) if isinstance(v, float) and v.is_integer() else str(v))
    out.columns = [str(c) for c in out.columns]
    return out.astype(str)


def to_indicator_table(
    frame: pd.DataFrame,
    *,
    layout: Layout = "auto",
    file: str | None = None,
    domains: Mapping[str, str] | None = None,
    period: str | None = None,
    source: str | None = None,
    breakdowns: bool = False,
    decimal: DecimalMark = "auto",
    delimiter: str | None = None,
) -> LoadResult:
    """Convert a tidy, wide or Fingertips table into the checked tidy indicator table.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table as read (text cells indexed by spreadsheet row, from
        :func:`.read.read_table`), or any DataFrame of the same shape.
    layout : {"auto", "tidy", "wide", "fingertips"}, default "auto"
        The layout; "auto" decides from the headings (:func:`detect_layout`).
    file : str, optional
        File name for messages.
    domains : mapping of str to str, optional
        Domain for each indicator (key: indicator id or name; value: one of
        :data:`~meam_mapping.schema.DOMAINS` or its label).
    period, source : str, optional
        Used where the table has no period / source column.
    breakdowns : bool, default False
        Fingertips only: keep breakdown rows (with a Category Type).
    decimal : {"auto", ".", ","}, default "auto"
        The decimal mark of the numbers: "," for European files (``1.430`` is
        1430, ``18,5`` is 18.5); "auto" decides from the cells and the
        delimiter and refuses a ``1.430`` nothing explains
        (:func:`~meam_mapping.io.decimals.decide_decimal`).
    delimiter : str, optional
        The text file's delimiter, which helps "auto" (a semicolon means a
        European file).

    Returns
    -------
    LoadResult
        The table, the layout used and notes.

    Raises
    ------
    InputError
        If the layout cannot be recognised or any check fails.
    """
    raw = _as_text(frame)
    found = detect_layout(list(raw.columns), raw)
    if layout == "auto":
        if not found:
            raise InputError(
                "The layout of this table could not be recognised",
                file=file,
                column=list(raw.columns)[:10],
                expected="an area code column (area_code, 'Area code', LSOA11CD...) and either "
                "an indicator column with counts (tidy) or one column per indicator (wide), "
                "or a Fingertips export",
                fix="Rename the area code column to area_code",
            )
        layout = found  # type: ignore[assignment]
    elif layout not in ("tidy", "wide", "fingertips"):
        raise ValueError(f"layout must be one of auto, tidy, wide, fingertips; got {layout!r}")
    mark, notes = decide_decimal(raw, delimiter=delimiter, stated=decimal, file=file)
    if mark == ",":
        raw = to_decimal_point(raw, file=file)
    if layout == "fingertips":
        long = fingertips.fingertips_rows(raw, notes, file=file, breakdowns=breakdowns)
    elif layout == "tidy":
        long = tidy_rows(raw, notes, file=file, period=period, source=source)
    else:
        long = wide_rows(raw, notes, file=file, period=period, source=source)
        known = recognise(raw.columns)
        if known is not None and known.reader == "wide" and source is None:
            long = annotate(long, known, notes)
    if (long["period"] == "unspecified").any():
        notes.append("No period was given, so rows are labelled 'unspecified'.")
    table = _finish(long, notes, file=file, domains=domains, integer_counts=layout != "fingertips")
    return LoadResult(table, layout, tuple(notes), file or "")


@guard_loader(expected="a CSV file or an Excel workbook (.xlsx) with an area code column")
def load_indicator_file(
    path_or_buffer: str | os.PathLike[str] | IO[bytes] | bytes,
    *,
    name: str | None = None,
    sheet: str | int | None = None,
    layout: Layout = "auto",
    domains: Mapping[str, str] | None = None,
    period: str | None = None,
    source: str | None = None,
    breakdowns: bool = False,
    decimal: DecimalMark = "auto",
) -> LoadResult:
    r"""Read, convert and check an indicator file in one step.

    Parameters
    ----------
    path_or_buffer : str, os.PathLike, bytes or file-like
        A path, or an uploaded file (anything with ``read()`` and ``.name``,
        such as Streamlit's ``UploadedFile``).
    name : str, optional
        File name for messages (default: the name of the path or upload).
    sheet : str or int, optional
        Worksheet of an Excel workbook with several sheets.
    layout, domains, period, source, breakdowns, decimal
        See :func:`to_indicator_table` (the file's delimiter helps decide
        the decimal mark).

    Returns
    -------
    LoadResult
        The tidy indicator table, the layout and notes (including notes from
        reading, such as the text encoding used).

    Raises
    ------
    InputError
        If the file cannot be read or fails a check; the message names the
        file, rows and column and says how to fix it.

    Examples
    --------
    >>> data = b"area_code,homeless_households\nE01000001,4\nE01000002,*\n"
    >>> result = load_indicator_file(data, name="homeless.csv")
    >>> result.layout, result.table["count"].tolist(), result.table["suppressed"].tolist()
    ('wide', [4.0, nan], [False, True])
    """
    raw: RawTable = read_table(path_or_buffer, name=name, sheet=sheet)
    result = to_indicator_table(
        raw.frame,
        layout=layout,
        file=raw.file_name,
        domains=domains,
        period=period,
        source=source,
        breakdowns=breakdowns,
        decimal=decimal,
        delimiter=raw.delimiter,
    )
    return LoadResult(result.table, result.layout, raw.notes + result.notes, raw.file_name)
