"""The standard analysis shared by the app pages and the evidence pack.

:func:`run_analysis` runs, on one :class:`~meam_mapping.dataset.Dataset`:

1. hidden-population estimates per district (multiple systems estimation on
   the overlap table, one model per district, interactions chosen by AIC);
2. prevalence per district with 95% intervals for every indicator with
   counts, compared with the whole study area;
3. the composite index at the analysis level (MSOA by default), from domain
   rates worked out on counts added up from the LSOAs (rates are never
   averaged);
4. Getis-Ord Gi* hot spots of the index;
5. focus zones: contiguous groups of areas each holding at least
   ``zone_floor`` estimated people facing multiple disadvantage;
6. the caseload plan at each coordinator ratio (1:8 and 1:10).

Estimated people per area
-------------------------
The overlap table gives an estimate per district, not per area. Each area's
share is taken from the people already known to two or more services there:
``estimated people in area = known count in area x (district estimate /
district known count)``. This assumes the hidden people of a district live in
the same places as its known people; where services reach some
neighbourhoods less well, the estimate for those neighbourhoods is too low.

A part that cannot be made (no overlap table, too few areas, an estimate that
fails) is recorded as "not available: <reason>" in
:attr:`AnalysisResults.unavailable` and the other parts still run.

Every table in :attr:`AnalysisResults.tables` has been through the disclosure
policy and can be shown or exported as it is. The other attributes hold
unsuppressed working results (for drawing maps and for tests): never export
them directly.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

import geopandas as gpd
import pandas as pd

from meam_mapping.caseload import CaseloadPlan
from meam_mapping.dataset import Dataset
from meam_mapping.disclosure import (
    DisclosurePolicy,
    mark_no_counts,
    suppress_indicators,
)
from meam_mapping.errors import EstimationError, InputError
from meam_mapping.mapping import every_indicator_all_levels, parent_lookup

__all__ = ["AnalysisResults", "AnalysisSettings", "run_analysis"]

_T = TypeVar("_T")
#: Names of the parts, in the order they run.
PARTS: tuple[str, ...] = ("hidden", "prevalence", "index", "hotspots", "zones", "caseload")


@dataclass(frozen=True)
class AnalysisSettings:
    """Choices for :func:`run_analysis`.

    Parameters
    ----------
    level : str, default 'msoa'
        Level of the index, hot spots and focus zones.
    period : str, optional
        Period of the indicators; the latest of each when None.
    index_weights : mapping, optional
        Domain -> weight for the composite index (equal weights when None).
    index_method : str, default 'exponential'
        Standardisation of the domain rates (see
        :class:`~meam_mapping.concentrate.index.CompositeIndex`).
    known_indicator : str, default 'known_multiple_disadvantage'
        Indicator counting people known to two or more services; spreads the
        district estimates over areas.
    zone_floor : float, default 40
        Minimum estimated people in each focus zone.
    zone_method : str, default 'maxp'
        Regionalisation method (``'maxp'`` or ``'skater'``).
    coordinator_ratios : tuple of int, default (8, 10)
        People per coordinator for the caseload plans.
    reach_share : float, default 0.05
        Share of the estimated population a first caseload aims to reach.
    threshold : int, default 5
        Disclosure threshold, used when no policy is passed.
    permutations : int, default 999
        Permutations for the hot-spot test.
    hotspot_weights : str, default 'knn'
        Neighbour rule for hot spots. Six nearest neighbours by default:
        MSOAs differ greatly in size, and with shared borders ('queen') a
        small town-centre area has few neighbours, which weakens the test.
    alpha : float, default 0.05
        Significance level (false discovery rate) for hot spots.
    select : {'aic', 'bic'}, default 'aic'
        Model choice for the hidden-population estimates.
    random_state : int, default 0
        Seed for every random step.
    """

    level: str = "msoa"
    period: str | None = None
    index_weights: Mapping[str, float] | None = None
    index_method: str = "exponential"
    known_indicator: str = "known_multiple_disadvantage"
    zone_floor: float = 40.0
    zone_method: str = "maxp"
    coordinator_ratios: tuple[int, ...] = (8, 10)
    reach_share: float = 0.05
    threshold: int = 5
    permutations: int = 999
    hotspot_weights: str = "knn"
    alpha: float = 0.05
    select: str = "aic"
    random_state: int = 0


@dataclass(frozen=True)
class AnalysisResults:
    """Everything :func:`run_analysis` found.

    Attributes
    ----------
    settings : AnalysisSettings
    policy : DisclosurePolicy
    tables : dict of str to DataFrame
        Suppressed, marked tables ready to show or export: ``indicators``
        (tidy, every level), and, where available, ``hidden_by_district``,
        ``prevalence_by_district``, ``index_by_area``, ``hotspots``,
        ``area_estimates``, ``focus_zones``, ``caseload``.
    unavailable : dict of str to str
        Part name -> "not available: <reason>".
    hidden : DataFrame or None
        Unsuppressed district estimates (``area_code, area_name, observed,
        n_hat, ci_low, ci_high, hidden, method, model``), last row the total.
    scores : DataFrame or None
        Composite index scores per area (``CompositeIndex.scores_``).
    index_weights : dict
        Weights used for the index.
    hotspots : DataFrame or None
        ``Hotspots.result_`` for the index.
    hotspot_text : str
        Plain-English explanation of the hot spots.
    people : DataFrame or None
        Unsuppressed estimated people per area: ``area_code, lad_code, known,
        adults, estimate, lower, upper``.
    zones : DataFrame or None
        One row per focus zone (unsuppressed): ``zone, label, n_areas,
        estimate, lower, upper, adults, rate_per_1000, mean_score,
        hot_spot_areas, area_names, area_codes, priority``.
    zone_assignment : DataFrame or None
        ``area_code, zone``.
    zone_geometry : GeoDataFrame or None
        One dissolved shape per zone.
    caseload : dict of int to CaseloadPlan
        Plan per coordinator ratio.
    areas : GeoDataFrame
        The areas at ``settings.level``.
    notes : list of str
        Plain-English notes gathered on the way.
    """

    settings: AnalysisSettings
    policy: DisclosurePolicy
    tables: dict[str, pd.DataFrame]
    unavailable: dict[str, str]
    areas: gpd.GeoDataFrame
    hidden: pd.DataFrame | None = None
    scores: pd.DataFrame | None = None
    index_weights: dict[str, float] = field(default_factory=dict)
    hotspots: pd.DataFrame | None = None
    hotspot_text: str = ""
    people: pd.DataFrame | None = None
    zones: pd.DataFrame | None = None
    zone_assignment: pd.DataFrame | None = None
    zone_geometry: gpd.GeoDataFrame | None = None
    caseload: dict[int, CaseloadPlan] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> pd.Series | None:
        """The study-area total row of :attr:`hidden` (None if not estimated)."""
        if self.hidden is None or self.hidden.empty:
            return None
        return self.hidden.iloc[-1]


def _attempt(name: str, unavailable: dict[str, str], func: Callable[[], _T]) -> _T | None:
    """Run one part; record "not available: <reason>" instead of failing."""
    try:
        return func()
    except (EstimationError, InputError) as err:
        text = err.message if isinstance(err, InputError) else str(err)
        unavailable[name] = f"not available: {text}"
        return None


def _names(dataset: Dataset) -> pd.Series:
    parts = [a.set_index("area_code")["area_name"] for a in dataset.areas.values()]
    names = pd.concat(parts) if parts else pd.Series(dtype=str)
    return names[~names.index.duplicated()]


def run_analysis(
    dataset: Dataset,
    *,
    policy: DisclosurePolicy | None = None,
    settings: AnalysisSettings = AnalysisSettings(),  # noqa: B008 - frozen, never changed
) -> AnalysisResults:
    """Run the standard analysis (estimates, index, hot spots, zones, caseload).

    Parameters
    ----------
    dataset : Dataset
        Areas, indicators and (optionally) the overlap table.
    policy : DisclosurePolicy, optional
        Disclosure policy for the tables; ``DisclosurePolicy(threshold=
        settings.threshold)`` when None.
    settings : AnalysisSettings
        Choices (level, weights, floor, ratios ...).

    Returns
    -------
    AnalysisResults
        Suppressed tables, working results and the parts not available.

    Raises
    ------
    InputError
        If the dataset has no indicators or not the chosen level.
    """
    from meam_mapping import _analysis_parts as parts
    from meam_mapping._analysis_publish import (
        publish_caseload,
        publish_hidden,
        publish_people,
        publish_zones,
    )

    policy = policy or DisclosurePolicy(threshold=settings.threshold)
    level = settings.level
    if level not in dataset.areas:
        raise InputError(
            f"the data have no {level!r} areas",
            expected="one of " + ", ".join(dataset.levels),
            fix="Choose another level for the analysis",
        )
    areas = dataset.areas[level].sort_values("area_code", ignore_index=True)
    names = _names(dataset)
    unavailable: dict[str, str] = {}
    notes: list[str] = []
    raw = every_indicator_all_levels(dataset, settings.period)
    published = suppress_indicators(raw, policy, parent_of=parent_lookup(dataset))
    tables: dict[str, pd.DataFrame] = {"indicators": published}

    hidden = _attempt("hidden", unavailable, lambda: parts.hidden_by_district(dataset, settings))
    if hidden is not None:
        hidden.insert(1, "area_name", hidden["area_code"].map(names).fillna(hidden["area_code"]))
        tables["hidden_by_district"] = publish_hidden(hidden, policy)

    prevalence = _attempt(
        "prevalence", unavailable, lambda: parts.district_prevalence(raw, published, names, policy)
    )
    if prevalence is not None:
        tables["prevalence_by_district"] = prevalence

    level_raw = raw[raw["level"] == level]
    index = _attempt("index", unavailable, lambda: parts.composite(level_raw, areas, settings))
    scores, weights = (None, {}) if index is None else index
    if scores is not None:
        shown = scores.assign(area_name=scores["area_code"].map(names))
        tables["index_by_area"] = mark_no_counts(shown)

    hotspots, hotspot_text = None, ""
    if scores is not None:
        found = _attempt("hotspots", unavailable, lambda: parts.hotspots(areas, scores, settings))
        if found is not None:
            hotspots, hotspot_text, hotspot_notes = found
            notes += hotspot_notes
            shown = hotspots.assign(area_name=hotspots["area_code"].map(names))
            tables["hotspots"] = mark_no_counts(shown)
    else:
        unavailable["hotspots"] = "not available: the composite index could not be made"

    people = None
    if hidden is not None:
        people = _attempt(
            "zones", unavailable, lambda: parts.people_by_area(dataset, raw, hidden, settings)
        )
    else:
        unavailable["zones"] = "not available: there is no hidden-population estimate to spread"
    zones = assignment = geometry = None
    if people is not None:
        tables["area_estimates"] = publish_people(people, published, level, names, policy)
        found = _attempt(
            "zones",
            unavailable,
            lambda: parts.focus_zones(areas, people, scores, hotspots, settings),
        )
        if found is not None:
            zones, assignment, geometry, zone_notes = found
            notes += zone_notes
            zones["area_names"] = zones["area_codes"].map(
                lambda s: ", ".join(str(names.get(c, c)) for c in s.split(", "))
            )
            tables["focus_zones"] = publish_zones(zones, policy)

    caseload: dict[int, CaseloadPlan] = {}
    if zones is not None:
        plans = _attempt("caseload", unavailable, lambda: parts.caseloads(zones, settings))
        if plans:
            caseload = plans
            tables["caseload"] = publish_caseload(plans, policy)
    else:
        unavailable["caseload"] = "not available: there are no focus zones to plan from"

    return AnalysisResults(
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
        zones=zones,
        zone_assignment=assignment,
        zone_geometry=geometry,
        caseload=caseload,
        notes=notes,
    )
