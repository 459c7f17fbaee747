"""Scenarios: named sets of choices a workshop can save, reopen and compare.

"What if we weighted contact with criminal justice more?" A :class:`Scenario`
records the choices behind an answer (composite index weights and method,
the small-number threshold, the coordinator ratio, the lists and model for
hidden-population estimates, the map shown) so that two can be compared side
by side: :func:`compare_scenarios` lists the settings that differ and which
areas enter or leave the top of the composite index
(:class:`meam_mapping.concentrate.index.CompositeIndex`).

The composite index is computed from each domain's latest period at the
scenario's level (counts and denominators summed up from finer areas where
needed, rates recomputed). Only ranks and scores are shown, never counts.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import pandas as pd

from meam_mapping.concentrate.index import STANDARDISERS, CompositeIndex, domain_rates
from meam_mapping.dataset import Dataset
from meam_mapping.disclosure import DEFAULT_POLICY, DisclosurePolicy, mark_no_counts
from meam_mapping.errors import InputError
from meam_mapping.pipeline.slices import indicators_at
from meam_mapping.schema import LEVELS

__all__ = [
    "Scenario",
    "ScenarioComparison",
    "compare_scenarios",
    "index_map_data",
    "scenario_index",
]

_MISSING = ("exclude", "impute")
_LABELS = {
    "method": "Index method",
    "level": "Level of geography",
    "missing": "Areas with a missing rate",
    "threshold": "Small-number threshold",
    "coordinator_ratio": "People per coordinator",
    "lists": "Lists used for hidden-population estimates",
    "model": "Estimation model",
    "indicator": "Indicator on the map",
    "palette": "Map colours",
    "high_contrast": "High-contrast map",
    "top_n": "Size of the top group",
    "description": "Description",
}


@dataclass(frozen=True)
class Scenario:
    """A named set of choices.

    Parameters
    ----------
    name : str
        What the workshop calls it ("Justice weighted double").
    weights : mapping of str to float
        Composite index weight per domain; domains not named weigh 1.
    method : str
        Standardisation (a key of ``CompositeIndex`` methods: ``exponential``,
        ``zscore``, ``rank``).
    level : str, optional
        Level the index ranks (``lsoa``, ``msoa``, ``lad``, ``custom``); the
        finest level of the data when None.
    missing : {'exclude', 'impute'}
        What the index does with areas missing a domain rate.
    threshold : int
        Small-number threshold for this scenario's maps and tables.
    coordinator_ratio : int
        People per coordinator for caseload sizing (MEAM suggests 8 to 10).
    lists : tuple of str
        Overlap-table lists (services) used for hidden-population estimates.
    model : str
        Hidden-population method (``auto``, ``chapman``, ``loglinear``, ...).
    indicator : str, optional
        Indicator shown on the map.
    palette : str, optional
        Map palette name (None: chosen from the data).
    high_contrast : bool
        High-contrast map styling.
    top_n : int
        Size of the "top" group compared (10: the top ten).
    description : str
        Free text saying why the scenario exists.
    """

    name: str
    weights: Mapping[str, float] = field(default_factory=dict)
    method: str = "exponential"
    level: str | None = None
    missing: str = "exclude"
    threshold: int = 5
    coordinator_ratio: int = 8
    lists: tuple[str, ...] = ()
    model: str = "auto"
    indicator: str | None = None
    palette: str | None = None
    high_contrast: bool = False
    top_n: int = 10
    description: str = ""

    def __post_init__(self) -> None:
        name = str(self.name or "").strip()
        if not name:
            raise InputError("a scenario needs a name", column="name", fix="Type a short name")
        object.__setattr__(self, "name", name[:120])
        weights: dict[str, float] = {}
        for domain, raw in dict(self.weights or {}).items():
            try:
                value = float(raw)
            except (TypeError, ValueError):
                value = math.nan
            if not math.isfinite(value) or value < 0:
                raise InputError(
                    f"the weight for {domain!r} is {raw!r}",
                    column="weights",
                    expected="a number of 0 or more",
                )
            weights[str(domain)] = value
        object.__setattr__(self, "weights", weights)
        _choice("method", self.method, tuple(STANDARDISERS))
        _choice("missing", self.missing, _MISSING)
        if self.level is not None:
            _choice("level", self.level, LEVELS)
        for key, low, high in (
            ("threshold", 1, 1000),
            ("coordinator_ratio", 1, 30),
            ("top_n", 1, 1000),
        ):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise InputError(
                    f"{_LABELS[key].lower()} is {value!r}",
                    column=key,
                    expected=f"a whole number from {low} to {high}",
                )
        object.__setattr__(self, "lists", tuple(str(x) for x in self.lists))
        object.__setattr__(self, "high_contrast", bool(self.high_contrast))

    def to_dict(self) -> dict[str, Any]:
        """The scenario as plain JSON-ready values (for the workspace)."""
        out = asdict(self)
        out["weights"] = dict(self.weights)
        out["lists"] = list(self.lists)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Scenario:
        """Rebuild a scenario from :meth:`to_dict` output.

        Raises
        ------
        InputError
            For unknown keys or invalid values.
        """
        if not isinstance(data, Mapping):
            raise InputError("a saved scenario is not a set of named settings", column="scenarios")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InputError(
                "a saved scenario has unknown setting(s) " + ", ".join(map(repr, unknown)),
                column="scenarios",
                expected="only " + ", ".join(sorted(known)),
                fix="It may come from a newer version of MEAM Mapping",
            )
        values = dict(data)
        values["lists"] = tuple(values.get("lists") or ())
        return cls(**values)


def _choice(name: str, value: object, options: tuple[str, ...]) -> None:
    if value not in options:
        raise InputError(
            f"{_LABELS.get(name, name).lower()} is {value!r}",
            column=name,
            expected="one of " + ", ".join(options),
        )


@dataclass(frozen=True)
class ScenarioComparison:
    """Two scenarios side by side.

    Attributes
    ----------
    a, b : Scenario
        The scenarios compared ("A" is the baseline).
    level : str
        Level ranked.
    top_n : int
        Size of the top group.
    settings : DataFrame
        ``setting, a, b, changed``: every choice, changed ones first.
    areas : DataFrame
        Areas in the top group of either scenario: ``area_code, area_name,
        rank_a, rank_b, places_up, change`` where ``change`` is "enters the
        top N", "leaves the top N" or "stays in the top N"; entering first.
    scores_a, scores_b : DataFrame
        Full composite index scores (``CompositeIndex.scores_`` plus ``area_name``).
    entering, leaving : tuple of str
        Area codes entering / leaving the top group under ``b``.
    method : str
        How the comparison was made.
    """

    a: Scenario
    b: Scenario
    level: str
    top_n: int
    settings: pd.DataFrame = field(repr=False)
    areas: pd.DataFrame = field(repr=False)
    scores_a: pd.DataFrame = field(repr=False)
    scores_b: pd.DataFrame = field(repr=False)
    entering: tuple[str, ...] = ()
    leaving: tuple[str, ...] = ()
    method: str = "composite index ranks"

    def summary(self) -> str:
        """One or two sentences for the minutes."""
        changed = self.settings.loc[self.settings["changed"], "setting"].tolist()
        what = ", ".join(changed) if changed else "nothing"
        names = dict(zip(self.areas["area_code"], self.areas["area_name"], strict=True))
        if not self.entering:
            moves = f"the same areas make the top {self.top_n}"
        else:
            moves = (
                f"{len(self.entering)} area{'s' if len(self.entering) != 1 else ''} "
                f"enter the top {self.top_n} ({', '.join(names[c] for c in self.entering)}) and "
                f"{len(self.leaving)} leave ({', '.join(names[c] for c in self.leaving)})"
            )
        return f"'{self.b.name}' differs from '{self.a.name}' in: {what}. Under '{self.b.name}', {moves}."


def scenario_index(dataset: Dataset, scenario: Scenario) -> pd.DataFrame:
    """The composite index under ``scenario``'s choices.

    Returns
    -------
    DataFrame
        ``area_code, area_name, score, rank, co_occurrence, imputed, method``
        sorted by rank (1 = most concentrated).

    Raises
    ------
    InputError
        If the level is not in the data or the weights name unknown domains.
    """
    level = scenario.level or dataset.levels[0]
    if level not in dataset.areas:
        raise InputError(
            f"scenario {scenario.name!r} ranks {level!r} areas, which are not loaded",
            column="level",
            expected="one of " + ", ".join(dataset.levels),
        )
    areas = dataset.areas[level]
    table = indicators_at(dataset, level)
    counted = table.loc[table["count"].notna() & (table["domain"].astype(str) != "context")]
    if counted.empty:
        raise InputError(
            f"no indicator has counts at {level} level outside the context domain",
            column="level",
            expected="counts for homelessness, substance misuse, mental health or justice",
        )
    rates = domain_rates(counted, areas, ci=False)
    rates = rates.dropna(axis=1, how="all")
    weights = {d: w for d, w in scenario.weights.items() if d in rates.columns}
    unknown = sorted(d for d, w in scenario.weights.items() if d not in rates.columns and w > 0)
    if unknown:
        raise InputError(
            "the weights name domains with no rates at this level: " + ", ".join(unknown),
            column="weights",
            expected="domains from " + ", ".join(rates.columns),
        )
    model = CompositeIndex(
        method=scenario.method,  # type: ignore[arg-type]
        weights=weights or None,
        n_simulations=0,
        missing=scenario.missing,  # type: ignore[arg-type]
    ).fit(rates)
    names = areas.set_index(areas["area_code"].astype(str))["area_name"]
    scores = model.scores_.drop(columns=["rank_low", "rank_high", "rank_range", "rank_range_level"])
    scores.insert(1, "area_name", scores["area_code"].map(names).fillna(scores["area_code"]))
    return scores


def _settings_table(a: Scenario, b: Scenario) -> pd.DataFrame:
    rows: list[tuple[str, str, str]] = []
    for domain in sorted(set(a.weights) | set(b.weights)):
        rows.append(
            (
                f"Weight: {domain.replace('_', ' ')}",
                _fmt(a.weights.get(domain, 1.0)),
                _fmt(b.weights.get(domain, 1.0)),
            )
        )
    for key, label in _LABELS.items():
        rows.append((label, _fmt(getattr(a, key)), _fmt(getattr(b, key))))
    table = pd.DataFrame(rows, columns=["setting", "a", "b"])
    table["changed"] = table["a"] != table["b"]
    return table.sort_values("changed", ascending=False, kind="stable").reset_index(drop=True)


def _fmt(value: object) -> str:
    if value is None:
        return "automatic"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, tuple):
        return ", ".join(value) if value else "all"
    return str(value)


def compare_scenarios(
    dataset: Dataset,
    a: Scenario,
    b: Scenario,
    policy: DisclosurePolicy = DEFAULT_POLICY,
    *,
    top_n: int | None = None,
) -> ScenarioComparison:
    """Compare scenario ``b`` with the baseline ``a``.

    Parameters
    ----------
    dataset : Dataset
        The data both scenarios are applied to.
    a, b : Scenario
        Baseline and alternative.
    policy : DisclosurePolicy
        The session's disclosure policy; each scenario's ``threshold``
        replaces its threshold for that scenario's maps and tables (the
        comparison itself holds ranks and scores only, no counts).
    top_n : int, optional
        Size of the top group; ``a.top_n`` by default.

    Returns
    -------
    ScenarioComparison

    Raises
    ------
    InputError
        If the scenarios rank different levels of geography.
    """
    level_a = a.level or dataset.levels[0]
    level_b = b.level or dataset.levels[0]
    if level_a != level_b:
        raise InputError(
            f"'{a.name}' ranks {level_a} areas and '{b.name}' ranks {level_b} areas",
            column="level",
            fix="Compare scenarios that use the same level of geography",
        )
    n = int(top_n or a.top_n)
    scores_a, scores_b = scenario_index(dataset, a), scenario_index(dataset, b)
    rank_a = scores_a.set_index("area_code")["rank"]
    rank_b = scores_b.set_index("area_code")["rank"]
    top_a = set(rank_a.index[rank_a <= n])
    top_b = set(rank_b.index[rank_b <= n])
    codes = sorted(
        top_a | top_b, key=lambda c: (rank_b.get(c, math.inf), rank_a.get(c, math.inf), c)
    )
    names = (
        pd.concat([scores_a, scores_b])
        .drop_duplicates("area_code")
        .set_index("area_code")["area_name"]
    )
    change = [
        f"enters the top {n}"
        if c in top_b - top_a
        else f"leaves the top {n}"
        if c in top_a - top_b
        else f"stays in the top {n}"
        for c in codes
    ]
    ra = pd.array([rank_a.get(c) for c in codes], dtype="Int64")
    rb = pd.array([rank_b.get(c) for c in codes], dtype="Int64")
    areas = pd.DataFrame(
        {
            "area_code": codes,
            "area_name": [names.get(c, c) for c in codes],
            "rank_a": ra,
            "rank_b": rb,
            "places_up": ra - rb,
            "change": change,
        }
    )
    order = {f"enters the top {n}": 0, f"leaves the top {n}": 1, f"stays in the top {n}": 2}
    areas = areas.sort_values("change", key=lambda s: s.map(order), kind="stable").reset_index(
        drop=True
    )
    entering = tuple(areas.loc[areas["change"] == f"enters the top {n}", "area_code"])
    leaving = tuple(areas.loc[areas["change"] == f"leaves the top {n}", "area_code"])
    _ = policy  # the comparison holds no counts; see the docstring
    return ScenarioComparison(
        a=a,
        b=b,
        level=level_a,
        top_n=n,
        settings=_settings_table(a, b),
        areas=areas,
        scores_a=scores_a,
        scores_b=scores_b,
        entering=entering,
        leaving=leaving,
        method=f"composite index ({a.method} / {b.method}), ranks of {level_a} areas, top {n}",
    )


def index_map_data(scores: pd.DataFrame, top_n: int = 10) -> pd.DataFrame:
    """Composite index scores shaped for :func:`meam_mapping.maps.interactive.choropleth`.

    Returns
    -------
    DataFrame
        One row per area: ``area_code, area_name, count`` (blank: no counts),
        ``denominator, value`` (the score), ``suppressed, rank, top`` ("top N"
        or ""), marked as holding no counts of people.
    """
    frame = pd.DataFrame(
        {
            "area_code": scores["area_code"].astype(str).to_numpy(),
            "area_name": scores["area_name"].astype(str).to_numpy(),
            "count": float("nan"),
            "denominator": float("nan"),
            "value": scores["score"].to_numpy(dtype=float),
            "suppressed": False,
            "rank": scores["rank"].to_numpy(),
            "top": [f"top {top_n}" if r <= top_n else "" for r in scores["rank"]],
            "unit": "index score",
            "period": "",
            "source": "composite index",
        }
    )
    return mark_no_counts(frame)
