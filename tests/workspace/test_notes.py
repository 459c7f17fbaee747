"""Notes on areas: validation, the notes table, and escaping on maps."""

from __future__ import annotations

import re

import pytest
from workshop_data import grid_dataset

from meam_mapping.errors import InputError
from meam_mapping.maps.notes_layer import add_notes_to_map, notes_layer
from meam_mapping.workspace.notes import (
    MAX_NOTE_LENGTH,
    NOTE_COLUMNS,
    AreaNote,
    add_note,
    empty_notes,
    export_notes,
    remove_note,
    validate_notes,
)

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
TEMPLATE = "`${alert(2)}`"


@pytest.fixture(scope="module")
def areas():
    return grid_dataset(4, seed=2).areas["lsoa"]


def test_a_note_is_trimmed_and_stamped():
    note = AreaNote("  E01000001 ", "  New hostel opened here in 2024  ", author=" Sam ")
    assert (note.area_code, note.text, note.author) == (
        "E01000001",
        "New hostel opened here in 2024",
        "Sam",
    )
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", note.created)


@pytest.mark.parametrize(
    ("area", "text", "message"),
    [
        ("", "text", "needs an area"),
        ("E01000001", "   ", "empty"),
        ("E01000001", "x" * (MAX_NOTE_LENGTH + 1), "at most 2,000 characters"),
    ],
)
def test_bad_notes_are_explained(area, text, message):
    with pytest.raises(InputError, match=message):
        AreaNote(area, text)


def test_add_and_remove_notes_never_change_the_input(areas):
    notes = add_note(None, AreaNote("E01000001", "first"), areas=areas)
    more = add_note(notes, AreaNote("E01000002", "second"), areas=areas)
    assert list(more.columns) == list(NOTE_COLUMNS)
    assert more["note_id"].tolist() == [1, 2] and len(notes) == 1
    fewer = remove_note(more, 1)
    assert fewer["text"].tolist() == ["second"] and len(more) == 2
    # Numbers are not reused after a removal.
    assert add_note(fewer, AreaNote("E01000003", "third"))["note_id"].tolist() == [2, 3]


def test_a_note_on_an_unknown_area_is_refused(areas):
    with pytest.raises(InputError, match="there is no area 'E09999999'"):
        add_note(empty_notes(), AreaNote("E09999999", "where?"), areas=areas)


def test_a_notes_table_missing_a_column_is_explained():
    with pytest.raises(InputError, match="no column author"):
        validate_notes(empty_notes().drop(columns="author"), file="w.gpkg")


def test_notes_layer_places_points_inside_their_areas(areas):
    notes = add_note(None, AreaNote("E01000005", "one"))
    notes = add_note(notes, AreaNote("E01000005", "two"))
    notes = add_note(notes, AreaNote("E01999999", "not on this map"))
    layer = notes_layer(notes, areas)
    assert layer["note_id"].tolist() == [1, 2]  # the note elsewhere is left out
    polygon = areas.set_index("area_code").geometry["E01000005"]
    assert layer.geometry.within(polygon).all()
    assert layer.geometry.iloc[0] != layer.geometry.iloc[1]  # both can be hovered
    assert layer.crs == areas.crs


@pytest.mark.parametrize("payload", [SCRIPT, IMG, TEMPLATE])
def test_hostile_notes_are_escaped_in_the_map_html(areas, payload):
    import folium

    hostile_areas = areas.assign(area_name=areas["area_name"].where(areas.index != 0, payload))
    notes = add_note(None, AreaNote(str(areas["area_code"].iloc[0]), payload, author=payload))
    fmap = folium.Map(tiles=None)
    add_notes_to_map(fmap, notes_layer(notes, hostile_areas))
    page = fmap.get_root().render()
    decoded = page.replace("\\u003c", "<").replace("\\u003e", ">").replace("\\u0026", "&")
    assert "<script>alert" not in decoded and "<img src=x" not in decoded
    # Text goes into JSON strings only, never into a JavaScript template literal.
    assert "bindTooltip(`" not in re.sub(r"\s", "", page)
    tip = notes_layer(notes, hostile_areas)["tip"].iloc[0]
    assert "<script" not in tip and "<img" not in tip
    assert payload.replace("<", "&lt;").replace(">", "&gt;") in tip  # shown as text
    assert "Notes: 1 (hover for the text)" in decoded


def test_export_table_is_readable(areas):
    notes = add_note(
        None, AreaNote("E01000001", "New hostel", author="Sam", created="2024-03-01T10:00:00+00:00")
    )
    table = export_notes(notes, areas)
    assert table.to_dict("records") == [
        {
            "Area": "Area 0-1",
            "Code": "E01000001",
            "Note": "New hostel",
            "Author": "Sam",
            "Date": "2024-03-01",
        }
    ]
