"""Names shared by every module: the data contracts in one place.

See ``DESIGN.md`` ("Data contracts"). Modules import these constants rather
than spelling column names themselves.
"""

from __future__ import annotations

from typing import Literal

__all__ = [
    "AREA_COLUMNS",
    "DOMAINS",
    "DOMAIN_LABELS",
    "INDICATOR_COLUMNS",
    "INDICATOR_NAME",
    "INCLUDES_SUPPRESSED",
    "LEVELS",
    "LEVEL_LABELS",
    "LEVEL_WORDS",
    "Domain",
    "Level",
    "STORAGE_CRS",
    "DISPLAY_CRS",
    "SYNTHETIC_LABEL",
]

#: CRS areas are stored in (British National Grid, metres) and drawn in.
STORAGE_CRS = "EPSG:27700"
DISPLAY_CRS = "EPSG:4326"

#: ``note`` of an area added up from smaller ones some of whose counts were
#: withheld by the source: its own count is not known.
INCLUDES_SUPPRESSED = "includes suppressed"

Level = Literal["lsoa", "msoa", "lad", "custom"]
#: Geography levels, finest first.
LEVELS: tuple[str, ...] = ("lsoa", "msoa", "lad", "custom")
LEVEL_LABELS = {
    "lsoa": "LSOA (neighbourhood, about 1,500 people)",
    "msoa": "MSOA (about 7,000 people)",
    "lad": "Local authority district",
    "custom": "Custom areas",
}
#: A level in a sentence ("each district", "2 LSOAs").
LEVEL_WORDS = {"lsoa": "LSOA", "msoa": "MSOA", "lad": "district", "custom": "custom area"}

#: Columns of the areas GeoDataFrame (``msoa_code``/``lad_code`` where known).
AREA_COLUMNS: tuple[str, ...] = (
    "area_code",
    "area_name",
    "level",
    "msoa_code",
    "lad_code",
    "geometry",
)

Domain = Literal["homelessness", "substance_misuse", "mental_health", "justice", "context"]
DOMAINS: tuple[str, ...] = (
    "homelessness",
    "substance_misuse",
    "mental_health",
    "justice",
    "context",
)
DOMAIN_LABELS = {
    "homelessness": "Homelessness",
    "substance_misuse": "Substance misuse",
    "mental_health": "Mental ill health",
    "justice": "Contact with criminal justice",
    "context": "Context (population, deprivation)",
}

#: Columns of the tidy indicator table, in order. ``suppressed`` is True where
#: the source withheld the count (``"*"``, ``"c"``, ``"x"``, ...): ``count`` is
#: then NaN and must be treated as unknown, never zero.
#:
#: ``unit`` holds the canonical unit code (``per_1000``, ``percent``,
#: ``proportion``, ``count``, ``score``...; see
#: :func:`meam_mapping.indicators.units.parse_unit`) and ``unit_label`` the
#: words shown to people ("per 1,000 adults"): computations read the code and
#: never parse free text in the middle of an analysis; maps, tables and reports
#: show the label. ``kind`` is one of ``count, rate, proportion, score, rank,
#: decile, quintile, category`` and ``polarity`` one of ``higher_is_worse,
#: lower_is_worse, neutral`` (:mod:`meam_mapping.indicators.kinds`).
#:
#: ``indicator_name`` is not in this tuple (many callers add it after these
#: columns) but is always present: the loaders and
#: :class:`~meam_mapping.dataset.Dataset` fill it with a readable form of the
#: id where a table has none (see :data:`INDICATOR_NAME`).
INDICATOR_COLUMNS: tuple[str, ...] = (
    "area_code",
    "indicator",
    "domain",
    "period",
    "count",
    "denominator",
    "value",
    "unit",
    "unit_label",
    "kind",
    "polarity",
    "source",
    "suppressed",
)
#: The readable name of an indicator, always filled (never blank or "nan").
INDICATOR_NAME = "indicator_name"

#: Label carried by every map and export drawn from the demo.
SYNTHETIC_LABEL = "Synthetic demonstration data: not real people"
