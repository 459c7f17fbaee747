"""Move an indicator table between area vintages (and, deliberately, down levels).

Three conversions, each reporting exactly what was approximated:

* :func:`convert_vintage` -- through a lookup of old -> new codes, such as the
  ONS best-fit LSOA 2011 -> 2021 lookup (``from_code``, ``to_code``, optional
  ``weight`` and change type ``U`` unchanged, ``S`` split, ``M`` merged,
  ``X`` irregular). Counts and denominators are *summed* where areas merge and
  *split by weights* (e.g. adult population of the new areas) where one area
  becomes several; rates are recomputed from the converted counts and
  denominators, never averaged. Use ``reverse=True`` for 2021 -> 2011.
* :func:`convert_retired_districts` -- districts and counties abolished in
  2019-2023 onto their successors, from the shipped table
  (:func:`meam_mapping.geography.codes.retired_districts`).
* :func:`apportion_down` -- district (or other) counts shared out to the
  LSOAs inside by weights. This is a modelling *choice*, made explicitly:
  every small area then shows its parent's rate, and the result says so.

A suppressed count anywhere in a converted area makes the new count unknown
(NaN, ``suppressed`` True), never zero. Values published without counts can
be carried only where an area maps one-to-one; elsewhere they become unknown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
import pandas as pd

from meam_mapping.errors import InputError
from meam_mapping.geography.aggregate import unit_multiplier
from meam_mapping.geography.codes import normalise_codes, retired_districts

__all__ = [
    "ConversionReport",
    "ConversionResult",
    "apportion_down",
    "convert_retired_districts",
    "convert_vintage",
]

Weights = Mapping[str, float] | pd.Series


@dataclass(frozen=True)
class ConversionReport:
    """What a conversion did, and what it approximated.

    Attributes
    ----------
    n_unchanged, n_split, n_merged, n_irregular : int
        Old areas in the table by how they map (one-to-one, one-to-several,
        several-to-one, several-to-several).
    n_unmatched : int
        Old codes not in the lookup.
    unmatched : tuple of str
        Those codes (first 50).
    share_apportioned : float
        Share of the total count that was divided by weights (0 = nothing
        estimated, 1 = everything).
    notes : tuple of str
        Plain-English sentences for the user.
    """

    n_unchanged: int = 0
    n_split: int = 0
    n_merged: int = 0
    n_irregular: int = 0
    n_unmatched: int = 0
    unmatched: tuple[str, ...] = ()
    share_apportioned: float = 0.0
    notes: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class ConversionResult:
    """A converted indicator table and its report."""

    table: pd.DataFrame
    report: ConversionReport


def _as_weights(weights: Weights | None) -> pd.Series | None:
    if weights is None:
        return None
    series = pd.Series(weights, dtype="float64") if not isinstance(weights, pd.Series) else weights
    series = series.astype("float64")
    series.index = normalise_codes(series.index).to_numpy()
    if (series < 0).any():
        raise InputError("Weights must be 0 or more", column="weights")
    return series.groupby(level=0).sum()


def _prepare_lookup(
    lookup: pd.DataFrame,
    from_col: str,
    to_col: str,
    weight_col: str | None,
    change_col: str | None,
    reverse: bool,
) -> pd.DataFrame:
    missing = [c for c in (from_col, to_col, weight_col, change_col) if c and c not in lookup]
    if missing:
        raise InputError(
            "The lookup lacks column(s) " + ", ".join(map(repr, missing)),
            column=missing,
            expected="columns " + ", ".join(repr(c) for c in lookup.columns),
            fix="Name the columns with from_col=, to_col= (and weight_col=, change_col=)",
        )
    src, dst = (to_col, from_col) if reverse else (from_col, to_col)
    out = pd.DataFrame(
        {
            "from": normalise_codes(lookup[src]).to_numpy(),
            "to": normalise_codes(lookup[dst]).to_numpy(),
            "weight": lookup[weight_col].astype("float64").to_numpy() if weight_col else np.nan,
            "change": lookup[change_col].astype(str).str.strip().str.upper().to_numpy()
            if change_col
            else "",
        }
    )
    out = out.dropna(subset=["from", "to"]).drop_duplicates(["from", "to"])
    if reverse and weight_col:
        out["weight"] = np.nan  # shares of the old area do not split the new one
    return out.reset_index(drop=True)


def _kind(pairs: pd.DataFrame) -> pd.Series:
    """Change type per pair: U, S, M or X (inferred from the pairs)."""
    n_to = pairs.groupby("from")["to"].transform("nunique")
    n_from = pairs.groupby("to")["from"].transform("nunique")
    kind = np.select(
        [(n_to == 1) & (n_from == 1), (n_to > 1) & (n_from == 1), (n_to == 1) & (n_from > 1)],
        ["U", "S", "M"],
        "X",
    )
    return pd.Series(kind, index=pairs.index)


def _shares(pairs: pd.DataFrame, weights: pd.Series | None, split: str, what: str) -> pd.Series:
    """Share of each old area's count going to each new area (sums to 1 per old area)."""
    n_to = pairs.groupby("from")["to"].transform("size")
    share = pd.Series(1.0, index=pairs.index)
    several = n_to > 1
    if not several.any():
        return share
    w = pairs["weight"].copy()
    if weights is not None:
        w = w.fillna(pairs["to"].map(weights))
    lacking = several & w.isna()
    if lacking.any():
        if split != "equal":
            codes = sorted(pairs.loc[lacking, "from"].unique())
            raise InputError(
                f"{len(codes)} {what} split into several new areas and no weights were given "
                f"for them (e.g. {', '.join(codes[:3])})",
                column="weights",
                expected="a weight (e.g. adult population) for every new area of a split",
                fix="Pass weights= (population of the new areas), a weight column in the "
                "lookup, or split='equal' to share counts equally",
            )
        w = w.where(~lacking, 1.0)
    total = w.groupby(pairs["from"]).transform("sum")
    equal = 1.0 / n_to
    return share.where(~several, (w / total).where(total > 0, equal))


