"""The standard analysis: one run, every surface.

:func:`run` makes, on one :class:`~meam_mapping.dataset.Dataset` and one
:class:`~meam_mapping.pipeline.settings.AnalysisSettings`:

1. hidden-population estimates per district and **the headline** (see
   :mod:`~meam_mapping.pipeline.hidden`);
2. prevalence per district with 95% intervals for every indicator with
   counts, compared with the whole study area;
3. the composite index at the analysis level, from domain rates on counts
   added up from the LSOAs (rates are never averaged);
4. hot spots of the index by the settings' one rule;
5. estimated people per area and contiguous focus zones;
6. the caseload plan at each coordinator ratio, sized on the headline.

The Estimates, Concentration, Caseload and Presenter pages, ``analyse`` and
the evidence pack all show this one result, so they agree. A part that
cannot be made is recorded in :attr:`Analysis.unavailable` as "not
available: <reason>" and the other parts still run.

Every table in :attr:`Analysis.tables` and :meth:`Analysis.published` has
passed the publication gate. The other attributes hold unsuppressed working
results (for maps of scores and for tests): never export them directly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd

from meam_mapping.caseload import CaseloadPlan
from meam_mapping.dataset import Dataset
from meam_mapping.disclosure import DisclosurePolicy
from meam_mapping.errors import EstimationError, InputError
from meam_mapping.pipeline import publish
from meam_mapping.pipeline.change import changes_over_time
from meam_mapping.pipeline.concentration import find_hotspots, fit_index, hotspot_rule
from meam_mapping.pipeline.hidden import Headline, HiddenResult, hidden_by_area
from meam_mapping.pipeline.rates import district_prevalence
from meam_mapping.pipeline.settings import AnalysisSettings
from meam_mapping.pipeline.slices import area_names, domain_rates_at, every_indicator_all_levels
from meam_mapping.pipeline.small_area import (
    SmallAreaResult,
    known_count_names,
    people_from_small_areas,
    small_area_estimates,
)
from meam_mapping.pipeline.zones import caseloads, focus_zones, people_by_area

__all__ = ["PARTS", "PART_NAMES", "Analysis", "part_name", "run"]

_T = TypeVar("_T")
#: Names of the parts, in the order they run.
PARTS: tuple[str, ...] = ("hidden", "prevalence", "index", "hotspots", "zones", "caseload")
#: What each part (a key of :attr:`Analysis.unavailable`) is called in reports.
PART_NAMES: dict[str, str] = {
    "hidden": "Hidden population",
    "prevalence": "Rates by district",
    "change": "Change over time",
    "index": "Composite index",
    "hotspots": "Hot spots",
    "small_area": "Where hidden people live (small-area estimates)",
    "zones": "Focus zones",
    "caseload": "Caseload sizing",
}


def part_name(key: str) -> str:
    """The name people read for a part of the analysis (``"small_area"`` -> its words)."""
    return PART_NAMES.get(key, key.replace("_", " ").capitalize())


@dataclass(frozen=True)
class Analysis:
    """Everything :func:`run` found.

    Attributes
    ----------
    settings : AnalysisSettings
    policy : DisclosurePolicy
    tables : dict of str to DataFrame
        Published tables: ``indicators`` (tidy, every level) and, where
        available, ``hidden_by_district`` (last row the headline),
        ``prevalence_by_district``, ``index_by_area``, ``hotspots``,
        ``small_area`` (LSOA and coarser estimates of people, known and
        hidden), ``area_estimates``, ``focus_zones``, ``caseload``.
    unavailable : dict of str to str
        Part name -> "not available: <reason>".
    areas : GeoDataFrame
        The areas at ``settings.level``.
    hidden : HiddenResult or None
        Unsuppressed hidden-population result (headline, areas, one model).
    scores, hotspots, people, small_area, zones, zone_assignment, zone_geometry
        Unsuppressed working results (``people``: estimated people per area at
        the analysis level, from the small-area estimates where the data allow,
        else the ratio method).
    caseload : dict of int to CaseloadPlan
    notes : list of str
    """

    settings: AnalysisSettings
    policy: DisclosurePolicy
    tables: dict[str, pd.DataFrame]
    unavailable: dict[str, str]
    areas: gpd.GeoDataFrame
    hidden: HiddenResult | None = None
    scores: pd.DataFrame | None = None
    index_weights: dict[str, float] = field(default_factory=dict)
    hotspots: pd.DataFrame | None = None
    hotspot_text: str = ""
    people: pd.DataFrame | None = None
    small_area: SmallAreaResult | None = None
    zones: pd.DataFrame | None = None
    zone_assignment: pd.DataFrame | None = None
    zone_geometry: gpd.GeoDataFrame | None = None
    caseload: dict[int, CaseloadPlan] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def headline(self) -> Headline | None:
        """The estimated total and its interval (unsuppressed)."""
        return None if self.hidden is None else self.hidden.headline

    def published_headline(self) -> dict[str, Any] | None:
        """The headline as every surface shows it (through the gate)."""
        return publish.headline_of(self.hidden, self.policy)

    def hot_spot_count(self) -> tuple[int, int]:
        """Numbers of hot and cold spots found."""
        if self.hotspots is None:
            return 0, 0
        category = self.hotspots["category"].astype(str)
        return int((category == "Hot spot").sum()), int((category == "Cold spot").sum())

    def to_dict(self) -> dict[str, Any]:
        """The standard analysis object (``analyse --format json``); every number published."""
        hot, cold = self.hot_spot_count()
        hidden = self.tables.get("hidden_by_district")
        zones = self.tables.get("focus_zones")
        caseload = self.tables.get("caseload")
        head = self.published_headline()
        if head is not None:
            head = {**head, "level": self.hidden.level if self.hidden else None}
        return {
            "headline": head,
            "hidden_by_area": _records(hidden.iloc[:-1] if hidden is not None else None),
            "small_area": _records(self.tables.get("small_area")),
            "area_estimates": _records(self.tables.get("area_estimates")),
            "hotspots": {
                **hotspot_rule(self.settings),
                "level": self.settings.level,
                "hot": hot,
                "cold": cold,
                "areas": _records(self.tables.get("hotspots")),
            },
            "zones": _records(zones),
            "caseload": _records(caseload),
            "prevalence_by_district": _records(self.tables.get("prevalence_by_district")),
            "unavailable": dict(self.unavailable),
            "notes": list(self.notes),
            "settings": self.settings.to_dict(),
            "disclosure": self.policy.describe(),
        }


def _records(frame: pd.DataFrame | None) -> list[dict[str, Any]]:
    if frame is None:
        return []
    clean = frame.replace({np.nan: None})
    return [{k: _plain(v) for k, v in row.items()} for row in clean.to_dict(orient="records")]


def _plain(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if not np.isfinite(value) else float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def _adults(raw: pd.DataFrame, settings: AnalysisSettings) -> pd.Series:
    """Adults per area at every level: the known indicator's denominators."""
    rows = raw.loc[raw["indicator"] == settings.known_indicator]
    return rows.drop_duplicates("area_code").set_index("area_code")["denominator"]


