"""Find and open the one boundary layer in what the user gave: a file, a folder or a zip.

Everything here happens before GDAL reads a feature, and makes sure GDAL only
ever opens a local file of an allowed format:

* paths that are GDAL virtual files or addresses are refused
  (:func:`meam_mapping.io.offline.refuse_remote_path`);
* the content is sniffed (GeoJSON, GeoPackage, zip, Shapefile); VRT and other
  XML formats are refused whatever the file is called, and a recognised file
  with another name (``boundaries.txt`` holding GeoJSON) is read by its
  content;
* a folder or zip holding several layers is refused, naming them and the
  ``--layer`` option; upper-case ``.SHP/.DBF`` names are accepted;
* a Shapefile without a ``.cpg`` gets its text encoding detected (UTF-8 if
  every name decodes as UTF-8, otherwise Windows-1252), so "St Mary’s" reads
  right;
* the driver GDAL picks is checked against
  :data:`~meam_mapping.io.offline.ALLOWED_DRIVERS`, and GDAL runs with the
  network options of :func:`~meam_mapping.io.offline.offline_gdal`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath

import geopandas as gpd
import pyogrio

from meam_mapping.errors import InputError
from meam_mapping.io.archives import check_zip, extract_zip
from meam_mapping.io.memory import check_boundary_memory
from meam_mapping.io.offline import (
    ALLOWED_DRIVERS,
    offline_gdal,
    refuse_remote_content,
    refuse_remote_path,
)
from meam_mapping.io.safety import (
    check_file_size,
    check_json_depth,
    check_map_file_start,
    describe_content,
)

__all__ = ["dbf_encoding", "open_boundary_layer", "reading_now", "when_reading"]

_KEEP_IN_ZIP = {".shp", ".shx", ".dbf", ".prj", ".cpg", ".gpkg", ".geojson", ".json"}
_EXPECTED = "GeoJSON, a GeoPackage or a zipped Shapefile"


_WAITING = threading.local()


@contextlib.contextmanager
def when_reading(callback: Callable[[], object]) -> Iterator[None]:
    """Within the block, call ``callback()`` once, when this thread starts parsing a boundary layer.

    Parsing (GDAL, or a cached layer read through Arrow) leaves the
    interpreter free, so work started then in other threads (reading the
    indicator tables, importing what the map needs) runs beside it instead
    of taking turns with the checks that come before it. The callback is not
    called if the block ends first (an error, or nothing to parse).

    Examples
    --------
    >>> started = []
    >>> with when_reading(lambda: started.append(True)):
    ...     reading_now()
    ...     reading_now()
    >>> started
    [True]
    """
    waiting = getattr(_WAITING, "callbacks", None)
    if waiting is None:
        waiting = _WAITING.callbacks = []
    waiting.append(callback)
    try:
        yield
    finally:
        if callback in waiting:
            waiting.remove(callback)


def reading_now() -> None:
    """Call (once each) the callbacks this thread's :func:`when_reading` blocks are waiting with."""
    waiting = getattr(_WAITING, "callbacks", None)
    while waiting:
        waiting.pop(0)()


def _first(items: list[str], n: int = 20) -> str:
    return ", ".join(items[:n]) + (" ..." if len(items) > n else "")


def _sniff(head: bytes) -> str | None:
    """The suffix a file's content says it is, or None."""
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return ".zip"
    if head.startswith(b"SQLite format 3\x00"):
        return ".gpkg"
    if head.startswith(b"\x00\x00\x27\x0a"):
        return ".shp"
    if text.startswith((b"{", b"\x1e{")):
        return ".geojson"
    return None


def _materialise(source: object, name: str | None, workdir: Path) -> tuple[Path, str]:
    """Give the source a local path of a sniffed, allowed format; return (path, display name)."""
    if isinstance(source, (str, os.PathLike)):
        refuse_remote_path(os.fspath(source), name, what="boundaries")
        path = Path(source)
        display = name or path.name or str(path)
        if path.is_dir():
            return path, display
        if not path.exists():
            raise InputError(
                "the boundary file was not found",
                file=str(path),
                fix="Check the path and file name",
            )
        check_file_size(path.stat().st_size, display)
        with open(path, "rb") as fh:
            head = fh.read(4096)
        refuse_remote_content(head, display)
        kind = _sniff(head)
        if kind is None:
            return path, display  # the start check below names what it looks like
        if path.suffix.lower() == kind or (kind == ".geojson" and path.suffix.lower() == ".json"):
            return path, display
        if kind == ".shp":
            return path, display  # a .shp needs its siblings: read where it is
        target = workdir / f"upload{kind}"  # read by content, under a name GDAL trusts
        shutil.copyfile(path, target)
        return target, display
    if isinstance(source, (bytes, bytearray)):
        data = bytes(source)
    elif hasattr(source, "read"):
        data = source.read()  # type: ignore[union-attr]
        if isinstance(data, str):
            data = data.encode("utf-8")
    else:
        raise InputError(
            f"cannot read boundaries from a {type(source).__name__}",
            expected="a file path or an uploaded file",
        )
    display = str(name or getattr(source, "name", None) or "uploaded boundaries")
    check_file_size(len(data), display)
    refuse_remote_content(data[:4096], display)
    suffix = Path(display).suffix.lower()
    kind = _sniff(data[:4096])
    if kind is not None and kind != ".shp":
        suffix = kind if not (kind == ".geojson" and suffix == ".json") else suffix
    elif suffix not in {".zip", ".gpkg", ".geojson", ".json"}:
        suffix = ".geojson"  # unrecognised content: the start check names what it is
    path = workdir / f"upload{suffix}"  # fixed safe name: never trust the uploaded name
    path.write_bytes(data)
    return path, display


