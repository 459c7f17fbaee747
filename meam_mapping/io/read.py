"""Read a CSV, TSV or Excel file into a table of text cells.

This is the first step of loading any user table. It deals with the things that
go wrong before a single value is looked at: the file is empty, is really a
PDF, a zip or a GeoJSON with a ``.csv`` name, is saved in Windows-1252 rather
than UTF-8, or is a workbook with several sheets. Every cell is kept as text so
that the next steps can tell a suppression marker (``"*"``) from a number and
report the exact row of a bad value.

The returned frame is indexed by the row number a spreadsheet shows (the
heading row is row 1, the first data row is row 2), so messages can point at
the row a person will see when they open the file.
"""

from __future__ import annotations

import csv
import io
import os
import re
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any, TypeVar

import numpy as np
import pandas as pd

from meam_mapping.errors import InputError
from meam_mapping.io.archives import check_workbook
from meam_mapping.io.budgets import MAX_CELLS, MAX_COLUMNS, check_columns
from meam_mapping.io.safety import MAX_CELL_CHARS, check_file_size, guard_loader

__all__ = [
    "RawTable",
    "read_lookup_table",
    "read_table",
    "source_name",
    "SUPPORTED_EXTENSIONS",
    "workbook_sheets",
]

#: File name endings we can read, and what we call them in messages.
SUPPORTED_EXTENSIONS = {
    ".csv": "CSV",
    ".txt": "text (CSV or tab-separated)",
    ".tsv": "tab-separated text",
    ".tab": "tab-separated text",
    ".xlsx": "Excel workbook",
    ".xlsm": "Excel workbook",
}
_TEXT_EXTENSIONS = {".csv", ".txt", ".tsv", ".tab"}
_EXCEL_EXTENSIONS = {".xlsx", ".xlsm"}
_ACCEPTED = "a CSV file (.csv), a tab-separated file (.tsv, .txt) or an Excel workbook (.xlsx)"
#: What :func:`read_lookup_table` returns (its ``interpret``'s result).
T = TypeVar("T")
_SAVE_AS = "Open it in Excel and use File > Save As > 'CSV UTF-8' or 'Excel Workbook (.xlsx)'"


@dataclass(frozen=True)
class RawTable:
    """A table read from a file, every cell as text.

    Attributes
    ----------
    frame : pandas.DataFrame
        One column per heading, every cell a string (blank cells are ``""``).
        The index, named ``"row"``, is the row number a spreadsheet shows.
    file_name : str
        The file name used in messages.
    file_type : str
        ``"csv"``, ``"tsv"`` or ``"xlsx"``.
    encoding : str or None
        The text encoding used (``None`` for Excel workbooks).
    sheet : str or None
        The worksheet read (Excel only).
    notes : tuple of str
        Plain-English notes about what was done while reading.
    delimiter : str or None
        The character between cells of a text file (None for workbooks); it
        helps decide the decimal mark (:mod:`.decimals`).
    """

    frame: pd.DataFrame
    file_name: str
    file_type: str
    encoding: str | None = None
    sheet: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    delimiter: str | None = None


def source_name(source: Any, name: str | None = None) -> str:
    """Return the file name to use in messages for a path or an uploaded file.

    Parameters
    ----------
    source : str, os.PathLike or file-like
        A path, or an object with a ``.name`` (such as Streamlit's
        ``UploadedFile`` or an open file).
    name : str, optional
        A name given by the caller; used when present.

    Returns
    -------
    str
        The base name of the file, or ``"the uploaded file"`` when there is none.
    """
    if name:
        return str(name)
    if isinstance(source, (str, os.PathLike)):
        return Path(source).name
    found = getattr(source, "name", None)
    if isinstance(found, str) and found:
        return Path(found).name
    return "the uploaded file"


#: A byte that is not blank (an empty file has none after its byte-order mark).
_FILLED = re.compile(rb"[^ \t\r\n\x00]")


