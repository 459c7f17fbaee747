"""Suppressed tables of :func:`meam_mapping.analysis.run_analysis` (private).

Each function turns a working result into a table that has been through the
disclosure policy, ready to show or export.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from meam_mapping.caseload import CaseloadPlan
from meam_mapping.disclosure import DisclosurePolicy, suppress_counts

__all__ = ["publish_caseload", "publish_hidden", "publish_people", "publish_zones"]


# ----------------------------------------------------------------- publishing
def publish_hidden(hidden: pd.DataFrame, policy: DisclosurePolicy) -> pd.DataFrame:
    """District estimates with the observed count (and what follows from it) suppressed."""
    frame = hidden[
        ["area_code", "area_name", "observed", "n_hat", "ci_low", "ci_high", "hidden", "method"]
    ].copy()
    frame["model"] = hidden["model"].map(_model_text)
    total = {"area_code": frame["area_code"].iloc[-1]} if len(frame) > 1 else None
    return suppress_counts(
        frame,
        ["observed"],
        policy,
        total_row=total,
        derived={"observed": ["n_hat", "ci_low", "ci_high", "hidden"]},
    )


def _model_text(model: Any) -> str:
    if isinstance(model, (list, tuple)):
        return " + ".join(map(str, model)) if model else "none (independent lists)"
    return "" if model is None or (isinstance(model, float) and np.isnan(model)) else str(model)


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
    """Estimated people per area, hidden wherever the known count is hidden."""
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
            "estimated_people": np.where(hidden, np.nan, people["estimate"].round(1)),
            "lower": np.where(hidden, np.nan, people["lower"].round(1)),
            "upper": np.where(hidden, np.nan, people["upper"].round(1)),
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
    frame["people_per_1000_adults"] = zones["rate_per_1000"].round(2)
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
