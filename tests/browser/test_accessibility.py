"""axe-core in Chromium on the Map, Data, Estimates and Area profile pages.

Fails on any serious or critical violation that comes from our content. A
violation inside Streamlit's own page chrome (which we cannot change) is
allowed only when listed in :data:`ALLOWED` by rule and element, with the
reason; anything else, including a new violation in Streamlit's chrome,
fails, so the list stays honest.

axe-core ships with ``axe-playwright-python`` (requirements-dev.txt). Every
frame is checked: the map is drawn in a streamlit-folium frame.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

PAGES = {"Map": "", "Data": "data", "Estimates": "estimates", "Area profile": "profile"}
SERIOUS = {"serious", "critical"}

#: (rule id, CSS selector fragment of the element) -> why it is allowed.
ALLOWED: dict[tuple[str, str], str] = {}


def _settled(page, timeout: float = 180_000) -> None:
    """Wait until Streamlit has finished running the page's script."""
    page.wait_for_selector("[data-testid='stMainBlockContainer'] h1", timeout=timeout)
    # While a script runs, Streamlit greys out the previous run's elements
    # (data-stale); contrast is only meaningful once the page has settled.
    page.wait_for_function(
        "() => !document.querySelector('[data-stale=\"true\"]')"
        " && !document.querySelector('[data-testid=\"stSkeleton\"]')",
        timeout=timeout,
    )
    page.wait_for_timeout(2000)
    page.wait_for_function(
        "() => !document.querySelector('[data-stale=\"true\"]')", timeout=timeout
    )


def _violations(target, axe) -> list[dict]:  # noqa: ANN001
    results = axe.run(target, options={"resultTypes": ["violations"], "iframes": False})
    return [v for v in results.response["violations"] if v.get("impact") in SERIOUS]


def _ours(violations: list[dict]) -> list[str]:
    found = []
    for v in violations:
        for node in v["nodes"]:
            selector = " ".join(str(t) for t in node.get("target", []))
            if any(rule == v["id"] and fragment in selector for rule, fragment in ALLOWED):
                continue
            html = str(node.get("html", ""))[:160]
            summary = str(node.get("failureSummary", "")).replace("\n", " ")[:240]
            found.append(f"{v['id']} ({v['impact']}): {selector} {html} — {summary}")
    return found


def test_no_serious_violations_on_our_pages(app_url, page):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    problems: dict[str, list[str]] = {}
    map_frames = 0
    for name, path in PAGES.items():
        page.goto(f"{app_url}/{path}", wait_until="domcontentloaded")
        _settled(page)
        if name == "Map":
            page.wait_for_selector("iframe[title*='streamlit_folium']", timeout=240_000)
            page.wait_for_function(
                "() => [...document.querySelectorAll('iframe')].some(f => f.contentDocument"
                " && f.contentDocument.querySelector('.leaflet-container'))", timeout=240_000)  # fmt: skip
        found = _ours(_violations(page, axe))
        for frame in page.frames:
            if frame is page.main_frame or "streamlit_folium" not in frame.url:
                continue
            frame.wait_for_selector(".leaflet-container", timeout=180_000)
            map_frames += 1
            found += [f"[map] {f}" for f in _ours(_violations(frame, axe))]
        if found:
            problems[name] = found
    assert map_frames >= 1, "the map's frame was not found, so it was not checked"
    assert not problems, "\n".join(f"{k}:\n  " + "\n  ".join(v) for k, v in problems.items())
