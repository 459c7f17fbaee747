"""Small-area estimates of the hidden for a dataset: every LSOA, known and hidden.

Needs the overlap table by district (the district estimates are the
calibration targets) and, per LSOA, the people known to each service of the
overlap table, to any service and to two or more, as ordinary indicators:

- ``known_md_<list>`` (or ``known_<list>``) for each list of the overlap table;
- ``known_md_any`` (or ``known_any``);
- the settings' ``known_indicator`` (``known_multiple_disadvantage``: two or more).

Context indicators at LSOA level (deprivation, distance to services ...) are
used as covariates of visibility. See
:class:`meam_mapping.estimate.small_area.SmallAreaEstimator` for the model.
Results are unsuppressed; :func:`meam_mapping.pipeline.publish.publish_small_area`
rounds them before they are shown.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from meam_mapping.dataset import Dataset
from meam_mapping.errors import EstimationError, InputError
from meam_mapping.pipeline.hidden import HiddenResult
from meam_mapping.pipeline.settings import AnalysisSettings

__all__ = ["SmallAreaResult", "known_count_names", "small_area_estimates"]


@dataclass(frozen=True)
class SmallAreaResult:
    """Estimated people per area at LSOA level and added up to coarser levels.

    Attributes
    ----------
    lsoa : pandas.DataFrame
        ``area_code, lad_code, n_hat, ci_low, ci_high, known, hidden,
        hidden_share, visibility, estimated``.
    by_level : dict of str to DataFrame
        The same added up (intervals from summed bootstrap draws) per level.
    method : str
    notes : tuple of str
    """

    lsoa: pd.DataFrame
    by_level: dict[str, pd.DataFrame]
    method: str
    notes: tuple[str, ...] = ()

    def at(self, level: str) -> pd.DataFrame:
        """Estimates at ``level`` (``'lsoa'`` or a coarser level)."""
        if level == "lsoa":
            return self.lsoa.assign(level="lsoa")
        return self.by_level[level]


def known_count_names(dataset: Dataset, lists: tuple[str, ...]) -> dict[str, str] | None:
    """Indicator id for each list and for 'any', or None if some are missing."""
    ids = set(dataset.indicators["indicator"].astype(str))
    names: dict[str, str] = {}
    for key in (*lists, "any"):
        found = next((f"{p}{key}" for p in ("known_md_", "known_") if f"{p}{key}" in ids), None)
        if found is None:
            return None
        names[key] = found
    return names


def small_area_estimates(
    dataset: Dataset, hidden: HiddenResult, settings: AnalysisSettings
) -> SmallAreaResult:
    """Fit the small-area estimator on the dataset's LSOA known counts.

    Raises
    ------
    InputError
        When the overlap table has no districts or the LSOA known counts are missing.
    EstimationError
        When the estimator cannot be fitted.
    """
    from meam_mapping.estimate.small_area import SmallAreaEstimator
    from meam_mapping.pipeline.slices import indicators_at

    if hidden.level != "lad" or hidden.by_area.empty:
        raise InputError(
            "small-area estimates need an overlap table by district (area_code = district codes)",
            column="area_code",
            fix="Load an overlap table with one block of rows per district",
        )
    if "lsoa" not in dataset.areas or "lad_code" not in dataset.areas["lsoa"]:
        raise InputError("small-area estimates need LSOA boundaries with their district codes")
    names = known_count_names(dataset, hidden.lists)
    if names is None:
        wanted = ", ".join(f"known_md_{name}" for name in (*hidden.lists, "any"))
        raise InputError(
            "only people already known to services can be mapped: per-LSOA counts of people "
            "known to each service are missing",
            column="indicator",
            expected=f"indicators {wanted} and {settings.known_indicator} at LSOA level",
            fix="Ask the services for these aggregated counts per LSOA (no records about people)",
        )
    table = indicators_at(dataset, "lsoa", settings.period)
    wide = table.pivot_table(index="area_code", columns="indicator", values="count", aggfunc="sum")
    needed = [*names.values(), settings.known_indicator]
    missing = [c for c in needed if c not in wide.columns]
    if missing:
        raise InputError("no LSOA counts for " + ", ".join(missing), column="indicator")
    lsoa = dataset.areas["lsoa"].set_index("area_code")
    known = pd.DataFrame({key: wide[name] for key, name in names.items() if key != "any"})
    known["known_any"] = wide[names["any"]]
    known["known_2plus"] = wide[settings.known_indicator]
    known["lad_code"] = lsoa["lad_code"].reindex(known.index).astype(str)
    if known.isna().any().any():
        raise EstimationError(
            f"{int(known.isna().any(axis=1).sum())} LSOAs have an unknown known count "
            "(withheld by the source), so their people cannot be estimated"
        )
    context = table.loc[(table["domain"].astype(str) == "context") & table["count"].isna()]
    covariates = None
    if not context.empty:
        covariates = context.pivot_table(index="area_code", columns="indicator", values="value")
        covariates = covariates.reindex(known.index).dropna(axis=1)
        covariates = covariates.loc[:, covariates.std() > 0] if len(covariates.columns) else None
        if covariates is not None and covariates.empty:
            covariates = None
    totals = hidden.by_area.rename(columns={"area_code": "lad_code"})[
        ["lad_code", "n_hat", "ci_low", "ci_high"]
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = SmallAreaEstimator(
            lists=list(hidden.lists), district="lad_code", n_boot=200,
            random_state=settings.random_state,
        ).fit(known.reset_index(), totals, covariates)  # fmt: skip
    by_level = {}
    for level, column in (("msoa", "msoa_code"), ("lad", "lad_code")):
        if level in dataset.areas and column in lsoa:
            by_level[level] = model.aggregate(lsoa[column].astype(str), level=level)
    notes = tuple(str(n) for n in model.districts_.get("note", pd.Series(dtype=str)) if str(n))
    estimates = model.estimates_.copy()
    estimates["area_code"] = estimates["area_code"].astype(str)
    return SmallAreaResult(lsoa=estimates, by_level=by_level, method=str(model.method_),
                           notes=notes)  # fmt: skip


def people_from_small_areas(
    result: SmallAreaResult, dataset: Dataset, level: str, adults: pd.Series, indicator: str
) -> pd.DataFrame:
    """The small-area estimates at ``level`` in the shape focus zones use."""
    frame = result.at(level)
    areas = dataset.areas[level].set_index("area_code")
    lad_of = areas["lad_code"] if "lad_code" in areas else pd.Series(areas.index, index=areas.index)
    out = pd.DataFrame({
        "area_code": frame["area_code"].astype(str).to_numpy(),
        "known": frame["known"].to_numpy(dtype=float),
        "adults": frame["area_code"].astype(str).map(adults).to_numpy(dtype=float),
        "estimate": frame["n_hat"].to_numpy(dtype=float),
        "lower": frame["ci_low"].to_numpy(dtype=float),
        "upper": frame["ci_high"].to_numpy(dtype=float),
    })  # fmt: skip
    out["lad_code"] = out["area_code"].map(lad_of).astype(str)
    if np.isnan(out["estimate"]).any():
        raise EstimationError("some areas have no small-area estimate")
    out = out.sort_values("area_code", ignore_index=True)
    out.attrs["indicator"] = indicator
    out.attrs["method"] = result.method
    return out
