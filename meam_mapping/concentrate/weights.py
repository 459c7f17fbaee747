"""Spatial weights: which areas count as each other's neighbours.

Hotspot statistics and focus zones both need to know which areas are next to
which. :func:`build_weights` answers that from the area boundaries alone (it is
a pure function of geometry, so it can be cached), under one of four rules:

``queen``
    Areas that share any boundary point, even a corner (the default).
``rook``
    Areas that share a length of boundary.
``knn``
    Each area's ``k`` nearest areas (by distance between area centres).
``distance``
    Areas whose centres are within ``threshold`` metres.

An *island* is an area with no neighbour under the rule (an offshore LSOA, or a
boundary file with gaps). Statistics cannot run on islands, so each island is
joined to its nearest area(s) and the result says so in ``warnings``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
from libpysal.graph import Graph

from meam_mapping.errors import InputError
from meam_mapping.schema import STORAGE_CRS

__all__ = ["WEIGHT_KINDS", "WeightsKind", "SpatialWeights", "build_weights", "check_areas"]

WeightsKind = Literal["queen", "rook", "knn", "distance"]


@dataclass(frozen=True)
class SpatialWeights:
    """Neighbour relations between areas, ready for spatial statistics.

    Attributes
    ----------
    graph : libpysal.graph.Graph
        Row-standardised weights (each area's neighbour weights sum to 1),
        indexed by ``area_code``, islands already joined to their nearest areas.
    kind : str
        The neighbour rule used (one of :data:`WEIGHT_KINDS`).
    k : int
        Number of nearest neighbours (used by ``kind='knn'``).
    threshold : float or None
        Distance band in metres (used by ``kind='distance'``).
    island_neighbours : int
        How many nearest areas each island was joined to (0: left alone).
    islands : tuple of str
        Area codes that had no neighbour under the rule.
    island_names : tuple of str
        Their names (the code where no name was given).
    components : int
        Number of separate groups of connected areas in the final weights
        (1 means every area can be reached from every other through neighbours).
    warnings : tuple of str
        Plain-English notes about what was done (islands joined, CRS assumed).
    """

    graph: Graph
    kind: str
    k: int
    threshold: float | None
    island_neighbours: int
    islands: tuple[str, ...]
    island_names: tuple[str, ...]
    components: int
    warnings: tuple[str, ...]

    @property
    def area_codes(self) -> tuple[str, ...]:
        """Area codes in the order the weights use."""
        ids = self.graph.unique_ids
        return tuple(ids.astype(str).tolist()) if len(ids) else ()

    @property
    def binary(self) -> Graph:
        """The same neighbour relations with every weight set to 1."""
        return self.graph.transform("B")

    @property
    def component_labels(self) -> pd.Series:
        """Which connected group (0, 1, ...) each area belongs to, by ``area_code``."""
        return self.graph.component_labels.rename("component")

    def neighbours(self, area_code: str) -> list[str]:
        """Return the area codes of the neighbours of one area.

        Parameters
        ----------
        area_code : str
            The area to look up.

        Returns
        -------
        list of str
            Its neighbours (empty for an island left alone).
        """
        if area_code not in set(self.area_codes):
            raise InputError(
                f"area {area_code!r} is not in these weights",
                column="area_code",
                expected="one of the area codes the weights were built from",
            )
        adj = self.graph.adjacency
        rows = adj.loc[[area_code]]
        rows = rows[rows > 0]
        return [str(n) for n in rows.index.get_level_values("neighbor")]


def check_areas(areas: Any, *, code_column: str = "area_code", minimum: int = 2) -> None:
    """Check an areas table is usable for spatial work, raising InputError if not.

    Parameters
    ----------
    areas : geopandas.GeoDataFrame
        Areas with ``area_code`` and ``geometry``.
    code_column : str, default "area_code"
        Column holding the area identifiers.
    minimum : int, default 2
        Fewest areas the calling analysis can work with.

    Raises
    ------
    InputError
        If it is not a GeoDataFrame, the code column is missing, blank or
        repeated, geometries are missing or empty, or there are too few areas.
    """
    if not isinstance(areas, gpd.GeoDataFrame):
        raise InputError(
            f"areas must be a table of boundaries, got {type(areas).__name__}",
            file="areas",
            expected="a GeoDataFrame with area_code and geometry columns",
            fix="Load the boundaries with the geography readers first",
        )
    if code_column not in areas.columns:
        raise InputError(
            f"the areas table has no {code_column!r} column",
            file="areas",
            column=code_column,
            expected=f"a column of area codes; found columns {list(areas.columns)}",
        )
    codes = areas[code_column]
    blank = codes.isna() | (codes.astype(str).str.strip() == "")
    if blank.any():
        raise InputError(
            f"{int(blank.sum())} areas have no area code",
            file="areas",
            row=[int(i) + 2 for i in np.flatnonzero(blank.to_numpy())],
            column=code_column,
            fix="Give every area a code",
        )
    dup = codes.astype(str).duplicated(keep=False)
    if dup.any():
        shown = sorted(set(codes[dup].astype(str)))[:5]
        raise InputError(
            f"area codes appear more than once: {', '.join(shown)}",
            file="areas",
            row=[int(i) + 2 for i in np.flatnonzero(dup.to_numpy())],
            column=code_column,
            expected="one row per area",
            fix="Dissolve or remove the repeated areas",
        )
    geom = areas.geometry
    bad = geom.isna() | geom.is_empty
    if bad.any():
        raise InputError(
            f"{int(bad.sum())} areas have no boundary",
            file="areas",
            row=[int(i) + 2 for i in np.flatnonzero(bad.to_numpy())],
            column="geometry",
            fix="Remove these areas or supply their boundaries",
        )
    if len(areas) < minimum:
        raise InputError(
            f"only {len(areas)} area(s) given; this needs at least {minimum}",
            file="areas",
            expected=f"{minimum} or more areas",
            fix="Choose a larger set of areas or a finer geography level",
        )


def _projected(areas: gpd.GeoDataFrame, notes: list[str]) -> gpd.GeoSeries:
    """Geometry in metres (EPSG:27700 if the areas are in longitude/latitude)."""
    geom = areas.geometry
    if geom.crs is None:
        notes.append(
            "The areas have no coordinate reference system; distances assume "
            "British National Grid metres (EPSG:27700)."
        )
    elif geom.crs.is_geographic:
        geom = geom.to_crs(STORAGE_CRS)
    return geom


def _contiguity(rook: bool) -> Callable[..., Graph]:
    def build(geom: gpd.GeoSeries, *, k: int, threshold: float | None, notes: list[str]) -> Graph:
        return Graph.build_contiguity(geom, rook=rook)

    return build


def _knn(geom: gpd.GeoSeries, *, k: int, threshold: float | None, notes: list[str]) -> Graph:
    n = len(geom)
    if k >= n:
        raise InputError(
            f"k={k} nearest neighbours asked for, but there are only {n} areas",
            expected=f"k between 1 and {n - 1}",
        )
    return Graph.build_knn(geom.representative_point(), k=k, coplanar="clique")


def _distance(geom: gpd.GeoSeries, *, k: int, threshold: float | None, notes: list[str]) -> Graph:
    points = geom.representative_point()
    if threshold is None:
        nearest = Graph.build_knn(points, k=1, coplanar="clique")
        threshold = float(_edge_lengths(points, nearest).max()) * (1 + 1e-9)
        notes.append(
            f"No distance threshold given: used {threshold:,.0f} m, the smallest "
            "distance that gives every area at least one neighbour."
        )
    return Graph.build_distance_band(points, threshold=threshold, binary=True)


def _edge_lengths(points: gpd.GeoSeries, graph: Graph) -> np.ndarray:
    adj = graph.adjacency
    adj = adj[adj > 0]
    focal = points.loc[adj.index.get_level_values("focal")].to_numpy()
    nbr = points.loc[adj.index.get_level_values("neighbor")].to_numpy()
    return np.asarray(gpd.GeoSeries(focal).distance(gpd.GeoSeries(nbr)))


_BUILDERS: dict[str, Callable[..., Graph]] = {
    "queen": _contiguity(rook=False),
    "rook": _contiguity(rook=True),
    "knn": _knn,
    "distance": _distance,
}

#: Valid neighbour rules for :func:`build_weights`.
WEIGHT_KINDS: tuple[str, ...] = tuple(_BUILDERS)


def _join_islands(
    graph: Graph, geom: gpd.GeoSeries, islands: list[str], n_neighbours: int
) -> Graph:
    """Add symmetric links from each island to its nearest non-island areas."""
    points = geom.representative_point()
    xy = np.column_stack([points.x.to_numpy(), points.y.to_numpy()])
    codes = np.asarray(points.index.astype(str))
    island_set = set(islands)
    is_island = np.array([c in island_set for c in codes])
    # join islands to the mainland where possible, otherwise to any other area
    adj = graph.adjacency
    adj = adj[adj > 0]
    focal = list(adj.index.get_level_values("focal").astype(str))
    nbr = list(adj.index.get_level_values("neighbor").astype(str))
    for code in islands:
        i = int(np.flatnonzero(codes == code)[0])
        pool = np.flatnonzero(~is_island) if (~is_island).any() else np.arange(len(codes))
        pool = pool[pool != i]
        dist = np.hypot(*(xy[pool] - xy[i]).T)
        for j in pool[np.argsort(dist, kind="stable")[:n_neighbours]]:
            focal += [code, codes[j]]
            nbr += [codes[j], code]
    edges = pd.DataFrame({"focal": focal, "neighbor": nbr}).drop_duplicates()
    present = set(edges["focal"]) | set(edges["neighbor"])
    alone = [c for c in codes if c not in present]
    edges = pd.concat(
        [edges.assign(weight=1.0), pd.DataFrame({"focal": alone, "neighbor": alone, "weight": 0.0})]
    )
    order = {c: n for n, c in enumerate(codes)}
    edges = edges.sort_values(["focal", "neighbor"], key=lambda s: s.map(order))
    return Graph.from_arrays(
        edges["focal"].to_numpy(object),
        edges["neighbor"].to_numpy(object),
        edges["weight"].to_numpy(),
    )


def build_weights(
    areas: gpd.GeoDataFrame,
    kind: str = "queen",
    *,
    k: int = 6,
    threshold: float | None = None,
    island_neighbours: int = 1,
    code_column: str = "area_code",
    name_column: str = "area_name",
) -> SpatialWeights:
    """Build row-standardised spatial weights for a set of areas.

    Parameters
    ----------
    areas : geopandas.GeoDataFrame
        Areas with ``area_code`` and ``geometry`` (EPSG:27700 expected;
        longitude/latitude is projected for distance rules).
    kind : {"queen", "rook", "knn", "distance"}, default "queen"
        Neighbour rule (see the module notes).
    k : int, default 6
        Nearest neighbours per area for ``kind='knn'``.
    threshold : float, optional
        Distance band in metres for ``kind='distance'``. If omitted, the
        smallest band that gives every area a neighbour is used.
    island_neighbours : int, default 1
        Number of nearest areas each island is joined to, so statistics can
        run. 0 leaves islands without neighbours.
    code_column, name_column : str
        Columns holding the area code and (optionally) the area name.

    Returns
    -------
    SpatialWeights
        Weights, islands found, number of connected groups and notes.

    Raises
    ------
    InputError
        For an unknown ``kind`` (the message lists the valid ones), bad
        parameters, or an unusable areas table.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> import geopandas as gpd
    >>> grid = gpd.GeoDataFrame(
    ...     {"area_code": ["a", "b", "c"]},
    ...     geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(5, 5, 6, 6)],
    ...     crs="EPSG:27700",
    ... )
    >>> w = build_weights(grid)
    >>> w.islands
    ('c',)
    """
    key = str(kind).lower().strip()
    if key not in _BUILDERS:
        raise InputError(
            f"unknown neighbour rule {kind!r}",
            expected="one of " + ", ".join(repr(k_) for k_ in WEIGHT_KINDS),
        )
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise InputError(f"k must be a whole number of 1 or more, got {k!r}")
    if threshold is not None and not (np.isfinite(threshold) and threshold > 0):
        raise InputError(f"threshold must be a positive distance in metres, got {threshold!r}")
    if island_neighbours < 0:
        raise InputError(f"island_neighbours must be 0 or more, got {island_neighbours!r}")
    check_areas(areas, code_column=code_column)

    notes: list[str] = []
    frame = areas.set_index(areas[code_column].astype(str).rename("area_code"))
    geom = _projected(frame, notes)
    graph = _BUILDERS[key](geom, k=int(k), threshold=threshold, notes=notes)

    islands = [str(c) for c in graph.isolates]
    names = frame[name_column] if name_column in frame.columns else frame.index.to_series()
    island_names = tuple(str(names.loc[c]) for c in islands)
    if islands:
        shown = ", ".join(
            f"{n} ({c})" if n != c else c for c, n in zip(islands, island_names, strict=True)
        )
        if island_neighbours > 0:
            graph = _join_islands(graph, geom, islands, min(island_neighbours, len(frame) - 1))
            notes.append(
                f"{len(islands)} area(s) had no neighbours under the {key} rule and were "
                f"joined to their {island_neighbours} nearest area(s) so statistics can run: "
                f"{shown}."
            )
        else:
            notes.append(f"{len(islands)} area(s) have no neighbours and were left alone: {shown}.")
    graph = graph.transform("R")
    components = int(graph.n_components)
    if components > 1:
        notes.append(
            f"The areas form {components} separate groups that do not touch; "
            "hotspots and zones never cross between groups."
        )
    return SpatialWeights(
        graph=graph,
        kind=key,
        k=int(k),
        threshold=None if threshold is None else float(threshold),
        island_neighbours=int(island_neighbours),
        islands=tuple(islands),
        island_names=island_names,
        components=components,
        warnings=tuple(notes),
    )
