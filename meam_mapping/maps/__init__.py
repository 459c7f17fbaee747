"""Maps: one spec and one classification shared by interactive (folium) and static (matplotlib) maps."""

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
