"""Concentration: composite index, typologies, spatial weights, hot spots and focus zones."""

from __future__ import annotations

from typing import TYPE_CHECKING

from meam_mapping._lazy import attach

if TYPE_CHECKING:
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

# Imported on first use (PEP 562), so a command pays only for what it uses.
attach(
    __name__,
    {
        "hotspots": ["GlobalMoran", "Hotspots", "find_hotspots"],
        "index": ["CompositeIndex", "composite_index", "domain_rates"],
        "typology": ["Typology", "typologies"],
        "weights": ["SpatialWeights", "build_weights"],
        "zones": ["FocusZoneResult", "FocusZones", "find_focus_zones"],
    },
)
