"""The command line: ``python -m meam_mapping`` (or ``meam-mapping``).

Commands (stable: scripts rely on them)::

    demo    --out WORKSPACE.gpkg
    hidden  --patterns FILE.csv [--by COLUMN] [--method auto|chapman|loglinear|heterogeneity]
            [--interactions "A:B,B:C" | --select aic|bic] [--format table|json|csv]
    map     (--demo | --workspace W.gpkg | --boundaries B --data D) --indicator ID
            [--level lsoa|msoa|lad] [--scheme quantiles|fisher_jenks|...] [--title T]
            --out FILE.(html|png|svg|pdf)
    pack    (--demo | --workspace W.gpkg) --out DIR

Errors a person can fix go to stderr with exit status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from meam_mapping.errors import EstimationError, InputError

__all__ = ["main", "build_parser"]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for all commands."""
    parser = argparse.ArgumentParser(
        prog="meam-mapping",
        description="Map, estimate and focus on multiple disadvantage in local areas.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser("demo", help="write the synthetic Cambridgeshire demo as a workspace")
    demo.add_argument("--out", required=True, type=Path, help="workspace file to write (.gpkg)")
    demo.add_argument("--seed", type=int, default=2027, help="simulation seed (default 2027)")

    hidden = sub.add_parser("hidden", help="estimate hidden populations from an overlap table")
    hidden.add_argument("--patterns", required=True, type=Path, help="overlap table (CSV or XLSX)")
    hidden.add_argument("--by", help="estimate separately for each value of this column")
    hidden.add_argument(
        "--method",
        default="auto",
        choices=["auto", "chapman", "lincoln_petersen", "loglinear", "heterogeneity"],
    )
    model = hidden.add_mutually_exclusive_group()
    model.add_argument(
        "--interactions", help='two-way interactions to include, e.g. "A:B,B:C", or "none"'
    )
    model.add_argument("--select", choices=["aic", "bic"], help="choose the model by AIC or BIC")
    hidden.add_argument("--format", default="table", choices=["table", "json", "csv"])

    mapper = sub.add_parser("map", help="draw a map of one indicator")
    source = mapper.add_mutually_exclusive_group(required=True)
    source.add_argument("--demo", action="store_true", help="use the synthetic demo")
    source.add_argument("--workspace", type=Path, help="a saved workspace (.gpkg)")
    source.add_argument(
        "--boundaries", type=Path, help="boundary file (GeoJSON, GeoPackage, zipped Shapefile)"
    )
    mapper.add_argument(
        "--data", type=Path, help="indicator table for --boundaries (CSV, XLSX, Fingertips export)"
    )
    mapper.add_argument(
        "--indicator", required=True, help="indicator id (see the Data page or --list)"
    )
    mapper.add_argument("--period", help="period (default: the latest)")
    mapper.add_argument(
        "--level",
        choices=["lsoa", "msoa", "lad", "custom"],
        help="area level (default: the data's)",
    )
    mapper.add_argument(
        "--scheme", default="quantiles", help="classification scheme (default quantiles)"
    )
    mapper.add_argument("--classes", type=int, default=5, help="number of classes (default 5)")
    mapper.add_argument("--title", help="map title")
    mapper.add_argument(
        "--threshold", type=int, default=5, help="suppress counts from 1 to THRESHOLD-1 (default 5)"
    )
    mapper.add_argument("--preset", default="a4_landscape", help="page size for static maps")
    mapper.add_argument("--out", required=True, type=Path, help="output .html, .png, .svg or .pdf")

    pack = sub.add_parser("pack", help="build the evidence pack for a funding bid")
    pack_source = pack.add_mutually_exclusive_group(required=True)
    pack_source.add_argument("--demo", action="store_true")
    pack_source.add_argument("--workspace", type=Path)
    pack.add_argument("--threshold", type=int, default=5)
    pack.add_argument(
        "--out", required=True, type=Path, help="folder to write (a .zip is written beside it)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handlers = {"demo": _demo, "hidden": _hidden, "map": _map, "pack": _pack}
    try:
        return handlers[args.command](args)
    except (InputError, EstimationError) as err:
        print(f"meam-mapping {args.command}: {err}", file=sys.stderr)
        return 2
    except FileNotFoundError as err:
        print(
            f"meam-mapping {args.command}: file not found: {err.filename or err}", file=sys.stderr
        )
        return 2


def _demo(args: argparse.Namespace) -> int:
    from meam_mapping.dataset import dataset_from_demo
    from meam_mapping.demo import build_demo
    from meam_mapping.workspace import Workspace, save_workspace

    dataset = dataset_from_demo(build_demo(seed=args.seed))
    path = save_workspace(Workspace(dataset, settings={"seed": args.seed}), args.out)
    print(f"wrote {path} ({len(dataset.areas['lsoa'])} LSOAs; synthetic demonstration data)")
    return 0


def _load_dataset(args: argparse.Namespace):  # noqa: ANN202 - Dataset
    from meam_mapping.dataset import dataset_from_demo
    from meam_mapping.demo import build_demo
    from meam_mapping.workspace import load_workspace

    if getattr(args, "demo", False):
        return dataset_from_demo(build_demo())
    if getattr(args, "workspace", None):
        return load_workspace(args.workspace).dataset
    from meam_mapping.loading import dataset_from_files

    if not args.data:
        raise InputError(
            "--boundaries needs --data (the indicator table to map)", fix="Add --data FILE"
        )
    return dataset_from_files(args.boundaries, [args.data])


def _hidden(args: argparse.Namespace) -> int:
    from meam_mapping.estimate.mse import hidden_records
    from meam_mapping.io.patterns import read_patterns

    patterns = read_patterns(args.patterns)
    interactions = args.interactions
    records = hidden_records(
        patterns,
        by=args.by,
        method=args.method,
        interactions=interactions,
        select=args.select,
    )
    if args.format == "json":
        print(json.dumps(records, indent=2, default=_json_default))
        return 0
    import pandas as pd

    frame = pd.DataFrame(records)
    frame["model"] = frame["model"].map(
        lambda terms: ", ".join(terms) if terms else "main effects only"
    )
    frame["warnings"] = frame["warnings"].map(lambda w: " | ".join(w))
    if args.format == "csv":
        frame.to_csv(sys.stdout, index=False)
    else:
        print(frame.to_string(index=False))
    return 0


def _json_default(value: object) -> object:
    import numpy as np

    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if np.isnan(value) else float(value)
    raise TypeError(type(value).__name__)


def _map(args: argparse.Namespace) -> int:
    from meam_mapping.disclosure import DisclosurePolicy
    from meam_mapping.mapping import MapRequest, render_map_file

    dataset = _load_dataset(args)
    request = MapRequest(
        indicator=args.indicator,
        period=args.period,
        level=args.level,
        scheme=args.scheme,
        k=args.classes,
        title=args.title,
        preset=args.preset,
    )
    path = render_map_file(
        dataset, request, args.out, policy=DisclosurePolicy(threshold=args.threshold)
    )
    print(f"wrote {path}")
    return 0


def _pack(args: argparse.Namespace) -> int:
    from meam_mapping.disclosure import DisclosurePolicy
    from meam_mapping.export.pack import build_pack

    dataset = _load_dataset(args)
    result = build_pack(dataset, args.out, policy=DisclosurePolicy(threshold=args.threshold))
    print(f"wrote {result.folder} and {result.zip_path}")
    return 0
