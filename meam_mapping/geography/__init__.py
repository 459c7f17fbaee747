"""Geography: area codes and vintages, boundaries, joining and aggregation."""

from __future__ import annotations

from typing import TYPE_CHECKING

from meam_mapping._lazy import attach

if TYPE_CHECKING:
    from meam_mapping.geography.aggregate import (
        AggregationResult,
        aggregate_indicators,
        assign_to_parents,
        dissolve_areas,
    )
    from meam_mapping.geography.boundaries import BoundaryResult, read_boundaries
    from meam_mapping.geography.codes import (
        describe_codes,
        detect_level,
        detect_vintage,
        retired_districts,
        validate_codes,
    )
    from meam_mapping.geography.join import JoinReport, JoinResult, join_indicators
    from meam_mapping.geography.ordinal_summaries import (
        OrdinalOffer,
        offer_for_ordinal,
        summarise_ordinal,
        with_ordinal_summaries,
    )
    from meam_mapping.geography.vintage_bridge import (
        BridgeOffer,
        OnsLookup,
        bridge_offer,
        bridge_table,
        ons_lookup,
    )

__all__ = [
    "AggregationResult",
    "BoundaryResult",
    "BridgeOffer",
    "JoinReport",
    "JoinResult",
    "OnsLookup",
    "OrdinalOffer",
    "aggregate_indicators",
    "assign_to_parents",
    "bridge_offer",
    "bridge_table",
    "describe_codes",
    "detect_level",
    "detect_vintage",
    "dissolve_areas",
    "join_indicators",
    "offer_for_ordinal",
    "ons_lookup",
    "read_boundaries",
    "retired_districts",
    "summarise_ordinal",
    "validate_codes",
    "with_ordinal_summaries",
]

# Imported on first use (PEP 562), so a command pays only for what it uses.
attach(
    __name__,
    {
        "aggregate": [
            "AggregationResult",
            "aggregate_indicators",
            "assign_to_parents",
            "dissolve_areas",
        ],
        "boundaries": ["BoundaryResult", "read_boundaries"],
        "codes": [
            "describe_codes",
            "detect_level",
            "detect_vintage",
            "retired_districts",
            "validate_codes",
        ],
        "join": ["JoinReport", "JoinResult", "join_indicators"],
        "ordinal_summaries": [
            "OrdinalOffer",
            "offer_for_ordinal",
            "summarise_ordinal",
            "with_ordinal_summaries",
        ],
        "vintage_bridge": [
            "BridgeOffer",
            "OnsLookup",
            "bridge_offer",
            "bridge_table",
            "ons_lookup",
        ],
    },
)
