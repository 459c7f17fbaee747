"""Many sessions at once, each with its own data, never see each other's data.

Each uploading session gets a distinctive dataset: its own indicator id
(``isolation_probe_<tag>``), area codes (``ISO<TAG>00``...), area names and
file name. "Never sees" is checked on everything the server sent to that
session: the AppTest element tree, or, in a real browser, every WebSocket
message the page received (the element protobufs, table bytes and map
component arguments), plus the rendered text and map frames.

* ``test_sessions_with_different_uploads_never_see_each_others_data``: three
  AppTest sessions in one process (two upload, one stays on the demo).
* ``test_load_many_browser_sessions_with_their_own_data``: a load test with
  :data:`N_SESSIONS` concurrent Chromium contexts against ``streamlit run``,
  some uploading through the Data page's file uploaders. Errors (must be 0)
  and latency percentiles are printed and saved to
  ``test-artifacts/load_test.json``.
* ``test_signed_out_visitor_opening_a_page_address_first_sees_no_data``: a
  fresh server with sign-in required; the first request is ``/data``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from browserkit import CHROMIUM, CHROMIUM_ARGS, streamlit_server
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
ARTIFACTS = ROOT / "test-artifacts"
# Same browser and flags as tests/browser/conftest.py (Debian's Chromium, no download).

N_SESSIONS = 10
N_UPLOADERS = 3
#: Browser contexts (like separate people's browsers); sessions are tabs spread over them.
N_CONTEXTS = 2
#: Guard against a hang, not a speed target: timings are measured and written to
#: test-artifacts/load_test.json, never asserted. A slower CI machine took 93 s
#: for what takes 35 s here, so the guard is set far above both.
LOAD_BUDGET_S = 400.0
#: Time allowed to warm each browser context's cache before the clock starts.
WARM_UP_S = 45.0
#: Seconds between two sessions' arrivals.
RAMP_S = 1.0
DEMO_MSOAS = 76


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Probe:
    """One session's distinctive upload."""

    tag: str
    boundaries: Path
    table: Path

    @property
    def indicator(self) -> str:
        return f"isolation_probe_{self.tag}"

    @property
    def legend_word(self) -> str:
        """The indicator's readable name, as the map's legend shows it."""
        from meam_mapping.indicators import readable_name

        return readable_name(self.indicator)

    @property
    def tokens(self) -> tuple[str, ...]:
        """Strings only this upload can put on a page."""
        return (
            self.indicator,
            self.legend_word,
            f"ISO{self.tag.upper()}0",
            f"Probe {self.tag} zone",
            self.table.name,
        )


