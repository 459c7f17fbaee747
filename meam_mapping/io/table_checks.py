"""Warnings about a loaded table that do not stop it loading.

A file can be read and still hold something a person should look at before
trusting a map:

* an area column that mixes levels (LSOA and MSOA codes) or codes of two
  vintages (LSOA 2011 and 2021): the rows of each kind are named, because
  only the rows of the boundaries' level and vintage will find an area;
* a rank column with repeated ranks or with gaps, or values that cannot be
  ranks.

:func:`table_checks` returns plain sentences for the load report (the Data
page's join report, ``inspect`` and the ``workspace`` command); nothing here
raises.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from meam_mapping.geography.codes import _ASCII_SPACE, ascii_text, levels_of
from meam_mapping.io.area_column import FIRST_2021

__all__ = ["area_code_checks", "rank_checks", "table_checks"]

_LEVEL_WORDS = {"lsoa": "LSOA", "msoa": "MSOA", "lad": "district", "oa": "output area"}
#: Positions listed in a sentence before "and N more".
SHOWN = 8


def _positions(numbers: Sequence[int]) -> str:
    """``[2, 3, 4, 9]`` -> ``"2-4, 9"`` (at most :data:`SHOWN` runs)."""
    values = sorted({int(n) for n in numbers})
    runs: list[tuple[int, int]] = []
    for n in values:
        if runs and n == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], n)
        else:
            runs.append((n, n))
    text = ", ".join(f"{a}-{b}" if b > a else f"{a}" for a, b in runs[:SHOWN])
    return text + (f" and {len(runs) - SHOWN} more" if len(runs) > SHOWN else "")


def _levels(text: pd.Series) -> pd.Series:
    """Level of each code, one look-up per distinct code (tables repeat codes)."""
    which, distinct = pd.factorize(text.to_numpy(dtype=object))
    return pd.Series(levels_of(distinct)[which], index=text.index, dtype="str")


def _code_text(codes: pd.Series) -> tuple[pd.Series, bool]:
    """Codes as stripped upper-case text ("" when missing), and whether all are ASCII.

    ASCII text is stripped and upper-cased through Arrow (what ``str.strip``
    and ``str.upper`` do to ASCII); anything else value by value.
    """
    import pyarrow.compute as pc

    text = ascii_text(codes.to_numpy(dtype=object))
    if text is not None:
        done = pc.ascii_upper(pc.utf8_trim(text, characters=_ASCII_SPACE))
        return pd.Series(done.to_numpy(zero_copy_only=False), index=codes.index, dtype="str"), True
    text = codes.astype("object").where(codes.notna(), "").astype(str).str.strip().str.upper()
    return text, False


def _where(codes: pd.Series, mask: pd.Series, rows: bool) -> str:
    picked = codes[mask]
    examples = ", ".join(pd.unique(picked.astype(str))[:3])
    if rows:
        word = "row" if len(picked) == 1 else "rows"
        return f"{word} {_positions(picked.index)}: {examples}"
    return f"e.g. {examples}"


def area_code_checks(
    codes: pd.Series,
    *,
    rows: bool = False,
    stated_vintage: str | None = None,
    lookup: object | None = None,
) -> list[str]:
    """Sentences about an area column holding several levels or two vintages.

    Parameters
    ----------
    codes : pandas.Series
        Area codes as read; with ``rows=True`` the index holds the
        spreadsheet row numbers (as :func:`meam_mapping.io.read.read_table`
        gives them).
    rows : bool, default False
        Name rows (else example codes).
    stated_vintage : str, optional
        The vintage the heading or publication states (``"2011"``).
    lookup : OnsLookup, optional
        An ONS lookup between two vintages: codes only in its older or only
        in its newer side tell the vintages apart.

    Returns
    -------
    list of str
    """
    text, ascii_only = _code_text(codes)
    text = text[text != ""]
    notes = []
    levels = _levels(text)
    counts = levels.value_counts()
    if len(counts) > 1:
        parts = [
            f"{n:,} {_LEVEL_WORDS.get(lv, lv)} code(s) ({_where(text, levels == lv, rows)})"
            for lv, n in counts.items()
        ]
        notes.append(
            "The area column holds codes of several levels: "
            + "; ".join(parts)
            + ". Only the rows of the boundaries' level will find an area: put each level in "
            "its own file, or load boundaries of each level."
        )
    lsoa = text[levels.isin(["lsoa", "msoa"])]
    if lsoa.empty:
        return notes
    if ascii_only:  # each an ASCII GSS code: a letter and eight digits (one look-up per prefix)
        values = lsoa.to_numpy(dtype=object)
        number = np.array([int(code[3:]) for code in values], dtype=np.int64)
        which, prefixes = pd.factorize(np.array([code[:3] for code in values], dtype=object))
        starts = np.array([FIRST_2021.get(p, np.nan) for p in prefixes], dtype=float)
        new_only = pd.Series(number >= starts[which], index=lsoa.index)
    else:
        number = pd.to_numeric(lsoa.str[3:], errors="coerce")
        first = lsoa.str[:3].map(FIRST_2021)
        new_only = (number >= first).fillna(False).astype(bool)
    old_only = pd.Series(False, index=lsoa.index)
    if lookup is not None:
        pairs = lookup.pairs  # type: ignore[attr-defined]
        old, new = set(pairs["from_code"]), set(pairs["to_code"])
        old_only = lsoa.isin(old - new)
        new_only = new_only | lsoa.isin(new - old)
    if new_only.any() and (old_only.any() or str(stated_vintage or "").endswith("2011")):
        older = (
            f"; {int(old_only.sum()):,} exist only before 2021 ({_where(lsoa, old_only, rows)})"
            if old_only.any()
            else " although the heading says 2011"
        )
        notes.append(
            f"The area column mixes two vintages: {int(new_only.sum()):,} code(s) exist only "
            f"since 2021 ({_where(lsoa, new_only, rows)}){older}. Convert the older rows with "
            "the ONS LSOA 2011-2021 lookup, or check where the file came from."
        )
    return notes


def rank_checks(table: pd.DataFrame) -> list[str]:
    """Sentences about rank indicators with repeats, gaps or values that are not ranks.

    Ranks of *these* areas should run 1, 2, 3... without gaps, so when at
    most a tenth of the ranks up to the highest (or two) are missing, the
    missing ones are listed (rows lost from a national file). Ranks among a
    larger set (a local extract of a national ranking: far fewer areas than
    the highest rank) have gaps by nature and are only checked for repeats.

    Parameters
    ----------
    table : pandas.DataFrame
        Tidy indicator table with ``kind``.
    """
    if "kind" not in table or not (table["kind"] == "rank").any():
        return []
    notes = []
    ranks = table[table["kind"] == "rank"]
    period = ranks["period"] if "period" in ranks else pd.Series("", index=ranks.index)
    for (indicator, when), rows in ranks.groupby([ranks["indicator"], period], sort=False):
        label = f"{indicator} ({when})" if when else str(indicator)
        values = pd.to_numeric(rows["value"], errors="coerce").dropna()
        if values.empty:
            continue
        bad = values[(values < 1) | (values != values.round())]
        if len(bad):
            notes.append(
                f"{label}: {len(bad)} value(s) are not whole numbers from 1 (e.g. {bad.iloc[0]:g}); "
                "is it a score rather than a rank? Change its kind on the Data page if so."
            )
            continue
        repeated = values[values.duplicated(keep=False)]
        if len(repeated):
            shown = ", ".join(f"{v:,.0f}" for v in sorted(repeated.unique())[:5])
            codes = rows.loc[repeated.index, "area_code"].astype(str).unique()[:4]
            notes.append(
                f"{label}: rank(s) {shown} are given to more than one area "
                f"(e.g. {', '.join(codes)}): ties, or a column that is not a rank?"
            )
        n, top = int(values.nunique()), int(values.max())
        if top - n <= max(2, 0.1 * top):  # nearly 1..n: a ranking of these areas
            missing = np.setdiff1d(np.arange(1, top + 1), values.to_numpy(dtype=int))
            if missing.size:
                notes.append(
                    f"{label}: the ranks of these {len(values):,} areas leave out "
                    f"{missing.size:,} rank(s) ({_positions(missing.tolist())}): check for "
                    "missing rows."
                )
        elif n == len(values) and int(values.min()) >= 1:
            notes.append(
                f"{label}: ranks run from {int(values.min()):,} to {top:,} for {len(values):,} "
                "areas, so they rank these areas among a larger set (e.g. all of England)."
            )
    return notes


def table_checks(
    table: pd.DataFrame,
    *,
    codes: pd.Series | None = None,
    stated_vintage: str | None = None,
    lookup: object | None = None,
) -> list[str]:
    """All the warnings for one loaded table (see the module notes).

    Parameters
    ----------
    table : pandas.DataFrame
        The tidy indicator table.
    codes : pandas.Series, optional
        The area column as read, indexed by spreadsheet row, to name rows;
        by default the table's distinct codes are used (and named).
    stated_vintage, lookup
        As for :func:`area_code_checks`.
    """
    if codes is None:
        area = pd.Series(table["area_code"].unique() if "area_code" in table else [], dtype=object)
        notes = area_code_checks(area, stated_vintage=stated_vintage, lookup=lookup)
    else:
        notes = area_code_checks(codes, rows=True, stated_vintage=stated_vintage, lookup=lookup)
    return notes + rank_checks(table)
