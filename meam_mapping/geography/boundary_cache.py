"""Boundaries read once: checked and projected areas kept on disk as GeoParquet.

Reading a national boundary file (34,753 LSOAs) means parsing it, checking
every shape, repairing and reprojecting: seconds of work that give the same
answer for the same file. The first command stores the result in the cache
folder (:func:`meam_mapping.sources.cache.default_cache_dir` ``/boundaries``);
the next command on the same file reads it back in a fraction of the time.

Each entry is one GeoParquet file named by a key made from

* the SHA-256 of the file's *content* (not its name or date), and the options
  that change the result (layer, fields, level, assumed CRS, display name);
* the program version and :data:`CACHE_FORMAT`.

The entry's own metadata repeats the key, version and number of rows. An
entry is used only when all of them match and it reads cleanly; a stale
(another file content), corrupt (unreadable, truncated) or other-version entry
is ignored, deleted and rebuilt, never trusted. Writes are atomic (written
beside, then renamed), and a cache folder that cannot be written only costs
the speed-up: the command still runs.

The display geometry of interactive maps (edges simplified together,
coordinates rounded; :mod:`meam_mapping.maps.simplify`) is kept the same way
under ``display/``, and the published slice of a ``map`` command
(:mod:`meam_mapping.maps.slice_cache`) under ``slices/``, and its finished
HTML or PNG file (:mod:`meam_mapping.maps.output_cache`) under ``outputs/``.
MSOAs and districts merged from many small areas
(:func:`meam_mapping.geography.aggregate.dissolve_areas`) are kept under
``merged/``, and ONS lookups read (:func:`meam_mapping.geography.area_lookup.read_area_lookup`)
under ``lookups/``. :func:`clear_boundary_cache` empties them all.

Set ``MEAM_MAPPING_BOUNDARY_CACHE=0`` to switch the cache off.

A command that only needs the entries for next time writes them in the
background (:func:`deferred_writes`, :func:`write_soon`): the writing overlaps
the command's own work, and every entry is written before the block ends.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from meam_mapping import __version__

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "program_stamp",
    "CACHE_FORMAT",
    "CACHE_SWITCH_ENV",
    "boundary_cache_dir",
    "cache_enabled",
    "cache_key",
    "clear_boundary_cache",
    "content_digest",
    "deferred_writes",
    "frame_fingerprint",
    "load_bytes",
    "load_frame",
    "store_bytes",
    "store_frame",
    "uploaded_bytes",
    "write_parquet_atomic",
    "write_soon",
]

#: Bumped whenever what an entry holds changes meaning.
CACHE_FORMAT = (
    3  # 2: parent names (LAD19NM beside LAD19CD); 3: the parents that lost areas (left_out)
)
#: Environment variable: ``0``/``false``/``no``/``off`` switches the cache off.
CACHE_SWITCH_ENV = "MEAM_MAPPING_BOUNDARY_CACHE"
_META = b"meam_mapping_cache"
_CHUNK = 1 << 20
#: Digests of files read in this process, by path, device, inode, size, modification and change time.
_DIGESTS: dict[tuple[object, ...], str] = {}
_DIGESTS_LOCK = threading.Lock()
_PROGRAM_STAMP: str | None = None
#: A file last changed less than this long ago (nanoseconds) is not remembered.
_SETTLED_NS = 2_000_000_000
#: The background writer of :func:`deferred_writes` while one is open (None: write at once).
_WRITER: dict[str, Any] = {"pool": None, "pending": []}
_WRITER_LOCK = threading.Lock()


@contextlib.contextmanager
def deferred_writes() -> Iterator[None]:
    """Within the block, cache entries are written by one background thread.

    :func:`store_frame` (and anything passed to :func:`write_soon`) returns
    at once and the entry is written while the caller carries on; the block
    ends only when every entry is written. An entry that cannot be written
    costs only the speed-up, as before; any other error of a write is raised
    when the block ends (unless the block itself raised). Blocks may nest:
    the outermost one waits.

    Examples
    --------
    >>> with deferred_writes():
    ...     pass  # store_frame(...) calls here write in the background
    """
    from concurrent.futures import ThreadPoolExecutor

    with _WRITER_LOCK:
        outermost = _WRITER["pool"] is None
        if outermost:
            _WRITER["pool"] = ThreadPoolExecutor(max_workers=1, thread_name_prefix="meam-cache")
            _WRITER["pending"] = []
    if not outermost:
        yield
        return
    failed = False
    try:
        yield
    except BaseException:
        failed = True
        raise
    finally:
        with _WRITER_LOCK:
            pool, pending = _WRITER["pool"], _WRITER["pending"]
            _WRITER["pool"], _WRITER["pending"] = None, []
        pool.shutdown(wait=True)
        if not failed:
            for future in pending:
                future.result()  # re-raises a write's unexpected error


def write_soon(write: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Call ``write(*args, **kwargs)`` in the background inside :func:`deferred_writes`, else now.

    ``write`` must not depend on anything the caller changes afterwards
    (pass copies).
    """
    with _WRITER_LOCK:
        pool = _WRITER["pool"]
        if pool is not None:
            _WRITER["pending"].append(pool.submit(write, *args, **kwargs))
            return
    write(*args, **kwargs)