def make_probe(folder: Path, tag: str, offset: int = 0) -> Probe:
    """Nine 1 km squares near Cambridge and a tidy table for them, named after ``tag``."""
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry import box

    codes = [f"ISO{tag.upper()}{i:02d}" for i in range(9)]
    x0, y0 = 545000 + 3000 * offset, 258000
    squares = [
        box(
            x0 + 1000 * (i % 3),
            y0 + 1000 * (i // 3),
            x0 + 1000 * (i % 3 + 1),
            y0 + 1000 * (i // 3 + 1),
        )
        for i in range(9)
    ]
    zones = gpd.GeoDataFrame(
        {"area_code": codes, "area_name": [f"Probe {tag} zone {i}" for i in range(9)]},
        geometry=squares,
        crs="EPSG:27700",
    )
    boundaries = folder / f"iso_{tag}.geojson"
    boundaries.write_text(zones.to_json(), encoding="utf-8")
    table = folder / f"iso_{tag}.csv"
    rng = np.random.default_rng(offset)
    pd.DataFrame(
        {
            "area_code": codes,
            "indicator": f"isolation_probe_{tag}",
            "period": "2024/25",
            "count": rng.integers(10, 60, size=9),
            "denominator": 1000,
        }
    ).to_csv(table, index=False)
    return Probe(tag, boundaries, table)


def _page(suffix: str) -> str:
    """The router's page script ending in ``suffix`` (so a renamed folder still works)."""
    pages = re.findall(r"st\.Page\(\s*[\"']([^\"']+\.py)[\"']", Path(APP).read_text())
    return next(p for p in pages if p.endswith(suffix))


# ------------------------------------------------------------------ (a) AppTest level


def _sent_text(at: AppTest) -> str:
    return "\n".join(str(node.proto) for node in at._tree if getattr(node, "proto", None))


def _apptest_upload(at: AppTest, probe: Probe) -> None:
    at.switch_page(_page("data.py")).run()
    at.file_uploader(key="boundary_upload").set_value(
        (probe.boundaries.name, probe.boundaries.read_bytes(), "application/geo+json")
    ).run()
    next(b for b in at.button if b.label == "Use these boundaries").click().run()
    at.file_uploader(key="table_upload").set_value(
        (probe.table.name, probe.table.read_bytes(), "text/csv")
    ).run()
    next(b for b in at.button if b.label == "Add this table").click().run()
    assert not at.exception, at.exception


def _look(at: AppTest) -> str:
    """Visit the Map and Data pages and return everything they sent."""
    seen = []
    for page in (_page("map.py"), _page("data.py"), _page("map.py")):
        at.switch_page(page).run()
        assert not at.exception, at.exception
        seen.append(_sent_text(at))
    return "\n".join(seen)


def test_sessions_with_different_uploads_never_see_each_others_data(tmp_path):
    alpha, beta = make_probe(tmp_path, "alpha", 0), make_probe(tmp_path, "beta", 1)
    a, b, c = (AppTest.from_file(APP, default_timeout=600) for _ in range(3))
    for at in (a, b, c):
        at.run()
        assert not at.exception, at.exception
    _apptest_upload(a, alpha)
    seen_c_early = _look(c)  # while A holds its data
    _apptest_upload(b, beta)
    seen = {"a": _look(a), "b": _look(b), "c": _look(c) + seen_c_early}

    def has(name: str, probe: Probe) -> list[str]:
        return [t for t in probe.tokens if t in seen[name]]

    # Each uploader sees its own data (so the check below can find it) ...
    assert has("a", alpha) == list(alpha.tokens)
    assert has("b", beta) == list(beta.tokens)
    # ... and nobody sees anybody else's.
    assert has("a", beta) == []
    assert has("b", alpha) == []
    assert has("c", alpha) == [] and has("c", beta) == []
    # The session that stayed on the demo still has the demo.
    c.switch_page(_page("map.py")).run()
    assert len(c.dataframe[0].value) == DEMO_MSOAS
    assert "Synthetic" in seen["c"]
    assert c.session_state["dataset"].name != a.session_state["dataset"].name


# ------------------------------------------------------------- (b) browser load test

MAP_DRAWN = """([minPaths, legendWord]) => {
  const frames = [...document.querySelectorAll('iframe')].filter(i => (i.title || '').includes('streamlit_folium'));
  return frames.some(f => {
    const d = f.contentDocument;
    if (!d) return false;
    const legend = d.querySelector('.meam-panel');
    return d.querySelectorAll('path.leaflet-interactive').length >= minPaths
      && legend && (!legendWord || legend.innerText.includes(legendWord));
  });
}"""


@dataclass
class SessionRecord:
    """What one browser session did and received."""

    index: int
    probe: Probe | None
    url: str = ""
    stage: str = "not started"
    t0: float = 0.0
    upload_counted: bool = False
    timeline: list[tuple[float, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    received: list[bytes] = field(default_factory=list)
    seen_text: str = ""
    time_to_map_s: float | None = None
    time_upload_to_own_map_s: float | None = None

    def mark(self, stage: str) -> None:
        self.stage = stage
        self.timeline.append((round(time.monotonic() - self.t0, 2), stage))

    def blob(self) -> bytes:
        return b"".join(self.received) + self.seen_text.encode("utf-8", "replace")


async def _nav(page, title: str) -> None:
    await page.locator('[data-testid="stSidebarNavLink"]', has_text=title).click()
    await page.get_by_role("heading", name=title, exact=True).wait_for()


def _uploader(page, label: str):  # noqa: ANN001, ANN202 - Page, Locator
    """The file input of the uploader labelled ``label`` (by its label, not its place on the page)."""
    box = page.locator('[data-testid="stFileUploader"]').filter(has_text=label)
    return box.locator('input[type="file"]')


async def _browser_upload(page, probe: Probe) -> None:
    await _nav(page, "Data")
    await _uploader(page, "Boundary file").set_input_files(str(probe.boundaries))
    await page.get_by_role("button", name="Use these boundaries").click()
    await page.get_by_role("button", name="Go back to the demo").wait_for()
    await _uploader(page, "Indicator table").set_input_files(str(probe.table))
    await page.get_by_role("button", name="Add this table").click()
    await page.get_by_text("area codes in the table matched").wait_for()


async def _frames_text(page) -> str:
    parts = [await page.inner_text("body")]
    for frame in page.frames:
        if "streamlit_folium" in frame.url:
            with contextlib.suppress(Exception):
                parts.append(await frame.content())
    return "\n".join(parts)


async def _session_steps(page, rec: SessionRecord, uploads: dict) -> None:
    # Arrivals are spread over the first seconds (a ramp), as people open the app
    # one after another; every session then stays open until the end.
    await asyncio.sleep(rec.index * RAMP_S)
    start = time.monotonic()
    rec.mark("first load")
    await page.goto(rec.url, wait_until="domcontentloaded")
    await page.wait_for_function(MAP_DRAWN, arg=[DEMO_MSOAS, ""])
    rec.time_to_map_s = time.monotonic() - start
    if rec.probe is not None:
        rec.mark("upload")
        start = time.monotonic()
        await _browser_upload(page, rec.probe)
        rec.mark("own map")
        await _nav(page, "Map")
        await page.wait_for_function(MAP_DRAWN, arg=[9, rec.probe.legend_word])
        rec.time_upload_to_own_map_s = time.monotonic() - start
        uploads["done"] += 1
        rec.upload_counted = True
        if uploads["done"] == uploads["expected"]:
            uploads["event"].set()
    # Look again once every upload has happened: still only our own data.
    rec.mark("waiting for the uploads")
    await uploads["event"].wait()
    rec.mark("second look")
    await _nav(page, "Data")
    await _nav(page, "Map")
    word = rec.probe.legend_word if rec.probe is not None else ""
    await page.wait_for_function(MAP_DRAWN, arg=[9 if rec.probe else DEMO_MSOAS, word])
    rec.seen_text = await _frames_text(page)
    shown = await page.locator('[data-testid="stException"]').count()
    if shown:
        rec.errors.append(f"{shown} exception(s) shown in the app")
    rec.mark("done")


async def _session(context, rec: SessionRecord, uploads: dict, deadline: float) -> None:
    page = await context.new_page()

    def keep(payload: str | bytes) -> None:
        rec.received.append(payload if isinstance(payload, bytes) else payload.encode())

    page.on("websocket", lambda ws: ws.on("framereceived", keep))
    page.on("pageerror", lambda err: rec.errors.append(f"page error: {err}"))
    try:
        await asyncio.wait_for(
            _session_steps(page, rec, uploads), timeout=max(1.0, deadline - time.monotonic())
        )
    except TimeoutError:
        rec.errors.append(f"out of time ({LOAD_BUDGET_S:.0f} s budget) at {rec.stage}")
    except Exception as err:  # noqa: BLE001 - every failure is counted and reported
        first_line = (str(err).splitlines() or [""])[0][:300]
        rec.errors.append(f"{type(err).__name__} at {rec.stage}: {first_line}")
    if rec.errors:
        with contextlib.suppress(Exception):
            ARTIFACTS.mkdir(exist_ok=True)
            await page.screenshot(path=str(ARTIFACTS / f"load_session_{rec.index}.png"))
    if rec.probe is not None and not rec.upload_counted:
        uploads["done"] += 1
        if uploads["done"] == uploads["expected"]:
            uploads["event"].set()
    with contextlib.suppress(Exception):
        await page.close()


async def _load(records: list[SessionRecord]) -> float:
    from playwright.async_api import async_playwright

    uploads = {
        "done": 0,
        "expected": sum(r.probe is not None for r in records),
        "event": asyncio.Event(),
    }
    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        # One browser context per agency (own cookies and cache), several tabs in
        # each: every tab is a separate Streamlit session.
        contexts = [
            await browser.new_context(viewport={"width": 1200, "height": 850})
            for _ in range(N_CONTEXTS)
        ]
        for context in contexts:
            # Warm each context's HTTP cache with the app's JavaScript (about 150
            # files), as a returning user's browser would have it: the test
            # measures the server, not how fast this machine parses JavaScript.
            context.set_default_timeout(WARM_UP_S * 1000)
            warm = await context.new_page()
            await warm.goto(records[0].url, wait_until="domcontentloaded")
            await warm.wait_for_function(MAP_DRAWN, arg=[DEMO_MSOAS, ""])
            await warm.close()
            context.set_default_timeout(LOAD_BUDGET_S * 1000)
        start = time.monotonic()
        deadline = start + LOAD_BUDGET_S
        for rec in records:
            rec.t0 = start
        try:
            await asyncio.gather(
                *(_session(contexts[r.index % N_CONTEXTS], r, uploads, deadline) for r in records)
            )
        finally:
            await browser.close()
        return time.monotonic() - start


def _percentiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p90": None, "max": None}
    arr = np.asarray(values)
    return {
        "p50": round(float(np.percentile(arr, 50)), 2),
        "p90": round(float(np.percentile(arr, 90)), 2),
        "max": round(float(arr.max()), 2),
    }


@pytest.mark.browser
def test_load_many_browser_sessions_with_their_own_data(app_url, tmp_path):
    tags = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta"][:N_UPLOADERS]
    probes = [make_probe(tmp_path, tag, i) for i, tag in enumerate(tags)]
    # The first tab in each context uploads; the later arrivals (viewers in the
    # same and other contexts) load the demo while those uploads happen.
    records = [
        SessionRecord(i, probes[i] if i < len(probes) else None, url=app_url)
        for i in range(N_SESSIONS)
    ]
    assert sum(r.probe is not None for r in records) == N_UPLOADERS
    with ThreadPoolExecutor(max_workers=1) as pool:  # async Playwright in its own loop
        elapsed = pool.submit(asyncio.run, _load(records)).result()

    leaks = []
    for rec in records:
        blob = rec.blob()
        for probe in probes:
            if probe is rec.probe:
                continue
            leaks += [f"session {rec.index} saw {t!r}" for t in probe.tokens if t.encode() in blob]
    missing_own = [
        f"session {rec.index} never received its own {t!r}"
        for rec in records
        if rec.probe is not None
        for t in rec.probe.tokens
        if t.encode() not in rec.blob()
    ]
    errors = [f"session {r.index}: {e}" for r in records for e in r.errors]
    result = {
        "sessions": N_SESSIONS,
        "uploading_sessions": N_UPLOADERS,
        "held_concurrently": N_SESSIONS,
        "browser_contexts": N_CONTEXTS,
        "budget_s": LOAD_BUDGET_S,
        "elapsed_s": round(elapsed, 2),
        "errors": len(errors),
        "error_messages": errors,
        "leaks": leaks,
        "time_to_map_s": _percentiles([r.time_to_map_s for r in records if r.time_to_map_s]),
        "upload_to_own_map_s": _percentiles(
            [r.time_upload_to_own_map_s for r in records if r.time_upload_to_own_map_s]
        ),
        "timelines": {r.index: r.timeline for r in records},
        "bytes_received_per_session": _percentiles(
            [float(sum(len(b) for b in r.received)) for r in records]
        ),
    }
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "load_test.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(
        f"\nload test: {N_SESSIONS} concurrent sessions ({N_UPLOADERS} uploading) in "
        f"{elapsed:.1f} s; errors {len(errors)}; time to map drawn "
        f"p50 {result['time_to_map_s']['p50']} s, p90 {result['time_to_map_s']['p90']} s, "
        f"max {result['time_to_map_s']['max']} s; upload to own map "
        f"p50 {result['upload_to_own_map_s']['p50']} s, max {result['upload_to_own_map_s']['max']} s"
    )
    assert errors == []
    assert leaks == []
    assert missing_own == []
    # The viewers received the demo, so the leak check looked at real traffic.
    assert all(b"Synthetic" in r.blob() for r in records if r.probe is None)


# ------------------------------------------------- sign-in cannot be skipped by address


SIGNED_OUT_OR_DATA = """() => ['MEAM_MAPPING_REQUIRE_LOGIN', 'Synthetic', 'Load boundaries',
  'Where do the numbers'].some(t => document.body.innerText.includes(t))"""


@pytest.mark.browser
def test_signed_out_visitor_opening_a_page_address_first_sees_no_data(browser):
    # The very first request to a fresh server is a page's own address. Streamlit
    # runs a script from a folder called pages/ beside app.py on its own in that
    # case, skipping the router and its require_login().
    with streamlit_server({"MEAM_MAPPING_REQUIRE_LOGIN": "1"}, log_name="streamlit-signin") as url:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        try:
            page = context.new_page()
            received: list[bytes] = []
            page.on(
                "websocket",
                lambda ws: ws.on(
                    "framereceived",
                    lambda p: received.append(p if isinstance(p, bytes) else p.encode()),
                ),
            )
            for path in ("data", "map", ""):
                page.goto(f"{url}/{path}", wait_until="domcontentloaded")
                # Wait for the sign-in refusal or for any sign of the data pages.
                page.wait_for_function(SIGNED_OUT_OR_DATA, timeout=180_000)
            blob = b"".join(received) + page.inner_text("body").encode()
        finally:
            context.close()
    shown = [
        m
        for m in ("Synthetic", "probation", "E02", "Load boundaries", "Where do the numbers")
        if m.encode() in blob
    ]
    assert shown == [], f"a signed-out visitor saw data: {shown}"
    assert b"MEAM_MAPPING_REQUIRE_LOGIN" in blob
