"""Safe table writers: CSV, XLSX workbook and GeoPackage.

Every writer refuses a frame that has not been through the disclosure policy
(:func:`meam_mapping.disclosure.require_suppressed`) and neutralises spreadsheet
formula injection: a text cell (or column name) starting with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return, possibly after spaces, is written as
text with a leading apostrophe, following the OWASP guidance on CSV injection
[1]_. Numbers stay numbers, and text that is just a plain number (``"-5"``) is
left alone because no spreadsheet reads it as a formula.

Each writer accepts a path, a binary buffer (``io.BytesIO``) or ``None`` (the
bytes are returned, ready for a download button). Files are written beside
the target and renamed into place, so a failed write never leaves half a file.

References
----------
.. [1] OWASP, "CSV Injection", https://owasp.org/www-community/attacks/CSV_Injection
"""

from __future__ import annotations

import io
import os
import re
import tempfile
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pandas as pd

from meam_mapping.disclosure import POLICY_ATTR, require_suppressed

__all__ = [
    "ABOUT_SHEET",
    "about_text",
    "neutralise",
    "safe_frame",
    "write_csv",
    "write_geopackage",
    "write_xlsx",
]

#: Name of the explanatory sheet (XLSX) and layer (GeoPackage, lower case).
ABOUT_SHEET = "About"
_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*")
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_Target = str | os.PathLike | BinaryIO | None


def neutralise(value: Any) -> Any:
    """Return ``value`` made safe for a spreadsheet cell.

    Text starting with a formula character gets a leading apostrophe; anything
    else is returned unchanged.

    Examples
    --------
    >>> neutralise("=SUM(A1:A3)")
    "'=SUM(A1:A3)"
    >>> neutralise("-5"), neutralise(-5), neutralise("Cambridge")
    ('-5', -5, 'Cambridge')
    """
    if not isinstance(value, str) or not value:
        return value
    if value.lstrip(" ")[:1] in _TRIGGERS and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def _is_geometry(s: pd.Series) -> bool:
    return str(s.dtype) == "geometry"


def safe_frame(df: pd.DataFrame, *, keep_geometry: bool = False) -> pd.DataFrame:
    """Return a copy with text cells and column names neutralised.

    Geometry columns are dropped unless ``keep_geometry``; a named (non-default)
    index becomes ordinary columns.
    """
    out = df
    if not isinstance(df.index, pd.RangeIndex) or any(n is not None for n in df.index.names):
        out = df.reset_index()
    if not keep_geometry:
        out = out[[c for c in out.columns if not _is_geometry(out[c])]]
    out = out.copy()
    for c in out.columns:
        s = out[c]
        if _is_geometry(s) or pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
            continue
        if isinstance(s.dtype, pd.CategoricalDtype):
            s = s.astype(object)
        if pd.api.types.is_datetime64_any_dtype(s) or isinstance(s.dtype, pd.PeriodDtype):
            continue
        out[c] = s.map(neutralise, na_action="ignore")
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def _integral_to_int(df: pd.DataFrame) -> pd.DataFrame:
    """Show whole-number float columns (counts made float by blanks) without ``.0``."""
    out = df.copy()
    for c in out.columns:
        s = out[c]
        if pd.api.types.is_float_dtype(s):
            v = s.to_numpy(dtype=float)
            ok = v[~np.isnan(v)]
            if ok.size and np.all(ok == np.round(ok)) and np.all(np.abs(ok) < 2**53):
                out[c] = s.astype("Int64")
    return out


def _checked(frames: Mapping[str, pd.DataFrame], kind: str) -> None:
    if not frames:
        raise ValueError(f"no {kind}s to write")
    for name, df in frames.items():
        if not isinstance(df, pd.DataFrame):
            raise TypeError(f"{kind} {name!r} is a {type(df).__name__}, not a DataFrame")
        require_suppressed(df, f"{kind} {name!r}")


def _emit(data: bytes, target: _Target) -> bytes | None:
    """Write ``data`` to a path (atomically) or a binary buffer, or return it."""
    if target is None:
        return data
    if isinstance(target, (str, os.PathLike)):
        path = Path(target)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            # mkstemp makes owner-only files; give exports the usual permissions.
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return None
    if isinstance(target, io.TextIOBase):
        raise TypeError("give a binary buffer (io.BytesIO) or a path, not a text buffer")
    target.write(data)
    return None


