"""A corpus of user files in the README's own formats, written to a folder.

Tests load these through the same paths a partnership uses (the Data page,
``workspace``, ``pack --data``), never through the demo's internal tables:

- ``boundaries.geojson``: LSOA polygons in latitude/longitude with ONS field
  names (``LSOA11CD, LSOA11NM, MSOA11CD, MSOA11NM, LAD19CD, LAD19NM``). The
  LSOA and district codes and all shapes are the shipped Cambridgeshire extract
  (ONS, Open Government Licence); the MSOA codes are made up in the E02 pattern
  (``E0299xxxx``) because the extract carries MSOA names only.
- ``tidy.csv``: the README's tidy layout, **no indicator_name**, unit written
  "per 1,000 adults", two periods ("2023/24", "2024/25"), "*" marks.
- ``wide.csv``: ``area_code`` plus one column per indicator and
  ``denominator``, with "*" marks.
- ``patterns.csv``: the overlap table by district (``area_code``), one 0/1
  column per service and ``count``.

Counts are synthetic (seeded), so the truth behind each file is known.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from meam_mapping.demo import build_demo

__all__ = ["UserFiles", "write_bare_boundaries", "write_user_files"]

DEMO_BOUNDARIES = Path(__file__).resolve().parents[1] / "data" / "cambridgeshire.gpkg"


class UserFiles:
    """Paths of the corpus and the raw tables behind them."""

    def __init__(self, folder: Path, tidy: pd.DataFrame, wide: pd.DataFrame, patterns: pd.DataFrame,
                 lsoa: gpd.GeoDataFrame) -> None:  # fmt: skip
        self.folder = folder
        self.boundaries = folder / "boundaries.geojson"
        self.tidy = folder / "tidy.csv"
        self.wide = folder / "wide.csv"
        self.patterns = folder / "patterns.csv"
        self.tidy_table = tidy
        self.wide_table = wide
        self.patterns_table = patterns
        self.lsoa = lsoa


def _boundaries(folder: Path) -> gpd.GeoDataFrame:
    lsoa = gpd.read_file(DEMO_BOUNDARIES, layer="lsoa")
    lad = gpd.read_file(DEMO_BOUNDARIES, layer="lad").set_index("area_code")["area_name"]
    msoa_names = sorted(lsoa["msoa_code"].unique())
    msoa_codes = {name: f"E0299{i:04d}" for i, name in enumerate(msoa_names)}
    out = gpd.GeoDataFrame(
        {
            "LSOA11CD": lsoa["area_code"],
            "LSOA11NM": lsoa["area_name"],
            "MSOA11CD": lsoa["msoa_code"].map(msoa_codes),
            "MSOA11NM": lsoa["msoa_code"],
            "LAD19CD": lsoa["lad_code"],
            "LAD19NM": lsoa["lad_code"].map(lad),
        },
        geometry=lsoa.geometry,
        crs=lsoa.crs,
    ).to_crs("EPSG:4326")
    out.to_file(folder / "boundaries.geojson", driver="GeoJSON")
    return out


def write_user_files(folder: Path, *, seed: int = 11) -> UserFiles:
    """Write the corpus into ``folder`` and return its paths and raw tables."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    lsoa = _boundaries(folder)
    codes = lsoa["LSOA11CD"].to_numpy()
    adults = rng.integers(900, 1900, size=len(codes))
    rows = []
    for period, scale in (("2023/24", 1.0), ("2024/25", 1.2)):
        for indicator, domain, rate in (
            ("homelessness_duty_owed", "homelessness", 6.0),
            ("probation_caseload", "justice", 4.0),
        ):
            counts = rng.poisson(rate * scale * adults / 1000)
            for code, count, base in zip(codes, counts, adults, strict=True):
                rows.append({"area_code": code, "indicator": indicator, "domain": domain,
                             "period": period, "count": int(count), "denominator": int(base),
                             "unit": "per 1,000 adults", "source": "Housing options team"})  # fmt: skip
    tidy = pd.DataFrame(rows)
    # Marks as services send them: some small counts already withheld at source.
    text = tidy.astype({"count": object})
    withheld = (tidy["count"].between(1, 2)) & (rng.random(len(tidy)) < 0.5)
    text.loc[withheld, "count"] = "*"
    text.to_csv(folder / "tidy.csv", index=False)

    wide = pd.DataFrame({
        "area_code": codes,
        "treatment_clients": rng.poisson(5 * adults / 1000).astype(object),
        "mental_health_contacts": rng.poisson(9 * adults / 1000).astype(object),
        "denominator": adults,
    })  # fmt: skip
    wide.loc[wide.index % 37 == 5, "treatment_clients"] = "*"
    wide.to_csv(folder / "wide.csv", index=False)

    demo = build_demo()
    lists = ["housing", "treatment", "mental_health", "probation"]
    patterns = demo.patterns.groupby(["area_code", *lists], as_index=False)["count"].sum()
    patterns.to_csv(folder / "patterns.csv", index=False)
    return UserFiles(folder, text, wide, patterns, lsoa)


def write_bare_boundaries(files: UserFiles, folder: Path | None = None) -> tuple[Path, Path]:
    """The corpus's LSOAs as ONS publishes them (own code and name only), and an ONS lookup.

    The lookup has the layout of ONS's 'Output Area to LSOA to MSOA to Local
    Authority District' file: one row per output area (three per LSOA
    here), a byte-order mark, a Welsh-name column left blank. Returns the
    paths of the boundaries and of the lookup.
    """
    folder = folder or files.folder
    bare = folder / "bare_lsoa.geojson"
    files.lsoa[["LSOA11CD", "LSOA11NM", "geometry"]].to_file(bare, driver="GeoJSON")
    rows = []
    for i, area in enumerate(files.lsoa.itertuples()):
        for k in range(3):
            rows.append({"OA11CD": f"E00{3 * i + k:06d}", "LSOA11CD": area.LSOA11CD,
                         "LSOA11NM": area.LSOA11NM, "MSOA11CD": area.MSOA11CD,
                         "MSOA11NM": area.MSOA11NM, "LAD11CD": area.LAD19CD,
                         "LAD11NM": area.LAD19NM, "LAD11NMW": ""})  # fmt: skip
    lookup = folder / "OA11_LSOA11_MSOA11_LAD11_EW_LUv2.csv"
    pd.DataFrame(rows).to_csv(lookup, index=False, encoding="utf-8-sig")
    return bare, lookup