def _convert(
    table: pd.DataFrame, pairs: pd.DataFrame, shares: pd.Series, kinds: pd.Series
) -> tuple[pd.DataFrame, float]:
    """Apply pairs (from, to) with shares to the table; return new rows and share apportioned."""
    pairs = pairs.assign(share=shares.to_numpy(), kind=kinds.to_numpy())
    rows = table.merge(pairs, left_on="area_code", right_on="from", how="inner")
    whole = rows["share"] >= 1.0 - 1e-12
    rows["count_part"] = rows["count"] * rows["share"]
    rows["den_part"] = rows["denominator"] * rows["share"]
    key = ["to", "indicator", "period"]
    grouped = rows.groupby(key, sort=True, dropna=False)
    out = grouped.agg(
        domain=("domain", "first"),
        unit=("unit", "first"),
        source=("source", "first"),
        count=("count_part", lambda s: s.sum(min_count=1)),
        denominator=("den_part", lambda s: s.sum(min_count=1)),
        n_parts=("from", "size"),
        any_suppressed=("suppressed", "any"),
        any_count_missing=("count", lambda s: s.isna().any()),
        any_den_missing=("denominator", lambda s: s.isna().any()),
        all_whole=("share", lambda s: bool((s >= 1.0 - 1e-12).all())),
        value=("value", "first"),
    ).reset_index()
    for c in ("indicator_name", "unit_label", "kind", "polarity"):
        if c in rows.columns:
            out[c] = grouped[c].first().to_numpy()
    one_to_one = (out["n_parts"] == 1) & out["all_whole"]
    out.loc[out["any_count_missing"], "count"] = np.nan
    out.loc[out["any_den_missing"], "denominator"] = np.nan
    out["suppressed"] = out["any_suppressed"] & out["count"].isna()
    mult = out["unit"].map(unit_multiplier).astype(float)
    rate = out["count"] / out["denominator"] * mult
    recomputed = out["count"].notna() & out["denominator"].gt(0) & mult.notna()
    as_count = (out["unit"] == "count") & out["count"].notna()
    out["value"] = np.where(
        recomputed, rate, np.where(as_count, out["count"], out["value"].where(one_to_one))
    )
    extras = [c for c in ("lower", "upper") if c in table.columns]
    if extras:
        firsts = grouped[extras].first().reset_index(drop=True)
        for c in extras:
            out[c] = firsts[c].where(one_to_one.to_numpy())
    per_row = rows.drop_duplicates(["from", "indicator", "period"])
    split_from = set(rows.loc[~whole, "from"])
    total = float(per_row["count"].sum())
    moved = float(per_row.loc[per_row["from"].isin(split_from), "count"].sum())
    out = out.rename(columns={"to": "area_code"})
    return out, (moved / total if total > 0 else 0.0)


