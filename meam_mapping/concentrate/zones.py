"""Focus zones: contiguous groups of areas, each big enough to plan for.

A partnership often wants to split its patch into a handful of zones that a
coordinator or team could cover: each zone made of neighbouring areas, each
holding at least ``floor`` of something (estimated people facing multiple
disadvantage, or adults). Two regionalisation methods from ``spopt`` are
offered, chosen by name:

``maxp``
    Max-p regions (Duque, Anselin and Rey 2012; Wei, Rey and Knaap 2021):
    as *many* zones as possible, each meeting the floor, with areas in a zone
    as similar as possible on the ``similarity`` column(s). Heuristic and
    random, so seeded by ``random_state``. spopt's own defaults (99
    construction rounds, 10 annealing rounds each) take minutes even for 81
    areas, because annealing runs on every construction that ties for the most
    zones. Ours (10 and 1) take a few seconds for 375 LSOAs split into 40 or
    so zones and under a second for 76 MSOAs; fewer, larger zones take longer
    (about 10 seconds for 375 LSOAs in 20 zones). On test grids they find as
    many zones as the long search. Raise ``max_iterations`` / ``sa_iterations``
    for a longer search.
``skater``
    SKATER (Assuncao et al. 2006): cuts a minimum spanning tree of the areas
    into as many zones as it can while every zone meets the floor.
    Deterministic; about 10 seconds for 375 LSOAs, well under a second for 76
    MSOAs.

Zones are numbered by the ranking column (``people_column``): zone 1 holds the
most people. Every zone is checked afterwards to be contiguous under the
weights and to meet the floor. Areas that cannot be placed (a group of areas,
cut off from the rest, whose total is below the floor) are left without a zone
and listed in ``unassigned``.

References
----------
Assuncao, R. M. et al. (2006). Efficient regionalization techniques for
socio-economic geographical units using minimum spanning trees. IJGIS 20(7).
Duque, J. C., Anselin, L. and Rey, S. J. (2012). The max-p-regions problem.
Journal of Regional Science 52(3), 397-419.
Wei, R., Rey, S. and Knaap, E. (2021). Efficient regionalization for spatially
explicit neighborhood delineation. IJGIS 35(1), 135-151.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from libpysal.weights import W
from scipy.sparse.csgraph import connected_components

from meam_mapping.concentrate.weights import SpatialWeights, build_weights, check_areas
from meam_mapping.errors import EstimationError, InputError

__all__ = ["ZONE_METHODS", "FocusZoneResult", "FocusZones", "find_focus_zones"]


@dataclass(frozen=True)
class FocusZoneResult:
    """Focus zones found for a set of areas.

    Attributes
    ----------
    assignment : pandas.DataFrame
        ``area_code, zone``: one row per area; ``zone`` is missing (<NA>) for
        areas that could not be placed.
    zones : pandas.DataFrame
        One row per zone: ``zone, n_areas, total`` (sum of the floor column),
        ``people`` (sum of the ranking column), ``area_codes`` (comma-separated),
        ``rank``, ``meets_floor``, ``contiguous``, ``method``.
    geometry : geopandas.GeoDataFrame
        The zones dissolved into one shape each, with the ``zones`` columns.
    unassigned : tuple of str
        Area codes not placed in any zone.
    warnings : tuple of str
        Plain-English notes.
    method : str
        Method used.
    floor : float
        The minimum total per zone.
    """

    assignment: pd.DataFrame
    zones: pd.DataFrame
    geometry: gpd.GeoDataFrame
    unassigned: tuple[str, ...]
    warnings: tuple[str, ...]
    method: str
    floor: float


def _to_w(weights: SpatialWeights, codes: list[str]) -> W:
    """Symmetric binary libpysal W over ``codes``, keyed by position 0..n-1."""
    pos = {c: i for i, c in enumerate(codes)}
    adj = weights.graph.adjacency
    adj = adj[adj > 0]
    nbrs: dict[int, set[int]] = {i: set() for i in range(len(codes))}
    for focal, nbr in zip(
        adj.index.get_level_values(0), adj.index.get_level_values(1), strict=True
    ):
        a, b = pos.get(str(focal)), pos.get(str(nbr))
        if a is not None and b is not None and a != b:
            nbrs[a].add(b)
            nbrs[b].add(a)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return W({i: sorted(v) for i, v in nbrs.items()}, silence_warnings=True)


_MAXP_LOCK = threading.Lock()


@contextmanager
def _maxp_guard(seed: int) -> Iterator[None]:
    """Seed spopt's max-p and guard it against a known endless loop.

    spopt 0.7 draws from numpy's global generator, so the global state is
    saved, seeded and restored. Its annealing step loops for ever when no
    movable area borders another zone (pysal/spopt#506, fixed upstream after
    0.7.0); while the lock is held, its candidate search is replaced by
    :func:`_pick_bordering_area`, which applies the same rule plus the upstream
    fix. The lock also keeps
    two app sessions from sharing the global generator at the same time.
    """
    from spopt.region import maxp as maxp_module

    with _MAXP_LOCK:
        original = maxp_module._pick_move_area
        state = np.random.get_state()
        maxp_module._pick_move_area = _pick_bordering_area
        np.random.seed(seed)
        try:
            yield
        finally:
            maxp_module._pick_move_area = original
            np.random.set_state(state)


def _pick_bordering_area(
    labels: list[int],
    region_lists: dict[int, list[int]],
    region_totals: dict[int, float],
    values: np.ndarray,
    weight: W,
    distance_matrix: np.ndarray,
    threshold: float,
) -> list[int]:
    """Areas that can move to another zone: same rule as spopt, bordering areas only.

    An area can move if its zone stays above the floor and in one piece
    without it, and (the upstream fix) it touches another zone. Checking the
    border first also skips most of the costly connectivity checks.
    """
    adjacency = weight.sparse.tocsr()
    movable = []
    for region, total in region_totals.items():
        members = np.asarray(region_lists[region])
        for pos, area in enumerate(members):
            if total - values[area] <= threshold:
                continue
            if all(labels[b] == labels[area] for b in weight.neighbors[area]):
                continue
            rest = np.delete(members, pos)
            if connected_components(adjacency[rest][:, rest], directed=False)[0] == 1:
                movable.append(area)
    return movable


def _maxp(
    frame: gpd.GeoDataFrame, w: W, similarity: list[str], floor: float, model: FocusZones
) -> np.ndarray:
    from spopt.region import MaxPHeuristic

    solver = MaxPHeuristic(
        frame.copy(),
        w,
        similarity,
        "_floor",
        floor,
        top_n=2,
        max_iterations_construction=int(model.max_iterations),
        max_iterations_sa=int(model.sa_iterations),
        policy="keep",
    )
    with _maxp_guard(int(np.random.default_rng(model.random_state).integers(2**31 - 1))):
        solver.solve()
    return np.asarray(solver.labels_)


def _skater(
    frame: gpd.GeoDataFrame, w: W, similarity: list[str], floor: float, model: FocusZones
) -> np.ndarray:
    from spopt.region.skater import SpanningForest

    class _FloorForest(SpanningForest):
        """SKATER whose floor is a total of a column rather than a count of areas."""

        def score(self, data, labels=None, quorum=-np.inf):  # noqa: D102
            labels = self.current_labels_ if labels is None else labels
            totals = np.bincount(labels, weights=frame["_floor"].to_numpy(float))
            if (totals < quorum).any():
                return np.inf
            return super().score(data, labels=labels)

    most = max(1, int(frame["_floor"].sum() // floor))
    forest = _FloorForest()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "no valid moves" is the expected way to stop
        forest.fit(most, w, data=frame[similarity].to_numpy(float), quorum=floor)
    return np.asarray(forest.current_labels_) + 1


_SOLVERS: dict[str, Callable[..., np.ndarray]] = {"maxp": _maxp, "skater": _skater}
#: Valid ``method`` names for focus zones.
ZONE_METHODS: tuple[str, ...] = tuple(_SOLVERS)


def _column(areas: gpd.GeoDataFrame, data: pd.DataFrame | None, name: str) -> pd.Series:
    """A numeric column by area_code, from ``data`` if given, else from ``areas``."""
    codes = areas["area_code"].astype(str).to_numpy()
    if data is not None:
        table = data.set_index("area_code") if "area_code" in data.columns else data
        source = "data"
    else:
        table = areas.set_index(pd.Index(codes))
        source = "areas"
    if name not in table.columns:
        raise InputError(
            f"no column {name!r}",
            file=source,
            column=name,
            expected=f"one of {[c for c in table.columns if c != 'geometry']}",
        )
    table.index = table.index.astype(str)
    values = pd.to_numeric(table[name], errors="coerce").reindex(codes)
    bad = values.isna() | (values < 0)
    if bad.any():
        shown = ", ".join(list(values.index[bad])[:5])
        raise InputError(
            f"{int(bad.sum())} areas have no usable value ({shown})",
            file=source,
            column=name,
            expected="a number of 0 or more for every area",
            fix="Fill in the missing values (an unknown count is not zero) or leave those areas out",
        )
    return values.astype(float)


class FocusZones:
    """Group areas into contiguous focus zones that each meet a minimum total.

    Parameters
    ----------
    method : {"maxp", "skater"}, default "maxp"
        Regionalisation method (see the module notes).
    floor : float
        Minimum total of ``floor_column`` in every zone (e.g. 50 people).
    floor_column : str
        Column whose total must reach ``floor`` (estimated people, or adults).
    people_column : str, optional
        Column zones are ranked by (zone 1 = most); defaults to ``floor_column``.
    similarity : str or list of str, optional
        Column(s) areas in a zone should be alike on; defaults to ``people_column``.
    weights : str or SpatialWeights, default "queen"
        Neighbour rule (see :func:`build_weights`) or weights already built.
    max_iterations : int, default 10
        Max-p construction rounds (more: slower, possibly more zones).
    sa_iterations : int, default 1
        Max-p simulated annealing rounds per construction.
    random_state : int or None, default 0
        Seed for max-p.

    Attributes
    ----------
    assignment_, zones_, geometry_, unassigned_, warnings_
        As in :class:`FocusZoneResult`.
    result_ : FocusZoneResult
        All of the above together.
    weights_ : SpatialWeights
        The neighbour relations used.
    """

    def __init__(
        self,
        method: str = "maxp",
        *,
        floor: float,
        floor_column: str,
        people_column: str | None = None,
        similarity: str | list[str] | None = None,
        weights: str | SpatialWeights = "queen",
        max_iterations: int = 10,
        sa_iterations: int = 1,
        random_state: int | None = 0,
    ) -> None:
        self.method = method
        self.floor = floor
        self.floor_column = floor_column
        self.people_column = people_column
        self.similarity = similarity
        self.weights = weights
        self.max_iterations = max_iterations
        self.sa_iterations = sa_iterations
        self.random_state = random_state

    def fit(self, areas: gpd.GeoDataFrame, data: pd.DataFrame | None = None) -> FocusZones:
        """Build the zones.

        Parameters
        ----------
        areas : geopandas.GeoDataFrame
            Areas with ``area_code`` and ``geometry``.
        data : pandas.DataFrame, optional
            Table with ``area_code`` (column or index) holding the floor,
            ranking and similarity columns; if omitted they are read from ``areas``.

        Returns
        -------
        FocusZones
            This object, fitted.

        Raises
        ------
        InputError
            Unknown method, bad floor, missing or negative values.
        EstimationError
            The total is below the floor, so not even one zone can be made.
        """
        key = str(self.method).lower().strip()
        if key not in _SOLVERS:
            raise InputError(
                f"unknown zone method {self.method!r}",
                expected="one of " + ", ".join(repr(m) for m in ZONE_METHODS),
            )
        floor = float(self.floor)
        if not (np.isfinite(floor) and floor > 0):
            raise InputError(f"floor must be a positive number, got {self.floor!r}")
        for name in ("max_iterations", "sa_iterations"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise InputError(f"{name} must be a whole number of 1 or more, got {value!r}")
        check_areas(areas, minimum=1)
        notes: list[str] = []
        codes = areas["area_code"].astype(str).tolist()
        people_col = self.people_column or self.floor_column
        sim = self.similarity or people_col
        sim_cols = [sim] if isinstance(sim, str) else list(sim)
        frame = gpd.GeoDataFrame(
            {"area_code": codes, "_floor": _column(areas, data, self.floor_column).to_numpy()},
            geometry=areas.geometry.to_numpy(),
            crs=areas.crs,
        )
        frame["_people"] = _column(areas, data, people_col).to_numpy()
        for i, col in enumerate(sim_cols):
            frame[f"_sim{i}"] = _column(areas, data, col).to_numpy()
        sim_names = [f"_sim{i}" for i in range(len(sim_cols))]
        total = frame["_floor"].sum()
        if total < floor:
            raise EstimationError(
                f"the areas hold {total:,.1f} in {self.floor_column!r} altogether, below the "
                f"floor of {floor:,.1f}, so not even one zone can be made. Lower the floor."
            )
        if isinstance(self.weights, SpatialWeights):
            weights = self.weights
            if set(weights.area_codes) != set(codes):
                raise InputError(
                    "the weights were built for a different set of areas",
                    expected="weights built from these same areas",
                )
        else:
            weights = build_weights(areas, self.weights) if len(areas) > 1 else None
        if weights is not None:
            notes.extend(weights.warnings)
        labels = self._solve(frame, weights, key, floor, sim_names, notes)
        frame["zone_raw"] = labels
        self._finish(frame, weights, key, floor, notes)
        self.weights_ = weights
        return self

    def _solve(
        self,
        frame: gpd.GeoDataFrame,
        weights: SpatialWeights | None,
        key: str,
        floor: float,
        sim_names: list[str],
        notes: list[str],
    ) -> np.ndarray:
        """Run the solver on each connected group of areas; 0 marks unassigned."""
        labels = np.zeros(len(frame), dtype=int)
        if weights is None:
            labels[:] = 1
            return labels
        comp = weights.component_labels.reindex(frame["area_code"]).to_numpy()
        next_label = 0
        for c in np.unique(comp):
            idx = np.flatnonzero(comp == c)
            sub = frame.iloc[idx].reset_index(drop=True)
            sub_total = sub["_floor"].sum()
            if sub_total < floor:
                notes.append(
                    f"{len(idx)} area(s) cut off from the rest ({', '.join(sub['area_code'][:5])}"
                    + (" ..." if len(idx) > 5 else "")
                    + f") hold only {sub_total:,.1f}, below the floor of {floor:,.1f}; "
                    "they are not in any zone."
                )
                continue
            if len(idx) == 1 or sub_total < 2 * floor:
                local = np.ones(len(idx), dtype=int)
            else:
                local = _SOLVERS[key](
                    sub, _to_w(weights, list(sub["area_code"])), sim_names, floor, self
                )
            local = np.where(local > 0, local + next_label, 0)
            labels[idx] = local
            next_label = max(next_label, int(local.max()))
        return labels

    def _finish(
        self,
        frame: gpd.GeoDataFrame,
        weights: SpatialWeights | None,
        key: str,
        floor: float,
        notes: list[str],
    ) -> None:
        placed = frame[frame["zone_raw"] > 0]
        stats = placed.groupby("zone_raw").agg(
            n_areas=("area_code", "size"),
            total=("_floor", "sum"),
            people=("_people", "sum"),
            first=("area_code", "min"),
        )
        stats = stats.sort_values(["people", "total", "first"], ascending=[False, False, True])
        renumber = {raw: i + 1 for i, raw in enumerate(stats.index)}
        zone = frame["zone_raw"].map(renumber).astype("Int64")
        assignment = pd.DataFrame({"area_code": frame["area_code"], "zone": zone})
        members = (
            assignment.dropna().groupby("zone")["area_code"].agg(lambda s: ", ".join(sorted(s)))
        )
        zones = stats.reset_index(drop=True).drop(columns="first")
        zones.insert(0, "zone", pd.array(range(1, len(zones) + 1), dtype="Int64"))
        zones["area_codes"] = members.reindex(zones["zone"]).to_numpy()
        zones["rank"] = zones["zone"]
        zones["meets_floor"] = zones["total"] >= floor - 1e-9
        zones["contiguous"] = [
            _connected(weights, assignment.loc[assignment["zone"] == z, "area_code"].tolist())
            for z in zones["zone"]
        ]
        zones["method"] = {"maxp": "Max-p regions", "skater": "SKATER"}[key]
        for _, row in zones[~zones["meets_floor"]].iterrows():
            notes.append(
                f"Zone {row['zone']} holds {row['total']:,.1f}, below the floor of {floor:,.1f}."
            )
        for _, row in zones[~zones["contiguous"]].iterrows():
            notes.append(f"Zone {row['zone']} is not one connected piece under the weights.")
        geo = (
            frame[["area_code", "geometry"]].merge(assignment, on="area_code").dropna(subset="zone")
        )
        geometry = geo.dissolve(by="zone", as_index=False)[["zone", "geometry"]]
        geometry = geometry.merge(zones, on="zone").sort_values("zone").reset_index(drop=True)
        unassigned = tuple(assignment.loc[assignment["zone"].isna(), "area_code"])
        self.assignment_ = assignment.reset_index(drop=True)
        self.zones_ = zones
        self.geometry_ = gpd.GeoDataFrame(geometry, geometry="geometry", crs=frame.crs)
        self.unassigned_ = unassigned
        self.warnings_ = notes
        self.result_ = FocusZoneResult(
            assignment=self.assignment_,
            zones=zones,
            geometry=self.geometry_,
            unassigned=unassigned,
            warnings=tuple(notes),
            method=str(zones["method"].iloc[0]) if len(zones) else key,
            floor=floor,
        )


def _connected(weights: SpatialWeights | None, codes: list[str]) -> bool:
    """Whether the areas ``codes`` form one connected piece under ``weights``."""
    if weights is None or len(codes) <= 1:
        return True
    graph = weights.binary.subgraph(codes)
    n_parts, _ = connected_components(graph.sparse, directed=False)
    return n_parts == 1


def find_focus_zones(
    areas: gpd.GeoDataFrame,
    *,
    floor: float,
    floor_column: str,
    method: str = "maxp",
    data: pd.DataFrame | None = None,
    **kwargs: Any,
) -> FocusZoneResult:
    """Build contiguous focus zones in one call (see :class:`FocusZones`).

    Parameters
    ----------
    areas : geopandas.GeoDataFrame
        Areas with ``area_code`` and ``geometry``.
    floor : float
        Minimum total of ``floor_column`` per zone.
    floor_column : str
        Column whose total must reach ``floor``.
    method : {"maxp", "skater"}, default "maxp"
        Regionalisation method.
    data : pandas.DataFrame, optional
        Where the columns are, if not in ``areas``.
    **kwargs
        Other :class:`FocusZones` parameters.

    Returns
    -------
    FocusZoneResult
        Assignment, per-zone table, dissolved shapes and notes.
    """
    return (
        FocusZones(method, floor=floor, floor_column=floor_column, **kwargs)
        .fit(areas, data)
        .result_
    )
