"""Guards every file reader runs before and around a parser.

Files reach MEAM Mapping from many hands: exported from case-management
systems, renamed, truncated by an email gateway, or (on a shared server)
crafted to do harm. The readers in :mod:`meam_mapping.io` and
:mod:`meam_mapping.geography.boundaries` use these guards so that:

* a file larger than the app accepts (:data:`MAX_FILE_BYTES`, the same 200 MB
  as ``server.maxUploadSize`` in ``.streamlit/config.toml``) is refused before
  it is parsed;
* a zip archive (a zipped Shapefile, or an ``.xlsx`` workbook) is checked by
  :mod:`meam_mapping.io.archives` before anything in it is read;
* JSON nested deeper than any real GeoJSON (:data:`MAX_JSON_DEPTH`) is refused
  by a scan of bracket depth, before any JSON parser sees it;
* a map file must start the way its format does, so that GDAL is never asked
  to open something else (such as a VRT file that points at other files)
  under a ``.geojson`` name;
* workbooks are opened by openpyxl only when ``defusedxml`` is installed
  (openpyxl then parses every XML part with it, which refuses entity
  expansion "billion laughs" and external entities);
* anything a parser raises that is not already an
  :class:`~meam_mapping.errors.InputError` becomes one that names the file and
  says what the file looks like (:func:`guard_loader`).
"""

from __future__ import annotations

import csv
import functools
import importlib.util
import inspect
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from meam_mapping.errors import EstimationError, InputError

__all__ = [
    "MAX_CELL_CHARS",
    "MAX_FILE_BYTES",
    "MAX_JSON_DEPTH",
    "as_input_error",
    "check_file_size",
    "check_json_depth",
    "check_map_file_start",
    "describe_content",
    "format_size",
    "guard_loader",
    "json_depth",
    "require_defusedxml",
]

#: Largest file any reader accepts, in bytes (matches ``server.maxUploadSize = 200``).
MAX_FILE_BYTES = 200 * 1024**2
#: Deepest bracket nesting accepted in JSON (a MultiPolygon FeatureCollection needs 7).
MAX_JSON_DEPTH = 64
#: Longest cell a CSV reader accepts (Python's ``csv.field_size_limit()`` default).
MAX_CELL_CHARS = csv.field_size_limit()

_MB = 1024**2
_T = TypeVar("_T")


def format_size(n_bytes: float) -> str:
    """Return a size in bytes as readable text, e.g. ``"200.0 MB"``.

    Parameters
    ----------
    n_bytes : float
        Size in bytes.

    Returns
    -------
    str
        The size in GB, MB or bytes.
    """
    if n_bytes >= 1024**3:
        return f"{n_bytes / 1024**3:,.1f} GB"
    return f"{n_bytes / _MB:,.1f} MB" if n_bytes >= _MB / 10 else f"{n_bytes:,.0f} bytes"


def check_file_size(size: int, file: str, *, limit: int = MAX_FILE_BYTES) -> None:
    """Refuse a file larger than ``limit`` bytes before it is read.

    Parameters
    ----------
    size : int
        The file's size in bytes.
    file : str
        File name for the message.
    limit : int, default :data:`MAX_FILE_BYTES`
        Largest size accepted.

    Raises
    ------
    InputError
        If ``size`` is over ``limit``.
    """
    if size > limit:
        raise InputError(
            f"The file is {format_size(size)}, larger than the {format_size(limit)} "
            "MEAM Mapping accepts",
            file=file,
            expected=f"a file of at most {format_size(limit)}",
            fix="Keep only the rows and columns for your area (for boundaries, use the "
            "generalised 'BGC' version clipped to your area), or split the file",
        )


def describe_content(data: bytes) -> str:
    """Say in plain words what a file looks like from its first bytes.

    Parameters
    ----------
    data : bytes
        The file's contents, or at least its first few kilobytes.

    Returns
    -------
    str
        A description such as ``"a zip archive"`` or ``"text"``.

    Examples
    --------
    >>> describe_content(b"%PDF-1.7 ...")
    'a PDF document'
    """
    head = bytes(data[:4096])
    magic = (
        (b"PK\x03\x04", "a zip archive (an Excel workbook or zipped files)"),
        (b"PK\x05\x06", "an empty zip archive"),
        (b"%PDF", "a PDF document"),
        (b"\xd0\xcf\x11\xe0", "an old-style .xls or password-protected Office file"),
        (b"\x1f\x8b", "a compressed (.gz) file"),
        (b"SQLite format 3\x00", "an SQLite database (such as a GeoPackage)"),
        (b"\x00\x00\x27\x0a", "the .shp part of a Shapefile"),
        (b"\x89PNG", "a PNG image"),
        (b"\xff\xd8\xff", "a JPEG image"),
        (b"\xff\xfe", "UTF-16 text"),
        (b"\xfe\xff", "UTF-16 text"),
    )
    if not head.strip(b" \t\r\n\x00"):
        return "an empty file"
    for start, what in magic:
        if head.startswith(start):
            return what
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html")):
        return "a web page (HTML)"
    if text.startswith(b"<"):
        return "an XML file"
    if text.startswith(b"["):
        return "a JSON list (GeoJSON is an object starting with '{')"
    if text.startswith(b"{"):
        return "JSON"
    if b"\x00" in head:
        return "a binary (non-text) file"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at 4 KB
            return "text that is not UTF-8 (perhaps Windows-1252) or a binary file"
    return "text"