def boundary_cache_dir(folder: str | os.PathLike[str] | None = None) -> Path:
    """The folder of boundary entries: ``folder`` or the cache folder's ``boundaries/``.

    Parameters
    ----------
    folder : path, optional
        Use this folder instead (tests, a portable install).

    Returns
    -------
    pathlib.Path
        The folder (not created here).
    """
    if folder is not None:
        return Path(folder).expanduser()
    from meam_mapping.sources.cache import default_cache_dir

    return default_cache_dir() / "boundaries"


def cache_enabled() -> bool:
    """Whether ``MEAM_MAPPING_BOUNDARY_CACHE`` leaves the cache on (the default)."""
    value = os.environ.get(CACHE_SWITCH_ENV, "").strip().lower()
    return value not in {"0", "false", "no", "off"}


def content_digest(source: str | os.PathLike[str] | bytes) -> str:
    """SHA-256 of a file's content (read in 1 MiB chunks) or of bytes.

    Parameters
    ----------
    source : path or bytes

    Returns
    -------
    str
        Hexadecimal digest.
    """
    digest = hashlib.sha256()
    if isinstance(source, bytes | bytearray | memoryview):
        digest.update(source)
        return digest.hexdigest()
    with open(source, "rb") as handle:
        # The same file, unchanged since it was last read in this process: the
        # command's output, slice and boundary keys all name it. The change time
        # too: a same-size edit whose modification time is put back still sets it.
        stat = os.fstat(handle.fileno())
        seen = (os.path.realpath(source), stat.st_dev, stat.st_ino, stat.st_size,
                stat.st_mtime_ns, stat.st_ctime_ns)  # fmt: skip
        with _DIGESTS_LOCK:
            known = _DIGESTS.get(seen)
        if known is not None:
            return known
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    found = digest.hexdigest()
    # A file changed moments ago could change again within the clock's step
    # (a few milliseconds) and keep its times: it is hashed each time.
    if time.time_ns() - max(stat.st_mtime_ns, stat.st_ctime_ns) > _SETTLED_NS:
        with _DIGESTS_LOCK:
            if len(_DIGESTS) > 256:
                _DIGESTS.clear()
            _DIGESTS[seen] = found
    return found


def uploaded_bytes(source: object) -> bytes | None:
    """The whole content of an upload (an object with ``getvalue``, as Streamlit's), else None.

    The caches name an upload by its content, as they name bytes; a stream
    without ``getvalue`` is not read here (it could not be read again).
    """
    if not hasattr(source, "getvalue"):
        return None
    content = source.getvalue()
    return bytes(content) if isinstance(content, bytes | bytearray) else None


def program_stamp() -> str:
    """A digest of the program's files: each one's path, size and modification time.

    Any edit or reinstall changes it, so entries kept by another build of the
    program are not used. Computed once per process (one walk of the package).
    """
    global _PROGRAM_STAMP
    if _PROGRAM_STAMP is None:
        root = Path(__file__).resolve().parent.parent
        digest = hashlib.sha256()
        for path in sorted(root.rglob("*")):
            if "__pycache__" in path.parts or not path.is_file():
                continue
            with contextlib.suppress(OSError):
                info = path.stat()
                digest.update(
                    f"{path.relative_to(root)}:{info.st_size}:{info.st_mtime_ns};".encode()
                )
        _PROGRAM_STAMP = digest.hexdigest()
    return _PROGRAM_STAMP


def cache_key(kind: str, *parts: object) -> str:
    """A key for ``parts`` (JSON-able), the program version and the cache format.

    Parameters
    ----------
    kind : str
        What the entry holds (``"boundaries"``, ``"display"``).
    *parts
        Everything that changes the result: content digests and options.

    Returns
    -------
    str
        40 hexadecimal characters.
    """
    text = json.dumps([kind, CACHE_FORMAT, __version__, *parts], default=str, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:40]


def _entry(key: str, kind: str, folder: str | os.PathLike[str] | None) -> Path:
    base = boundary_cache_dir(folder)
    sub = {"display": base / "display", "packed": base / "display" / "packed",
           "merged": base / "merged", "lookup": base / "lookups"}.get(kind, base)  # fmt: skip
    return sub / f"{key}.parquet"


