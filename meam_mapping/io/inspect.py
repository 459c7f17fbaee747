"""Say what the program understood of a file, before anything is drawn.

:func:`inspect_table` reads a table the way the loader does, recognises the
publication it comes from (:mod:`meam_mapping.publications`) or its layout,
and reports the area column, level and vintage, and each indicator's id, name,
kind, polarity, unit and periods; given boundary codes it also reports the
join both ways. :func:`load_known` is the loading half on its own: it reads
registered spreadsheet publications (MHCLG, NDTMS, OHID, MoJ tables with
title rows) through their mappings when the plain loader cannot.

The command line's ``inspect`` and the Data page's "What was understood"
panel both show :class:`Inspection` (``to_dict`` for JSON, ``to_text`` for
people).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import IO, Any

import pandas as pd

from meam_mapping.errors import InputError
from meam_mapping.geography.codes import detect_level
from meam_mapping.geography.vintage_bridge import OnsLookup, bridge_offer
from meam_mapping.indicators.periods import sort_periods
from meam_mapping.io.area_column import find_area_column
from meam_mapping.io.indicators import LoadResult, to_indicator_table
from meam_mapping.io.layouts import match_columns
from meam_mapping.io.read import _read_bytes, read_table, source_name
from meam_mapping.io.table_checks import table_checks
from meam_mapping.publications import Publication, publications, recognise

__all__ = ["IndicatorSummary", "Inspection", "JoinSummary", "inspect_table", "load_known"]

#: Codes listed in each direction of the join.
FIRST = 10


@dataclass(frozen=True)
class IndicatorSummary:
    """One indicator as understood: ``id``, ``name``, ``kind``, ``polarity``, ``unit``, ``periods``."""

    id: str
    name: str
    kind: str
    polarity: str
    unit: str
    periods: tuple[str, ...]
    domain: str = ""
    areas: int = 0


@dataclass(frozen=True)
class JoinSummary:
    """Table codes against boundary codes, both ways (counts and the first few codes)."""

    matched: int
    unmatched_table: int
    unmatched_boundaries: int
    unmatched_table_first: tuple[str, ...] = ()
    unmatched_boundaries_first: tuple[str, ...] = ()

    @classmethod
    def of(cls, table_codes: Iterable[object], boundary_codes: Iterable[object]) -> JoinSummary:
        """Compare two sets of codes."""
        table = {str(c) for c in table_codes}
        bounds = {str(c) for c in boundary_codes}
        only_t, only_b = sorted(table - bounds), sorted(bounds - table)
        return cls(len(table & bounds), len(only_t), len(only_b),
                   tuple(only_t[:FIRST]), tuple(only_b[:FIRST]))  # fmt: skip


@dataclass(frozen=True)
class Inspection:
    """What was understood of one file.

    Attributes
    ----------
    file : str
    layout : str
        ``wide``, ``tidy``, ``fingertips`` or ``table:<mapping>``.
    publication : str or None
        Registry name of the publication recognised (e.g. ``iod2019_file1``).
    publication_title, licence, source_url : str
    headings_checked : bool or None
        Whether the registry's headings were checked against the real file.
    area_column : str
        The heading the area codes were read from, as written.
    level : str
        ``lsoa``, ``msoa``, ``lad``... (the most common level of the codes).
    vintage : str or None
        ``2011``, ``2021``... when the heading, the codes or the publication say.
    vintage_from : str
        ``heading``, ``codes``, ``publication`` or ``""``.
    rows : int
        Rows of the tidy table (area x indicator x period).
    indicators : tuple of IndicatorSummary
    join : JoinSummary or None
        With boundaries only.
    notes : tuple of str
        The loader's notes.
    vintage_bridge : dict or None
        With boundaries of another vintage and an ONS lookup: what converting
        would change (:class:`~meam_mapping.geography.vintage_bridge.BridgeOffer`
        as a dict, with its ``sentence``).
    """

    file: str
    layout: str
    area_column: str
    level: str
    vintage: str | None
    rows: int
    indicators: tuple[IndicatorSummary, ...]
    publication: str | None = None
    publication_title: str = ""
    licence: str = ""
    source_url: str = ""
    headings_checked: bool | None = None
    vintage_from: str = ""
    join: JoinSummary | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    vintage_bridge: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types; keys as in DESIGN.md (``layout``, ``area_column``, ``level``, ...)."""
        out = asdict(self)
        out["indicators"] = [{**asdict(i), "periods": list(i.periods)} for i in self.indicators]
        if self.join is not None:
            out["join"] = {k: list(v) if isinstance(v, tuple) else v
                           for k, v in asdict(self.join).items()}  # fmt: skip
        out["notes"] = list(self.notes)
        return out

    def to_text(self) -> str:
        """A few lines a person can read."""
        lines = [f"File: {self.file}"]
        if self.publication:
            checked = (
                "" if self.headings_checked else " (headings not checked against the real file)"
            )
            lines.append(f"Recognised: {self.publication_title}{checked}")
            lines.append(f"Licence: {self.licence}; source: {self.source_url}")
        lines.append(f"Layout: {self.layout}")
        vintage = f"{self.vintage} (from the {self.vintage_from})" if self.vintage else "not known"
        lines.append(f"Area column: {self.area_column!r}; level: {self.level}; vintage: {vintage}")
        lines.append(f"Rows: {self.rows:,}; indicators: {len(self.indicators)}")
        for i in self.indicators:
            periods = ", ".join(i.periods[:4]) + (" ..." if len(i.periods) > 4 else "")
            lines.append(
                f"  {i.id}: {i.name!r} - {i.kind}, {i.polarity.replace('_', ' ')}, "
                f"unit {i.unit}; periods {periods}; {i.areas:,} areas"
            )
        if self.join is not None:
            j = self.join
            lines.append(
                f"Join: {j.matched:,} matched; {j.unmatched_table:,} table codes not in the "
                f"boundaries; {j.unmatched_boundaries:,} boundary areas without data"
            )
            if j.unmatched_table_first:
                lines.append("  not in the boundaries: " + ", ".join(j.unmatched_table_first))
            if j.unmatched_boundaries_first:
                lines.append("  without data: " + ", ".join(j.unmatched_boundaries_first))
        if self.vintage_bridge is not None:
            lines.append("Vintage: " + str(self.vintage_bridge["sentence"]))
        lines += [f"Note: {n}" for n in self.notes]
        return "\n".join(lines)