def _finish(table: pd.DataFrame, out: pd.DataFrame) -> pd.DataFrame:
    cols = [c for c in table.columns if c in out.columns]
    return out[cols].reset_index(drop=True)


def convert_vintage(
    table: pd.DataFrame,
    lookup: pd.DataFrame,
    *,
    from_col: str = "from_code",
    to_col: str = "to_code",
    weight_col: str | None = None,
    change_col: str | None = None,
    weights: Weights | None = None,
    split: Literal["weights", "equal"] = "weights",
    reverse: bool = False,
    unmatched: Literal["drop", "keep"] = "drop",
) -> ConversionResult:
    """Convert an indicator table from one set of area codes to another.

    Parameters
    ----------
    table : pandas.DataFrame
        Tidy indicator table (:data:`~meam_mapping.schema.INDICATOR_COLUMNS`).
    lookup : pandas.DataFrame
        One row per (old, new) pair.
    from_col, to_col : str
        Old and new code columns (e.g. ``"LSOA11CD"``, ``"LSOA21CD"``).
    weight_col : str, optional
        Share of the old area going to each new area (normalised per old area).
    change_col : str, optional
        ONS change type (``U``, ``S``, ``M``, ``X``); reported against the
        types inferred from the pairs.
    weights : mapping or Series, optional
        Weight of each *new* area (e.g. its adult population), used to split
        old areas that become several when the lookup has no weights.
    split : {"weights", "equal"}, default "weights"
        What to do with a split that has no weights: refuse, or share equally.
    reverse : bool, default False
        Use the lookup the other way round (new -> old).
    unmatched : {"drop", "keep"}, default "drop"
        Rows whose code is not in the lookup: left out, or kept unchanged.

    Returns
    -------
    ConversionResult
        The table on the new codes (same columns) and a
        :class:`ConversionReport`.

    Raises
    ------
    InputError
        Missing lookup columns, or a split without weights (unless
        ``split="equal"``).
    """
    pairs = _prepare_lookup(lookup, from_col, to_col, weight_col, change_col, reverse)
    table = table.assign(area_code=normalise_codes(table["area_code"]).to_numpy())
    in_table = pairs[pairs["from"].isin(set(table["area_code"]))].reset_index(drop=True)
    kinds = _kind(pairs).loc[pairs["from"].isin(set(table["area_code"]))].reset_index(drop=True)
    shares = _shares(in_table, _as_weights(weights), split, "area(s)")
    out, moved = _convert(table, in_table, shares, kinds)
    missing = sorted(set(table["area_code"].dropna()) - set(pairs["from"]))
    if unmatched == "keep" and missing:
        out = pd.concat([out, table[table["area_code"].isin(missing)]], ignore_index=True)
    per_from = pd.DataFrame({"from": in_table["from"], "kind": kinds}).drop_duplicates("from")
    counts = per_from["kind"].value_counts()
    notes = []
    if counts.get("S", 0) or counts.get("X", 0):
        how = (
            "by the lookup's weights"
            if weight_col and not reverse
            else ("by the weights given" if weights is not None else "equally")
        )
        notes.append(
            f"{counts.get('S', 0) + counts.get('X', 0)} area(s) were split {how}; "
            f"{moved:.1%} of the total count was apportioned (an estimate, not observed)."
        )
    if counts.get("M", 0):
        notes.append(f"{counts.get('M', 0)} area(s) were merged: their counts were added up.")
    if missing:
        what = "kept unchanged" if unmatched == "keep" else "left out"
        notes.append(f"{len(missing)} code(s) are not in the lookup and were {what}.")
    if change_col:
        stated = in_table.drop_duplicates("from").set_index("from")["change"]
        inferred = per_from.set_index("from")["kind"]
        differ = stated.reindex(inferred.index).ne(inferred) & stated.reindex(inferred.index).ne("")
        if differ.any():
            notes.append(
                f"{int(differ.sum())} area(s) have a change type in the lookup that differs "
                "from the pairs given (the pairs were used)."
            )
    report = ConversionReport(
        n_unchanged=int(counts.get("U", 0)),
        n_split=int(counts.get("S", 0)),
        n_merged=int(counts.get("M", 0)),
        n_irregular=int(counts.get("X", 0)),
        n_unmatched=len(missing),
        unmatched=tuple(missing[:50]),
        share_apportioned=moved,
        notes=tuple(notes),
    )
    return ConversionResult(_finish(table, out), report)