def store_bytes(
    key: str, payload: bytes, meta: dict[str, Any] | None = None, *, kind: str = "packed",
    folder: str | os.PathLike[str] | None = None,
) -> Path | None:  # fmt: skip
    """Keep ``payload`` (and JSON-able ``meta``) under ``key``; None when it cannot be written.

    Written like :func:`store_frame` (in the background inside
    :func:`deferred_writes`, whole or not at all); read back by :func:`load_bytes`.
    """
    if _WRITER["pool"] is not None:
        write_soon(_store_bytes_now, key, bytes(payload), dict(meta or {}), kind, folder)
        return _entry(key, kind, folder)
    return _store_bytes_now(key, payload, meta, kind, folder)


def _store_bytes_now(key: str, payload: bytes, meta: dict[str, Any] | None, kind: str,
                     folder: str | os.PathLike[str] | None) -> Path | None:  # fmt: skip
    import pyarrow as pa

    record = {**(meta or {}), "key": key, "kind": kind, "format": CACHE_FORMAT,
              "version": __version__, "rows": 1, "size": len(payload)}  # fmt: skip
    path = _entry(key, kind, folder)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        table = pa.table({"payload": pa.array([payload], type=pa.large_binary())})
        write_parquet_atomic(
            table.replace_schema_metadata({_META: json.dumps(record).encode()}), path
        )
    except (OSError, ValueError, TypeError):
        return None
    return path


def load_bytes(
    key: str, *, kind: str = "packed", folder: str | os.PathLike[str] | None = None
) -> tuple[bytes, dict[str, Any]] | None:
    """The bytes kept for ``key`` and their metadata, or None.

    An entry that does not read cleanly, or whose recorded key, kind, format,
    version or size does not match, is deleted and None returned.
    """
    path = _entry(key, kind, folder)
    if not path.is_file():
        return None
    try:
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        meta = json.loads((table.schema.metadata or {})[_META])
        payload = table.column("payload")[0].as_py()
        trusted = (
            meta.get("key") == key
            and meta.get("kind") == kind
            and meta.get("format") == CACHE_FORMAT
            and meta.get("version") == __version__
            and table.num_rows == 1
            and isinstance(payload, bytes)
            and meta.get("size") == len(payload)
        )
        if not trusted:
            raise ValueError("the entry was written for another key or version")
    except Exception:  # noqa: BLE001 - any damage means: rebuild, never trust
        with contextlib.suppress(OSError):
            path.unlink()
        return None
    return payload, meta


def load_frame(
    key: str,
    *,
    kind: str = "boundaries",
    folder: str | os.PathLike[str] | None = None,
    on_reading: Callable[[], object] | None = None,
) -> tuple[gpd.GeoDataFrame, dict[str, Any]] | None:
    """The cached frame for ``key`` and its metadata, or None.

    An entry that does not read cleanly, or whose recorded key, version,
    format or row count does not match, is deleted and None returned.

    Parameters
    ----------
    key : str
        From :func:`cache_key`.
    kind : {'boundaries', 'display', 'merged'}
    folder : path, optional
        See :func:`boundary_cache_dir`.
    on_reading : callable, optional
        Called just before an entry found is read (see
        :func:`meam_mapping.geography.boundary_files.when_reading`).

    Returns
    -------
    (geopandas.GeoDataFrame, dict) or None
    """
    path = _entry(key, kind, folder)
    if not path.is_file():
        return None
    try:
        import geopandas as gpd
        import pyarrow.parquet as pq

        if on_reading is not None:
            on_reading()
        table = pq.read_table(path)
        meta = json.loads((table.schema.metadata or {})[_META])
        trusted = (
            meta.get("key") == key
            and meta.get("kind") == kind
            and meta.get("format") == CACHE_FORMAT
            and meta.get("version") == __version__
            and meta.get("rows") == table.num_rows
        )
        if not trusted:
            raise ValueError("the entry was written for another key or version")
        frame = gpd.GeoDataFrame.from_arrow(table)
        for column in meta.get("object_columns", []):  # text with None kept as Python objects
            values = frame[column].astype(object)
            frame[column] = values.where(values.notna(), None)
        if meta.get("crs"):
            frame = frame.set_crs(meta["crs"], allow_override=True)  # "EPSG:27700", not PROJJSON
        frame.attrs = dict(meta.get("attrs", {}))
    except Exception:  # noqa: BLE001 - any damage means: rebuild, never trust
        with contextlib.suppress(OSError):
            path.unlink()
        return None
    return frame, meta


