"""Notes on areas: the local knowledge a workshop adds to the map.

A note ties a short text ("new hostel opened here in 2024") to one area. Notes
are kept as a small table (:data:`NOTE_COLUMNS`), saved with the workspace,
drawn on interactive maps as labelled markers
(:mod:`meam_mapping.maps.notes_layer`) and optionally listed in exports.
Note text is typed by people, so it is treated as untrusted: it is
HTML-escaped every time it is rendered (tooltips, popups, tables written as
HTML) and never interpreted as markup.

Notes can hold local knowledge about people; the app reminds users not to
write names or anything that identifies a person.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd

from meam_mapping.errors import InputError

__all__ = [
    "MAX_NOTE_LENGTH",
    "NOTE_COLUMNS",
    "AreaNote",
    "add_note",
    "empty_notes",
    "export_notes",
    "notes_frame",
    "remove_note",
    "validate_notes",
]

#: Columns of the notes table, in order.
NOTE_COLUMNS: tuple[str, ...] = ("note_id", "area_code", "text", "author", "created")
#: Longest note accepted, in characters.
MAX_NOTE_LENGTH = 2000
_TABLE = "area notes"


@dataclass(frozen=True)
class AreaNote:
    """One note on one area.

    Parameters
    ----------
    area_code : str
        The area the note is about.
    text : str
        The note, as typed (escaped whenever it is shown).
    author : str
        Who wrote it (optional; "" when not given).
    created : str
        ISO 8601 time the note was made (UTC).
    note_id : int
        Number of the note within its table (0 until added).
    """

    area_code: str
    text: str
    author: str = ""
    created: str = ""
    note_id: int = 0

    def __post_init__(self) -> None:
        code = str(self.area_code).strip()
        text = str(self.text).strip()
        if not code:
            raise InputError("a note needs an area", column="area_code", fix="Choose an area")
        if not text:
            raise InputError("the note is empty", column="text", fix="Type the note first")
        if len(text) > MAX_NOTE_LENGTH:
            raise InputError(
                f"the note is {len(text):,} characters long",
                column="text",
                expected=f"at most {MAX_NOTE_LENGTH:,} characters",
                fix="Shorten it or split it into two notes",
            )
        object.__setattr__(self, "area_code", code)
        object.__setattr__(self, "text", text)
        object.__setattr__(self, "author", str(self.author or "").strip()[:200])
        if not self.created:
            stamp = datetime.now(UTC).isoformat(timespec="seconds")
            object.__setattr__(self, "created", stamp)


def empty_notes() -> pd.DataFrame:
    """An empty notes table with the right columns and types."""
    return notes_frame([])


def notes_frame(notes: Iterable[AreaNote]) -> pd.DataFrame:
    """A notes table from :class:`AreaNote` objects (numbered 1, 2, ... if unnumbered)."""
    rows = list(notes)
    ids = [n.note_id or i + 1 for i, n in enumerate(rows)]
    return pd.DataFrame(
        {
            "note_id": pd.Series(ids, dtype="int64"),
            "area_code": pd.Series([n.area_code for n in rows], dtype="str"),
            "text": pd.Series([n.text for n in rows], dtype="str"),
            "author": pd.Series([n.author for n in rows], dtype="str"),
            "created": pd.Series([n.created for n in rows], dtype="str"),
        }
    )


def validate_notes(frame: pd.DataFrame | None, *, file: str = _TABLE) -> pd.DataFrame:
    """Check a notes table (e.g. read from a workspace) and return it in standard form.

    Raises
    ------
    InputError
        If a column is missing or a note is empty or too long.
    """
    if frame is None:
        return empty_notes()
    missing = [c for c in NOTE_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(
            "the notes table has no column " + ", ".join(missing),
            file=file,
            column=missing,
            expected="columns " + ", ".join(NOTE_COLUMNS),
        )
    notes = []
    for i, row in enumerate(frame.itertuples(index=False), start=2):
        try:
            notes.append(
                AreaNote(
                    area_code=row.area_code,
                    text="" if pd.isna(row.text) else row.text,
                    author="" if pd.isna(row.author) else row.author,
                    created="" if pd.isna(row.created) else str(row.created),
                    note_id=int(row.note_id),
                )
            )
        except (InputError, TypeError, ValueError) as err:
            problem = err.problem if isinstance(err, InputError) else str(err)
            raise InputError(problem, file=file, row=i) from err
    return notes_frame(notes)


def add_note(
    notes: pd.DataFrame | None, note: AreaNote, *, areas: pd.DataFrame | None = None
) -> pd.DataFrame:
    """A new notes table with ``note`` added (the input is not changed).

    Parameters
    ----------
    notes : DataFrame or None
        Current notes.
    note : AreaNote
        The note to add; it gets the next free ``note_id``.
    areas : DataFrame, optional
        Areas with ``area_code``; when given, the note's area must be one of them.

    Raises
    ------
    InputError
        If the area is not among ``areas``.
    """
    current = validate_notes(notes)
    if areas is not None and note.area_code not in set(areas["area_code"].astype(str)):
        raise InputError(
            f"there is no area {note.area_code!r} at this level",
            column="area_code",
            expected="an area code from the map, e.g. "
            + ", ".join(areas["area_code"].astype(str).head(3)),
        )
    next_id = int(current["note_id"].max()) + 1 if len(current) else 1
    added = notes_frame(
        [
            AreaNote(note.area_code, note.text, note.author, note.created, next_id),
        ]
    )
    return pd.concat([current, added], ignore_index=True) if len(current) else added


def remove_note(notes: pd.DataFrame, note_id: int) -> pd.DataFrame:
    """A new notes table without note ``note_id`` (unchanged when there is none)."""
    current = validate_notes(notes)
    return current.loc[current["note_id"] != int(note_id)].reset_index(drop=True)


def export_notes(notes: pd.DataFrame | None, areas: pd.DataFrame | None = None) -> pd.DataFrame:
    """Notes as a readable table for exports: ``Area, Code, Note, Author, Date``.

    Text is left as typed (spreadsheet cells are not HTML); writers of HTML
    must escape it.
    """
    current = validate_notes(notes)
    names = (
        areas.set_index(areas["area_code"].astype(str))["area_name"]
        if areas is not None and "area_name" in areas
        else pd.Series(dtype=str)
    )
    return pd.DataFrame(
        {
            "Area": current["area_code"].map(names).fillna(current["area_code"]).to_numpy(),
            "Code": current["area_code"].to_numpy(),
            "Note": current["text"].to_numpy(),
            "Author": current["author"].to_numpy(),
            "Date": current["created"].str.slice(0, 10).to_numpy(),
        }
    )
