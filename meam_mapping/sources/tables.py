"""Import national statistics tables through small declarative mappings.

Published tables (MHCLG homelessness live tables, NDTMS treatment tables,
opiate and crack cocaine prevalence estimates, MoJ proven reoffending) are
spreadsheets laid out for reading, not for machines: a title and the quarter
in the first cells, headings over two or three rows with merged cells,
footnotes under the table, "Rest of England" rows without codes, ``R``/``P``
marks for revised and provisional figures, suppression symbols. A *mapping*
(a JSON file in ``layouts/``, or a dict) says where everything is, so that a
new edition with a changed layout is fixed by editing the JSON, not code.

Mapping keys (all optional except ``code_column`` and ``indicators``)::

    title, source, source_url, licence   shown in notes and kept as `source`
    sheet          sheet name (any case), or
    sheet_pattern  regular expression for the sheet name
    header_row     1-based row of the code heading; default: the first row
                   with a cell matching code_column
    header_rows_above  rows above it that are part of the headings
                   (default "auto": rows with differing labels, e.g. merged
                   group headings; a title merged across is not one)
    code_column, name_column   heading patterns (list of regular
                   expressions, matched case-insensitively)
    period         {"value": "2023-24"} or {"cell": "A1", "pattern": regex
                   with the period as group 1 or the whole match}
    suppression_markers  extra symbols meaning "withheld"
    revision_markers     e.g. ["R", "P"]; stripped from numbers and counted
    footnote_pattern     text that starts a footnote row (in the code or
                   first column)
    integer_counts       false for modelled estimates
    notes          sentences copied into the result's notes
    indicators     list of {indicator, name, domain, unit, count, value,
                   denominator, denominator_multiplier, lower, upper,
                   optional, optional_columns}; count/value/... are
                   heading patterns; optional_columns may be missing
    verified, assumed    documentation: which parts were checked, and where

Headings of several rows are joined top to bottom with " - " (merged cells
are filled first), so a pattern can name the group and the column, e.g.
``"owed.*duty - total"``.
"""

from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from meam_mapping.errors import InputError
from meam_mapping.geography.codes import GSS_PATTERN
from meam_mapping.io.indicators import LoadResult, _finish
from meam_mapping.io.read import _decode, _read_bytes, _sniff, source_name
from meam_mapping.io.values import parse_numbers

__all__ = ["available_layouts", "import_table", "load_layout"]

_DEFAULT_FOOTNOTE = (
    r"^(notes?\b|source\b|\*|\d+\.|\[note|figures\b|footnote|last updated|\(?[a-z]\))"
)


def available_layouts() -> list[str]:
    """Names of the shipped mappings (files in ``meam_mapping/sources/layouts``).

    Returns
    -------
    list of str
    """
    folder = resources.files("meam_mapping.sources").joinpath("layouts")
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".json"))


def load_layout(mapping: str | os.PathLike[str] | Mapping[str, Any]) -> dict[str, Any]:
    """Return a mapping from a shipped name, a JSON file path, or a dict.

    Parameters
    ----------
    mapping : str, os.PathLike or mapping
        E.g. ``"mhclg_homelessness_a1"``, ``"my_layout.json"`` or a dict.

    Returns
    -------
    dict

    Raises
    ------
    InputError
        Unknown name (listing the shipped ones), unreadable JSON, or a
        mapping without ``code_column`` or ``indicators``.
    """
    if isinstance(mapping, Mapping):
        spec = dict(mapping)
        label = str(spec.get("name", "the mapping"))
    else:
        text_name = str(mapping)
        path = Path(text_name)
        if text_name in available_layouts():
            ref = resources.files("meam_mapping.sources").joinpath(f"layouts/{text_name}.json")
            raw, label = ref.read_text(encoding="utf-8"), text_name
        elif path.suffix.lower() == ".json" and path.is_file():
            raw, label = path.read_text(encoding="utf-8"), path.name
        else:
            raise InputError(
                f"Unknown table layout {text_name!r}",
                expected="one of " + ", ".join(available_layouts()) + ", or a .json file path",
                fix="Choose a listed layout, or write a JSON mapping (see sources/layouts)",
            )
        try:
            spec = json.loads(raw)
        except ValueError as exc:
            raise InputError(f"The layout file is not valid JSON ({exc})", file=label) from None
    for key in ("code_column", "indicators"):
        if not spec.get(key):
            raise InputError(f"The layout has no {key!r}", file=label, fix=f"Add {key!r}")
    spec.setdefault("name", label)
    return spec