def _unzip(path: Path, workdir: Path, display: str) -> Path:
    """Extract the useful members of a zip safely and return the folder."""
    out = workdir / "unzipped"
    out.mkdir(exist_ok=True)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise InputError("the zip file is damaged or not a zip file", file=display) from exc
    with archive:
        members = check_zip(archive, display)  # traversal, size, member count, zip bomb
        wanted = [
            m
            for m in members
            if PurePosixPath(m.filename.replace("\\", "/")).suffix.lower() in _KEEP_IN_ZIP
            and not PurePosixPath(m.filename.replace("\\", "/")).name.startswith(".")
        ]
        extract_zip(archive, wanted, out, display)
    return out


def _files(folder: Path, suffixes: tuple[str, ...]) -> list[Path]:
    """Files under ``folder`` whose suffix (any case) is one of ``suffixes``, sorted."""
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and p.suffix.lower() in suffixes and not p.name.startswith(".")
    )


def _sibling(shp: Path, suffix: str) -> Path | None:
    for candidate in shp.parent.iterdir():
        if candidate.stem == shp.stem and candidate.suffix.lower() == suffix:
            return candidate
    return None


def _pick_dataset(
    folder: Path, layer: str | None, display: str, where: str
) -> tuple[Path, str | None]:
    """Choose the one dataset inside a folder (or unzipped archive)."""
    shps = _files(folder, (".shp",))
    others = _files(folder, (".gpkg", ".geojson", ".json"))
    candidates = shps + others
    if layer is not None and len(candidates) > 1:
        chosen = [p for p in candidates if p.stem.lower() == layer.lower()]
        if not chosen:
            raise InputError(
                f"there is no layer called {layer!r} in the {where}",
                file=display,
                expected="one of: " + _first([p.stem for p in candidates]),
            )
        shps = [p for p in chosen if p in shps]
        others = [p for p in chosen if p in others]
        candidates = chosen
    if len(candidates) > 1:
        kinds = "shapefiles" if len(shps) == len(candidates) else "boundary layers"
        raise InputError(
            f"the {where} holds {len(candidates)} {kinds}: "
            + _first([p.stem if p in shps else p.name for p in candidates])
            + "; which one holds the areas?",
            file=display,
            expected="one boundary layer",
            fix="Choose the layer by name (on the command line: --layer NAME), "
            "or keep only that layer in the " + where,
        )
    if shps:
        shp = shps[0]
        missing = [ext for ext in (".dbf", ".shx") if _sibling(shp, ext) is None]
        if missing:
            raise InputError(
                f"the shapefile {shp.stem} is missing its {' and '.join(missing)} file(s)",
                file=display,
                fix="Zip all the files that share the shapefile's name (.shp, .shx, .dbf, .prj)",
            )
        return shp, None
    if others:
        return others[0], layer if others[0].suffix.lower() == ".gpkg" else None
    raise InputError(
        f"no boundary layer was found in the {where}",
        file=display,
        expected="a zipped Shapefile (.shp with .shx, .dbf and .prj), a GeoPackage or GeoJSON",
    )


def _choose_layer(path: Path, layer: str | None, display: str) -> str | None:
    if path.suffix.lower() != ".gpkg":
        return None
    try:
        listed = pyogrio.list_layers(path)
    except Exception as exc:  # pyogrio raises its own DataSourceError
        raise InputError(
            f"the GeoPackage could not be opened ({exc})",
            file=display,
            fix="It may be incomplete or damaged: copy or export it again",
        ) from exc
    spatial = [str(n) for n, g in listed if g is not None]
    if layer is not None:
        if layer not in [str(n) for n, _ in listed]:
            raise InputError(
                f"there is no layer called {layer!r}",
                file=display,
                expected=f"one of: {', '.join(spatial)}",
            )
        return layer
    if len(spatial) == 1:
        return spatial[0]
    raise InputError(
        f"the GeoPackage holds {len(spatial)} map layers: {', '.join(spatial) or '(none)'}",
        file=display,
        fix="Choose the boundary layer by name (on the command line: --layer NAME)",
    )


