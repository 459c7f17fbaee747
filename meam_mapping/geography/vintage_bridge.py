"""Bridge a table of LSOA 2011 areas to 2021 boundaries (or back) with the ONS lookup.

Most LSOA codes are the same in 2011 and 2021, so a table of the other
vintage joins *almost* completely and the gaps are easy to miss. Given the
ONS lookup between the two (as downloaded from the Open Geography Portal,
"LSOA (2011) to LSOA (2021) to Local Authority District (2022) Exact Fit
Lookup for EW": columns ``LSOA11CD, LSOA11NM, LSOA21CD, LSOA21NM, CHGIND,
LAD22CD, LAD22NM, LAD22NMW, ObjectId``; ``CHGIND`` is ``U`` unchanged,
``S`` split, ``M`` merged, ``X`` irregular), this module

* reads the lookup in that layout (:func:`ons_lookup`; the MSOA lookup with
  ``MSOA11CD``/``MSOA21CD`` works the same way);
* says how a table's areas would change (:func:`bridge_offer`: how many are
  unchanged, split, merged or irregular, the share changed, and how many more
  would then match the boundaries); and
* converts the table (:func:`bridge_table`, :func:`bridge_loaded`) through
  :func:`~meam_mapping.geography.vintage.convert_vintage`: counts and
  denominators are summed where areas merge and shared out where they split
  (by the weights given, else equally), rates are recomputed from the
  converted counts and denominators and never averaged, and values published
  without counts (ranks, deciles, scores) are carried only where an area is
  unchanged.

The ONS lookups are published under the Open Government Licence v3.0
(:data:`ONS_LOOKUP_LICENCE`); say so beside any result made with them.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from meam_mapping.errors import InputError
from meam_mapping.geography.codes import normalise_codes
from meam_mapping.geography.vintage import ConversionResult, Weights, convert_vintage

__all__ = [
    "CHANGE_TYPES",
    "ONS_LOOKUP_LICENCE",
    "BridgeOffer",
    "OnsLookup",
    "bridge_loaded",
    "bridge_offer",
    "bridge_table",
    "ons_lookup",
]

#: ONS change indicator (``CHGIND``) values and what they mean.
CHANGE_TYPES: dict[str, str] = {
    "U": "unchanged",
    "S": "split into several",
    "M": "merged with others",
    "X": "redrawn (irregular)",
}
#: Attribution for results made with an ONS lookup.
ONS_LOOKUP_LICENCE = (
    "Source: Office for National Statistics licensed under the Open Government Licence v3.0. "
    "Contains OS data © Crown copyright and database right."
)
_CODE_FIELD = re.compile(r"^(lsoa|msoa)(\d{2})cd$")


@dataclass(frozen=True)
class OnsLookup:
    """An ONS lookup between two vintages of small areas.

    Attributes
    ----------
    pairs : pandas.DataFrame
        ``from_code`` (the older vintage), ``to_code`` (the newer) and
        ``change`` (``U``/``S``/``M``/``X``, as stated or worked out from the
        pairs), one row per pair.
    level : str
        ``lsoa`` or ``msoa``.
    from_vintage, to_vintage : str
        E.g. ``"2011"`` and ``"2021"``.
    columns : tuple of str
        The headings read (older code, newer code, change indicator or ``""``).
    licence : str
    """

    pairs: pd.DataFrame
    level: str
    from_vintage: str
    to_vintage: str
    columns: tuple[str, str, str]
    licence: str = ONS_LOOKUP_LICENCE


def _inferred_change(frm: pd.Series, to: pd.Series) -> pd.Series:
    n_to = to.groupby(frm).transform("nunique")
    n_from = frm.groupby(to).transform("nunique")
    out = pd.Series("X", index=frm.index)
    out[(n_to == 1) & (n_from == 1)] = "U"
    out[(n_to > 1) & (n_from == 1)] = "S"
    out[(n_to == 1) & (n_from > 1)] = "M"
    return out


def ons_lookup(frame: pd.DataFrame, *, file: str | None = None) -> OnsLookup:
    """Read an ONS LSOA/MSOA 2011-2021 lookup in its published layout.

    Parameters
    ----------
    frame : pandas.DataFrame
        The lookup as read from the CSV (e.g. ``LSOA11CD, LSOA11NM, LSOA21CD,
        LSOA21NM, CHGIND, LAD22CD, ...``); headings in any case. Rows are
        named in messages as :func:`meam_mapping.io.validate.row_numbers`
        numbers them (an index named ``row``, as the readers give, else
        position + 2).
    file : str, optional
        File name for messages.

    Returns
    -------
    OnsLookup

    Raises
    ------
    InputError
        Without two code columns of one level and two years, or with change
        indicators other than U, S, M and X (the rows are named).
    """
    fields = {}
    for column in frame.columns:
        hit = _CODE_FIELD.match(str(column).strip().lower())
        if hit:
            fields.setdefault(hit[1], []).append((int(hit[2]), str(column)))
    level = next(
        (lv for lv in ("lsoa", "msoa") if len({y for y, _ in fields.get(lv, [])}) >= 2), None
    )
    if level is None:
        raise InputError(
            "this is not an ONS lookup between two vintages of areas",
            file=file,
            column=[str(c) for c in frame.columns[:8]],
            expected="code columns of two years, such as LSOA11CD and LSOA21CD (and CHGIND)",
            fix="Download 'LSOA (2011) to LSOA (2021) to Local Authority District (2022) Lookup' "
            "from the ONS Open Geography Portal as CSV",
        )
    years = sorted(fields[level])
    (old_year, old_col), (new_year, new_col) = years[0], years[-1]
    change_col = next((str(c) for c in frame.columns if str(c).strip().lower() == "chgind"), "")
    frm = normalise_codes(frame[old_col])
    to = normalise_codes(frame[new_col])
    keep = frm.notna() & to.notna()
    if change_col:
        change = frame[change_col].astype("object").where(frame[change_col].notna(), "")
        change = change.astype(str).str.strip().str.upper()
        bad = keep & ~change.isin(list(CHANGE_TYPES))
        if bad.any():
            from meam_mapping.io.validate import row_numbers

            rows = row_numbers(frame)[bad].tolist()[:20]
            raise InputError(
                "change indicator(s) "
                + ", ".join(repr(v) for v in change[bad].unique()[:5])
                + " are not ONS change types",
                file=file,
                row=rows,
                column=change_col,
                expected="U (unchanged), S (split), M (merged) or X (irregular)",
            )
    pairs = pd.DataFrame({"from_code": frm[keep].to_numpy(), "to_code": to[keep].to_numpy()})
    if change_col:
        pairs["change"] = change[keep].to_numpy()
    pairs = pairs.drop_duplicates(["from_code", "to_code"]).reset_index(drop=True)
    if not change_col:
        pairs["change"] = _inferred_change(pairs["from_code"], pairs["to_code"]).to_numpy()
    return OnsLookup(
        pairs=pairs,
        level=level,
        from_vintage=f"20{old_year:02d}",
        to_vintage=f"20{new_year:02d}",
        columns=(old_col, new_col, change_col),
    )


@dataclass(frozen=True)
class BridgeOffer:
    """How a table's areas would change through an ONS lookup, before converting.

    Attributes
    ----------
    table_vintage, boundary_vintage : str
        E.g. ``"2011"`` and ``"2021"``.
    reverse : bool
        True to use the lookup newer -> older (a 2021 table on 2011 boundaries).
    n_table_areas : int
        Distinct area codes in the table.
    n_in_lookup : int
        Of those, how many the lookup knows.
    n_unchanged, n_split, n_merged, n_irregular : int
        Table areas by what happens to them, in the direction used.
    share_changed : float
        ``(n_split + n_merged + n_irregular) / n_in_lookup``.
    matched_before, matched_after : int or None
        Boundary areas the table matches now, and would match after
        converting (None without boundary codes).
    split, merged, irregular : tuple of str
        The first few table codes of each kind.
    """

    table_vintage: str
    boundary_vintage: str
    reverse: bool
    n_table_areas: int
    n_in_lookup: int
    n_unchanged: int
    n_split: int
    n_merged: int
    n_irregular: int
    share_changed: float
    matched_before: int | None = None
    matched_after: int | None = None
    split: tuple[str, ...] = ()
    merged: tuple[str, ...] = ()
    irregular: tuple[str, ...] = ()

    def sentence(self) -> str:
        """What the conversion would do, in one or two sentences."""
        text = (
            f"The table's areas are {self.table_vintage} areas and the boundaries "
            f"{self.boundary_vintage}: {self.share_changed:.1%} of the table's areas in the ONS "
            f"lookup changed ({self.n_split} split, {self.n_merged} merged, "
            f"{self.n_irregular} redrawn; {self.n_unchanged} unchanged)."
        )
        if self.matched_before is not None and self.matched_after is not None:
            text += (
                f" Converting with the lookup would match {self.matched_after:,} boundary areas "
                f"instead of {self.matched_before:,}."
            )
        return text


def _directed(lookup: OnsLookup, reverse: bool) -> pd.DataFrame:
    pairs = lookup.pairs
    if reverse:
        frm, to = pairs["to_code"], pairs["from_code"]
        change = _inferred_change(frm, to)
    else:
        frm, to = pairs["from_code"], pairs["to_code"]
        stated = pairs["change"].where(pairs["change"] != "")
        change = stated.fillna(_inferred_change(frm, to))
    return pd.DataFrame({"from": frm.to_numpy(), "to": to.to_numpy(), "change": change.to_numpy()})


def _choose_direction(codes: set[str], lookup: OnsLookup, table_vintage: str | None) -> bool:
    """True (reverse) when the table holds the lookup's newer codes."""
    if table_vintage in (lookup.from_vintage, lookup.to_vintage):
        return table_vintage == lookup.to_vintage
    old, new = set(lookup.pairs["from_code"]), set(lookup.pairs["to_code"])
    return len(codes & (new - old)) > len(codes & (old - new))


