"""One grid of square test areas for every test that needs synthetic geometry."""

from __future__ import annotations

import geopandas as gpd
from shapely.geometry import box

__all__ = ["grid_areas"]


def grid_areas(
    nx: int, ny: int, *, size: float = 100.0, x0: float = 0.0, y0: float = 0.0, prefix: str = "G",
    names: bool = False,
) -> gpd.GeoDataFrame:  # fmt: skip
    """Square cells in British National Grid, numbered row by row from the bottom left.

    Codes are ``<prefix>000``, ``<prefix>001``, ...; ``names`` adds ``area_name``
    ("Cell 0", ...).
    """
    cells = [
        box(x0 + i * size, y0 + j * size, x0 + (i + 1) * size, y0 + (j + 1) * size)
        for j in range(ny)
        for i in range(nx)
    ]
    data = {"area_code": [f"{prefix}{k:03d}" for k in range(nx * ny)]}
    if names:
        data["area_name"] = [f"Cell {k}" for k in range(nx * ny)]
    return gpd.GeoDataFrame(data, geometry=cells, crs="EPSG:27700")