@guard_loader(expected=_ACCEPTED)
def read_table(
    source: str | os.PathLike[str] | IO[bytes] | IO[str] | bytes,
    *,
    name: str | None = None,
    sheet: str | int | None = None,
) -> RawTable:
    r"""Read a CSV, TSV or Excel file into a frame of text cells.

    Parameters
    ----------
    source : str, os.PathLike, bytes or file-like
        A path, raw bytes, or an object with ``read()`` (an open file or a
        Streamlit ``UploadedFile``); its ``.name`` is used in messages.
    name : str, optional
        File name to use in messages and to pick the file type (overrides the
        name of ``source``).
    sheet : str or int, optional
        Worksheet to read from an Excel workbook, by name or by position
        (0 is the first). Needed when the workbook has more than one sheet
        with data in it.

    Returns
    -------
    RawTable
        The cells as text, indexed by spreadsheet row number, with notes.

    Raises
    ------
    InputError
        If the file is empty, is not a table we can read (the message says
        what it looks like), cannot be decoded, has several sheets and none
        was chosen, or has rows with more values than headings.

    Examples
    --------
    >>> raw = read_table(b"area_code,count\nE01000001,5\n", name="a.csv")
    >>> raw.frame.loc[2, "count"]
    '5'
    """
    file_name = source_name(source, name)
    data = _read_bytes(source, file_name)
    # Empty: nothing but blanks after a byte-order mark (found without copying the file).
    if _FILLED.search(data, 3 if data.startswith(b"\xef\xbb\xbf") else 0) is None:
        raise InputError(
            "The file is empty",
            file=file_name,
            expected="a table with a heading row and at least one data row",
            fix="Check you chose the right file, and that it was saved before uploading",
        )
    ext = Path(file_name).suffix.lower()
    looks_like = _sniff(data)
    if ext and ext not in SUPPORTED_EXTENSIONS:
        what = f" It looks like {looks_like[1]}." if looks_like else ""
        raise InputError(
            f"Files ending '{ext}' cannot be read.{what}",
            file=file_name,
            expected=_ACCEPTED,
            fix=_SAVE_AS,
        )
    kind = looks_like[0] if looks_like else "text"
    if kind == "xlsx" and (ext in _EXCEL_EXTENSIONS or not ext):
        cells, sheet_name, notes = _excel_cells(data, file_name, sheet)
        return _to_raw(cells, file_name, "xlsx", None, sheet_name, notes)
    if kind == "text" and (ext in _TEXT_EXTENSIONS or not ext):
        text, encoding, notes = _decode(data, file_name)
        delimiter = _pick_delimiter(text, ext)
        if ext == ".csv" and delimiter != ",":
            notes.append(f"Read as {_DELIMITER_NAMES[delimiter]}-separated text.")
        fast = _fast_csv(text, delimiter, file_name)
        cells = fast if fast is not None else _csv_cells(text, delimiter, file_name)
        file_type = "csv" if delimiter != "\t" else "tsv"
        raw = _to_raw(cells, file_name, file_type, encoding, None, notes)
        return replace(raw, delimiter=delimiter)
    what = looks_like[1] if looks_like else "a text file"
    expected_kind = "an Excel workbook" if ext in _EXCEL_EXTENSIONS else "a text table (CSV)"
    raise InputError(
        f"The file name says {expected_kind}, but the contents look like {what}",
        file=file_name,
        expected=_ACCEPTED,
        fix="Check you chose the right file. " + _SAVE_AS,
    )


