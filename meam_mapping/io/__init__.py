"""Readers for indicator and overlap tables (CSV, XLSX, Fingertips exports)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from meam_mapping._lazy import attach

if TYPE_CHECKING:
    from meam_mapping.io.indicators import load_indicator_file, to_indicator_table
    from meam_mapping.io.loaded import LoadResult
    from meam_mapping.io.patterns import read_patterns
    from meam_mapping.io.read import read_table
    from meam_mapping.io.validate import INDICATOR_SCHEMA, validate_indicator_table
    from meam_mapping.io.values import UNITS

__all__ = [
    "INDICATOR_SCHEMA",
    "UNITS",
    "LoadResult",
    "load_indicator_file",
    "read_patterns",
    "read_table",
    "to_indicator_table",
    "validate_indicator_table",
]

# Imported on first use (PEP 562), so a command pays only for what it uses.
attach(
    __name__,
    {
        "indicators": ["load_indicator_file", "to_indicator_table"],
        "loaded": ["LoadResult"],
        "patterns": ["read_patterns"],
        "read": ["read_table"],
        "validate": ["INDICATOR_SCHEMA", "validate_indicator_table"],
        "values": ["UNITS"],
    },
)
