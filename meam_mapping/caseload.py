"""Caseload planning: from estimated need to coordinators and a first caseload.

Turns estimates of the number of people facing multiple disadvantage (per area
or per focus zone) into the numbers a partnership needs in a workshop: how
many people to reach in year one, how many coordinators that takes, which
zones a first caseload would come from, and what share of estimated need it
covers, each with a range and the assumptions spelt out.

MEAM guidance behind the choices:

* Coordinator ratio: "no more than one coordinator per ten clients (many
  report 1:8 is better)" (MEAM, *The MEAM Approach: Coordination for clients
  and services*). Ratios of 8 to 10 are expected; other whole numbers from 1
  to 30 are accepted with a warning.
* Caseload size: "A small number of the right people is better than a bigger
  group" (MEAM, *The MEAM Approach: Consistency in selecting a caseload*),
  which is why the year-one target is a share of estimated need rather than
  all of it.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from meam_mapping.errors import EstimationError, InputError

__all__ = ["CaseloadPlan", "plan_caseload"]

_TABLE = "caseload estimates"


def _rows(positions: np.ndarray) -> int | list[int]:
    """Spreadsheet row numbers (header = row 1) for 0-based positions."""
    rows = [int(i) + 2 for i in positions]
    return rows[0] if len(rows) == 1 else rows


@dataclass(frozen=True)
class CaseloadPlan:
    """A caseload plan with ranges, assumptions and text for the minutes.

    Attributes
    ----------
    estimate, lower, upper : float
        Estimated people facing multiple disadvantage in all zones (``lower``
        and ``upper`` add up the zones' limits; equal to ``estimate`` when no
        limits were given).
    people_to_reach, people_to_reach_lower, people_to_reach_upper : int
        The year-one target in whole people.
    coordinators, coordinators_lower, coordinators_upper : int
        Coordinators needed: people to reach / ratio, rounded up.
    coordinator_ratio : int
        People per coordinator (8 means 1:8).
    reach_share : float or None
        Share of estimated need to reach in year one (None with a fixed
        ``caseload_size``).
    caseload_size : int or None
        Fixed year-one target, if one was set.
    share_of_need_covered : float
        ``people_to_reach / estimate``.
    first_caseload : DataFrame
        Zones a first caseload would come from, largest estimate first:
        ``zone, estimate, lower, upper, cumulative_estimate``.
    zones_share_of_need : float
        Share of the estimated need living in those zones.
    unit : str
        ``'zone'`` or ``'area_code'``: what the rows were.
    assumptions : tuple of str
        Plain-English sentences for the record.
    warnings : tuple of str
        Anything unusual about the choices.
    method : str
        ``'greedy by estimate'``.
    """

    estimate: float
    lower: float
    upper: float
    people_to_reach: int
    people_to_reach_lower: int
    people_to_reach_upper: int
    coordinators: int
    coordinators_lower: int
    coordinators_upper: int
    coordinator_ratio: int
    reach_share: float | None
    caseload_size: int | None
    share_of_need_covered: float
    first_caseload: pd.DataFrame = field(repr=False)
    zones_share_of_need: float
    unit: str
    assumptions: tuple[str, ...]
    warnings: tuple[str, ...] = ()
    method: str = "greedy by estimate"

    def minutes_text(self) -> str:
        """Return a short paragraph a workshop can paste into its minutes.

        Returns
        -------
        str
            Numbers rounded to whole people, each with its range.
        """
        place = "zone" if self.unit == "zone" else "area"
        n_zones = len(self.first_caseload)
        names = ", ".join(str(z) for z in self.first_caseload["zone"].head(10))
        if n_zones > 10:
            names += f" and {n_zones - 10} more"
        aim = (
            f"a fixed first caseload of {self.caseload_size:,} people"
            if self.caseload_size is not None
            else f"reaching {_pct(self.reach_share)} of them in year one: "
            f"about {self.people_to_reach:,} people"
            f"{_range(self.people_to_reach_lower, self.people_to_reach_upper)}"
        )
        return (
            f"We estimate about {self.estimate:,.0f} people facing multiple disadvantage"
            f"{_range(round(self.lower), round(self.upper))}. The partnership discussed {aim}. "
            f"At one coordinator per {self.coordinator_ratio} people this needs "
            f"{self.coordinators} coordinator{'s' if self.coordinators != 1 else ''}"
            f"{_range(self.coordinators_lower, self.coordinators_upper)}. "
            f"A first caseload would come from {n_zones} {place}{'s' if n_zones != 1 else ''} "
            f"with the most estimated need ({names}), home to about "
            f"{self.zones_share_of_need:.0%} of the estimated need; the caseload itself covers "
            f"about {self.share_of_need_covered:.0%} of it. These are estimates to plan with, "
            "not counts of known people."
        )


def _range(low: float, high: float) -> str:
    return "" if low == high else f" (range {low:,.0f} to {high:,.0f})"


def _pct(share: float) -> str:
    return f"{round(share * 100, 1):g}%"


def _whole(x: float) -> int:
    """Round to whole people, ignoring floating-point dust (84.99999999 -> 85)."""
    return int(math.floor(round(x, 6) + 0.5))


def _check_choices(
    coordinator_ratio: int, reach_share: float | None, caseload_size: int | None
) -> list[str]:
    notes: list[str] = []
    ratio_ok = isinstance(coordinator_ratio, (int, np.integer)) and not isinstance(
        coordinator_ratio, bool
    )
    if not ratio_ok or not 1 <= coordinator_ratio <= 30:
        raise InputError(
            f"coordinator_ratio {coordinator_ratio!r} is not a caseload ratio",
            column="coordinator_ratio",
            expected="a whole number of people per coordinator from 1 to 30 (MEAM: 8 to 10)",
        )
    if not 8 <= coordinator_ratio <= 10:
        notes.append(
            f"A ratio of 1:{coordinator_ratio} is outside the 1:8 to 1:10 MEAM areas report "
            "working well."
        )
    if caseload_size is not None:
        if isinstance(caseload_size, bool) or not isinstance(caseload_size, (int, np.integer)):
            raise InputError(
                f"caseload_size {caseload_size!r} is not a whole number", column="caseload_size"
            )
        if caseload_size < 1:
            raise InputError("caseload_size must be 1 or more", column="caseload_size")
        if reach_share is not None:
            notes.append("A fixed caseload size was given, so the reach share was not used.")
    elif reach_share is None:
        raise InputError(
            "no year-one target was given",
            column="reach_share",
            expected="reach_share (a share from 0 to 1) or caseload_size (a number of people)",
        )
    else:
        if isinstance(reach_share, bool) or not isinstance(reach_share, (int, float)):
            raise InputError(f"reach_share {reach_share!r} is not a number", column="reach_share")
        if not 0 < reach_share <= 1:
            fix = (
                f"For {reach_share:g}% enter {reach_share / 100:g}"
                if 1 < reach_share <= 100
                else None
            )
            raise InputError(
                f"reach_share {reach_share!r} is not a share",
                column="reach_share",
                expected="a share above 0 and at most 1 (0.1 means 10%)",
                fix=fix,
            )
    return notes


def _tidy(estimates: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """Validate and total the estimates per zone (or per area)."""
    if not isinstance(estimates, pd.DataFrame):
        raise InputError(f"the {_TABLE} must be a table", expected="a pandas DataFrame")
    unit = "zone" if "zone" in estimates.columns else "area_code"
    needed = [unit, "estimate"]
    absent = [c for c in needed if c not in estimates.columns]
    if absent or estimates.empty:
        raise InputError(
            f"the {_TABLE} have no {' or '.join(absent) if absent else 'rows'}",
            file=_TABLE,
            column=absent or None,
            expected="columns zone (or area_code) and estimate, optionally lower and upper",
        )
    cols = ["estimate"] + [c for c in ("lower", "upper") if c in estimates.columns]
    values = {}
    for col in cols:
        v = pd.to_numeric(estimates[col], errors="coerce")
        bad = np.flatnonzero((v.isna() | (v < 0)).to_numpy())
        if bad.size:
            raise InputError(
                f"{bad.size} {col} value(s) are missing, not numbers or negative",
                file=_TABLE,
                row=_rows(bad),
                column=col,
                expected="a number of people of 0 or more",
            )
        values[col] = v.to_numpy(dtype=float)
    values.setdefault("lower", values["estimate"])
    values.setdefault("upper", values["estimate"])
    bad = np.flatnonzero(
        (values["lower"] > values["estimate"] + 1e-9)
        | (values["upper"] < values["estimate"] - 1e-9)
    )
    if bad.size:
        raise InputError(
            f"{bad.size} row(s) have an estimate outside their lower to upper range",
            file=_TABLE,
            row=_rows(bad),
            column=["lower", "estimate", "upper"],
            expected="lower <= estimate <= upper",
        )
    keys = estimates[unit].astype(str).to_numpy()
    if unit == "area_code":
        dupes = np.flatnonzero(pd.Index(keys).duplicated(keep=False))
        if dupes.size:
            raise InputError(
                "some area codes appear more than once",
                file=_TABLE,
                row=_rows(dupes),
                column="area_code",
                expected="one row per area (or a zone column to add areas up by zone)",
            )
    frame = pd.DataFrame({"zone": keys, **values})
    totals = frame.groupby("zone", sort=True)[["estimate", "lower", "upper"]].sum()
    return totals.reset_index(), unit


def plan_caseload(
    estimates: pd.DataFrame,
    *,
    coordinator_ratio: int = 8,
    reach_share: float | None = None,
    caseload_size: int | None = None,
    total: tuple[float, float, float] | None = None,
) -> CaseloadPlan:
    """Size a first caseload and its coordinators from estimated need.

    Parameters
    ----------
    estimates : DataFrame
        One row per area (``area_code``) or per area with its ``zone``:
        ``estimate`` and optional ``lower`` / ``upper`` people facing multiple
        disadvantage. With a ``zone`` column, areas are added up by zone.
    coordinator_ratio : int, default 8
        People per coordinator: 8 (1:8) or 10 (1:10) as MEAM guidance
        suggests ("no more than one coordinator per ten clients (many report
        1:8 is better)"); any whole number from 1 to 30 is accepted, with a
        warning outside 8 to 10.
    reach_share : float, optional
        Share (0 to 1) of the estimated population to reach in year one.
    caseload_size : int, optional
        A fixed year-one target in people; used instead of ``reach_share``.
        MEAM: "A small number of the right people is better than a bigger
        group".
    total : tuple of (estimate, lower, upper), optional
        The estimated total and its 95% interval, computed for the total
        (e.g. the analysis's headline). Without it the total is the sum of
        the rows and its range adds up their limits, which is wider than a
        95% interval.

    Returns
    -------
    CaseloadPlan
        Targets and coordinators with ranges, the zones a first caseload
        would come from, assumptions and :meth:`CaseloadPlan.minutes_text`.

    Raises
    ------
    InputError
        For a bad table or choice, naming what to change.
    EstimationError
        When the estimates add up to nobody.

    Notes
    -----
    People to reach = ``reach_share`` x estimate, rounded to whole people
    (limits from the lower and upper totals); coordinators = people / ratio,
    rounded up. Zones are taken greedily, largest estimate first (ties by
    name), until their estimates add up to the target.

    Examples
    --------
    >>> est = pd.DataFrame({"zone": ["A", "B"], "estimate": [100.0, 70.0]})
    >>> plan = plan_caseload(est, coordinator_ratio=8, reach_share=0.5)
    >>> plan.people_to_reach, plan.coordinators
    (85, 11)
    """
    notes = _check_choices(coordinator_ratio, reach_share, caseload_size)
    zones, unit = _tidy(estimates)
    if total is not None:
        total, low, high = (float(v) for v in total)
        if not low <= total <= high:
            raise InputError(
                f"the total {total:,.0f} is not inside its interval {low:,.0f} to {high:,.0f}",
                expected="total as (estimate, lower, upper)",
            )
        spread = "the range is the 95% interval of the total estimate"
    else:
        total, low, high = (float(zones[c].sum()) for c in ("estimate", "lower", "upper"))
        spread = (
            "the range adds up the lower and upper limits of each, so it is wide rather than exact"
        )
    if total <= 0:
        raise EstimationError(
            "the estimates add up to nobody, so there is no caseload to plan; check the "
            "estimate column"
        )
    ratio = int(coordinator_ratio)
    if caseload_size is not None:
        target = target_low = target_high = int(caseload_size)
        if caseload_size > high:
            notes.append(
                f"The fixed caseload of {caseload_size:,} is more than the upper estimate of "
                f"{high:,.0f} people."
            )
        share = None
    else:
        share = float(reach_share)  # type: ignore[arg-type]
        target, target_low, target_high = (_whole(share * v) for v in (total, low, high))
    coordinators = [-(-max(t, 0) // ratio) for t in (target, target_low, target_high)]
    ordered = zones.sort_values(["estimate", "zone"], ascending=[False, True], kind="stable")
    cumulative = ordered["estimate"].cumsum().to_numpy()
    n_take = min(int(np.searchsorted(cumulative, target - 1e-9)) + 1, len(ordered))
    first = ordered.iloc[:n_take].reset_index(drop=True)
    first["cumulative_estimate"] = cumulative[:n_take]
    for note in notes:
        warnings.warn(note, UserWarning, stacklevel=2)
    place = "zones" if unit == "zone" else "areas"
    aim = (
        f"The year-one target is a fixed caseload of {target:,} people."
        if share is None
        else f"The year-one target is {_pct(share)} of the estimated population, rounded to "
        "whole people."
    )
    assumptions = (
        f"The estimate counts people facing multiple disadvantage in {len(zones)} {place}; "
        f"{spread}.",
        aim,
        f"Each coordinator works with at most {ratio} people at a time (1:{ratio}), rounded up "
        "to whole coordinators; MEAM advises no more than 1:10 and many areas find 1:8 better.",
        f"A first caseload is drawn from the {place} with the most estimated need, largest "
        "first, until their estimates reach the target.",
        "Everyone reached stays on the caseload for the whole year (no turnover).",
    )
    return CaseloadPlan(
        estimate=total,
        lower=low,
        upper=high,
        people_to_reach=target,
        people_to_reach_lower=target_low,
        people_to_reach_upper=target_high,
        coordinators=coordinators[0],
        coordinators_lower=coordinators[1],
        coordinators_upper=coordinators[2],
        coordinator_ratio=ratio,
        reach_share=share,
        caseload_size=None if caseload_size is None else int(caseload_size),
        share_of_need_covered=target / total,
        first_caseload=first,
        zones_share_of_need=float(first["estimate"].sum()) / total,
        unit=unit,
        assumptions=assumptions,
        warnings=tuple(notes),
    )