_JSON_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'[]{}"')
_OPEN = np.zeros(256, dtype=np.int8)
_OPEN[list(b"[{")] = 1
_OPEN[list(b"]}")] = -1


def json_depth(data: bytes, *, stop_at: int | None = None) -> int:
    """Return the deepest bracket nesting in JSON text, ignoring brackets in strings.

    Parameters
    ----------
    data : bytes
        JSON text (UTF-8).
    stop_at : int, optional
        Return as soon as this depth is reached.

    Returns
    -------
    int
        Maximum depth of ``[``/``{`` nesting (``{"a": [1]}`` is 2).

    Examples
    --------
    >>> json_depth(b'{"a": [1, "[[["]}')
    2
    """
    if b"\\" not in data:
        found = _depth_without_escapes(data, stop_at)
        if found is not None:
            return found
    brackets = _JSON_STRING.sub(b"", data).translate(None, _NOT_BRACKETS)
    deepest, level = 0, 0
    chunk = 4 * _MB
    for start in range(0, len(brackets), chunk):
        steps = _OPEN[np.frombuffer(brackets[start : start + chunk], dtype=np.uint8)]
        depth = level + np.cumsum(steps, dtype=np.int64)
        deepest = max(deepest, int(depth.max()))
        level = int(depth[-1])
        if stop_at is not None and deepest >= stop_at:
            break
    return deepest


def _depth_without_escapes(data: bytes, stop_at: int | None) -> int | None:
    """:func:`json_depth` of text without backslashes, in array operations; None if a string is open.

    Without escapes, a string runs from one quote to the next, so a bracket is
    inside a string exactly when an odd number of quotes come before it (the
    regular expression's reading, without a pass over every character in Python).
    """
    kept = np.frombuffer(data.translate(None, _NOT_STRUCTURE), dtype=np.uint8)
    quotes = kept == ord('"')
    if int(quotes.sum()) % 2:
        return None  # an unterminated string: the general reading decides
    deepest, level, parity = 0, 0, 0
    chunk = 4 * _MB
    for start in range(0, len(kept), chunk):
        part, quote = kept[start : start + chunk], quotes[start : start + chunk]
        inside = (parity + np.cumsum(quote, dtype=np.int64)) % 2 == 1
        parity = int(inside[-1]) if len(inside) else parity
        steps = np.where(inside, 0, _OPEN[part]).astype(np.int64)
        depth = level + np.cumsum(steps)
        deepest = max(deepest, int(depth.max()))
        level = int(depth[-1])
        if stop_at is not None and deepest >= stop_at:
            break
    return deepest


def check_json_depth(data: bytes, file: str, *, limit: int = MAX_JSON_DEPTH) -> None:
    """Refuse JSON nested more deeply than ``limit`` before any parser sees it.

    Parameters
    ----------
    data : bytes
        The JSON text.
    file : str
        File name for the message.
    limit : int, default :data:`MAX_JSON_DEPTH`
        Deepest nesting accepted.

    Raises
    ------
    InputError
        If the brackets nest deeper than ``limit``.
    """
    depth = json_depth(data, stop_at=limit + 1)
    if depth > limit:
        raise InputError(
            f"The JSON in this file is nested more than {limit} levels deep, far more "
            "than any map file needs; it may be damaged or made to crash the reader",
            file=file,
            expected="a GeoJSON FeatureCollection of polygons",
            fix="Export the boundaries again from QGIS or the ONS Open Geography Portal",
        )


_MAP_STARTS: dict[str, tuple[tuple[bytes, ...], str]] = {
    ".geojson": ((b"{", b"\x1e{"), "GeoJSON (text starting with '{')"),
    ".json": ((b"{", b"\x1e{"), "GeoJSON (text starting with '{')"),
    ".gpkg": ((b"SQLite format 3\x00",), "a GeoPackage"),
    ".shp": ((b"\x00\x00\x27\x0a",), "the .shp part of a Shapefile"),
}


def check_map_file_start(path: Path, file: str) -> None:
    """Refuse a map file whose first bytes do not match its format.

    GDAL opens files by their contents, not their names, so without this
    check a file named ``.geojson`` could be read as any format GDAL knows,
    including ones that make it open other files.

    Parameters
    ----------
    path : pathlib.Path
        The file on disk; its suffix says the format expected.
    file : str
        File name for the message.

    Raises
    ------
    InputError
        If the contents do not start the way the format does.
    """
    suffix = path.suffix.lower()
    if suffix not in _MAP_STARTS:
        return
    starts, label = _MAP_STARTS[suffix]
    with open(path, "rb") as fh:
        head = fh.read(4096)
    text = head if suffix in (".gpkg", ".shp") else head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if not text.startswith(starts):
        raise InputError(
            f"The file name says {label}, but the contents look like {describe_content(head)}",
            file=file,
            expected="GeoJSON, a GeoPackage or a zipped Shapefile",
            fix="Check you chose the right file; export it again from QGIS if needed",
        )


