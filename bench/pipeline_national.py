"""National pipeline benchmark: load to hot spots, and MSE over every district, in one process.

Simulates national-sized inputs in-process (no boundary file needed):
34,753 square LSOA-like areas on the British National Grid in 348 districts
(about 100 areas each, 5 to an MSOA), a seeded tidy CSV of four domain
indicators (``bench/run.py``'s ``synthetic_csv``) and an overlap table of four
lists per district (``synthetic_patterns``). Each stage of our pipeline (load,
validate, join, aggregate, index with rank simulations, typology with the
number of groups chosen automatically, queen weights, Gi* hot spots with 999
permutations) and hidden-population estimates (MSE) over all districts is
timed beside the naive recipe of ``bench/naive.py`` run in the same process.

Issue 17's targets: load to hot spots under 10 s; MSE over 348 districts
under 30 s, on this 2-core machine.

Run from the repository root::

    python bench/pipeline_national.py                        # national, writes results
    python bench/pipeline_national.py --areas 5000 --districts 50 --no-write
    python bench/pipeline_national.py --n-jobs 1             # MSE strata one at a time

Writes ``bench/results/pipeline_national.md`` (and ``.json``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import naive  # noqa: E402
import report  # noqa: E402
from run import measure as _measure_wall  # noqa: E402
from run import synthetic_csv, synthetic_patterns  # noqa: E402

CPU: dict[str, float] = {}  # CPU seconds of this process per stage (robust to a busy machine)


def timed(stages: dict, stage: str, fn, *args, **kwargs):  # noqa: ANN001, ANN201
    """Run a stage: wall seconds and peak MB into ``stages``, CPU seconds into ``CPU``."""
    start = time.process_time()
    result, wall, peak = _measure_wall(fn, *args, **kwargs)
    CPU[stage] = time.process_time() - start
    stages[stage] = [wall, peak]
    return result


PIPELINE = ("load", "validate", "join", "aggregate", "index", "typology", "spatial weights",
            "hotspots (999 permutations)")  # fmt: skip
MSE = "MSE over strata"


def national_areas(n_areas: int = 34_753, n_districts: int = 348):  # noqa: ANN201
    """Square 400 m areas on a grid, numbered in rows; districts are runs of neighbouring rows."""
    import geopandas as gpd
    import shapely

    side = int(np.ceil(n_areas**0.5))
    i = np.arange(n_areas)
    x0 = 300_000 + (i % side) * 400.0
    y0 = 100_000 + (i // side) * 400.0
    cells = shapely.box(x0, y0, x0 + 400, y0 + 400)
    district = (i * n_districts) // n_areas
    return gpd.GeoDataFrame(
        {
            "area_code": [f"E01{k:06d}" for k in range(1, n_areas + 1)],
            "area_name": [f"Area {k:05d}" for k in range(1, n_areas + 1)],
            "level": "lsoa",
            "msoa_code": [f"E02{k // 5:06d}" for k in range(n_areas)],
            "lad_code": [f"E06{d:06d}" for d in district],
        },
        geometry=cells,
        crs="EPSG:27700",
    )


def ours(areas, csv: bytes, patterns: pd.DataFrame, n_jobs: int | None) -> dict:  # noqa: ANN001
    from meam_mapping.concentrate.hotspots import Hotspots
    from meam_mapping.concentrate.index import CompositeIndex, domain_rates
    from meam_mapping.concentrate.typology import Typology
    from meam_mapping.concentrate.weights import build_weights
    from meam_mapping.estimate.mse import estimate_by_stratum
    from meam_mapping.geography.aggregate import aggregate_indicators
    from meam_mapping.geography.join import join_indicators
    from meam_mapping.io.indicators import load_indicator_file
    from meam_mapping.io.validate import validate_indicator_table

    stages: dict = {}
    loaded = timed(stages, "load", load_indicator_file, csv, name="indicators.csv")
    table = loaded.table
    _ = timed(stages, "validate", validate_indicator_table, table, file="indicators.csv")
    _ = timed(stages, "join", join_indicators, areas, table, file="indicators.csv")
    lookup = pd.Series(areas["msoa_code"].to_numpy(), index=areas["area_code"].to_numpy())
    _ = timed(stages, "aggregate", aggregate_indicators, table, lookup, to_level="msoa")

    def index():  # noqa: ANN202
        rates = domain_rates(table, areas)
        return rates, CompositeIndex().fit(rates)

    (rates, model) = timed(stages, "index", index)
    typology = timed(stages, "typology", lambda: Typology(random_state=0).fit(rates))
    weights = timed(stages, "spatial weights", build_weights, areas, "queen")
    score = model.scores_.set_index("area_code")["score"].reindex(areas["area_code"]).to_numpy()
    values = areas[["area_code", "geometry"]].assign(score=score)
    _ = timed(stages, "hotspots (999 permutations)",
              lambda: Hotspots(weights=weights, permutations=999, random_state=0).fit(values, "score"))  # fmt: skip
    for name, (seconds, _) in stages.items():
        print(f"  {name:30s} {seconds:7.2f} s  cpu {CPU[name]:7.2f} s", flush=True)
    kw = {} if n_jobs is None else {"n_jobs": n_jobs}
    mse = timed(stages, MSE, estimate_by_stratum, patterns, "lad_code", **kw)
    print(f"  {MSE:30s} {stages[MSE][0]:7.2f} s  cpu {CPU[MSE]:7.2f} s", flush=True)
    return {"stages": stages, "n_clusters": int(typology.n_clusters_),
            "n_hat_total": float(mse.loc[mse["lad_code"] != "Total", "n_hat"].sum())
            if "lad_code" in mse else None}  # fmt: skip


def _mse_start() -> str:
    """How the MSE workers were started here ('fork' or 'loky')."""
    from meam_mapping.estimate.mse.parallel import start_method

    return start_method()


def worker_start_cpu() -> float:
    """CPU seconds for a new Python process to import what an MSE worker imports."""
    import resource
    import subprocess

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-c", "import meam_mapping.estimate.mse.strata"],
                   cwd=ROOT, check=True)  # fmt: skip
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _markdown(result: dict) -> str:
    rows = result["stages"]
    lines = [
        "# National pipeline benchmark (issue 17, item 6)",
        "",
        f"Run {result['when']} on {result['cpu_count']} cores; load average at the end "
        f"{', '.join(f'{x:.1f}' for x in result['load_average'])} (other jobs share the machine).",
        "",
        f"Simulated in-process: {result['n_areas']:,} square areas, {result['n_districts']} "
        f"districts (overlap tables of 4 lists); MSE workers: {result['n_jobs']}. "
        "Time in seconds (one run each), wall clock and this process's CPU time (MSE workers' "
        "CPU is not counted; with `--n-jobs 1` it is all in this process); peak = process resident set (VmHWM, reset per stage). "
        "Speed-up = naive time / our time; the naive recipe (`bench/naive.py`) does less "
        "(no checks, fixed k = 5, no rank ranges, a main-effects Poisson GLM per district).",
        "",
        "| stage | ours (s) | ours CPU (s) | naive (s) | speed-up | ours peak (MB) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        naive_s = "" if r["naive_seconds"] is None else f"{r['naive_seconds']:.3f}"
        speed = "" if r["speedup"] is None else f"{r['speedup']:.1f}x"
        cpu = result["cpu"].get(r["stage"], float("nan"))
        lines.append(f"| {r['stage']} | {r['seconds']:.3f} | {cpu:.3f} | {naive_s} | {speed} | "
                     f"{r['peak_rss_mb']:.0f} |")  # fmt: skip
    lines += [
        "",
        f"Load to hot spots: **{result['pipeline_seconds']:.1f} s** "
        f"({result['pipeline_cpu_seconds']:.1f} s CPU; target < 10 s); "
        f"MSE over {result['n_districts']} districts: **{result['mse_seconds']:.1f} s** "
        "(target < 30 s).",
        f"Typology chose {result['n_clusters']} groups. MSE workers started by "
        f"{result['mse_start']!r}: forked workers share this process's imported code; a fresh "
        f"interpreter (loky, where fork is not used) spends {result['worker_start_cpu_seconds']:.1f} "
        "CPU s starting and importing it.",
    ]
    for note in result.get("notes", []):
        lines += ["", note]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--areas", type=int, default=34_753)
    parser.add_argument("--districts", type=int, default=348)
    parser.add_argument("--n-jobs", type=int, default=None, help="MSE workers (default: library's)")
    parser.add_argument(
        "--mse-districts",
        type=int,
        default=None,
        help="estimate only the first N districts (for slow baselines)",
    )
    parser.add_argument("--out", default="pipeline_national", help="results file stem")
    parser.add_argument("--no-naive", action="store_true", help="skip the naive baseline")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--note", action="append", default=[], help="text added to the results")
    args = parser.parse_args(argv)

    areas = national_areas(args.areas, args.districts)
    csv = synthetic_csv(areas)
    patterns = synthetic_patterns(areas)
    if args.mse_districts:
        keep = sorted(patterns["lad_code"].unique())[: args.mse_districts]
        patterns = patterns.loc[patterns["lad_code"].isin(keep)].reset_index(drop=True)
    print(f"{len(areas):,} areas, {areas['lad_code'].nunique()} districts", flush=True)
    got = ours(areas, csv, patterns, args.n_jobs)
    base: dict = {}
    if not args.no_naive:
        naive.stages(areas, csv, patterns, base)
    stages = got["stages"]
    result = {
        "n_areas": len(areas),
        "n_districts": int(patterns["lad_code"].nunique()),
        "n_jobs": args.n_jobs if args.n_jobs is not None else "default",
        "cpu_count": os.cpu_count(),
        "load_average": os.getloadavg(),
        "stages": report.pair(stages, base),
        "pipeline_seconds": sum(stages[s][0] for s in PIPELINE),
        "pipeline_cpu_seconds": sum(CPU[s] for s in PIPELINE),
        "cpu": dict(CPU),
        "mse_seconds": stages[MSE][0],
        "n_clusters": got["n_clusters"],
        "n_hat_total": got["n_hat_total"],
        "worker_start_cpu_seconds": worker_start_cpu(),
        "mse_start": _mse_start(),
        "notes": args.note,
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    text = _markdown(result)
    print(text)
    if not args.no_write:
        out = HERE / "results"
        (out / f"{args.out}.md").write_text(text)
        (out / f"{args.out}.json").write_text(json.dumps(result, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