def store_frame(
    key: str,
    frame: gpd.GeoDataFrame,
    meta: dict[str, Any] | None = None,
    *,
    kind: str = "boundaries",
    folder: str | os.PathLike[str] | None = None,
) -> Path | None:
    """Keep ``frame`` (and JSON-able ``meta``) under ``key``; None when it cannot be written.

    Parameters
    ----------
    key : str
        From :func:`cache_key`.
    frame : geopandas.GeoDataFrame
        Its ``attrs`` (JSON-able values only) are kept too.
    meta : dict, optional
        Anything else to give back with the frame (notes, fields).
    kind : {'boundaries', 'display', 'merged'}
    folder : path, optional
        See :func:`boundary_cache_dir`.

    Returns
    -------
    pathlib.Path or None
        The entry, or None when the folder cannot be written (the caller
        carries on without the cache). Inside :func:`deferred_writes` the
        entry is written in the background and its path returned at once.
    """
    with _WRITER_LOCK:
        deferred = _WRITER["pool"] is not None
    if deferred:
        # A shallow copy: columns the caller adds or replaces later do not reach the writer.
        write_soon(_store_frame_now, key, frame.copy(deep=False), meta, kind=kind, folder=folder)
        return _entry(key, kind, folder)
    return _store_frame_now(key, frame, meta, kind=kind, folder=folder)


def _store_frame_now(
    key: str,
    frame: gpd.GeoDataFrame,
    meta: dict[str, Any] | None,
    *,
    kind: str,
    folder: str | os.PathLike[str] | None,
) -> Path | None:
    """:func:`store_frame`, written now."""
    attrs = {k: v for k, v in frame.attrs.items() if _jsonable(v)}
    record = {**(meta or {}), "key": key, "kind": kind, "format": CACHE_FORMAT,
              "version": __version__, "rows": len(frame), "attrs": attrs,
              "crs": frame.crs.to_string() if frame.crs is not None else None,
              "object_columns": [str(c) for c in frame.columns if frame[c].dtype == object]}  # fmt: skip
    path = _entry(key, kind, folder)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        table = frame.to_arrow(index=False, geometry_encoding="WKB")
        import pyarrow as pa

        table = pa.table(table)
        metadata = {**(table.schema.metadata or {}), _META: json.dumps(record).encode("utf-8")}
        write_parquet_atomic(table.replace_schema_metadata(metadata), path)
    except (OSError, ValueError, TypeError):
        return None
    return path


def write_parquet_atomic(table: Any, path: Path) -> None:
    """Write an Arrow ``table`` to ``path`` through a temporary file in the same folder.

    A reader never sees a half-written entry: the file appears whole (``os.replace``)
    or not at all. Shared by the boundary and map-slice caches.
    """
    import pyarrow.parquet as pq

    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".part", dir=path.parent)
    os.close(fd)
    try:
        pq.write_table(table, tmp)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def _jsonable(value: object) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def frame_fingerprint(areas: gpd.GeoDataFrame) -> str:
    """A digest of the areas' codes, columns, CRS and every shape's area, bounds and vertex count.

    Cheap (no coordinate is serialised) and different for any edit a map
    would show: a changed, added or removed shape changes its area, bounds
    or vertex count.
    """
    import numpy as np
    import shapely

    geoms = areas.geometry.to_numpy()
    digest = hashlib.sha256()
    digest.update(repr((list(areas.columns), str(areas.crs), len(areas))).encode())
    for column in areas.columns:
        if column != areas.geometry.name:
            digest.update("\x1f".join(map(str, areas[column].tolist())).encode())
    digest.update(np.ascontiguousarray(shapely.area(geoms)).tobytes())
    digest.update(np.ascontiguousarray(shapely.bounds(geoms)).tobytes())
    digest.update(np.ascontiguousarray(shapely.get_num_coordinates(geoms)).tobytes())
    return digest.hexdigest()


def clear_boundary_cache(folder: str | os.PathLike[str] | None = None) -> int:
    """Delete every cached boundary, display (and packed display), merged, lookup, map-slice and map-output entry.

    Parameters
    ----------
    folder : path, optional
        See :func:`boundary_cache_dir`.

    Returns
    -------
    int
        Number of files deleted.
    """
    base = boundary_cache_dir(folder)
    removed = 0
    for pattern in (
        "*.parquet",
        "*.part",
        "display/*.parquet",
        "display/*.part",
        "display/packed/*.parquet",
        "display/packed/*.part",
        "slices/*.parquet",
        "slices/*.part",
        "merged/*.parquet",
        "merged/*.part",
        "lookups/*.parquet",
        "lookups/*.part",
        "outputs/*.entry",
        "outputs/*.part",
    ):
        for path in base.glob(pattern):
            with contextlib.suppress(OSError):
                path.unlink()
                removed += 1
    return removed
