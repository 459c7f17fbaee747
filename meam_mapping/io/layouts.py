"""Recognise the layout of a user's table and turn it into long indicator rows.

Two layouts are handled here (Fingertips exports are in :mod:`.fingertips`):

* **tidy** - one row per area x indicator (x period), with columns such as
  ``area_code, indicator, period, count, denominator``. Headings are matched
  ignoring case, spaces and underscores, with common synonyms
  ("Area code", "LSOA11CD", "lsoa_code", "code" -> ``area_code``; see
  :data:`COLUMN_SYNONYMS`; the first pattern that matches wins, so an LSOA
  code column is preferred to a local authority code column).
* **wide** - one row per area and one numeric column per indicator. A column
  ``<indicator>_denominator`` (or ``<indicator> population``) gives that
  indicator's denominator; a shared ``denominator`` / ``population`` column is
  used for every indicator without its own, and is kept as an indicator
  itself. A column with its own denominator column, or of whole numbers of 0
  or more, is a count; others are values, with a unit guessed from the
  heading (:func:`meam_mapping.io.values.guess_unit`). Text columns (names, parent codes) are set aside,
  with a note.

Rows whose area code says "Total" or "All areas" are left out, with a note.
The row functions return long rows whose ``domain`` and ``unit`` may still be
blank; :func:`meam_mapping.io.indicators.to_indicator_table` fills and checks
them.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from meam_mapping.errors import InputError
from meam_mapping.io import fingertips
from meam_mapping.io.area_column import with_area_column
from meam_mapping.io.values import guess_unit, map_unique, parse_numbers

__all__ = [
    "COLUMN_SYNONYMS",
    "detect_layout",
    "indicator_id",
    "match_columns",
    "normalize_heading",
    "tidy_rows",
    "wide_rows",
]

_GEO = r"(lsoa|msoa|lad|ltla|utla|ctyua|cty|la|wd|oa|ward)"
#: Heading patterns (lower case, spaces for ``_ - .``), highest priority first.
COLUMN_SYNONYMS: dict[str, tuple[str, ...]] = {
    "area_code": (
        r"area code|areacode|area id|gss code|ons code|geography code|geo code",
        r"lsoa ?\d{0,4} ?(cd|code)?",
        r"msoa ?\d{0,4} ?(cd|code)?",
        _GEO + r" ?\d{0,4} ?(cd|code)|local authority code",
        r"code|area",
    ),
    "area_name": (
        r"area name|areaname|name|geography name",
        _GEO + r" ?\d{0,4} ?(nm|name)|local authority( name)?",
    ),
    "indicator": (r"indicator|indicator id|indicator code|indicator key|measure|metric|variable",),
    "indicator_name": (r"indicator name|indicator label|indicator description|description",),
    "domain": (r"domain|theme",),
    "period": (r"period|time period|year|financial year|date|quarter|month|reporting period",),
    "count": (r"count|counts|n|number|numerator|cases|frequency|freq|number of people",),
    "denominator": (r"denominator|denom|population|pop|base|adult population|total population",),
    "value": (r"value|rate|rate per .*|crude rate|percentage|percent|proportion|%",),
    "unit": (r"unit|units|value type|unit of measure",),
    "unit_label": (r"unit label|unit description",),
    "kind": (r"kind|indicator kind|measure kind|value kind",),
    "polarity": (r"polarity|direction|polarity of indicator",),
    "source": (r"source|data source",),
    "suppressed": (r"suppressed|suppression|is suppressed|suppression flag",),
    "lower": (r"lower|lower ci|lci|ci low|ci lower|lower limit|lower ci 95(\.0)? limit",),
    "upper": (r"upper|upper ci|uci|ci high|ci upper|upper limit|upper ci 95(\.0)? limit",),
    "note": (r"note|notes|value note|comment|comments",),
}

_TOTAL = re.compile(r"^\s*(grand\s+)?totals?\b|^\s*all\s+areas\s*$", re.IGNORECASE)
_TRUE = {"true", "yes", "y", "1", "t", "suppressed"}
_FALSE = {"false", "no", "n", "0", "f", ""}


def normalize_heading(heading: str) -> str:
    """Lower-case a heading and turn runs of spaces, ``_``, ``-`` and ``.`` into one space.

    Parameters
    ----------
    heading : str
        A column heading.

    Returns
    -------
    str
        The normalised heading, e.g. ``"Area_Code "`` -> ``"area code"``.
    """
    return re.sub(r"[\s_\-.]+", " ", str(heading).strip().lower()).strip()


def match_columns(columns: list[str], wanted: tuple[str, ...]) -> dict[str, str]:
    """Find the user's heading for each wanted standard column.

    Parameters
    ----------
    columns : list of str
        The user's headings.
    wanted : tuple of str
        Standard names (keys of :data:`COLUMN_SYNONYMS`), in the order to claim
        headings.

    Returns
    -------
    dict
        Standard name -> user's heading, for those found.
    """
    found: dict[str, str] = {}
    normed = {c: normalize_heading(c) for c in columns}
    for canon in wanted:
        for pattern in COLUMN_SYNONYMS[canon]:
            hit = next(
                (
                    c
                    for c in columns
                    if c not in found.values() and re.fullmatch(pattern, normed[c])
                ),
                None,
            )
            if hit is not None:
                found[canon] = hit
                break
    return found


def detect_layout(columns: list[str], raw: pd.DataFrame | None = None) -> str:
    """Say which layout a table's headings suggest.

    Parameters
    ----------
    columns : list of str
        The headings.
    raw : pandas.DataFrame, optional
        The cells: when no heading names the area codes, the column holding
        GSS codes is found by its values (:mod:`meam_mapping.io.area_column`).

    Returns
    -------
    str
        ``"fingertips"``, ``"tidy"`` (an indicator column is present),
        ``"wide"`` (an area code column but no indicator column) or ``""``.
    """
    if fingertips.is_fingertips(columns):
        return "fingertips"
    found = match_columns(columns, ("area_code", "indicator", "indicator_name"))
    found = found if raw is None else with_area_column(raw, found)
    if "area_code" not in found:
        return ""
    return "tidy" if {"indicator", "indicator_name"} & set(found) else "wide"


def indicator_id(text: str) -> str:
    """Make an indicator id from a name: lower case, words joined by ``_``.

    Parameters
    ----------
    text : str
        Indicator name or heading.

    Returns
    -------
    str
        E.g. ``"Homelessness duty owed"`` -> ``"homelessness_duty_owed"``.
    """
    slug = re.sub(r"[^0-9a-z]+", "_", str(text).strip().lower()).strip("_")
    return slug or "indicator"


def _totals(values: pd.Series) -> pd.Series:
    """Whether each text is a total ("Total", "Grand total", "All areas"), once per distinct text.

    A total starts with g, t or a (none of them has another letter that
    matches it without regard to case), so distinct texts holding none of
    them (area codes such as E01000001) are not looked at one by one.
    """

    def total(text: object) -> bool:
        return bool(_TOTAL.match(str(text).strip()))

    codes, uniques = pd.factorize(values, sort=False, use_na_sentinel=False)
    texts = pd.Series(uniques)  # text columns: looked through by Arrow
    maybe = texts.str.contains("[gGtTaA]", regex=True).fillna(True).to_numpy(dtype=bool)
    found = np.zeros(len(texts), dtype=bool)
    found[maybe] = [total(text) for text in texts[maybe]]
    return pd.Series(found[codes], index=values.index)


def _drop_totals(raw: pd.DataFrame, code: str, name: str | None, notes: list[str]) -> pd.DataFrame:
    codes = raw[code].astype(str)
    is_total = _totals(codes)
    if name is not None:
        is_total |= (codes.str.strip() == "") & _totals(raw[name].astype(str))
    if is_total.any():
        rows = ", ".join(str(r) for r in raw.index[is_total][:10])
        notes.append(
            f"Left out {int(is_total.sum())} total row(s) that are not areas (rows {rows})."
        )
    return raw[~is_total]


def tidy_rows(
    raw: pd.DataFrame,
    notes: list[str],
    *,
    file: str | None = None,
    period: str | None = None,
    source: str | None = None,
) -> pd.DataFrame:
    """Turn a tidy table of text cells into long indicator rows.

    Parameters
    ----------
    raw : pandas.DataFrame
        Text cells indexed by spreadsheet row (see :class:`.read.RawTable`).
    notes : list of str
        Plain-English notes are appended to this list.
    file : str, optional
        File name for messages.
    period, source : str, optional
        Used where the table has no period / source column (source defaults
        to the file name).

    Returns
    -------
    pandas.DataFrame
        Indicator columns (domain and unit may be blank) plus optional
        ``area_name``, ``indicator_name``, ``lower``, ``upper`` and ``_row``.

    Raises
    ------
    InputError
        If required columns are missing or cells are not numbers.
    """
    cols = with_area_column(raw, match_columns(list(raw.columns), tuple(COLUMN_SYNONYMS)))
    if "indicator" not in cols and "indicator_name" in cols:
        cols["indicator"] = cols["indicator_name"]
    missing = [c for c in ("area_code", "indicator") if c not in cols]
    if not ({"count", "value"} & set(cols)):
        missing.append("count (or value)")
    if missing:
        raise InputError(
            "Required column(s) not found: " + ", ".join(missing),
            file=file,
            column=missing,
            expected="headings such as area_code, indicator, period, count, denominator; found "
            + ", ".join(repr(c) for c in raw.columns),
            fix="Rename the columns (for example 'Area code' or 'LSOA11CD' for area_code)",
        )
    raw = _drop_totals(raw, cols["area_code"], cols.get("area_name"), notes)
    rows = pd.Series(raw.index, index=raw.index)
    nums = {
        c: parse_numbers(raw[cols[c]], column=cols[c], file=file, rows=rows)
        for c in ("count", "denominator", "value", "lower", "upper")
        if c in cols
    }
    nan = pd.Series(np.nan, index=raw.index)
    out = pd.DataFrame(index=raw.index)
    out["area_code"] = raw[cols["area_code"]]
    names = raw[cols["indicator"]].str.strip()
    out["indicator"] = map_unique(names, indicator_id).astype(str)
    out["domain"] = raw[cols["domain"]] if "domain" in cols else ""
    out["period"] = raw[cols["period"]] if "period" in cols else (period or "unspecified")
    for c in ("count", "denominator", "value"):
        out[c] = nums[c].values if c in nums else nan
    out["unit"] = raw[cols["unit"]] if "unit" in cols else ""
    for c in ("unit_label", "kind", "polarity"):
        if c in cols:
            out[c] = raw[cols[c]]
    out["source"] = raw[cols["source"]] if "source" in cols else (source or file or "")
    flagged = nums["count"].suppressed if "count" in nums else nums["value"].suppressed
    if "note" in cols:
        blank = nums["count"].missing if "count" in nums else nums["value"].missing
        flagged = flagged | (blank & (raw[cols["note"]].str.strip() != ""))
    if "suppressed" in cols:
        text = raw[cols["suppressed"]].str.strip().str.lower()
        bad = ~text.isin(_TRUE | _FALSE)
        if bad.any():
            raise InputError(
                "Suppressed flags must be TRUE or FALSE",
                file=file,
                row=[int(r) for r in rows[bad]],
                column=cols["suppressed"],
                expected="TRUE/FALSE, yes/no or 1/0",
            )
        flagged = flagged | text.isin(_TRUE)
    out["suppressed"] = flagged.astype(bool)
    if "area_name" in cols:
        out["area_name"] = raw[cols["area_name"]]
    if "indicator_name" in cols:
        out["indicator_name"] = raw[cols["indicator_name"]]
    elif (names != out["indicator"]).any():
        out["indicator_name"] = names
    for c in ("lower", "upper"):
        if c in nums:
            out[c] = nums[c].values
    out["_row"] = rows
    out.attrs["unit_column"] = cols.get("unit", "unit")
    if period is not None and "period" in cols:
        notes.append(f"The file has a period column, so period={period!r} was not used.")
    used = {v for k, v in cols.items()}
    ignored = [c for c in raw.columns if c not in used]
    if ignored:
        notes.append("Columns not used: " + ", ".join(repr(c) for c in ignored) + ".")
    renamed = {k: v for k, v in cols.items() if v != k}
    if renamed:
        notes.append("Read columns " + ", ".join(f"{v!r} as {k}" for k, v in renamed.items()) + ".")
    return out.reset_index(drop=True)


def _denominator_target(norm: str, numeric: list[str]) -> str | None:
    m = re.fullmatch(r"(.+?) (denominator|denom|population|pop)", norm)
    if m and m.group(1) in numeric:
        return m.group(1)
    return None


def wide_rows(
    raw: pd.DataFrame,
    notes: list[str],
    *,
    file: str | None = None,
    period: str | None = None,
    source: str | None = None,
) -> pd.DataFrame:
    """Turn a wide table (one column per indicator) into long indicator rows.

    Parameters
    ----------
    raw : pandas.DataFrame
        Text cells indexed by spreadsheet row (see :class:`.read.RawTable`).
    notes : list of str
        Plain-English notes are appended to this list.
    file : str, optional
        File name for messages.
    period, source : str, optional
        Used where the table has no period column / for every row.

    Returns
    -------
    pandas.DataFrame
        One row per area x indicator column, with ``_row`` and ``_column``
        (the heading each value came from).

    Raises
    ------
    InputError
        If there is no area code column, no numeric column, or a numeric
        column holds cells that are not numbers.
    """
    cols = match_columns(list(raw.columns), ("area_code", "area_name", "period", "denominator"))
    cols = with_area_column(raw, cols)
    if "area_code" not in cols:
        raise InputError(
            "No area code column was found",
            file=file,
            column=list(raw.columns)[:10],
            expected="a column such as area_code, 'Area code' or LSOA11CD",
            fix="Rename the column holding the area codes to area_code",
        )
    raw = _drop_totals(raw, cols["area_code"], cols.get("area_name"), notes)
    rows = pd.Series(raw.index, index=raw.index)
    identity = {cols[c] for c in ("area_code", "area_name", "period") if c in cols}
    numeric: dict[str, object] = {}
    text_cols: list[str] = []
    for c in raw.columns:
        if c in identity:
            continue
        probe = raw[c].str.strip().str.replace(",", "", regex=False)
        parsed = pd.to_numeric(probe, errors="coerce")
        filled = ~probe.str.lower().isin({"", "*", "c", "x", "..", "-", "[c]", "[x]", ":"})
        if parsed.notna().sum() >= max(1, 0.5 * int(filled.sum())):
            numeric[c] = parse_numbers(raw[c], column=c, file=file, rows=rows)
        else:
            text_cols.append(c)
    if text_cols:
        notes.append(
            "Columns with text, not numbers, were not read as indicators: "
            + ", ".join(repr(c) for c in text_cols)
            + "."
        )
    normed = {normalize_heading(c): c for c in numeric}
    own_denominator: dict[str, str] = {}
    for n, c in normed.items():
        target = _denominator_target(n, list(normed))
        if target is not None:
            own_denominator[normed[target]] = c
    shared = cols.get("denominator")
    # A shared column named "denominator" is only the base of the rates; one named
    # "population" (or similar) is also worth mapping in its own right.
    technical = shared is not None and normalize_heading(shared) in {"denominator", "denom", "base"}
    indicators = [c for c in numeric
                  if c not in own_denominator.values() and not (technical and c == shared)]  # fmt: skip
    if not indicators:
        raise InputError(
            "No columns of numbers were found to read as indicators",
            file=file,
            expected="one column of numbers per indicator beside the area codes",
            fix="Check the file, or use the tidy layout (area_code, indicator, count)",
        )
    parts = []
    for c in indicators:
        p = numeric[c]
        den_col = own_denominator.get(c, shared if shared not in (None, c) else None)
        den = numeric[den_col].values if den_col in numeric else pd.Series(np.nan, index=raw.index)
        # A column with its own denominator column is a count; others are guessed.
        unit = "count" if c in own_denominator else guess_unit(c, p.values)
        part = pd.DataFrame(
            {
                "area_code": raw[cols["area_code"]],
                "indicator": indicator_id(c),
                "domain": "",
                "period": raw[cols["period"]] if "period" in cols else (period or "unspecified"),
                "count": p.values if unit == "count" else np.nan,
                "denominator": den,
                "value": np.nan if unit == "count" else p.values,
                "unit": "" if unit == "count" else unit,
                "source": source or file or "",
                "suppressed": p.suppressed,
                "indicator_name": c,
                "_row": rows,
                "_column": c,
                "_denominator_column": den_col or "",
            }
        )
        if "area_name" in cols:
            part.insert(1, "area_name", raw[cols["area_name"]])
        parts.append(part)
    if own_denominator or shared in numeric:
        used = sorted(set(own_denominator.values()) | ({shared} if shared in numeric else set()))
        notes.append("Denominators taken from " + ", ".join(repr(c) for c in used) + ".")
    notes.append(f"Read {len(indicators)} indicator column(s) from a wide table.")
    return pd.concat(parts, ignore_index=True)
