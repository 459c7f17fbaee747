"""One area's profile: every indicator against its district and the study area.

The profile gathers, for one area, what the other pages show about it:
each indicator's published rate with its 95% interval, compared with the
study area as the Map page compares it (:mod:`meam_mapping.pipeline.compare`),
beside its district's rate and the spread of all areas at its level (for a
spine chart); its estimated number of people facing multiple disadvantage
with the interval; its composite index score, rank range and decile; its
hot-spot status and typology group; and the notes people wrote about it.

Every number comes from a table that has passed the publication gate (the
:class:`~meam_mapping.pipeline.run.Analysis` tables); a hidden figure stays
hidden, with its reason. Only the study-area benchmark is worked out from the
full table, as for every comparison (a sum over all areas reveals no area).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from meam_mapping.dataset import Dataset
from meam_mapping.disclosure import hidden_note
from meam_mapping.errors import InputError
from meam_mapping.pipeline.compare import NOT_SHOWN, benchmark_comparison
from meam_mapping.pipeline.rates import PrevalenceResult

if TYPE_CHECKING:
    from meam_mapping.pipeline.run import Analysis

__all__ = ["AreaProfile", "area_choices", "area_profile"]

_STUDY_LABEL = "Study area average (all areas, before suppression)"


@dataclass(frozen=True)
class AreaProfile:
    """Everything published about one area.

    Attributes
    ----------
    area_code, area_name, level : str
        The area and its level (``lsoa``, ``msoa``, ``lad``...).
    district_code, district_name : str or None
        Its local authority district (None for a district itself).
    indicators : pandas.DataFrame
        One row per indicator: ``indicator, indicator_name, domain, unit,
        polarity, period, count, value, lower, upper, category, note,
        district_value, study_value, range_min, range_q25, range_q75,
        range_max, n_areas`` (the range over the published values of every
        area at this level; ``category`` against the study area at 95%).
    people : dict or None
        ``estimated_people, lower, upper, hidden_share, level, method`` from
        the published small-area (or area) estimates.
    index : dict or None
        ``score, rank, rank_range, decile, n_areas, level, shown`` (score and
        rank are NaN / None where the index table shows the decile only).
    hotspot : str or None
        "Hot spot", "Cold spot" or "Not significant".
    typology : str or None
        Its typology group, when one was given.
    notes : list of str
        Notes people wrote on the area.
    unavailable : dict of str to str
        Part -> why it is not shown for this area.
    label : str or None
        The dataset's label (e.g. synthetic demonstration data).
    dataset_name : str
        The dataset's name.
    """

    area_code: str
    area_name: str
    level: str
    district_code: str | None
    district_name: str | None
    indicators: pd.DataFrame
    people: dict[str, Any] | None = None
    index: dict[str, Any] | None = None
    hotspot: str | None = None
    typology: str | None = None
    notes: list[str] = field(default_factory=list)
    unavailable: dict[str, str] = field(default_factory=dict)
    label: str | None = None
    dataset_name: str = ""


def area_choices(dataset: Dataset, level: str) -> pd.Series:
    """Area names by code at ``level``, sorted by name (for a picker)."""
    if level not in dataset.areas:
        raise InputError(
            f"the data have no {level!r} areas",
            column="level",
            expected="one of " + ", ".join(dataset.levels),
        )
    areas = dataset.areas[level]
    names = areas.set_index(areas["area_code"].astype(str))["area_name"].astype(str)
    return names.sort_values(kind="stable")


def _hidden_note(row: pd.Series, threshold: int | None) -> str:
    if not bool(row.get("suppressed", False)):
        return "no data" if pd.isna(row.get("value")) else ""
    return hidden_note(str(row.get("suppression") or ""), threshold)


def _pooled(raw: pd.DataFrame, multiplier: float) -> float:
    counted = raw.dropna(subset=["count", "denominator"])
    base = float(counted["denominator"].sum())
    return float(counted["count"].sum()) / base * multiplier if base > 0 else float("nan")


def _indicator_rows(
    published: pd.DataFrame,
    raw: pd.DataFrame,
    code: str,
    level: str,
    district: str | None,
    threshold: int | None,
) -> pd.DataFrame:
    from meam_mapping.estimate import prevalence
    from meam_mapping.indicators.units import parse_unit

    rows = []
    at_level = published.loc[published["level"] == level]
    for indicator, group in at_level.groupby("indicator", sort=False):
        group = group.reset_index(drop=True)
        mine = group.loc[group["area_code"].astype(str) == code]
        if mine.empty:
            continue
        first = mine.iloc[0]
        unit = parse_unit(str(first["unit"]))
        shown = group.loc[~group["suppressed"].astype(bool), "value"].astype(float).dropna()
        entry = {
            "indicator": indicator,
            "indicator_name": first.get("indicator_name", indicator),
            "domain": first.get("domain", ""),
            "unit": first.get("unit_label") or unit.label,
            "polarity": first.get("polarity", "neutral"),
            "period": first.get("period", ""),
            "count": np.nan if first["suppressed"] else first["count"],
            "value": np.nan if first["suppressed"] else float(first["value"]),
            "lower": np.nan,
            "upper": np.nan,
            "category": NOT_SHOWN if first["suppressed"] else "Not compared",
            "note": _hidden_note(first, threshold),
            "district_value": np.nan,
            "study_value": np.nan,
            "range_min": shown.min() if len(shown) else np.nan,
            "range_q25": shown.quantile(0.25) if len(shown) else np.nan,
            "range_q75": shown.quantile(0.75) if len(shown) else np.nan,
            "range_max": shown.max() if len(shown) else np.nan,
            "n_areas": int(len(group)),
        }
        if district is not None:
            lad = published.loc[(published["level"] == "lad") & (published["indicator"] == indicator)
                                & (published["area_code"].astype(str) == district)]  # fmt: skip
            if len(lad) and not bool(lad["suppressed"].iloc[0]):
                entry["district_value"] = float(lad["value"].iloc[0])
        counted = group["count"].notna().any() or group["suppressed"].any()
        if unit.is_rate and counted:
            base = raw.loc[(raw["indicator"] == indicator)
                           & (raw["period"].astype(str) == str(entry["period"]))]  # fmt: skip
            study = _pooled(base, unit.multiplier)
            entry["study_value"] = study
            limits = prevalence(mine[["area_code", "count", "denominator", "suppressed", "unit"]]
                                .reset_index(drop=True))  # fmt: skip
            table = limits.assign(benchmark=study, value=entry["value"])
            comparison = benchmark_comparison(
                PrevalenceResult(table, study, _STUDY_LABEL, str(entry["unit"])),
                polarity=str(entry["polarity"]) if entry["polarity"] in (
                    "higher_is_worse", "lower_is_worse", "neutral") else "neutral",
            )  # fmt: skip
            entry.update(
                lower=float(comparison.table["lower"].iloc[0]),
                upper=float(comparison.table["upper"].iloc[0]),
                category=str(comparison.table["category"].iloc[0]),
            )
        rows.append(entry)
    return pd.DataFrame(rows)


def _people(analysis: Analysis, code: str, level: str) -> tuple[dict | None, str | None]:
    small = analysis.tables.get("small_area")
    if small is not None:
        row = small.loc[(small["area_code"].astype(str) == code) & (small["level"] == level)]
        if len(row):
            r = row.iloc[0]
            return {
                "estimated_people": float(r["n_hat"]), "lower": float(r["ci_low"]),
                "upper": float(r["ci_high"]), "hidden_share": float(r["hidden_share"]),
                "level": level, "method": str(r["method"]), "source": "small-area estimates",
            }, None  # fmt: skip
    estimates = analysis.tables.get("area_estimates")
    if estimates is not None and analysis.settings.level == level:
        row = estimates.loc[estimates["area_code"].astype(str) == code]
        if len(row):
            r = row.iloc[0]
            if bool(r["suppressed"]):
                return None, "the estimate is hidden to protect a small number"
            return {
                "estimated_people": float(r["estimated_people"]), "lower": float(r["lower"]),
                "upper": float(r["upper"]), "hidden_share": np.nan, "level": level,
                "method": "ratio method", "source": "area estimates",
            }, None  # fmt: skip
    reason = analysis.unavailable.get("small_area") or analysis.unavailable.get("hidden")
    return None, reason or "there is no estimate of people for this area"


def _index(analysis: Analysis, code: str, level: str) -> tuple[dict | None, str | None]:
    table = analysis.tables.get("index_by_area")
    if table is None:
        return None, analysis.unavailable.get("index", "the composite index was not made")
    if analysis.settings.level != level:
        return None, f"the composite index is made for {analysis.settings.level.upper()} areas"
    row = table.loc[table["area_code"].astype(str) == code]
    if row.empty:
        return None, "this area has no index score (a domain rate is unknown)"
    r = row.iloc[0]
    score, rank = pd.to_numeric(pd.Series([r["score"], r["rank"]]), errors="coerce")
    decile = pd.to_numeric(pd.Series([r.get("index_decile")]), errors="coerce").iloc[0]
    return {
        "score": float(score), "rank": None if pd.isna(rank) else int(rank),
        "rank_range": str(r.get("rank_range") or ""),
        "decile": None if pd.isna(decile) else int(decile), "n_areas": int(len(table)),
        "level": level, "shown": str(r.get("shown") or ""),
    }, None  # fmt: skip


def area_profile(
    dataset: Dataset,
    analysis: Analysis,
    area_code: str,
    *,
    typology: pd.Series | None = None,
    notes: pd.DataFrame | None = None,
) -> AreaProfile:
    """The published profile of one area.

    Parameters
    ----------
    dataset : Dataset
        The data the analysis ran on.
    analysis : Analysis
        :func:`meam_mapping.pipeline.run` on ``dataset`` (its published tables).
    area_code : str
        The area, at any level the data have.
    typology : pandas.Series, optional
        Typology group label per area code (e.g. from the Concentration page).
    notes : pandas.DataFrame, optional
        Notes on areas (:data:`meam_mapping.workspace.notes.NOTE_COLUMNS`).

    Returns
    -------
    AreaProfile

    Raises
    ------
    InputError
        If ``area_code`` is not an area of the dataset.
    """
    code = str(area_code)
    level = next((lvl for lvl, a in dataset.areas.items()
                  if code in set(a["area_code"].astype(str))), None)  # fmt: skip
    if level is None:
        raise InputError(
            f"there is no area with the code {code!r}",
            column="area",
            expected="an area code of the loaded boundaries, e.g. "
            + ", ".join(dataset.areas[dataset.levels[0]]["area_code"].astype(str).head(3)),
            fix="Pick the area from the list, or check the code in the link",
        )
    areas = dataset.areas[level]
    row = areas.loc[areas["area_code"].astype(str) == code].iloc[0]
    district = None
    if level != "lad" and "lad_code" in areas.columns and pd.notna(row.get("lad_code")):
        district = str(row["lad_code"])
    district_name = None
    if district is not None and "lad" in dataset.areas:
        lads = dataset.areas["lad"].set_index(dataset.areas["lad"]["area_code"].astype(str))
        district_name = str(lads["area_name"].get(district, district))
    published = analysis.tables["indicators"]
    raw = dataset.indicators  # the study area's totals: the same at every level
    indicators = _indicator_rows(published, raw, code, level, district, analysis.policy.threshold)
    unavailable: dict[str, str] = {}
    people, why = _people(analysis, code, level)
    if why:
        unavailable["people"] = why
    index, why = _index(analysis, code, level)
    if why:
        unavailable["index"] = why
    hotspot = None
    hot = analysis.tables.get("hotspots")
    if hot is not None and analysis.settings.level == level:
        match = hot.loc[hot["area_code"].astype(str) == code, "category"]
        hotspot = str(match.iloc[0]) if len(match) else None
    if hotspot is None:
        unavailable["hotspot"] = analysis.unavailable.get(
            "hotspots", f"hot spots are found among {analysis.settings.level.upper()} areas"
        )
    group = None
    if typology is not None and code in typology.index:
        group = str(typology[code])
    texts = []
    if notes is not None and len(notes):
        texts = [str(t) for t in notes.loc[notes["area_code"].astype(str) == code, "text"]]
    return AreaProfile(
        area_code=code, area_name=str(row.get("area_name", code)), level=level,
        district_code=district, district_name=district_name, indicators=indicators,
        people=people, index=index, hotspot=hotspot, typology=group, notes=texts,
        unavailable=unavailable, label=dataset.label, dataset_name=dataset.name,
    )  # fmt: skip