def convert_retired_districts(
    table: pd.DataFrame,
    *,
    weights: Weights | None = None,
    split: Literal["weights", "equal"] = "weights",
) -> ConversionResult:
    """Move rows for abolished districts and counties onto their successors.

    Counts and denominators of merged councils are summed and rates
    recomputed; other codes are kept unchanged. A county split between two
    successors (e.g. Northamptonshire) needs ``weights`` for the successors.

    Parameters
    ----------
    table : pandas.DataFrame
        Tidy indicator table.
    weights : mapping or Series, optional
        Weights of successor authorities, for splits.
    split : {"weights", "equal"}, default "weights"
        See :func:`convert_vintage`.

    Returns
    -------
    ConversionResult
    """
    retired = retired_districts()
    codes = set(normalise_codes(table["area_code"]).dropna())
    current = sorted(codes - set(retired["old_code"]))
    lookup = pd.concat(
        [
            retired[["old_code", "new_code"]],
            pd.DataFrame({"old_code": current, "new_code": current}),
        ],
        ignore_index=True,
    )
    result = convert_vintage(
        table, lookup, from_col="old_code", to_col="new_code", weights=weights, split=split
    )
    used = retired[retired["old_code"].isin(codes)]
    notes = list(result.report.notes)
    if len(used):
        notes.insert(
            0,
            f"{used['old_code'].nunique()} abolished council code(s) were moved to "
            f"{used['new_code'].nunique()} successor(s): "
            + ", ".join(sorted(f"{r.old_name} -> {r.new_name}" for r in used.itertuples()))[:400]
            + ".",
        )
    else:
        notes = ["No abolished council codes were found; the table is unchanged."]
    return ConversionResult(result.table, replace(result.report, notes=tuple(notes)))


def apportion_down(
    table: pd.DataFrame,
    lookup: pd.DataFrame | Mapping[str, str] | pd.Series,
    weights: Weights,
    *,
    child_col: str = "area_code",
    parent_col: str = "lad_code",
) -> ConversionResult:
    """Share larger-area counts out to the small areas inside them, by weights.

    An explicit modelling choice: each small area gets its parent's count and
    denominator in proportion to its weight (normally adult population), so
    every small area shows its parent's *rate*. Use it only to draw district
    data on an LSOA map alongside LSOA data, never as local evidence; the
    ``source`` of every row says it was apportioned.

    Parameters
    ----------
    table : pandas.DataFrame
        Tidy indicator table at the larger level (e.g. districts).
    lookup : DataFrame, mapping or Series
        Small area -> larger area: a frame with ``child_col`` and
        ``parent_col`` (an areas layer works), or a mapping child -> parent.
    weights : mapping or Series
        Weight of each small area (e.g. adults aged 18 to 64).
    child_col, parent_col : str
        Columns of a lookup frame.

    Returns
    -------
    ConversionResult
        The small-area table and a report (``share_apportioned`` is 1 for
        every parent split into more than one small area).

    Raises
    ------
    InputError
        If a small area has no weight.
    """
    if isinstance(lookup, pd.DataFrame):
        frame = pd.DataFrame({"child": lookup[child_col], "parent": lookup[parent_col]})
    else:
        series = pd.Series(lookup)
        frame = pd.DataFrame({"child": series.index, "parent": series.to_numpy()})
    w = _as_weights(weights)
    frame["child"] = normalise_codes(frame["child"]).to_numpy()
    no_weight = sorted(set(frame["child"]) - set(w.index))
    if no_weight:
        raise InputError(
            f"{len(no_weight)} small area(s) have no weight: {', '.join(no_weight[:5])}",
            column="weights",
            expected="a weight (e.g. adult population) for every small area in the lookup",
        )
    pairs = frame.rename(columns={"parent": "from_code", "child": "to_code"})
    result = convert_vintage(table, pairs, weights=w, split="weights")
    out = result.table.copy()
    out["source"] = out["source"].astype(str) + " (apportioned to small areas by weights)"
    note = (
        f"{out['area_code'].nunique()} small areas were given shares of "
        f"{table['area_code'].nunique()} larger areas' counts in proportion to the weights: "
        "each small area shows its larger area's rate. This is a modelled spread, not data "
        "about the small areas."
    )
    kept = tuple(n for n in result.report.notes if "not in the lookup" in n)
    return ConversionResult(out, replace(result.report, notes=(note,) + kept))
