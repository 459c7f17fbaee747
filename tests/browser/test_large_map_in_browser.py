"""A large map (areas on one canvas layer) swapped in place in the app's map frame.

``large_map_app.py`` draws 2,500 areas (above ``CANVAS_THRESHOLD``), so the
areas are packed, inflated in the browser and drawn by the canvas layer of
:mod:`meam_mapping.maps.area_canvas` inside the layer group that
streamlit-folium swaps in place when the indicator changes. After each swap
the map must hold exactly one areas canvas and one canvas layer, one panel,
and the hover box must name the area under the pointer with the value of the
indicator now shown, also when the indicator is switched back and forth
faster than the areas are inflated.
"""

from __future__ import annotations

import geopandas as gpd
import pytest
from browserkit import streamlit_server
from shapely.geometry import box

pytestmark = pytest.mark.browser

SIDE, SIZE = 50, 1000.0  # as in large_map_app.py
AREA = 1234  # row 24, column 34
STARTS = {"Homelessness": 1000, "Probation": 5000}

FRAME = (
    "[...document.querySelectorAll('iframe')].find(i => (i.title||'').includes('streamlit_folium'))"
)
# Inside the map's frame: the canvas layers of the areas on the map, and the map's parts.
LAYERS = "Object.values(window.map._layers).filter(l => l.hitTest)"
# The black outline of the hovered area (drawn on the map, not in the group).
OUTLINED = (
    "Object.values(window.map._layers).filter(l => l instanceof L.Polygon && !l.feature"
    " && l.options.color === '#000000' && l.options.fill === false).length"
)
STATE = (
    "() => ({canvases: document.querySelectorAll('.leaflet-meam-areas-pane canvas').length,"
    f" layers: {LAYERS}.length,"
    " panels: document.querySelectorAll('.meam-panel').length,"
    " boxes: document.querySelectorAll('.meam-hover').length,"
    " scales: document.querySelectorAll('.leaflet-control-scale').length,"
    " controls: document.querySelectorAll('.leaflet-control-layers').length,"
    " outlines: document.querySelectorAll('.meam-outline-label').length,"
    " title: (document.querySelector('.meam-title') || {}).textContent,"
    " drawn: window.meamMapDrawn && window.meamMapDrawn.features})"
)


@pytest.fixture(scope="module")
def large_url():
    with streamlit_server(
        script="tests/browser/large_map_app.py", log_name="large-map-server"
    ) as url:
        yield url


def _centre() -> tuple[float, float]:
    row, col = divmod(AREA, SIDE)
    x0, y0 = 550000 + col * SIZE, 260000 + row * SIZE
    square = gpd.GeoSeries([box(x0, y0, x0 + SIZE, y0 + SIZE)], crs="EPSG:27700")
    point = square.to_crs("EPSG:4326").iloc[0].centroid
    return point.y, point.x


def _frame(page):
    page.wait_for_selector("iframe[title*='streamlit_folium']", timeout=240_000)
    return next(f for f in page.frames if "streamlit_folium" in f.url)


def _settled(page, frame, name: str) -> dict:
    """Wait until the map shows ``name`` with its own areas drawn, then return the map's state."""
    expected = f"Count: {STARTS[name] + AREA:,}"
    frame.wait_for_function(
        "([name, text, area]) => { const t = document.querySelector('.meam-title');"
        f" const ls = {LAYERS};"
        " return t && t.textContent === name && ls.length >= 1"
        " && ls[ls.length - 1].tip(area).includes(text); }",
        arg=[name, expected, AREA],
        timeout=120_000,
    )
    page.wait_for_timeout(1500)  # room for a late inflation of an earlier group to show up
    return frame.evaluate(STATE)


def _hover(page, frame) -> str:
    """Move the pointer to the centre of area ``AREA``; the hover box's text."""
    lat, lng = _centre()
    page.mouse.move(5, 5)
    point = frame.evaluate(
        "([a, b]) => { const p = window.map.latLngToContainerPoint([a, b]); return [p.x, p.y]; }",
        [lat, lng],
    )
    rect = page.evaluate(
        f"() => {{ const r = {FRAME}.getBoundingClientRect(); return [r.x, r.y]; }}"
    )
    page.mouse.move(rect[0] + point[0] - 3, rect[1] + point[1] - 3)
    page.mouse.move(rect[0] + point[0], rect[1] + point[1], steps=3)
    frame.wait_for_function(
        "() => { const b = document.querySelector('.meam-hover'); return b && b.style.display === 'block'; }",
        timeout=10_000,
    )
    return frame.inner_text(".meam-hover")


