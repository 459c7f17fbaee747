"""One combined attack over every artefact of the evidence pack at once.

An attacker with the pack's zip reads back every table that carries counts
or figures made from counts (``indicators``, ``area_estimates``,
``small_area``, ``prevalence_by_district``, ``hidden_by_district``,
``focus_zones``, ``caseload``, the XLSX sheets and the GeoPackage layers)
and knows the public geography (LSOA in MSOA in district) and the study-area
total of each indicator (assumed published elsewhere). From them they write
ONE integer program with every published relation:

- hierarchy sums: each parent's count is the sum of its children's, and the
  districts add up to the study area;
- linked tables: Persons = Male + Female for each area;
- what each blank's label says: a "small count" is 1 to T-1, a "secondary"
  blank is 0 or T and more, "hidden in a group" and "withheld" blanks are
  any whole number from 0;
- people known to one service (or to two or more) are no more than those
  known to any service;
- rounding intervals of rounded outputs: a small-area estimate rounded to 5
  with its hidden share rounded to whole per cent brackets the people known
  to any service, ``known = n_hat x (1 - hidden share)``, and the lower
  limit of its interval (from draws that never fall below the known count)
  bounds it from above.

Every relation is first checked against the unsuppressed truth (a relation
that does not hold would prove nothing). The program is split into its
connected blocks (blocks share no blank cell, so each is solved alone) and
for every blank the tightest whole-number range is found by
``scipy.optimize.milp``. The test fails if any true small count keeps a range
narrower than the protection rule (``meam_mapping.disclosure.audit``: at
least three of the values 1 to 4 stay possible with T = 5), or if any
artefact shows a number the indicator table hides.

The attacker shares no code with ``meam_mapping.disclosure``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from meam_mapping.pipeline.slices import every_indicator_all_levels

KEY = ("indicator", "period", "area_code")
SMALL, SECONDARY = "small count", "secondary"


def _read(folder, name: str) -> pd.DataFrame | None:
    path = folder / f"{name}.csv"
    if not path.exists():
        return None
    return pd.read_csv(path, dtype={"area_code": str, "period": str, "indicator": str},
                       encoding="utf-8-sig", keep_default_na=True)  # fmt: skip


def _key(frame: pd.DataFrame) -> list[tuple[str, str, str]]:
    return list(zip(*(frame[c].astype(str) for c in KEY), strict=True))


def parents(dataset) -> dict[str, str]:
    """The public geography: LSOA -> MSOA (or district), MSOA -> district."""
    out: dict[str, str] = {}
    levels = dataset.areas
    for level, above in (("lsoa", ("msoa_code", "lad_code")), ("msoa", ("lad_code",))):
        if level not in levels:
            continue
        areas = levels[level]
        for column in above:
            parent_level = {"msoa_code": "msoa", "lad_code": "lad"}[column]
            if column in areas and parent_level in levels:
                for code, parent in zip(areas["area_code"].astype(str), areas[column], strict=True):
                    if pd.notna(parent) and code not in out:
                        out[code] = str(parent)
    return out


def linked(indicators) -> dict[str, list[str]]:
    """Persons = Male + Female, by the ids' suffixes (as Fingertips exports are split)."""
    ids = set(indicators)
    out = {}
    for ind in ids:
        if ind.endswith("_persons"):
            stem = ind[: -len("_persons")]
            parts = [f"{stem}_male", f"{stem}_female"]
            if all(p in ids for p in parts):
                out[ind] = parts
    return out


