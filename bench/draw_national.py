"""The national interactive map in Chromium: navigation to all areas drawn, step by step.

Builds the standalone page of all 34,753 LSOAs of England and Wales (as
``bench/national_maps.py``'s ``browser`` does: display geometry, one synthetic
indicator through the disclosure policy) and opens it in headless Chromium
(Debian's ``/usr/bin/chromium``, Playwright), served from localhost. Each run
is a new page; the time is ``window.meamMapDrawn.time`` (two animation frames
after the areas' first draw, so the pixels are on screen), from navigation
start. The page's performance marks split it into steps: HTML and scripts
parsed (``meam-script``), packed areas inflated (``meam-inflated``), layer
built (``meam-layer``), first draw (``meam-first-draw``), on screen.

That "drawn" means drawn is checked: for every area, a pixel at or next to
the one under a point inside it (``shapely.point_on_surface``) must be painted
on the areas' canvas (next to: vertices are rounded to whole pixels, so a
coastline moves by up to half a pixel).
After the runs the pointer is moved over an area in London and the hover box
is read and photographed (``bench/results/draw_national.png``).

``--baseline PAGE`` times another page (e.g. the same map written by an
earlier commit) in the same browser, alternating with ours, for a ratio.

Run from the repository root::

    python bench/draw_national.py [--runs 5] [--baseline old.html]

Writes ``bench/results/draw_national.json`` and prints a summary. Under a minute.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import shutil
import statistics
import sys
import tempfile
import threading
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from report import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

_MARKS = "Object.fromEntries(performance.getEntriesByType('mark').map(m => [m.name, m.startTime]))"
_PAINTED = """(points) => {
  const g = Object.values(window).find(v => v && v.meamAreas);
  if (!g) { return null; }
  const a = g.meamAreas, map = a._map, ctx = a._container.getContext('2d'), o = a._bounds.min;
  const w = a._container.width, h = a._container.height;
  const img = ctx.getImageData(0, 0, w, h).data, k = w / (a._bounds.max.x - o.x);
  let painted = 0;
  for (const [lat, lng] of points) {
    const p = map.latLngToLayerPoint([lat, lng]);
    const x = Math.floor((p.x - o.x) * k), y = Math.floor((p.y - o.y) * k);
    let hit = false;
    for (let dy = -1; dy <= 1 && !hit; dy++) { for (let dx = -1; dx <= 1 && !hit; dx++) {
      const u = x + dx, v = y + dy;
      hit = u >= 0 && v >= 0 && u < w && v < h && img[4 * (v * w + u) + 3] > 0; } }
    if (hit) { painted++; }
  }
  return painted;
}"""


def build_page(path: Path) -> list[list[float]]:
    """Write the national page to ``path``; return a point inside each area (lat, lng)."""
    import shapely
    from national_maps import _data
    from run import _stroke_lsoas

    from meam_mapping.maps.interactive import choropleth, save_standalone_html
    from meam_mapping.maps.simplify import simplify_for_display
    from meam_mapping.maps.spec import MapLayer

    areas = _stroke_lsoas()
    data = _data(areas)
    shown = simplify_for_display(areas, level="lsoa")
    save_standalone_html(choropleth(shown, MapLayer.from_frame(data, title="Homelessness")), path)
    inside = shapely.point_on_surface(shown.geometry.to_numpy())
    return [[p.y, p.x] for p in inside]


def _serve(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *a, **k: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def _one(browser, url: str, points: list | None) -> dict:  # noqa: ANN001
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(url, wait_until="commit")
        page.wait_for_function("window.meamMapDrawn !== undefined", timeout=60_000)
        drawn = page.evaluate("window.meamMapDrawn")
        marks = page.evaluate(_MARKS)
        nav = page.evaluate("performance.getEntriesByType('navigation')[0].toJSON()")
        run = {
            "seconds": drawn["time"] / 1000,
            "features": drawn["features"],
            "response_end_ms": round(nav["responseEnd"]),
            "dom_interactive_ms": round(nav["domInteractive"]),
            "marks_ms": {k: round(v) for k, v in marks.items()},
        }
        if points is not None:
            run["areas_with_painted_pixel"] = page.evaluate(_PAINTED, points)
        return run
    finally:
        page.close()


def _hover_screenshot(browser, url: str, out: Path) -> str:  # noqa: ANN001
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(url, wait_until="commit")
        page.wait_for_function("window.meamMapDrawn !== undefined", timeout=60_000)
        xy = page.evaluate(  # the first of a few places whose area shows its numbers
            "() => {const g = Object.values(window).find(v => v && v.meamAreas), a = g.meamAreas;"
            " const m = a._map, r = m.getContainer().getBoundingClientRect();"
            " for (const ll of [[52.48, -1.9], [53.48, -2.24], [51.5, -0.12], [51.45, -2.59]]) {"
            "  const i = a.hitTest({lat: ll[0], lng: ll[1]});"
            "  if (i >= 0 && a.tip(i).indexOf('Count:') >= 0) {const p = m.latLngToContainerPoint(ll);"
            "   return [p.x + r.left, p.y + r.top];}}"
            " const p = m.latLngToContainerPoint([51.5, -0.12]); return [p.x + r.left, p.y + r.top];}"
        )
        page.mouse.move(xy[0] - 5, xy[1] - 5)
        page.mouse.move(xy[0], xy[1])
        page.wait_for_selector(".meam-hover", state="visible", timeout=10_000)
        text = page.inner_text(".meam-hover")
        page.screenshot(path=str(out))
        return text
    finally:
        page.close()


def _markdown(result: dict, note: str) -> str:
    import os
    import time

    first = result["runs"]["ours"][0]
    marks = first["marks_ms"]
    lines = [
        f"# National map drawn in Chromium ({result['n_areas']:,} LSOAs)", "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on the shared 2-core machine "
        f"(load average at the end {tuple(round(x, 1) for x in os.getloadavg())}: other agents' "
        "jobs ran; read the ratio, not the seconds). Headless Chromium, 1280 x 900, page served "
        "from localhost; time = navigation start to two animation frames after the areas' first "
        "draw (`window.meamMapDrawn`). " + note, "",
        "| page | median s | runs (s) |", "|---|---:|---|",
        f"| ours ({result['html_mb']:.2f} MB) | {result['ours_median_seconds']:.2f} | "
        + ", ".join(f"{s:.2f}" for s in result["ours_runs_seconds"]) + " |",
    ]  # fmt: skip
    if "baseline_median_seconds" in result:
        lines.append(f"| baseline | {result['baseline_median_seconds']:.2f} | "
                     + ", ".join(f"{s:.2f}" for s in result["baseline_runs_seconds"]) + " |")  # fmt: skip
        lines += ["", f"Ratio ours / baseline (medians): {result['ratio_ours_over_baseline']:.2f}."]
    steps = [
        ("response end", first["response_end_ms"]),
        ("DOM interactive", first["dom_interactive_ms"]),
    ]
    steps += [(name, value) for name, value in marks.items()]
    steps.append(("on screen (meamMapDrawn)", round(first["seconds"] * 1000)))
    lines += ["", "Steps of the first run (ms from navigation start):", "",
              "| step | ms |", "|---|---:|"] + [f"| {n} | {v} |" for n, v in steps]  # fmt: skip
    lines += [
        "", f"Areas with a painted pixel at or next to a point inside them: "
        f"{result['areas_with_painted_pixel']:,} of {result['n_areas']:,}.", "",
        f"Hover box over an area (screenshot `draw_national.png`): {result['hover_text']!r}.", "",
    ]  # fmt: skip
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--baseline", type=Path, help="another page to time alternately")
    parser.add_argument(
        "--note", default="", help="a line for the Markdown (e.g. what the baseline is)"
    )
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    results = HERE / "results"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        points = build_page(folder / "national.html")
        size = (folder / "national.html").stat().st_size
        if args.baseline:
            shutil.copyfile(args.baseline, folder / "baseline.html")
        server, base = _serve(folder)
        runs: dict[str, list[dict]] = {"ours": [], "baseline": []}
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                for i in range(args.runs):
                    runs["ours"].append(
                        _one(browser, base + "national.html", points if i == 0 else None)
                    )
                    if args.baseline:
                        runs["baseline"].append(_one(browser, base + "baseline.html", None))
                hover = _hover_screenshot(
                    browser, base + "national.html", results / "draw_national.png"
                )
                browser.close()
        finally:
            server.shutdown()
    ours = [r["seconds"] for r in runs["ours"]]
    result = {
        "n_areas": len(points),
        "html_mb": size / 1e6,
        "ours_median_seconds": statistics.median(ours),
        "ours_runs_seconds": ours,
        "areas_with_painted_pixel": runs["ours"][0].get("areas_with_painted_pixel"),
        "hover_text": hover,
        "runs": runs,
    }
    if args.baseline:
        old = [r["seconds"] for r in runs["baseline"]]
        result.update(baseline_median_seconds=statistics.median(old), baseline_runs_seconds=old,
                      ratio_ours_over_baseline=statistics.median(ours) / statistics.median(old))  # fmt: skip
    (results / "draw_national.json").write_text(json.dumps(result, indent=2) + "\n")
    (results / "draw_national.md").write_text(_markdown(result, args.note), encoding="utf-8")
    print(f"{len(points):,} areas, page {size / 1e6:.2f} MB")
    print(
        f"  ours: median {result['ours_median_seconds']:.2f} s, runs {[round(s, 2) for s in ours]}"
    )
    if args.baseline:
        print(f"  baseline: median {result['baseline_median_seconds']:.2f} s, runs "
              f"{[round(s, 2) for s in result['baseline_runs_seconds']]}; "
              f"ratio {result['ratio_ours_over_baseline']:.2f}")  # fmt: skip
    print(f"  areas with a painted pixel: {result['areas_with_painted_pixel']} of {len(points)}")
    print(f"  marks (first run): {runs['ours'][0]['marks_ms']}")
    print(f"  hover: {hover!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
