"""Text from users and files never becomes markup or script in a map page.

Leaflet writes layer-control names, controls, tooltips, popups and the
attribution with ``innerHTML``, so every string the page hands to it must be
HTML-escaped, and no string may end the ``<script>`` block it sits in. The
test injects payloads into every text field, renders the page, then decodes
every JavaScript string literal in it (as the browser would) and parses each
as an HTML fragment: only plain formatting tags may appear, with no event
handler attributes. The Chromium check (no script runs) lives in tests/browser.
"""

import dataclasses
import json
import re
from html.parser import HTMLParser

import pytest

from meam_mapping.maps import interactive
from meam_mapping.maps.interactive import choropleth, save_standalone_html
from meam_mapping.maps.simplify import unpack_features
from meam_mapping.maps.spec import MapLayer, MapSpec

PAYLOADS = (
    "<img src=x onerror=alert(1)>",
    '"><script>window.__x=1</script>',
    "</script><script>window.__x=2</script>",
    "<svg/onload=alert(3)>",
)
#: What the map itself writes into its HTML strings.
ALLOWED_TAGS = {"b", "i", "br", "div", "span", "details", "summary", "small", "a", "svg", "pattern",
                "path", "defs", "rect", "line"}  # fmt: skip
STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')


class _Fragment(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):  # noqa: ANN001
        self.tags.append((tag, attrs))


def _markup_problems(fragment: str) -> list[str]:
    parser = _Fragment()
    parser.feed(fragment)
    problems = []
    for tag, attrs in parser.tags:
        if tag not in ALLOWED_TAGS:
            problems.append(f"<{tag}> in {fragment[:80]!r}")
        for name, value in attrs:
            if name.startswith("on") or (value or "").strip().lower().startswith("javascript:"):
                problems.append(f"{name}= on <{tag}> in {fragment[:80]!r}")
    return problems


def _script_blocks(page: str) -> list[str]:
    return re.findall(r"<script[^>]*>(.*?)</script>", page, flags=re.S | re.I)


def _check_page(page: str) -> list[str]:
    """Problems in a rendered page: markup outside scripts, and every JS string as HTML."""
    problems = []
    outside = re.sub(r"<script[^>]*>.*?</script>", "", page, flags=re.S | re.I)
    for payload in PAYLOADS:
        if payload in outside:
            problems.append(f"raw payload outside scripts: {payload!r}")
    for block in _script_blocks(page):
        if "window.__x" in block and re.search(r"<script", block, re.I):
            problems.append("a payload opened a script block")
        for literal in STRING.findall(block):
            try:
                text = json.loads(literal)
            except ValueError:
                continue
            problems.extend(_markup_problems(text))
    return problems


def _hostile_frames(areas, table, payload):
    areas = areas.copy()
    areas["area_name"] = [f"{payload} {i}" for i in range(len(areas))]
    data = table.assign(
        indicator=payload, indicator_name=payload, unit=payload, source=payload, period=payload,
        extra=payload,
    )  # fmt: skip
    data.attrs.update(table.attrs)
    return areas, data


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("packed", [False, True], ids=["geojson", "packed"])
def test_every_text_field_is_escaped_in_the_map(
    areas, table, districts, payload, packed, monkeypatch
):
    if packed:
        monkeypatch.setattr(interactive, "PACK_THRESHOLD", 0)
    areas, data = _hostile_frames(areas, table, payload)
    layer = MapLayer.from_frame(
        data, label=payload, attribution=payload, subtitle=payload, tooltip_fields=("extra",)
    )
    assert layer.title == payload  # the indicator name from the file
    overlay = areas.iloc[3:6].assign(category=payload)
    hostile_districts = districts.assign(area_name=payload)
    fmap = choropleth(
        areas, layer, MapSpec(tiles=True, show_overlays=True), outlines=hostile_districts,
        extra_layers={payload: overlay, f"second {payload}": overlay.assign(category="x")},
    )  # fmt: skip
    page = fmap.get_root().render()
    assert _check_page(page) == []
    # the payload is shown, as text, in the title, legend and layer control
    escaped = payload.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    decoded = [json.loads(s) for b in _script_blocks(page) for s in STRING.findall(b)
               if s.startswith('"') and _loads_ok(s)]  # fmt: skip
    assert any(escaped in d.replace("&quot;", '"') for d in decoded)
    if packed:
        start = page.index('var b64 = "') + len('var b64 = "')
        features = unpack_features(page[start : page.index('"', start)])["features"]
    else:
        layer_obj = next(c for c in fmap._children.values() if hasattr(c, "data"))
        features = layer_obj.data["features"]
    for feature in features:
        assert _markup_problems(feature["properties"]["tip"]) == []
        assert escaped in feature["properties"]["tip"].replace("&quot;", '"')


def _loads_ok(literal: str) -> bool:
    try:
        json.loads(literal)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("payload", PAYLOADS[:2])
def test_standalone_map_and_notes_are_escaped(areas, table, payload, tmp_path):
    from meam_mapping.maps.notes_layer import add_notes_to_map, notes_layer
    from meam_mapping.workspace.notes import AreaNote, add_note

    areas, data = _hostile_frames(areas, table, payload)
    fmap = choropleth(areas, MapLayer.from_frame(data, label=payload, attribution=payload))
    notes = add_note(None, AreaNote(str(areas["area_code"].iloc[0]), payload, author=payload))
    add_notes_to_map(fmap, notes_layer(notes, areas), name=payload)
    path = tmp_path / "map.html"
    save_standalone_html(fmap, path)
    page = path.read_text(encoding="utf-8")
    own = page.split("</script>", 1)[1]  # skip the inlined Leaflet library itself
    assert _check_page(own) == []


def test_dataset_text_is_escaped_through_the_map_request(demo_dataset):
    from meam_mapping.mapping import MapRequest, interactive_map

    payload = PAYLOADS[1]
    indicators = demo_dataset.indicators
    first = str(indicators["indicator"].iloc[0])
    rows = indicators["indicator"] == first
    hostile = indicators.assign(
        indicator_name=indicators["indicator_name"].where(~rows, payload),
        # The unit code is checked against the known units (a payload there is
        # refused at load); its readable label is free text and must be escaped.
        unit_label=indicators["unit_label"].where(~rows, payload),
        source=indicators["source"].where(~rows, payload),
    )  # fmt: skip
    areas = {
        level: frame.assign(area_name=frame["area_name"].astype(str) + payload)
        for level, frame in demo_dataset.areas.items()
    }
    dataset = dataclasses.replace(
        demo_dataset, indicators=hostile, areas=areas, label=payload,
        sources=[{"attribution": payload}], name=payload,
    )  # fmt: skip
    fmap = interactive_map(dataset, MapRequest(indicator=first, level="msoa"))
    page = fmap.get_root().render()
    assert _check_page(page) == []
    assert "&lt;script&gt;window.__x=1&lt;/script&gt;" in page.replace("\\u0026", "&")


def test_the_checker_finds_unescaped_markup():
    page = '<script>var t = "<img src=x onerror=alert(1)>";</script><div>ok</div>'
    assert _check_page(page) != []
    assert _check_page('<script>var t = "&lt;img src=x&gt;";</script>') == []
    assert _markup_problems("<b>fine</b><br><span class='n'>x</span>") == []
    assert len(_markup_problems("<a href='javascript:alert(1)'>x</a>")) == 1
