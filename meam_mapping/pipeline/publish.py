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
    GROUPED,
    SECONDARY,
    carry_mark,
    WITHHELD,
    DisclosurePolicy,
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
)
from meam_mapping.schema import LEVELS

if TYPE_CHECKING:
    import geopandas as gpd

    from meam_mapping.caseload import CaseloadPlan
    from meam_mapping.pipeline.hidden import Headline, HiddenResult

__all__ = [
    "category_layer",
    "publish_overlap",
    "display_table",
    "estimates_slice",
    "headline_of",
    "map_slice",
    "publish_caseload",
    "publish_headline",
    "publish_hidden",
    "publish_index",
    "publish_indicators",
    "publish_people",
    "publish_small_area",
    "publish_zones",
    "published_table",
    "score_slice",
    "small_area_slice",
]


def publish_indicators(
    raw: pd.DataFrame, dataset: Dataset, policy: DisclosurePolicy = DEFAULT_POLICY
) -> pd.DataFrame:
    """Every indicator at every level with the policy applied to all levels together.

    Indicators that add up to another (Persons = Male + Female) are suppressed
    together, so no difference between them gives a hidden count back.
    """
    linked = linked_groups(raw["indicator"].unique()) or None
    return suppress_indicators(raw, policy, parent_of=parent_lookup(dataset),
                               linked_indicators=linked)  # fmt: skip


def map_slice(
    dataset: Dataset,
    indicator: str,
    period: str | None,
    level: str | None,
    policy: DisclosurePolicy = DEFAULT_POLICY,
) -> pd.DataFrame:
    """The rows of one level, after the disclosure policy across all levels.

    The policy sees every level at once, so a suppressed LSOA cannot be
    recovered from its MSOA total minus the other LSOAs.
    """
    table, native = indicator_all_levels(dataset, indicator, period)
    level = level or native
    if level not in set(table["level"]):
        available = [lvl for lvl in LEVELS if lvl in set(table["level"])]
        raise InputError(
            f"indicator {indicator!r} cannot be shown at level {level!r}",
            expected="one of " + ", ".join(available),
            fix="Choose one of those levels: data at a coarse level (e.g. districts) cannot be split "
            "into smaller areas, and figures without counts (scores, ranks, deciles) cannot be added up",
        )
    if table["count"].notna().any() or table["suppressed"].any():
        group = group_of(dataset, indicator)
        if len(group) > 1:  # Persons = Male + Female: decide their suppression together
            period = str(table["period"].iloc[0])
            members = [table] + [
                indicator_all_levels(dataset, other, period)[0] for other in group if other != indicator
            ]
            joint = pd.concat(members, ignore_index=True)
            safe = suppress_indicators(joint, policy, parent_of=parent_lookup(dataset),
                                       linked_indicators={group[0]: group[1:]})  # fmt: skip
            safe = carry_mark(safe, safe.loc[safe["indicator"] == indicator])
        else:
            safe = suppress_indicators(table, policy, parent_of=parent_lookup(dataset))
    else:  # values only (e.g. a score): nothing to suppress
        safe = mark_no_counts(table)
    part = safe.loc[safe["level"] == level].reset_index(drop=True)
    names = dataset.areas[level].set_index("area_code")["area_name"]
    part["area_name"] = part["area_code"].map(names)
    part.attrs.update(safe.attrs)
    return part


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
    whole["hidden"] = None if whole["n_hat"] is None else _round_to_base(data["hidden"], estimate_base)
    share = headline.hidden_share
    out |= whole
    out["hidden_share"] = None if not np.isfinite(share) else round(float(share), 2)
    out["suppressed"] = False
    out["rounding"] = (
        f"seen rounded to 5, estimates to 10 (some overlaps are fewer than {policy.threshold})"
        if small_cells
        else ""
    )
    return out


def headline_of(
    hidden: HiddenResult | None, policy: DisclosurePolicy = DEFAULT_POLICY, *, pooled: bool = False
) -> dict[str, Any] | None:
    """The published headline (or the one-model figure) of a hidden-population result."""
    if hidden is None:
        return None
    small_total, _ = hidden.small_cells(policy.threshold)
    return publish_headline(hidden.pooled if pooled else hidden.headline, policy, small_cells=small_total)


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
    frame["rounding"] = np.where(rounded, "rounded: some overlaps are small", "")
    return suppress_counts(
        frame,
        ["observed"],
        policy,
        total_row={"area_code": "Total"} if len(rows) > 1 else None,
        derived={"observed": ["n_hat", "ci_low", "ci_high", "hidden", "hidden_share"]},
    )


