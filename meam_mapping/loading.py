"""Build a :class:`~meam_mapping.dataset.Dataset` from files a user supplies.

The steps are the library's own (``geography.read_boundaries``,
``io.load_indicator_file``, ``geography.join_indicators``); this module only
puts their results together and keeps every note and report for the user.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from datetime import date
from typing import IO, TYPE_CHECKING, Any

import pandas as pd

from meam_mapping.dataset import Dataset
from meam_mapping.errors import InputError
from meam_mapping.geography.aggregate import dissolve_areas
from meam_mapping.geography.boundaries import BoundaryResult, read_boundaries
from meam_mapping.geography.boundary_files import when_reading
from meam_mapping.geography.join import JoinReport, join_indicators, table_side
from meam_mapping.schema import INDICATOR_COLUMNS

# The table loader (and its checks) costs 2 s to import: only when a table is read.
if TYPE_CHECKING:
    from collections.abc import Callable

    import geopandas as gpd

    from meam_mapping.geography.area_lookup import AreaLookup
    from meam_mapping.io.indicators import LoadResult

__all__ = [
    "load_table_file",
    "AddResult",
    "add_indicators",
    "dataset_from_boundaries",
    "dataset_from_files",
    "workbook_sheets",
]

FileLike = str | os.PathLike[str] | IO[bytes]


@dataclass(frozen=True)
class AddResult:
    """A dataset with a table added, and what happened on the way.

    Attributes
    ----------
    dataset : Dataset
        The new dataset (the old one is unchanged).
    report : JoinReport
        How the table's rows matched the areas.
    notes : tuple of str
        Notes from reading the file (encoding, suppressed values kept, ...).
    """

    dataset: Dataset
    report: JoinReport
    notes: tuple[str, ...]


#: From this many areas, their MSOAs and districts are merged in two threads at once.
MERGE_TOGETHER_FROM = 2_000


def dataset_from_boundaries(result: BoundaryResult, *, name: str = "Your data") -> Dataset:
    """Start a dataset from boundaries, adding coarser levels where codes allow.

    When the boundaries carry parent codes (``msoa_code``, ``lad_code``), MSOA
    and district polygons are dissolved from them, so maps can be drawn at
    those levels too, named from the file's parent name fields where it has
    them (``BoundaryResult.parent_names``), else by their codes. An MSOA or
    district some of whose areas are missing (``BoundaryResult.left_out``)
    is not built: its shape would have holes and its totals would fall
    short, with nothing on a map or in a table to say so. The notes name them.
    """
    areas = result.areas
    levels = [str(level) for level in areas["level"].dropna().unique()]
    if len(levels) != 1:
        raise InputError(
            "the boundary file mixes levels of geography: " + ", ".join(levels),
            expected="one level per file (e.g. only LSOAs)",
            fix="Split the file by level and load the finest level",
        )
    level = levels[0]
    notes = list(result.notes)
    short = {
        column: result.left_out[parent]
        for parent, column in (("msoa", "msoa_code"), ("lad", "lad_code"))
        if result.left_out.get(parent) and column in areas
    }
    if short:  # every area forgets its parent, so that nothing adds up into it
        areas = areas.copy()
        for column, codes in short.items():
            areas[column] = areas[column].where(~areas[column].isin(set(codes)))
        # Kept with the areas for the reason a level is not offered (pipeline.slices.why_not_at).
        areas.attrs["short_parents"] = {
            column.removesuffix("_code"): sorted(c) for column, c in short.items()
        }
    by_level = {level: areas}
    merges = []
    for parent_level, column in (("msoa", "msoa_code"), ("lad", "lad_code")):
        if column in short:
            notes.append(_short_note(parent_level, short[column], result.parent_names.get(parent_level, {}),
                                     whole=int(areas[column].nunique())))  # fmt: skip
        if parent_level == level or column not in areas or areas[column].isna().all():
            continue
        if level == "lad" or (level == "msoa" and parent_level == "msoa"):
            continue
        merges.append((parent_level, column))

    def merge(parent_level: str, column: str) -> gpd.GeoDataFrame:
        return dissolve_areas(areas, areas.set_index("area_code")[column], parent_level,
                              names=result.parent_names.get(parent_level))  # fmt: skip

    if len(merges) > 1 and len(areas) >= MERGE_TOGETHER_FROM:
        # GEOS merges shapes without Python's lock: MSOAs and districts side by side.
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(len(merges), thread_name_prefix="meam-merge") as pool:
            merging = [pool.submit(merge, *one) for one in merges]
            for (parent_level, _), future in zip(merges, merging, strict=True):
                by_level[parent_level] = future.result()
    else:
        for parent_level, column in merges:
            by_level[parent_level] = merge(parent_level, column)
    return Dataset(
        areas=by_level,
        indicators=pd.DataFrame(columns=[*INDICATOR_COLUMNS, "indicator_name"]),
        name=name,
        sources=[
            {
                "table": "Boundaries",
                "source": "Loaded by the user",
                "licence": "as stated by the provider",
                "date": date.today().isoformat(),
            },
            *result.sources,
        ],
        notes=notes,
    )


def _short_note(level: str, short: dict[str, int], names: dict[str, str], *, whole: int) -> str:
    """The note on the MSOAs or districts left out for missing some of their areas."""
    from meam_mapping.schema import LEVEL_WORDS

    word = LEVEL_WORDS[level]
    shown = [f"{code} {names[code]}" if code in names else code for code in list(short)[:5]]
    more = f" and {len(short) - 5} more" if len(short) > 5 else ""
    missing = sum(short.values())
    return (
        f"{len(short)} {word}(s) are not drawn or totalled as {word}s, because {missing} of their "
        f"areas are missing from the boundaries (no shape, no code, or not in the file): "
        f"{', '.join(shown)}{more}. Their totals would fall short, so they are left out; "
        f"{whole} whole {word}(s) are kept. To map them, use a boundary file holding all their areas."
    )


def add_indicators(dataset: Dataset, loaded: LoadResult, *, file: str | None = None) -> AddResult:
    """Join a loaded indicator table to the dataset's areas and add it.

    Rows for an indicator and period already present are replaced by the new
    ones (and the replacement is noted). Rows whose area is not in the
    boundaries are left out and listed in the join report.

    Raises
    ------
    InputError
        If none of the table's codes match any level's areas (the message says
        which level or vintage the table seems to use).
    """
    file = file or loaded.file_name
    side = loaded.join_side
    if side is None or side.table is not loaded.table:
        side = table_side(loaded.table, file=file)
    # Join at the level that matches best; let the join report explain misses.
    best_level, best_share = dataset.levels[0], -1.0
    for level in dataset.levels:
        share = side.share_in(dataset.areas[level]["area_code"])
        if share > best_share:
            best_level, best_share = level, share
    # The indicators keep no shapes: the areas are joined without them (their attrs,
    # such as the vintage for the hints, go along), not given to 139,000 rows and dropped.
    areas = dataset.areas[best_level].drop(columns="geometry", errors="ignore")
    result = join_indicators(areas, side, file=file)
    joined = pd.DataFrame(result.joined).drop(columns="level", errors="ignore")
    old = dataset.indicators
    notes = list(loaded.notes)
    if not old.empty:
        keys = joined[["indicator", "period"]].drop_duplicates()
        clash = (
            old.merge(keys, on=["indicator", "period"], how="left", indicator=True)["_merge"]
            .eq("both")
            .to_numpy()
        )
        if clash.any():
            notes.append(
                f"{int(clash.sum())} existing rows for the same indicators and periods were replaced."
            )
        old = old.loc[~clash]
    indicators = (
        pd.concat([old, joined], ignore_index=True)
        if not old.empty
        else joined.reset_index(drop=True)
    )
    sources = [
        *dataset.sources,
        {
            "table": file or "Indicator table",
            "source": ", ".join(sorted(joined["source"].dropna().astype(str).unique()))
            or "Loaded by the user",
            "licence": "as stated by the provider",
            "date": date.today().isoformat(),
        },
    ]
    new = replace(dataset, indicators=indicators, sources=sources, notes=[*dataset.notes, *notes])
    return AddResult(dataset=new, report=result.report, notes=tuple(notes))


def add_patterns(dataset: Dataset, patterns: pd.DataFrame, *, file: str | None = None) -> AddResult:
    """Add an overlap (pattern) table, checking its area codes against the areas.

    Parameters
    ----------
    patterns : pandas.DataFrame
        As :func:`meam_mapping.io.patterns.read_patterns` returns it: one 0/1
        column per list, ``count``, optional ``area_code`` and strata.

    Raises
    ------
    InputError
        If the table names areas that are not in the boundaries.
    """
    notes: list[str] = []
    if "area_code" in patterns.columns:
        codes = patterns["area_code"].astype(str).str.strip()
        patterns = patterns.assign(area_code=codes)
        known = set().union(*(set(a["area_code"].astype(str)) for a in dataset.areas.values()))
        unknown = sorted(set(codes) - known)
        if unknown:
            rows = [int(i) + 2 for i in codes.index[codes.isin(unknown)][:5]]
            short = set(dataset.left_out_parents())
            why = ""
            if set(unknown) & short:
                why = (
                    f" ({', '.join(sorted(set(unknown) & short)[:5])} named by the boundary file but left "
                    "out, because some of their areas are missing from it (no shape, no code, or not "
                    "in the file): see the loading notes)"
                )
            raise InputError(
                f"{len(unknown)} area code(s) of the overlap table are not in the boundaries: "
                + ", ".join(unknown[:5])
                + ("…" if len(unknown) > 5 else "")
                + why,
                file=file,
                row=rows,
                column="area_code",
                expected="codes of the loaded areas (usually district codes such as E07000008)",
                fix="Correct the codes, or load boundaries that contain these areas whole",
            )
        level = dataset.level_of(codes)
        notes.append(
            f"Overlap table: {codes.nunique()} {level} areas, {len(patterns)} rows"
            + (f" from {file}" if file else "")
        )
    if dataset.patterns is not None:
        notes.append("The overlap table loaded before was replaced.")
    sources = [*dataset.sources, {"table": file or "Overlap table", "source": "Loaded by the user",
                                  "licence": "as stated by the provider",
                                  "date": date.today().isoformat()}]  # fmt: skip
    new = replace(dataset, patterns=patterns.reset_index(drop=True), sources=sources,
                  notes=[*dataset.notes, *notes])  # fmt: skip
    return AddResult(dataset=new, report=None, notes=tuple(notes))


def load_table_file(file: FileLike, **load_options: Any) -> LoadResult:
    """Load one indicator table, also trying the registered spreadsheet publications.

    The plain loader is tried first with the options given. When it cannot
    recognise the layout and the user stated no layout, the file is tried
    against the known publications (MHCLG, OHID and MoJ workbooks with title
    rows above their headings); if none matches, the plain loader's own
    message is raised.

    Parameters
    ----------
    file : path, bytes or file-like
        The table as downloaded.
    **load_options
        Options of :func:`meam_mapping.io.indicators.load_indicator_file`
        (``source`` among them is the data's source text, not the file).

    Returns
    -------
    LoadResult

    Raises
    ------
    InputError
        The plain loader's message when nothing can read the file.
    """
    from meam_mapping.io.indicators import load_indicator_file

    try:
        loaded = load_indicator_file(file, **load_options)
    except InputError as first:
        if load_options.get("layout", "auto") != "auto":
            raise
        from meam_mapping.io.inspect import load_known

        try:
            loaded, known, _ = load_known(
                file, name=load_options.get("name"), sheet=load_options.get("sheet")
            )
        except InputError:
            raise first from None
        if known is None:
            raise first from None
        note = f"Read as {known.title} (a registered publication)."
        loaded = replace(loaded, notes=(*tuple(loaded.notes), note))
    # Warnings, not failures: mixed levels or vintages, ranks with repeats or gaps.
    from meam_mapping.io.table_checks import table_checks

    return replace(loaded, notes=(*tuple(loaded.notes), *table_checks(loaded.table)))


def _load_table_in_child(file: FileLike, **load_options: Any) -> LoadResult:
    """:func:`load_table_file`, in a child process forked to read the table.

    pandera imports ``hypothesis``, when it is installed (the test
    requirements install it), to offer data-generating strategies the table
    checks never use: 0.2 s of the child's 1.5 s on a national table. The
    child is told it is absent before pandera looks, unless something has
    imported it already; the parent process is not touched.
    """
    import sys

    sys.modules.setdefault("hypothesis", None)  # type: ignore[arg-type]
    loaded = load_table_file(file, **load_options)
    # The table's half of the join needs no areas: worked out here, while the parent
    # still parses the boundaries. The side's table is sent as the table (once).
    side = table_side(loaded.table, file=loaded.file_name)
    return replace(loaded, table=side.table, join_side=side)


def build_dataset(
    boundaries: FileLike,
    tables: list[FileLike] = (),  # type: ignore[assignment]
    patterns: list[FileLike] = (),  # type: ignore[assignment]
    *,
    name: str = "Your data",
    layer: str | None = None,
    on_areas: Callable[[Dataset, BoundaryResult], object] | None = None,
    on_reading: Callable[[], object] | None = None,
    areas_lookup: FileLike | AreaLookup | None = None,
    **load_options: Any,
) -> tuple[Dataset, list[str]]:
    """Boundaries, indicator tables and overlap tables, as the Data page loads them.

    The indicator tables are read and checked while the boundaries are
    parsed: in a child process forked from this one where that is safe (a
    command, see :func:`meam_mapping.processes.start_in_fork`: an
    interpreter of its own, so the table's checks do not take turns with
    the drawing work here), else in a background thread (GDAL lets the
    other thread run at the same time). The tables start once the boundary
    file has passed its checks and is being parsed. Errors are raised as
    when reading one after the other: the boundaries' first, then each
    table's in turn.

    Parameters
    ----------
    on_areas : callable, optional
        Called with the dataset of the boundaries alone (no tables yet) and
        the :class:`~meam_mapping.geography.boundaries.BoundaryResult` they
        came from as soon as they are read, e.g. to start drawing work while
        the tables are joined.
    on_reading : callable, optional
        Called once when the boundaries start being parsed (or, if they
        never are, once they are read), e.g. to start other work then.
    areas_lookup : path, bytes, file-like or AreaLookup, optional
        An ONS lookup saying which MSOA and district each area is in, for
        boundaries that do not say (see
        :mod:`meam_mapping.geography.area_lookup`); read in a background
        thread while the boundaries are parsed, its errors told after theirs.

    Returns
    -------
    dataset : Dataset
    report : list of str
        The boundary notes and one join report per table, in plain English.
    """
    from concurrent.futures import ThreadPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    from meam_mapping.processes import start_in_fork

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="meam-tables") as pool:
        loads: list = []
        started: list[bool] = []
        lookups: list = []

        def start() -> None:
            if started:
                return
            started.append(True)
            # The tables' children are forked first, while this process runs no other thread
            # (see meam_mapping.processes); the lookup, needed as soon as the boundaries are
            # read, is read in the pool's thread straight after.
            forks = [start_in_fork(_load_table_in_child, table, **load_options) for table in tables]
            if areas_lookup is not None:
                lookups.append(pool.submit(_area_lookup, areas_lookup))
            for table, forked in zip(tables, forks, strict=True):
                loads.append(forked or pool.submit(load_table_file, table, **load_options))
            if on_reading is not None:
                on_reading()

        try:
            with when_reading(start):
                read = read_boundaries(boundaries, layer=layer)
            start()  # in case nothing was parsed (e.g. a layer already in memory)
            if lookups:
                read = with_lookup(read, lookups[0].result())
            dataset = dataset_from_boundaries(read, name=name)
            if on_areas is not None:
                on_areas(dataset, read)
            read = replace(read, lonlat=None)  # kept only as long as the callback wants it
            report = [f"Boundaries {getattr(boundaries, 'name', boundaries)}: "
                      + ", ".join(f"{len(a)} {lvl}" for lvl, a in dataset.areas.items())]  # fmt: skip
            report += [f"- {note}" for note in dataset.notes]  # the boundaries' and the levels'
            for table, loading in zip(tables, loads, strict=True):
                try:
                    loaded = loading.result()
                except BrokenProcessPool:  # the child died (out of memory, say): read it here
                    loaded = load_table_file(table, **load_options)
                added = add_indicators(dataset, loaded)
                dataset = added.dataset
                report.append(f"Table {table}:")
                if added.report is not None:
                    report.append(added.report.summary_text())
                report += [f"- {note}" for note in added.notes]
        except BaseException:
            # The first error is the one to tell: read nothing further.
            for loading in (*lookups, *loads):
                loading.cancel()
            raise
    for file in patterns:
        from meam_mapping.io.patterns import read_patterns  # only when overlap tables are given

        frame = read_patterns(file)
        added = add_patterns(dataset, frame, file=str(file))
        dataset = added.dataset
        report += [f"- {note}" for note in added.notes]
    return dataset, report


def _area_lookup(lookup: FileLike | AreaLookup) -> AreaLookup:
    """An ONS lookup read from its file (one read already as it is)."""
    from meam_mapping.geography.area_lookup import AreaLookup, read_area_lookup

    return lookup if isinstance(lookup, AreaLookup) else read_area_lookup(lookup)


def with_lookup(read: BoundaryResult, lookup: FileLike | AreaLookup) -> BoundaryResult:
    """``read`` with the parent codes an ONS lookup (a file, or one read already) gives its areas."""
    from meam_mapping.geography.area_lookup import with_area_lookup

    return with_area_lookup(read, _area_lookup(lookup))


def dataset_from_files(
    boundaries: FileLike,
    tables: list[FileLike],
    *,
    name: str = "Your data",
    layer: str | None = None,
    **load_options: Any,
) -> Dataset:
    """Boundaries plus indicator tables, as the command line loads them.

    ``layer`` picks the boundary layer in a GeoPackage, folder or zip holding
    several; ``load_options`` (such as ``sheet``) go to the table loader.
    """
    return build_dataset(boundaries, tables, name=name, layer=layer, **load_options)[0]


def workbook_sheets(data: bytes) -> list[str]:
    """Names of the sheets with data in an Excel workbook (see :func:`meam_mapping.io.read.workbook_sheets`)."""
    from meam_mapping.io.read import workbook_sheets as sheets

    return sheets(data)
