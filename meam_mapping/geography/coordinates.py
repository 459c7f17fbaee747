"""Coordinates that do not fit their declared or assumed coordinate system.

Boundary files reach MEAM Mapping with coordinate systems that are missing or
wrong in a few typical ways, each of which used to give a blank or misplaced
map without a word:

* British National Grid metres in a GeoJSON without a ``crs`` member (GDAL
  then reads them as longitude/latitude, giving infinite coordinates);
* latitude and longitude swapped (drawn at 52°E 0°N);
* a file that says EPSG:27700 but holds longitude/latitude degrees (specks
  a few metres from the grid's origin, off the Isles of Scilly).

:func:`settle_crs` recognises each from the layer's bounding box against Great
Britain, fixes it where the fix is certain (and says so in the notes), and
refuses with the fix named where it is not.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from meam_mapping.errors import InputError

__all__ = ["GB_DEGREES", "GB_METRES", "is_lonlat", "settle_crs"]

#: Great Britain and its islands in longitude/latitude: (min lon, min lat, max lon, max lat).
GB_DEGREES = (-11.0, 49.0, 3.0, 62.0)
#: Great Britain in British National Grid metres: (min x, min y, max x, max y).
GB_METRES = (0.0, 0.0, 700_000.0, 1_300_000.0)
_BNG = "EPSG:27700"
_WGS84 = "EPSG:4326"
_SET_CRS_FIX = (
    "Set the layer's coordinate system in QGIS (Layer > Set CRS), export it again, "
    "and for a shapefile include its .prj file"
)


def is_lonlat(crs: object) -> bool:
    """Whether ``crs`` is WGS 84 longitude/latitude (EPSG:4326 or OGC:CRS84), x = longitude.

    Parameters
    ----------
    crs : pyproj.CRS or None
        A layer's coordinate reference system (geopandas keeps x = longitude
        for either axis order).

    Returns
    -------
    bool

    Examples
    --------
    >>> from pyproj import CRS
    >>> is_lonlat(CRS("EPSG:4326")), is_lonlat(CRS("OGC:CRS84")), is_lonlat(CRS("EPSG:27700"))
    (True, True, False)
    >>> is_lonlat(None)
    False
    """
    if crs is None:
        return False
    from pyproj import CRS

    return CRS.from_user_input(crs).equals(CRS.from_user_input(_WGS84), ignore_axis_order=True)


def _inside(bounds: np.ndarray, box: tuple[float, float, float, float]) -> bool:
    minx, miny, maxx, maxy = bounds
    return box[0] <= minx and maxx <= box[2] and box[1] <= miny and maxy <= box[3]


def _degrees(b: np.ndarray) -> bool:
    return _inside(b, GB_DEGREES)


def _swapped(b: np.ndarray) -> bool:
    return _inside(b[[1, 0, 3, 2]], GB_DEGREES)


def _metres(b: np.ndarray) -> bool:
    return _inside(b, GB_METRES) and (b[2] > 180 or b[3] > 90)


def _english_or_welsh(codes: pd.Series) -> bool:
    """True when most codes are English or Welsh GSS codes (start with E or W)."""
    text = codes.dropna().astype(str)
    return bool(len(text)) and bool(text.str.match(r"^[EW]\d{8}$").mean() >= 0.5)


def _swap_axes(areas):  # noqa: ANN001, ANN202 - GeoDataFrame in, GeoDataFrame out
    swapped = shapely.transform(areas.geometry.to_numpy(), lambda xy: xy[:, ::-1])
    out = areas.copy()
    out["geometry"] = swapped
    return out.set_geometry("geometry", crs=areas.crs)


def _where(b: np.ndarray) -> str:
    return f"x {b[0]:,.6g} to {b[2]:,.6g}, y {b[1]:,.6g} to {b[3]:,.6g}"


def settle_crs(
    areas,  # noqa: ANN001 - GeoDataFrame with area_code and geometry
    *,
    file: str,
    assume_crs: str | int | None = None,
):  # noqa: ANN201 - GeoDataFrame
    """Give ``areas`` the coordinate system its coordinates are really in.

    Parameters
    ----------
    areas : geopandas.GeoDataFrame
        ``area_code`` and ``geometry`` as read from the file (CRS as declared).
    file : str
        File name for messages.
    assume_crs : str or int, optional
        Coordinate system to use when the file declares none.

    Returns
    -------
    (areas, notes)
        The areas with a CRS that fits their coordinates (not reprojected),
        and sentences saying what was assumed or fixed.

    Raises
    ------
    InputError
        When the file has no coordinate system and none can be assumed with
        confidence, or when its coordinates fit neither degrees nor metres in
        Great Britain under the declared system.
    """
    notes: list[str] = []
    bounds = np.asarray(areas.total_bounds, dtype=float)
    if not np.all(np.isfinite(bounds)):
        return areas, notes  # no shapes: the caller reports it
    english = _english_or_welsh(areas["area_code"])
    crs = areas.crs
    if crs is None and assume_crs is not None:
        notes.append(f"The file had no coordinate system; assumed {assume_crs}.")
        areas, crs = areas.set_crs(assume_crs), areas.set_crs(assume_crs).crs
    if crs is None:
        if _metres(bounds) and english:
            notes.append(
                "The file had no coordinate system. Its coordinates are metres within Great "
                "Britain and its area codes are English or Welsh (start with E or W), so British "
                "National Grid (EPSG:27700) was assumed."
            )
            return areas.set_crs(_BNG), notes
        if _degrees(bounds):
            notes.append(
                "The file had no coordinate system; its coordinates are longitude/latitude "
                "degrees in Great Britain, so EPSG:4326 was assumed."
            )
            return areas.set_crs(_WGS84), notes
        if _swapped(bounds):
            notes.append(
                "The file had no coordinate system and its coordinates are latitude/longitude "
                "in the wrong order; they were swapped back and read as EPSG:4326."
            )
            return _swap_axes(areas.set_crs(_WGS84)), notes
        hint = " (they look like British National Grid metres)" if _metres(bounds) else ""
        raise InputError(
            f"the layer has no coordinate reference system{hint}",
            file=file,
            expected="a layer whose coordinate system is set (EPSG:27700 or EPSG:4326)",
            fix=_SET_CRS_FIX,
        )
    if crs.is_geographic:
        if _degrees(bounds):
            return areas, notes
        if _swapped(bounds):
            notes.append(
                "Latitude and longitude were in the wrong order in the file (the areas would "
                "have been drawn near 52°E 0°N); they were swapped back."
            )
            return _swap_axes(areas), notes
        if _metres(bounds):
            if english:
                notes.append(
                    f"The file says longitude/latitude ({crs.to_string()}) but its coordinates "
                    f"are metres ({_where(bounds)}), as in a GeoJSON without a 'crs' member; the "
                    "area codes are English or Welsh, so British National Grid (EPSG:27700) was "
                    "assumed."
                )
                return areas.set_crs(_BNG, allow_override=True), notes
            raise InputError(
                f"the file says longitude/latitude ({crs.to_string()}) but its coordinates are "
                f"metres ({_where(bounds)})",
                file=file,
                expected="coordinates that match the declared coordinate system",
                fix=_SET_CRS_FIX,
            )
        if bounds[0] < -180 or bounds[2] > 180 or bounds[1] < -90 or bounds[3] > 90:
            raise InputError(
                f"the file says longitude/latitude ({crs.to_string()}) but its coordinates "
                f"({_where(bounds)}) are not degrees",
                file=file,
                expected="coordinates that match the declared coordinate system",
                fix=_SET_CRS_FIX,
            )
        return areas, notes
    if crs.to_epsg() == 27700 and (_degrees(bounds) or _swapped(bounds)):
        fixed = areas.set_crs(_WGS84, allow_override=True)
        swapped = not _degrees(bounds)
        notes.append(
            "The file says British National Grid (EPSG:27700) but its coordinates are "
            f"{'latitude/longitude' if swapped else 'longitude/latitude'} degrees "
            f"({_where(bounds)}); they were read as EPSG:4326"
            + (" with the axes swapped back." if swapped else ".")
        )
        return (_swap_axes(fixed) if swapped else fixed), notes
    return areas, notes