def _choose(page, name: str) -> None:
    page.get_by_text(name, exact=True).click()


def _check(state: dict, tip: str, name: str) -> None:
    row, col = divmod(AREA, SIDE)
    assert state["canvases"] == 1, state
    assert state["layers"] == 1, state
    assert state["panels"] == 1 and state["boxes"] == 1 and state["scales"] == 1, state
    assert state["controls"] == 1 and state["outlines"] == 2, state  # outlines: one label each
    assert f"Area {row}-{col}" in tip, tip
    assert f"Count: {STARTS[name] + AREA:,}" in tip, tip


def test_large_map_swaps_its_canvas_layer_in_place(large_url, page, screenshot):
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(large_url, wait_until="domcontentloaded")
    frame = _frame(page)
    frame.wait_for_function("window.meamMapDrawn", timeout=180_000)
    state = _settled(page, frame, "Homelessness")
    assert state["drawn"] == SIDE * SIDE  # every area painted at the fitted view
    _check(state, _hover(page, frame), "Homelessness")
    screenshot(page, "large-map-first")
    page.evaluate(f"() => {{ {FRAME}.dataset.meamMark = 'first'; }}")

    _choose(page, "Probation")
    state = _settled(page, frame, "Probation")
    _check(state, _hover(page, frame), "Probation")
    screenshot(page, "large-map-probation")

    # Back and forth faster than the areas are inflated: one group's areas only.
    for name in ["Homelessness", "Probation", "Homelessness", "Probation"]:
        _choose(page, name)
        page.wait_for_timeout(150)
    frame = _frame(page)
    state = _settled(page, frame, "Probation")
    _check(state, _hover(page, frame), "Probation")

    # Inflation made slow (4 s) in the frame: the first group is swapped out before
    # its areas are ready; when they are, they must not reach the map.
    frame.evaluate(
        "() => { const real = Response.prototype.arrayBuffer; window.meamSlowDecodes = 0;"
        " Response.prototype.arrayBuffer = function () { window.meamSlowDecodes++;"
        " return real.call(this).then(b => new Promise(r => setTimeout(() => r(b), 4000))); }; }"
    )
    _choose(page, "Homelessness")
    frame.wait_for_function(
        "() => (document.querySelector('.meam-title') || {}).textContent === 'Homelessness'",
        timeout=60_000,
    )
    _choose(page, "Probation")
    frame.wait_for_function(
        "() => (document.querySelector('.meam-title') || {}).textContent === 'Probation'",
        timeout=60_000,
    )
    assert frame.evaluate(f"{LAYERS}.length") == 0  # neither group's areas inflated yet
    state = _settled(page, frame, "Probation")
    page.wait_for_timeout(3000)  # both slow inflations are over
    assert frame.evaluate("window.meamSlowDecodes") == 2
    _check(frame.evaluate(STATE), _hover(page, frame), "Probation")

    # Fewer classes: the same frame, one canvas, a legend of three classes.
    page.get_by_role("combobox", name="Classes").click()
    page.get_by_role("option", name="3", exact=True).click()
    frame.wait_for_function(
        "() => document.querySelectorAll('.meam-panel .bar > *').length === 3", timeout=60_000
    )
    state = _settled(page, frame, "Probation")
    assert frame.evaluate(f"{LAYERS}[0].tip({AREA})").count("Count: 6,234") == 1
    _check(state, _hover(page, frame), "Probation")
    screenshot(page, "large-map-after-switching")

    # Switched from the keyboard while the pointer rests on an area: the old layer's
    # hover box and black outline go with it; the next move shows the new value.
    _hover(page, frame)
    assert frame.evaluate(OUTLINED) == 1
    page.get_by_role("radio", name="Probation").focus()
    page.keyboard.press("ArrowLeft")
    state = _settled(page, frame, "Homelessness")
    assert frame.evaluate(OUTLINED) == 0
    assert frame.evaluate("document.querySelector('.meam-hover').style.display") == "none"
    _check(state, _hover(page, frame), "Homelessness")

    kept = page.evaluate(f"() => [{FRAME}].map(i => i.dataset.meamMark || '')")
    assert kept == ["first"]  # the same frame throughout: swapped in place, not reloaded
    assert not errors, errors
