"""Lighter geometry for interactive maps: shared edges kept, coordinates rounded.

An interactive map sends every vertex of every area to the browser. For the
34,753 LSOAs of England and Wales that is megabytes of text the browser must
parse and draw, most of it detail no screen can show. This module makes the
geometry *for display only*: the areas' own geometry, and every statistic or
class computed from the data, are never changed.

Two steps, both chosen from the areas themselves (:func:`display_settings`):

1. **Coverage simplification** (:func:`simplify_coverage`). Neighbouring areas
   share edges; simplifying each polygon on its own would move the two copies
   of a shared edge differently and open slivers and gaps. GEOS's coverage
   simplifier (``shapely.coverage_simplify``, Visvalingam-Whyatt on the shared
   edges) simplifies each shared edge once, so neighbours stay edge-matched.
   The tolerance, in metres on the British National Grid, is half a screen
   pixel after zooming three levels into the opening view, and never more
   than a twentieth of the typical area's width, so small urban areas keep
   their shape.
2. **Rounding** to the decimal places of longitude/latitude whose step is at
   most half that tolerance (5 places, about 1 m, for a county; 4, about 10 m,
   for a national map). Shared vertices round to the same point, so shared
   edges stay shared.

:func:`meam_mapping.maps.pack.pack_features` then writes the features of
maps with many areas as integer coordinate differences in variable-length
bytes, gzip-compressed and base64-encoded; the page inflates them with the
browser's own ``DecompressionStream`` and
:func:`~meam_mapping.maps.pack.unpack_features` reads them back in Python.

Notes
-----
Visvalingam and Whyatt (1993), "Line generalisation by repeated elimination of
points", *The Cartographic Journal* 30(1), 46-51. The coverage variant is GEOS
``CoverageSimplifier`` (GEOS 3.12+, shapely 2.1+).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from meam_mapping.errors import InputError
from meam_mapping.maps.pack import (  # re-exported: packing lived here first
    PackedGeometry,
    pack_features,
    prepack_geometry,
    prepack_geometry_in,
    unpack_features,
)
from meam_mapping.schema import DISPLAY_CRS, STORAGE_CRS

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "LEVEL_MIN_TOLERANCE",
    "DisplaySettings",
    "PackedGeometry",
    "display_settings",
    "pack_features",
    "prepack_geometry",
    "prepack_geometry_in",
    "removable_share",
    "round_coordinates",
    "simplify_coverage",
    "simplify_for_display",
    "unpack_features",
]

#: Smallest simplification tolerance (metres) per level: finer detail than
#: this is never worth sending.
LEVEL_MIN_TOLERANCE: dict[str, float] = {"lsoa": 2.0, "msoa": 5.0, "lad": 10.0, "custom": 2.0}
#: Width of the map in screen pixels assumed for the opening view.
_SCREEN_PIXELS = 1000.0
#: How many zoom levels past the opening view detail should survive.
_ZOOM_IN_LEVELS = 3
#: Largest tolerance as a share of the typical area's width.
_SIZE_SHARE = 0.05
#: Metres per degree of latitude (and of longitude at the equator).
_METRES_PER_DEGREE = 111_320.0
#: Areas are drawn as read when simplifying would remove less than this share
#: of their vertices: the browser gains little, and the simplifier costs seconds
#: for a national layer (already generalised boundaries, say).
_WORTH_SIMPLIFYING = 0.10
#: Areas sampled (evenly through the layer) to estimate that share.
_SAMPLE_AREAS = 4000


@dataclass(frozen=True)
class DisplaySettings:
    """How areas are lightened for an interactive map.

    Attributes
    ----------
    level : str
        Area level (``lsoa``, ``msoa``, ``lad``, ``custom``).
    n_areas : int
        Number of areas drawn together.
    tolerance : float
        Coverage simplification tolerance in metres (0: not simplified).
    decimals : int
        Decimal places kept in longitude and latitude.
    reason : str
        Plain-English account of the choice.
    """

    level: str
    n_areas: int
    tolerance: float
    decimals: int
    reason: str


def _projected(areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if areas.crs is None:
        raise InputError(
            "The areas have no coordinate reference system",
            file="areas",
            expected="boundaries with a CRS (EPSG:27700 for British National Grid)",
            fix="Set the CRS when reading, e.g. gdf.set_crs('EPSG:27700')",
        )
    return areas if areas.crs.is_projected else areas.to_crs(STORAGE_CRS)


def display_settings(
    areas: gpd.GeoDataFrame,
    *,
    level: str | None = None,
    n_areas: int | None = None,
) -> DisplaySettings:
    """Choose the simplification tolerance and decimal places for a map.

    Parameters
    ----------
    areas : geopandas.GeoDataFrame
        The areas to draw (any CRS; measured on the British National Grid).
    level : str, optional
        Area level; default the ``level`` column's first value, else ``"custom"``.
    n_areas : int, optional
        Number of areas the map shows (default ``len(areas)``); the typical
        area width is ``sqrt(total area / n_areas)``.

    Returns
    -------
    DisplaySettings

    Notes
    -----
    The map opens fitted to the areas, about :data:`_SCREEN_PIXELS` pixels
    wide. The tolerance is half a pixel after zooming in three levels
    (``extent / 1000 / 8 / 2``), capped at 5% of the typical area width and
    floored at :data:`LEVEL_MIN_TOLERANCE` for the level. The decimal places
    are the fewest whose step (1 degree is about 111 km) is at most half the
    tolerance.
    """
    if level is None:
        level = str(areas["level"].iloc[0]) if "level" in areas and len(areas) else "custom"
    n = int(n_areas) if n_areas is not None else len(areas)
    projected = _projected(areas)
    if n == 0 or projected.empty:
        return DisplaySettings(level, n, 0.0, 5, "no areas")
    west, south, east, north = projected.total_bounds
    extent = max(east - west, north - south)
    zoom_tol = extent / _SCREEN_PIXELS / 2**_ZOOM_IN_LEVELS / 2
    width = math.sqrt(float(projected.geometry.area.sum()) / n)
    size_tol = _SIZE_SHARE * width
    floor = LEVEL_MIN_TOLERANCE.get(level, LEVEL_MIN_TOLERANCE["custom"])
    tolerance = float(max(floor, min(zoom_tol, size_tol)))
    decimals = int(min(6, max(3, math.ceil(math.log10(2 * _METRES_PER_DEGREE / tolerance)))))
    reason = (
        f"{n:,} {level} areas over {extent / 1000:,.0f} km: edges simplified to "
        f"{tolerance:,.0f} m (typical area {width:,.0f} m wide), coordinates kept to "
        f"{decimals} decimal places (about {_METRES_PER_DEGREE * 10**-decimals:,.1f} m)"
    )
    return DisplaySettings(level, n, tolerance, decimals, reason)


def removable_share(geometries: Any, tolerance: float) -> float:
    """Estimate the share of vertices coverage simplification would remove.

    Visvalingam-Whyatt removes a vertex whose triangle with its two
    neighbours is smaller than about ``tolerance**2``; the coverage
    simplifier never removes a node, where three or more edges meet. The
    share is counted on up to :data:`_SAMPLE_AREAS` areas spread evenly
    through the layer: first on triangle size alone (an overestimate,
    enough when it is clearly small or large), then, between the two,
    leaving out vertices that look like nodes (used by three or more areas,
    or where the number of areas using the edge changes on both sides).

    Parameters
    ----------
    geometries : array-like of shapely Polygon or MultiPolygon
        A coverage in projected coordinates (metres).
    tolerance : float
        As for :func:`simplify_coverage`.

    Returns
    -------
    float
        Between 0 and 1 (0 for no vertices or a tolerance of 0).

    Notes
    -----
    On England and Wales's 34,753 generalised LSOAs at the national
    tolerance (41 m) this estimates 2-7% against 2.8% actually removed; on a
    detailed (densified) version of a region's LSOAs it estimates 89-98%
    against 58-96%.
    """
    import pandas as pd
    import shapely

    geoms = np.asarray(geometries, dtype=object)
    geoms = geoms[~shapely.is_empty(geoms)]
    if not tolerance > 0 or len(geoms) == 0:
        return 0.0
    sample = geoms
    if len(geoms) > _SAMPLE_AREAS:
        sample = geoms[np.linspace(0, len(geoms) - 1, _SAMPLE_AREAS).astype(int)]
    rings = shapely.get_rings(shapely.get_parts(sample))
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    sizes = np.bincount(ring, minlength=len(rings))
    start = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    distinct = (sizes - 1)[ring]  # a ring repeats its first vertex last
    position = np.arange(len(xy)) - start[ring]
    counted = (position < distinct) & (distinct >= 3)
    if not counted.any():
        return 0.0
    before = start[ring] + (position - 1) % np.maximum(distinct, 1)
    after = start[ring] + (position + 1) % np.maximum(distinct, 1)
    a, b, c = xy[before], xy, xy[after]
    area = 0.5 * np.abs((a[:, 0] - b[:, 0]) * (c[:, 1] - b[:, 1])
                        - (a[:, 1] - b[:, 1]) * (c[:, 0] - b[:, 0]))  # fmt: skip
    small = counted & (area < tolerance**2)
    share = float(small.sum() / counted.sum())
    if share < _WORTH_SIMPLIFYING or share > 0.5:
        return share
    # How many areas use each vertex, over the whole layer.
    codes, points = pd.factorize(shapely.get_coordinates(geoms).view(np.complex128).ravel())
    uses = np.bincount(codes)[pd.Index(points).get_indexer(xy.view(np.complex128).ravel())]
    node = (uses >= 3) | ((uses != uses[before]) & (uses != uses[after]))
    return float((small & ~node).sum() / counted.sum())


def simplify_coverage(areas: gpd.GeoDataFrame, tolerance: float) -> gpd.GeoDataFrame:
    """Simplify polygons that tile an area without moving shared edges apart.

    Parameters
    ----------
    areas : geopandas.GeoDataFrame
        Non-overlapping, edge-matched polygons (a coverage), e.g. LSOAs. A
        geographic CRS is projected to EPSG:27700 first.
    tolerance : float
        Roughly the square root of the area (in square metres) of the
        triangles removed (see ``shapely.coverage_simplify``). 0 returns a copy.

    Returns
    -------
    geopandas.GeoDataFrame
        Same rows and columns, in the projected CRS, with simplified geometry.
        Each polygon keeps at least a triangle; none disappears.

    Raises
    ------
    InputError
        For a negative tolerance or geometry that is not polygons.
    """
    import shapely

    if not tolerance >= 0:
        raise InputError(
            f"The simplification tolerance {tolerance!r} is not 0 or more",
            column="tolerance",
            expected="a distance in metres of 0 or more",
        )
    projected = _projected(areas).copy()
    if tolerance == 0 or projected.empty:
        return projected
    geoms = projected.geometry.to_numpy()
    kinds = set(shapely.get_type_id(geoms[~shapely.is_empty(geoms)]).tolist())
    if not kinds <= {3, 6}:  # Polygon, MultiPolygon
        raise InputError(
            "Only polygon areas can be simplified for display",
            file="areas",
            column="geometry",
            expected="Polygon or MultiPolygon geometries",
            fix="Load area boundaries (polygons), not points or lines",
        )
    simplified = shapely.coverage_simplify(geoms, tolerance)
    return projected.set_geometry(simplified, crs=projected.crs)


def round_coordinates(geometries: Any, decimals: int) -> np.ndarray:
    """Round every coordinate to ``decimals`` places (shared vertices stay shared).

    Parameters
    ----------
    geometries : array-like of shapely geometries
    decimals : int

    Returns
    -------
    numpy.ndarray of shapely geometries
    """
    import shapely

    return shapely.transform(np.asarray(geometries), lambda xy: np.round(xy, decimals))


def simplify_for_display(
    areas: gpd.GeoDataFrame,
    *,
    level: str | None = None,
    tolerance: float | None = None,
    decimals: int | None = None,
    cache: bool | None = None,
    as_read: Any = None,
) -> gpd.GeoDataFrame:
    """Lighter copy of the areas for an interactive map, in longitude/latitude.

    Parameters
    ----------
    areas : geopandas.GeoDataFrame
        Areas following the areas contract (EPSG:27700 expected).
    level : str, optional
        See :func:`display_settings` (which the areas' own count also goes to).
    tolerance : float, optional
        Simplification tolerance in metres (default from :func:`display_settings`).
    decimals : int, optional
        Decimal places kept (default from :func:`display_settings`).
    cache : bool, optional
        Keep the result on disk and reuse it for the same areas (see
        :mod:`meam_mapping.geography.boundary_cache`). Default: on, unless
        ``MEAM_MAPPING_BOUNDARY_CACHE=0``.
    as_read : array-like of shapely geometries, optional
        The same areas' shapes in EPSG:4326 as read from their file, row for
        row (:attr:`~meam_mapping.geography.boundaries.BoundaryResult.lonlat`).
        When the edges are drawn as read (not simplified), these are rounded
        instead of projecting ``areas`` back to longitude/latitude; ignored
        otherwise, or when their length differs from ``areas``.

    Returns
    -------
    geopandas.GeoDataFrame
        Same rows and columns in EPSG:4326 with simplified, rounded geometry;
        ``attrs["display"]`` holds the :class:`DisplaySettings` used. Use it
        only for drawing: measure and compute on the original areas.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> import geopandas as gpd
    >>> grid = gpd.GeoDataFrame(
    ...     {"area_code": ["A", "B"]},
    ...     geometry=[box(530000, 180000, 531000, 181000), box(531000, 180000, 532000, 181000)],
    ...     crs="EPSG:27700",
    ... )
    >>> shown = simplify_for_display(grid, level="lsoa")
    >>> shown.crs.to_string(), shown.attrs["display"].decimals
    ('EPSG:4326', 6)
    """
    import dataclasses

    from meam_mapping.geography import boundary_cache

    use_cache = boundary_cache.cache_enabled() if cache is None else cache
    key = None
    if use_cache and len(areas):
        key = boundary_cache.cache_key("display", boundary_cache.frame_fingerprint(areas), level,
                                       tolerance, decimals)  # fmt: skip
        hit = boundary_cache.load_frame(key, kind="display")
        if hit is not None:
            shown, meta = hit
            shown.attrs = {**areas.attrs, "display": DisplaySettings(**meta["settings"]),
                           "display_key": key}  # fmt: skip
            return shown
    settings = display_settings(areas, level=level)
    if tolerance is not None or decimals is not None:
        settings = dataclasses.replace(
            settings,
            tolerance=settings.tolerance if tolerance is None else float(tolerance),
            decimals=settings.decimals if decimals is None else int(decimals),
            reason="chosen by the caller",
        )
    from meam_mapping.geography.boundaries import reproject

    if tolerance is None and settings.tolerance > 0:
        share = removable_share(_projected(areas).geometry.to_numpy(), settings.tolerance)
        if share < _WORTH_SIMPLIFYING:
            settings = dataclasses.replace(
                settings,
                tolerance=0.0,
                reason=settings.reason.replace(
                    f"edges simplified to {settings.tolerance:,.0f} m",
                    f"edges drawn as read (simplifying them to {settings.tolerance:,.0f} m would "
                    f"remove about {share:.0%} of their points)",
                ),
            )
    if settings.tolerance > 0:
        as_read = None  # not used: let the caller's copy go before simplifying
    if settings.tolerance == 0 and as_read is not None and len(as_read) == len(areas):
        # The file's own longitude/latitude, rounded: the shapes projecting the areas
        # back would give (to the rounding), without moving every point twice.
        import geopandas as gpd

        out = areas.copy()
        out[areas.geometry.name] = gpd.GeoSeries(
            round_coordinates(as_read, settings.decimals), index=areas.index, crs=DISPLAY_CRS
        )
        out = out.set_crs(DISPLAY_CRS, allow_override=True)
    else:  # projected back and rounded (see round_coordinates) in one pass over the coordinates
        out = reproject(simplify_coverage(areas, settings.tolerance), DISPLAY_CRS,
                        decimals=settings.decimals)  # fmt: skip
    out.attrs = {**areas.attrs, "display": settings}
    if key is not None:
        out.attrs["display_key"] = key  # names this geometry (see maps.pack.packed_key)
        stored = out.copy()
        stored.attrs = {}
        boundary_cache.store_frame(key, stored, {"settings": dataclasses.asdict(settings)},
                                   kind="display")  # fmt: skip
    return out
