"""Check again every table of a workspace opened without a valid content check.

A workspace whose ``digest`` is missing or wrong (edited in QGIS, saved by
version 1, or damaged) is opened only on request (``recover=True``); its
tables are then put through the same validators as files a person loads.
"""

from __future__ import annotations

import pandas as pd

from meam_mapping.errors import InputError

__all__ = ["recheck_tables"]

_FIX = "Open the most recent autosave or an earlier copy of the workspace"


def _damaged(name: str, what: str) -> InputError:
    return InputError(f"this workspace {what}", file=name, fix=_FIX)


def recheck_tables(tables: dict[str, pd.DataFrame], name: str) -> None:
    """Check every table as the loaders would check a file brought by the user.

    Parameters
    ----------
    tables : dict of str to DataFrame
        Layers read from the workspace (``areas_<level>``, ``indicators``,
        ``patterns``; notes are checked when the workspace is built).
    name : str
        Workspace file name for messages.

    Raises
    ------
    InputError
        Naming the layer, row and column of the first problem.
    """
    from meam_mapping.estimate.mse.patterns import validate_patterns
    from meam_mapping.io.validate import validate_indicator_table

    for layer, frame in tables.items():
        if layer.startswith("areas_"):
            _check_areas(frame, f"{name} ({layer})")
    try:
        validate_indicator_table(
            _unit_codes(tables["indicators"]), file=f"{name} (indicators)", integer_counts=False
        )
        if "patterns" in tables:
            validate_patterns(tables["patterns"], file=f"{name} (patterns)")
    except InputError:
        raise
    except Exception as err:  # a validator meeting a shape it never expected
        raise _damaged(name, f"has a table that could not be checked ({err})") from err


def _check_areas(frame: pd.DataFrame, where: str) -> None:
    need = [c for c in ("area_code", "area_name", "geometry") if c not in frame.columns]
    if need:
        raise InputError(
            "the areas have no column " + ", ".join(map(repr, need)),
            file=where,
            column=need,
            expected="columns area_code, area_name and geometry",
            fix=_FIX,
        )
    empty = frame.geometry.isna() | frame.geometry.is_empty
    blank = frame["area_code"].isna() | frame["area_code"].astype(str).str.strip().eq("")
    bad = empty | blank
    if bad.any():
        rows = [int(i) + 2 for i in frame.index[bad][:10]]
        raise InputError(
            f"{int(bad.sum())} area(s) have no shape or no area code",
            file=where,
            row=rows,
            expected="a code and a shape for every area",
            fix=_FIX,
        )


def _unit_codes(table: pd.DataFrame) -> pd.DataFrame:
    """A copy whose units written as labels ("per 1,000 adults") carry their code (``per_1000``).

    Workspaces hold the units as the data had them (the demo writes labels);
    the validator knows the codes. A unit that is neither is left as it is and
    refused by the validator, naming the units it knows.
    """
    if "unit" not in table.columns:
        return table
    from meam_mapping.estimate.prevalence import parse_unit

    codes = {1: "proportion", 100: "percent", 1_000: "per_1000", 10_000: "per_10000"}
    codes[100_000] = "per_100000"

    def code(unit: object) -> object:
        try:
            parsed = parse_unit(str(unit))
        except (InputError, ValueError, TypeError):
            return unit
        return codes.get(parsed.multiplier, unit)

    mapping = {u: code(u) for u in table["unit"].dropna().unique()}
    return table.assign(unit=table["unit"].map(lambda u: mapping.get(u, u)))