@dataclass
class Program:
    """Blank cells (variables), published values and relations."""

    threshold: int
    label: dict = field(default_factory=dict)  # blank key -> label
    shown: dict = field(default_factory=dict)  # published key -> count
    truth: dict = field(default_factory=dict)  # key -> true count
    sums: list = field(default_factory=list)  # (total key or None, constant, [member keys])
    bounds: dict = field(default_factory=dict)  # blank key -> (low, high) from rounded outputs
    upper: dict = field(default_factory=dict)  # blank key -> a count it cannot exceed
    below: list = field(default_factory=list)  # (part key, whole key): part <= whole
    dropped: dict = field(default_factory=dict)  # relation family -> relations not true

    def add_sum(self, family: str, total, members, constant: float = 0.0) -> None:
        """``total (+ constant) = sum(members)``, kept only if the truth satisfies it."""
        keys = ([total] if total is not None else []) + list(members)
        if not any(k in self.label for k in keys):
            return
        lhs = (self.truth[total] if total is not None else 0.0) + constant
        if abs(lhs - sum(self.truth[m] for m in members)) > 1e-6:
            self.dropped[family] = self.dropped.get(family, 0) + 1
            return
        self.sums.append((total, constant, list(members)))

    def add_below(self, family: str, part, whole) -> None:
        """People known to one service are no more than those known to any."""
        if part not in self.label and whole not in self.label:
            return
        if self.truth[part] > self.truth[whole]:
            self.dropped[family] = self.dropped.get(family, 0) + 1
            return
        self.below.append((part, whole))

    def add_bounds(self, family: str, key, low: float, high: float) -> None:
        if key not in self.label:
            return
        low, high = math.ceil(low - 1e-9), math.floor(high + 1e-9)
        if not low <= self.truth[key] <= high:
            self.dropped[family] = self.dropped.get(family, 0) + 1
            return
        old = self.bounds.get(key, (-np.inf, np.inf))
        self.bounds[key] = (max(old[0], low), min(old[1], high))


def build_program(dataset, analysis, folder, *, inequalities: bool = False) -> Program:
    threshold = analysis.policy.threshold
    table = _read(folder, "indicators")
    raw = every_indicator_all_levels(dataset, analysis.settings.period)
    truth_of = dict(zip(_key(raw), pd.to_numeric(raw["count"], errors="coerce"), strict=True))
    keys = _key(table)
    counts = pd.to_numeric(table["count"], errors="coerce").to_numpy()
    hidden = table["suppressed"].astype(str).str.lower().eq("true").to_numpy()
    labels = table["suppression"].fillna("").astype(str).to_numpy()
    prog = Program(threshold)
    for key, count, is_hidden, why in zip(keys, counts, hidden, labels, strict=True):
        true = truth_of.get(key, np.nan)
        if is_hidden:
            assert np.isnan(count), f"{key} is marked hidden but shows {count}"
            if np.isnan(true):
                continue  # withheld by the source: there is nothing to find
            prog.label[key] = why
            prog.truth[key] = float(true)
        elif not np.isnan(count):
            assert count == true, f"{key}: published {count}, true {true}"
            assert not 0 < count < threshold, f"{key}: a small count is published ({count})"
            prog.shown[key] = float(count)
            prog.truth[key] = float(count)
    # Hierarchy: each parent present = sum of its children present; districts = study area.
    parent_of = parents(dataset)
    present = set(prog.truth)
    children: dict[tuple, list] = {}
    for ind, per, code in present:
        children.setdefault((ind, per, parent_of.get(code)), []).append((ind, per, code))
    for (ind, per, parent), members in children.items():
        if parent is None:  # the top level: its total is known from elsewhere
            total = sum(prog.truth[m] for m in members)
            prog.add_sum("study area", None, members, constant=total)
            for m in members:
                prog.upper[m] = total
        elif (ind, per, parent) in present:
            prog.add_sum("hierarchy", (ind, per, parent), members)
    for ind, per, code in present:  # no cell exceeds its study-area total
        top = (ind, per, code)
        while top[2] in parent_of and (ind, per, parent_of[top[2]]) in present:
            top = (ind, per, parent_of[top[2]])
        prog.upper.setdefault((ind, per, code), prog.upper.get(top, 1e6))
    # Linked tables.
    for total_ind, parts in linked({k[0] for k in present}).items():
        for ind, per, code in list(present):
            if ind == total_ind and all((p, per, code) in present for p in parts):
                prog.add_sum("linked", (ind, per, code), [(p, per, code) for p in parts])
    # Known to one service (or to two or more) <= known to any service.
    any_id = next((i for i in ("known_md_any", "known_any") if i in {k[0] for k in present}), None)
    if inequalities and any_id is not None:  # these join the indicators into large blocks
        stem = any_id[: -len("any")]
        parts = {k[0] for k in present if k[0].startswith(stem) and k[0] != any_id}
        parts.add(analysis.settings.known_indicator)
        for ind, per, code in present:
            if ind in parts and (any_id, per, code) in present:
                prog.add_below("known to any", (ind, per, code), (any_id, per, code))
    _small_area_bounds(prog, folder, table)
    return prog


