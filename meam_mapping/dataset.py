"""The data an analysis works on: areas by level, indicators, overlap tables.

A :class:`Dataset` is what the app holds for one user and what the command
line loads: the demo, a workspace, or boundaries plus tables a user uploaded.
It is immutable; changes make a new one (:func:`dataclasses.replace`), so a
cache keyed by :attr:`Dataset.token` is never stale.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property

import geopandas as gpd
import numpy as np
import pandas as pd

from meam_mapping.errors import InputError
from meam_mapping.geography.codes import codes_in
from meam_mapping.schema import LEVELS

__all__ = ["Dataset", "dataset_from_demo"]

_PARENT_COLUMN = {"msoa": "msoa_code", "lad": "lad_code"}


@dataclass(frozen=True)
class Dataset:
    """Areas, indicators and overlap tables for one analysis.

    Parameters
    ----------
    areas : dict of str to geopandas.GeoDataFrame
        Areas by level (``"lsoa"``, ``"msoa"``, ``"lad"``, ``"custom"``), each
        following the areas contract (EPSG:27700).
    indicators : pandas.DataFrame
        Tidy indicator table; its rows may be at any level present in
        ``areas``. An ``indicator_name`` column, when present, gives labels.
    patterns : pandas.DataFrame, optional
        Overlap (pattern) table for hidden-population estimates.
    name : str
        What the user calls this data ("Cambridgeshire demo").
    label : str, optional
        A label every map and export must carry (e.g. the synthetic-data
        label), or None for real data.
    sources : list of dict
        Provenance: one dict per table with ``table, source, licence, date``.
    notes : list of str
        Plain-English notes gathered while loading (join reports, repairs).
    points : dict of str to geopandas.GeoDataFrame
        Point layers by name (EPSG:27700), e.g. ``{"service_hubs": ...}``:
        service locations the user loaded or the demo's hubs.
    """

    areas: dict[str, gpd.GeoDataFrame]
    indicators: pd.DataFrame
    patterns: pd.DataFrame | None = None
    name: str = "Untitled"
    label: str | None = None
    sources: list[dict[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    points: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Give every indicator row a name, a unit code and label, a kind and a polarity."""
        from meam_mapping.indicators.table import fill_vocabulary

        object.__setattr__(self, "indicators", fill_vocabulary(self.indicators))

    @cached_property
    def token(self) -> str:
        """A content hash: equal data give equal tokens (used as a cache key)."""
        digest = hashlib.sha256()
        for level in sorted(self.areas):
            frame = self.areas[level]
            digest.update(level.encode())
            digest.update(
                pd.util.hash_pandas_object(frame.drop(columns="geometry"), index=False)
                .to_numpy()
                .tobytes()
            )
            _update_with_shapes(digest, frame.geometry)
        digest.update(pd.util.hash_pandas_object(self.indicators, index=False).to_numpy().tobytes())
        if self.patterns is not None:
            digest.update(
                pd.util.hash_pandas_object(self.patterns, index=False).to_numpy().tobytes()
            )
        for name in sorted(self.points):
            layer = self.points[name]
            digest.update(f"points:{name}".encode())
            digest.update(
                pd.util.hash_pandas_object(layer.drop(columns="geometry"), index=False)
                .to_numpy()
                .tobytes()
            )
            _update_with_shapes(digest, layer.geometry)
        digest.update(repr((self.name, self.label)).encode())
        return digest.hexdigest()[:16]

    @property
    def levels(self) -> list[str]:
        """Levels with areas, finest first."""
        return [level for level in LEVELS if level in self.areas]

    def left_out_parents(self, level: str | None = None) -> list[str]:
        """MSOAs or districts (``level``; both when None) left out for missing some of their areas.

        :func:`meam_mapping.loading.dataset_from_boundaries` records them on the
        finest areas (``attrs["short_parents"]``, kept by workspaces); sorted codes.
        """
        found: set[str] = set()
        for areas in self.areas.values():
            for lvl, codes in areas.attrs.get("short_parents", {}).items():
                if level is None or lvl == level:
                    found.update(map(str, codes))
        return sorted(found)

    def catalogue(self) -> pd.DataFrame:
        """One row per indicator: id, name, domain, unit, kind, periods (in time order) and source.

        Worked out once per dataset (the indicator table never changes in
        place: a changed dataset is a new object); a copy is returned.
        """
        return self._catalogue.copy()

    @cached_property
    def _catalogue(self) -> pd.DataFrame:
        from meam_mapping.indicators.periods import sort_periods

        grouped = self.indicators.groupby("indicator", sort=False)
        return pd.DataFrame(
            {
                "indicator": list(grouped.groups),
                "indicator_name": grouped["indicator_name"].first().to_numpy(),
                "domain": grouped["domain"].first().to_numpy(),
                "unit": grouped["unit"].first().to_numpy(),
                "unit_label": grouped["unit_label"].first().to_numpy(),
                "kind": grouped["kind"].first().to_numpy(),
                "polarity": grouped["polarity"].first().to_numpy(),
                "periods": grouped["period"].agg(sort_periods).to_numpy(),
                "source": grouped["source"].first().to_numpy(),
                "has_counts": grouped["count"].agg(lambda s: bool(s.notna().any())).to_numpy(),
            }
        )

    def level_of(self, codes: pd.Series) -> str:
        """The level whose areas hold most of ``codes``."""
        best, best_share = None, 0.0
        for level in self.levels:
            share = codes_in(codes, self.areas[level]["area_code"]).mean()
            if share > best_share:
                best, best_share = level, share
        if best is None:
            raise InputError(
                "none of the indicator area codes match any loaded boundaries",
                expected="codes such as "
                + ", ".join(self.areas[self.levels[0]]["area_code"].head(3)),
                fix="Load boundaries at the level of your table, or check the code column",
            )
        return best

    def lookup(self, from_level: str, to_level: str) -> pd.Series:
        """Child-to-parent lookup (a Series indexed by child code).

        Built from the parent code columns of the finer level's areas.
        """
        if to_level not in _PARENT_COLUMN:
            raise InputError(
                f"cannot aggregate to level {to_level!r}",
                expected="one of " + ", ".join(_PARENT_COLUMN),
            )
        areas = self.areas[from_level]
        column = _PARENT_COLUMN[to_level]
        if column not in areas or areas[column].isna().all():
            raise InputError(
                f"the {from_level} boundaries carry no {column} column, so they cannot be grouped into {to_level}",
                fix="Load boundaries with a parent code column, or give an ONS lookup with them "
                "(--areas-lookup; on the Data page 'Which MSOA and district each area is in')",
            )
        return pd.Series(areas[column].to_numpy(), index=areas["area_code"].to_numpy(), name=column)


def _update_with_shapes(digest: hashlib._Hash, shapes: gpd.GeoSeries) -> None:
    """Add every shape's WKB to ``digest``: their lengths, then the bytes one after another.

    Each shape's own bytes (not a fixed-width array padded to the longest
    shape: 460 MB and 1.3 s for England and Wales's LSOAs, whose longest
    shape is 13 kB); a missing shape counts as length -1.
    """
    wkb = shapes.to_wkb()
    digest.update(np.fromiter((-1 if b is None else len(b) for b in wkb), dtype=np.int64,
                              count=len(wkb)).tobytes())  # fmt: skip
    digest.update(b"".join(b for b in wkb if b is not None))


def dataset_from_demo(demo) -> Dataset:  # noqa: ANN001 - DemoData, imported lazily
    """Wrap :class:`meam_mapping.demo.DemoData` as a :class:`Dataset`."""
    return Dataset(
        areas=demo.areas,
        indicators=demo.indicators,
        patterns=demo.patterns,
        name="Cambridgeshire demo (synthetic)",
        label=demo.label,
        sources=demo.sources,
        points={"service_hubs": demo.hubs} if getattr(demo, "hubs", None) is not None else {},
    )
