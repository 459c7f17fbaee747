"""The finished file of a ``map`` command kept on disk, keyed by everything it depends on.

Running the same ``map`` command again on the same files (a script re-run,
a Makefile, a pack rebuilt) asks for exactly the same bytes. The first
command keeps the file it wrote (HTML or PNG) in the cache folder
(:func:`meam_mapping.geography.boundary_cache.boundary_cache_dir` ``/outputs``)
with the loading report it printed; the next one checks the key, copies the
bytes out and prints the same report — without importing pandas, geopandas
or folium at all.

The key is made from

* the SHA-256 of every input file's *content* (hashing a national boundary
  file and its table, 38 MB, takes about 0.07 s: cheaper than trusting a
  size-and-date stamp that a same-size edit with its date restored would
  fool) and the names shown in the report;
* every option of the command (``--indicator``, ``--period``, ``--level``,
  ``--scheme``, ``--classes``, ``--title``, ``--preset``, ``--threshold``,
  ``--layer``, ``--sheet``, ``--decimal``) and the output format;
* today's date (a static map prints it at its foot; entries more than two
  days old can never be used again and are deleted when another is written);
* a stamp of the program's own files (sources and data files), the
  program version, :data:`OUTPUT_FORMAT`, the ``MEAM_MAPPING_*`` environment
  and a stamp of the installed drawing libraries (folium, matplotlib, ...), so
  an upgrade or an edited installation never gets an old file.

Only ``.html`` and ``.png`` are kept: SVG and PDF carry their creation time.
An entry holds a header (its key, version, payload length and the payload's
SHA-256) then the payload; one whose header does not match, or whose payload
is short or does not hash to the recorded digest, is deleted and rebuilt,
never trusted. Writes are atomic; a cache folder that cannot be written only
costs the speed-up. ``MEAM_MAPPING_BOUNDARY_CACHE=0`` switches it off with the
boundary cache, and :func:`~meam_mapping.geography.boundary_cache.clear_boundary_cache`
(the Data page's "clear the cache") empties it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from meam_mapping import __version__

__all__ = [
    "CACHED_FORMATS",
    "OUTPUT_FORMAT",
    "CachedOutput",
    "load_output",
    "output_key",
    "store_output",
]

#: Bumped whenever what an entry holds changes meaning.
OUTPUT_FORMAT = 1
#: Output formats kept (SVG and PDF embed their creation time).
CACHED_FORMATS = ("html", "png")
_MAGIC = b"meam_mapping_output\n"
#: Installed packages whose version can change the drawn file.
_LIBRARIES = ("folium", "branca", "jinja2", "js_lib_leaflet", "xyzservices", "matplotlib",
              "mapclassify", "geopandas", "shapely", "pyproj", "pyogrio", "pandas", "numpy",
              "pyarrow", "PIL")  # fmt: skip
_STAMP: str | None = None
#: Entries older than this many days are deleted when another is written (today's date is in every key).
_KEEP_DAYS = 2


@dataclass(frozen=True)
class CachedOutput:
    """A kept output file.

    Attributes
    ----------
    payload : bytes
        The file's bytes, exactly as the command wrote them.
    report : list of str
        The loading report the command printed.
    """

    payload: bytes
    report: list[str] = field(default_factory=list)


def _environment_stamp() -> str:
    """A digest of the program's files and of the drawing libraries installed.

    The program's files as :func:`~meam_mapping.geography.boundary_cache.program_stamp`;
    each library by its package file's path, size and modification time
    (found without importing it).
    """
    global _STAMP
    if _STAMP is None:
        import importlib.util

        from meam_mapping.geography.boundary_cache import program_stamp

        digest = hashlib.sha256(program_stamp().encode())
        for name in _LIBRARIES:
            try:
                spec = importlib.util.find_spec(name)
                origin = spec.origin if spec is not None else None
                info = os.stat(origin) if origin else None
            except (ImportError, ValueError, OSError):
                origin, info = None, None
            shown = f"{info.st_size}:{info.st_mtime_ns}" if info is not None else "-"
            digest.update(f"{name}={origin}:{shown};".encode())
        _STAMP = digest.hexdigest()
    return _STAMP


def _cache_enabled() -> bool:
    # The boundary cache's switch (one setting turns every kept file off); a light import.
    from meam_mapping.geography.boundary_cache import cache_enabled

    return cache_enabled()


def output_key(
    boundaries: str | os.PathLike[str],
    tables: list[str | os.PathLike[str]],
    fmt: str,
    **options: Any,
) -> str | None:
    """The key of a ``map`` command's output file, or None when it is not kept.

    Parameters
    ----------
    boundaries : path
        The boundary file (not kept unless it is a file).
    tables : list of path
        The indicator tables, in order (at least one).
    fmt : str
        Output format (``"html"``, ``"png"``; others are not kept).
    **options
        Every option of the command (JSON-able values).

    Returns
    -------
    str or None
    """
    paths = [Path(boundaries), *(Path(t) for t in tables)]
    if fmt not in CACHED_FORMATS or not tables or not _cache_enabled():
        return None
    if not all(p.is_file() for p in paths):
        return None
    try:
        from meam_mapping.geography.boundary_cache import content_digest

        files = [[p.name, content_digest(p)] for p in paths]
    except OSError:
        return None
    environment = {k: v for k, v in os.environ.items() if k.startswith("MEAM_MAPPING_")}
    text = json.dumps(["map-output", OUTPUT_FORMAT, __version__, _environment_stamp(), files,
                       fmt, dt.date.today().isoformat(), environment, options],
                      default=str, sort_keys=True)  # fmt: skip
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:40]


def _entry(key: str, folder: str | os.PathLike[str] | None) -> Path:
    if folder is not None:
        base = Path(folder).expanduser()
    else:
        from meam_mapping.geography.boundary_cache import boundary_cache_dir

        base = boundary_cache_dir()
    return base / "outputs" / f"{key}.entry"


def load_output(key: str, *, folder: str | os.PathLike[str] | None = None) -> CachedOutput | None:
    """The output kept under ``key``, or None (a damaged or foreign entry is deleted).

    Parameters
    ----------
    key : str
        From :func:`output_key`.
    folder : path, optional
        The boundary cache folder (default
        :func:`~meam_mapping.geography.boundary_cache.boundary_cache_dir`).
    """
    path = _entry(key, folder)
    if not path.is_file():
        return None
    try:
        blob = path.read_bytes()
        if not blob.startswith(_MAGIC):
            raise ValueError("not an output entry")
        end = blob.index(b"\n", len(_MAGIC))
        meta = json.loads(blob[len(_MAGIC) : end])
        payload = blob[end + 1 :]
        trusted = (
            meta.get("key") == key
            and meta.get("format") == OUTPUT_FORMAT
            and meta.get("version") == __version__
            and meta.get("size") == len(payload)
            and meta.get("sha256") == hashlib.sha256(payload).hexdigest()
        )
        if not trusted:
            raise ValueError("the entry was written for another key or version, or is damaged")
        found = CachedOutput(payload=payload, report=[str(x) for x in meta["report"]])
    except Exception:  # noqa: BLE001 - any damage means: rebuild, never trust
        with contextlib.suppress(OSError):
            path.unlink()
        return None
    return found


def store_output(
    key: str, payload: bytes, report: list[str], *, folder: str | os.PathLike[str] | None = None
) -> Path | None:
    """Keep ``payload`` and ``report`` under ``key``; None when it cannot be written.

    Parameters
    ----------
    key : str
        From :func:`output_key`.
    payload : bytes
        The output file's bytes.
    report : list of str
        The lines the command printed before writing.
    folder : path, optional
        See :func:`load_output`.
    """
    meta = {"key": key, "format": OUTPUT_FORMAT, "version": __version__, "size": len(payload),
            "sha256": hashlib.sha256(payload).hexdigest(), "report": list(report)}  # fmt: skip
    path = _entry(key, folder)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".part", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(_MAGIC + json.dumps(meta).encode("utf-8") + b"\n")
            handle.write(payload)
        os.replace(tmp, path)
    except (OSError, TypeError, ValueError):
        return None
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
    _prune(path.parent)
    return path


def _prune(folder: Path, days: float = _KEEP_DAYS) -> int:
    """Delete entries written more than ``days`` ago: their key holds their day, so none can be used again."""
    import time

    oldest = time.time() - days * 86_400
    removed = 0
    for entry in [*folder.glob("*.entry"), *folder.glob("*.part")]:
        with contextlib.suppress(OSError):
            if entry.stat().st_mtime < oldest:
                entry.unlink()
                removed += 1
    return removed