# ------------------------------------------------------------------------ about
def _sources(frames: Mapping[str, pd.DataFrame]) -> list[str]:
    found: list[str] = []
    for df in frames.values():
        if "source" in df.columns:
            found += [str(s) for s in df["source"].dropna().unique()]
    return list(dict.fromkeys(found))


def _about_rows(
    frames: Mapping[str, pd.DataFrame],
    label: str | None,
    notes: Mapping[str, Any] | None,
) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    if label:
        rows.append(("Label", label))
    policies = list(dict.fromkeys(str(df.attrs.get(POLICY_ATTR, "")) for df in frames.values()))
    policies = [p for p in policies if p and p != "This table holds no counts."]
    for p in policies or ["The tables hold no counts of people."]:
        rows.append(("Disclosure control", p))
    for s in _sources(frames):
        rows.append(("Source", s))
    for name, df in frames.items():
        rows.append(("Table", f"{name}: {len(df)} rows, {df.shape[1]} columns"))
    for key, value in (notes or {}).items():
        rows.append((str(key), str(value)))
    return rows


def about_text(
    frames: Mapping[str, pd.DataFrame],
    *,
    label: str | None = None,
    notes: Mapping[str, Any] | None = None,
) -> str:
    """Plain-text "About" note for a set of tables (for a README beside CSV files).

    Lists the label (e.g. ``schema.SYNTHETIC_LABEL``), the disclosure policy
    text carried by the frames, their sources, the tables and any notes.
    """
    lines = ["About these tables", ""]
    lines += [f"{k}: {v}" for k, v in _about_rows(frames, label, notes)]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------- csv
def write_csv(
    df: pd.DataFrame, path_or_buffer: _Target = None, *, what: str = "table"
) -> bytes | None:
    """Write one suppressed table as CSV (UTF-8 with a byte-order mark, for Excel).

    Parameters
    ----------
    df : DataFrame
        A frame marked by the disclosure policy. Geometry columns are left out.
    path_or_buffer : path, binary buffer or None
        Where to write; ``None`` returns the bytes.
    what : str
        Name of the table in error messages.

    Returns
    -------
    bytes or None
        The file's bytes when ``path_or_buffer`` is None.

    Raises
    ------
    ValueError
        If ``df`` has not been through the disclosure policy.
    """
    require_suppressed(df, what)
    text = _integral_to_int(safe_frame(df)).to_csv(index=False, lineterminator="\r\n")
    return _emit(text.encode("utf-8-sig"), path_or_buffer)


# ------------------------------------------------------------------------ xlsx
def _sheet_names(names: list[str]) -> list[str]:
    used = {ABOUT_SHEET.lower()}
    out = []
    for name in names:
        base = _BAD_SHEET_CHARS.sub("_", str(name)).strip("'") or "Sheet"
        candidate, i = base[:31], 2
        while candidate.lower() in used:
            suffix = f" ({i})"
            candidate, i = base[: 31 - len(suffix)] + suffix, i + 1
        used.add(candidate.lower())
        out.append(candidate)
    return out


