"""The publication gate: every number that leaves the program passes here.

Working results from :mod:`meam_mapping.pipeline` are unsuppressed. The
functions in this module are the only way from them to something shown or
written: a map slice, a table on a page, a report sentence, a file or a
command's output. Each applies the one disclosure policy
(:class:`~meam_mapping.disclosure.DisclosurePolicy`): counts from 1 to
``threshold - 1`` hidden, with secondary suppression across every level at
once so no hidden count can be recovered from a total; estimates derived
from a hidden count hidden with it; estimates of people rounded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from meam_mapping.dataset import Dataset
from meam_mapping.disclosure import (
    DEFAULT_POLICY,
    SMALL,
    DisclosurePolicy,
    carry_mark,
    hidden_note,
    mark_no_counts,
    suppress_counts,
    suppress_indicators,
)
from meam_mapping.errors import InputError
from meam_mapping.pipeline.slices import (
    group_of,
    indicator_all_levels,
    linked_groups,
    parent_lookup,
    why_not_at,
)
from meam_mapping.schema import LEVELS

if TYPE_CHECKING:
    from meam_mapping.caseload import CaseloadPlan
    from meam_mapping.pipeline.hidden import Headline, HiddenResult

__all__ = [
    "publish_overlap",
    "headline_of",
    "map_slice",
    "publish_caseload",
    "hotspot_confidence",
    "index_deciles",
    "publish_headline",
    "publish_hidden",
    "publish_hotspots",
    "publish_index",
    "publish_indicators",
    "publish_people",
    "publish_small_area",
    "publish_zones",
    "published_levels",
    "published_table",
    "publish_models",
    "pooled_figure",
]


def publish_indicators(
    raw: pd.DataFrame, dataset: Dataset, policy: DisclosurePolicy = DEFAULT_POLICY
) -> pd.DataFrame:
    """Every indicator at every level with the policy applied to all levels together.

    Indicators that add up to another (Persons = Male + Female) are suppressed
    together, so no difference between them gives a hidden count back. An
    area added up from some the source withheld is marked ``includes withheld
    counts`` (from ``raw``'s ``note``, which is then left out).
    """
    linked = linked_groups(raw["indicator"].unique()) or None
    out = suppress_indicators(raw, policy, parent_of=parent_lookup(dataset),
                              linked_indicators=linked)  # fmt: skip
    return out.drop(columns=["note"], errors="ignore")


def map_slice(
    dataset: Dataset,
    indicator: str,
    period: str | None,
    level: str | None,
    policy: DisclosurePolicy = DEFAULT_POLICY,
    *,
    published: pd.DataFrame | None = None,
    all_levels: tuple[pd.DataFrame, str] | None = None,
) -> pd.DataFrame:
    """The rows of one level, after the disclosure policy across all levels.

    The policy sees every level at once, so a suppressed LSOA cannot be
    recovered from its MSOA total minus the other LSOAs.

    Parameters
    ----------
    dataset : Dataset
    indicator : str
    period : str or None
        None: the latest.
    level : str or None
        None: the indicator's own level.
    policy : DisclosurePolicy
    published : pandas.DataFrame, optional
        :func:`published_levels` of the same dataset, indicator, period and
        policy, made already (another level's map of the same figures):
        every level's rows are suppressed together, so one audit serves
        them all. Made here when not given.
    all_levels : (pandas.DataFrame, str), optional
        :func:`~meam_mapping.pipeline.slices.indicator_all_levels` of the
        same, made already.

    Returns
    -------
    pandas.DataFrame
    """
    table, native = all_levels or indicator_all_levels(dataset, indicator, period)
    level = level or native
    present = set(table["level"].unique().tolist())
    if level not in present:
        available = [lvl for lvl in LEVELS if lvl in present]
        raise InputError(
            f"indicator {indicator!r} cannot be shown at level {level!r}",
            expected="one of " + ", ".join(available),
            fix=why_not_at(dataset, table, native, level),
        )
    safe = (
        published_levels(dataset, indicator, period, policy, all_levels=(table, native))
        if published is None
        else published
    )
    part = safe.loc[safe["level"] == level].reset_index(drop=True)
    names = dataset.areas[level].set_index("area_code")["area_name"]
    part["area_name"] = part["area_code"].map(names)
    part.attrs.update(safe.attrs)
    return part


def published_levels(
    dataset: Dataset,
    indicator: str,
    period: str | None,
    policy: DisclosurePolicy = DEFAULT_POLICY,
    *,
    all_levels: tuple[pd.DataFrame, str] | None = None,
) -> pd.DataFrame:
    """One indicator and period at every level, after the disclosure policy across all levels.

    What :func:`map_slice` takes each level's rows from. Indicators that add
    up to another (Persons = Male + Female) are suppressed together.

    Parameters
    ----------
    dataset : Dataset
    indicator : str
    period : str or None
        None: the latest.
    policy : DisclosurePolicy
    all_levels : (pandas.DataFrame, str), optional
        :func:`~meam_mapping.pipeline.slices.indicator_all_levels` of the
        same, made already.

    Returns
    -------
    pandas.DataFrame
    """
    table, _ = all_levels or indicator_all_levels(dataset, indicator, period)
    if not (table["count"].notna().any() or table["suppressed"].any()):
        return mark_no_counts(table)  # values only (e.g. a score): nothing to suppress
    group = group_of(dataset, indicator)
    if len(group) > 1:  # Persons = Male + Female: decide their suppression together
        period = str(table["period"].iloc[0])
        members = [table] + [
            indicator_all_levels(dataset, other, period)[0] for other in group if other != indicator
        ]
        joint = pd.concat(members, ignore_index=True)
        safe = suppress_indicators(joint, policy, parent_of=parent_lookup(dataset),
                                   linked_indicators={group[0]: group[1:]})  # fmt: skip
        return carry_mark(safe, safe.loc[safe["indicator"] == indicator])
    return suppress_indicators(table, policy, parent_of=parent_lookup(dataset))


def publish_headline(
    headline: Headline | None,
    policy: DisclosurePolicy = DEFAULT_POLICY,
    *,
    small_cells: bool = False,
) -> dict[str, Any] | None:
    """The headline as it may be shown: whole people, the seen count hidden when small.

    Parameters
    ----------
    headline : Headline or None
    policy : DisclosurePolicy
    small_cells : bool
        The overlap table behind it has a cell of 1 to ``threshold - 1``:
        the seen count is then rounded to 5 and the estimate, interval and
        hidden count to 10, so that cell cannot be solved back from the
        estimator's formula.

    Returns
    -------
    dict or None
        ``observed, n_hat, ci_low, ci_high, hidden, hidden_share, method,
        model, ci_method, areas, label, suppressed, rounding``; when
        ``observed`` is a small count it and everything derived from it are
        None.
    """
    if headline is None:
        return None
    data = headline.to_dict()
    small = bool(policy.is_small([headline.observed])[0])
    out: dict[str, Any] = {k: data[k] for k in ("method", "model", "ci_method", "areas", "label")}
    if small:
        out |= dict.fromkeys(("observed", "n_hat", "ci_low", "ci_high", "hidden", "hidden_share"))
        out["suppressed"] = True
        out["rounding"] = ""
        return out
    seen_base, estimate_base = (5, 10) if small_cells else (1, 1)
    whole = {"observed": _round_to_base(data["observed"], seen_base)}
    for key in ("n_hat", "ci_low", "ci_high"):
        whole[key] = _round_to_base(data[key], estimate_base)
    whole["hidden"] = (
        None if whole["n_hat"] is None else _round_to_base(data["hidden"], estimate_base)
    )
    out |= whole
    out["hidden_share"] = _published_share(whole["hidden"], whole["n_hat"])
    out["suppressed"] = False
    out["rounding"] = (
        f"seen rounded to 5, estimates to 10 (some overlaps are fewer than {policy.threshold})"
        if small_cells
        else ""
    )
    return out


def _published_share(hidden: Any, n_hat: Any) -> float | None:
    """The hidden share as published: from the published (rounded) figures, to two places.

    Worked out from the exact estimate, a share to six places beside figures
    rounded to 10 would say what they hide.
    """
    try:
        hidden, n_hat = float(hidden), float(n_hat)
    except (TypeError, ValueError):
        return None
    if not (np.isfinite(hidden) and np.isfinite(n_hat)) or n_hat <= 0:
        return None
    return round(hidden / n_hat, 2)


def headline_of(
    hidden: HiddenResult | None, policy: DisclosurePolicy = DEFAULT_POLICY, *, pooled: bool = False
) -> dict[str, Any] | None:
    """The published headline (or the one-model figure) of a hidden-population result."""
    if hidden is None:
        return None
    small_total, _ = hidden.small_cells(policy.threshold)
    return publish_headline(
        hidden.pooled if pooled else hidden.headline, policy, small_cells=small_total
    )


def pooled_figure(
    hidden: HiddenResult | None, policy: DisclosurePolicy = DEFAULT_POLICY
) -> dict[str, Any] | None:
    """The one-model figure shown beside a sum of areas' estimates, or None when not shown.

    Not shown where there is none, where the headline is that model already,
    or where the summed overlap table has a cell of 1 to ``threshold - 1``:
    the rest of that table is published (the Estimates page's chart), and
    the model's estimate, interval and model terms, even rounded to 10, can
    narrow the hidden cell down (in a small table, to one value).
    """
    if hidden is None or hidden.pooled is None or not hidden.headline.areas:
        return None
    if hidden.summed_small(policy.threshold):
        return None
    return headline_of(hidden, policy, pooled=True)


def publish_models(
    hidden: HiddenResult, policy: DisclosurePolicy = DEFAULT_POLICY, rows: int = 12
) -> pd.DataFrame:
    """The comparison of the models fitted on all areas together, as it may be shown.

    Its first ``rows`` models, best first, estimates and limits in whole
    people. None is listed (an empty table) where the summed overlap table
    has a cell of 1 to ``threshold - 1``: each model's deviance, AIC and BIC
    are exact functions of every cell, and the estimates of the models not
    chosen move with a small cell enough to tell its value even to the
    nearest 10, so trying the few values a hidden cell can take (1 to 4)
    against the list would find it (see the tests). The model chosen is
    named with the one-model figure, which is rounded like the headline.

    Returns
    -------
    pandas.DataFrame
        ``model``, ``deviance``, ``df``, ``AIC``, ``BIC``, ``n_hat``,
        ``ci_low``, ``ci_high``, ``selected``; marked as holding no counts
        of people.
    """
    columns = ["model", "deviance", "df", "AIC", "BIC", "n_hat", "ci_low", "ci_high", "selected"]
    comparison = hidden.comparison
    if comparison is None or comparison.empty or hidden.summed_small(policy.threshold):
        return mark_no_counts(pd.DataFrame(columns=columns))
    out = comparison.head(rows).reset_index(drop=True)
    out = out[[c for c in columns if c in out.columns]].copy()
    for column in ("n_hat", "ci_low", "ci_high"):
        out[column] = pd.to_numeric(out[column], errors="coerce").round()
    return mark_no_counts(out)


def _whole(value: float) -> int | None:
    return int(round(float(value))) if value is not None and np.isfinite(value) else None


def publish_hidden(hidden: HiddenResult, policy: DisclosurePolicy = DEFAULT_POLICY) -> pd.DataFrame:
    """Area estimates with the seen count (and what follows from it) suppressed.

    The last row is the headline (``area_code`` ``'Total'``), so the table
    and the headline can never disagree.
    """
    columns = ["area_code", "area_name", "observed", "n_hat", "ci_low", "ci_high", "hidden",
               "hidden_share", "method", "model", "ci_method", "warnings"]  # fmt: skip
    head = hidden.headline
    total = {
        "area_code": "Total", "area_name": head.label, "observed": head.observed,
        "n_hat": head.n_hat, "ci_low": head.ci_low, "ci_high": head.ci_high,
        "hidden": head.hidden, "hidden_share": head.hidden_share, "method": head.method,
        "model": head.model, "ci_method": head.ci_method, "warnings": "",
    }  # fmt: skip
    rows = hidden.by_area[columns] if len(hidden.by_area) else pd.DataFrame(columns=columns)
    frame = pd.concat([rows, pd.DataFrame([total])], ignore_index=True)
    small_total, small_areas = hidden.small_cells(policy.threshold)
    rounded = frame["area_code"].astype(str).isin(small_areas).to_numpy(copy=True)
    rounded[-1] = small_total
    for column in ("n_hat", "ci_low", "ci_high", "hidden", "observed"):
        values = pd.to_numeric(frame[column], errors="coerce")
        base = np.where(rounded, 5 if column == "observed" else 10, 1)
        frame[column] = np.floor(values / base + 0.5) * base
    frame["hidden_share"] = [_published_share(h, n) for h, n in zip(frame["hidden"], frame["n_hat"],
                                                                   strict=True)]  # fmt: skip
    frame["rounding"] = np.where(rounded, "rounded: some overlaps are small", "")
    # A warning may name the people on two lists (an overlap of 3, say): never a small number.
    frame["warnings"] = [scrub_small_numbers(str(w), policy.threshold) if isinstance(w, str) else w
                         for w in frame["warnings"]]  # fmt: skip
    return suppress_counts(
        frame,
        ["observed"],
        policy,
        total_row={"area_code": "Total"} if len(rows) > 1 else None,
        derived={"observed": ["n_hat", "ci_low", "ci_high", "hidden", "hidden_share"]},
    )


def publish_overlap(
    hidden: HiddenResult, policy: DisclosurePolicy = DEFAULT_POLICY
) -> pd.DataFrame:
    """The overlap table summed over areas, small patterns hidden."""
    return suppress_counts(hidden.overlap, ["count"], policy)


def _remark(frame: pd.DataFrame, columns: list[str], policy: DisclosurePolicy) -> pd.DataFrame:
    """Mark a table built only from already-suppressed counts (nothing new is hidden)."""
    reasons = {c: frame[c] for c in ("suppressed", "suppression") if c in frame.columns}
    marked = suppress_counts(frame.drop(columns=list(reasons)), columns, policy)
    if marked["suppressed"].any():  # pragma: no cover - guarded by construction
        raise ValueError("a published table showed a small count; it was suppressed again")
    marked = marked.drop(columns=[c for c in marked.columns if c.endswith("suppression")])
    marked = marked.drop(columns="suppressed")
    for column, values in reasons.items():
        marked[column] = values.to_numpy()
    return marked


def publish_people(
    people: pd.DataFrame,
    published: pd.DataFrame,
    level: str,
    names: pd.Series,
    policy: DisclosurePolicy,
) -> pd.DataFrame:
    """Estimated people per area, hidden wherever the known count is hidden.

    Estimates and limits are rounded to the nearest 5 people, so that a
    hidden area's estimate cannot be solved back from a zone total minus the
    other areas, nor its known count from the district factor.
    """
    known = published[
        (published["level"] == level) & (published["indicator"] == people.attrs["indicator"])
    ].set_index("area_code")
    codes = people["area_code"]
    hidden = known["suppressed"].reindex(codes).fillna(True).astype(bool).to_numpy()
    frame = pd.DataFrame(
        {
            "area_code": codes.to_numpy(),
            "area_name": codes.map(names).to_numpy(),
            "lad_code": people["lad_code"].to_numpy(),
            "known_count": known["count"].reindex(codes).to_numpy(),
            "adults": people["adults"].to_numpy(),
            "estimated_people": np.where(hidden, np.nan, _round_to(people["estimate"], 5)),
            "lower": np.where(hidden, np.nan, _round_to(people["lower"], 5)),
            "upper": np.where(hidden, np.nan, _round_to(people["upper"], 5)),
            "suppressed": hidden,
            "suppression": known["suppression"].reindex(codes).fillna("").to_numpy(),
        }
    )
    return _remark(frame, ["known_count"], policy)


def _round_to(values: pd.Series, step: int = 10) -> pd.Series:
    return (np.floor(values.astype(float) / step + 0.5) * step).astype(float)


def publish_zones(zones: pd.DataFrame, policy: DisclosurePolicy) -> pd.DataFrame:
    """Zone table with estimates rounded to the nearest 10 people."""
    frame = zones[["zone", "label", "priority", "n_areas", "area_names", "area_codes"]].copy()
    for column in ("estimate", "lower", "upper"):
        frame[f"estimated_people{'' if column == 'estimate' else '_' + column}"] = _round_to(
            zones[column]
        )
    frame["adults"] = zones["adults"].to_numpy()
    # The rate comes from the rounded estimate, so rate x adults gives back
    # nothing more precise than the rounded figure.
    frame["people_per_1000_adults"] = (
        frame["estimated_people"] / frame["adults"].replace(0, np.nan) * 1000
    ).round(1)
    frame["mean_index_score"] = zones["mean_score"].round(1)
    frame["hot_spot_areas"] = zones["hot_spot_areas"]
    return suppress_counts(frame, ["estimated_people"], policy, group_by=["zone"]).drop(
        columns=["suppression"]
    )


def publish_caseload(plans: dict[int, CaseloadPlan], policy: DisclosurePolicy) -> pd.DataFrame:
    """One row per coordinator ratio (targets rounded to whole people)."""
    rows = []
    for ratio, plan in plans.items():
        rows.append(
            {
                "coordinator_ratio": f"1:{ratio}",
                "estimated_people": round(plan.estimate),
                "estimated_people_lower": round(plan.lower),
                "estimated_people_upper": round(plan.upper),
                "reach_share": plan.reach_share,
                "people_to_reach": plan.people_to_reach,
                "people_to_reach_lower": plan.people_to_reach_lower,
                "people_to_reach_upper": plan.people_to_reach_upper,
                "coordinators": plan.coordinators,
                "coordinators_lower": plan.coordinators_lower,
                "coordinators_upper": plan.coordinators_upper,
                "first_caseload_zones": ", ".join(map(str, plan.first_caseload["zone"])),
            }
        )
    frame = pd.DataFrame(rows)
    return suppress_counts(frame, ["people_to_reach"], policy, group_by=["coordinator_ratio"]).drop(
        columns=["suppression"]
    )


def index_deciles(score: pd.Series) -> pd.Series:
    """The decile of each composite-index score (10 = the tenth where need is most concentrated).

    This is how the index is published by default: a band, not the score, so
    the exact position of an area among the others (which would tell where a
    hidden rate lies) is not given away. Missing scores stay missing.
    """
    values = pd.to_numeric(score, errors="coerce")
    ranked = values.rank(method="first", ascending=True)
    deciles = np.ceil(10 * ranked / max(int(ranked.count()), 1))
    return pd.Series(deciles, index=score.index).astype("Int64")


#: Confidence bands of a significant hot spot, surest first: (largest p-value, words).
_CONFIDENCE_BANDS: tuple[tuple[float, str], ...] = (
    (0.001, "99.9% confidence"),
    (0.01, "99% confidence"),
    (0.05, "95% confidence"),
    (0.10, "90% confidence"),
)


def hotspot_confidence(result: pd.DataFrame) -> pd.Series:
    """Words for how sure each hot- or cold-spot call is, in place of z-scores and p-values.

    Parameters
    ----------
    result : pandas.DataFrame
        :attr:`HotspotModel.result_` (``category``, ``significant``,
        ``p_value``, ``p_fdr``, ``method``).

    Returns
    -------
    pandas.Series
        E.g. ``"Hot spot, 99% confidence"``; ``"Not significant"`` for the
        rest. The p-value the call was made on (false-discovery-rate adjusted
        when the method says so) is only placed in a band.
    """
    method = (
        result["method"].astype(str) if "method" in result else pd.Series("", index=result.index)
    )
    adjusted = method.str.contains("FDR")
    p = np.where(adjusted, pd.to_numeric(result["p_fdr"], errors="coerce"),
                 pd.to_numeric(result["p_value"], errors="coerce"))  # fmt: skip
    words = []
    for category, significant, p_value in zip(
        result["category"].astype(str), result["significant"].astype(bool), p, strict=True
    ):
        if not significant or category == "Not significant":
            words.append("Not significant")
            continue
        band = next((text for limit, text in _CONFIDENCE_BANDS if p_value <= limit), None)
        words.append(f"{category}, {band}" if band else category)
    return pd.Series(words, index=result.index, dtype=object)


def publish_hotspots(result: pd.DataFrame, names: pd.Series) -> pd.DataFrame:
    """Hot and cold spots as they may be published: a category and a confidence band.

    The statistic, its z-score and the p-values are left out: with the
    neighbours' published values they turn back into the area's own score,
    and so into where a hidden rate lies.

    Returns
    -------
    pandas.DataFrame
        ``area_code, area_name, category, confidence, method``.
    """
    frame = pd.DataFrame({
        "area_code": result["area_code"].astype(str).to_numpy(),
        "category": result["category"].astype(str).to_numpy(),
        "confidence": hotspot_confidence(result).to_numpy(),
        "method": result["method"].astype(str).to_numpy(),
    })  # fmt: skip
    frame.insert(1, "area_name", frame["area_code"].map(names))
    return mark_no_counts(frame)


def publish_index(
    scores: pd.DataFrame, published: pd.DataFrame, level: str, names: pd.Series
) -> pd.DataFrame:
    """Composite index scores as they may be published.

    Every area gets its decile (10 = the tenth of areas where need is most
    concentrated). The score, rank and plausible ranks are shown only for
    areas whose domain counts at ``level`` are all shown: for an area with a
    hidden count, the exact position among the other areas would tell where
    its hidden rate lies.
    """
    from meam_mapping.disclosure import mark_no_counts

    frame = scores.copy()
    frame["area_code"] = frame["area_code"].astype(str)
    frame["index_decile"] = index_deciles(frame["score"])
    at_level = published.loc[(published["level"] == level)
                             & (published["domain"].astype(str) != "context")]  # fmt: skip
    hidden = set(at_level.loc[at_level["suppressed"].astype(bool), "area_code"].astype(str))
    exact = [c for c in ("score", "rank", "rank_low", "rank_high") if c in frame]
    mask = frame["area_code"].isin(hidden)
    frame[exact] = frame[exact].astype(float)
    frame.loc[mask, exact] = np.nan
    frame["score"] = frame["score"].round(1)
    frame["shown"] = np.where(mask, "decile only: a domain count here is hidden", "")
    frame.insert(1, "area_name", frame["area_code"].map(names))
    order = frame.sort_values(["index_decile", "score"], ascending=False, na_position="last")
    return mark_no_counts(order.reset_index(drop=True))


def publish_small_area(
    result: Any,
    names: pd.Series,
    published: pd.DataFrame | None = None,
    known_any: str | None = None,
) -> pd.DataFrame:
    """Small-area estimates (LSOA and coarser levels) as they may be published.

    Estimates and limits are rounded to the nearest 5 people and the hidden
    share to whole per cent, so neither a known count nor a district figure
    can be solved back from them.

    Parameters
    ----------
    result : SmallAreaResult
    names : pandas.Series
        Area names by code.
    published : pandas.DataFrame, optional
        The published indicator table (:func:`publish_indicators`).
    known_any : str, optional
        The indicator counting people known to any service: the estimates
        are built on it (``n_hat = known + hidden``, and no draw falls below
        ``known``), so wherever its count is hidden the estimate, interval
        and hidden share are hidden too. Otherwise ``n_hat x (1 - hidden
        share)`` or the lower limit would bracket the hidden count (an area
        of 10 people with 70% hidden knows 3).
    """
    frames = [result.at("lsoa"), *result.by_level.values()]
    table = pd.concat(frames, ignore_index=True)
    out = pd.DataFrame({
        "area_code": table["area_code"].astype(str),
        "area_name": table["area_code"].astype(str).map(names),
        "level": table["level"].astype(str),
        "n_hat": _round_to(table["n_hat"], 5),
        "ci_low": _round_to(table["ci_low"], 5),
        "ci_high": _round_to(table["ci_high"], 5),
        "hidden_share": (100 * table["hidden_share"].astype(float)).round(0),
        "method": result.method,
    })  # fmt: skip
    hidden = np.zeros(len(out), dtype=bool)
    if published is not None and known_any is not None:
        rows = published.loc[published["indicator"].astype(str) == known_any]
        codes = set(rows.loc[rows["suppressed"].astype(bool), "area_code"].astype(str))
        hidden = out["area_code"].isin(codes).to_numpy()
        out.loc[hidden, ["n_hat", "ci_low", "ci_high", "hidden_share"]] = np.nan
    out = mark_no_counts(out.assign(count=np.nan)).drop(columns="count")
    out["suppressed"] = hidden
    out["suppression"] = np.where(hidden, "hidden with the count of people known to services", "")
    return out


#: Columns of the ``table`` command, in order.
TABLE_COLUMNS = ("area_code", "area_name", "level", "period", "count", "denominator", "value",
                 "ci_low", "ci_high", "unit", "suppressed", "compared")  # fmt: skip


def published_table(
    dataset: Dataset,
    indicator: str,
    period: str | None = None,
    level: str | None = None,
    policy: DisclosurePolicy = DEFAULT_POLICY,
) -> pd.DataFrame:
    """The published table behind a map (Fingertips' "download data").

    Rates carry 95% intervals and the comparison with the study area where
    the indicator has counts; values without counts are listed as they are.

    Returns
    -------
    pandas.DataFrame
        :data:`TABLE_COLUMNS`, one row per area, suppressed cells empty.
    """
    from meam_mapping.pipeline.rates import prevalence_by_area

    data = map_slice(dataset, indicator, period, level, policy)
    if data["count"].notna().any():
        result = prevalence_by_area(
            dataset, indicator, str(data["period"].iloc[0]), str(data["level"].iloc[0]), policy
        ).table
        result = result.rename(columns={"lower": "ci_low", "upper": "ci_high",
                                        "comparison": "compared"})  # fmt: skip
        result["level"] = data["level"].iloc[0]
    else:
        result = data.assign(ci_low=np.nan, ci_high=np.nan, compared="not compared")
    for column in TABLE_COLUMNS:
        if column not in result:
            result[column] = np.nan
    out = result[list(TABLE_COLUMNS)].copy()
    from meam_mapping.indicators.table import unit_text

    out["unit"] = unit_text(data)
    hidden = out["suppressed"].astype(bool)
    out.loc[hidden, ["count", "value", "ci_low", "ci_high"]] = np.nan
    # Why, where the count may be large: "suppressed" alone reads as a small number.
    reasons = dict(zip(data["area_code"].astype(str),
                       data.get("suppression", pd.Series("", index=data.index)).fillna(""),
                       strict=True))  # fmt: skip
    why = out["area_code"].astype(str).map(reasons).fillna("").astype(str)
    out.loc[hidden, "compared"] = [
        "not compared (suppressed)" if w in ("", SMALL) else f"not compared ({hidden_note(w)})"
        for w in why[hidden]
    ]
    for column, digits in (("value", 2), ("ci_low", 2), ("ci_high", 2)):
        out[column] = pd.to_numeric(out[column], errors="coerce").round(digits)
    for column in ("count", "denominator"):
        out[column] = pd.to_numeric(out[column], errors="coerce").round().astype("Int64")
    out.attrs.update(data.attrs)
    return out.sort_values("area_code", ignore_index=True)


#: Label of output made with disclosure control switched off.
NOT_FOR_SHARING = "NOT FOR SHARING: small counts are shown (disclosure control off)"


def scrub_small_numbers(text: str, threshold: int) -> str:
    """Replace whole numbers from 1 to ``threshold - 1`` in a message by "fewer than T"."""
    import re

    def swap(match: re.Match[str]) -> str:
        value = int(match.group(0))
        return f"fewer than {threshold}" if 0 < value < threshold else match.group(0)

    return re.sub(r"(?<![\d.,])\d+(?![\d.,]\d)", swap, text)


def _round_to_base(value: Any, base: int) -> int | None:
    if value is None or not np.isfinite(float(value)):
        return None
    return int(base * np.floor(float(value) / base + 0.5))


def publish_records(
    records: list[dict[str, Any]],
    patterns: pd.DataFrame,
    policy: DisclosurePolicy = DEFAULT_POLICY,
    *,
    by: str | None = None,
) -> list[dict[str, Any]]:
    """Hidden-population records (``hidden`` command) through the gate.

    - a group whose people seen number 1 to ``threshold - 1`` shows no number;
    - a group with any overlap cell of 1 to ``threshold - 1`` shows its seen
      count rounded to 5 and its estimate, interval and hidden count rounded
      to 10, so the small cell cannot be solved back from the estimator's
      formula (e.g. Chapman's ``(n1+1)(n2+1)/(m+1) - 1``);
    - otherwise whole people;
    - warnings never name a small number.

    Parameters
    ----------
    records : list of dict
        As :func:`meam_mapping.estimate.hidden_records` returns them.
    patterns : pandas.DataFrame
        The overlap table the records were made from.
    by : str, optional
        The column the records were split by.
    """
    threshold = policy.threshold
    groups = dict(iter(patterns.groupby(by, sort=True, dropna=False))) if by else {None: patterns}
    out = []
    for record in records:
        key = record.get(by) if by else None
        group = groups.get(key)
        if group is None and by:  # keys come back as plain Python values
            group = next((g for k, g in groups.items() if str(k) == str(key)), patterns)
        counts = pd.to_numeric(group["count"], errors="coerce").fillna(0).to_numpy()
        small_cell = bool(((counts > 0) & (counts < threshold)).any())
        row = dict(record)
        row["warnings"] = [
            scrub_small_numbers(str(w), threshold) for w in record.get("warnings", [])
        ]
        observed = record.get("observed")
        # Chao's lower bound is an estimate too: n + f1(f1 - 1)/(2(f2 + 1)) to six places
        # would give the people seen (rounded to 5 here) back.
        estimates = ("n_hat", "ci_low", "ci_high", "hidden", "chao_lower_bound")
        if observed is not None and 0 < observed < threshold:
            row.update(dict.fromkeys(("observed", *estimates)))
            row["suppressed"] = f"fewer than {threshold} people seen"
        elif small_cell:
            row["observed"] = _round_to_base(observed, 5)
            for key_ in estimates:
                row[key_] = _round_to_base(record.get(key_), 10)
            row["suppressed"] = (
                f"rounded (seen to 5, estimates to 10): some overlaps are fewer than {threshold}"
            )
        else:
            for key_ in ("observed", *estimates):
                value = record.get(key_)
                row[key_] = None if value is None else _round_to_base(value, 1)
            row["suppressed"] = ""
        out.append(row)
    return out