def bridge_offer(
    table_codes: Iterable[object],
    lookup: OnsLookup,
    *,
    boundary_codes: Iterable[object] | None = None,
    table_vintage: str | None = None,
    boundary_vintage: str | None = None,
) -> BridgeOffer | None:
    """Say what converting a table's areas through an ONS lookup would change.

    Parameters
    ----------
    table_codes : iterable of str
        The table's area codes.
    lookup : OnsLookup
        From :func:`ons_lookup`.
    boundary_codes : iterable of str, optional
        The boundaries' codes, to count matches before and after.
    table_vintage, boundary_vintage : str, optional
        ``"2011"``/``"2021"`` (or ``"LSOA 2021"``) when known; otherwise the
        table's vintage is read from which side of the lookup its codes
        belong to, and the boundaries are taken to be the other.

    Returns
    -------
    BridgeOffer or None
        None when the table and the boundaries are of the same vintage.
    """
    codes = set(normalise_codes(pd.Series(list(table_codes), dtype=object)).dropna())
    year = re.compile(r"(20\d\d)")
    tv = year.search(str(table_vintage or ""))
    bv = year.search(str(boundary_vintage or ""))
    tv_s, bv_s = (tv[1] if tv else None), (bv[1] if bv else None)
    if tv_s and bv_s and tv_s == bv_s:
        return None
    if tv_s is None and bv_s in (lookup.from_vintage, lookup.to_vintage):
        tv_s = lookup.to_vintage if bv_s == lookup.from_vintage else lookup.from_vintage
    reverse = _choose_direction(codes, lookup, tv_s)
    tv_s = lookup.to_vintage if reverse else lookup.from_vintage
    bv_s = lookup.from_vintage if reverse else lookup.to_vintage
    pairs = _directed(lookup, reverse)
    known = pairs[pairs["from"].isin(codes)]
    per = known.drop_duplicates("from").set_index("from")["change"]
    counts = per.value_counts()
    n_in = len(per)
    changed = n_in - int(counts.get("U", 0))
    before = after = None
    if boundary_codes is not None:
        bounds = set(normalise_codes(pd.Series(list(boundary_codes), dtype=object)).dropna())
        before = len(codes & bounds)
        converted = set(known["to"]) | (codes - set(pairs["from"]))
        after = len(converted & bounds)
    return BridgeOffer(
        table_vintage=tv_s,
        boundary_vintage=bv_s,
        reverse=reverse,
        n_table_areas=len(codes),
        n_in_lookup=n_in,
        n_unchanged=int(counts.get("U", 0)),
        n_split=int(counts.get("S", 0)),
        n_merged=int(counts.get("M", 0)),
        n_irregular=int(counts.get("X", 0)),
        share_changed=changed / n_in if n_in else 0.0,
        matched_before=before,
        matched_after=after,
        split=tuple(sorted(per.index[per == "S"])[:10]),
        merged=tuple(sorted(per.index[per == "M"])[:10]),
        irregular=tuple(sorted(per.index[per == "X"])[:10]),
    )