_DELIMITER_NAMES = {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe"}


def _read_bytes(source: Any, file_name: str) -> bytes:
    if isinstance(source, (bytes, bytearray)):
        check_file_size(len(source), file_name)
        return bytes(source)
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.is_file():
            raise InputError(
                "No file was found at this path",
                file=str(path),
                fix="Check the folder and the spelling of the file name",
            )
        check_file_size(path.stat().st_size, file_name)
        return path.read_bytes()
    if hasattr(source, "getvalue"):
        data = source.getvalue()
    elif hasattr(source, "read"):
        if hasattr(source, "seek"):
            try:
                source.seek(0)
            except (OSError, ValueError):
                pass
        data = source.read()
    else:
        raise TypeError(f"Cannot read {type(source).__name__}; give a path or an open file")
    data = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    check_file_size(len(data), file_name)
    return data


def _sniff(data: bytes) -> tuple[str, str] | None:
    """Guess what a file really is from its first bytes: (kind, description)."""
    head = data[:4096]
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            return ("zip", "a damaged zip archive")
        if any(n.startswith("xl/") for n in names):
            return ("xlsx", "an Excel workbook (.xlsx)")
        if any(n.startswith("word/") for n in names):
            return ("docx", "a Word document")
        if "content.xml" in names:
            return ("ods", "an OpenDocument spreadsheet (.ods)")
        return ("zip", "a zip archive (unzip it first and choose the table inside)")
    if head.startswith(b"%PDF"):
        return ("pdf", "a PDF document (tables in PDFs cannot be read; ask for the CSV)")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return (
            "ole",
            "an old-style Excel .xls workbook or a password-protected workbook "
            "(save it as .xlsx without a password)",
        )
    if head.startswith(b"\x1f\x8b"):
        return ("gzip", "a compressed (.gz) file")
    if head.startswith(b"\x89PNG") or head.startswith(b"\xff\xd8\xff"):
        return ("image", "an image")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None  # UTF-16 text, decoded later
    if b"\x00" in head:
        return ("binary", "a binary (non-text) file")
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith(b"{") or start.startswith(b"["):
        if b"featurecollection" in head.lower() or b'"geometry"' in head.lower():
            return ("geojson", "a GeoJSON map file (load it as boundaries, not as data)")
        return ("json", "a JSON file")
    if start.startswith((b"<!doctype html", b"<html")):
        return ("html", "a web page (save the table itself, not the page)")
    if start.startswith(b"<?xml"):
        return ("xml", "an XML file")
    return None


def _decode(data: bytes, file_name: str) -> tuple[str, str, list[str]]:
    """Decode text as UTF-16 (with BOM), UTF-8 (with or without BOM) or Windows-1252."""
    notes: list[str] = []
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        notes.append("Read as UTF-16 text (Excel's 'Unicode Text' format).")
        return data.decode("utf-16"), "utf-16", notes
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig", notes
        except UnicodeDecodeError:
            pass
    else:
        try:
            return data.decode("utf-8"), "utf-8", notes
        except UnicodeDecodeError:
            pass
    try:
        text = data.lstrip(b"\xef\xbb\xbf").decode("cp1252")
    except UnicodeDecodeError as exc:
        raise InputError(
            "The text in this file is in an encoding that could not be recognised "
            f"(byte {exc.start} is not valid UTF-8 or Windows-1252)",
            file=file_name,
            expected="text saved as UTF-8",
            fix="Open it in Excel and use File > Save As > 'CSV UTF-8'",
        ) from None
    notes.append("Read as Windows-1252 text (the file is not UTF-8); check any accented names.")
    return text, "cp1252", notes


def _csv_cells(text: str, delimiter: str, file_name: str) -> list[list[str]]:
    """Split text into cells, explaining the csv module's errors (huge cells)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    cells: list[list[str]] = []
    try:
        for row in reader:
            if not cells:
                check_columns(len(row), file_name)  # before the rest is split into cells
            cells.append(row)
    except csv.Error as exc:
        raise InputError(
            f"A value starting in this row is longer than {MAX_CELL_CHARS:,} characters; "
            'usually a quote mark (") that is opened but never closed, so the rest of '
            "the file is read as one value"
            if "field larger" in str(exc)
            else f"The text could not be split into cells ({exc})",
            file=file_name,
            row=len(cells) + 1,
            expected="each value on one line, with quote marks in pairs",
            fix="Open the file in a text editor, find the stray quote mark in this row "
            "and remove it (or save the file again from Excel as CSV)",
        ) from None
    return cells


def _pick_delimiter(text: str, ext: str) -> str:
    if ext in {".tsv", ".tab"}:
        return "\t"
    first = next((line for line in text[:1_000_000].splitlines() if line.strip()), "")
    counts = {d: first.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=lambda d: counts[d])
    if counts[best] == 0 or (counts[","] and counts[","] >= counts[best]):
        return ","
    return best


def _excel_cells(
    data: bytes, file_name: str, sheet: str | int | None
) -> tuple[list[list[Any]], str, list[str]]:
    import openpyxl

    check_workbook(data, file_name)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for damaged files
        raise InputError(
            f"The Excel workbook could not be opened ({type(exc).__name__})",
            file=file_name,
            fix="Open it in Excel, check it is not damaged, and save it again as .xlsx",
        ) from None
    try:
        names = list(book.sheetnames)
        contents = {n: _sheet_rows(book[n], file_name) for n in names}
    finally:
        book.close()
    used = [n for n in names if any(v not in (None, "") for r in contents[n] for v in r)]
    notes: list[str] = []
    listed = ", ".join(repr(n) for n in names)
    if sheet is None:
        if not used:
            raise InputError(
                "Every sheet in the workbook is empty",
                file=file_name,
                fix="Check you chose the right file",
            )
        if len(used) > 1:
            raise InputError(
                f"The workbook has {len(used)} sheets with data: "
                + ", ".join(repr(n) for n in used)
                + ". Which sheet holds the table?",
                file=file_name,
                expected="the name of one sheet",
                fix="Choose the sheet by name (on the command line: --sheet NAME), or save that "
                "sheet alone as a CSV file",
            )
        chosen = used[0]
        if len(names) > 1:
            notes.append(f"Read sheet {chosen!r}; the other sheets are empty.")
    elif isinstance(sheet, int) and not isinstance(sheet, bool):
        if not 0 <= sheet < len(names):
            raise InputError(
                f"There is no sheet number {sheet} (the first sheet is 0)",
                file=file_name,
                expected=f"one of the sheets {listed}",
            )
        chosen = names[sheet]
    else:
        wanted = str(sheet).strip().casefold()
        matches = [n for n in names if n.strip().casefold() == wanted]
        if not matches:
            raise InputError(
                f"There is no sheet called {sheet!r}",
                file=file_name,
                expected=f"one of the sheets {listed}",
                fix="Choose one of those sheet names",
            )
        chosen = matches[0]
    return contents[chosen], chosen, notes


def _sheet_rows(sheet: Any, file_name: str) -> list[list[Any]]:
    """A sheet's rows, streamed, stopping at the cell budget (if its dimension lied)."""
    rows: list[list[Any]] = []
    budget = MAX_CELLS
    for row in sheet.iter_rows(values_only=True):
        budget -= len(row)
        if budget < 0 or len(row) > MAX_COLUMNS:
            raise InputError(
                f"A sheet in the workbook holds more than {MAX_CELLS:,} cells or "
                f"{MAX_COLUMNS:,} columns",
                file=file_name,
                row=len(rows) + 1,
                expected=f"at most {MAX_COLUMNS:,} columns and {MAX_CELLS:,} cells",
                fix="In Excel press Ctrl+End to find the last used cell, delete the empty rows "
                "and columns between your table and it, and save (or save the sheet as CSV)",
            )
        rows.append(list(row))
    return rows


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return repr(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if hasattr(value, "isoformat"):
        text = value.isoformat()
        return text[:10] if text.endswith("T00:00:00") else text
    return str(value)


def _column_letter(i: int) -> str:
    letters = ""
    i += 1
    while i:
        i, rem = divmod(i - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _fast_csv(text: str, delimiter: str, file_name: str) -> pd.DataFrame | None:
    """Every row as text columns via pandas' C parser, or None to take the careful path.

    The careful path (:func:`_csv_cells`) explains ragged rows, stray quotes and
    huge cells; this one handles the common rectangular file in linear time.
    """
    if len(text) < 1_000_000:
        return None  # small files: the careful path is fast enough
    first = text[: text.find("\n") if "\n" in text else len(text)]
    check_columns(first.count(delimiter) + 1, file_name)
    data = text.encode("utf-8")  # both parsers read bytes faster than text
    # Quotes counted in the bytes (faster; UTF-8 writes '"' as that one byte, only for it).
    frame = _arrow_csv(data, delimiter) if data.count(b'"') % 2 == 0 else None
    if frame is None:
        frame = _c_csv(data, delimiter)
    if frame is None:
        return None
    for column in frame.columns:
        if frame[column].str.len().max() > MAX_CELL_CHARS:
            return None
    return frame


def _arrow_csv(data: bytes, delimiter: str) -> pd.DataFrame | None:
    """Every row as text columns via pyarrow's CSV reader (the fastest), or None.

    Set to give the same cells as :func:`_c_csv`: no value is read as missing,
    quotes are doubled inside quoted cells, quoted cells may hold line breaks
    and blank lines are kept as rows of blank cells (their row numbers count).
    Anything it does not read the same way (ragged rows, a quote left open,
    which ``_fast_csv`` screens by counting quotes) makes it give up.
    """
    try:
        import pyarrow as pa
        import pyarrow.csv as pa_csv
    except ImportError:  # pragma: no cover - pyarrow is a pandas 3 requirement here
        return None
    try:
        table = pa_csv.read_csv(
            io.BytesIO(data),
            # One thread: quoted line breaks make the parse serial, and helper
            # threads only add work (0.09 -> 0.06 s CPU for 139,000 rows).
            read_options=pa_csv.ReadOptions(autogenerate_column_names=True, use_threads=False),
            parse_options=pa_csv.ParseOptions(
                delimiter=delimiter,
                quote_char='"',
                double_quote=True,
                escape_char=False,
                newlines_in_values=True,
                ignore_empty_lines=False,
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types={name: pa.string() for name in _arrow_names(data, delimiter)},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                null_values=[],
                true_values=[],
                false_values=[],
                auto_dict_encode=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowException, ValueError, MemoryError):
        return None
    if any(
        not pa.types.is_string(t) and not pa.types.is_large_string(t) for t in table.schema.types
    ):
        return None
    frame = table.to_pandas()
    frame.columns = range(frame.shape[1])
    return frame


def _arrow_names(data: bytes, delimiter: str) -> list[str]:
    """The names pyarrow gives columns it names itself (f0, f1, ...), read from the first line."""
    end = data.find(b"\n")
    first = data[: end if end >= 0 else len(data)].decode("utf-8", errors="replace")
    return [f"f{i}" for i in range(first.count(delimiter) + 1)]


def _c_csv(data: bytes, delimiter: str) -> pd.DataFrame | None:
    """Every row as text columns via pandas' C parser, or None."""
    try:
        frame = pd.read_csv(
            io.BytesIO(data),
            encoding="utf-8",
            sep=delimiter,
            header=None,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            engine="c",
        )
    except (pd.errors.ParserError, ValueError, csv.Error, MemoryError):
        return None
    return frame


def _to_raw(
    cells: list[list[Any]] | pd.DataFrame,
    file_name: str,
    file_type: str,
    encoding: str | None,
    sheet: str | None,
    notes: list[str],
) -> RawTable:
    # Whole columns at a time (linear time, vectorised): a million-row file is normal.
    if isinstance(cells, pd.DataFrame):
        grid = cells.fillna("")
    else:
        if file_type == "xlsx":
            cells = [[_cell_text(v) for v in r] for r in cells]
        grid = pd.DataFrame(cells, dtype=object).fillna("") if cells else pd.DataFrame()
    grid.columns = range(grid.shape[1])
    for c in grid.columns:
        grid[c] = grid[c].astype(str).str.strip()

    # Skip title lines above the headings (rows with at most one filled cell). The
    # headings are near the top: the first rows are looked at before all of them.
    def filled_cells(rows: pd.DataFrame) -> np.ndarray:
        return rows.ne("").sum(axis=1).to_numpy() if rows.shape[1] else np.zeros(len(rows))

    filled = filled_cells(grid.iloc[:1_000])
    if not (filled >= 2).any() and len(grid) > 1_000:
        filled = filled_cells(grid)
    start = 0
    if (filled >= 2).any():
        start = int(np.argmax(filled >= 2))
    if start >= len(grid) or filled[start] == 0:
        raise InputError(
            "No column headings were found",
            file=file_name,
            expected="a heading row followed by one row per area",
            fix="Check you chose the right file",
        )
    if start:
        notes.append(
            f"Skipped {start} title line(s) above the column headings (row 1 to row {start})."
        )
    header = grid.iloc[start].tolist()
    while header and not header[-1]:
        header = header[:-1]
    n_cols = len(header)
    body = grid.iloc[start + 1 :]
    if body.shape[1] > n_cols:
        extra = body.iloc[:, n_cols:].ne("").any(axis=1).to_numpy()
        if extra.any():
            raise InputError(
                f"This row has more values than there are column headings ({len(header)}); "
                "often a number written with a comma, such as 1,234, in a file that was "
                "not quoted",
                file=file_name,
                row=start + 2 + int(np.argmax(extra)),
                expected="one value per heading",
                fix="Remove the thousands commas or save the file again from Excel as CSV",
            )
        body = body.iloc[:, :n_cols]
    all_row_numbers = np.arange(start + 2, start + 2 + len(body))
    blank_mask = body.eq("").all(axis=1).to_numpy()
    blank_rows = all_row_numbers[blank_mask].tolist()
    grid = body.loc[~blank_mask]
    row_numbers = all_row_numbers[~blank_mask]
    names = [h if h else f"unnamed_{_column_letter(i)}" for i, h in enumerate(header)]
    seen: dict[str, int] = {}
    for i, h in enumerate(names):
        key = h.casefold()
        if key in seen:
            raise InputError(
                f"The heading {h!r} appears twice (columns {_column_letter(seen[key])} "
                f"and {_column_letter(i)})",
                file=file_name,
                row=start + 1,
                column=h,
                expected="a different heading for every column",
                fix="Rename or remove one of the two columns",
            )
        seen[key] = i
    if grid.empty:
        raise InputError(
            "The file has column headings but no data rows",
            file=file_name,
            expected="one row per area (or per area and indicator) below the headings",
            fix="Check you chose the right file or sheet",
        )
    frame = grid.set_axis(names, axis=1).set_axis(pd.Index(row_numbers, name="row"), axis=0)
    frame = frame.astype(str)
    empty_unnamed = [
        c for c, h in zip(names, header, strict=True) if not h and not frame[c].str.len().any()
    ]
    if empty_unnamed:
        frame = frame.drop(columns=empty_unnamed)
    unnamed = [c for c, h in zip(names, header, strict=True) if not h and c not in empty_unnamed]
    if unnamed:
        notes.append(
            "Some columns have no heading and were named "
            + ", ".join(repr(c) for c in unnamed)
            + "."
        )
    if blank_rows:
        notes.append(
            f"Skipped {len(blank_rows)} blank row(s) (rows "
            + ", ".join(str(r) for r in blank_rows[:10])
            + (" ..." if len(blank_rows) > 10 else "")
            + ")."
        )
    return RawTable(frame, file_name, file_type, encoding, sheet, tuple(notes))


def workbook_sheets(data: bytes) -> list[str]:
    """Names of the sheets with data in an Excel workbook (empty list if not one).

    Lets the app ask "which sheet?" before loading, instead of after an error.
    """
    if not data.startswith(b"PK") or not zipfile.is_zipfile(io.BytesIO(data)):
        return []
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # not a workbook after all: the loader will explain
        return []
    try:
        return [
            name
            for name in book.sheetnames
            if any(
                v not in (None, "")
                for row in book[name].iter_rows(max_row=50, values_only=True)
                for v in row
            )
        ]
    finally:
        book.close()


def read_lookup_table(
    source: str | os.PathLike[str] | IO[bytes] | bytes,
    interpret: Callable[[pd.DataFrame, str], T],
    *,
    name: str | None = None,
    what: str = "lookup",
    expected: str | None = None,
    fix: str | None = None,
) -> T:
    r"""Read a lookup file (CSV, tab-separated or Excel, as downloaded) and make sense of it.

    The file gets the checks every table gets from :func:`read_table` (its
    size before it is read, what it is, its text encoding, rows longer than
    the headings); a workbook with notes beside the lookup (as ONS publish
    some) is read from the sheet ``interpret`` accepts.

    Parameters
    ----------
    source : str, os.PathLike, bytes or file-like
        The file (a Streamlit upload too).
    interpret : callable
        ``interpret(frame, file=file)``: the lookup from the cells (text, blank
        cells empty, indexed by the row number a spreadsheet shows), raising
        :class:`~meam_mapping.errors.InputError` for a table that is not one.
    name : str, optional
        File name for messages.
    what : str, default "lookup"
        What the file is, for the message when no sheet of a workbook is one.
    expected, fix : str, optional
        For that message.

    Returns
    -------
    Whatever ``interpret`` returns.

    Raises
    ------
    InputError
        When the file cannot be read as a table, or ``interpret`` refuses it.

    Examples
    --------
    >>> read_lookup_table(b"LSOA21CD,LAD22CD\nE01000001,E09000001\n",
    ...                   lambda frame, file: (file, frame.index.tolist()), name="lookup.csv")
    ('lookup.csv', [2])
    """
    from meam_mapping.io import safety  # looked up at the call: a test may lower its limit

    file = source_name(source, name)
    if isinstance(source, (str, os.PathLike)):
        data = None
        if Path(source).is_file():
            safety.check_file_size(Path(source).stat().st_size, file)  # before reading it all
            data = Path(source).read_bytes()
    elif isinstance(source, bytes | bytearray):
        data = bytes(source)
    else:  # an upload: all of it, wherever it was left
        data = source.getvalue() if hasattr(source, "getvalue") else source.read()
    if data is None:  # not a file: read_table says so
        raw = read_table(source, name=name)
        return interpret(raw.frame, file=raw.file_name)
    sheets = workbook_sheets(data)
    if len(sheets) <= 1:
        raw = read_table(data, name=file)
        return interpret(raw.frame, file=raw.file_name)
    for sheet in sheets:
        try:
            raw = read_table(data, name=file, sheet=sheet)
            return interpret(raw.frame, file=f"{file} (sheet {sheet!r})")
        except InputError:
            continue
    raise InputError(
        f"none of the workbook's {len(sheets)} sheets ({', '.join(map(repr, sheets))}) is a {what}",
        file=file,
        expected=expected,
        fix=fix,
    )
