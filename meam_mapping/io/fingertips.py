"""Read an OHID Fingertips CSV export as published.

Fingertips (https://fingertips.phe.org.uk) exports one row per indicator x
area x sex x age x category x time period, with headings ``Indicator ID,
Indicator Name, Parent Code, Parent Name, Area Code, Area Name, Area Type,
Sex, Age, Category Type, Category, Time period, Value, Lower CI 95.0 limit,
Upper CI 95.0 limit, Lower CI 99.8 limit, Upper CI 99.8 limit, Count,
Denominator, Value note, Recent Trend, Compared to England value or
percentiles, Compared to <parent> value or percentiles, Time period Sortable,
New data, Compared to goal`` (sometimes also ``Time period range``; the
"Compared to <parent>" heading varies with the parent area type). Headings
are matched ignoring case and spacing, and the comparison columns are not
needed.

How rows become the tidy indicator table:

* rows with a ``Category Type`` (breakdowns, e.g. by deprivation decile or
  ethnic group) are left out by default and counted in the notes; with
  ``breakdowns=True`` they are kept as separate indicators;
* the indicator id is ``fingertips_<Indicator ID>``; when one indicator comes
  for several sexes or ages (or categories), the id gains a suffix such as
  ``_male_18_64_yrs`` so each row stays unique; the name is kept in
  ``indicator_name``;
* ``Value`` and the 95% limits are kept as ``value``, ``lower``, ``upper``;
  Fingertips values are often age-standardised, so they are kept as
  published rather than recomputed;
* a count is *suppressed* (NaN, ``suppressed`` True) where the count or value
  holds a suppression marker, or the value is blank and ``Value note`` says
  why; a blank count with a published value (many indicators publish no
  count) is just missing;
* the unit is guessed (see :func:`guess_fingertips_unit`): from the name
  ("per 100,000", "%", "score", "ratio"), else from ``Value`` against
  ``Count / Denominator`` (about x100 -> percent, x1,000 -> per_1000,
  x100,000 -> per_100000, within a factor of 2 because standardised rates
  differ from crude ones), else from the values.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from meam_mapping.errors import InputError
from meam_mapping.indicators.units import parse_unit
from meam_mapping.io.values import guess_unit, parse_numbers

__all__ = ["FINGERTIPS_SOURCE", "is_fingertips", "fingertips_rows", "guess_fingertips_unit"]

#: Rate units a Fingertips value may be in, tried against value / (count / denominator).
_RATE_CODES = ("proportion", "percent", "per_1000", "per_10000", "per_100000")

#: Value of ``source`` on every row read from a Fingertips export.
FINGERTIPS_SOURCE = "OHID Fingertips"

_COLUMNS = {
    "indicator id": "id",
    "indicator name": "name",
    "area code": "area_code",
    "area name": "area_name",
    "area type": "area_type",
    "sex": "sex",
    "age": "age",
    "category type": "category_type",
    "category": "category",
    "time period": "period",
    "value": "value",
    "lower ci 95.0 limit": "lower",
    "upper ci 95.0 limit": "upper",
    "count": "count",
    "denominator": "denominator",
    "value note": "note",
}
_REQUIRED = ("indicator id", "area code", "time period", "value")


def _norm(heading: str) -> str:
    return " ".join(str(heading).strip().lower().replace("_", " ").split())


def is_fingertips(columns: list[str]) -> bool:
    """Whether the headings are those of a Fingertips export.

    Parameters
    ----------
    columns : list of str
        Headings.

    Returns
    -------
    bool
        True when ``Indicator ID``, ``Area Code``, ``Time period`` and
        ``Value`` are all present.
    """
    normed = {_norm(c) for c in columns}
    return all(c in normed for c in _REQUIRED)


def guess_fingertips_unit(
    name: str, value: pd.Series, count: pd.Series, denominator: pd.Series
) -> str:
    """Guess the unit of one Fingertips indicator.

    Parameters
    ----------
    name : str
        Indicator name.
    value, count, denominator : pandas.Series
        The indicator's values, counts and denominators (NaN allowed).

    Returns
    -------
    str
        One of :data:`~meam_mapping.io.validate.UNITS`.

    Examples
    --------
    >>> v, c, d = pd.Series([12.5]), pd.Series([5.0]), pd.Series([40.0])
    >>> guess_fingertips_unit("Adults in contact with services", v, c, d)
    'percent'
    """
    by_name = guess_unit(name)
    if by_name not in ("other", "count"):
        return by_name
    crude = count / denominator
    ok = crude.gt(0) & value.notna() & np.isfinite(crude)
    if ok.any():
        ratio = float((value[ok] / crude[ok]).median())
        if ratio > 0:
            # Nearest multiplier within a factor of 2 (standardised rates differ
            # from crude ones, but not by a factor of 10).
            rates = [parse_unit(code) for code in _RATE_CODES]
            best = min(rates, key=lambda u: abs(np.log(ratio / u.multiplier)))
            unit, mult = best.code, best.multiplier
            if abs(np.log(ratio / mult)) < np.log(2):
                return unit
    return guess_unit(name, value)


def _suffixes(frame: pd.DataFrame, parts: list[str]) -> pd.Series:
    """Suffix for each row from the parts (sex, age, ...) that vary within an indicator."""
    suffix = pd.Series("", index=frame.index)
    label = pd.Series("", index=frame.index)
    for part in parts:
        if part not in frame.columns:
            continue
        varies = frame.groupby("id")[part].transform("nunique") > 1
        text = frame[part].str.strip()
        slug = text.str.lower().str.replace(r"[^0-9a-z]+", "_", regex=True).str.strip("_")
        suffix = suffix.where(~varies, suffix + "_" + slug)
        label = label.where(~varies, label + np.where(label == "", "", ", ") + text)
    return pd.DataFrame({"suffix": suffix, "label": label})


def fingertips_rows(
    raw: pd.DataFrame,
    notes: list[str] | None = None,
    *,
    file: str | None = None,
    breakdowns: bool = False,
) -> pd.DataFrame:
    """Turn a Fingertips export (text cells) into long indicator rows.

    Parameters
    ----------
    raw : pandas.DataFrame
        Text cells indexed by spreadsheet row (see :class:`.read.RawTable`).
    notes : list of str, optional
        Plain-English notes are appended to this list.
    file : str, optional
        File name for messages.
    breakdowns : bool, default False
        Keep rows with a ``Category Type`` (breakdowns) as separate indicators.

    Returns
    -------
    pandas.DataFrame
        Indicator columns (``domain`` blank, to be filled by the loader) plus
        ``area_name``, ``indicator_name``, ``lower``, ``upper`` and ``_row``.

    Raises
    ------
    InputError
        If required headings are missing or numeric cells are not numbers.
    """
    notes = notes if notes is not None else []
    found = {_norm(c): c for c in raw.columns}
    missing = [c for c in _REQUIRED if c not in found]
    if missing:
        raise InputError(
            "This does not look like a complete Fingertips export; missing "
            + ", ".join(repr(c) for c in missing),
            file=file,
            column=missing,
            expected="the headings of a Fingertips 'Export table' CSV",
            fix="Download the data again from Fingertips as CSV",
        )
    frame = raw.rename(columns={found[k]: v for k, v in _COLUMNS.items() if k in found})
    frame = frame[[v for k, v in _COLUMNS.items() if k in found]]
    if "category_type" in frame.columns:
        is_breakdown = frame["category_type"].str.strip() != ""
        if is_breakdown.any() and not breakdowns:
            kinds = ", ".join(sorted(frame.loc[is_breakdown, "category_type"].unique())[:5])
            notes.append(
                f"Left out {int(is_breakdown.sum())} breakdown row(s) (by {kinds}); "
                "ask for breakdowns to keep them."
            )
            frame = frame[~is_breakdown]
        elif is_breakdown.any():
            notes.append(f"Kept {int(is_breakdown.sum())} breakdown row(s) as separate indicators.")
    if frame.empty:
        raise InputError(
            "No rows are left once breakdowns are set aside",
            file=file,
            fix="Ask for breakdowns to be kept, or export the overall figures",
        )
    rows = pd.Series(frame.index, index=frame.index)
    nums = {
        c: parse_numbers(frame[c], column=c.title(), file=file, rows=rows)
        for c in ("value", "count", "denominator", "lower", "upper")
        if c in frame.columns
    }
    nan = pd.Series(np.nan, index=frame.index)
    count = nums["count"].values if "count" in nums else nan
    withheld = nums["value"].suppressed
    if "count" in nums:
        withheld = withheld | nums["count"].suppressed
    if "note" in frame.columns:
        withheld = withheld | (nums["value"].missing & (frame["note"].str.strip() != ""))
    suppressed = withheld & count.isna()
    frame["id"] = frame["id"].str.strip()
    parts = ["sex", "age"] + (["category_type", "category"] if breakdowns else [])
    extra = _suffixes(frame, parts)
    name = frame["name"].str.strip() if "name" in frame.columns else "Indicator " + frame["id"]
    out = pd.DataFrame(
        {
            "area_code": frame["area_code"],
            "indicator": "fingertips_" + frame["id"] + extra["suffix"],
            "domain": "",
            "period": frame["period"].str.strip(),
            "count": count,
            "denominator": nums["denominator"].values if "denominator" in nums else nan,
            "value": nums["value"].values,
            "unit": "",
            "source": FINGERTIPS_SOURCE,
            "suppressed": suppressed.astype(bool),
            "area_name": frame["area_name"] if "area_name" in frame.columns else "",
            "indicator_name": name.where(extra["label"] == "", name + " (" + extra["label"] + ")"),
            "lower": nums["lower"].values if "lower" in nums else nan,
            "upper": nums["upper"].values if "upper" in nums else nan,
            "_row": rows,
        }
    )
    if (extra["suffix"] != "").any():
        notes.append(
            "Some indicators come for several sexes, ages or categories; each is kept as its "
            "own indicator (ids end in e.g. '_male')."
        )
    for _ind, group in out.groupby("indicator"):
        unit = guess_fingertips_unit(
            group["indicator_name"].iloc[0], group["value"], group["count"], group["denominator"]
        )
        out.loc[group.index, "unit"] = unit
    units = out.drop_duplicates("indicator")[["indicator", "unit"]]
    notes.append(
        "Units guessed from the indicator names and values: "
        + ", ".join(f"{i} = {u}" for i, u in units.itertuples(index=False))
        + "."
    )
    if "area_type" in frame.columns:
        types = frame["area_type"].value_counts()
        notes.append(
            "Area types in the file: "
            + ", ".join(f"{t} ({n} row(s))" for t, n in types.items())
            + "."
        )
    return out.reset_index(drop=True)
