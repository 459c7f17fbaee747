"""Text from users and files never runs as script in Chromium (issue 18).

A dataset whose area names, indicator name, unit label, source, attribution,
label and name all carry script payloads is drawn as the standalone offline
map (as ``map --out map.html`` and the pack write it) and opened in Debian's
Chromium; hovering areas and opening the layer control must run nothing.
"""

from __future__ import annotations

import dataclasses

import pytest

pytestmark = pytest.mark.browser

PAYLOADS = (
    "<img src=x onerror=window.__pwned=1>",
    '"><script>window.__pwned=2</script>',
    "</script><script>window.__pwned=3</script>",
    "<svg/onload=window.__pwned=4>",
)


def _hostile(demo_dataset, payload):
    indicators = demo_dataset.indicators
    rows = indicators["indicator"] == "probation_caseload"
    hostile = indicators.assign(
        indicator_name=indicators["indicator_name"].where(~rows, "Probation " + payload),
        unit_label=indicators["unit_label"].where(~rows, payload),
        source=indicators["source"].where(~rows, payload),
    )
    areas = {level: frame.assign(area_name=frame["area_name"].astype(str) + payload)
             for level, frame in demo_dataset.areas.items()}  # fmt: skip
    return dataclasses.replace(demo_dataset, indicators=hostile, areas=areas, label=payload,
                               sources=[{"attribution": payload}], name=payload)  # fmt: skip


@pytest.mark.parametrize("payload", PAYLOADS)
def test_hostile_text_never_runs(demo_dataset, page, tmp_path, payload, screenshot):
    from meam_mapping.mapping import MapRequest, render_map_file

    out = tmp_path / "map.html"
    render_map_file(
        _hostile(demo_dataset, payload), MapRequest("probation_caseload", level="lad"), out
    )
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(out.as_uri())
    page.wait_for_selector("path.leaflet-interactive", timeout=120_000)
    for path in page.query_selector_all("path.leaflet-interactive")[:5]:
        path.hover(force=True)
    control = page.query_selector(".leaflet-control-layers")
    if control is not None:
        control.hover()
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.__pwned === undefined"), "a payload ran as script"
    assert dialogs == []
    if payload == PAYLOADS[0]:
        screenshot(page, "hostile-text-map")
