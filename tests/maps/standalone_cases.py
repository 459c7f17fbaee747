"""Standalone-HTML cases whose pages are kept as reference files (``tests/maps/data``).

``python -m tests.maps.standalone_cases`` writes the reference pages again
(after a deliberate change to what the exported map looks like).
"""

from __future__ import annotations

import re
from pathlib import Path

from meam_mapping.disclosure import DisclosurePolicy, suppress_indicators
from meam_mapping.maps.spec import MapLayer, MapSpec

DATA = Path(__file__).parent / "data"
_ID = re.compile(r"[0-9a-f]{32}")


def normalise(page: str) -> str:
    """The page with folium's random ids numbered in order of first appearance."""
    seen: dict[str, str] = {}
    return _ID.sub(lambda m: seen.setdefault(m.group(), f"id{len(seen):03d}"), page)


def cases():
    """(name, areas, layer, spec, outlines, extra_layers) for each reference page."""
    from tests.maps.conftest import make_grid, make_table

    areas = make_grid()
    table = suppress_indicators(make_table(areas), DisclosurePolicy(threshold=5)).iloc[:-1]
    districts = areas.dissolve("lad_code").reset_index()[["lad_code", "geometry"]]
    districts = districts.rename(columns={"lad_code": "area_code"})
    districts["area_name"] = ["Cambridge", "East Cambridgeshire"]
    hotspots = areas.iloc[10:14].copy()
    hotspots["category"] = ["hot spot (99%)", "hot spot (99%)", "cold spot", "cold spot"]
    layer = MapLayer(table, title="Homelessness <duty> owed", unit="per 1,000 adults",
                     source="Synthetic", label="Synthetic demonstration data",
                     attribution="Contains OS data © Crown copyright")  # fmt: skip
    return [
        ("plain", areas, layer, MapSpec(), None, None),
        ("full", areas, layer, MapSpec(tiles=True), districts, {"Hot spots": hotspots}),
        ("canvas", areas, layer, MapSpec(prefer_canvas=True, k=3), districts, None),
    ]


def page(case) -> str:
    """The normalised page of one case (as saved, before Leaflet is inlined)."""
    from meam_mapping.maps.interactive import choropleth

    _, areas, layer, spec, outlines, extra = case
    fmap = choropleth(areas, layer, spec, outlines=outlines, extra_layers=extra)
    return normalise(fmap.get_root().render())


if __name__ == "__main__":
    DATA.mkdir(exist_ok=True)
    for case in cases():
        (DATA / f"standalone_{case[0]}.html").write_text(page(case), encoding="utf-8")