def _try_tables(data: bytes, file: str) -> tuple[LoadResult, Publication] | None:
    from meam_mapping.sources.tables import import_table

    for pub in publications():
        if pub.reader != "table" or not pub.mapping:
            continue
        try:
            return import_table(data, pub.mapping, name=file), pub
        except InputError:
            continue
    return None


def load_known(
    path_or_buffer: str | os.PathLike[str] | IO[bytes] | bytes,
    *,
    name: str | None = None,
    sheet: str | int | None = None,
) -> tuple[LoadResult, Publication | None, list[str]]:
    """Load a table as the Data page would, also trying the registered spreadsheet publications.

    Parameters
    ----------
    path_or_buffer : str, os.PathLike, bytes or file-like
        The file as downloaded.
    name : str, optional
        File name for messages.
    sheet : str or int, optional
        Worksheet of a workbook.

    Returns
    -------
    (LoadResult, Publication or None, headings)
        The loaded table, the publication recognised, and the headings of
        the first row as read (empty for spreadsheet publications).

    Raises
    ------
    InputError
        When neither the plain loader nor any registered publication can read it.
    """
    file = source_name(path_or_buffer, name)
    data = _read_bytes(path_or_buffer, file)
    problem: InputError | None = None
    try:
        raw = read_table(data, name=file, sheet=sheet)
    except InputError as err:
        raw, problem = None, err
    columns = [] if raw is None else [str(c) for c in raw.frame.columns]
    known = recognise(columns)
    if known is None:
        # Spreadsheet publications first: their title rows would pass for headings.
        found = _try_tables(data, file)
        if found is not None:
            return found[0], found[1], []
    if raw is None:
        raise problem  # type: ignore[misc]
    result = to_indicator_table(raw.frame, file=file)  # the loader's own message if unreadable
    return LoadResult(result.table, result.layout, raw.notes + result.notes, file), known, columns


def _area_column(raw_columns: list[str], table: pd.DataFrame, known: Publication | None,
                 frame: pd.DataFrame | None) -> tuple[str, str | None, str]:  # fmt: skip
    if frame is not None:
        by_heading = match_columns(raw_columns, ("area_code",)).get("area_code")
        found = find_area_column(frame)
        if found is not None and by_heading in (None, found.column):
            return found.column, found.vintage, found.vintage_from
        if by_heading is not None:
            return by_heading, None, ""
    if known is not None and known.area_column:
        return known.area_column, None, ""
    return "area_code", None, ""


