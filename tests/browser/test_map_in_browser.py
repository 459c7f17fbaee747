"""A real browser opens the app, sees the demo map drawn, changes the indicator.

Every request the page makes is recorded: none may leave localhost, because
the map must work in a workshop with no internet.
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest

pytestmark = pytest.mark.browser

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", ""}


def _map_frame(page):
    page.wait_for_selector("iframe[title*='streamlit_folium']", timeout=240_000)
    for frame in page.frames:
        if "streamlit_folium" in frame.url:
            return frame
    raise AssertionError("no streamlit-folium frame: " + ", ".join(f.url for f in page.frames))


def _legend_text(frame) -> str:
    frame.wait_for_selector(".meam-panel", timeout=120_000)  # title, unit and legend together
    return frame.inner_text(".meam-panel")


def test_demo_map_draws_offline_and_follows_the_indicator(app_url, page, screenshot):
    page.goto(app_url, wait_until="domcontentloaded")
    frame = _map_frame(page)
    # The 76 MSOA polygons (plus district outlines) are drawn as Leaflet paths.
    frame.wait_for_function(
        "document.querySelectorAll('path.leaflet-interactive').length >= 76", timeout=180_000
    )
    n_paths = frame.evaluate("document.querySelectorAll('path.leaflet-interactive').length")
    assert n_paths >= 76
    legend_before = _legend_text(frame)
    tips_before = frame.evaluate(
        "Object.values(window.map._layers).filter(l => l.feature && l.feature.properties.tip)"
        ".map(l => l.feature.properties.tip)"
    )
    assert len(tips_before) == n_paths
    assert "Synthetic" in frame.inner_text("body")
    screenshot(page, "map-demo")

    # Mark the map's frame: the new indicator must be drawn in it, not in a new frame.
    page.evaluate(
        "() => { const f = [...document.querySelectorAll('iframe')].find(i => (i.title||'').includes('streamlit_folium'));"
        " f.dataset.meamMark = 'first'; }"
    )
    # Choose another indicator as a user would: open the box, pick by name.
    box = page.get_by_role("combobox", name=re.compile("Indicator"))
    box.click()
    page.get_by_role("option", name=re.compile("^Adults supervised by probation", re.I)).click()
    page.wait_for_function(
        "([text]) => { const f = [...document.querySelectorAll('iframe')].find(i => (i.title||'').includes('streamlit_folium'));"
        " const l = f && f.contentDocument && f.contentDocument.querySelector('.meam-panel');"
        " return l && l.innerText !== text; }",
        arg=[legend_before],
        timeout=180_000,
    )
    frame = _map_frame(page)
    legend_after = _legend_text(frame)
    assert legend_after != legend_before
    assert "probation" in legend_after.lower()
    # Swapped in place: the same frame, one panel and one layer control, the old areas gone.
    kept = page.evaluate(
        "() => [...document.querySelectorAll('iframe')].filter(i => (i.title||'').includes('streamlit_folium'))"
        ".map(i => i.dataset.meamMark || '')"
    )
    assert kept == ["first"]
    assert frame.evaluate("document.querySelectorAll('.meam-panel').length") == 1
    assert frame.evaluate("document.querySelectorAll('.leaflet-control-layers').length") <= 1
    assert frame.evaluate("document.querySelectorAll('.leaflet-control-scale').length") == 1
    tips = frame.evaluate(
        "Object.values(window.map._layers).filter(l => l.feature && l.feature.properties.tip)"
        ".map(l => l.feature.properties.tip)"
    )
    n_after = frame.evaluate("document.querySelectorAll('path.leaflet-interactive').length")
    assert len(tips) == n_after  # one layer per drawn area: none left from the first indicator
    assert set(tips) != set(tips_before)
    screenshot(page, "map-probation")

    outside = sorted(
        {
            u
            for u in page.requests
            if urlparse(u).scheme in ("http", "https", "ws", "wss")
            and urlparse(u).hostname not in LOCAL_HOSTS
        }
    )
    assert not outside, f"requests left localhost: {outside}"
    assert page.requests, "no requests were recorded"