def require_defusedxml(file: str | None = None) -> None:
    """Refuse to open a workbook unless ``defusedxml`` is installed.

    openpyxl parses a workbook's XML with ``defusedxml`` when that package is
    importable (``openpyxl.DEFUSEDXML``), which refuses entity-expansion and
    external-entity attacks hidden in a workbook.

    Parameters
    ----------
    file : str, optional
        File name for the message.

    Raises
    ------
    InputError
        If ``defusedxml`` is not installed, or openpyxl was told not to use
        it (environment variable ``OPENPYXL_DEFUSEDXML=False``).
    """
    if importlib.util.find_spec("defusedxml") is None:
        raise InputError(
            "Excel workbooks cannot be read safely on this computer: the 'defusedxml' "
            "package is not installed",
            file=file,
            fix="Ask whoever installed MEAM Mapping to run 'pip install defusedxml', or "
            "save the sheet as a CSV file",
        )
    import openpyxl

    if not getattr(openpyxl, "DEFUSEDXML", False):
        raise InputError(
            "Excel workbooks cannot be read safely: openpyxl was told not to use "
            "defusedxml (OPENPYXL_DEFUSEDXML is not 'True')",
            file=file,
            fix="Remove the OPENPYXL_DEFUSEDXML setting, or save the sheet as a CSV file",
        )


def _head_of(source: Any) -> bytes:
    """Return the first 4 KB of a path, bytes or buffer (b"" if unreadable)."""
    try:
        if isinstance(source, (bytes, bytearray, memoryview)):
            return bytes(source[:4096])
        if isinstance(source, (str, os.PathLike)):
            with open(source, "rb") as fh:
                return fh.read(4096)
        if hasattr(source, "getvalue"):
            data = source.getvalue()
            return (data.encode("utf-8") if isinstance(data, str) else bytes(data))[:4096]
    except (OSError, TypeError, ValueError):
        pass
    return b""


def _display_name(source: Any, name: str | None) -> str:
    if name:
        return str(name)
    if isinstance(source, (str, os.PathLike)):
        return Path(source).name
    found = getattr(source, "name", None)
    return Path(found).name if isinstance(found, str) and found else "the uploaded file"


def as_input_error(
    exc: BaseException, file: str, *, expected: str, data: bytes = b""
) -> InputError:
    """Turn an unexpected parser exception into an InputError a person can act on.

    Parameters
    ----------
    exc : BaseException
        What the parser raised.
    file : str
        File name for the message.
    expected : str
        What the reader accepts, e.g. ``"a CSV file or an Excel workbook"``.
    data : bytes, optional
        The file's first bytes, to say what the file looks like.

    Returns
    -------
    InputError
        Naming the file, what it looks like and the parser's complaint.
    """
    detail = " ".join(str(exc).split())
    detail = re.sub(r"(/|[A-Za-z]:\\)\S*meam_\S*", "<file>", detail)  # hide temp paths
    detail = detail[:160] + ("..." if len(detail) > 160 else "")
    looks = f"; it looks like {describe_content(data)}" if data else ""
    if isinstance(exc, MemoryError):
        problem = "The file is too large to read in the memory available"
    elif isinstance(exc, RecursionError):
        problem = "The file is nested too deeply to read"
    else:
        problem = "The file could not be read"
    return InputError(
        f"{problem} ({type(exc).__name__}{': ' + detail if detail else ''}){looks}",
        file=file,
        expected=expected,
        fix="Check you chose the right file and that it is complete (not cut short by "
        "a download or email); open it in the program that made it and save it again",
    )


def guard_loader(
    *, expected: str, name_arg: str = "name"
) -> Callable[[Callable[..., _T]], Callable[..., _T]]:
    """Decorate a file reader so that it raises only InputError for bad files.

    The reader's first parameter is the path or buffer; ``name_arg`` is the
    keyword holding the display name. :class:`~meam_mapping.errors.InputError`
    and :class:`~meam_mapping.errors.EstimationError` pass through, and so
    does any exception when the call itself does not match the reader's
    signature (a programming error, not a bad file); anything else becomes
    an InputError via :func:`as_input_error`.

    Parameters
    ----------
    expected : str
        What the reader accepts, for messages.
    name_arg : str, default "name"
        Name of the reader's display-name keyword.

    Returns
    -------
    callable
        The decorator.
    """

    def decorate(func: Callable[..., _T]) -> Callable[..., _T]:
        signature = inspect.signature(func)

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> _T:
            try:
                return func(*args, **kwargs)
            except (InputError, EstimationError):
                raise
            except Exception as exc:
                try:
                    bound = signature.bind(*args, **kwargs)
                except TypeError:
                    raise exc from None  # wrong call, not a bad file
                source = next(iter(bound.arguments.values()), None)
                name = _display_name(source, bound.arguments.get(name_arg))
                raise as_input_error(exc, name, expected=expected, data=_head_of(source)) from exc

        return wrapper

    return decorate