def publish_overlap(hidden: HiddenResult, policy: DisclosurePolicy = DEFAULT_POLICY) -> pd.DataFrame:
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
def estimates_slice(
    dataset: Dataset,
    published: pd.DataFrame,
    *,
    column: str = "n_hat",
    policy: DisclosurePolicy = DEFAULT_POLICY,
) -> tuple[pd.DataFrame, str]:
    """Per-area estimates as a map slice: people per 1,000 adults, or hidden share.

    Parameters
    ----------
    published : pandas.DataFrame
        :func:`publish_hidden`'s table (area rows and the ``'Total'`` row).
    column : {'n_hat', 'hidden_share'}
        Map the estimated number of people (as a rate per 1,000 adults of
        the area) or the share of them no service saw (per cent).

    Returns
    -------
    data : pandas.DataFrame
        A suppressed slice for the map writers.
    level : str
        The level of the areas.
    """
    rows = published.loc[published["area_code"].astype(str) != "Total"].copy()
    if rows.empty:
        raise InputError(
            "the overlap table has no areas, so the estimates cannot be mapped",
            column="area_code",
            fix="Add an area_code column to the overlap table (one block of patterns per district)",
        )
    level = dataset.level_of(rows["area_code"].astype(str))
    rows = rows.loc[rows["area_code"].isin(dataset.areas[level]["area_code"])]
    adults = _adults_at(dataset, level)
    hidden = rows["suppressed"].astype(bool).to_numpy()
    out = pd.DataFrame({"area_code": rows["area_code"].astype(str).to_numpy()})
    if column == "hidden_share":
        out["count"] = np.nan
        out["denominator"] = np.nan
        out["value"] = np.where(hidden, np.nan, 100 * rows["hidden_share"].to_numpy(dtype=float))
        out["unit"] = "percent"
        out["unit_label"] = "% of estimated people seen by no service"
    else:
        out["count"] = rows["n_hat"].to_numpy(dtype=float)
        out["denominator"] = out["area_code"].map(adults) if adults is not None else np.nan
        out["value"] = 1000 * out["count"] / out["denominator"]
        out["unit"] = "per_1000"
        out["unit_label"] = "estimated people per 1,000 adults"
    out["indicator"] = f"estimate_{column}"
    out["indicator_name"] = (
        "Estimated people facing multiple disadvantage"
        if column == "n_hat"
        else "Share hidden from every service"
    )
    out["domain"] = "context"
    out["period"] = ""
    out["source"] = "Multiple systems estimation (MEAM Mapping)"
    out["level"] = level
    out["suppressed"] = hidden
    out["suppression"] = rows["suppression"].fillna("").to_numpy() if "suppression" in rows else ""
    out["count"] = np.where(hidden, np.nan, out["count"])
    out.loc[hidden, "value"] = np.nan
    if column == "hidden_share":
        safe = mark_no_counts(out)
        safe["suppressed"] = hidden
    else:
        safe = suppress_indicators(out.drop(columns="suppression"), policy)
    return safe, level


def _adults_at(dataset: Dataset, level: str) -> pd.Series | None:
    """Adults (the denominator of the first counted indicator) per area at ``level``."""
    counted = dataset.catalogue().query("has_counts")["indicator"]
    if not len(counted):
        return None
    table, _ = indicator_all_levels(dataset, counted.iloc[0])
    at_level = table.loc[table["level"] == level].drop_duplicates("area_code")
    return at_level.set_index("area_code")["denominator"]


def score_slice(scores: pd.DataFrame, *, name: str, unit: str = "index score") -> pd.DataFrame:
    """A map slice of a score that is not a count (marked as carrying no counts)."""
    out = pd.DataFrame(
        {
            "area_code": scores["area_code"].astype(str).to_numpy(),
            "count": np.nan,
            "denominator": np.nan,
            "value": scores["score"].to_numpy(dtype=float),
            "suppressed": False,
            "unit": unit,
            "indicator_name": name,
        }
    )
    return mark_no_counts(out)


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
    ranked = frame["score"].rank(method="first", ascending=True)
    frame["index_decile"] = np.ceil(10 * ranked / ranked.count()).astype("Int64")
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