def _small_area_bounds(prog: Program, folder, table: pd.DataFrame) -> None:
    """Intervals for the people known to any service from the rounded small-area estimates."""
    small = _read(folder, "small_area")
    if small is None:
        return
    any_id = next((i for i in ("known_md_any", "known_any") if i in set(table["indicator"])), None)
    if any_id is None:
        return
    periods = table.loc[table["indicator"] == any_id, "period"].astype(str).unique()
    for row in small.itertuples():
        if pd.isna(row.n_hat) or pd.isna(row.hidden_share):
            continue
        n_low, n_high = max(row.n_hat - 2.5, 0.0), row.n_hat + 2.5
        s_low = min(max((row.hidden_share - 0.5) / 100, 0.0), 1.0)
        s_high = min(max((row.hidden_share + 0.5) / 100, 0.0), 1.0)
        for period in periods:
            key = (any_id, period, str(row.area_code))
            prog.add_bounds("small-area share", key, n_low * (1 - s_high), n_high * (1 - s_low))
            if pd.notna(row.ci_low):
                prog.add_bounds("small-area lower limit", key, 0, row.ci_low + 2.5)


def blocks(prog: Program) -> list[list]:
    """Blank cells joined by a relation that holds two or more of them."""
    parent = {k: k for k in prog.label}

    def find(k):
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    joined = [([total] if total is not None else []) + members for total, _, members in prog.sums]
    for keys in [*joined, *map(list, prog.below)]:
        blank = [k for k in keys if k in prog.label]
        for other in blank[1:]:
            parent[find(other)] = find(blank[0])
    out: dict = {}
    for k in prog.label:
        out.setdefault(find(k), []).append(k)
    return list(out.values())


