r"""Change over time: each area's rate in one period against an earlier one.

For one indicator at one level, the published slices of two periods
(:func:`~meam_mapping.pipeline.publish.map_slice`) are matched by area and
each area's rate ratio (later rate / earlier rate) is given with its 95%
confidence interval. An area whose count is hidden in either period is not
compared. Two periods are compared only when their definitions match (the
same unit); areas present in only one period (changed boundaries) are left
out and counted in :attr:`ChangeResult.note`.

Notes
-----
With counts :math:`a` (earlier) and :math:`b` (later) over fixed
denominators :math:`n_a` and :math:`n_b`, the rate ratio is
:math:`RR = (b / n_b) / (a / n_a)` and its 95% interval is
:math:`\exp(\log RR \pm 1.96 \sqrt{1/a + 1/b})`, treating the counts as
independent Poisson counts (Rothman, Greenland & Lash, *Modern
Epidemiology*, 3rd edn, 2008, ch. 14). A change is significant when the
interval excludes 1. Areas with a zero count in either period have no
finite ratio and are "Not compared".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from meam_mapping.dataset import Dataset
from meam_mapping.disclosure import DEFAULT_POLICY, DisclosurePolicy
from meam_mapping.errors import InputError
from meam_mapping.pipeline.compare import NOT_COMPARED, NOT_SHOWN, indicator_polarity

__all__ = [
    "CHANGE_COLOURS",
    "area_trend",
    "ChangeResult",
    "change_between",
    "change_legend",
    "change_slice",
    "change_table",
    "changes_over_time",
    "rate_ratio",
]

#: Category -> colour (Paul Tol's colour-blind safe sets, as the benchmark colours).
CHANGE_COLOURS: dict[str, str] = {
    "Improved": "#4477AA",
    "No significant change": "#DDCC77",
    "Got worse": "#CC3311",
    "Went down": "#88CCEE",
    "Went up": "#332288",
    NOT_COMPARED: "#BBBBBB",
}

_WORDS = {
    "higher_is_worse": ("Got worse", "Improved"),
    "lower_is_worse": ("Improved", "Got worse"),
    "neutral": ("Went up", "Went down"),
}


@dataclass(frozen=True)
class ChangeResult:
    """Rate ratios between two periods, per area, published.

    Attributes
    ----------
    table : pandas.DataFrame
        ``area_code, area_name, rate_before, rate_after, ratio, lower, upper,
        suppressed, category`` (empty figures where an area is not shown).
    before, after : str
        The periods compared.
    categories : tuple of str
        Legend order of the categories, then "Not compared".
    unit : str
        The rates' unit.
    note : str
        Whether the geography matched, in words.
    """

    table: pd.DataFrame
    before: str
    after: str
    categories: tuple[str, ...]
    unit: str
    note: str

    @property
    def legend_title(self) -> str:
        """Legend heading: what is compared and at which level."""
        return f"Change from {self.before} to {self.after} (rate ratio, 95% confidence)"


def rate_ratio(
    count_before: np.ndarray, denominator_before: np.ndarray,
    count_after: np.ndarray, denominator_after: np.ndarray, *, confidence: float = 0.95,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Rate ratio (after / before) with its log-normal Poisson interval.

    Returns
    -------
    ratio, lower, upper : numpy.ndarray
        NaN where a count is zero or missing.
    """
    a = np.asarray(count_before, dtype=float)
    b = np.asarray(count_after, dtype=float)
    na = np.asarray(denominator_before, dtype=float)
    nb = np.asarray(denominator_after, dtype=float)
    ok = (a > 0) & (b > 0) & (na > 0) & (nb > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(ok, (b / nb) / (a / na), np.nan)
        se = np.where(ok, np.sqrt(1 / a + 1 / b), np.nan)
    z = stats.norm.ppf(0.5 + confidence / 2)
    return ratio, ratio * np.exp(-z * se), ratio * np.exp(z * se)


def change_between(
    dataset: Dataset,
    indicator: str,
    before: str,
    after: str,
    level: str | None,
    policy: DisclosurePolicy = DEFAULT_POLICY,
) -> ChangeResult:
    """Each area's change in rate from ``before`` to ``after``, from published slices.

    Raises
    ------
    InputError
        For the same period twice, a period the indicator lacks, a change of
        unit between the periods, or no area in common.
    """
    from meam_mapping.pipeline.publish import map_slice

    periods = list(dataset.catalogue().set_index("indicator").loc[indicator, "periods"])
    for period in (before, after):
        if period not in periods:
            raise InputError(f"indicator {indicator!r} has no period {period!r}",
                             expected="one of " + ", ".join(map(str, periods)))  # fmt: skip
    if before == after:
        raise InputError("choose two different periods to compare",
                         expected="two of " + ", ".join(map(str, periods)))  # fmt: skip
    first = map_slice(dataset, indicator, before, level, policy)
    second = map_slice(dataset, indicator, after, level, policy)
    units = {str(first["unit"].iloc[0]), str(second["unit"].iloc[0])}
    if len(units) > 1:
        raise InputError(
            f"{indicator!r} changed its definition between {before} and {after} "
            f"(units {' and '.join(sorted(units))}), so the periods cannot be compared",
            fix="Compare periods measured the same way",
        )
    merged = first.merge(second, on="area_code", suffixes=("_before", "_after"))
    only = len(set(first["area_code"]) ^ set(second["area_code"]))
    if merged.empty:
        raise InputError(f"{before} and {after} share no areas, so nothing can be compared",
                         fix="Load both periods on the same boundaries")  # fmt: skip
    note = ("Both periods cover the same areas." if not only else
            f"{only} areas appear in only one period (boundaries changed?) and are not compared.")  # fmt: skip
    hidden = (
        merged["suppressed_before"].astype(bool) | merged["suppressed_after"].astype(bool)
    ).to_numpy()
    ratio, lower, upper = rate_ratio(merged["count_before"], merged["denominator_before"],
                                     merged["count_after"], merged["denominator_after"])  # fmt: skip
    polarity = indicator_polarity(dataset, indicator)
    up, down = _WORDS[polarity]
    category = np.where(lower > 1, up, np.where(upper < 1, down, "No significant change"))
    category = np.where(np.isfinite(ratio), category, NOT_COMPARED).astype(object)
    category[hidden] = NOT_SHOWN
    for column in (ratio, lower, upper):
        column[hidden] = np.nan
    names = dataset.areas[str(second["level"].iloc[0])].set_index("area_code")["area_name"]
    table = pd.DataFrame({
        "area_code": merged["area_code"].astype(str),
        "area_name": merged["area_code"].map(names).fillna(merged["area_code"]).astype(str),
        "rate_before": np.where(hidden, np.nan, merged["value_before"].astype(float)),
        "rate_after": np.where(hidden, np.nan, merged["value_after"].astype(float)),
        "ratio": ratio, "lower": lower, "upper": upper, "suppressed": hidden, "category": category,
    })  # fmt: skip
    order = ("Improved", "No significant change", "Got worse")
    if polarity == "neutral":
        order = ("Went up", "No significant change", "Went down")
    from meam_mapping.indicators.table import unit_text

    return ChangeResult(table, str(before), str(after), (*order, NOT_COMPARED),
                        unit_text(second), note)  # fmt: skip


def change_slice(after: pd.DataFrame, change: ChangeResult) -> pd.DataFrame:
    """The later period's published slice recoloured by change (for a category map).

    ``value`` becomes the rate ratio and ``count``/``denominator`` are left
    empty (a ratio is not a count); an area hidden in either period is
    suppressed; the tooltip column "Change (95% interval)" says it in words.
    """
    out = after.copy()
    rows = change.table.set_index("area_code")
    codes = out["area_code"].astype(str)
    out["value"] = codes.map(rows["ratio"]).to_numpy(dtype=float)
    out["count"] = np.nan
    out["denominator"] = np.nan
    out["suppressed"] = out["suppressed"].astype(bool).to_numpy() | codes.map(
        rows["suppressed"]).fillna(False).astype(bool).to_numpy()  # fmt: skip
    out["category"] = codes.map(rows["category"]).fillna(NOT_COMPARED).to_numpy()
    out.loc[out["suppressed"], ["value", "category"]] = [np.nan, NOT_SHOWN]
    out["unit_label"] = f"rate ratio, {change.after} / {change.before}"
    text = {
        code: (f"{r.category}: ×{r.ratio:.2f} ({r.lower:.2f} to {r.upper:.2f})"
               if np.isfinite(r.ratio) else str(r.category))
        for code, r in rows.iterrows()
    }  # fmt: skip
    out["Change (95% interval)"] = codes.map(text).fillna(NOT_COMPARED).to_numpy()
    out.loc[out["suppressed"], "Change (95% interval)"] = NOT_SHOWN
    return out


def change_legend(change: ChangeResult) -> tuple[tuple[str, str], ...]:
    """``(label, colour)`` pairs for the map legend ("Not compared" only when an area is)."""
    present = set(change.table["category"])
    return tuple(
        (c, CHANGE_COLOURS[c]) for c in change.categories if c != NOT_COMPARED or c in present
    )


def change_table(change: ChangeResult) -> pd.DataFrame:
    """The change per area as a table for people, biggest rise first (numbers stay numbers)."""
    t = change.table.sort_values("ratio", ascending=False, na_position="last")
    return pd.DataFrame({
        "Area": t["area_name"], "Code": t["area_code"],
        f"Rate {change.before}": t["rate_before"].round(1),
        f"Rate {change.after}": t["rate_after"].round(1),
        "Rate ratio": t["ratio"].round(2), "95% lower": t["lower"].round(2),
        "95% upper": t["upper"].round(2), "Change": t["category"],
    })  # fmt: skip


def changes_over_time(
    dataset: Dataset, level: str, policy: DisclosurePolicy = DEFAULT_POLICY
) -> pd.DataFrame:
    """The change between the two latest periods of every indicator that has two or more.

    The same figures as the Map page's change mode, for the evidence pack: one
    block of rows per indicator, built from the published slices of both
    periods, so nothing hidden in either period is shown.

    Parameters
    ----------
    dataset : Dataset
        The data.
    level : str
        The level of areas (indicators not available there are left out).
    policy : DisclosurePolicy
        Small-number policy.

    Returns
    -------
    pandas.DataFrame
        ``indicator, indicator_name, before, after`` then the columns of
        :func:`change_table`, marked as published; empty when no indicator
        has two periods at ``level``. ``attrs['notes']`` says which
        indicators could not be compared and why.
    """
    from meam_mapping.disclosure.marks import mark_no_counts

    blocks, notes = [], []
    for entry in dataset.catalogue().itertuples(index=False):
        periods = list(entry.periods)
        if len(periods) < 2 or not entry.has_counts:  # a rate ratio needs counts
            continue
        try:
            change = change_between(dataset, entry.indicator, periods[-2], periods[-1], level,
                                    policy)  # fmt: skip
        except InputError as err:
            notes.append(f"{entry.indicator}: {getattr(err, 'message', err)}")
            continue
        table = change_table(change)
        table.insert(0, "after", change.after)
        table.insert(0, "before", change.before)
        table.insert(0, "indicator_name", entry.indicator_name)
        table.insert(0, "indicator", entry.indicator)
        # The rates are the published ones of each period (hidden areas blank).
        blocks.append(table.rename(columns={f"Rate {change.before}": "Rate before",
                                            f"Rate {change.after}": "Rate after"}))  # fmt: skip
    out = pd.concat(blocks, ignore_index=True) if blocks else pd.DataFrame()
    out = mark_no_counts(out)
    out.attrs["notes"] = notes
    return out


def area_trend(
    dataset: Dataset, area_code: str, level: str, policy: DisclosurePolicy = DEFAULT_POLICY
) -> pd.DataFrame:
    """One area's published rate in every period, for indicators with two or more periods.

    Returns
    -------
    pandas.DataFrame
        ``indicator, indicator_name, period, count, value, change`` (periods
        in time order). ``change`` is the change from the previous period, in
        words, as on the Map page's change mode ("Not shown" where either
        period's figure is hidden); empty on an indicator's first period.
        Empty when no indicator has two periods at this level.
    """
    from meam_mapping.pipeline.publish import map_slice

    catalogue = dataset.catalogue()
    rows = []
    for entry in catalogue.itertuples(index=False):
        periods = [str(p) for p in entry.periods]
        if len(periods) < 2 or not entry.has_counts:
            continue
        words = _WORDS[indicator_polarity(dataset, entry.indicator)]
        previous = None
        for period in periods:
            try:
                data = map_slice(dataset, entry.indicator, period, level, policy)
            except InputError:
                break
            mine = data.loc[data["area_code"].astype(str) == str(area_code)]
            if mine.empty:
                break
            r = mine.iloc[0]
            hidden = bool(r["suppressed"])
            change = ""
            if previous is not None:
                if hidden or previous[0]:
                    change = NOT_SHOWN
                else:
                    ratio, lower, upper = rate_ratio([previous[1]], [previous[2]], [r["count"]],
                                                     [r["denominator"]])  # fmt: skip
                    if not np.isfinite(ratio[0]):
                        change = NOT_COMPARED
                    else:
                        word = (words[0] if lower[0] > 1 else words[1] if upper[0] < 1
                                else "No significant change")  # fmt: skip
                        change = f"{word} (×{ratio[0]:.2f}, {lower[0]:.2f} to {upper[0]:.2f})"
            rows.append({
                "indicator": entry.indicator, "indicator_name": entry.indicator_name,
                "period": period, "count": np.nan if hidden else float(r["count"]),
                "value": np.nan if hidden else float(r["value"]), "change": change,
            })  # fmt: skip
            previous = (hidden, r["count"], r["denominator"])
    return pd.DataFrame(
        rows, columns=["indicator", "indicator_name", "period", "count", "value", "change"]
    )
