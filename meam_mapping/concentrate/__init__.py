"""Concentration: composite index, typologies, spatial weights, hot spots and focus zones."""

from meam_mapping.concentrate.hotspots import GlobalMoran, Hotspots, find_hotspots
from meam_mapping.concentrate.index import CompositeIndex, composite_index, domain_rates
from meam_mapping.concentrate.typology import Typology, typologies
from meam_mapping.concentrate.weights import SpatialWeights, build_weights
from meam_mapping.concentrate.zones import FocusZoneResult, FocusZones, find_focus_zones

__all__ = [
    "CompositeIndex",
    "FocusZoneResult",
    "FocusZones",
    "GlobalMoran",
    "Hotspots",
    "SpatialWeights",
    "Typology",
    "build_weights",
    "composite_index",
    "domain_rates",
    "find_focus_zones",
    "find_hotspots",
    "typologies",
]