def solve_block(prog: Program, cells: list) -> dict:
    """Range of each blank of one block by scipy's milp: ``(low, high, exact)``.

    A blank whose range is already at least the rule's width across the
    fillings found so far (each solution of each program is one) is proven
    wide enough without its own two programs (``exact`` False: the true range
    may be wider still); every other blank gets its exact minimum and maximum.
    """
    inside = set(cells)
    var = {k: i for i, k in enumerate(cells)}
    secondary = [k for k in cells if prog.label[k] == SECONDARY]
    n = len(cells) + len(secondary)
    T = prog.threshold
    lo, hi = np.zeros(n), np.ones(n)
    for k, i in var.items():
        lo[i], hi[i] = 0, prog.upper.get(k, 1e6)
        if prog.label[k] == SMALL:
            lo[i], hi[i] = 1, T - 1
        b_lo, b_hi = prog.bounds.get(k, (-np.inf, np.inf))
        lo[i], hi[i] = max(lo[i], b_lo), min(hi[i], b_hi)
    rows, rhs = [], []
    for total, constant, members in prog.sums:
        keys = ([total] if total is not None else []) + members
        if not any(k in inside for k in keys):
            continue
        row, value = np.zeros(n), constant
        for m in members:
            if m in var:
                row[var[m]] += 1
            else:
                value -= prog.shown[m]
        if total is not None:
            if total in var:
                row[var[total]] -= 1
            else:
                value += prog.shown[total]
        rows.append(row)
        rhs.append(value)
    constraints = [LinearConstraint(np.array(rows), rhs, rhs)] if rows else []
    for part, whole in prog.below:
        if part not in inside and whole not in inside:
            continue
        row, value = np.zeros(n), 0.0  # part - whole <= 0
        for key, sign in ((part, 1), (whole, -1)):
            if key in var:
                row[var[key]] += sign
            else:
                value -= sign * prog.shown[key]
        constraints.append(LinearConstraint(row, -np.inf, value))
    for j, k in enumerate(secondary):  # 0, or T and more: x >= T z and x <= U z
        z = len(cells) + j
        r1, r2 = np.zeros(n), np.zeros(n)
        r1[var[k]], r1[z] = 1, -T
        r2[var[k]], r2[z] = 1, -hi[var[k]]
        constraints += [LinearConstraint(r1, 0, np.inf), LinearConstraint(r2, -np.inf, 0)]
    seen_lo = np.full(n, np.inf)
    seen_hi = np.full(n, -np.inf)

    def solve(c: np.ndarray) -> np.ndarray:
        res = milp(c, constraints=constraints, integrality=np.ones(n), bounds=Bounds(lo, hi),
                   options={"mip_rel_gap": 0})  # fmt: skip
        assert res.success, (cells[:3], res.message)
        x = np.round(res.x)
        np.minimum(seen_lo, x, out=seen_lo)
        np.maximum(seen_hi, x, out=seen_hi)
        return x

    # Two witnesses to start: every feasible filling widens the ranges seen so far.
    base = np.r_[np.ones(len(cells)), np.zeros(n - len(cells))]
    solve(base)
    solve(-base)
    out = {}
    wanted = need(T)
    for k in cells:
        i = var[k]
        if seen_hi[i] - seen_lo[i] >= wanted:  # proven wide enough by fillings already found
            out[k] = (int(seen_lo[i]), int(seen_hi[i]), False)
            continue
        c = np.zeros(n)
        c[i] = 1
        low = solve(c)[i]
        high = solve(-c)[i]
        out[k] = (int(low), int(high), True)
    return out


def combined_attack(dataset, analysis, folder, *, inequalities: bool = False):
    prog = build_program(dataset, analysis, folder, inequalities=inequalities)
    found = {}
    sizes = []
    for cells in blocks(prog):
        sizes.append(len(cells))
        found.update(solve_block(prog, cells))
    return prog, found, sizes


