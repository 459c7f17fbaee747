"""Join an indicator table to areas, with a report a person can check.

:func:`join_indicators` never drops a row silently: every table code without
an area, every area without data, every duplicate and every mix of levels
is listed in the :class:`JoinReport`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from meam_mapping.errors import InputError
from meam_mapping.geography.codes import (
    LevelDetection,
    _detect_distinct,
    _normalised_codes_factorised,
    _retired_among,
    codes_in,
    normalise_codes,
)

__all__ = ["JoinReport", "JoinResult", "TableSide", "join_indicators", "table_side"]

_LEVEL_WORDS = {
    "lsoa": "LSOA",
    "msoa": "MSOA",
    "lad": "local authority district",
    "ward": "ward",
    "county": "county",
    "region": "region",
    "oa": "Output Area",
    "country": "country",
    "invalid": "non-GSS",
    "unknown": "unrecognised",
}


@dataclass(frozen=True)
class JoinReport:
    """What happened when an indicator table met the areas.

    Attributes
    ----------
    n_table_rows, n_table_codes, n_areas : int
        Rows and distinct codes in the table; distinct area codes.
    matched : int
        Distinct table codes that found an area.
    unmatched_table_codes : dict
        Table code -> spreadsheet rows (header is row 1) that found no area.
    areas_without_data : tuple of str
        Area codes with no row in the table.
    duplicate_rows : tuple of tuple
        ``(area_code, indicator, period, rows)`` for repeated table rows.
    duplicate_area_codes : tuple of str
        Codes that appear on more than one area shape.
    table_level, area_level : str
        Main level of each side's codes.
    mixed_levels : dict
        Level -> number of distinct table codes, when the table mixes levels.
    notes : tuple of str
        Vintage and retired-code hints.
    per_indicator : pandas.DataFrame
        ``indicator, rows, suppressed, missing`` (missing = count and value
        both blank, not marked suppressed; a rank or score has no count).
    """

    n_table_rows: int
    n_table_codes: int
    n_areas: int
    matched: int
    unmatched_table_codes: dict[str, tuple[int, ...]] = field(default_factory=dict)
    areas_without_data: tuple[str, ...] = ()
    duplicate_rows: tuple[tuple[str, str, str, tuple[int, ...]], ...] = ()
    duplicate_area_codes: tuple[str, ...] = ()
    table_level: str = "unknown"
    area_level: str = "unknown"
    mixed_levels: dict[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    per_indicator: pd.DataFrame = field(default_factory=pd.DataFrame, compare=False, repr=False)

    @property
    def ok(self) -> bool:
        """True when every table row found one area and nothing is repeated or mixed."""
        return (
            self.matched > 0
            and not self.unmatched_table_codes
            and not self.duplicate_rows
            and not self.duplicate_area_codes
            and not self.mixed_levels
        )

    def to_frame(self) -> pd.DataFrame:
        """One row per check: ``check, status, count, detail``."""

        def first(items: list | tuple, n: int = 5) -> str:
            items = list(items)
            return ", ".join(map(str, items[:n])) + (
                f" and {len(items) - n} more" if len(items) > n else ""
            )

        unmatched = [f"{c} (rows {first(r, 3)})" for c, r in self.unmatched_table_codes.items()]
        dups = [f"{c}/{i}/{p} (rows {first(r, 3)})" for c, i, p, r in self.duplicate_rows]
        checks = [
            (
                "table codes matched to areas",
                "ok" if self.matched == self.n_table_codes else "problem",
                self.matched,
                f"{self.matched} of {self.n_table_codes} codes",
            ),
            (
                "table codes with no area",
                "problem" if unmatched else "ok",
                len(unmatched),
                first(unmatched),
            ),
            (
                "areas with no data",
                "warning" if self.areas_without_data else "ok",
                len(self.areas_without_data),
                first(self.areas_without_data),
            ),
            ("repeated table rows", "problem" if dups else "ok", len(dups), first(dups)),
            (
                "area codes on several shapes",
                "warning" if self.duplicate_area_codes else "ok",
                len(self.duplicate_area_codes),
                first(self.duplicate_area_codes),
            ),
            (
                "mixed geography levels in table",
                "problem" if self.mixed_levels else "ok",
                len(self.mixed_levels),
                first([f"{n} {k}" for k, n in self.mixed_levels.items()]),
            ),
        ]
        for row in self.per_indicator.itertuples(index=False):
            if row.suppressed or row.missing:
                checks.append(
                    (
                        f"suppressed or missing counts: {row.indicator}",
                        "warning",
                        int(row.suppressed + row.missing),
                        f"{row.suppressed} suppressed, {row.missing} missing of {row.rows} rows",
                    )
                )
        checks.extend(("note", "warning", 0, n) for n in self.notes)
        return pd.DataFrame(checks, columns=["check", "status", "count", "detail"])

    def summary_text(self) -> str:
        """Return a short plain-English account of the join."""
        lines = [
            f"{self.matched} of {self.n_table_codes} area codes in the table matched the "
            f"{self.n_areas} areas ({_LEVEL_WORDS.get(self.table_level, self.table_level)} codes)."
        ]
        frame = self.to_frame()
        for row in frame.itertuples(index=False):
            if row.status != "ok" and row.check != "table codes matched to areas":
                label = "Note" if row.check == "note" else row.check.capitalize()
                lines.append(
                    f"- {label}: {row.detail}" if row.check != "note" else f"- {row.detail}"
                )
        if self.ok:
            lines.append("Every table row found its area.")
        return "\n".join(lines)


@dataclass(frozen=True)
class JoinResult:
    """The joined rows and the report.

    Attributes
    ----------
    joined : geopandas.GeoDataFrame or pandas.DataFrame
        Table rows that found an area, with ``area_name``, ``level`` and
        (when the areas have shapes) ``geometry``. Rows without an area are
        listed in the report, not kept here.
    report : JoinReport
    """

    joined: pd.DataFrame
    report: JoinReport


def _mismatch_hint(table_level: str, area_level: str, vintage: str | None) -> str:
    tw, aw = _LEVEL_WORDS.get(table_level, table_level), _LEVEL_WORDS.get(area_level, area_level)
    if table_level != area_level:
        return (
            f"Your table uses {tw} codes but the boundaries are {aw}s: load boundaries at the "
            f"table's level, or aggregate the table to {aw}s first"
        )
    if table_level == "lsoa":
        other = {"LSOA 2011": "LSOA 2021", "LSOA 2021": "LSOA 2011"}.get(vintage or "")
        if other:
            return (
                f"Your table probably uses {other} codes but the boundaries are {vintage}: "
                f"load {other} boundaries, or convert the table with an ONS LSOA 2011-2021 lookup"
            )
        return (
            "Both sides use LSOA codes but none match: one probably uses LSOA 2011 codes and "
            "the other LSOA 2021; use boundaries of the same vintage as the table"
        )
    if table_level == "lad":
        return (
            "Both sides use district codes but none match: they may cover different places, or "
            "one predates the 2019-2023 council reorganisations"
        )
    return "Check that the table and the boundaries cover the same places and the same kind of area"


def _repeated(positions: np.ndarray, others: pd.DataFrame) -> np.ndarray:
    """Rows whose code (its factorised ``positions``, -1 if missing) and ``others`` repeat.

    ``DataFrame.duplicated(keep=False)`` on the code and ``others`` (missing
    values equal), on one number per combination; rows without a code are False.
    """
    group = positions.astype(np.int64) + 1
    for column in others.columns:
        codes, uniques = pd.factorize(others[column], sort=False, use_na_sentinel=False)
        group = pd.factorize(group * max(len(uniques), 1) + codes, sort=False)[0]
    counts = np.bincount(group, minlength=1) if len(group) else np.zeros(0, dtype=np.int64)
    return (counts[group] > 1) & (positions >= 0)


def _attach(
    rows: pd.DataFrame, left: pd.DataFrame, positions: np.ndarray, distinct: np.ndarray
) -> pd.DataFrame:
    """``rows.merge(left, on="area_code", how="left")`` for rows that all find their area.

    ``left`` has one row per code; ``positions`` index each row's code in
    ``distinct``. The areas are taken by position (each distinct code looked
    up once) instead of hashing every row's code again.
    """
    at = pd.Index(left["area_code"]).get_indexer(distinct)
    right = left.drop(columns="area_code").iloc[at[positions]]
    # concat keeps attrs as merge does: only those both sides share.
    return pd.concat([rows.reset_index(drop=True), right.reset_index(drop=True)], axis=1)


@dataclass(frozen=True)
class TableSide:
    """An indicator table's half of a join: all that does not need the areas.

    Made by :func:`table_side`. Worked out once, it can be made where the
    table is read (the child process that reads it while the boundaries are
    parsed, see :func:`meam_mapping.loading.build_dataset`) and handed to
    :func:`join_indicators` with the table.

    Attributes
    ----------
    table : pandas.DataFrame
        The table, index 0, 1, ... (row ``i`` is spreadsheet row ``i + 2``),
        its ``area_code`` normalised (:func:`~meam_mapping.geography.codes.normalise_codes`).
    positions : numpy.ndarray
        Each row's code in ``distinct``; -1 where the code is missing.
    distinct : numpy.ndarray
        The distinct normalised codes, in order of first appearance.
    detection : LevelDetection
        The level of the distinct codes.
    duplicates : tuple of tuple
        ``(area_code, indicator, period, rows)`` for each repeated combination.
    per_indicator : pandas.DataFrame
        ``indicator, rows, suppressed, missing`` (see :class:`JoinReport`).
    retired : pandas.DataFrame
        The retired council codes among the table's codes (``find_retired``).
    """

    table: pd.DataFrame
    positions: np.ndarray
    distinct: np.ndarray
    detection: LevelDetection
    duplicates: tuple[tuple[str, str, str, tuple[int, ...]], ...]
    per_indicator: pd.DataFrame
    retired: pd.DataFrame

    def share_in(self, codes: pd.Series) -> float:
        """The share of the table's rows whose code is among ``codes``.

        Parameters
        ----------
        codes : pandas.Series
            Area codes, normalised (as the areas of a dataset hold them).

        Returns
        -------
        float
            From 0 to 1; rows without a code count as not found.
        """
        if not len(self.positions):
            return 0.0
        found = codes_in(pd.Series(self.distinct, dtype=object), codes).to_numpy()
        return float(np.append(found, False)[self.positions].mean())


def _require_codes(frame: pd.DataFrame, what: str, file: str | None) -> None:
    if "area_code" not in frame.columns:
        raise InputError(
            f"the {what} has no 'area_code' column",
            file=file,
            column="area_code",
            expected=f"columns {', '.join(map(str, frame.columns[:8]))} to include area_code",
        )


def table_side(table: pd.DataFrame, *, file: str | None = None) -> TableSide:
    """Work out an indicator table's half of :func:`join_indicators`.

    Parameters
    ----------
    table : pandas.DataFrame
        Indicator table with ``area_code`` (see ``schema.INDICATOR_COLUMNS``).
    file : str, optional
        Table file name for messages.

    Returns
    -------
    TableSide

    Raises
    ------
    InputError
        If the table has no ``area_code`` column.
    """
    _require_codes(table, "indicator table", file)
    table = table.reset_index(drop=True).copy()
    # Each code once (a table repeats every area), in order seen; a missing code is at -1.
    normalised, positions, distinct = _normalised_codes_factorised(table["area_code"])
    table["area_code"] = normalised.to_numpy()
    keys = [c for c in ("area_code", "indicator", "period") if c in table.columns]
    repeated = _repeated(positions, table[keys[1:]])
    duplicates = []
    for key, group in table[repeated].groupby(keys, sort=True, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        key = tuple(str(k) for k in key) + ("",) * (3 - len(key))
        duplicates.append((*key, tuple(int(i) + 2 for i in group.index)))
    return TableSide(
        table=table,
        positions=positions,
        distinct=distinct,
        detection=_detect_distinct(distinct),
        duplicates=tuple(duplicates),
        per_indicator=_per_indicator(table),
        retired=_retired_among(set(distinct)),
    )


def _per_indicator(table: pd.DataFrame) -> pd.DataFrame:
    """Rows, suppressed and missing rows per indicator (see :class:`JoinReport`)."""
    if "indicator" not in table.columns:
        return pd.DataFrame(columns=["indicator", "rows", "suppressed", "missing"])
    count = (
        table["count"] if "count" in table.columns else pd.Series(float("nan"), index=table.index)
    )
    supp = (
        table["suppressed"].fillna(False).astype(bool)
        if "suppressed" in table.columns
        else pd.Series(False, index=table.index)
    )
    # A value-only indicator (a rank, decile, score or a rate published
    # without its count) has no count by nature: only a row with neither
    # a count nor a value is missing.
    if "value" in table.columns:
        blank = count.isna() & pd.to_numeric(table["value"], errors="coerce").isna()
    else:
        blank = count.isna()
    per = pd.DataFrame(
        {
            "indicator": table["indicator"],
            "rows": 1,
            "suppressed": supp.astype(int),
            "missing": (blank & ~supp).astype(int),
        }
    )
    return per.groupby("indicator", sort=True, as_index=False).sum()


def join_indicators(
    areas: pd.DataFrame, table: pd.DataFrame | TableSide, *, file: str | None = None
) -> JoinResult:
    """Join a tidy indicator table to areas and report what matched.

    Parameters
    ----------
    areas : geopandas.GeoDataFrame or pandas.DataFrame
        Areas with ``area_code`` (and ``area_name``, ``level``, ``geometry``).
        ``areas.attrs["vintage"]`` (set by ``read_boundaries``) improves hints.
    table : pandas.DataFrame or TableSide
        Indicator table with ``area_code`` (see ``schema.INDICATOR_COLUMNS``),
        or its half of the join already worked out by :func:`table_side`.
    file : str, optional
        Table file name for messages.

    Returns
    -------
    JoinResult

    Raises
    ------
    InputError
        If a side has no ``area_code`` column, or no table code matches an area.
    """
    _require_codes(areas, "boundaries", None)
    side = table if isinstance(table, TableSide) else table_side(table, file=file)
    table, positions, distinct = side.table, side.positions, side.distinct
    area_codes = normalise_codes(areas["area_code"])
    area_set = set(area_codes.dropna())
    table_set = set(distinct)
    # Both sides are normalised already: levels straight from the distinct codes.
    table_det = side.detection
    area_det = _detect_distinct(pd.unique(area_codes.dropna().to_numpy(dtype=object)))
    vintage = areas.attrs.get("vintage") if hasattr(areas, "attrs") else None
    matched = table_set & area_set
    if table_set and area_set and not matched:
        raise InputError(
            "none of the table's area codes match the boundaries "
            f"(table e.g. {', '.join(sorted(table_set)[:3])}; boundaries e.g. {', '.join(sorted(area_set)[:3])})",
            file=file,
            column="area_code",
            fix=_mismatch_hint(table_det.level, area_det.level, vintage),
        )
    # Set lookups once per distinct code (Series.isin on pandas' text dtype builds one
    # Arrow scalar per value); a missing code (position -1) has no area.
    found = np.array([*(c in area_set for c in distinct), False], dtype=bool)
    has_area = pd.Series(found[positions], index=table.index, dtype=bool)
    unmatched: dict[str, tuple[int, ...]] = {}
    for pos in np.flatnonzero(~has_area.to_numpy()):
        code = table["area_code"].iloc[pos]
        key = "(blank)" if pd.isna(code) else str(code)
        unmatched[key] = unmatched.get(key, ()) + (int(pos) + 2,)
    dup_areas = tuple(sorted(area_codes[area_codes.duplicated()].dropna().unique()))
    mixed = dict(table_det.counts) if table_det.is_mixed else {}

    notes = []
    if table_det.level != area_det.level and area_det.n_codes and table_det.n_codes:
        notes.append(
            f"The table is mostly {_LEVEL_WORDS.get(table_det.level)} codes but the areas are "
            f"{_LEVEL_WORDS.get(area_det.level)} codes."
        )
    left_out = set(areas.attrs.get("left_out_codes", ())) if hasattr(areas, "attrs") else set()
    shapeless = sorted((table_set - area_set) & left_out)
    if shapeless:
        notes.append(
            f"{len(shapeless)} of the table's area codes are areas the boundary file holds without a "
            f"usable shape, so they were left out of the boundaries (e.g. {', '.join(shapeless[:3])}): "
            "their rows have no area to join to."
        )
    if vintage and table_det.level == "lsoa" and len(table_set - area_set - left_out):
        notes.append(
            f"The boundaries are {vintage}; unmatched E01 codes may be from the other LSOA vintage."
        )
    retired = side.retired
    if len(retired):
        notes.append(
            f"The table uses {retired['old_code'].nunique()} retired council code(s) "
            f"(e.g. {retired['old_code'].iloc[0]} {retired['old_name'].iloc[0]}, "
            f"now {retired['new_code'].iloc[0]})."
        )

    report = JoinReport(
        n_table_rows=len(table),
        n_table_codes=len(table_set),
        n_areas=len(area_set),
        matched=len(matched),
        unmatched_table_codes=unmatched,
        areas_without_data=tuple(sorted(area_set - table_set)),
        duplicate_rows=side.duplicates,
        duplicate_area_codes=dup_areas,
        table_level=table_det.level,
        area_level=area_det.level,
        mixed_levels=mixed,
        notes=tuple(notes),
        per_indicator=side.per_indicator,
    )
    area_cols = [c for c in areas.columns if c == "area_code" or c not in table.columns]
    left = areas[area_cols].copy()
    left["area_code"] = area_codes.to_numpy()
    left = left.drop_duplicates("area_code")
    joined = _attach(table[has_area], left, positions[has_area.to_numpy()], distinct)
    if isinstance(areas, gpd.GeoDataFrame):
        joined = gpd.GeoDataFrame(joined, geometry=areas.geometry.name, crs=areas.crs)
    return JoinResult(joined=joined, report=report)
