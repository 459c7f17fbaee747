"""Hidden populations for a dataset: one per-area loop and one headline.

The overlap (pattern) table gives, per district (``area_code``), the people
seen by each combination of services. :func:`hidden_by_area` fits one
multiple systems estimate per area (the library's one per-stratum loop,
:func:`meam_mapping.estimate.estimate_by_stratum`) and makes **the headline**
every surface shows: the district estimates added up, with a 95% interval
computed for the sum (a normal approximation from the district intervals,
districts independent), not the district limits added. Estimating per
district lets visibility differ between districts, which one model over the
summed table cannot; that single model is kept as a second, labelled figure
("all areas in one model, for comparison") with its model comparison.

Where the table has no areas, the headline is that table's one estimate.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from meam_mapping.dataset import Dataset
from meam_mapping.errors import EstimationError, InputError
from meam_mapping.pipeline.settings import AnalysisSettings
from meam_mapping.pipeline.slices import area_names

__all__ = [
    "Headline",
    "HiddenResult",
    "hidden_by_area",
    "hidden_records_text",
    "model_text",
    "pattern_lists",
]

#: Label of the headline when it adds up areas.
SUM_METHOD = "sum of the area estimates"
SUM_CI = "normal approximation from the area intervals (areas independent)"
POOLED_LABEL = "All areas in one model (for comparison)"
_LEVEL_WORDS = {"lad": "district", "msoa": "MSOA", "lsoa": "LSOA", "custom": "area"}
STRATA = ("area_code", "sex", "age_band")


@dataclass(frozen=True)
class Headline:
    """One estimated total with one interval.

    Attributes
    ----------
    observed : int
        People seen by at least one service.
    n_hat, ci_low, ci_high : float
        Estimated people facing multiple disadvantage and the 95% interval.
    hidden : float
        ``n_hat - observed``: estimated people seen by no service.
    method, model, ci_method : str
        How the estimate and its interval were made, in words.
    areas : int
        Number of areas added up (0 for a single table).
    label : str
        What this figure is, for a caption.
    """

    observed: int
    n_hat: float
    ci_low: float
    ci_high: float
    hidden: float
    method: str
    model: str
    ci_method: str
    areas: int
    label: str

    @property
    def hidden_share(self) -> float:
        """Share of the estimated people seen by no service."""
        return self.hidden / self.n_hat if self.n_hat else float("nan")

    def to_dict(self) -> dict[str, Any]:
        """Plain form (unsuppressed: publish through :mod:`~meam_mapping.pipeline.publish`)."""
        return asdict(self)


@dataclass(frozen=True)
class HiddenResult:
    """Everything the hidden-population step found (unsuppressed).

    Attributes
    ----------
    by_area : pandas.DataFrame
        One row per area: ``area_code, area_name, observed, n_hat, ci_low,
        ci_high, hidden, hidden_share, method, model, ci_method, warnings``
        (empty when the table has no areas).
    headline : Headline
        The figure every surface shows.
    pooled : Headline or None
        One model over the summed table, for comparison (None when it
        could not be fitted).
    comparison : pandas.DataFrame
        Model comparison of the one-model fit.
    overlap : pandas.DataFrame
        The overlap table summed over areas: ``pattern``, one column per
        list, ``count``.
    lists : tuple of str
        The services (lists) used.
    level : str or None
        Level of the areas (``'lad'`` for districts), None without areas.
    notes : tuple of str
        Plain-English notes (areas that could not be estimated ...).
    table : pandas.DataFrame or None
        The overlap cells used (``area_code`` if any, the lists, ``count``),
        so the publication gate can see which estimates rest on small cells.
    """

    by_area: pd.DataFrame
    headline: Headline
    pooled: Headline | None
    comparison: pd.DataFrame
    overlap: pd.DataFrame
    lists: tuple[str, ...]
    level: str | None
    notes: tuple[str, ...] = ()
    table: pd.DataFrame | None = None

    def summed_small(self, threshold: int) -> bool:
        """Whether the overlap table summed over areas (the one model's) has a cell of 1 to T - 1."""
        counts = pd.to_numeric(self.overlap["count"], errors="coerce").fillna(0)
        return bool(((counts > 0) & (counts < threshold)).any())

    def small_cells(self, threshold: int) -> tuple[bool, set[str]]:
        """Which estimates rest on an overlap cell of 1 to ``threshold - 1``.

        Returns ``(total, areas)``: the areas with such a cell, and whether
        the total does (its summed table has one, or any area has: a total
        shown exactly beside one rounded area would give that area back).
        """
        if self.table is None:
            return False, set()
        small_total = self.summed_small(threshold)
        areas: set[str] = set()
        if "area_code" in self.table:
            cells = self.table["count"]
            flagged = self.table.loc[(cells > 0) & (cells < threshold), "area_code"]
            areas = set(flagged.astype(str))
        return small_total or bool(areas), areas


def model_text(model: Any) -> str:
    """Interaction terms in words."""
    if isinstance(model, (list, tuple)):
        return ", ".join(map(str, model)) if model else "main effects only (lists independent)"
    if model is None or (isinstance(model, float) and math.isnan(model)):
        return ""
    return str(model)


def _people(value: Any) -> str:
    """A number of people for the text report: whole as published, to a tenth when not rounded."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "not shown"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def hidden_records_text(records: list[dict[str, Any]], *, by: str | None = None) -> str:
    """The ``hidden`` command's records as a report a person reads in a terminal.

    One block per group (per value of ``by``, or one for the whole table):
    the people seen, the estimate with its 95% interval, the people no
    service saw, Chao's lower bound, the model and interval method in
    words, how the figures were published, and every warning on a line of
    its own. The numbers are those of the records (already through the
    disclosure gate); the CSV and JSON formats give the same records whole.

    Parameters
    ----------
    records : list of dict
        As :func:`meam_mapping.pipeline.publish.publish_records` returns them
        (or with ``label`` set where disclosure control is off).
    by : str, optional
        The column the records were split by.

    Returns
    -------
    str

    Examples
    --------
    >>> print(hidden_records_text([{"observed": 120, "n_hat": 150, "ci_low": 135, "ci_high": 171,
    ...     "hidden": 30, "chao_lower_bound": 140, "method": "loglinear", "model": [],
    ...     "ci_method": "profile likelihood for N (Cormack 1992)", "warnings": [], "suppressed": ""}]))
    The whole table
      People seen by at least one service:   120
      Estimated people in all:               150  (95% interval 135 to 171)
      Seen by no service (hidden):            30
      At least (Chao's lower bound):         140
      Model: log-linear; no pair of services shares people beyond chance (lists independent)
      Interval: profile likelihood for N (Cormack 1992)
      Published: whole people
    """
    blocks = []
    for record in records:
        head = "The whole table" if by is None else f"{by} {record.get(by)}"
        rows = [
            ("People seen by at least one service", record.get("observed"), ""),
            ("Estimated people in all", record.get("n_hat"),
             "" if record.get("n_hat") is None
             else f"  (95% interval {_people(record.get('ci_low'))} to {_people(record.get('ci_high'))})"),
            ("Seen by no service (hidden)", record.get("hidden"), ""),
            ("At least (Chao's lower bound)", record.get("chao_lower_bound"), ""),
        ]  # fmt: skip
        width = max(len(label) for label, _, _ in rows) + 1
        numbers = max(len(_people(value)) for _, value, _ in rows) + 2
        lines = [head]
        lines += [f"  {label + ':':<{width}} {_people(value):>{numbers}}{extra}"
                  for label, value, extra in rows]  # fmt: skip
        method = str(record.get("method") or "")
        words = "log-linear" if method == "loglinear" else method.replace("_", " ")
        terms = [str(t).replace(":", " & ") for t in record.get("model") or []]
        if terms:
            words += "; pairs of services sharing people beyond chance: " + ", ".join(terms)
        elif method == "loglinear":
            words += "; no pair of services shares people beyond chance (lists independent)"
        lines.append(f"  Model: {words}")
        lines.append(f"  Interval: {record.get('ci_method') or 'not given'}")
        published = record.get("label") or record.get("suppressed") or "whole people"
        lines.append(f"  Published: {published}")
        warnings_ = [str(w) for w in record.get("warnings") or []]
        if warnings_:
            lines.append("  Check:")
            lines += [f"  - {w}" for w in warnings_]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def pattern_lists(patterns: pd.DataFrame) -> list[str]:
    """The service (list) columns of an overlap table."""
    from meam_mapping.estimate.mse.patterns import detect_lists

    return list(detect_lists(patterns.drop(columns=[c for c in STRATA if c in patterns])))


def _options(settings: AnalysisSettings) -> dict[str, Any]:
    if settings.interactions is not None:
        return {"interactions": settings.interactions, "select": None}
    return {"select": settings.select}


def _warnings_text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return " | ".join(map(str, value))
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def _headline_from(est: Any, *, method: str | None, areas: int, label: str) -> Headline:
    return Headline(
        observed=int(est.observed),
        n_hat=float(est.n_hat),
        ci_low=float(est.ci_low),
        ci_high=float(est.ci_high),
        hidden=float(est.hidden),
        method=method or str(est.method),
        model=model_text(list(est.model)),
        ci_method=str(est.ci_method),
        areas=areas,
        label=label,
    )


def hidden_by_area(
    dataset: Dataset,
    settings: AnalysisSettings = AnalysisSettings(),  # noqa: B008
) -> HiddenResult:
    """Multiple systems estimates per area, the headline and the one-model comparison.

    Parameters
    ----------
    dataset : Dataset
        Its ``patterns`` table is used.
    settings : AnalysisSettings
        ``lists``, ``interactions`` and ``select`` apply.

    Returns
    -------
    HiddenResult

    Raises
    ------
    InputError
        If there is no overlap table or fewer than two lists are chosen.
    EstimationError
        If no estimate at all can be made.
    """
    from meam_mapping.estimate import MultipleSystemsEstimator, estimate_by_stratum

    patterns = dataset.patterns
    if patterns is None or len(patterns) == 0:
        raise InputError(
            "there is no overlap table loaded",
            fix="Load a table of people seen by each combination of services "
            "(see the README's input formats) on the Data page, or with --patterns",
        )
    lists = list(settings.lists) if settings.lists else pattern_lists(patterns)
    missing = [name for name in lists if name not in patterns.columns]
    if missing:
        raise InputError(
            "the overlap table has no list " + ", ".join(map(repr, missing)),
            column="lists",
            expected="some of " + ", ".join(pattern_lists(patterns)),
        )
    if len(lists) < 2:
        raise InputError("choose at least two services (lists) to compare", column="lists")
    by = "area_code" if "area_code" in patterns and patterns["area_code"].nunique() > 1 else None
    keys = [*([by] if by else []), *lists]
    table = patterns[[*keys, "count"]].groupby(keys, as_index=False)["count"].sum()
    table = table.loc[table[lists].sum(axis=1) > 0].reset_index(drop=True)
    summed = table.groupby(lists, as_index=False)["count"].sum()
    options = _options(settings)
    notes: list[str] = []

    pooled, comparison, overall = None, pd.DataFrame(), None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            model = MultipleSystemsEstimator(lists=lists, **options).fit(summed)
            pooled = _headline_from(model.result_, method=None, areas=0, label=POOLED_LABEL)
            comparison = model.comparison_
            overall = model.result_
        except (EstimationError, InputError) as err:
            notes.append(f"All areas in one model: not estimated ({getattr(err, 'message', err)})")
        if by is None:
            if pooled is None:
                raise EstimationError(notes[-1] if notes else "no estimate could be made")
            headline = Headline(**{**pooled.to_dict(), "label": "Estimated people (one table)"})
            by_area = pd.DataFrame()
            level = None
        else:
            frame = estimate_by_stratum(table, by, lists=lists, overall=overall, **options)
            total = frame.iloc[-1]
            rows = frame.iloc[:-1].reset_index(drop=True)
            level = dataset.level_of(rows["area_code"].astype(str))
            by_area = _area_rows(dataset, rows)
            failed = by_area["n_hat"].isna()
            if failed.any():
                notes.append(
                    f"{int(failed.sum())} of {len(by_area)} areas could not be estimated on their "
                    "own, so there is no sum of areas; the one-model estimate is shown instead"
                )
            if pd.notna(total["n_hat"]):
                headline = Headline(
                    observed=int(total["observed"]),
                    n_hat=float(total["n_hat"]),
                    ci_low=float(total["ci_low"]),
                    ci_high=float(total["ci_high"]),
                    hidden=float(total["hidden"]),
                    method=SUM_METHOD,
                    model="chosen separately in each area",
                    ci_method=SUM_CI,
                    areas=len(by_area),
                    label=f"Sum of {len(by_area)} {_LEVEL_WORDS.get(level, 'area')} estimates",
                )
            elif pooled is not None:
                headline = Headline(**{**pooled.to_dict(), "label": "Estimated people (one model)"})
            else:
                raise EstimationError("no area and no one-model estimate could be made")
    overlap = summed.copy()
    overlap.insert(0, "pattern", overlap[lists].apply(
        lambda r: " + ".join(c for c in lists if r[c]), axis=1))  # fmt: skip
    overlap = overlap.sort_values("count", ascending=False, ignore_index=True)
    return HiddenResult(
        by_area=by_area,
        headline=headline,
        pooled=pooled,
        comparison=comparison,
        overlap=overlap,
        lists=tuple(lists),
        level=level,
        notes=tuple(notes),
        table=table,
    )


def _area_rows(dataset: Dataset, rows: pd.DataFrame) -> pd.DataFrame:
    names = area_names(dataset)
    codes = rows["area_code"].astype(str)
    n_hat = rows["n_hat"].astype(float)
    out = pd.DataFrame(
        {
            "area_code": codes,
            "area_name": codes.map(names).fillna(codes),
            "observed": rows["observed"].astype(float),
            "n_hat": n_hat,
            "ci_low": rows["ci_low"].astype(float),
            "ci_high": rows["ci_high"].astype(float),
            "hidden": rows["hidden"].astype(float),
            "hidden_share": np.where(n_hat > 0, rows["hidden"].astype(float) / n_hat, np.nan),
            "method": rows["method"].astype(str),
            "model": rows["model"].map(model_text),
            "ci_method": rows["ci_method"].astype(str),
            "warnings": rows["warnings"].map(_warnings_text),
        }
    )
    return out.reset_index(drop=True)
