"""Read area boundaries (GeoJSON, GeoPackage, zipped Shapefile) into the areas contract.

:func:`read_boundaries` accepts a path or an uploaded file object, finds the
code and name fields that ONS boundary files use (``LSOA21CD``/``LSOA21NM``,
``LAD23CD``, ...), reprojects to British National Grid (EPSG:27700), repairs
invalid polygons and reports everything it changed or dropped in ``notes``.

Which file and layer is read, and how (locally, by sniffed content, through
an allow-list of GDAL drivers, never from the network), is decided in
:mod:`meam_mapping.geography.boundary_files`; coordinates that do not fit the
declared coordinate system are recognised and fixed or refused in
:mod:`meam_mapping.geography.coordinates`. An area code on several features
(a multipart area split into pieces) becomes one area.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from meam_mapping.errors import InputError
from meam_mapping.geography.boundary_cache import (
    cache_enabled,
    cache_key,
    content_digest,
    load_frame,
    store_frame,
    uploaded_bytes,
)
from meam_mapping.geography.boundary_files import open_boundary_layer, reading_now
from meam_mapping.geography.codes import GSS_PATTERN, detect_level, normalise_codes
from meam_mapping.geography.coordinates import is_lonlat, settle_crs
from meam_mapping.io.safety import guard_loader
from meam_mapping.schema import LEVELS, STORAGE_CRS

__all__ = ["BoundaryResult", "read_boundaries", "reproject"]

#: Recognised ONS code fields, finest first: (regex, level, label for vintage).
_CODE_FIELDS: tuple[tuple[str, str, str], ...] = (
    (r"lsoa(\d\d)cd", "lsoa", "LSOA"),
    (r"msoa(\d\d)cd", "msoa", "MSOA"),
    (r"wd(\d\d)cd", "custom", "ward"),
    (r"(?:lad|ltla)(\d\d)cd", "lad", "LAD"),
    (r"(?:utla|ctyua)(\d\d)cd", "custom", "upper-tier authority"),
    (r"rgn(\d\d)cd", "custom", "region"),
)
_GENERIC_CODES = ("area_code", "areacode", "code", "gss_code", "geo_code")
_GENERIC_NAMES = ("area_name", "areaname", "name")
_KEEP_IN_ZIP = {".shp", ".shx", ".dbf", ".prj", ".cpg", ".gpkg", ".geojson", ".json"}


@dataclass(frozen=True)
class BoundaryResult:
    """Boundaries read into the areas contract, with what was done to them.

    Attributes
    ----------
    areas : geopandas.GeoDataFrame
        ``area_code, area_name, level`` (+ ``msoa_code``/``lad_code`` where the
        file has them) and ``geometry`` in EPSG:27700.
    notes : list of str
        Every repair, drop, guess and duplicate, in plain English.
    code_field, name_field : str or None
        The fields the codes and names were taken from.
    vintage : str or None
        Boundary vintage from the field name, e.g. ``"LSOA 2011"``.
    lonlat : numpy.ndarray or None
        When the file was in longitude/latitude (WGS 84, as GeoJSON is), the
        areas' shapes as read and repaired, row for row with ``areas``: a map
        drawn in the browser can start from them instead of projecting the
        areas back (see :func:`meam_mapping.maps.simplify.simplify_for_display`).
        None for other files and for areas taken from the cache.
    parent_names : dict
        Level (``"msoa"``, ``"lad"``) -> {parent code: name}, from the name
        field beside a parent code field (``LAD19NM`` beside ``LAD19CD``);
        empty where the file names no parents.
    sources : list of dict
        Files besides the boundaries that went into them (an ONS lookup
        giving their MSOAs and districts, say), as entries of
        :attr:`meam_mapping.dataset.Dataset.sources`.
    left_out : dict
        Level (``"msoa"``, ``"lad"``) -> {parent code: number of its areas
        missing}: the MSOAs and districts some of whose areas are not among
        :attr:`areas` (features of the file left out for having no shape or
        no code, or, with an ONS lookup, areas the lookup puts in them that
        the file does not hold). Their totals would fall short, so they are
        not built as areas of their own (see
        :func:`meam_mapping.loading.dataset_from_boundaries`).
    """

    areas: gpd.GeoDataFrame
    notes: list[str] = field(default_factory=list)
    code_field: str | None = None
    name_field: str | None = None
    vintage: str | None = None
    lonlat: np.ndarray | None = field(default=None, repr=False)
    parent_names: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)
    sources: list[dict[str, str]] = field(default_factory=list, repr=False)
    left_out: dict[str, dict[str, int]] = field(default_factory=dict, repr=False)


#: Below this many coordinates a reprojection is done in one piece.
_SPLIT_COORDINATES = 100_000
#: Below this many distinct points they are moved in the calling thread: a new
#: thread first sets up its own PROJ context (about 0.07 s).
_SPLIT_POINTS = 400_000


def reproject(
    areas: gpd.GeoDataFrame, crs: object, *, pieces: int = 2, decimals: int | None = None
) -> gpd.GeoDataFrame:
    """``areas.to_crs(crs)``, each distinct point moved once, in ``pieces`` threads when many.

    Each coordinate is transformed on its own (the same transformer as
    geopandas, ``always_xy``), so the result is identical to ``to_crs``.
    Neighbouring areas share the points of their common edges (England's
    LSOAs use each point 2.5 times on average), so the distinct points are
    moved once each and copied back to every use; PROJ lets threads run
    together, so a great many distinct points are split between threads.
    Small or 3-D layers are passed to ``to_crs`` as they are.

    Parameters
    ----------
    areas : geopandas.GeoDataFrame
        With a CRS.
    crs : anything pyproj accepts
        The target coordinate reference system.
    pieces : int, default 2
        Number of threads (for more than :data:`_SPLIT_POINTS` distinct points).
    decimals : int, optional
        Round every coordinate to this many places afterwards (as
        ``numpy.round``), in the same pass.

    Returns
    -------
    geopandas.GeoDataFrame
    """
    from concurrent.futures import ThreadPoolExecutor

    from pyproj import CRS, Transformer

    target = CRS.from_user_input(crs)
    geoms = areas.geometry.to_numpy()
    if (
        areas.crs is None
        or areas.crs.is_exact_same(target)
        or shapely.has_z(geoms).any()
        or int(shapely.get_num_coordinates(geoms).sum()) < _SPLIT_COORDINATES
    ):
        out = areas.to_crs(target)
        if decimals is None:
            return out
        rounded = shapely.transform(out.geometry.to_numpy(), lambda xy: np.round(xy, decimals))
        return out.set_geometry(rounded, crs=target)
    transformer = Transformer.from_crs(areas.crs, target, always_xy=True)
    coords = shapely.get_coordinates(geoms)
    uses, points = pd.factorize(coords.view(np.complex128).ravel(), use_na_sentinel=False)
    points = np.column_stack([points.real, points.imag])
    parts = pieces if pieces >= 2 and len(points) >= _SPLIT_POINTS else 1
    bounds = np.linspace(0, len(points), parts + 1).astype(int)
    moved = np.empty_like(points)

    def move(start: int, stop: int) -> None:
        x, y = transformer.transform(points[start:stop, 0], points[start:stop, 1])
        moved[start:stop, 0], moved[start:stop, 1] = x, y
        if decimals is not None:
            moved[start:stop] = np.round(moved[start:stop], decimals)

    if parts == 1:
        move(0, len(points))
    else:
        with ThreadPoolExecutor(max_workers=parts, thread_name_prefix="meam-proj") as pool:
            for done in [
                pool.submit(move, a, b) for a, b in zip(bounds[:-1], bounds[1:], strict=True)
            ]:
                done.result()
    out = areas.copy()
    out[areas.geometry.name] = gpd.GeoSeries(
        _with_coordinates(geoms, moved, uses, pieces), index=areas.index, crs=target
    )
    return out.set_crs(target, allow_override=True)


def _with_coordinates(geoms: np.ndarray, points: np.ndarray, uses: np.ndarray,
                      pieces: int) -> np.ndarray:  # fmt: skip
    """New geometries whose coordinates are ``points[uses]``, built in ``pieces`` threads.

    GEOS builds geometries with the interpreter free, so halves of the layer
    (split between areas) are built at the same time.
    """
    from concurrent.futures import ThreadPoolExecutor

    out = geoms.copy()
    if pieces < 2 or len(geoms) < pieces:
        return shapely.set_coordinates(out, points[uses])
    ends = np.cumsum(shapely.get_num_coordinates(geoms))
    cuts = np.searchsorted(ends, np.linspace(0, ends[-1], pieces + 1)[1:-1])
    first = np.concatenate([[0], cuts + 1])
    last = np.concatenate([cuts + 1, [len(geoms)]])

    def build(a: int, b: int) -> None:
        start = ends[a - 1] if a else 0
        out[a:b] = shapely.set_coordinates(out[a:b], points[uses[start : ends[b - 1] if b else 0]])

    with ThreadPoolExecutor(max_workers=pieces, thread_name_prefix="meam-proj") as pool:
        for done in [pool.submit(build, a, b) for a, b in zip(first, last, strict=True) if b > a]:
            done.result()
    return out


def _name_beside(columns: list[str], code_col: str) -> str | None:
    """The name field of ``code_col`` by ONS naming (``LAD19NM`` beside ``LAD19CD``), if present."""
    guess = re.sub(r"cd$", "nm", code_col.lower())
    if guess == code_col.lower():
        return None
    return {c.lower(): c for c in columns}.get(guess)


def _first(codes: pd.Series | list, n: int = 5) -> str:
    shown = [str(c) for c in list(codes)[:n]]
    return ", ".join(shown) + (" ..." if len(codes) > n else "")


def _join_split_areas(areas: gpd.GeoDataFrame, notes: list[str]) -> gpd.GeoDataFrame:
    """One area per code: the pieces of a multipart area split over several features are joined."""
    dup = areas["area_code"][areas["area_code"].duplicated(keep=False)].unique()
    if not len(dup):
        return areas
    notes.append(
        f"{len(dup)} area code(s) appear on more than one shape: {_first(dup)}. "
        "The shapes of each code were joined into one area (a multipart area split into pieces)."
    )
    order = list(dict.fromkeys(areas["area_code"]))
    joined = areas.dissolve(by="area_code", aggfunc="first", sort=False).reset_index()
    joined = joined.set_index("area_code").loc[order].reset_index()
    return joined[list(areas.columns)].set_geometry("geometry", crs=areas.crs)


def _find_field(columns: list[str], wanted: str | None, what: str, display: str) -> str | None:
    lower = {c.lower(): c for c in columns}
    if wanted is None:
        return None
    if wanted.lower() in lower:
        return lower[wanted.lower()]
    raise InputError(
        f"there is no {what} field called {wanted!r}",
        file=display,
        expected=f"one of the fields: {', '.join(columns)}",
    )


def _detect_fields(columns: list[str]) -> list[tuple[str, str, str, str]]:
    """Recognised ONS code fields as (field, level, label, two-digit year), finest first."""
    found = []
    for pattern, level, label in _CODE_FIELDS:
        for col in columns:
            match = re.fullmatch(pattern, col.lower())
            if match:
                found.append((col, level, label, match.group(1)))
                break
    return found


def _polygonal(geom: object) -> object:
    """Keep only polygon parts of a (repaired) geometry; None if there are none."""
    if geom is None:
        return None
    kind = shapely.get_type_id(geom)
    if kind in (3, 6):  # Polygon, MultiPolygon
        return geom
    if kind == 7:  # GeometryCollection
        parts = [p for p in shapely.get_parts(geom) if shapely.get_type_id(p) in (3, 6)]
        return shapely.union_all(parts) if parts else None
    return None


def _left_out(
    features: pd.DataFrame, kept: pd.Series
) -> tuple[list[str], dict[str, dict[str, int]]]:
    """The codes of features whose area is not in ``kept``, and level -> {parent code: areas of it missing}.

    ``features`` holds every feature's ``area_code`` (blank for a feature
    with none) and any parent codes; an area split over several features is
    missing only when none of its pieces was kept.
    """
    present = set(kept.tolist())  # plain strings: Arrow-backed text's isin walks a set slowly
    gone = features.loc[[code not in present for code in features["area_code"].tolist()]]
    named = gone.loc[gone["area_code"].notna()].drop_duplicates("area_code")
    areas_gone = pd.concat([named, gone.loc[gone["area_code"].isna()]])
    parents: dict[str, dict[str, int]] = {}
    for column in ("msoa_code", "lad_code"):
        lost = areas_gone.get(column)
        if lost is not None and lost.notna().any():
            counts = lost.dropna().astype(str).value_counts().sort_index()
            parents[column.removesuffix("_code")] = {str(k): int(v) for k, v in counts.items()}
    return sorted(map(str, named["area_code"])), parents


def _clean_geometries(
    gdf: gpd.GeoDataFrame, notes: list[str], file: str | None = None
) -> gpd.GeoDataFrame:
    geoms = gdf.geometry.to_numpy()
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if missing.any():
        notes.append(
            f"{int(missing.sum())} area(s) had no shape and were left out: "
            f"{_first(gdf.loc[missing, 'area_code'])}."
        )
    invalid = ~missing & ~shapely.is_valid(geoms)
    if invalid.any():
        geoms = geoms.copy()
        geoms[invalid] = shapely.make_valid(geoms[invalid])
        notes.append(
            f"{int(invalid.sum())} area shape(s) were invalid (e.g. self-crossing edges) "
            f"and were repaired: {_first(gdf.loc[invalid, 'area_code'])}."
        )
    # Polygons are kept as they are (all of them, usually); only collections are taken apart.
    kinds = shapely.get_type_id(geoms)
    kept = np.where(~missing & np.isin(kinds, (3, 6)), geoms, None).astype(object)
    for i in np.flatnonzero(~missing & (kinds == 7)):
        kept[i] = _polygonal(geoms[i])
    not_poly = ~missing & pd.isna(pd.Series(kept)).to_numpy()
    if not_poly.all() and len(gdf):
        raise InputError(
            "the layer holds points or lines, not area outlines",
            file=file,
            expected="polygon boundaries such as LSOA or district outlines",
        )
    if not_poly.any():
        notes.append(
            f"{int(not_poly.sum())} feature(s) were points or lines, not areas, "
            f"and were left out: {_first(gdf.loc[not_poly, 'area_code'])}."
        )
    out = gdf.copy()
    out["geometry"] = gpd.GeoSeries(kept, index=gdf.index, crs=gdf.crs)
    return out.loc[~missing & ~not_poly]


@guard_loader(expected="GeoJSON, a GeoPackage or a zipped Shapefile")
def read_boundaries(
    path_or_buffer: str | os.PathLike | bytes | IO[bytes],
    *,
    name: str | None = None,
    layer: str | None = None,
    code_field: str | None = None,
    name_field: str | None = None,
    assume_crs: str | int | None = None,
    level: str | None = None,
    cache: bool | None = None,
    cache_folder: str | os.PathLike | None = None,
) -> BoundaryResult:
    """Read a boundary layer into the areas contract.

    Parameters
    ----------
    path_or_buffer : path, bytes or file-like
        A GeoJSON, GeoPackage or zipped Shapefile, on disk or uploaded.
    name : str, optional
        File name to show in messages (and to tell the format of an upload).
    layer : str, optional
        GeoPackage layer, or shapefile name inside a zip holding several.
    code_field, name_field : str, optional
        Field names (any case) to use instead of the recognised ONS ones.
    assume_crs : str or int, optional
        Coordinate reference system to assume when the file has none,
        e.g. ``"EPSG:27700"`` or ``4326``.
    level : {'lsoa', 'msoa', 'lad', 'custom'}, optional
        Override the level read from the field name or the codes.
    cache : bool, optional
        Keep the result on disk, keyed by the file's content and these
        options, and use it on the next read of the same content (see
        :mod:`meam_mapping.geography.boundary_cache`). Default: on, unless
        ``MEAM_MAPPING_BOUNDARY_CACHE=0``. Paths, bytes and uploads (an
        object with ``getvalue``, as Streamlit's) only, not other streams.
    cache_folder : path, optional
        Folder of the entries (default: the cache folder's ``boundaries/``).

    Returns
    -------
    BoundaryResult

    Raises
    ------
    InputError
        Unreadable file, several layers without ``layer``, no coordinate
        system, no recognisable code field, or no areas left.
    """
    if level is not None and level not in LEVELS:
        raise InputError(f"unknown level {level!r}", expected=f"one of {', '.join(LEVELS)}")
    options = {"name": name, "layer": layer, "code_field": code_field, "name_field": name_field,
               "assume_crs": assume_crs, "level": level}  # fmt: skip
    key = (
        _cache_key(path_or_buffer, options)
        if (cache is None and cache_enabled()) or cache
        else None
    )
    if key is not None:
        hit = load_frame(key, folder=cache_folder, on_reading=reading_now)
        if hit is not None:
            areas, meta = hit
            return BoundaryResult(areas=areas, notes=list(meta["notes"]), code_field=meta["code_field"],
                                  name_field=meta["name_field"], vintage=meta["vintage"],
                                  parent_names=meta.get("parent_names", {}),
                                  left_out=meta.get("left_out", {}))  # fmt: skip
    result = _read_boundaries(path_or_buffer, **options)
    if key is not None:
        meta = {"notes": result.notes, "code_field": result.code_field,
                "name_field": result.name_field, "vintage": result.vintage,
                "parent_names": result.parent_names, "left_out": result.left_out}  # fmt: skip
        store_frame(key, result.areas, meta, folder=cache_folder)
    return result


def _cache_key(source: object, options: dict[str, object]) -> str | None:
    """The cache key of a boundary file on disk, in bytes or uploaded; None for other inputs."""
    content = uploaded_bytes(source)
    if content is not None:  # an upload (the Data page's): by its content and name
        shown = options["name"] or getattr(source, "name", None)
        return cache_key("boundaries", content_digest(content), {**options, "name": shown})
    if isinstance(source, bytes | bytearray):
        return cache_key("boundaries", content_digest(bytes(source)), options)
    if isinstance(source, str | os.PathLike) and Path(source).is_file():
        shown = options["name"] or Path(source).name
        # The content and the name shown in the notes, not the folder: a copy hits.
        return cache_key("boundaries", content_digest(source), {**options, "name": shown})
    return None


def _read_boundaries(
    path_or_buffer: str | os.PathLike | bytes | IO[bytes],
    *,
    name: str | None,
    layer: str | None,
    code_field: str | None,
    name_field: str | None,
    assume_crs: str | int | None,
    level: str | None,
) -> BoundaryResult:
    """:func:`read_boundaries` without the cache: parse, check, repair and project."""
    with tempfile.TemporaryDirectory(prefix="meam_boundaries_") as tmp:
        raw, display, notes = open_boundary_layer(path_or_buffer, name, layer, Path(tmp))
    columns = [c for c in raw.columns if c != raw.geometry.name]
    detected = _detect_fields(columns)
    vintage = None
    code_col = _find_field(columns, code_field, "code", display)
    if code_col is None and detected:
        code_col, field_level, label, yy = detected[0]
        vintage = f"{label} 20{yy}"
    elif code_col is None:
        lower = {c.lower(): c for c in columns}
        code_col = next((lower[g] for g in _GENERIC_CODES if g in lower), None)
        field_level = None
        if code_col is None:
            raise InputError(
                "no area code field was recognised",
                file=display,
                expected="a field such as LSOA21CD, MSOA11CD, LAD23CD or area_code",
                fix="Rename the field holding the area codes to area_code (for example in "
                f"QGIS) and load the file again; fields found: {', '.join(columns)}",
            )
    else:
        match = next((d for d in detected if d[0] == code_col), None)
        field_level = match[1] if match else None
        vintage = f"{match[2]} 20{match[3]}" if match else None
    name_col = _find_field(columns, name_field, "name", display)
    if name_col is None:
        lower = {c.lower(): c for c in columns}
        name_col = _name_beside(columns, code_col)
        name_col = name_col or next((lower[g] for g in _GENERIC_NAMES if g in lower), None)

    codes = normalise_codes(raw[code_col])
    areas = gpd.GeoDataFrame(
        {"area_code": codes.to_numpy()},
        geometry=raw.geometry.to_numpy(),
        crs=raw.crs,
        index=raw.index,
    )
    if name_col is not None:
        areas["area_name"] = raw[name_col].astype(object).where(raw[name_col].notna(), None)
    else:
        areas["area_name"] = areas["area_code"]
        notes.append("No name field was found; area codes are used as names.")
    areas, crs_notes = settle_crs(areas, file=display, assume_crs=assume_crs)
    notes += crs_notes
    if level is None:
        level = field_level
    if level is None:
        found = detect_level(areas["area_code"]).level
        level = found if found in LEVELS else "custom"
    areas["level"] = level
    used = {code_col, name_col}
    parent_names: dict[str, dict[str, str]] = {}
    for parent, parent_levels in (
        ("msoa_code", ("lsoa",)),
        ("lad_code", ("lsoa", "msoa", "custom")),
    ):
        source = next((d[0] for d in detected if d[1] == parent[:-5] and d[0] != code_col), None)
        if source is not None and level in parent_levels:
            areas[parent] = normalise_codes(raw[source]).to_numpy()
            used.add(source)
            named = _name_beside(columns, source)
            if named is not None:
                used.add(named)
                pairs = pd.DataFrame({"code": areas[parent], "name": raw[named].to_numpy()})
                pairs = pairs.dropna().drop_duplicates("code")
                parent_names[parent[:-5]] = dict(zip(pairs["code"], pairs["name"].astype(str),
                                                     strict=True))  # fmt: skip

    # Every feature's code and parents, to tell afterwards which were lost (BoundaryResult.left_out).
    every_feature = pd.DataFrame(
        areas[[c for c in ("area_code", "msoa_code", "lad_code") if c in areas]]
    )
    blank = areas["area_code"].isna()
    if blank.any():
        rows = [int(i) + 2 for i in np.flatnonzero(blank.to_numpy())]
        notes.append(
            f"{int(blank.sum())} feature(s) had no area code and were left out "
            f"(feature rows {_first(rows)})."
        )
        areas = areas.loc[~blank]
    distinct = pd.Series(areas["area_code"].unique(), dtype=object)
    well_formed = distinct.str.fullmatch(GSS_PATTERN.pattern.strip("^$")).eq(True)
    not_gss = distinct[~well_formed].tolist()
    if not_gss and level != "custom":
        notes.append(f"{len(not_gss)} code(s) are not GSS codes: {_first(not_gss)}.")
    areas = _clean_geometries(areas, notes, display)
    if areas.empty:
        raise InputError(
            "no usable areas are left in the layer",
            file=display,
            fix="Check that the file holds polygons with area codes",
        )
    areas = _join_split_areas(areas, notes)
    lost_codes, left_out = _left_out(every_feature, areas["area_code"])
    lonlat = areas.geometry.to_numpy() if is_lonlat(areas.crs) else None
    if areas.crs.to_string() != STORAGE_CRS and not areas.crs.equals(STORAGE_CRS):
        notes.append(
            f"Reprojected from {areas.crs.to_string()} to British National Grid ({STORAGE_CRS})."
        )
        areas = reproject(areas, STORAGE_CRS)
    bounds = np.asarray(areas.total_bounds, dtype=float)
    if not np.all(np.isfinite(bounds)):
        raise InputError(
            "the areas could not be placed on a map of Great Britain (their coordinates do not "
            "fit the file's coordinate system)",
            file=display,
            expected="coordinates in British National Grid metres or longitude/latitude degrees",
            fix="Set the layer's coordinate system in QGIS (Layer > Set CRS) and export it again",
        )
    ignored = [c for c in columns if c not in used]
    if ignored:
        notes.append(f"Fields not used: {_first(ignored, 10)}.")
    ordered = [
        c for c in ("area_code", "area_name", "level", "msoa_code", "lad_code") if c in areas
    ]
    areas = areas[ordered + ["geometry"]].reset_index(drop=True)
    areas.attrs["vintage"] = vintage
    if lost_codes:  # for the join report: a table's rows for these have no area, and this is why
        areas.attrs["left_out_codes"] = lost_codes
    return BoundaryResult(areas=areas, notes=notes, code_field=code_col, name_field=name_col,
                          vintage=vintage, lonlat=lonlat, parent_names=parent_names,
                          left_out=left_out)  # fmt: skip