def bridge_table(
    table: pd.DataFrame,
    lookup: OnsLookup,
    *,
    reverse: bool | None = None,
    weights: Weights | None = None,
) -> ConversionResult:
    """Convert a tidy indicator table to the other vintage through an ONS lookup.

    Parameters
    ----------
    table : pandas.DataFrame
        Tidy indicator table on one vintage's codes.
    lookup : OnsLookup
        From :func:`ons_lookup`.
    reverse : bool, optional
        Newer -> older; by default worked out from the table's codes.
    weights : mapping or Series, optional
        Weight (e.g. adult population) of each area of the target vintage,
        used to share out the counts of an area that was split. Without
        weights a split area's counts and denominators are shared equally,
        so each piece keeps the old area's rate (the notes say so).

    Returns
    -------
    ConversionResult
        The table on the target vintage's codes (rows for codes the lookup
        does not know are kept unchanged) and a report whose notes list the
        split and merged areas and the licence.
    """
    codes = set(normalise_codes(table["area_code"]).dropna())
    if reverse is None:
        reverse = _choose_direction(codes, lookup, None)
    pairs = lookup.pairs
    result = convert_vintage(
        table,
        pairs,
        from_col="from_code",
        to_col="to_code",
        change_col=None if reverse else "change",
        weights=weights,
        split="weights" if weights is not None else "equal",
        reverse=reverse,
        unmatched="keep",
    )
    offer = bridge_offer(
        codes, lookup, table_vintage=lookup.to_vintage if reverse else lookup.from_vintage
    )
    notes = list(result.report.notes)
    frm, to = (
        (lookup.to_vintage, lookup.from_vintage)
        if reverse
        else (lookup.from_vintage, lookup.to_vintage)
    )
    head = (
        f"Converted from {lookup.level.upper()} {frm} to {to} codes with the ONS lookup: "
        f"{offer.share_changed:.1%} of the table's areas changed."
        if offer
        else ""
    )
    if offer and offer.split:
        notes.append(
            "Split: " + ", ".join(offer.split) + (" ..." if offer.n_split > 10 else "") + "."
        )
    if offer and offer.merged:
        notes.append(
            "Merged: " + ", ".join(offer.merged) + (" ..." if offer.n_merged > 10 else "") + "."
        )
    if result.report.n_split or result.report.n_irregular:
        notes.append(
            "Counts of split areas were shared out "
            + (
                "by the weights given"
                if weights is not None
                else "equally, so each piece keeps the old area's rate"
            )
            + "; ranks, deciles and scores are kept only for unchanged areas."
        )
    notes.append(lookup.licence)
    report = dataclasses.replace(result.report, notes=tuple(([head] if head else []) + notes))
    table_out = result.table
    if "source" in table_out:
        table_out = table_out.assign(
            source=table_out["source"].astype(str)
            + f" (converted to {to} areas with the ONS lookup)"
        )
    return ConversionResult(table_out, report)


def bridge_loaded(loaded, lookup: OnsLookup, *, weights: Weights | None = None):  # noqa: ANN001, ANN201
    """A :class:`~meam_mapping.io.indicators.LoadResult` converted by :func:`bridge_table`.

    The conversion's notes are added to the load notes, so they appear in the
    join report when the table is added.
    """
    result = bridge_table(loaded.table, lookup, weights=weights)
    return dataclasses.replace(
        loaded, table=result.table, notes=tuple(loaded.notes) + tuple(result.report.notes)
    )