def _patterns(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value]


def _norm(text: str) -> str:
    return " ".join(str(text).replace("\n", " ").split()).lower()


def _matches(patterns: list[str], text: str) -> bool:
    return any(re.search(p, _norm(text), re.IGNORECASE) for p in patterns)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    return str(value).strip()


def _grid(data: bytes, file: str, spec: dict, sheet: str | None) -> tuple[list[list[str]], str]:
    """Cells as text (merged cells filled from their top-left cell) and the sheet used."""
    kind = _sniff(data)
    if kind and kind[0] == "xlsx":
        import openpyxl

        book = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
        names = book.sheetnames
        if sheet is not None:
            chosen = [n for n in names if n.strip().lower() == sheet.strip().lower()]
        elif spec.get("sheet"):
            chosen = [n for n in names if n.strip().lower() == str(spec["sheet"]).strip().lower()]
        elif spec.get("sheet_pattern"):
            chosen = [n for n in names if re.search(spec["sheet_pattern"], n, re.IGNORECASE)]
        else:
            chosen = names[:1]
        if not chosen:
            raise InputError(
                f"No sheet matches the layout ({spec.get('sheet') or spec.get('sheet_pattern')})",
                file=file,
                expected="one of the sheets " + ", ".join(repr(n) for n in names),
                fix="Choose the sheet (sheet=...) or correct 'sheet' in the layout",
            )
        ws = book[chosen[0]]
        grid = [[_cell_text(c) for c in row] for row in ws.iter_rows(values_only=True)]
        for merged in ws.merged_cells.ranges:
            top = _cell_text(ws.cell(merged.min_row, merged.min_col).value)
            for r in range(merged.min_row - 1, min(merged.max_row, len(grid))):
                for c in range(merged.min_col - 1, min(merged.max_col, len(grid[r]))):
                    grid[r][c] = top
        return grid, chosen[0]
    if kind:
        raise InputError(
            f"This file looks like {kind[1]}", file=file, expected="an Excel workbook or CSV"
        )
    import csv

    text, _encoding, _notes = _decode(data, file)
    return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))], ""


def _find_header(grid: list[list[str]], spec: dict, file: str) -> tuple[int, int, int]:
    """Return (first heading row, last heading row, code column index), 0-based."""
    patterns = _patterns(spec["code_column"])
    given = spec.get("header_row")
    rows = [int(given) - 1] if given else range(min(len(grid), 200))
    for r in rows:
        hits = [i for i, v in enumerate(grid[r]) if v and _matches(patterns, v)]
        if hits:
            col, last = hits[0], r
            while last + 1 < len(grid) and col < len(grid[last + 1]):
                if grid[last + 1][col] != grid[r][col]:
                    break
                last += 1
            return _rows_above(grid, r, spec), last, col
    raise InputError(
        "The code column heading was not found",
        file=file,
        expected="a heading matching " + " or ".join(repr(p) for p in patterns),
        fix="Correct 'code_column' (or give 'header_row') in the layout",
    )


def _rows_above(grid: list[list[str]], row: int, spec: dict) -> int:
    above = spec.get("header_rows_above", "auto")
    if above != "auto":
        return max(0, row - int(above))
    first = row
    while first > 0:
        labels = {v for v in grid[first - 1] if v}
        if len(labels) < 2:
            break
        first -= 1
    return first


def _headings(grid: list[list[str]], first: int, last: int) -> list[str]:
    width = max(len(r) for r in grid[first : last + 1])
    out = []
    for c in range(width):
        parts: list[str] = []
        for r in range(first, last + 1):
            v = grid[r][c] if c < len(grid[r]) else ""
            if v and (not parts or parts[-1] != v):
                parts.append(v)
        out.append(" - ".join(parts))
    return out


