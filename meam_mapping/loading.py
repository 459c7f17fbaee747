"""Build a :class:`~meam_mapping.dataset.Dataset` from files a user supplies.

The steps are the library's own (``geography.read_boundaries``,
``io.load_indicator_file``, ``geography.join_indicators``); this module only
puts their results together and keeps every note and report for the user.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from datetime import date
from typing import IO, Any

import pandas as pd

from meam_mapping.dataset import Dataset
from meam_mapping.errors import InputError
from meam_mapping.geography.aggregate import dissolve_areas
from meam_mapping.geography.boundaries import BoundaryResult, read_boundaries
from meam_mapping.geography.join import JoinReport, join_indicators
from meam_mapping.io.indicators import LoadResult, load_indicator_file

__all__ = [
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


def dataset_from_boundaries(result: BoundaryResult, *, name: str = "Your data") -> Dataset:
    """Start a dataset from boundaries, adding coarser levels where codes allow.

    When the boundaries carry parent codes (``msoa_code``, ``lad_code``), MSOA
    and district polygons are dissolved from them, so maps can be drawn at
    those levels too.
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
    by_level = {level: areas}
    for parent_level, column in (("msoa", "msoa_code"), ("lad", "lad_code")):
        if parent_level == level or column not in areas or areas[column].isna().all():
            continue
        if level == "lad" or (level == "msoa" and parent_level == "msoa"):
            continue
        by_level[parent_level] = dissolve_areas(
            areas, areas.set_index("area_code")[column], parent_level
        )
    return Dataset(
        areas=by_level,
        indicators=pd.DataFrame(
            columns=[
                "area_code",
                "indicator",
                "domain",
                "period",
                "count",
                "denominator",
                "value",
                "unit",
                "source",
                "suppressed",
            ]
        ),
        name=name,
        sources=[
            {
                "table": "Boundaries",
                "source": "Loaded by the user",
                "licence": "as stated by the provider",
                "date": date.today().isoformat(),
            }
        ],
        notes=list(result.notes),
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
    table = loaded.table
    file = file or loaded.file_name
    # Join at the level that matches best; let the join report explain misses.
    best_level, best_share = dataset.levels[0], -1.0
    for level in dataset.levels:
        share = float(table["area_code"].isin(dataset.areas[level]["area_code"]).mean())
        if share > best_share:
            best_level, best_share = level, share
    result = join_indicators(dataset.areas[best_level], table, file=file)
    joined = pd.DataFrame(result.joined).drop(columns=["geometry", "level"], errors="ignore")
    keys = joined[["indicator", "period"]].drop_duplicates()
    old = dataset.indicators
    notes = list(loaded.notes)
    if not old.empty:
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
    dataset = dataset_from_boundaries(read_boundaries(boundaries, layer=layer), name=name)
    for table in tables:
        dataset = add_indicators(dataset, load_indicator_file(table, **load_options)).dataset
    return dataset


def workbook_sheets(data: bytes) -> list[str]:
    """Names of the sheets with data in an Excel workbook (empty list if not one).

    Lets the app ask "which sheet?" before loading, instead of after an error.
    """
    import io
    import zipfile

    if not data.startswith(b"PK") or not zipfile.is_zipfile(io.BytesIO(data)):
        return []
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # not a workbook after all: the loader will explain
        return []
    try:
        return [
            name
            for name in book.sheetnames
            if any(
                v not in (None, "")
                for row in book[name].iter_rows(max_row=50, values_only=True)
                for v in row
            )
        ]
    finally:
        book.close()
