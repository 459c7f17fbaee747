"""Read an overlap (pattern) table from a CSV or Excel file.

The reader only reads and tidies headers; the checks (0/1 values, counts,
repeated patterns) are those of :func:`meam_mapping.estimate.mse.patterns.validate_patterns`,
run here with the file name so that every message names the file, the row
(as a spreadsheet shows it: header is row 1) and the column.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import IO

import pandas as pd

from meam_mapping.errors import InputError
from meam_mapping.estimate.mse.patterns import validate_patterns
from meam_mapping.io.archives import check_workbook
from meam_mapping.io.safety import check_file_size, guard_loader

__all__ = ["PATTERN_SUFFIXES", "read_patterns"]

#: File types the reader understands.
PATTERN_SUFFIXES: tuple[str, ...] = (".csv", ".xlsx")
_CANONICAL = ("count", "area_code", "area_name", "sex", "age_band")


def _tidy_headers(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    headers = [str(c).strip() for c in frame.columns]
    unnamed = [i + 1 for i, h in enumerate(headers) if h == "" or h.startswith("Unnamed:")]
    if unnamed:
        raise InputError(
            f"column(s) {unnamed} have no heading",
            file=name,
            row=1,
            expected="a heading in row 1 for every column: one per list, and 'count'",
            fix="Type a heading or delete the empty column",
        )
    canonical = {c.lower(): c for c in _CANONICAL}
    headers = [canonical.get(h.lower(), h) for h in headers]
    repeated = sorted({h for h in headers if headers.count(h) > 1})
    if repeated:
        raise InputError(
            f"heading(s) {repeated} appear more than once",
            file=name,
            row=1,
            column=repeated,
            expected="each heading once",
        )
    frame = frame.copy()
    frame.columns = headers
    # Drop empty rows at the end only, so row numbers in messages stay true.
    filled = ~frame.isna().all(axis=1).to_numpy()
    last = int(filled.nonzero()[0].max()) + 1 if filled.any() else 0
    return frame.iloc[:last].reset_index(drop=True)


@guard_loader(expected="a pattern table saved as CSV or Excel (.xlsx)", name_arg="file_name")
def read_patterns(
    source: str | os.PathLike[str] | IO[bytes],
    *,
    lists: Sequence[str] | None = None,
    strata: Sequence[str] = (),
    sheet: str | int = 0,
    file_name: str | None = None,
) -> pd.DataFrame:
    """Read and check a pattern table file.

    Parameters
    ----------
    source : path or binary file-like
        A ``.csv`` or ``.xlsx`` file (an upload buffer needs ``file_name``).
    lists : sequence of str, optional
        List columns (auto-detected by default).
    strata : sequence of str, optional
        Grouping columns other than ``area_code``, ``sex`` and ``age_band``.
    sheet : str or int
        Worksheet to read from an Excel file.
    file_name : str, optional
        Name to use in messages (and to tell the type of a buffer).

    Returns
    -------
    pandas.DataFrame
        The table as read, headers trimmed (``Count`` becomes ``count``).

    Raises
    ------
    InputError
        If the file is missing, of another type, unreadable, empty, or fails
        the pattern-table checks.
    """
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        name = file_name or path.name
        if not path.exists():
            raise InputError(
                "the file does not exist", file=str(path), fix="Check the path and file name"
            )
    else:
        path = None
        name = file_name or getattr(source, "name", None) or "uploaded file"
    suffix = Path(str(name)).suffix.lower()
    if suffix not in PATTERN_SUFFIXES:
        raise InputError(
            f"cannot read a '{suffix or 'no extension'}' file as a pattern table",
            file=name,
            expected=f"one of {', '.join(PATTERN_SUFFIXES)}",
            fix="Save the table as CSV or Excel (.xlsx)",
        )
    if path is not None:
        check_file_size(path.stat().st_size, name)
    data = path.read_bytes() if path is not None else source.read()
    data = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    check_file_size(len(data), name)
    target = io.BytesIO(data)
    try:
        if suffix == ".csv":
            frame = _read_csv(target)
        else:
            check_workbook(data, name)
            frame = pd.read_excel(target, sheet_name=sheet, engine="openpyxl")
    except InputError:
        raise
    except pd.errors.EmptyDataError as exc:
        raise InputError("the file is empty", file=name, expected="a heading row") from exc
    except ValueError as exc:
        if "Worksheet" in str(exc) or "sheet" in str(exc).lower():
            raise InputError(
                f"there is no worksheet {sheet!r}", file=name, expected="an existing sheet"
            ) from exc
        raise InputError(f"the file could not be read ({exc})", file=name) from exc
    except Exception as exc:  # openpyxl/zip/csv parser errors of every kind
        raise InputError(
            f"the file could not be read as {suffix[1:].upper()} ({type(exc).__name__}: {exc})",
            file=name,
            fix="Check that the file is not damaged and is really of that type",
        ) from exc
    frame = _tidy_headers(frame, name)
    validate_patterns(frame, lists=lists, strata=strata, file=name)
    return frame


def _read_csv(target: Path | IO[bytes]) -> pd.DataFrame:
    raw = target.read_bytes() if isinstance(target, Path) else target.read()
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    try:
        text = raw.decode("utf-16" if raw.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    return pd.read_csv(io.StringIO(text), skipinitialspace=True, skip_blank_lines=False)
