"""Find a table's area code column by its values, whatever its heading.

Published files name their area column in many ways: ``LSOA code (2011)``
(English Indices of Deprivation), ``lsoa21cd`` (ONS lookups), ``Geography
code`` (Census 2021 tables), ``ONS Code`` (MHCLG live tables). Rather than a
list of every spelling, the column is recognised by what it holds: Government
Statistical Service (GSS) codes (:data:`meam_mapping.geography.codes.GSS_PATTERN`).
Where several columns hold codes (an LSOA column beside its local authority
column), the finest level wins (LSOA before MSOA before district...), and the
leftmost column among equals.

The *vintage* (2011 or 2021 areas) is read from the heading where it says so
(``(2011)``, ``LSOA11CD``, ``lsoa21cd``, ``LAD24CD`` -> 2011, 2011, 2021,
2024); otherwise, for LSOAs and MSOAs, from the codes: codes created in 2021
(LSOAs above ``E01033768``, MSOAs above ``E02006934``) can only be 2021 areas.
Without either the vintage is left unknown, because most LSOA codes are the
same in both (see :func:`meam_mapping.geography.codes.detect_vintage`, which
compares them with the boundaries' codes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from meam_mapping.geography.codes import ENTITY_PREFIXES, GSS_PATTERN

__all__ = [
    "FIRST_2021",
    "AreaColumn",
    "find_area_column",
    "vintage_from_codes",
    "vintage_from_heading",
    "with_area_column",
]

#: Finest first: the level a table is "at" when it holds several code columns.
_LEVEL_ORDER = ("oa", "lsoa", "msoa", "ward", "lad", "county", "region", "country")
#: Share of a column's filled cells (in the sample) that must be GSS codes.
MIN_SHARE = 0.8
#: Cells looked at per column (the first N filled ones).
SAMPLE = 500
#: First codes created with the 2021 census geography: the 2011 codes end at
#: E01033768 / W01001958 (LSOA) and E02006934 / W02000423 (MSOA); codes above
#: are 2021 areas (code ranges as used by ONS survey tooling in the code index,
#: read_file id 25451143568; "codes above E01033768" for 2021 LSOAs, id 41258061697).
#: First LSOA/MSOA code numbers that exist only since 2021, by prefix.
FIRST_2021 = {"E01": 33769, "W01": 1959, "E02": 6935, "W02": 424}
_FIRST_2021 = FIRST_2021

_HEADING_YEAR = re.compile(r"\((?:19|20)(\d\d)\)|\b(?:19|20)(\d\d)\b")
_HEADING_CD = re.compile(r"(?:lsoa|msoa|oa|lad|ltla|utla|ctyua|wd|rgn|cty|cauth)(\d\d)(?:cd|nm)\b")


@dataclass(frozen=True)
class AreaColumn:
    """The column of a table that holds its area codes.

    Attributes
    ----------
    column : str
        The heading as written in the file, e.g. ``"LSOA code (2011)"``.
    level : str
        Level of most codes: ``lsoa``, ``msoa``, ``lad``, ``ward``, ...
    vintage : str or None
        ``"2011"``, ``"2021"`` (or another year) when the heading or the codes
        say; None when they do not.
    vintage_from : str
        ``"heading"``, ``"codes"`` or ``""`` (unknown).
    share : float
        Share of the sampled filled cells that are GSS codes.
    name_column : str or None
        The matching name column (``"LSOA name (2011)"`` beside ``"LSOA code
        (2011)"``, ``lsoa21nm`` beside ``lsoa21cd``), if any.
    others : tuple of str
        Other columns holding GSS codes (e.g. the local authority code).
    """

    column: str
    level: str
    vintage: str | None = None
    vintage_from: str = ""
    share: float = 1.0
    name_column: str | None = None
    others: tuple[str, ...] = ()

    def describe(self) -> str:
        """One plain-English sentence, e.g. for the inspect report."""
        vintage = f", {self.vintage} areas (from the {self.vintage_from})" if self.vintage else ""
        return f"Area codes in {self.column!r}: {self.level}{vintage}."


def vintage_from_heading(heading: str) -> str | None:
    """The area vintage a heading states, or None.

    Examples
    --------
    >>> vintage_from_heading("LSOA code (2011)"), vintage_from_heading("lsoa21cd")
    ('2011', '2021')
    >>> vintage_from_heading("Geography code") is None
    True
    """
    text = str(heading).strip().lower()
    cd = _HEADING_CD.search(text.replace(" ", "").replace("_", ""))
    if cd:
        return "20" + cd.group(1)
    year = _HEADING_YEAR.search(text)
    if year:
        return "20" + (year.group(1) or year.group(2))
    return None


def vintage_from_codes(codes: pd.Series | list[str], level: str) -> str | None:
    """``"2021"`` when some LSOA/MSOA codes exist only since 2021, else None.

    Codes that exist in both vintages say nothing, so None does not mean 2011.
    """
    for code in pd.Series(codes, dtype=object).dropna().astype(str):
        prefix = code[:3]
        if prefix in _FIRST_2021 and level in ("lsoa", "msoa") and code[3:].isdigit():
            if int(code[3:]) >= _FIRST_2021[prefix]:
                return "2021"
    return None


def _code_share(values: pd.Series) -> tuple[float, str]:
    """Share of filled cells that are GSS codes, and their most common level."""
    text = values.astype(str).str.strip().str.upper()
    filled = text[text != ""].head(SAMPLE)
    if filled.empty:
        return 0.0, ""
    is_code = filled.str.match(GSS_PATTERN)
    if not is_code.any():
        return 0.0, ""
    levels = filled[is_code].str[:3].map(lambda p: ENTITY_PREFIXES.get(p, ("unknown", ""))[0])
    return float(is_code.mean()), str(levels.value_counts().index[0])


def _name_column(code_heading: str, columns: list[str]) -> str | None:
    """The heading of the names beside a code column, by the field's conventions."""
    norm = {c: re.sub(r"\s+", " ", str(c).strip().lower()) for c in columns}
    h = norm.get(code_heading, str(code_heading).lower())
    candidates = []
    if re.search(r"cd$", h):
        candidates.append(h[:-2] + "nm")
    if "code" in h:
        candidates += [h.replace("code", "name"), h.replace("code", "").strip()]
    for want in candidates:
        hit = next((c for c in columns if c != code_heading and norm[c] == want), None)
        if hit is not None:
            return hit
    return None


def find_area_column(raw: pd.DataFrame) -> AreaColumn | None:
    """Find the column of area codes by its values.

    Parameters
    ----------
    raw : pandas.DataFrame
        The table as read (text cells; see :func:`meam_mapping.io.read.read_table`).

    Returns
    -------
    AreaColumn or None
        The finest-level column whose filled cells are mostly (80%) GSS codes,
        or None when no column is.

    Examples
    --------
    >>> frame = pd.DataFrame({"LSOA code (2011)": ["E01000001", "E01000002"],
    ...                       "Local Authority District code (2019)": ["E09000001"] * 2,
    ...                       "Index of Multiple Deprivation (IMD) Decile": ["9", "10"]})
    >>> found = find_area_column(frame)
    >>> found.column, found.level, found.vintage
    ('LSOA code (2011)', 'lsoa', '2011')
    """
    hits: list[tuple[int, int, str, str, float]] = []
    for position, column in enumerate(raw.columns):
        share, level = _code_share(raw[column])
        if share >= MIN_SHARE:
            rank = _LEVEL_ORDER.index(level) if level in _LEVEL_ORDER else len(_LEVEL_ORDER)
            hits.append((rank, position, str(column), level, share))
    if not hits:
        return None
    hits.sort()
    _, _, column, level, share = hits[0]
    vintage, source = vintage_from_heading(column), "heading"
    if vintage is None:
        vintage, source = vintage_from_codes(raw[column].str.strip().str.upper(), level), "codes"
    return AreaColumn(
        column=column,
        level=level,
        vintage=vintage,
        vintage_from=source if vintage else "",
        share=share,
        name_column=_name_column(column, [str(c) for c in raw.columns]),
        others=tuple(h[2] for h in hits[1:]),
    )


def with_area_column(raw: pd.DataFrame, cols: dict[str, str]) -> dict[str, str]:
    """Add the area code (and name) column found by its values to matched headings.

    Parameters
    ----------
    raw : pandas.DataFrame
        The table as read.
    cols : dict
        Standard name -> heading, as matched by heading
        (:func:`meam_mapping.io.layouts.match_columns`).

    Returns
    -------
    dict
        ``cols`` itself when no column holds codes; otherwise a copy with
        ``area_code`` (when no heading named it) and ``area_name`` (when no
        heading named it and the code column's partner is found, e.g.
        ``geography`` beside ``geography code``).
    """
    if "area_code" in cols:
        if "area_name" in cols:
            return cols
        partner = _name_column(cols["area_code"], [str(c) for c in raw.columns])
        if partner is None or partner in cols.values():
            return cols
        return {**cols, "area_name": partner}
    found = find_area_column(raw)
    if found is None:
        return cols
    taken = set(cols.values())
    out = {k: v for k, v in cols.items() if v != found.column}
    out["area_code"] = found.column
    if "area_name" not in out and found.name_column and found.name_column not in taken:
        out["area_name"] = found.name_column
    return out
