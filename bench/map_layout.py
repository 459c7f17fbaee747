"""How much of an interactive map its controls cover, and whether it fits its data, in Chromium.

Issue 16 asks that on a 605 x 560 map the controls and overlays cover at most
15% of the map, that the areas fill the frame (also when the map was drawn in
a hidden tab), and that tooltips sit above every control. This script builds
the demo's maps (LSOA and MSOA, through :func:`meam_mapping.mapping.interactive_map`),
writes them as standalone pages and opens each in headless Chromium
(Playwright, Debian's ``/usr/bin/chromium``) at 605 x 560:

* covered share: the union of the visible Leaflet controls (panel, zoom,
  layer control, scale, attribution) over the map area, counted per pixel;
* fit: the drawn areas' bounding box against the map frame (share of the
  frame's width and height they span);
* hidden tab: the same page inside an iframe that is ``display: none`` for a
  second and then shown; the fit is measured again after showing it;
* hover: the hover box's stacking order against the controls after moving the
  mouse over an area.

Run from the repository root::

    python bench/map_layout.py            # prints a table, writes bench/results/map_layout.json
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WIDTH, HEIGHT = 605, 560

_MEASURE = """() => {
  const box = document.querySelector('.leaflet-container');
  const r = box.getBoundingClientRect();
  const W = Math.round(r.width), H = Math.round(r.height);
  const covered = new Uint8Array(W * H);
  const controls = [...box.querySelectorAll('.leaflet-control, .meam-hover')]
    .filter(e => e.offsetParent !== null && getComputedStyle(e).display !== 'none');
  const parts = {};
  for (const el of controls) {
    const q = el.getBoundingClientRect();
    const x0 = Math.max(0, Math.floor(q.left - r.left)), x1 = Math.min(W, Math.ceil(q.right - r.left));
    const y0 = Math.max(0, Math.floor(q.top - r.top)), y1 = Math.min(H, Math.ceil(q.bottom - r.top));
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) covered[y * W + x] = 1;
    const name = el.className.split(' ').filter(c => c.startsWith('leaflet-control-') || c.startsWith('meam-'))[0] || el.className;
    parts[name] = (parts[name] || 0) + Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
  }
  let n = 0; for (let i = 0; i < covered.length; i++) n += covered[i];
  const paths = [...box.querySelectorAll('.leaflet-overlay-pane path, .leaflet-overlay-pane canvas')];
  let bx0 = Infinity, by0 = Infinity, bx1 = -Infinity, by1 = -Infinity;
  for (const p of paths) { const q = p.getBoundingClientRect();
    bx0 = Math.min(bx0, q.left); by0 = Math.min(by0, q.top); bx1 = Math.max(bx1, q.right); by1 = Math.max(by1, q.bottom); }
  const attribution = box.querySelector('.leaflet-control-attribution');
  return {covered: n / (W * H), parts, map: [W, H],
          fit_width: (Math.min(bx1, r.right) - Math.max(bx0, r.left)) / W,
          fit_height: (Math.min(by1, r.bottom) - Math.max(by0, r.top)) / H,
          attribution_height: attribution ? attribution.getBoundingClientRect().height : 0,
          attribution_font: attribution ? getComputedStyle(attribution).fontSize : '',
          zoom: window[Object.keys(window).find(k => k.startsWith('map_'))].getZoom()};
}"""


def _pages(workdir: Path) -> dict[str, Path]:
    from meam_mapping.dataset import dataset_from_demo
    from meam_mapping.demo import build_demo
    from meam_mapping.mapping import MapRequest, interactive_map
    from meam_mapping.maps.interactive import save_standalone_html

    dataset = dataset_from_demo(build_demo())
    indicator = str(dataset.indicators["indicator"].iloc[0])
    out = {}
    for level in ("lsoa", "msoa", "lad"):
        path = workdir / f"{level}.html"
        save_standalone_html(interactive_map(dataset, MapRequest(indicator, level=level)), path)
        out[level] = path
        frame = workdir / f"{level}_tab.html"
        frame.write_text(
            "<html><body style='margin:0'><div id='tab' style='display:none'>"
            f"<iframe src='{path.name}' style='border:0;width:{WIDTH}px;height:{HEIGHT}px'></iframe>"
            "</div><script>setTimeout(function(){document.getElementById('tab').style.display='block';},"
            "1000);</script></body></html>"
        )
        out[level + "_tab"] = frame
    return out


def main() -> int:
    from playwright.sync_api import sync_playwright

    results = {}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        pages = _pages(Path(tmp))
        browser = p.chromium.launch(executable_path="/usr/bin/chromium")
        view = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
        for level in ("lsoa", "msoa", "lad"):
            view.goto(pages[level].as_uri())
            view.wait_for_timeout(800)
            first = view.evaluate(_MEASURE)
            path = view.locator(".leaflet-overlay-pane path").nth(3)
            path.hover(force=True)
            view.wait_for_timeout(200)
            hover = view.evaluate(
                "() => {const t = document.querySelector('.meam-hover');"
                " return {shown: t && t.style.display === 'block',"
                " z: t ? +getComputedStyle(t).zIndex : 0,"
                " controls_z: +getComputedStyle(document.querySelector('.leaflet-top')).zIndex,"
                " in_map_pane: !!(t && t.closest('.leaflet-map-pane'))};}"
            )
            view.goto(pages[level + "_tab"].as_uri())
            view.wait_for_timeout(1800)
            inner = view.frames[1]
            tab = inner.evaluate(_MEASURE)
            results[level] = {"first_draw": first, "hover": hover, "hidden_tab": tab}
        browser.close()
    out = ROOT / "bench" / "results" / "map_layout.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"{'level':6} {'covered':>8} {'fit w':>6} {'fit h':>6} {'tab fit w':>9} {'tab fit h':>9} "
          f"{'zoom':>5} {'tab zoom':>8} {'attr px':>7} hover")  # fmt: skip
    for level, r in results.items():
        f, t, h = r["first_draw"], r["hidden_tab"], r["hover"]
        print(
            f"{level:6} {f['covered']:8.1%} {f['fit_width']:6.0%} {f['fit_height']:6.0%} "
            f"{t['fit_width']:9.0%} {t['fit_height']:9.0%} {f['zoom']:5.2f} {t['zoom']:8.2f} "
            f"{f['attribution_height']:7.0f} z {h['z']} > {h['controls_z']}: {h['shown']}"
        )
        print("       parts (px):", f["parts"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