def dbf_encoding(shp: Path) -> tuple[str | None, str | None]:
    """The text encoding of a Shapefile's ``.dbf`` when no ``.cpg`` says it.

    Returns
    -------
    (encoding, note)
        ``(None, None)`` when a ``.cpg`` exists (GDAL reads it) or every text
        byte is plain ASCII; ``("UTF-8", None)`` when the names decode as
        UTF-8; otherwise ``("CP1252", note)`` with a sentence for the report.
    """
    if _sibling(shp, ".cpg") is not None:
        return None, None
    dbf = _sibling(shp, ".dbf")
    if dbf is None:
        return None, None
    data = dbf.read_bytes()
    if len(data) < 32:
        return None, None
    header = int.from_bytes(data[8:10], "little")
    records = data[header:]
    if records.isascii():
        return None, None
    try:
        records.decode("utf-8", errors="strict")
    except UnicodeDecodeError:
        return "CP1252", (
            f"The shapefile {shp.stem} has no .cpg file saying how its text is encoded, and its "
            "text is not UTF-8; it was read as Windows-1252 (Western European). If names look "
            "wrong, add a .cpg file holding the encoding."
        )
    return "UTF-8", None


def open_boundary_layer(
    source: object, name: str | None, layer: str | None, workdir: Path
) -> tuple[gpd.GeoDataFrame, str, list[str]]:
    """Read the one boundary layer the user means, from a local file of an allowed format.

    Parameters
    ----------
    source : path, bytes or file-like
        What the user gave: a file, a folder or an upload.
    name : str, optional
        Display name for messages.
    layer : str, optional
        GeoPackage layer, or layer name in a folder or zip holding several.
    workdir : pathlib.Path
        A private temporary folder (removed by the caller).

    Returns
    -------
    (frame, display, notes)
        The raw layer, the display name and notes on what was chosen.
    """
    notes: list[str] = []
    path, display = _materialise(source, name, workdir)
    if path.is_dir():
        path, layer = _pick_dataset(path, layer, display, "folder")
    elif path.suffix.lower() == ".zip":
        path, layer = _pick_dataset(_unzip(path, workdir, display), layer, display, "zip file")
    with open(path, "rb") as fh:
        head = fh.read(4096)
    refuse_remote_content(head, display)
    if path.suffix.lower() not in ALLOWED_DRIVERS:
        raise InputError(
            f"the file {path.name!r} is not a boundary file: its contents look like "
            f"{describe_content(head)}",
            file=display,
            expected=_EXPECTED,
            fix="Export the boundaries from QGIS as GeoJSON or GeoPackage and load that",
        )
    check_map_file_start(path, display)
    data = None
    if path.suffix.lower() in {".geojson", ".json"}:
        data = path.read_bytes()
        check_json_depth(data, display)
    check_boundary_memory(path, display, data=data)
    del data
    encoding = None
    if path.suffix.lower() == ".shp":
        encoding, note = dbf_encoding(path)
        if note:
            notes.append(note)
    with offline_gdal():
        chosen = _choose_layer(path, layer, display)
        if path.suffix.lower() in {".geojson", ".json"} and chosen is None:
            # GDAL parses a whole GeoJSON file to tell its driver (0.5 s for England's
            # LSOAs): read it with the GeoJSON driver named instead, so it is parsed
            # once. A file that driver cannot read is looked at as before (below), so
            # another JSON format is named in the same message.
            # Through Arrow: the same frame, and GDAL reads with the interpreter free, so
            # the command's other thread (reading the table) runs at the same time.
            reading_now()
            try:
                raw = gpd.read_file(f"GeoJSON:{path}", engine="pyogrio", use_arrow=True)
            except Exception:  # noqa: BLE001 - reported by the general path below
                pass
            else:
                return raw, display, notes
        try:
            driver = pyogrio.read_info(path, layer=chosen)["driver"]
        except Exception as exc:
            raise InputError(
                f"the file could not be read as a map layer ({exc})",
                file=display,
                expected=_EXPECTED,
                fix="Check the file is complete (not cut short); export it again from QGIS",
            ) from exc
        if driver not in set(ALLOWED_DRIVERS.values()):
            raise InputError(
                f"the file was recognised as the {driver!r} format, which is not read",
                file=display,
                expected=_EXPECTED,
                fix="Export the layer from QGIS as GeoJSON or GeoPackage and load that",
            )
        reading_now()
        try:
            raw = gpd.read_file(path, layer=chosen, engine="pyogrio", encoding=encoding)
        except Exception as exc:
            raise InputError(
                f"the file could not be read as a map layer ({exc})",
                file=display,
                expected=_EXPECTED,
                fix="Check the file is complete (not cut short); export it again from QGIS",
            ) from exc
    if chosen and path.suffix.lower() == ".gpkg":
        notes.insert(0, f"Read layer {chosen!r}.")
    return raw, display, notes
