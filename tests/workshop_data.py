"""Small synthetic datasets for the workspace, scenario and notes tests.

A grid of square LSOA-like areas grouped into MSOA-like blocks and two
districts, four service-domain indicators with seeded counts, and a
three-list overlap table. Built in memory; nothing is read from disk.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Polygon, box

from meam_mapping.dataset import Dataset

DOMAIN_INDICATORS = {
    "homelessness": "homelessness_duty_owed",
    "substance_misuse": "drug_alcohol_treatment",
    "mental_health": "secondary_mental_health",
    "justice": "probation_caseload",
}


def _square(x0: float, y0: float, size: float, vertices: int) -> Polygon:
    if vertices <= 4:
        return box(x0, y0, x0 + size, y0 + size)
    # A square with extra points along its edges (bigger files, same shape).
    t = np.linspace(0, 1, vertices // 4, endpoint=False)
    ring = np.concatenate(
        [
            np.c_[x0 + t * size, np.full_like(t, y0)],
            np.c_[np.full_like(t, x0 + size), y0 + t * size],
            np.c_[x0 + size - t * size, np.full_like(t, y0 + size)],
            np.c_[np.full_like(t, x0), y0 + size - t * size],
        ]
    )
    return Polygon(ring)


def grid_dataset(
    n: int = 6, *, seed: int = 0, vertices: int = 4, periods: int = 1, name: str = "Grid test"
) -> Dataset:
    """An ``n`` x ``n`` grid of areas with indicators and an overlap table."""
    rng = np.random.default_rng(seed)
    size = 1000.0
    rows = []
    for i in range(n):
        for j in range(n):
            rows.append(
                {
                    "area_code": f"E0100{i * n + j:04d}",
                    "area_name": f"Area {i}-{j}",
                    "level": "lsoa",
                    "msoa_code": f"E0200{(i // 2) * n + j // 2:04d}",
                    "lad_code": "E07000008" if j < n // 2 else "E07000009",
                    "geometry": _square(550000 + j * size, 260000 + i * size, size, vertices),
                }
            )
    lsoa = gpd.GeoDataFrame(rows, crs="EPSG:27700")
    msoa = lsoa.dissolve("msoa_code", as_index=False, aggfunc="first")[
        ["msoa_code", "lad_code", "geometry"]
    ]
    msoa = gpd.GeoDataFrame(
        {
            "area_code": msoa["msoa_code"],
            "area_name": "Block " + msoa["msoa_code"].str[-4:],
            "level": "msoa",
            "msoa_code": msoa["msoa_code"],
            "lad_code": msoa["lad_code"],
        },
        geometry=msoa.geometry.to_numpy(),
        crs="EPSG:27700",
    )
    lad = lsoa.dissolve("lad_code", as_index=False)[["lad_code", "geometry"]]
    lad = gpd.GeoDataFrame(
        {
            "area_code": lad["lad_code"],
            "area_name": ["Cambridge", "East Cambridgeshire"],
            "level": "lad",
            "msoa_code": pd.Series([None, None], dtype="str"),
            "lad_code": lad["lad_code"],
        },
        geometry=lad.geometry.to_numpy(),
        crs="EPSG:27700",
    )
    frames = []
    for p in range(periods):
        for domain, indicator in DOMAIN_INDICATORS.items():
            denominator = rng.integers(800, 2000, len(lsoa)).astype(float)
            count = rng.integers(3, 60, len(lsoa)).astype(float)
            frames.append(
                pd.DataFrame(
                    {
                        "area_code": lsoa["area_code"].to_numpy(),
                        "indicator": indicator,
                        "domain": domain,
                        "period": str(2022 + p),
                        "count": count,
                        "denominator": denominator,
                        "value": 1000 * count / denominator,
                        "unit": "per 1,000 adults",
                        "source": "synthetic test data",
                        "suppressed": False,
                    }
                )
            )
    indicators = pd.concat(frames, ignore_index=True)
    patterns = pd.DataFrame(
        [(a, b, c) for a in (0, 1) for b in (0, 1) for c in (0, 1) if a + b + c],
        columns=["housing", "treatment", "probation"],
    )
    patterns["count"] = rng.integers(5, 60, len(patterns))
    return Dataset(
        areas={"lsoa": lsoa, "msoa": msoa, "lad": lad},
        indicators=indicators,
        patterns=patterns,
        name=name,
        label="Synthetic test data",
        sources=[{"table": "indicators", "source": "tests", "licence": "none", "date": "2024"}],
        notes=["built by tests/workshop_data.py"],
    )