def inspect_table(
    path_or_buffer: str | os.PathLike[str] | IO[bytes] | bytes,
    *,
    name: str | None = None,
    sheet: str | int | None = None,
    boundary_codes: Iterable[object] | Mapping[str, Iterable[object]] | None = None,
    boundary_vintage: str | None = None,
    lookup: OnsLookup | None = None,
) -> Inspection:
    """Read a file and say what was understood of it.

    Parameters
    ----------
    path_or_buffer : str, os.PathLike, bytes or file-like
        The table as downloaded.
    name : str, optional
        File name for messages.
    sheet : str or int, optional
        Worksheet of a workbook.
    boundary_codes : iterable of str, or mapping of level to codes, optional
        Codes of the boundaries it will be joined to (``areas["area_code"]``);
        with a mapping (e.g. a dataset's areas by level) the table's own level
        is used, else every level together.
    boundary_vintage : str, optional
        The boundaries' vintage as read from their fields (e.g. ``"LSOA 2021"``);
        a table of another vintage gets a note.
    lookup : OnsLookup, optional
        The ONS 2011-2021 lookup (:func:`~meam_mapping.geography.vintage_bridge.ons_lookup`):
        with boundary codes of the other vintage, ``vintage_bridge`` says how
        many of the table's areas changed and how many more would match.

    Returns
    -------
    Inspection

    Raises
    ------
    InputError
        When the file cannot be read (the loader's message).
    """
    file = source_name(path_or_buffer, name)
    data = _read_bytes(path_or_buffer, file)
    result, known, columns = load_known(data, name=file, sheet=sheet)
    table = result.table
    frame = None
    if columns:
        frame = read_table(data, name=file, sheet=sheet).frame
    column, vintage, vintage_from = _area_column(columns, table, known, frame)
    if vintage is None and known is not None and known.vintage:
        vintage, vintage_from = known.vintage, "publication"
    level = detect_level(table["area_code"]).level
    indicators = []
    for ind, rows in table.groupby("indicator", sort=False):
        first = rows.iloc[0]
        indicators.append(
            IndicatorSummary(
                id=str(ind),
                name=str(first["indicator_name"]),
                kind=str(first["kind"]),
                polarity=str(first["polarity"]),
                unit=str(first["unit"]),
                periods=tuple(sort_periods(rows["period"].astype(str).unique())),
                domain=str(first["domain"]),
                areas=int(rows["area_code"].nunique()),
            )  # fmt: skip
        )
    join = None
    codes = frame[column] if frame is not None and column in frame.columns else None
    notes = list(result.notes) + table_checks(
        table, codes=codes, stated_vintage=vintage, lookup=lookup
    )
    if isinstance(boundary_codes, Mapping):
        by_level = {k: list(v) for k, v in boundary_codes.items()}
        boundary_codes = by_level.get(level, [c for v in by_level.values() for c in v])
        if level in ("msoa", "lad") and level not in by_level and "lsoa" in by_level:
            from meam_mapping.schema import LEVEL_WORDS

            notes.append(
                f"The table's areas are {LEVEL_WORDS[level]}s, but the boundaries do not say which "
                f"{LEVEL_WORDS[level]} each of their LSOAs is in, so the table cannot be joined to "
                "them. ONS's LSOA boundary files give each LSOA's own code only: add the ONS "
                "lookup 'Output Area to LSOA to MSOA to Local Authority District' of the "
                "boundaries' year (--areas-lookup in the command line, or on the Data page)."
            )
    if boundary_codes is not None:
        join = JoinSummary.of(table["area_code"].unique(), boundary_codes)
    other_vintage = bool(boundary_vintage and vintage and vintage not in str(boundary_vintage))
    if other_vintage and join is not None:
        share = join.unmatched_table / max(join.matched + join.unmatched_table, 1)
        notes.append(
            f"The table's areas are {vintage} areas but the boundaries are {boundary_vintage}: "
            f"{share:.1%} of the table's area codes are not in the boundaries. Convert the table "
            "with the ONS LSOA 2011-2021 lookup (the Data page, or "
            "meam_mapping.geography.vintage_bridge.bridge_table), or use boundaries of the same year."
        )
    elif other_vintage:
        notes.append(
            f"The table's areas are {vintage} areas but the boundaries are {boundary_vintage}: "
            "convert the table with the ONS LSOA 2011-2021 lookup, or use boundaries of the same year."
        )
    bridge = None
    if lookup is not None and boundary_codes is not None and level == lookup.level:
        offer = bridge_offer(table["area_code"].unique(), lookup, boundary_codes=boundary_codes,
                             table_vintage=vintage, boundary_vintage=boundary_vintage)  # fmt: skip
        if offer is not None and (
            offer.share_changed > 0 or offer.matched_after != offer.matched_before
        ):
            bridge = {**asdict(offer), "sentence": offer.sentence(), "licence": lookup.licence}
            bridge = {k: list(v) if isinstance(v, tuple) else v for k, v in bridge.items()}
    return Inspection(
        file=file, layout=result.layout, area_column=column, level=level, vintage=vintage,
        rows=len(table), indicators=tuple(indicators),
        publication=known.name if known else None,
        publication_title=known.title if known else "",
        licence=known.licence if known else "", source_url=known.source_url if known else "",
        headings_checked=known.headings_checked if known else None,
        vintage_from=vintage_from, join=join, notes=tuple(notes), vintage_bridge=bridge,
    )  # fmt: skip