def _period(grid: list[list[str]], spec: dict, given: str | None) -> tuple[str, str]:
    if given:
        return given, ""
    rule = spec.get("period") or {}
    if "value" in rule:
        return str(rule["value"]), ""
    if "cell" in rule:
        m = re.fullmatch(r"([A-Za-z]+)(\d+)", str(rule["cell"]))
        if m:
            col = 0
            for ch in m.group(1).upper():
                col = col * 26 + ord(ch) - 64
            r = int(m.group(2)) - 1
            text = grid[r][col - 1] if r < len(grid) and col - 1 < len(grid[r]) else ""
            found = re.search(rule.get("pattern", r".+"), text, re.IGNORECASE)
            if found:
                period = found.group(1) if found.groups() else found.group(0)
                return " ".join(period.split()), f"Period {period!r} read from cell {rule['cell']}."
    return "unspecified", "No period was found; rows are labelled 'unspecified'."


def _column(headings: list[str], patterns: list[str], used: set[int]) -> int | None:
    for i, h in enumerate(headings):
        if i not in used and h and _matches(patterns, h):
            return i
    return None


def _clean_cells(cells: pd.Series, spec: dict, counts: dict[str, int]) -> pd.Series:
    """Strip revision marks (counted) and turn extra suppression symbols into '*'."""
    marks = [re.escape(m) for m in spec.get("revision_markers", [])]
    out = cells.astype(str).str.strip()
    if marks:
        pattern = r"^(.*?\d)\s*\[?(" + "|".join(marks) + r")\]?$"
        found = out.str.extract(pattern)
        hit = found[0].notna()
        for mark, n in found.loc[hit, 1].value_counts().items():
            counts[mark] = counts.get(mark, 0) + int(n)
        out = out.where(~hit, found[0])
    extra = {str(m).strip().lower() for m in spec.get("suppression_markers", [])}
    if extra:
        out = out.where(~out.str.lower().isin(extra), "*")
    return out


