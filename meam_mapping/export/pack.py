"""The evidence pack for a funding bid: one folder and a zip of it.

:func:`build_pack` runs (or reuses) :func:`meam_mapping.pipeline.run`
and writes:

``report.pdf`` / ``report.docx``
    The report (same content; the DOCX is editable).
``tables.xlsx``
    One tidy sheet per table plus an About sheet.
``areas.gpkg``
    Areas with results, districts, focus zones and the indicators, for QGIS.
``map.html``
    Offline interactive map with switchable hot-spot and focus-zone layers.
``<table>.csv`` and ``README.txt``
    Each table as CSV, and an About note.
``maps/*.png``
    The report's map images.

Every table has been through the disclosure policy (the writers refuse any
that has not) and every file carries the dataset's label (e.g. "Synthetic
demonstration data") when it has one: CSVs in a ``data_label`` column.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from meam_mapping.dataset import Dataset
from meam_mapping.disclosure import DEFAULT_POLICY, DisclosurePolicy, carry_mark
from meam_mapping.errors import InputError
from meam_mapping.export.content import build_content
from meam_mapping.export.figures import draw_pack_maps, index_slice, published_slice
from meam_mapping.export.report_docx import write_docx
from meam_mapping.export.report_pdf import write_pdf
from meam_mapping.export.tables import about_text, write_csv, write_geopackage, write_xlsx
from meam_mapping.indicators.table import unit_text
from meam_mapping.pipeline import Analysis, AnalysisSettings, run
from meam_mapping.pipeline.run import part_name

__all__ = ["PackResult", "build_pack", "pack_layers"]


@dataclass(frozen=True)
class PackResult:
    """Where the pack was written.

    Attributes
    ----------
    folder : Path
        The pack folder.
    zip_path : Path
        The zip of the folder, beside it.
    files : tuple of Path
        Every file in the folder.
    """

    folder: Path
    zip_path: Path
    files: tuple[Path, ...]


def _labelled(frame: pd.DataFrame, label: str | None) -> pd.DataFrame:
    return frame.assign(data_label=label) if label else frame


def _hidden_frame(value: pd.Series) -> pd.Series:
    return value.map(lambda v: "suppressed" if pd.isna(v) else f"{v:,.1f}")


def pack_layers(dataset: Dataset, results: Analysis) -> dict[str, pd.DataFrame]:
    """GeoPackage layers: areas with results, districts, focus zones, indicators.

    Each layer is built from suppressed tables only and carries their mark.
    """
    tables = results.tables
    layers: dict[str, pd.DataFrame] = {}
    level = results.settings.level
    if "area_estimates" in tables:
        base = tables["area_estimates"]
        merged = results.areas[["area_code", "geometry"]].merge(base, on="area_code", how="left")
        if "index_by_area" in tables:
            idx = tables["index_by_area"][["area_code", "index_decile", "score", "rank",
                                           "co_occurrence"]]  # fmt: skip
            merged = merged.merge(idx, on="area_code", how="left")
        if "hotspots" in tables:
            hot = tables["hotspots"][["area_code", "category", "confidence"]]
            merged = merged.merge(hot.rename(columns={"category": "hotspot"}), on="area_code",
                                  how="left")  # fmt: skip
        if results.zone_assignment is not None:
            zones = results.zone_assignment.astype({"area_code": str})
            merged = merged.merge(zones, on="area_code", how="left")
        layers[f"{level}_results"] = carry_mark(
            base, gpd.GeoDataFrame(merged, crs=results.areas.crs)
        )
    if "hidden_by_district" in tables and "lad" in dataset.areas:
        hidden = tables["hidden_by_district"]
        lad = dataset.areas["lad"][["area_code", "geometry"]]
        merged = lad.merge(hidden.drop(columns=["area_name"]), on="area_code", how="inner")
        layers["districts"] = carry_mark(hidden, merged)
    if "focus_zones" in tables and results.zone_geometry is not None:
        zone_table = tables["focus_zones"]
        merged = results.zone_geometry[["zone", "geometry"]].merge(zone_table, on="zone")
        layers["focus_zones"] = carry_mark(zone_table, merged.sort_values("priority"))
    layers["indicators"] = tables["indicators"]
    return layers


def _html_map(dataset: Dataset, results: Analysis, policy: DisclosurePolicy, path: Path) -> None:
    from meam_mapping.maps.interactive import choropleth, save_standalone_html
    from meam_mapping.maps.spec import MapLayer

    level = results.settings.level
    data = published_slice(dataset, results, results.settings.known_indicator)
    if data.empty and results.scores is not None:
        data = index_slice(results, dataset).assign(
            area_name=lambda f: f["area_code"].map(
                results.areas.set_index("area_code")["area_name"]
            )
        )
    if data.empty:
        return
    extra_cols: list[str] = []
    tables = results.tables
    merged = data
    if "index_by_area" in tables:
        idx = tables["index_by_area"].set_index("area_code")
        merged = merged.assign(
            **{"Index decile (10 = most concentrated)":
               merged["area_code"].map(idx["index_decile"]).astype(str)}
        )  # fmt: skip
        extra_cols.append("Index decile (10 = most concentrated)")
    if "hotspots" in tables:
        hot = tables["hotspots"].set_index("area_code")["category"]
        merged = merged.assign(**{"Hot spot": merged["area_code"].map(hot).fillna("not tested")})
        extra_cols.append("Hot spot")
    if "area_estimates" in tables:
        est = tables["area_estimates"].set_index("area_code")["estimated_people"]
        merged = merged.assign(**{"Estimated people": _hidden_frame(merged["area_code"].map(est))})
        extra_cols.append("Estimated people")
    merged = carry_mark(data, merged)
    layers: dict[str, gpd.GeoDataFrame] = {}
    if results.hotspots is not None:
        hot = results.hotspots[results.hotspots["category"] != "Not significant"]
        shapes = results.areas.merge(hot[["area_code", "category"]], on="area_code")
        layers["Hot and cold spots (index)"] = shapes[
            ["area_code", "area_name", "category", "geometry"]
        ]
    if results.zone_geometry is not None:
        zones = results.zone_geometry.copy()
        zones["category"] = zones["label"]
        layers["Focus zones"] = zones[["category", "geometry"]]
    name = (
        str(data["indicator_name"].iloc[0])
        if "indicator_name" in data
        else results.settings.known_indicator
    )
    layer = MapLayer(
        merged, title=name, period=str(data["period"].iloc[0]),
        unit=unit_text(data), source=str(data["source"].iloc[0]), label=dataset.label,
        attribution="; ".join(str(s["attribution"]) for s in dataset.sources if s.get("attribution")),
        tooltip_fields=tuple(extra_cols), threshold=policy.threshold,
    )  # fmt: skip
    fmap = choropleth(
        dataset.areas[level], layer, outlines=dataset.areas.get("lad"), extra_layers=layers
    )
    save_standalone_html(fmap, path)


def _zip(work: Path, name: str, zip_path: Path) -> list[Path]:
    """Zip exactly the files the pack wrote (in ``work``) under ``name/``; returns them."""
    written = sorted(p.relative_to(work) for p in work.rglob("*") if p.is_file())
    tmp = zip_path.with_name(f".{zip_path.name}.part")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for rel in written:
            archive.write(work / rel, Path(name) / rel)
    os.replace(tmp, zip_path)
    return written


def _check_out(folder: Path, force: bool) -> None:
    """Refuse an output folder that would mix the pack with other files."""
    if folder.exists() and not folder.is_dir():
        raise InputError(
            "this is a file, not a folder", file=str(folder),
            fix="Give --out a folder name that does not exist yet (the pack creates it)",
        )  # fmt: skip
    if folder.is_dir() and any(folder.iterdir()) and not force:
        raise InputError(
            "this folder already has files in it", file=str(folder),
            fix="Give --out a new folder name, or add --force to write the pack's files into it "
            "(only the pack's own files are zipped)",
        )  # fmt: skip
    parent = folder.resolve().parent
    if not parent.is_dir():
        raise InputError(
            "the folder to write the pack into does not exist", file=str(parent),
            fix="Create it first, or choose another --out",
        )  # fmt: skip
    if not os.access(parent, os.W_OK):
        raise InputError(
            "this folder cannot be written to", file=str(parent),
            fix="Choose an --out in a folder you can write to",
        )  # fmt: skip


def _move_into(work: Path, folder: Path, written: list[Path]) -> None:
    if not folder.exists():
        os.replace(work, folder)
        return
    for rel in written:
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        os.replace(work / rel, folder / rel)
    shutil.rmtree(work, ignore_errors=True)


def build_pack(
    dataset: Dataset,
    out_dir: str | os.PathLike[str],
    *,
    policy: DisclosurePolicy = DEFAULT_POLICY,
    settings: AnalysisSettings | None = None,
    results: Analysis | None = None,
    force: bool = False,
) -> PackResult:
    """Build the evidence pack: a folder of reports, tables and maps, and a zip.

    The pack is written into a new folder beside ``out_dir`` first and moved
    into place only when complete, so a failure leaves nothing half-written;
    the zip holds exactly the files the pack wrote.

    Parameters
    ----------
    dataset : Dataset
        The data to analyse.
    out_dir : path-like
        Folder to write (created if needed); the zip is written beside it
        with the same name and ``.zip``.
    policy : DisclosurePolicy
        Small-number policy for every table, map and report.
    settings : AnalysisSettings, optional
        Analysis choices (defaults when None).
    results : Analysis, optional
        Results already computed (e.g. by the app) for this dataset and
        policy; the analysis is run when None.
    force : bool
        Write into an existing folder that already holds files (the other
        files are left alone and not zipped).

    Returns
    -------
    PackResult

    Raises
    ------
    InputError
        If ``out_dir`` is a file, a folder with other files (without
        ``force``), or in a folder that is missing or cannot be written.
    """
    target = Path(out_dir)
    if target.name in ("", ".", ".."):
        target = target.resolve()
    _check_out(target, force)
    if results is None:
        results = run(dataset, settings or AnalysisSettings(threshold=policy.threshold), policy)
    policy = results.policy
    label = dataset.label
    folder = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.resolve().parent))
    try:
        written = _write(dataset, results, policy, label, folder, target)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    _move_into(folder, target, written)
    files = tuple(target / rel for rel in written)
    return PackResult(folder=target, zip_path=target.with_name(target.name + ".zip"), files=files)


def _write(
    dataset: Dataset, results: Analysis, policy: DisclosurePolicy, label: str | None,
    folder: Path, target: Path,
) -> list[Path]:  # fmt: skip
    """Write every file of the pack into ``folder`` and the zip beside ``target``."""
    maps = draw_pack_maps(dataset, results, policy, folder / "maps")
    content = build_content(dataset, results, maps)
    write_pdf(content, folder / "report.pdf")
    write_docx(content, folder / "report.docx")
    tables = results.tables
    notes = {"Dataset": dataset.name, "Produced": content.date}
    notes.update({f"Data note {i}": str(note) for i, note in enumerate(dataset.notes, start=1)})
    for key, reason in results.unavailable.items():
        notes[f"Not available: {part_name(key)}"] = reason.removeprefix("not available: ")
    write_xlsx(tables, folder / "tables.xlsx", notes=notes, label=label)
    write_geopackage(pack_layers(dataset, results), folder / "areas.gpkg", notes=notes, label=label)
    _html_map(dataset, results, policy, folder / "map.html")
    for name, frame in tables.items():
        write_csv(_labelled(frame, label), folder / f"{name}.csv", what=name)
    readme = about_text(tables, label=label, notes=notes)
    readme += "\nFiles\n" + "\n".join(
        f"{name}: {what}" for name, what in (
            ("report.pdf / report.docx", "the report (the DOCX can be edited)"),
            ("tables.xlsx", "every table, one sheet each"),
            ("areas.gpkg", "areas with results, districts and focus zones (opens in QGIS)"),
            ("map.html", "interactive map; works offline in any browser"),
            ("*.csv", "each table as CSV"),
            ("maps/*.png", "the report's maps"),
        )
    ) + "\n"  # fmt: skip
    (folder / "README.txt").write_text(readme, encoding="utf-8")
    return _zip(folder, target.name, target.with_name(target.name + ".zip"))
