"""Maps: one spec and one classification shared by interactive (folium) and static (matplotlib) maps."""

from __future__ import annotations

from typing import TYPE_CHECKING

from meam_mapping._lazy import attach

if TYPE_CHECKING:
    from meam_mapping.maps.classify import SCHEMES, Classification, classify
    from meam_mapping.maps.interactive import choropleth, save_standalone_html
    from meam_mapping.maps.spec import PRESETS, MapLayer, MapSpec
    from meam_mapping.maps.static import save_figure, static_map
    from meam_mapping.maps.style import PALETTES, MapData, prepare_map_data

__all__ = [
    "PALETTES",
    "PRESETS",
    "SCHEMES",
    "Classification",
    "MapData",
    "MapLayer",
    "MapSpec",
    "choropleth",
    "classify",
    "prepare_map_data",
    "save_figure",
    "save_standalone_html",
    "static_map",
]

# Imported on first use (PEP 562), so a command pays only for what it uses.
attach(
    __name__,
    {
        "classify": ["SCHEMES", "Classification", "classify"],
        "interactive": ["choropleth", "save_standalone_html"],
        "spec": ["PRESETS", "MapLayer", "MapSpec"],
        "static": ["save_figure", "static_map"],
        "style": ["PALETTES", "MapData", "prepare_map_data"],
    },
)
