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

:func:`pack_features` then writes the features of maps with many areas as
integer coordinate differences in variable-length bytes, gzip-compressed and
base64-encoded; the page inflates them with the browser's own
``DecompressionStream`` and :func:`unpack_features` reads them back in Python.

Notes
-----
Visvalingam and Whyatt (1993), "Line generalisation by repeated elimination of
points", *The Cartographic Journal* 30(1), 46-51. The coverage variant is GEOS
``CoverageSimplifier`` (GEOS 3.12+, shapely 2.1+).
"""

from __future__ import annotations

import base64
import gzip
import json
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from meam_mapping.errors import InputError
from meam_mapping.maps.varint import decode_varints, encode_varints, unzigzag, zigzag
from meam_mapping.schema import DISPLAY_CRS, STORAGE_CRS

if TYPE_CHECKING:
    from concurrent.futures import Executor, Future

    import geopandas as gpd

__all__ = [
    "LEVEL_MIN_TOLERANCE",
    "DisplaySettings",
    "PackedGeometry",
    "display_settings",
    "pack_features",
    "prepack_geometry",
    "prepack_geometry_in",
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
    n_areas: int | None = None,
    tolerance: float | None = None,
    decimals: int | None = None,
    cache: bool | None = None,
) -> gpd.GeoDataFrame:
    """Lighter copy of the areas for an interactive map, in longitude/latitude.

    Parameters
    ----------
    areas : geopandas.GeoDataFrame
        Areas following the areas contract (EPSG:27700 expected).
    level, n_areas
        See :func:`display_settings`.
    tolerance : float, optional
        Simplification tolerance in metres (default from :func:`display_settings`).
    decimals : int, optional
        Decimal places kept (default from :func:`display_settings`).
    cache : bool, optional
        Keep the result on disk and reuse it for the same areas (see
        :mod:`meam_mapping.geography.boundary_cache`). Default: on, unless
        ``MEAM_MAPPING_BOUNDARY_CACHE=0``.

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
    ('EPSG:4326', 5)
    """
    import dataclasses

    from meam_mapping.geography import boundary_cache

    use_cache = boundary_cache.cache_enabled() if cache is None else cache
    key = None
    if use_cache and len(areas):
        key = boundary_cache.cache_key("display", boundary_cache.frame_fingerprint(areas), level, n_areas,
                                       tolerance, decimals)  # fmt: skip
        hit = boundary_cache.load_frame(key, kind="display")
        if hit is not None:
            shown, meta = hit
            shown.attrs = {**areas.attrs, "display": DisplaySettings(**meta["settings"])}
            return shown
    settings = display_settings(areas, level=level, n_areas=n_areas)
    if tolerance is not None or decimals is not None:
        settings = dataclasses.replace(
            settings,
            tolerance=settings.tolerance if tolerance is None else float(tolerance),
            decimals=settings.decimals if decimals is None else int(decimals),
            reason="chosen by the caller",
        )
    from meam_mapping.geography.boundaries import reproject

    # Projected back and rounded (see round_coordinates) in one pass over the coordinates.
    out = reproject(simplify_coverage(areas, settings.tolerance), DISPLAY_CRS,
                    decimals=settings.decimals)  # fmt: skip
    out.attrs = {**areas.attrs, "display": settings}
    if key is not None:
        stored = out.copy()
        stored.attrs = {}
        boundary_cache.store_frame(key, stored, {"settings": dataclasses.asdict(settings)},
                                   kind="display")  # fmt: skip
    return out


def _decimals_of(coords: np.ndarray) -> int:
    """Fewest decimal places (3 to 6) that hold every coordinate exactly."""
    for decimals in (3, 4, 5):
        if np.allclose(coords, np.round(coords, decimals), rtol=0, atol=1e-9):
            return decimals
    return 6


#: First bytes of a binary pack (inflated), before its header's length.
_MAGIC = b"MEAMPK1\x00"
def pack_features(geometries: Any, properties: dict[str, Any]) -> str:
    """Write polygons and their properties compactly, gzip-compressed and base64-encoded.

    Parameters
    ----------
    geometries : array-like of shapely Polygon or MultiPolygon
        In EPSG:4326, already rounded (see :func:`simplify_for_display`).
    properties : dict of str to array-like
        Property columns, each one JSON-serialisable value per geometry.

    Returns
    -------
    str
        Base64 text of gzip-compressed bytes: :data:`_MAGIC`, the length of a
        JSON header (4 bytes, little-endian), the header ``{"d", "n",
        "props"}`` and then varints (:mod:`meam_mapping.maps.varint`): the
        polygons of each feature, the rings of each polygon, the vertices of
        each ring (``n`` holds the four totals: features, polygons, rings,
        vertices), then every vertex's ``x, y`` as zigzag integers
        (``round(value * 10**d)``), each ring's first vertex absolute and the
        others as differences from the previous vertex, the closing vertex
        left out. ``props`` maps each property to its list of values. The
        page inflates it with ``DecompressionStream('gzip')`` and reads it
        with no text parsing but the header (see
        :mod:`meam_mapping.maps.area_canvas`); :func:`unpack_features` reads
        it in Python.

    Notes
    -----
    Coordinate steps are mostly one byte as varints against four to eight
    characters of decimal text: the national map's 418,800 vertices take
    about half the space of the JSON integer lists this replaced, and the
    browser no longer parses three million numbers from text.
    """
    geoms = np.asarray(geometries, dtype=object)
    names = list(properties)
    columns = {name: np.asarray(properties[name]).tolist() for name in names}
    for name, column in columns.items():
        if len(column) != len(geoms):
            raise InputError(
                f"The property {name!r} has {len(column)} values for {len(geoms)} areas",
                column=name,
                expected="one value per area",
            )
    shapes = _prepacked_for(geoms)
    if shapes is None:
        shapes = prepack_geometry(geoms)
    props = ",".join(
        json.dumps(name) + ":" + json.dumps(column, separators=(",", ":"), allow_nan=False)
        for name, column in columns.items()
    )
    head = (
        f'{{"d":{shapes.decimals},"n":[{",".join(map(str, shapes.counts))}],'
        f'"props":{{{props}}}}}'
    ).encode()
    blob = _MAGIC + len(head).to_bytes(4, "little") + head + shapes.stream
    packed = gzip.compress(blob, compresslevel=6, mtime=0)
    return base64.b64encode(packed).decode("ascii")


@dataclass(frozen=True, eq=False)
class PackedGeometry:
    """The geometry part of a :func:`pack_features` pack, worked out ahead.

    Attributes
    ----------
    geoms : numpy.ndarray
        The geometries it was made from (the very objects).
    decimals : int
        Decimal places of the coordinates.
    counts : tuple of int
        Features, polygons, rings and vertices.
    stream : bytes
        The varints of the offsets and coordinate steps.
    """

    geoms: np.ndarray
    decimals: int
    counts: tuple[int, int, int, int]
    stream: bytes


#: The geometry being packed ahead, and its future (see :func:`prepack_geometry_in`).
_PREPACKED: list[tuple[np.ndarray, Future[PackedGeometry]]] = []


def prepack_geometry(geometries: Any) -> PackedGeometry:
    """The geometry part of :func:`pack_features` for ``geometries``.

    Parameters
    ----------
    geometries : array-like of shapely Polygon or MultiPolygon
        As for :func:`pack_features`.

    Returns
    -------
    PackedGeometry

    Raises
    ------
    InputError
        For geometry that is not polygons.
    """
    import shapely

    geoms = np.asarray(geometries, dtype=object)
    kind, coords, offsets = shapely.to_ragged_array(geoms)
    if kind == shapely.GeometryType.POLYGON:
        rings, polygons = offsets
        features = np.arange(len(geoms) + 1)
    elif kind == shapely.GeometryType.MULTIPOLYGON:
        rings, polygons, features = offsets
    else:
        raise InputError(
            "Only polygon areas can be packed for display",
            column="geometry",
            expected="Polygon or MultiPolygon geometries",
        )
    keep = np.ones(len(coords), dtype=bool)
    keep[rings[1:] - 1] = False  # the closing vertex repeats the first
    decimals = _decimals_of(coords)
    ints = np.round(coords[keep] * 10**decimals).astype(np.int64)
    starts = rings[:-1] - np.arange(len(rings) - 1)
    deltas = np.diff(ints, axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
    deltas[starts[starts < len(ints)]] = ints[starts[starts < len(ints)]]
    ring_offsets = rings - np.arange(len(rings))
    stream = b"".join([
        encode_varints(np.diff(features)), encode_varints(np.diff(polygons)),
        encode_varints(np.diff(ring_offsets)), encode_varints(zigzag(deltas.ravel())),
    ])  # fmt: skip
    counts = (len(features) - 1, len(polygons) - 1, len(rings) - 1, len(ints))
    return PackedGeometry(geoms=geoms, decimals=decimals, counts=counts, stream=stream)


def prepack_geometry_in(executor: Executor, geometries: Any) -> Future[PackedGeometry]:
    """Start encoding the geometry of the next :func:`pack_features` call in ``executor``.

    The geometry does not depend on the map's data, so a command can encode
    it in a second thread while the data are classed and the tooltips
    written. The next :func:`pack_features` call given the very same
    geometry objects, in the same order, waits for it and uses it; any other
    call (or a failed encoding) encodes its own: the pack is the same
    either way.

    Parameters
    ----------
    executor : concurrent.futures.Executor
    geometries : array-like of shapely Polygon or MultiPolygon

    Returns
    -------
    concurrent.futures.Future
    """
    geoms = np.asarray(geometries, dtype=object)
    future = executor.submit(prepack_geometry, geoms)
    _PREPACKED[:] = [(geoms, future)]
    return future


def _prepacked_for(geoms: np.ndarray) -> PackedGeometry | None:
    """The geometry packed ahead for exactly these objects, in this order, or None."""
    if not _PREPACKED:
        return None
    kept, future = _PREPACKED[0]
    if len(kept) != len(geoms) or not all(
        a is b for a, b in zip(kept.tolist(), geoms.tolist(), strict=True)
    ):
        return None
    _PREPACKED.clear()
    try:
        return future.result()
    except Exception:  # noqa: BLE001 - pack_features encodes them itself and says what is wrong
        return None


def _read_binary(blob: bytes) -> dict[str, Any]:
    """The parts of a binary pack: ``d``, ``props`` and the offsets and deltas as arrays."""
    at = len(_MAGIC)
    size = int.from_bytes(blob[at : at + 4], "little")
    head = json.loads(blob[at + 4 : at + 4 + size])
    n_features, n_polygons, n_rings, n_vertices = head["n"]
    rest = np.frombuffer(blob, dtype=np.uint8, offset=at + 4 + size)
    parts = []
    for count in (n_features, n_polygons, n_rings, 2 * n_vertices):
        values, used = decode_varints(rest, count)
        parts.append(values)
        rest = rest[used:]
    if len(rest):
        raise ValueError(f"{len(rest)} bytes left over after the packed areas")
    g, p, r = (np.r_[0, np.cumsum(v.astype(np.int64))] for v in parts[:3])
    return {"d": head["d"], "c": unzigzag(parts[3]), "r": r, "p": p, "g": g,
            "props": head["props"]}  # fmt: skip


def unpack_features(packed: str) -> dict[str, Any]:
    """Read :func:`pack_features` output back as a GeoJSON ``FeatureCollection``.

    The same steps as the page's JavaScript, for tests and for checking a map.

    Parameters
    ----------
    packed : str

    Returns
    -------
    dict
        GeoJSON with ``MultiPolygon`` geometries (rings closed again).
    """
    blob = gzip.decompress(base64.b64decode(packed))
    data = _read_binary(blob) if blob.startswith(_MAGIC) else json.loads(blob)  # JSON: before 2026-11
    scale = 10 ** data["d"]
    flat = np.asarray(data["c"], dtype=np.int64).reshape(-1, 2)
    r, p, g = data["r"], data["p"], data["g"]
    features = []
    for i in range(len(g) - 1):
        polygons = []
        for j in range(g[i], g[i + 1]):
            rings = []
            for k in range(p[j], p[j + 1]):
                xy = np.cumsum(flat[r[k] : r[k + 1]], axis=0) / scale
                rings.append([*xy.tolist(), xy[0].tolist()])
            polygons.append(rings)
        props = {name: values[i] for name, values in data["props"].items()}
        geometry = {"type": "MultiPolygon", "coordinates": polygons}
        features.append({"type": "Feature", "properties": props, "geometry": geometry})
    return {"type": "FeatureCollection", "features": features}