def publish_small_area(result: Any, names: pd.Series) -> pd.DataFrame:
    """Small-area estimates (LSOA and coarser levels) as they may be published.

    Estimates and limits are rounded to the nearest 5 people and the hidden
    share to whole per cent, so neither a known count nor a district figure
    can be solved back from them.
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
    return mark_no_counts(out.assign(count=np.nan)).drop(columns="count")


def small_area_slice(
    dataset: Dataset, published: pd.DataFrame, level: str, *, column: str = "n_hat"
) -> pd.DataFrame:
    """A map slice of :func:`publish_small_area`'s table at ``level``.

    ``column='n_hat'`` maps estimated people per 1,000 adults, ``'hidden_share'``
    the per cent of them no service sees; the rounded 95% interval of the
    estimated people is a tooltip column.
    """
    rows = published.loc[published["level"] == level].copy()
    if rows.empty:
        raise InputError(f"there are no small-area estimates at level {level!r}",
                         expected="one of " + ", ".join(dict.fromkeys(published["level"])))  # fmt: skip
    adults = _adults_at(dataset, level)
    out = pd.DataFrame({"area_code": rows["area_code"].astype(str).to_numpy()})
    out["count"] = np.nan
    if column == "hidden_share":
        out["denominator"] = np.nan
        out["value"] = rows["hidden_share"].to_numpy(dtype=float)
        out["unit"], out["unit_label"] = "percent", "% of estimated people seen by no service"
        out["indicator_name"] = "Share of people facing multiple disadvantage seen by no service"
    else:
        out["denominator"] = out["area_code"].map(adults) if adults is not None else np.nan
        out["value"] = (rows["n_hat"].to_numpy(dtype=float) / out["denominator"] * 1000).round(1)
        out["unit"], out["unit_label"] = "per_1000", "estimated people per 1,000 adults"
        out["indicator_name"] = "Estimated people facing multiple disadvantage, known and hidden"
    out["Estimated people (95% interval)"] = [
        f"{n:,.0f} ({lo:,.0f} to {hi:,.0f})"
        for n, lo, hi in zip(rows["n_hat"], rows["ci_low"], rows["ci_high"], strict=True)
    ]
    out["indicator"] = f"small_area_{column}"
    out["domain"] = "context"
    out["period"] = ""
    out["source"] = "Small-area estimates (MEAM Mapping), rounded to 5 people"
    out["level"] = level
    out["suppressed"] = False
    return mark_no_counts(out)


def category_layer(
    areas: gpd.GeoDataFrame, categories: pd.Series, *, keep: list[str] | None = None
) -> gpd.GeoDataFrame:
    """Areas with a ``category`` column for a switchable map layer.

    Parameters
    ----------
    categories : pandas.Series
        Category per area, indexed by area code.
    keep : list of str, optional
        Only these categories are drawn (e.g. leave out "Not significant").
    """
    layer = areas[["area_code", "area_name", "geometry"]].copy()
    layer["category"] = layer["area_code"].map(categories).astype(str)
    if keep is not None:
        layer = layer.loc[layer["category"].isin(keep)]
    return layer.reset_index(drop=True)


def display_table(data: pd.DataFrame, threshold: int | None = None) -> pd.DataFrame:
    """The map as a table for people: one row per area, highest rate first.

    Numbers stay numbers (so columns sort as numbers); a hidden count, rate
    or interval is an empty cell, and the ``Note`` column says why: "fewer
    than 5" for a small count, "hidden to protect a small number nearby" for
    a secondary suppression, "withheld by the source", or "no data". Counts
    are whole numbers and rates have one decimal place.
    """
    from meam_mapping.indicators.table import unit_text

    threshold = threshold or _threshold_of(data)
    unit = unit_text(data)
    ordered = data.sort_values("value", ascending=False, na_position="last")
    hidden = ordered["suppressed"].astype(bool).to_numpy()
    reason = (
        ordered["suppression"].fillna("").astype(str).to_numpy()
        if "suppression" in ordered
        else np.full(len(ordered), "")
    )
    count = pd.to_numeric(ordered["count"], errors="coerce").to_numpy(dtype=float, copy=True)
    value = pd.to_numeric(ordered["value"], errors="coerce").to_numpy(dtype=float, copy=True)
    count[hidden] = np.nan
    value[hidden] = np.nan
    notes = []
    for is_hidden, why, v in zip(hidden, reason, value, strict=True):
        if is_hidden and why == SECONDARY:
            notes.append("hidden to protect a small number nearby")
        elif is_hidden and why == GROUPED:
            notes.append("hidden with other small numbers in this group")
        elif is_hidden and why == WITHHELD:
            notes.append("withheld by the source")
        elif is_hidden:
            notes.append(f"fewer than {threshold}" if threshold else "small number hidden")
        elif np.isnan(v):
            notes.append("no data")
        else:
            notes.append("")
    rate = f"Rate ({unit})" if unit else "Value"
    return pd.DataFrame(
        {
            "Area": ordered.get("area_name", ordered["area_code"]).to_numpy(),
            "Code": ordered["area_code"].to_numpy(),
            "Count": pd.array(np.round(count), dtype="Int64"),
            "Population": pd.array(
                np.round(pd.to_numeric(ordered["denominator"], errors="coerce").to_numpy(dtype=float)),
                dtype="Int64",
            ),
            rate: np.round(value, 1),
            "Note": notes,
        }
    )


def _threshold_of(data: pd.DataFrame) -> int | None:
    text = str(data.attrs.get("disclosure_policy", ""))
    import re

    match = re.search(r"fewer than (\d+)", text)
    return int(match.group(1)) if match else None


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
    out.loc[hidden, "compared"] = "not compared (suppressed)"
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
        row["warnings"] = [scrub_small_numbers(str(w), threshold) for w in record.get("warnings", [])]
        observed = record.get("observed")
        if observed is not None and 0 < observed < threshold:
            row.update(dict.fromkeys(("observed", "n_hat", "ci_low", "ci_high", "hidden")))
            row["suppressed"] = f"fewer than {threshold} people seen"
        elif small_cell:
            row["observed"] = _round_to_base(observed, 5)
            for key_ in ("n_hat", "ci_low", "ci_high", "hidden"):
                row[key_] = _round_to_base(record.get(key_), 10)
            row["suppressed"] = (
                f"rounded (seen to 5, estimates to 10): some overlaps are fewer than {threshold}"
            )
        else:
            for key_ in ("observed", "n_hat", "ci_low", "ci_high", "hidden"):
                value = record.get(key_)
                row[key_] = None if value is None else _round_to_base(value, 1)
            row["suppressed"] = ""
        out.append(row)
    return out
