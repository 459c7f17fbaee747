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
from meam_mapping.estimate.mse.patterns import detect_lists, validate_patterns
from meam_mapping.io.archives import check_workbook
from meam_mapping.io.safety import check_file_size, guard_loader

__all__ = [
    "FULL_SEARCH_LISTS",
    "MAX_LISTS",
    "MAX_PLAUSIBLE_COUNT",
    "PATTERN_SUFFIXES",
    "check_pattern_budget",
    "read_patterns",
]

#: Most lists (services) an overlap table may have: above this no log-linear
#: model can be fitted or searched.
MAX_LISTS = 15
#: Up to this many lists every hierarchical model can be compared; above, stepwise.
FULL_SEARCH_LISTS = 10
#: Most people one count (or all counts together) may hold: about the population
#: of the United Kingdom (69 million in 2024), rounded up.
MAX_PLAUSIBLE_COUNT = 70_000_000
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
    check_pattern_budget(frame, lists=lists, strata=strata, file=name)
    validate_patterns(frame, lists=lists, strata=strata, file=name)
    return frame


def check_pattern_budget(
    frame: pd.DataFrame,
    *,
    lists: Sequence[str] | None = None,
    strata: Sequence[str] = (),
    file: str | None = None,
) -> None:
    """Refuse, at read time, a pattern table no estimate can be made from.

    * More than :data:`MAX_LISTS` lists: a log-linear model over ``k`` lists
      has ``2**k - 1`` observable cells and its two-way interactions number
      ``k(k-1)/2``; above 15 lists the table is too sparse to fit and the
      model search too large (24 lists ran out of memory, 40 asked for 8 TiB).
      Up to :data:`FULL_SEARCH_LISTS` lists every model can be compared; from
      11 to 15 the model is chosen stepwise.
    * A count above :data:`MAX_PLAUSIBLE_COUNT`: more people than live in the
      United Kingdom, so a typing or export error (10^20 once became "nobody
      was seen" after overflowing).

    Raises
    ------
    InputError
        Naming the number of lists and the limit, or the row and count.
    """
    columns = [str(c) for c in frame.columns]
    found = [str(c) for c in lists] if lists is not None else detect_lists(columns, strata)
    if len(found) > MAX_LISTS:
        cells = 2 ** len(found) - 1
        raise InputError(
            f"the table has {len(found)} list columns; an estimate of the hidden population "
            f"over {len(found)} lists would need a model of {cells:,} overlap patterns and "
            f"{len(found) * (len(found) - 1) // 2} pairwise dependencies, far more than any "
            "data-matching exercise can support",
            file=file,
            row=1,
            column=found[:6],
            expected=f"at most {MAX_LISTS} lists (every model is compared up to "
            f"{FULL_SEARCH_LISTS}; from {FULL_SEARCH_LISTS + 1} to {MAX_LISTS} the model is "
            "chosen step by step)",
            fix="Combine related services into one list column (a person is on it if seen by "
            "any of them), or delete the columns of lists you do not need; grouping columns "
            "such as area_code, sex and age_band are not lists",
        )
    if "count" not in frame.columns:
        return  # validate_patterns names the missing column
    counts = pd.to_numeric(frame["count"], errors="coerce")
    absurd = (counts > MAX_PLAUSIBLE_COUNT) | (counts.abs() == float("inf"))
    if absurd.any():
        rows = [int(i) + 2 for i in absurd.to_numpy().nonzero()[0]]
        first = frame["count"].to_numpy()[rows[0] - 2]
        raise InputError(
            f"a count of {first} is more people than live in the United Kingdom",
            file=file,
            row=rows if len(rows) > 1 else rows[0],
            column="count",
            expected=f"a number of people no larger than {MAX_PLAUSIBLE_COUNT:,}",
            fix="Correct the count (it may have been typed or exported wrongly)",
        )
    total = float(counts[counts > 0].sum())
    if total > MAX_PLAUSIBLE_COUNT:
        raise InputError(
            f"the counts add up to {total:,.0f} people, more than live in the United Kingdom",
            file=file,
            column="count",
            expected=f"a total no larger than {MAX_PLAUSIBLE_COUNT:,}",
            fix="Check the counts for typing or export errors",
        )


def _read_csv(target: Path | IO[bytes]) -> pd.DataFrame:
    raw = target.read_bytes() if isinstance(target, Path) else target.read()
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    try:
        text = raw.decode("utf-16" if raw.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    return pd.read_csv(io.StringIO(text), skipinitialspace=True, skip_blank_lines=False)