def need(threshold: int) -> int:
    """The stated rule: at least half of 1..T-1 stays possible (width 2 with T = 5)."""
    return max(1, -(-(threshold - 2) // 2))


def test_no_small_count_is_narrowed_by_the_whole_pack(built_pack):
    dataset, analysis, folder = built_pack
    prog, found, sizes = combined_attack(dataset, analysis, folder)
    T = prog.threshold
    small = {k for k, v in prog.truth.items() if 0 < v < T}
    assert small <= set(prog.label), "a small count is published"
    assert small, "no small count planted: the attack would prove nothing"
    for k, (low, high, exact) in found.items():  # the attacker's exact ranges hold the truth
        assert not exact or low <= prog.truth[k] <= high, (k, low, high, prog.truth[k])
    narrow = {k: found[k] for k in small if found[k][1] - found[k][0] < need(T)}
    kinds = pd.Series(prog.label).value_counts().to_dict()
    cells = len(prog.label) + len(prog.shown)
    print(f"\n{folder.parent.name}: {cells} cells with counts, hidden {len(prog.label)} "
          f"({len(prog.label) / cells:.1%}): {kinds}; true small counts {len(small)}; "
          f"{len(prog.sums)} sums, {len(prog.below)} inequalities, {len(prog.bounds)} rounding bounds, dropped {prog.dropped}; "
          f"{len(sizes)} blocks, largest {max(sizes)}; narrowed {len(narrow)}")  # fmt: skip
    assert not narrow, f"{len(narrow)} small counts narrowed, e.g. {list(narrow.items())[:5]}"


def test_other_artefacts_show_nothing_the_indicator_table_hides(built_pack):
    """Every count in the other tables, the XLSX and the GeoPackage is the indicator table's."""
    _, analysis, folder = built_pack
    table = _read(folder, "indicators")
    hidden_keys = set(k for k, h in zip(_key(table), table["suppressed"].astype(str).str.lower()
                                        .eq("true"), strict=True) if h)  # fmt: skip
    estimates = _read(folder, "area_estimates")
    if estimates is not None:
        known = analysis.settings.known_indicator
        for row in estimates.itertuples():
            if any((known, p, str(row.area_code)) in hidden_keys for p in table["period"].unique()):
                assert pd.isna(row.known_count) and pd.isna(row.estimated_people), row
    prevalence = _read(folder, "prevalence_by_district")
    if prevalence is not None:
        for row in prevalence.itertuples():
            if (row.indicator, str(row.period), str(row.area_code)) in hidden_keys:
                assert all(
                    pd.isna(getattr(row, c)) for c in ("count", "value", "lower", "upper")
                ), row
    # Every suppressed row of every table is blank in every column made from its count.
    for path in sorted(folder.glob("*.csv")):
        frame = pd.read_csv(path, encoding="utf-8-sig")
        if "suppressed" not in frame:
            continue
        rows = frame.loc[frame["suppressed"].astype(str).str.lower().eq("true")]
        for column in ("count", "value", "lower", "upper", "ci_low", "ci_high", "known_count",
                       "observed", "estimated_people"):  # fmt: skip
            if column in rows:
                assert rows[column].isna().all(), f"{path.name}: {column} shown on a hidden row"
    # The XLSX holds the CSVs' numbers and no others.
    sheets = pd.read_excel(folder / "tables.xlsx", sheet_name=None)
    csv = table.set_index(list(KEY))
    for name, sheet in sheets.items():
        if {"indicator", "period", "area_code", "count"} <= set(sheet.columns):
            sheet = sheet.astype({"period": str, "area_code": str}).set_index(list(KEY))
            both = sheet["count"].to_frame("xlsx").join(csv["count"].rename("csv"), how="inner")
            assert len(both) == len(sheet), name
            assert (both["xlsx"].isna() == both["csv"].isna()).all(), name
            assert np.allclose(both["xlsx"].dropna(), both["csv"].dropna()), name
    # The GeoPackage layers likewise.
    import pyogrio

    for name, *_ in pyogrio.list_layers(folder / "areas.gpkg"):
        layer = pyogrio.read_dataframe(folder / "areas.gpkg", layer=name, read_geometry=False)
        if {"indicator", "period", "area_code", "count"} <= set(layer.columns):
            layer = layer.astype({"period": str, "area_code": str}).set_index(list(KEY))
            both = layer["count"].to_frame("gpkg").join(csv["count"].rename("csv"), how="inner")
            assert (both["gpkg"].isna() == both["csv"].isna()).all(), name
        if "known_count" in layer.columns and estimates is not None:
            mine = layer.set_index(layer["area_code"].astype(str))["known_count"]
            theirs = estimates.set_index(estimates["area_code"].astype(str))["known_count"]
            joined = pd.concat([mine, theirs], axis=1, join="inner").to_numpy(dtype=float)
            assert (np.isnan(joined[:, 0]) == np.isnan(joined[:, 1])).all(), name


@pytest.mark.slow
def test_threshold_ten_is_not_narrowed_either(demo_dataset, tmp_path, pack_maker):
    """The larger variant: the demo with T = 10 (more and larger blocks)."""
    from meam_mapping.disclosure import DisclosurePolicy

    analysis, folder = pack_maker(demo_dataset, tmp_path, DisclosurePolicy(threshold=10))
    prog, found, _ = combined_attack(demo_dataset, analysis, folder)
    small = {k for k, v in prog.truth.items() if 0 < v < 10}
    narrow = {k: found[k] for k in small if found[k][1] - found[k][0] < need(10)}
    kinds = pd.Series(prog.label).value_counts().to_dict()
    print(f"\nT = 10: {len(prog.label) + len(prog.shown)} cells, hidden {kinds}; true small "
          f"{len(small)}; narrowed {len(narrow)}")  # fmt: skip
    assert not narrow, f"{len(narrow)} small counts narrowed, e.g. {list(narrow.items())[:5]}"
