"""Optional online sources (Fingertips, ONS), national statistics tables, and the download cache."""

from __future__ import annotations

from typing import TYPE_CHECKING

from meam_mapping._lazy import attach

if TYPE_CHECKING:
    from meam_mapping.sources.cache import SourceCache, SourceError
    from meam_mapping.sources.fingertips import (
        STARTER_INDICATORS,
        fetch_indicator,
        resolve_starter_indicators,
    )
    from meam_mapping.sources.http import SourceClient
    from meam_mapping.sources.ons import fetch_boundaries, fetch_lookup
    from meam_mapping.sources.tables import available_layouts, import_table

__all__ = [
    "STARTER_INDICATORS",
    "SourceCache",
    "SourceClient",
    "SourceError",
    "available_layouts",
    "fetch_boundaries",
    "fetch_indicator",
    "fetch_lookup",
    "import_table",
    "resolve_starter_indicators",
]

# Imported on first use (PEP 562), so a command pays only for what it uses.
attach(
    __name__,
    {
        "cache": ["SourceCache", "SourceError"],
        "fingertips": ["STARTER_INDICATORS", "fetch_indicator", "resolve_starter_indicators"],
        "http": ["SourceClient"],
        "ons": ["fetch_boundaries", "fetch_lookup"],
        "tables": ["available_layouts", "import_table"],
    },
)
