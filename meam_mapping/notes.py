"""Old home of notes on areas, kept so existing imports keep working.

The notes table moved to :mod:`meam_mapping.workspace.notes` and the map
drawing to :mod:`meam_mapping.maps.notes_layer`; import from there in new code.
"""

from __future__ import annotations

from meam_mapping.maps.notes_layer import add_notes_to_map, notes_layer
from meam_mapping.workspace.notes import (
    MAX_NOTE_LENGTH,
    NOTE_COLUMNS,
    AreaNote,
    add_note,
    empty_notes,
    export_notes,
    notes_frame,
    remove_note,
    validate_notes,
)

__all__ = [
    "MAX_NOTE_LENGTH",
    "NOTE_COLUMNS",
    "AreaNote",
    "add_note",
    "add_notes_to_map",
    "empty_notes",
    "export_notes",
    "notes_frame",
    "notes_layer",
    "remove_note",
    "validate_notes",
]
