"""Small synthetic fixtures for the map tests: a 6 x 6 grid of square areas."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from meam_mapping.disclosure import DisclosurePolicy, suppress_indicators


def make_grid(n: int = 6, size: float = 1000.0) -> gpd.GeoDataFrame:
    rows = []
    for i in range(n):
        for j in range(n):
            x0, y0 = 550000 + j * size, 260000 + i * size
            rows.append(
                {
                    "area_code": f"E0100{i * n + j:04d}",
                    "area_name": f"Area {i}-{j}",
                    "lad_code": "E07000008" if j < n // 2 else "E07000009",
                    "geometry": box(x0, y0, x0 + size, y0 + size),
                }
            )
    return gpd.GeoDataFrame(rows, crs="EPSG:27700")


def make_table(areas: gpd.GeoDataFrame, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = len(areas)
    denominator = rng.integers(800, 2000, n)
    count = rng.integers(10, 60, n)
    count[:3] = [1, 2, 3]  # small counts: suppressed by the policy
    return pd.DataFrame(
        {
            "area_code": areas["area_code"].to_numpy(),
            "indicator": "homelessness_duty_owed",
            "domain": "homelessness",
            "period": "2024",
            "count": count,
            "denominator": denominator,
            "value": count / denominator * 1000,
            "unit": "per 1,000 adults",
            "source": "test",
            "suppressed": False,
        }
    )


@pytest.fixture
def areas() -> gpd.GeoDataFrame:
    return make_grid()


@pytest.fixture
def raw_table(areas) -> pd.DataFrame:
    return make_table(areas)


@pytest.fixture
def table(raw_table) -> pd.DataFrame:
    """Suppressed slice; the last area is dropped so it shows as missing."""
    out = suppress_indicators(raw_table, DisclosurePolicy(threshold=5))
    return out.iloc[:-1]


@pytest.fixture
def districts(areas) -> gpd.GeoDataFrame:
    out = areas.dissolve("lad_code").reset_index()[["lad_code", "geometry"]]
    out = out.rename(columns={"lad_code": "area_code"})
    out["area_name"] = ["Cambridge", "East Cambridgeshire"]
    return out