def import_table(
    path_or_buffer: str | os.PathLike[str] | IO[bytes] | bytes,
    mapping: str | os.PathLike[str] | Mapping[str, Any],
    *,
    name: str | None = None,
    sheet: str | None = None,
    period: str | None = None,
) -> LoadResult:
    """Read a published statistics table into the tidy indicator table.

    Parameters
    ----------
    path_or_buffer : str, os.PathLike, bytes or file-like
        The workbook (.xlsx) or CSV as downloaded.
    mapping : str, os.PathLike or mapping
        A shipped layout name (see :func:`available_layouts`), a JSON file,
        or a dict (see the module notes for the keys).
    name : str, optional
        File name for messages.
    sheet : str, optional
        Sheet to read instead of the layout's.
    period : str, optional
        Period label to use instead of the layout's rule.

    Returns
    -------
    meam_mapping.io.indicators.LoadResult
        Layout ``"table:<mapping name>"``; notes list rows dropped (footnotes,
        rows without codes such as "Rest of England"), revision marks
        stripped, columns not found.

    Raises
    ------
    InputError
        When the sheet, the code heading or a required column is not found,
        or a value is not a number.
    """
    spec = load_layout(mapping)
    file = source_name(path_or_buffer, name)
    grid, sheet_used = _grid(_read_bytes(path_or_buffer, file), file, spec, sheet)
    if not grid:
        raise InputError("The file is empty", file=file)
    first, last, code_col = _find_header(grid, spec, file)
    headings = _headings(grid, first, last)
    notes: list[str] = [
        f"Read with the layout {spec['name']!r}"
        + (f", sheet {sheet_used!r}." if sheet_used else ".")
    ]
    label, note = _period(grid, spec, period)
    notes += [note] if note else []
    name_col = _column(headings, _patterns(spec.get("name_column")), {code_col})
    width = len(headings)
    body = [(r + 1, (row + [""] * width)[:width]) for r, row in enumerate(grid) if r > last]
    footnote = re.compile(spec.get("footnote_pattern", _DEFAULT_FOOTNOTE), re.IGNORECASE)
    kept: list[tuple[int, list[str]]] = []
    uncoded: list[str] = []
    n_foot = 0
    for row_no, row in body:
        code = row[code_col].replace(" ", "").upper()
        others = [v for i, v in enumerate(row) if v and i not in (code_col, name_col)]
        if not any(row):
            continue
        if GSS_PATTERN.match(code):
            kept.append((row_no, row))
        elif (
            not code
            and name_col is not None
            and row[name_col]
            and others
            and not footnote.match(row[name_col])
        ):
            uncoded.append(f"{row[name_col]} (row {row_no})")
        else:
            n_foot += 1
    if uncoded:
        notes.append(
            f"Left out {len(uncoded)} row(s) without an area code: "
            + ", ".join(uncoded[:8])
            + (" ..." if len(uncoded) > 8 else "")
            + "."
        )
    if n_foot:
        notes.append(f"Left out {n_foot} footnote or text row(s) below the table.")
    if not kept:
        raise InputError("No rows with area codes were found under the headings", file=file)
    frame = pd.DataFrame([r for _, r in kept], index=pd.Index([n for n, _ in kept], name="row"))
    rows = pd.Series(frame.index, index=frame.index)
    codes = frame[code_col].str.replace(" ", "").str.upper()
    source = str(spec.get("source") or spec.get("title") or spec["name"])
    marks: dict[str, int] = {}
    parts = []
    used: set[int] = {code_col} | ({name_col} if name_col is not None else set())
    for ind in spec["indicators"]:
        cols = {}
        for role in ("count", "value", "denominator", "lower", "upper"):
            if ind.get(role):
                cols[role] = _column(headings, _patterns(ind[role]), used - {code_col})
        skippable = set(ind.get("optional_columns", []))
        cols = {r: c for r, c in cols.items() if c is not None or r not in skippable}
        missing = [r for r, c in cols.items() if c is None]
        if missing:
            if ind.get("optional"):
                notes.append(f"Optional indicator {ind['indicator']!r} not in this table; skipped.")
                continue
            raise InputError(
                f"No column for the {', '.join(missing)} of {ind['indicator']!r}",
                file=file,
                row=last + 1,
                expected="a heading matching "
                + "; ".join(f"{r}: {' or '.join(map(repr, _patterns(ind[r])))}" for r in missing)
                + ". Headings found: "
                + "; ".join(repr(h) for h in headings if h),
                fix="Correct the pattern in the layout JSON (or mark the indicator optional)",
            )
        nums = {
            role: parse_numbers(
                _clean_cells(frame[c], spec, marks), column=headings[c], file=file, rows=rows
            )
            for role, c in cols.items()
        }
        nan = pd.Series(np.nan, index=frame.index)
        den = (
            nums["denominator"].values * float(ind.get("denominator_multiplier", 1))
            if "denominator" in nums
            else nan
        )
        main = nums.get("count", nums.get("value"))
        part = pd.DataFrame(
            {
                "area_code": codes,
                "indicator": ind["indicator"],
                "domain": ind.get("domain", ""),
                "period": label,
                "count": nums["count"].values if "count" in nums else nan,
                "denominator": den,
                "value": nums["value"].values if "value" in nums else nan,
                "unit": ind.get("unit", ""),
                "source": source,
                "suppressed": main.suppressed,
                "area_name": frame[name_col] if name_col is not None else "",
                "indicator_name": ind.get("name", ind["indicator"]),
                "lower": nums["lower"].values if "lower" in nums else nan,
                "upper": nums["upper"].values if "upper" in nums else nan,
                "_row": rows,
                "_column": headings[cols.get("count", cols.get("value"))],
            }
        )
        parts.append(part)
    if not parts:
        raise InputError("None of the layout's indicators are in this table", file=file)
    if marks:
        notes.append(
            "Revision marks removed from numbers: "
            + ", ".join(f"{n} marked {m!r}" for m, n in sorted(marks.items()))
            + " (R = revised, P = provisional)."
        )
    notes += [str(n) for n in spec.get("notes", [])]
    long = pd.concat(parts, ignore_index=True)
    table = _finish(
        long, notes, file=file, domains=None, integer_counts=bool(spec.get("integer_counts", True))
    )
    return LoadResult(table, f"table:{spec['name']}", tuple(notes), file)
