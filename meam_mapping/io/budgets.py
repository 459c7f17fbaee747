"""Budgets checked before work: how big a table may be before it is loaded.

A small file can describe an enormous table: a 5 KB workbook with one cell at
``XFD1048576`` makes a spreadsheet reader fill 16,384 × 1,048,576 cells (gigabytes)
before anything can refuse it, and a CSV with thousands of columns turns
into millions of indicator rows. These checks run on the file's own
description of itself, before any reader allocates:

* :func:`workbook_extents` reads each worksheet's ``<dimension ref=...>``
  with ``defusedxml`` (streamed, stopping at the first cell), or when a
  sheet has none, scans the sheet's XML for its last row and column;
* :func:`check_extent` refuses more than :data:`MAX_COLUMNS` columns or
  :data:`MAX_CELLS` cells, naming the last cell and how to fix the file.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

from meam_mapping.errors import InputError

__all__ = [
    "MAX_CELLS",
    "MAX_COLUMNS",
    "SheetExtent",
    "check_columns",
    "check_extent",
    "column_number",
    "workbook_extents",
]

#: Most columns a table may have (a wide table has one column per indicator).
MAX_COLUMNS = 300
#: Most cells (rows × columns of the used range) a workbook sheet may span.
MAX_CELLS = 20_000_000
_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")
_CELL_REF = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3})(\d{1,7})"')
_ROW_REF = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="(\d{1,7})"')
_CHUNK = 1 << 20


@dataclass(frozen=True)
class SheetExtent:
    """The used range of one worksheet, as the workbook describes it.

    Attributes
    ----------
    member : str
        The sheet's part in the zip (``xl/worksheets/sheet1.xml``).
    last_cell : str
        The bottom-right cell, e.g. ``"XFD1048576"``.
    rows, columns : int
        Size of the used range.
    declared : bool
        True when read from ``<dimension>``, False when found by scanning.
    """

    member: str
    last_cell: str
    rows: int
    columns: int
    declared: bool = True

    @property
    def cells(self) -> int:
        """Rows × columns of the used range."""
        return self.rows * self.columns


def column_number(letters: str) -> int:
    """Spreadsheet column letters to a 1-based number (``"A"`` → 1, ``"XFD"`` → 16384)."""
    number = 0
    for ch in letters.upper():
        number = number * 26 + (ord(ch) - 64)
    return number


def _from_ref(ref: str) -> tuple[int, int, str] | None:
    """(rows, columns, last cell) of a ``ref`` such as ``"A1:XFD1048576"``."""
    last = ref.split(":")[-1].strip()
    match = _REF.match(last)
    if not match:
        return None
    return int(match.group(2)), column_number(match.group(1)), last.replace("$", "").upper()


def _declared(archive: zipfile.ZipFile, member: str) -> tuple[int, int, str] | None:
    """The sheet's ``<dimension ref>``, read with defusedxml until the first cell."""
    from defusedxml.ElementTree import iterparse

    with archive.open(member) as stream:
        try:
            for _event, element in iterparse(stream, events=("start",)):
                tag = element.tag.rsplit("}", 1)[-1]
                if tag == "dimension":
                    return _from_ref(element.get("ref", ""))
                if tag == "sheetData":
                    return None
        except Exception:  # damaged XML: openpyxl will refuse it with a message
            return None
    return None


def _scanned(archive: zipfile.ZipFile, member: str) -> tuple[int, int, str]:
    """Last row and column of a sheet without ``<dimension>``, by scanning its XML."""
    rows = cols = 0
    tail = b""
    with archive.open(member) as stream:
        while chunk := stream.read(_CHUNK):
            block = tail + chunk
            for letters, row in _CELL_REF.findall(block):
                cols = max(cols, column_number(letters.decode()))
                rows = max(rows, int(row))
            for row in _ROW_REF.findall(block):
                rows = max(rows, int(row))
            tail = block[-256:]
    last = ""
    if cols:
        letters, n = "", cols
        while n:
            n, rem = divmod(n - 1, 26)
            letters = chr(65 + rem) + letters
        last = f"{letters}{rows}"
    return rows, cols, last


def workbook_extents(archive: zipfile.ZipFile) -> list[SheetExtent]:
    """The used range of every worksheet in an ``.xlsx`` archive, without loading it.

    Parameters
    ----------
    archive : zipfile.ZipFile
        The workbook, already checked by :func:`meam_mapping.io.archives.check_zip`.

    Returns
    -------
    list of SheetExtent
    """
    extents = []
    for info in archive.infolist():
        path = PurePosixPath(info.filename)
        if not (path.parent.name == "worksheets" and path.suffix.lower() == ".xml"):
            continue
        found = _declared(archive, info.filename)
        declared = found is not None
        rows, cols, last = found if found else _scanned(archive, info.filename)
        extents.append(SheetExtent(info.filename, last or "A1", rows, cols, declared))
    return extents


def check_extent(extent: SheetExtent, file: str) -> None:
    """Refuse a sheet wider than :data:`MAX_COLUMNS` or larger than :data:`MAX_CELLS`.

    Raises
    ------
    InputError
        Naming the last cell, the size and how to trim the sheet.
    """
    fix = (
        "In Excel press Ctrl+End to find the last used cell, delete the empty rows and "
        "columns between your table and it, save, and load the file again (or save the "
        "sheet as CSV)"
    )
    if extent.columns > MAX_COLUMNS:
        raise InputError(
            f"A sheet in the workbook reaches cell {extent.last_cell}: {extent.columns:,} "
            f"columns, more than the {MAX_COLUMNS:,} MEAM Mapping reads",
            file=file,
            expected=f"at most {MAX_COLUMNS:,} columns (one per indicator in a wide table)",
            fix=fix,
        )
    if extent.cells > MAX_CELLS:
        raise InputError(
            f"A sheet in the workbook reaches cell {extent.last_cell}: {extent.rows:,} rows "
            f"× {extent.columns:,} columns = {extent.cells:,} cells, more than the "
            f"{MAX_CELLS:,} MEAM Mapping reads",
            file=file,
            expected=f"at most {MAX_CELLS:,} cells",
            fix=fix,
        )


def check_columns(n_columns: int, file: str) -> None:
    """Refuse a table with more than :data:`MAX_COLUMNS` columns (before it is split into cells).

    Raises
    ------
    InputError
        Naming the number of columns and how to reshape the table.
    """
    if n_columns > MAX_COLUMNS:
        raise InputError(
            f"The table has {n_columns:,} columns, more than the {MAX_COLUMNS:,} MEAM Mapping "
            "reads",
            file=file,
            row=1,
            expected=f"at most {MAX_COLUMNS:,} columns (one per indicator in a wide table)",
            fix="Keep only the indicator columns you need, or split the table into several "
            "files, or use the tidy layout (one row per area, indicator and period)",
        )