def _cell(value: Any) -> Any:
    """Python value for openpyxl: blanks as None, numpy scalars unwrapped."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (float, np.floating)) and np.isnan(value):
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, pd.Timestamp):
        return value.tz_localize(None).to_pydatetime() if value.tz else value.to_pydatetime()
    if isinstance(value, (int, float, str, datetime, date)):
        return value
    return neutralise(str(value))


def _fill_sheet(ws: Any, df: pd.DataFrame) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    for j, name in enumerate(df.columns, start=1):
        c = ws.cell(row=1, column=j, value=str(name))
        c.data_type = "s"
        c.font = Font(bold=True)
    for i, row in enumerate(df.itertuples(index=False, name=None), start=2):
        for j, value in enumerate(row, start=1):
            v = _cell(value)
            c = ws.cell(row=i, column=j, value=v)
            if isinstance(v, str):
                c.data_type = "s"
    ws.freeze_panes = "A2"
    for j, name in enumerate(df.columns, start=1):
        sample = [len(str(name))] + [len(str(v)) for v in df.iloc[:200, j - 1].tolist()]
        ws.column_dimensions[get_column_letter(j)].width = min(60, max(8, max(sample) + 2))


def write_xlsx(
    sheets: Mapping[str, pd.DataFrame],
    path_or_buffer: _Target = None,
    *,
    notes: Mapping[str, Any] | None = None,
    label: str | None = None,
) -> bytes | None:
    """Write suppressed tables to an XLSX workbook, one tidy sheet each, plus "About".

    Parameters
    ----------
    sheets : mapping of str to DataFrame
        Sheet name -> frame marked by the disclosure policy. Names are made valid
        for Excel (at most 31 characters, no brackets, colons, stars, question
        marks or slashes) and unique.
    path_or_buffer : path, binary buffer or None
        Where to write; ``None`` returns the bytes.
    notes : mapping, optional
        Extra lines for the About sheet (heading -> text), e.g. date, licence.
    label : str, optional
        A label shown first on the About sheet, e.g. ``schema.SYNTHETIC_LABEL``.

    Returns
    -------
    bytes or None
        The workbook's bytes when ``path_or_buffer`` is None.

    Raises
    ------
    ValueError
        If any frame has not been through the disclosure policy.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    _checked(sheets, "sheet")
    wb = Workbook()
    about = wb.active
    about.title = ABOUT_SHEET
    about.cell(row=1, column=1, value="About this workbook").font = Font(bold=True, size=14)
    for i, (key, text) in enumerate(_about_rows(sheets, label, notes), start=3):
        k = about.cell(row=i, column=1, value=neutralise(key))
        k.data_type, k.font = "s", Font(bold=True)
        v = about.cell(row=i, column=2, value=neutralise(text))
        v.data_type, v.alignment = "s", Alignment(wrap_text=True, vertical="top")
    about.column_dimensions["A"].width = 22
    about.column_dimensions["B"].width = 100
    for name, df in zip(_sheet_names(list(sheets)), sheets.values(), strict=True):
        _fill_sheet(wb.create_sheet(title=name), safe_frame(df))
    buffer = io.BytesIO()
    wb.save(buffer)
    return _emit(buffer.getvalue(), path_or_buffer)


# ------------------------------------------------------------------ geopackage
def write_geopackage(
    layers: Mapping[str, pd.DataFrame],
    path_or_buffer: _Target = None,
    *,
    notes: Mapping[str, Any] | None = None,
    label: str | None = None,
) -> bytes | None:
    """Write suppressed layers to a GeoPackage that QGIS opens, plus an ``about`` table.

    Parameters
    ----------
    layers : mapping of str to GeoDataFrame or DataFrame
        Layer name -> frame marked by the disclosure policy. A plain DataFrame
        (or a GeoDataFrame without geometry) becomes an attribute-only table.
    path_or_buffer : path, binary buffer or None
        Where to write; ``None`` returns the bytes.
    notes, label
        As for :func:`write_xlsx`; written to the ``about`` table.

    Returns
    -------
    bytes or None
        The file's bytes when ``path_or_buffer`` is None.
    """
    import geopandas as gpd
    import pyogrio

    _checked(layers, "layer")
    names = [str(n) for n in layers]
    lowered = [n.lower() for n in names]
    if len(set(lowered)) < len(names) or ABOUT_SHEET.lower() in lowered or "" in lowered:
        raise ValueError(f"layer names must be unique, non-empty and not 'about': {names}")
    about = pd.DataFrame(_about_rows(layers, label, notes), columns=["heading", "text"])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.gpkg"
        for name, df in layers.items():
            safe = safe_frame(df, keep_geometry=True)
            geometry = isinstance(df, gpd.GeoDataFrame) and df.active_geometry_name in df.columns
            if geometry:
                gdf = gpd.GeoDataFrame(safe, geometry=neutralise(df.geometry.name), crs=df.crs)
                gdf.to_file(path, layer=str(name), driver="GPKG", engine="pyogrio")
            else:
                plain = pd.DataFrame(
                    {c: safe[c] for c in safe.columns if not _is_geometry(safe[c])}
                )
                pyogrio.write_dataframe(plain, path, layer=str(name), driver="GPKG")
        pyogrio.write_dataframe(safe_frame(about), path, layer="about", driver="GPKG")
        data = path.read_bytes()
    return _emit(data, path_or_buffer)