def _attempt(name: str, unavailable: dict[str, str], func: Callable[[], _T]) -> _T | None:
    """Run one part; record "not available: <reason>" instead of failing."""
    try:
        return func()
    except (EstimationError, InputError) as err:
        text = str(err)
        if isinstance(err, InputError):
            # A file or row helps the reader; a column name alone is the program's.
            text = err.message if err.file is not None or err.row is not None else err.unlocated
        unavailable[name] = f"not available: {text}"
        return None


def run(
    dataset: Dataset,
    settings: AnalysisSettings = AnalysisSettings(),  # noqa: B008 - frozen
    policy: DisclosurePolicy | None = None,
) -> Analysis:
    """Run the standard analysis (estimates, index, hot spots, zones, caseload).

    Parameters
    ----------
    dataset : Dataset
        Areas, indicators and (optionally) the overlap table.
    settings : AnalysisSettings
        Choices (level, weights, floor, ratios ...).
    policy : DisclosurePolicy, optional
        Disclosure policy; ``DisclosurePolicy(threshold=settings.threshold)``
        when None.

    Returns
    -------
    Analysis

    Raises
    ------
    InputError
        If the dataset has no indicators or not the chosen level.
    """
    policy = policy or DisclosurePolicy(threshold=settings.threshold)
    level = settings.level
    if level not in dataset.areas:
        raise InputError(
            f"the data have no {level!r} areas",
            column="level",
            expected="one of " + ", ".join(dataset.levels),
            fix="Choose another level for the analysis",
        )
    areas = dataset.areas[level].sort_values("area_code", ignore_index=True)
    names = area_names(dataset)
    unavailable: dict[str, str] = {}
    notes: list[str] = []
    raw = every_indicator_all_levels(dataset, settings.period)
    published = publish.publish_indicators(raw, dataset, policy)
    tables: dict[str, pd.DataFrame] = {"indicators": published}

    hidden = _attempt("hidden", unavailable, lambda: hidden_by_area(dataset, settings))
    if hidden is not None:
        notes += list(hidden.notes)
        tables["hidden_by_district"] = publish.publish_hidden(hidden, policy)

    prevalence = _attempt(
        "prevalence", unavailable, lambda: district_prevalence(raw, published, names, policy)
    )
    if prevalence is not None:
        tables["prevalence_by_district"] = prevalence
    changes = _attempt("change", unavailable, lambda: changes_over_time(dataset, level, policy))
    if changes is not None and len(changes):
        tables["change_over_time"] = changes
        notes += [f"Change over time not compared for {n}" for n in changes.attrs.get("notes", [])]

    def index() -> tuple[pd.DataFrame, dict[str, float]]:
        model = fit_index(domain_rates_at(dataset, level, settings.period), settings)
        scores = model.scores_.copy()
        scores["area_code"] = scores["area_code"].astype(str)
        return scores.reset_index(drop=True), dict(model.weights_)

    fitted = _attempt("index", unavailable, index)
    scores, weights = (None, {}) if fitted is None else fitted
    if scores is not None:
        tables["index_by_area"] = publish.publish_index(scores, published, level, names)

    hotspots, hotspot_text = None, ""
    if scores is not None:
        model = _attempt("hotspots", unavailable, lambda: find_hotspots(areas, scores, settings))
        if model is not None:
            hotspots, hotspot_text = model.result_.reset_index(drop=True), model.explain()
            hotspots["area_code"] = hotspots["area_code"].astype(str)
            notes += list(model.warnings_)
            tables["hotspots"] = publish.publish_hotspots(hotspots, names)
    else:
        unavailable["hotspots"] = "not available: the composite index could not be made"

    people = small = None
    if hidden is not None:
        small = _attempt("small_area", unavailable,
                         lambda: small_area_estimates(dataset, hidden, settings))  # fmt: skip
    if small is not None:
        known_any = (known_count_names(dataset, hidden.lists) or {}).get("any")
        tables["small_area"] = publish.publish_small_area(small, names, published, known_any)
        notes += list(small.notes)
        adults = _adults(raw, settings)
        people = _attempt("zones", unavailable,
                          lambda: people_from_small_areas(small, dataset, level, adults,
                                                         settings.known_indicator))  # fmt: skip
    elif hidden is not None:
        notes.append(
            "Estimated people per area use the ratio method (known to two or more x district "
            "estimate / district known): " + unavailable.get("small_area", "")
        )
        people = _attempt(
            "zones", unavailable, lambda: people_by_area(dataset, raw, hidden, settings)
        )
    else:
        unavailable["zones"] = "not available: there is no hidden-population estimate to spread"
    zones = assignment = geometry = None
    if people is not None:
        tables["area_estimates"] = publish.publish_people(people, published, level, names, policy)
        found = _attempt(
            "zones", unavailable, lambda: focus_zones(areas, people, scores, hotspots, settings)
        )
        if found is not None:
            zones, assignment, geometry, zone_notes = found
            notes += zone_notes
            zones["area_names"] = zones["area_codes"].map(
                lambda s: ", ".join(str(names.get(c, c)) for c in s.split(", "))
            )
            tables["focus_zones"] = publish.publish_zones(zones, policy)

    plans: dict[int, CaseloadPlan] = {}
    if zones is not None:
        headline = publish.headline_of(hidden, policy)
        made = _attempt("caseload", unavailable, lambda: caseloads(zones, headline, settings))
        if made:
            plans = made
            tables["caseload"] = publish.publish_caseload(plans, policy)
    else:
        unavailable["caseload"] = "not available: there are no focus zones to plan from"

    return Analysis(
        settings=settings,
        policy=policy,
        tables=tables,
        unavailable=unavailable,
        areas=areas,
        hidden=hidden,
        scores=scores,
        index_weights=dict(weights),
        hotspots=hotspots,
        hotspot_text=hotspot_text,
        people=people,
        small_area=small,
        zones=zones,
        zone_assignment=assignment,
        zone_geometry=geometry,
        caseload=plans,
        notes=notes,
    )
