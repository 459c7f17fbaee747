"""How fast the Map page answers a widget change, as a ratio to a minimal Streamlit app.

Usage (from the repository root)::

    python bench/widget_rerun.py [--repeat 6]

Two servers run side by side: ``streamlit run app.py`` (the demo) and a
minimal Streamlit app with one radio and one line of text. In one Chromium
(Debian's ``/usr/bin/chromium``) the same action is timed on both: click the
other option of a radio and wait until the page shows the answer (the minimal
app's text; on the Map page, the map redrawn at the other level: 76 MSOAs or 5
districts, and Streamlit idle). On the Map page the Classes and Indicator
boxes are timed too (from picking the option until the map's panel changes).
The median of ``--repeat`` changes each way is reported per widget, with the
ratio Map page / minimal app and how many changes kept the same map frame. Results go to
``bench/results/widget_rerun.{json,md}``. Timings are measurements only; no
test asserts them.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(ROOT / "tests" / "browser"))
from browserkit import CHROMIUM, app_server  # noqa: E402 - the one app launcher

MINIMAL_APP = """
import streamlit as st
choice = st.radio("Level of geography", ["first", "second"])
st.write(f"Chosen: {choice}")
"""
#: The Map page's two levels and how many areas each draws on the demo.
LEVELS = {"MSOA (about 7,000 people)": 76, "Local authority district": 5}
IDLE = "!document.querySelector('[data-testid=\"stStatusWidget\"]')"
DRAWN = """([n]) => {
  const f = [...document.querySelectorAll('iframe')].find(i => (i.title || '').includes('streamlit_folium'));
  const d = f && f.contentDocument;
  return !!d && d.querySelectorAll('path.leaflet-interactive').length === n
    && !document.querySelector('[data-testid="stStatusWidget"]');
}"""


def _time_minimal(page, url: str, repeat: int) -> list[float]:
    page.goto(url, wait_until="domcontentloaded")
    page.get_by_text("Chosen: first").wait_for(timeout=60_000)
    times = []
    for i in range(repeat * 2):
        option = ["second", "first"][i % 2]
        start = time.perf_counter()
        page.get_by_text(option, exact=True).click()
        page.get_by_text(f"Chosen: {option}").wait_for(timeout=60_000)
        page.wait_for_function(IDLE, timeout=60_000)
        times.append(time.perf_counter() - start)
    return times


FRAME = "[...document.querySelectorAll('iframe')].find(i => (i.title || '').includes('streamlit_folium'))"
PANEL = (
    "() => {const f = " + FRAME + "; const d = f && f.contentDocument;"
    " const p = d && d.querySelector('.meam-panel'); return p ? p.innerText : '';}"
)
CHANGED = (
    "([before]) => {const f = " + FRAME + "; const d = f && f.contentDocument;"
    " const p = d && d.querySelector('.meam-panel');"
    " return !!p && p.innerText !== before"
    " && !document.querySelector('[data-testid=\"stStatusWidget\"]');}"
)
MARK = (
    "() => {const f = "
    + FRAME
    + "; f.dataset.meamMark = f.dataset.meamMark || 'kept'; return true;}"
)
KEPT = "() => {const f = " + FRAME + "; return !!f && f.dataset.meamMark === 'kept';}"
#: Two options of each select box timed on the Map page (label of the box, option names).
CHOICES = {
    "classes": ("Classes", ("Equal steps", "Equal numbers of areas")),
    "indicator": ("Indicator", ("Adults supervised by probation", "Adults owed a homelessness")),
}


def _open_map(page, url: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_function(DRAWN, arg=[76], timeout=180_000)


def _time_level(page, repeat: int) -> tuple[list[float], int]:
    """Click the other level; done when the map shows its number of areas."""
    names = list(LEVELS)
    times, kept = [], 0
    for i in range(repeat * 2):
        label = names[(i + 1) % 2]
        page.evaluate(MARK)
        start = time.perf_counter()
        page.get_by_text(label, exact=True).click()
        page.wait_for_function(DRAWN, arg=[LEVELS[label]], timeout=120_000)
        times.append(time.perf_counter() - start)
        kept += bool(page.evaluate(KEPT))
    return times, kept


def _time_choice(page, kind: str, repeat: int) -> tuple[list[float], int]:
    """Pick the other option of a select box; done when the map's panel (title, legend) changes."""
    import re

    label, options = CHOICES[kind]
    times, kept = [], 0
    for i in range(repeat * 2):
        before = page.evaluate(PANEL)
        page.evaluate(MARK)
        page.get_by_role("combobox", name=re.compile(label)).click()
        option = page.get_by_role("option", name=re.compile("^" + re.escape(options[i % 2]), re.I))
        option.wait_for(timeout=30_000)
        start = time.perf_counter()
        option.click()
        page.wait_for_function(CHANGED, arg=[before], timeout=120_000)
        times.append(time.perf_counter() - start)
        kept += bool(page.evaluate(KEPT))
    return times, kept


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=6, help="changes each way (default 6)")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        minimal = Path(tmp) / "minimal_app.py"
        minimal.write_text(MINIMAL_APP, encoding="utf-8")
        with (
            app_server("app.py", timeout=120) as app_url,
            app_server(str(minimal), timeout=120) as minimal_url,
        ):
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                            args=["--no-sandbox", "--disable-gpu"])  # fmt: skip
                page = browser.new_page(viewport={"width": 1440, "height": 900})
                # Warm both (first visit caches the demo analysis), then measure.
                _time_minimal(page, minimal_url, 1)
                _open_map(page, app_url)
                _time_level(page, 1)
                for kind in CHOICES:
                    _time_choice(page, kind, 1)
                minimal_times = _time_minimal(page, minimal_url, args.repeat)
                _open_map(page, app_url)
                widgets = {"level": _time_level(page, args.repeat)}
                for kind in CHOICES:
                    widgets[kind] = _time_choice(page, kind, args.repeat)
                browser.close()
    minimal_median = statistics.median(minimal_times)
    result = {
        "repeat_each_way": args.repeat,
        "minimal_app_s": [round(t, 3) for t in minimal_times],
        "minimal_median_s": round(minimal_median, 3),
        "widgets": {
            kind: {
                "times_s": [round(t, 3) for t in times],
                "median_s": round(statistics.median(times), 3),
                "ratio": round(statistics.median(times) / minimal_median, 2),
                "frame_kept": f"{kept}/{len(times)}",
            }
            for kind, (times, kept) in widgets.items()
        },
    }
    # The level change, as reported before the other widgets were timed.
    result["map_median_s"] = result["widgets"]["level"]["median_s"]
    result["ratio"] = result["widgets"]["level"]["ratio"]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "widget_rerun.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    what = {
        "level": "level radio: MSOA (76 areas) <-> district (5)",
        "classes": "Classes box: Equal steps <-> Equal numbers of areas",
        "indicator": "Indicator box: probation <-> homelessness duty",
    }
    rows = "".join(
        f"| Map page: {what[kind]} | {w['median_s']} | {w['ratio']} | {w['frame_kept']} |\n"
        for kind, w in result["widgets"].items()
    )
    md = (
        "# Widget change on the Map page against a minimal Streamlit app\n\n"
        "Same Chromium, same run: change a widget and wait for the answer (minimal app: click "
        "the other option of its radio, until its line of text shows it; Map page: until the map "
        "shows the other level's number of areas, or its panel (title, legend) changes, and "
        f"Streamlit is idle). Median of {2 * args.repeat} changes each. 'Map frame kept': changes "
        "answered in the same map frame (layers swapped in place) rather than a new one.\n\n"
        "| | median (s) | ratio | map frame kept |\n|---|---:|---:|---:|\n"
        f"| minimal app (radio) | {result['minimal_median_s']} | 1.00 | |\n" + rows
    )
    (RESULTS / "widget_rerun.md").write_text(md, encoding="utf-8")
    print(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
