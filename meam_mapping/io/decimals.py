"""Which decimal mark a table's numbers use: "18.5" or "18,5".

A CSV saved by Excel in much of Europe is separated by semicolons and writes
one thousand four hundred and thirty as ``1.430`` and eighteen and a half as
``18,5``. Read the English way, ``1.430`` becomes 1.43 and a population a
thousand times too small gives a rate a thousand times too large. So the mark
is decided once per table, before any number is parsed:

* cells only one reading can parse decide it: ``18,5`` or ``1.234,5`` or
  ``1.234.567`` are European, ``18.5`` or ``1,234.5`` or ``0.125`` English;
  both kinds in one table are refused (naming a cell of each);
* otherwise the delimiter decides: a semicolon-separated file is European, a
  comma-separated one English (its commas separate cells);
* a cell such as ``1.430`` (1430 or 1.43?) that nothing decides, in a
  tab-separated file, is refused: the user states the mark.

:func:`decide_decimal` makes the decision and says which reading was used;
:func:`to_decimal_point` rewrites European cells in the English form the
number parser reads (``1.430`` -> ``1430``, ``18,5`` -> ``18.5``), leaving
every other cell as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from meam_mapping.errors import InputError

__all__ = ["DECIMAL_MARKS", "DecimalMark", "decide_decimal", "to_decimal_point"]

#: The decimal marks a user may state ("auto" lets the table decide).
DECIMAL_MARKS: tuple[str, ...] = ("auto", ".", ",")
DecimalMark = Literal["auto", ".", ","]

_NUMERIC = re.compile(r"^[+-]?[\d.,]*\d[\d.,]*$")
_EUROPEAN = re.compile(r"^[+-]?([1-9]\d{0,2}(\.\d{3})+|\d+)(,\d+)?$")
_ENGLISH = re.compile(r"^[+-]?([1-9]\d{0,2}(,\d{3})+|\d+)(\.\d+)?$")
_HOW_TO_STATE = (
    "State the decimal mark: on the command line --decimal , (so 1.430 is 1430 and 18,5 is "
    "18.5) or --decimal . (so 1.430 is 1.43); on the Data page, choose the decimal mark"
)


@dataclass(frozen=True)
class _Cell:
    text: str
    row: int
    column: str


def _european(text: str) -> str:
    return text.replace(".", "").replace(",", ".")


def _english(text: str) -> str:
    return text.replace(",", "")


def _classify(frame: pd.DataFrame) -> dict[str, list[_Cell]]:
    """Cells (first of each distinct text per column) by which readings parse them."""
    found: dict[str, list[_Cell]] = {"european": [], "english": [], "ambiguous": []}
    for column in frame.columns:
        # Each distinct text once, in order of first appearance, with its first row.
        positions, uniques = pd.factorize(
            frame[column].astype(str), sort=False, use_na_sentinel=False
        )
        # Numbered in order of first appearance: a new one starts where the running maximum grows.
        first = np.diff(np.maximum.accumulate(positions), prepend=-1) > 0
        first_rows = frame.index[np.flatnonzero(first)]
        texts = pd.Series(uniques, dtype=str)
        # A number holds no letter: codes and names (most distinct texts) are skipped
        # without a Python loop over them; so are missing cells.
        letters = texts.str.contains("[A-Za-z]", regex=True).fillna(True).to_numpy(dtype=bool)
        maybe = ~letters & texts.notna().to_numpy()
        for row, raw in zip(first_rows[maybe], texts[maybe], strict=True):
            text = raw.strip()
            if not _NUMERIC.match(text):
                continue
            eu, en = bool(_EUROPEAN.match(text)), bool(_ENGLISH.match(text))
            cell = _Cell(text, int(row), str(column))
            if eu and not en:
                found["european"].append(cell)
            elif en and not eu:
                found["english"].append(cell)
            elif eu and en and float(_european(text)) != float(_english(text)):
                found["ambiguous"].append(cell)
    return found


def _shown(cell: _Cell) -> str:
    return f"{cell.text!r} (row {cell.row}, column {cell.column!r})"


def decide_decimal(
    frame: pd.DataFrame,
    *,
    delimiter: str | None = None,
    stated: DecimalMark = "auto",
    file: str | None = None,
) -> tuple[str, list[str]]:
    """Decide a table's decimal mark from what the user stated, its cells and its delimiter.

    Parameters
    ----------
    frame : pandas.DataFrame
        Text cells indexed by spreadsheet row (as :func:`.read.read_table` gives).
    delimiter : str, optional
        The text file's delimiter (None for workbooks and frames).
    stated : {"auto", ".", ","}, default "auto"
        The mark the user stated; "auto" decides from the table.
    file : str, optional
        File name for messages.

    Returns
    -------
    mark : str
        ``"."`` or ``","``.
    notes : list of str
        Which reading was used and why, when it is not the English default.

    Raises
    ------
    InputError
        If ``stated`` is not one of :data:`DECIMAL_MARKS`; if cells use both
        marks; or, with nothing stated, if a cell such as ``1.430`` can be read
        two ways and neither the cells nor the delimiter say which.

    Examples
    --------
    >>> frame = pd.DataFrame({"count": ["1.430", "18,5"]}, index=[2, 3])
    >>> decide_decimal(frame, delimiter=";")[0]
    ','
    """
    if stated not in DECIMAL_MARKS:
        raise InputError(
            f"Unknown decimal mark {stated!r}",
            file=file,
            expected="one of " + ", ".join(repr(m) for m in DECIMAL_MARKS),
            fix=_HOW_TO_STATE,
        )
    if stated == ".":
        return ".", []
    if stated == ",":
        return ",", ["Numbers were read with a decimal comma, as stated (1.430 is 1430)."]
    found = _classify(frame)
    eu, en, ambiguous = found["european"], found["english"], found["ambiguous"]
    if eu and en:
        raise InputError(
            "The numbers use both decimal marks: "
            f"{_shown(eu[0])} reads only as a decimal comma, {_shown(en[0])} only as a decimal "
            "point",
            file=file,
            row=sorted({eu[0].row, en[0].row}),
            column=list(dict.fromkeys([eu[0].column, en[0].column])),
            expected="one decimal mark for the whole table",
            fix="Correct the cells written the other way, or save the file again from one "
            "program. " + _HOW_TO_STATE,
        )
    european = ";" in (delimiter or "") and not en
    if eu:
        notes = [
            "Numbers were read with a decimal comma (European style: 1.430 is 1430, 18,5 is "
            f"18.5), because of values such as {_shown(eu[0])}"
            + (" and the semicolons between cells" if delimiter == ";" else "")
            + ". If that is wrong, state the decimal mark (on the command line: --decimal .)."
        ]
        return ",", notes
    if european and ambiguous:
        return ",", [
            "Numbers were read with a decimal comma (European style), because the file is "
            f"separated by semicolons: {_shown(ambiguous[0])} was read as "
            f"{float(_european(ambiguous[0].text)):g}. If that is wrong, state the decimal mark "
            "(on the command line: --decimal .)."
        ]
    if ambiguous and delimiter not in (None, ",") and not en:
        cell = ambiguous[0]
        raise InputError(
            f"The number {_shown(cell)} could be {float(_european(cell.text)):g} (a thousands "
            f"dot) or {float(_english(cell.text)):g} (a decimal point), and nothing else in the "
            "file says which",
            file=file,
            row=[c.row for c in ambiguous[:10]],
            column=list(dict.fromkeys(c.column for c in ambiguous))[:5],
            expected="a stated decimal mark for numbers such as 1.430",
            fix=_HOW_TO_STATE,
        )
    if delimiter == ";" and en:
        return ".", [
            "Numbers were read with a decimal point although the file is separated by "
            f"semicolons, because of values such as {_shown(en[0])}."
        ]
    return ".", []


def to_decimal_point(frame: pd.DataFrame, *, file: str | None = None) -> pd.DataFrame:
    """Rewrite European numbers (``1.430``, ``18,5``) in the form the number parser reads.

    Cells that are not numbers (names, codes, suppression marks) are left as
    they are. A cell that only a decimal point can explain (``18.5``) is
    refused, naming its row and column.

    Parameters
    ----------
    frame : pandas.DataFrame
        Text cells indexed by spreadsheet row.
    file : str, optional
        File name for messages.

    Returns
    -------
    pandas.DataFrame
        A copy with European numbers rewritten (``1.430`` -> ``1430``).

    Examples
    --------
    >>> to_decimal_point(pd.DataFrame({"n": ["1.430", "18,5", "*"]}))["n"].tolist()
    ['1430', '18.5', '*']
    """
    out = frame.copy()
    for column in frame.columns:
        positions, uniques = pd.factorize(frame[column].astype(str), sort=False)
        texts = [str(u).strip() for u in uniques]
        european = [bool(_NUMERIC.match(t) and _EUROPEAN.match(t)) for t in texts]
        # Only a decimal point explains these (18.5); dates such as 01.04.2024 are left alone.
        english = [bool(_NUMERIC.match(t) and _ENGLISH.match(t)) for t in texts]
        wrong = np.array([en and not eu for en, eu in zip(english, european, strict=True)])
        if wrong.any():
            rows = frame.index[wrong[positions]]
            first = texts[int(np.flatnonzero(wrong)[0])]
            raise InputError(
                f"{len(rows)} cell(s) are not numbers written with a decimal comma "
                f"(for example {first!r})",
                file=file,
                row=[int(r) for r in rows],
                column=str(column),
                expected="numbers such as 1.430 (one thousand four hundred and thirty) or 18,5",
                fix="Correct these cells, or if the file uses decimal points, say so (on the "
                "command line: --decimal .; on the Data page, choose the decimal mark)",
            )
        if not any(european):
            continue
        rewritten = np.array(
            [_european(t) if e else u for u, t, e in zip(uniques, texts, european, strict=True)],
            dtype=object,
        )
        out[column] = pd.Series(rewritten[positions], index=frame.index, dtype=str)
    return out
