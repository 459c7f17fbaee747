"""The command line: ``python -m meam_mapping`` (or ``meam-mapping``).

Commands (stable: scripts rely on them)::

    demo      --out WORKSPACE.gpkg
    workspace --boundaries B [--data D]... [--patterns P]... [--name N] --out W.gpkg
    inspect   --data D [--boundaries B [--areas-lookup A]] [--sheet S] [--lookup L] [--format text|json]
    table     (--demo | --workspace W | --boundaries B --data D) --indicator ID
              [--level L] [--period P] [--format csv|json]
    analyse   (--demo | --workspace W | --boundaries B --data D [--patterns P])
              [--level L] [--settings S.json] [--format text|json]
    hidden    --patterns FILE.csv [--by COLUMN] [--method auto|chapman|loglinear|heterogeneity]
              [--interactions "A:B,B:C" | --select aic|bic] [--format table|json|csv]
    map       (--demo | --workspace W.gpkg | --boundaries B --data D) --indicator ID
              [--layer NAME] [--areas-lookup L] [--sheet NAME] [--decimal , | .] [--recover]
              [--level lsoa|msoa|lad] [--scheme quantiles|fisher_jenks|...] [--title T]
              --out FILE.(html|png|svg|pdf)
    pack      (--demo | --workspace W.gpkg | --boundaries B --data D [--patterns P]) --out DIR

A partnership re-runs last year's analysis on this year's files with
``workspace``, ``analyse`` and ``pack``, and no clicks.

Errors a person can fix go to stderr with exit status 2.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from meam_mapping.errors import EstimationError, InputError

__all__ = ["main", "build_parser"]


def _add_source(parser: argparse.ArgumentParser, *, patterns: bool = True) -> None:
    """The data options shared by map, table, analyse and pack."""
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--demo", action="store_true", help="use the synthetic demo")
    source.add_argument("--workspace", type=Path, help="a saved workspace (.gpkg)")
    source.add_argument(
        "--boundaries", type=Path, help="boundary file (GeoJSON, GeoPackage, zipped Shapefile)"
    )
    parser.add_argument(
        "--data", type=Path, action="append", default=[],
        help="indicator table for --boundaries (CSV, XLSX, Fingertips export); repeat for several",
    )  # fmt: skip
    if patterns:
        parser.add_argument(
            "--patterns", type=Path, action="append", default=[],
            help="overlap table (people seen by each combination of services) for --boundaries",
        )  # fmt: skip
    parser.add_argument(
        "--layer", help="boundary layer to use when --boundaries holds several (its name)"
    )
    _add_areas_lookup(parser)
    parser.add_argument("--sheet", help="sheet of an Excel --data workbook holding the table")
    _add_decimal(parser)
    _add_recover(parser)
    parser.add_argument(
        "--threshold", type=int, default=5, help="suppress counts from 1 to THRESHOLD-1 (default 5)"
    )


def _add_areas_lookup(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--areas-lookup", type=Path, metavar="LOOKUP",
        help="ONS lookup (CSV or XLSX) saying which MSOA and district each area of --boundaries is "
        "in, for boundaries that do not say (ONS's LSOA files give only the LSOA's own code): "
        "lets maps and tables add LSOAs up to MSOAs and districts",
    )  # fmt: skip


def _add_decimal(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--decimal", choices=[",", "."], metavar="MARK",
        help="decimal mark of the numbers in --data files: ',' for European files (1.430 is "
        "1430, 18,5 is 18.5) or '.'; default: decided from the file, which says so",
    )  # fmt: skip


def _load_options(args: argparse.Namespace) -> dict[str, str]:
    """Options for the table loader given on the command line (--sheet, --decimal)."""
    options = {"sheet": getattr(args, "sheet", None), "decimal": getattr(args, "decimal", None)}
    return {k: v for k, v in options.items() if v}


def _seed(text: str) -> int:
    """A simulation seed: a whole number from 0 to 2**32 - 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"{value} is not between 0 and 4294967295")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for all commands."""
    parser = argparse.ArgumentParser(
        prog="meam-mapping",
        description="Map, estimate and focus on multiple disadvantage in local areas.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser("demo", help="write the synthetic Cambridgeshire demo as a workspace")
    demo.add_argument("--out", required=True, type=Path, help="workspace file to write (.gpkg)")
    demo.add_argument("--seed", type=_seed, default=2027, help="simulation seed (default 2027)")

    work = sub.add_parser(
        "workspace", help="build a workspace from boundaries and tables (as the Data page does)"
    )
    work.add_argument("--boundaries", required=True, type=Path, help="boundary file")
    work.add_argument("--data", type=Path, action="append", default=[],
                      help="indicator table (repeat for several)")  # fmt: skip
    work.add_argument("--patterns", type=Path, action="append", default=[],
                      help="overlap table (repeat for several; the last one is kept)")  # fmt: skip
    work.add_argument("--name", default="Your data", help="name of the dataset")
    work.add_argument(
        "--layer", help="boundary layer to use when --boundaries holds several (its name)"
    )
    _add_areas_lookup(work)
    work.add_argument("--sheet", help="sheet of an Excel --data workbook holding the table")
    _add_decimal(work)
    work.add_argument("--out", required=True, type=Path, help="workspace file to write (.gpkg)")

    inspect = sub.add_parser(
        "inspect", help="say what was understood of a table (publication, areas, indicators)"
    )
    inspect.add_argument("--data", required=True, type=Path, help="indicator table (CSV, XLSX)")
    inspect.add_argument("--boundaries", type=Path, help="boundary file, to report the join")
    inspect.add_argument("--layer", help="boundary layer to use when --boundaries holds several")
    inspect.add_argument("--sheet", help="sheet of an Excel --data workbook holding the table")
    inspect.add_argument(
        "--lookup", type=Path,
        help="ONS LSOA 2011 to 2021 lookup (CSV or XLSX): says what converting the table would change",
    )  # fmt: skip
    _add_areas_lookup(inspect)
    inspect.add_argument("--format", default="text", choices=["text", "json"])

    table = sub.add_parser("table", help="print the published table behind a map")
    _add_source(table, patterns=False)
    table.add_argument(
        "--indicator", required=True, help="indicator id, heading as in the file, or part of it"
    )
    table.add_argument("--level", choices=["lsoa", "msoa", "lad", "custom"],
                       help="area level (default: the data's)")  # fmt: skip
    table.add_argument("--period", help="period (default: the latest)")
    table.add_argument("--format", default="csv", choices=["csv", "json"])

    analyse = sub.add_parser("analyse", help="run the standard analysis and print it")
    _add_source(analyse)
    analyse.add_argument("--level", choices=["lsoa", "msoa", "lad", "custom"],
                         help="level of the index, hot spots and zones (default msoa)")  # fmt: skip
    analyse.add_argument("--settings", type=Path, help="analysis settings as a JSON file")
    analyse.add_argument("--format", default="text", choices=["text", "json"])

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
    hidden.add_argument(
        "--threshold", type=int, default=5,
        help="hide or round figures that involve counts from 1 to THRESHOLD-1 (default 5); "
        "0 shows everything, for your own unpublished work, labelled NOT FOR SHARING",
    )  # fmt: skip

    mapper = sub.add_parser("map", help="draw a map of one indicator")
    _add_source(mapper, patterns=False)
    mapper.add_argument(
        "--indicator",
        required=True,
        help="indicator id, heading as in the file, or part of it (see the inspect command)",
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
    mapper.add_argument("--preset", default="a4_landscape", help="page size for static maps")
    mapper.add_argument("--out", required=True, type=Path, help="output .html, .png, .svg or .pdf")

    pack = sub.add_parser("pack", help="build the evidence pack for a funding bid")
    _add_source(pack)
    pack.add_argument("--settings", type=Path, help="analysis settings as a JSON file")
    pack.add_argument(
        "--force", action="store_true",
        help="write into an existing folder that already has files (only the pack's files are zipped)",
    )  # fmt: skip
    pack.add_argument(
        "--out", required=True, type=Path,
        help="folder to write (a .zip is written beside it); a name ending .zip names the zip, "
             "and the folder is that name without .zip",
    )  # fmt: skip
    return parser


def _add_recover(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--recover",
        action="store_true",
        help="open a --workspace whose content check is missing or does not match "
        "(edited in QGIS, or saved by an old version), checking every table again",
    )


def run() -> int:
    """The ``meam-mapping`` command (and ``python -m meam_mapping``): :func:`main`, then exit.

    While Python shuts down, its garbage collector walks every object still
    alive several times over: some 125,000 once pandas, scipy and folium are
    imported, about 0.1 s a walk, 0.4-0.5 s of a national map's run spent on
    objects that end with the process anyway. :func:`gc.freeze` takes them
    out of its sight first. Open files, threads and exit handlers still end
    as usual.
    """
    status = main()
    gc.freeze()
    return status


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handlers = {
        "demo": _demo,
        "workspace": _workspace,
        "inspect": _inspect,
        "table": _table,
        "analyse": _analyse,
        "hidden": _hidden,
        "map": _map,
        "pack": _pack,
    }
    try:
        return handlers[args.command](args)
    except (InputError, EstimationError) as err:
        print(f"meam-mapping {args.command}: {err}", file=sys.stderr)
        return 2
    except OSError as err:
        print(f"meam-mapping {args.command}: {_os_problem(err)}", file=sys.stderr)
        return 2


def _os_problem(err: OSError) -> str:
    """An operating-system error in words, naming the path and what to do."""
    name = err.filename or ""
    path = Path(str(name)) if name else None
    if isinstance(err, FileNotFoundError):
        if path is not None and not path.parent.exists():
            return f"{name}: the folder {path.parent} does not exist. Create it or choose another path."
        return f"{name}: file not found. Check the path."
    if isinstance(err, IsADirectoryError):
        return f"{name}: this is a folder, not a file. Give a file name such as map.png."
    if isinstance(err, PermissionError):
        return f"{name}: permission denied. Choose a path you can read or write."
    return f"{name}: {err.strerror or err}. Check the path and the free disk space."


def _demo(args: argparse.Namespace) -> int:
    from meam_mapping.dataset import dataset_from_demo
    from meam_mapping.demo import build_demo
    from meam_mapping.workspace import Workspace, save_workspace

    dataset = dataset_from_demo(build_demo(seed=args.seed))
    path = save_workspace(Workspace(dataset, settings={"seed": args.seed}), args.out)
    print(f"wrote {path} ({len(dataset.areas['lsoa'])} LSOAs; synthetic demonstration data)")
    return 0


def _load_dataset(args: argparse.Namespace, *, on_areas=None, on_reading=None):  # noqa: ANN001, ANN202
    """The dataset the options name.

    ``on_areas`` and ``on_reading`` as in :func:`meam_mapping.loading.build_dataset`.
    """
    if getattr(args, "areas_lookup", None) is not None and not getattr(args, "boundaries", None):
        raise InputError(
            "--areas-lookup goes with --boundaries: it says which MSOA and district each of their "
            "areas is in",
            fix="Give --boundaries and --data with it, or leave it out (a workspace and the demo "
            "know their MSOAs and districts already)",
        )
    if getattr(args, "demo", False):
        from meam_mapping.dataset import dataset_from_demo
        from meam_mapping.demo import build_demo

        return dataset_from_demo(build_demo())
    if getattr(args, "workspace", None):
        from meam_mapping.workspace import load_workspace

        return load_workspace(args.workspace, recover=getattr(args, "recover", False)).dataset
    from meam_mapping.loading import build_dataset

    patterns = getattr(args, "patterns", [])
    if not args.data and not patterns:
        raise InputError(
            "--boundaries needs --data (an indicator table) or --patterns (an overlap table)",
            fix="Add --data FILE",
        )
    options = _load_options(args)
    dataset, report = build_dataset(
        args.boundaries, args.data, patterns, layer=getattr(args, "layer", None),
        on_areas=on_areas, on_reading=on_reading,
        areas_lookup=getattr(args, "areas_lookup", None), **options,
    )  # fmt: skip
    for line in report:
        print(line, file=sys.stderr)
    args.map_report = list(report)
    return dataset


def _policy(args: argparse.Namespace):  # noqa: ANN202 - DisclosurePolicy
    from meam_mapping.disclosure import DisclosurePolicy

    return DisclosurePolicy(threshold=args.threshold)


def _settings(args: argparse.Namespace):  # noqa: ANN202 - AnalysisSettings
    from meam_mapping.pipeline import AnalysisSettings

    settings = AnalysisSettings(threshold=args.threshold)
    if getattr(args, "settings", None):
        path = Path(args.settings)
        if not path.is_file():
            raise InputError("the settings file was not found", file=str(path),
                             fix="Check the path given to --settings")  # fmt: skip
        settings = AnalysisSettings.from_json(path.read_text(encoding="utf-8"))
        settings = settings.replace(threshold=args.threshold) if args.threshold != 5 else settings
    if getattr(args, "level", None):
        settings = settings.replace(level=args.level)
    return settings


def _workspace(args: argparse.Namespace) -> int:
    from meam_mapping.loading import build_dataset
    from meam_mapping.workspace import Workspace, save_workspace

    options = _load_options(args)
    dataset, report = build_dataset(args.boundaries, args.data, args.patterns, name=args.name,
                                    layer=args.layer, areas_lookup=args.areas_lookup,
                                    **options)  # fmt: skip
    print("\n".join(report))
    path = save_workspace(Workspace(dataset), args.out)
    print(f"wrote {path}")
    return 0


def _inspect(args: argparse.Namespace) -> int:
    from meam_mapping.io.inspect import inspect_table

    codes, vintage = None, None
    if args.areas_lookup is not None and args.boundaries is None:
        raise InputError(
            "--areas-lookup goes with --boundaries: it says which MSOA and district each of their "
            "areas is in",
            fix="Give --boundaries with it, or leave it out",
        )
    if args.boundaries is not None:
        from meam_mapping.geography.boundaries import read_boundaries
        from meam_mapping.loading import dataset_from_boundaries, with_lookup

        bounds = read_boundaries(args.boundaries, layer=args.layer)
        if args.areas_lookup is not None:
            bounds = with_lookup(bounds, args.areas_lookup)
        # The table is joined at its own level, as the map and the Data page join it: a
        # district table meets the districts the boundaries (or their lookup) name.
        areas = dataset_from_boundaries(bounds).areas
        codes, vintage = (
            {level: frame["area_code"] for level, frame in areas.items()},
            bounds.vintage,
        )
    lookup = None
    if args.lookup is not None:
        from meam_mapping.io.lookups import read_ons_lookup

        lookup = read_ons_lookup(args.lookup)
    found = inspect_table(args.data, sheet=args.sheet, boundary_codes=codes,
                          boundary_vintage=vintage, lookup=lookup)  # fmt: skip
    if args.format == "json":
        print(json.dumps(found.to_dict(), indent=2, default=_json_default))
    else:
        print(found.to_text())
    return 0


def _indicator(dataset, text: str) -> str:  # noqa: ANN001 - Dataset
    """The id of the indicator named by --indicator (id, heading, or part of it)."""
    from meam_mapping.indicators.lookup import resolve_indicator

    return resolve_indicator(dataset.indicators, text)


def _table(args: argparse.Namespace) -> int:
    from meam_mapping.pipeline.publish import published_table

    dataset = _load_dataset(args)
    args.indicator = _indicator(dataset, args.indicator)
    table = published_table(dataset, args.indicator, args.period, args.level, _policy(args))
    if args.format == "json":
        print(table.to_json(orient="records", indent=2))
    else:
        table.to_csv(sys.stdout, index=False)
    return 0


def _analyse(args: argparse.Namespace) -> int:
    from meam_mapping.pipeline import run
    from meam_mapping.pipeline.report import analysis_text

    dataset = _load_dataset(args)
    analysis = run(dataset, _settings(args), _policy(args))
    if args.format == "json":
        print(json.dumps(analysis.to_dict(), indent=2, default=_json_default))
    else:
        print(analysis_text(analysis, dataset))
    return 0


def _hidden(args: argparse.Namespace) -> int:
    from meam_mapping.estimate.mse import hidden_records
    from meam_mapping.io.patterns import read_patterns
    from meam_mapping.pipeline.publish import NOT_FOR_SHARING, publish_records

    patterns = read_patterns(args.patterns)
    if args.by is not None and args.by in patterns.columns and _is_list_column(patterns[args.by]):
        raise InputError(
            f"--by {args.by} names a list (a 0/1 service column), not a grouping column",
            column=args.by,
            expected="a column such as area_code, sex or age_band",
            fix="Leave out --by, or give --by a column that groups the rows",
        )
    if args.threshold < 0 or args.threshold == 1:
        raise InputError(f"--threshold {args.threshold} is not allowed",
                         expected="0 (not for sharing) or a whole number of 2 or more")  # fmt: skip
    records = hidden_records(
        patterns,
        by=args.by,
        method=args.method,
        interactions=args.interactions,
        select=args.select,
    )
    if args.threshold == 0:
        print(NOT_FOR_SHARING, file=sys.stderr)
        for record in records:
            record["label"] = NOT_FOR_SHARING
    else:
        from meam_mapping.disclosure import DisclosurePolicy

        records = publish_records(records, patterns, DisclosurePolicy(threshold=args.threshold),
                                  by=args.by)  # fmt: skip
    if args.format == "json":
        print(json.dumps(records, indent=2, default=_json_default))
        return 0
    if args.format == "csv":
        import pandas as pd

        frame = pd.DataFrame(records)
        frame["model"] = frame["model"].map(
            lambda terms: ", ".join(terms) if terms else "main effects only"
        )
        frame["warnings"] = frame["warnings"].map(lambda w: " | ".join(w))
        frame.to_csv(sys.stdout, index=False)
        return 0
    from meam_mapping.pipeline.hidden import hidden_records_text

    print(hidden_records_text(records, by=args.by))
    return 0


def _is_list_column(values) -> bool:  # noqa: ANN001 - pandas Series
    import pandas as pd

    numbers = pd.to_numeric(values, errors="coerce")
    return bool(numbers.notna().all() and numbers.isin([0, 1]).all())


def _json_default(value: object) -> object:
    import numpy as np

    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if np.isnan(value) else float(value)
    raise TypeError(type(value).__name__)


def _map(args: argparse.Namespace) -> int:
    from meam_mapping.geography.boundary_cache import deferred_writes

    # The cache entries kept for the next command are written while this one
    # works, and all of them before it ends.
    with deferred_writes(), _fewer_collections():
        return _draw_map(args)


@contextlib.contextmanager
def _fewer_collections():  # noqa: ANN202 - context manager
    """Run the garbage collector less often inside the block (a map's drawing).

    Reading national boundaries makes about 100,000 shapely geometries, each
    tracked by the collector: at Python's default thresholds it runs some 500
    times and walks every object three times over, 0.45 s of CPU in a
    national map's first run. Collecting young objects every 50,000 new ones
    instead of every 700 leaves six runs and no full walk (0.16 s): the
    national first run took 0.2 s less over six alternating pairs, at the
    same peak memory. The thresholds are put back afterwards.
    """
    before = gc.get_threshold()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _draw_map(args: argparse.Namespace) -> int:
    from concurrent.futures import ThreadPoolExecutor

    from meam_mapping.geography.boundary_cache import write_soon

    out_key = _output_key(args)
    if out_key is not None:
        from meam_mapping.maps.output_cache import load_output

        kept = load_output(out_key)
        if kept is not None:  # the same command on the same files ran before: the same bytes
            for line in kept.report:
                print(line, file=sys.stderr)
            with open(args.out, "wb") as handle:
                handle.write(kept.payload)
            print(f"wrote {args.out}")
            return 0
    html = Path(str(args.out)).suffix.lower() == ".html"
    # A second thread does the drawing work that does not wait for the table: importing
    # folium, and lightening the areas' geometry for display as soon as they are read.
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="meam-map") as helper:
        shown: dict[str, object] = {}
        imports: list[object] = []

        # Once, as the boundaries are parsed.
        def import_for_drawing(disclosure: bool = True) -> None:
            if html and not imports:
                imports.append(helper.submit(_import_for_drawing, disclosure))

        on_areas = _display_starter(args, helper, shown) if html else None
        key, cached = _cached_slice(args)
        if cached is not None:
            import_for_drawing(disclosure=False)  # the slice kept is published already
            dataset = _dataset_for_slice(args, cached)
            if on_areas is not None:
                drawn = cached.data["level"].iloc[0] if len(cached.data) else None
                on_areas(dataset, drawn=None if drawn is None else str(drawn))
            indicator, data = cached.indicator, cached.data
            report = list(cached.report)
        else:
            dataset = _load_dataset(args, on_areas=on_areas, on_reading=import_for_drawing)
            import_for_drawing()
            indicator, data = _indicator(dataset, args.indicator), None
            report = list(args.map_report)
        from meam_mapping.mapping import MapRequest, render_map_file, request_slice

        request = MapRequest(
            indicator=indicator,
            period=args.period,
            level=args.level,
            scheme=args.scheme,
            k=args.classes,
            title=args.title,
            preset=args.preset,
        )
        if data is None:
            data = request_slice(dataset, request, _policy(args))[0]
            if key is not None:
                from meam_mapping.maps.slice_cache import CachedSlice, store_slice

                write_soon(store_slice, key, CachedSlice(
                    data=data, indicator=indicator, report=args.map_report, name=dataset.name,
                    label=dataset.label, sources=dataset.sources, notes=dataset.notes))  # fmt: skip
        display = {level: future.result() for level, future in shown.items()}  # type: ignore[attr-defined]
        path = render_map_file(dataset, request, args.out, policy=_policy(args), data=data,
                               display_areas=display or None)  # fmt: skip
    if out_key is not None:
        from meam_mapping.maps.output_cache import store_output

        def keep() -> None:
            with contextlib.suppress(OSError):
                store_output(out_key, Path(path).read_bytes(), report)

        write_soon(keep)
    print(f"wrote {path}")
    return 0


def _prepack_when_done(helper, future) -> None:  # noqa: ANN001 - Executor, Future
    """Once ``future``'s display areas are made, encode their shapes in ``helper`` if the page will pack them.

    The encoding waits for nothing else, so it runs while the main thread
    joins the tables and classes the data; a failed simplification is
    left for the main thread to raise. The encoded shapes are kept in the
    cache folder beside the display areas, and the next command drawing
    the same display areas uses them instead of encoding again.
    """
    from meam_mapping.maps.interactive import PACK_THRESHOLD
    from meam_mapping.maps.pack import (
        keep_packed,
        kept_packed,
        packed_key,
        prepack_geometry_in,
        use_packed,
    )

    def start(done) -> None:  # noqa: ANN001 - Future
        if done.cancelled() or done.exception() is not None:
            return
        areas = done.result()
        if len(areas) <= PACK_THRESHOLD:
            return
        geoms = areas.geometry.to_numpy()
        key = packed_key(areas)
        kept = kept_packed(key, geoms) if key is not None else None
        if kept is not None:  # an earlier command on the same boundaries encoded them
            use_packed(kept)
            return
        with contextlib.suppress(RuntimeError):  # the command already ended
            packing = prepack_geometry_in(helper, geoms)
            if key is not None:
                packing.add_done_callback(
                    lambda f: (
                        not f.cancelled() and f.exception() is None and keep_packed(key, f.result())
                    )
                )

    future.add_done_callback(start)


def _import_for_drawing(disclosure: bool = True) -> None:
    """Import what drawing an interactive map needs, while the files are read.

    folium (compiling its page templates) and, when the slice is still to be
    published (``disclosure``), the disclosure control with its sparse
    solvers take about a second; the main thread, reading the boundaries in
    GDAL, leaves the interpreter free for it.
    """
    import folium  # noqa: F401

    import meam_mapping.mapping  # noqa: F401
    import meam_mapping.maps.interactive  # noqa: F401

    if disclosure:
        import meam_mapping.pipeline.publish  # noqa: F401


def _display_starter(args: argparse.Namespace, helper, shown: dict):  # noqa: ANN001, ANN202
    """A callback starting the display geometry of the level the map will draw, in ``helper``.

    That level is ``drawn`` when known (a kept slice), else --level, else
    the boundaries' own (finest) level, the usual one; the future goes into
    ``shown`` under the level's name (a level not drawn after all is not used).
    ``read``, the boundaries as read, lends the display their own
    longitude/latitude when they were read at that level.
    """
    from meam_mapping.maps.simplify import simplify_for_display

    def start(dataset, read=None, drawn=None) -> None:  # noqa: ANN001 - Dataset, BoundaryResult, str
        level = drawn or args.level or (dataset.levels[0] if dataset.levels else None)
        if level is None or level not in dataset.areas:
            return
        areas = dataset.areas[level]
        # The file's own longitude/latitude serve the level it was read at; handed over,
        # not kept here, so that a display that does not use them lets them go at once.
        held = [read.lonlat if read is not None and read.areas is areas else None]
        shown[level] = helper.submit(
            lambda: simplify_for_display(areas, level=level, as_read=held.pop())
        )
        _prepack_when_done(helper, shown[level])

    return start


def _output_key(args: argparse.Namespace) -> str | None:
    """The key of this map's finished file, or None when it is not kept.

    Only maps of --boundaries and --data files written as .html or .png are
    kept (see :mod:`meam_mapping.maps.output_cache`).
    """
    if getattr(args, "demo", False) or not args.boundaries or not args.data:
        return None
    from meam_mapping.maps.output_cache import output_key

    # Every option, so one added later is in the key too; the files go in by content.
    options = {k: v for k, v in vars(args).items() if k not in {"boundaries", "data", "out"}}
    options["areas_lookup"] = _lookup_digest(args)
    if options["areas_lookup"] is False:
        return None
    return output_key(args.boundaries, list(args.data), Path(args.out).suffix.lower().lstrip("."),
                      **options)  # fmt: skip


def _cached_slice(args: argparse.Namespace):  # noqa: ANN202 - (str | None, CachedSlice | None)
    """The key of this map's published slice, and the slice when an earlier command kept it.

    Only a map of --boundaries and --data files is kept (see
    :mod:`meam_mapping.maps.slice_cache`); the report the loading printed is
    kept with it and printed again.
    """
    args.map_report = []
    if getattr(args, "demo", False) or not args.boundaries or not args.data:
        return None, None
    from meam_mapping.maps.slice_cache import load_slice, slice_key

    lookup = _lookup_digest(args)
    if lookup is False:
        return None, None
    key = slice_key(args.boundaries, list(args.data), layer=getattr(args, "layer", None),
                    options=_load_options(args), indicator=args.indicator, period=args.period,
                    level=args.level, threshold=args.threshold, areas_lookup=lookup)  # fmt: skip
    cached = None if key is None else load_slice(key)
    if cached is not None:
        for line in cached.report:
            print(line, file=sys.stderr)
    return key, cached


def _lookup_digest(args: argparse.Namespace) -> str | None | bool:
    """The --areas-lookup file's content digest (None without one; False when it cannot be read)."""
    path = getattr(args, "areas_lookup", None)
    if path is None:
        return None
    from meam_mapping.geography.boundary_cache import content_digest

    try:
        return content_digest(path) if Path(path).is_file() else False
    except OSError:
        return False


def _dataset_for_slice(args: argparse.Namespace, cached):  # noqa: ANN001, ANN202 - Dataset
    """The areas to draw a kept slice on (boundaries only), with the kept name and sources."""
    from dataclasses import replace
    from datetime import date

    from meam_mapping.geography.boundaries import read_boundaries
    from meam_mapping.loading import dataset_from_boundaries, with_lookup

    read = read_boundaries(args.boundaries, layer=args.layer)
    if getattr(args, "areas_lookup", None) is not None:
        read = with_lookup(read, args.areas_lookup)
    dataset = dataset_from_boundaries(read, name=cached.name)
    today = date.today().isoformat()  # a fresh load dates its sources today
    sources = [{**s, "date": today} if "date" in s else dict(s) for s in cached.sources]
    return replace(dataset, label=cached.label, sources=sources, notes=list(cached.notes))


def _pack(args: argparse.Namespace) -> int:
    from meam_mapping.export.pack import build_pack

    # "--out pack.zip" asks for pack.zip: the folder is "pack" beside it, not "pack.zip/"
    # with "pack.zip.zip".
    out = args.out.with_suffix("") if args.out.suffix.lower() == ".zip" else args.out
    dataset = _load_dataset(args)
    result = build_pack(dataset, out, policy=_policy(args), settings=_settings(args),
                        force=args.force)  # fmt: skip
    print(f"wrote {result.folder} and {result.zip_path}")
    return 0
