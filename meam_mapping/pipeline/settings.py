"""The choices behind one analysis, in one typed object.

Every page, the presenter, the command line and the evidence pack build an
:class:`AnalysisSettings` and pass it to the pipeline, so the same choices
give the same numbers everywhere. Settings are frozen and hashable (they key
the app's caches) and round-trip through JSON (``analyse --settings``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

from meam_mapping.errors import InputError

__all__ = ["AnalysisSettings"]

HotspotStatistic = Literal["gi_star", "local_moran"]


@dataclass(frozen=True)
class AnalysisSettings:
    """Choices for :func:`meam_mapping.pipeline.run`.

    Parameters
    ----------
    level : str, default 'msoa'
        Level of the index, hot spots and focus zones.
    period : str, optional
        Period of the indicators; the latest of each when None.
    index_weights : tuple of (domain, weight), optional
        Weights for the composite index (equal weights when None). Give a
        mapping; it is stored as sorted pairs so settings stay hashable.
    index_method : str, default 'exponential'
        Standardisation of the domain rates.
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
    lists : tuple of str, optional
        Services (lists) of the overlap table to use; all when None.
    interactions : str, optional
        Force the log-linear interactions (``"A:B,B:C"`` or ``"none"``);
        chosen by ``select`` when None.
    select : {'aic', 'bic'}, default 'aic'
        Model choice for the hidden-population estimates.
    hotspot_statistic : {'gi_star', 'local_moran'}, default 'gi_star'
        Hot spots (Getis-Ord Gi*) or clusters and outliers (local Moran's I).
    hotspot_weights : str, default 'knn'
        Neighbour rule for hot spots: six nearest neighbours by default
        (MSOAs differ greatly in size, and with shared borders a small
        town-centre area has few neighbours, which weakens the test).
    permutations : int, default 999
        Permutations for the hot-spot test.
    alpha : float, default 0.05
        False discovery rate for hot spots.
    random_state : int, default 0
        Seed for every random step.
    """

    level: str = "msoa"
    period: str | None = None
    index_weights: tuple[tuple[str, float], ...] | None = None
    index_method: str = "exponential"
    known_indicator: str = "known_multiple_disadvantage"
    zone_floor: float = 40.0
    zone_method: str = "maxp"
    coordinator_ratios: tuple[int, ...] = (8, 10)
    reach_share: float = 0.05
    threshold: int = 5
    lists: tuple[str, ...] | None = None
    interactions: str | None = None
    select: str = "aic"
    hotspot_statistic: HotspotStatistic = "gi_star"
    hotspot_weights: str = "knn"
    permutations: int = 999
    alpha: float = 0.05
    random_state: int = 0

    def __post_init__(self) -> None:
        weights = self.index_weights
        if isinstance(weights, Mapping):
            object.__setattr__(
                self, "index_weights", tuple(sorted((str(k), float(v)) for k, v in weights.items()))
            )
        if self.lists is not None and not isinstance(self.lists, tuple):
            object.__setattr__(self, "lists", tuple(self.lists))
        object.__setattr__(
            self, "coordinator_ratios", tuple(int(r) for r in self.coordinator_ratios)
        )
        if self.select not in ("aic", "bic"):
            raise InputError(f"model choice {self.select!r} is not known", column="select",
                             expected="'aic' or 'bic'")  # fmt: skip
        if self.hotspot_statistic not in ("gi_star", "local_moran"):
            raise InputError(
                f"hot-spot statistic {self.hotspot_statistic!r} is not known",
                column="hotspot_statistic",
                expected="'gi_star' or 'local_moran'",
            )
        if not 0 < self.reach_share <= 1:
            raise InputError(f"reach share {self.reach_share!r} is not between 0 and 1",
                             column="reach_share", expected="a share such as 0.05 (5%)")  # fmt: skip
        if not 0 < self.alpha < 1:
            raise InputError(f"alpha {self.alpha!r} is not between 0 and 1", column="alpha")

    @property
    def weights(self) -> dict[str, float] | None:
        """The index weights as a dict (None for equal weights)."""
        return None if self.index_weights is None else dict(self.index_weights)

    def replace(self, **changes: Any) -> AnalysisSettings:
        """A copy with ``changes`` applied (validated again)."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data.update(changes)
        return AnalysisSettings(**data)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form (``analyse`` prints it under ``settings``)."""
        data = asdict(self)
        data["index_weights"] = self.weights
        data["coordinator_ratios"] = list(self.coordinator_ratios)
        data["lists"] = None if self.lists is None else list(self.lists)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AnalysisSettings:
        """Settings from a mapping (e.g. a JSON file); unknown keys are refused.

        Raises
        ------
        InputError
            For an unknown key or a value of the wrong type.
        """
        if not isinstance(data, Mapping):
            raise InputError(
                "the settings are not a JSON object", expected='{"level": "msoa", ...}'
            )
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise InputError(
                "unknown settings: " + ", ".join(map(str, unknown)),
                expected="some of " + ", ".join(sorted(names)),
            )
        values = dict(data)
        for key in ("coordinator_ratios", "lists"):
            if values.get(key) is not None:
                if not isinstance(values[key], (list, tuple)):
                    raise InputError(f"setting {key!r} is not a list", column=key)
                values[key] = tuple(values[key])
        try:
            return cls(**values)
        except (TypeError, ValueError) as err:
            raise InputError(f"the settings could not be read: {err}") from None

    @classmethod
    def from_json(cls, text: str) -> AnalysisSettings:
        """Settings from JSON text (see :meth:`from_dict`)."""
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as err:
            raise InputError(f"the settings are not valid JSON: {err}") from None
        return cls.from_dict(data)
