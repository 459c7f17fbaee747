"""Small-area estimates of people facing multiple disadvantage, known and hidden.

District (or stratum) multiple systems estimates say *how many* people there
are; LSOA counts of people known to each service, to any service and to two
or more say where the *known* are. The ratio method (known x district
N-hat / district known) puts the hidden where the known already are, which is
wrong when visibility varies within a district. This estimator spreads each
district's hidden people over its LSOAs by an estimated *visibility*:

1. **Visibility from overlap.** Among people known to any service, the share
   known to two or more rises with how visible people are. A binomial model of
   ``known_2plus`` out of ``known_any`` per LSOA (district effects plus the
   covariates, e.g. distance to the nearest service hub) gives a fitted share
   per LSOA, which is turned into a shift in every service's log-odds of
   seeing someone (independent services with the district's marginal
   probabilities, ``known to service / district N-hat``). The shifts are
   measured from the district's own share, and a district constant is set so
   that ``sum(known / visibility)`` equals the district's N-hat.
2. **People from known counts.** A negative binomial model of ``known_any``
   with offset ``log(visibility)`` (and ``log(population)`` where given),
   district effects, the covariates and, with an adjacency, the neighbours'
   mean log visibility-corrected rate (a spatial lag), gives the expected
   number of people per LSOA, ``mu``.
3. **Hidden per LSOA.** Under the Poisson-gamma model the hidden people are
   independent of the known given the area effect, so the best predictor is
   ``mu (1 - v) (k + known) / (k + mu v)`` with ``k = 1 / alpha`` (empirical
   Bayes shrinkage between the model and the area's own known count). These
   are scaled so each district's LSOAs sum exactly to its N-hat.
4. **Intervals** by parametric bootstrap: the district's hidden total drawn
   from a lognormal matched to its MSE interval, both models' coefficients
   from their asymptotic normal laws, area effects from their gamma
   posteriors, and the district's hidden split over its LSOAs multinomially.
   Sums of draws give intervals for any grouping (:meth:`aggregate`).

Assumptions: people in an LSOA share its visibility (beyond the covariates);
services are conditionally independent within an LSOA apart from what the
district model absorbs; the district estimates are right on average (they are
the calibration targets: when visibility falls steeply with distance, a
district-level MSE runs low, and so will these estimates - estimate districts
by sub-area strata where the overlap tables allow).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import optimize, special, stats

from meam_mapping.errors import EstimationError, InputError

__all__ = [
    "SMALL_AREA_COLUMNS",
    "SMALL_AREA_METHOD",
    "SmallAreaEstimator",
    "distance_to_nearest_point",
    "estimate_small_areas",
]

#: Columns of :attr:`SmallAreaEstimator.estimates_` (plus the district column).
SMALL_AREA_COLUMNS = [
    "area_code", "n_hat", "ci_low", "ci_high", "known", "hidden", "hidden_share",
    "visibility", "estimated",
]  # fmt: skip
SMALL_AREA_METHOD = (
    "visibility-calibrated negative binomial (overlap-share visibility, district MSE calibration)"
)
_GRID = np.linspace(-8.0, 8.0, 641)


def distance_to_nearest_point(areas: Any, points: Any, *, within: str | None = None) -> pd.Series:
    """Distance in km from each area's centroid to the nearest point.

    Parameters
    ----------
    areas, points : geopandas.GeoDataFrame
        Areas (with ``area_code``) and points (e.g. service hubs). Both are
        projected to EPSG:27700 (British National Grid) when they are not.
    within : str, optional
        A column both frames have (e.g. ``'lad_code'``): measure to the
        nearest point with the same value; areas with none get NaN.

    Returns
    -------
    pandas.Series
        ``distance_km`` indexed by ``area_code``.
    """
    if points is None or len(points) == 0:
        raise InputError("there are no service points to measure distances to",
                         fix="Load a point layer of service locations.")  # fmt: skip
    areas_p = areas.to_crs(27700) if areas.crs is None or areas.crs.to_epsg() != 27700 else areas
    pts = points.to_crs(27700) if points.crs is None or points.crs.to_epsg() != 27700 else points
    if not (pts.geom_type == "Point").all():
        raise InputError("the service layer has geometries that are not points",
                         expected="points", fix="Use service locations as points.")  # fmt: skip
    c = areas_p.geometry.centroid
    cx, cy = c.x.to_numpy(), c.y.to_numpy()
    px, py = pts.geometry.x.to_numpy(), pts.geometry.y.to_numpy()
    d = np.hypot(cx[:, None] - px[None, :], cy[:, None] - py[None, :]) / 1000.0
    if within is not None:
        same = areas_p[within].to_numpy()[:, None] == pts[within].to_numpy()[None, :]
        d = np.where(same, d, np.inf)
    out = d.min(axis=1)
    out[~np.isfinite(out)] = np.nan
    return pd.Series(
        out, index=pd.Index(areas_p["area_code"], name="area_code"), name="distance_km"
    )


def _frame_by_code(frame: pd.DataFrame, what: str) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"{what} must be a table (DataFrame)", expected="a pandas DataFrame")
    if "area_code" in frame.columns:
        frame = frame.set_index("area_code")
    frame = frame.copy()
    frame.index = frame.index.astype(str).rename("area_code")
    if frame.index.duplicated().any():
        dup = list(frame.index[frame.index.duplicated()][:5])
        raise InputError(f"{what} has repeated area codes, e.g. {dup}", column="area_code",
                         fix="Give one row per area (one period, one level).")  # fmt: skip
    return frame


def _counts(frame: pd.DataFrame, columns: Sequence[str], what: str) -> pd.DataFrame:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(f"{what} has no column " + ", ".join(map(repr, missing)),
                         column=missing, expected=f"columns {list(columns)}")  # fmt: skip
    out = frame[list(columns)].apply(pd.to_numeric, errors="coerce")
    bad = out.isna() | (out < 0) | (out % 1 != 0)
    if bad.any().any():
        col = out.columns[bad.any()][0]
        codes = list(out.index[bad[col]][:5])
        raise InputError(f"{what} has missing, negative or fractional counts in {col!r} "
                         f"(areas {codes})", column=col, expected="whole numbers of 0 or more",
                         fix="Fill in the counts (suppressed counts cannot be used here).")  # fmt: skip
    return out.astype(float)


def _covariates(covariates: pd.DataFrame | None, codes: pd.Index) -> pd.DataFrame:
    if covariates is None:
        return pd.DataFrame(index=codes)
    cov = _frame_by_code(covariates, "the covariate table")
    cov = cov.drop(columns=[c for c in ("area_name", "level", "lad_code", "msoa_code")
                            if c in cov.columns])  # fmt: skip
    shared = cov.index.intersection(codes)
    if len(shared) == 0:
        raise InputError(
            "the covariates are at another level or vintage than the counts: no area code "
            f"matches (covariates have e.g. {list(cov.index[:3])}, counts have e.g. {list(codes[:3])})",
            column="area_code",
            expected="one row per LSOA of the counts, with the same codes",
            fix="Load the covariate at LSOA level, for the same boundary vintage.",
        )
    if len(shared) < len(codes):
        missing = list(codes.difference(cov.index)[:5])
        raise InputError(
            f"the covariates miss {len(codes) - len(shared)} of the {len(codes)} areas "
            f"(e.g. {missing}); they may be at another level or vintage",
            column="area_code", fix="Give a covariate value for every LSOA with counts.",
        )  # fmt: skip
    cov = cov.loc[codes]
    numeric = cov.apply(pd.to_numeric, errors="coerce")
    for col in numeric.columns:
        if numeric[col].isna().any():
            raise InputError(f"covariate {col!r} has missing or non-numeric values",
                             column=col, expected="a number for every area")  # fmt: skip
        if numeric[col].std() == 0:
            raise InputError(f"covariate {col!r} is the same in every area", column=col,
                             fix="Leave it out: a constant says nothing about areas.")  # fmt: skip
    return (numeric - numeric.mean()) / numeric.std()


def _neighbour_matrix(adjacency: Any, codes: pd.Index) -> np.ndarray:
    neighbours = getattr(adjacency, "neighbors", adjacency)
    if not isinstance(neighbours, Mapping):
        raise InputError("the adjacency must be a libpysal weights object or a mapping "
                         "from area code to neighbouring codes")  # fmt: skip
    pos = {c: i for i, c in enumerate(codes)}
    w = np.zeros((len(codes), len(codes)))
    for code, near in neighbours.items():
        if str(code) in pos:
            for other in near:
                if str(other) in pos:
                    w[pos[str(code)], pos[str(other)]] = 1.0
    rows = w.sum(axis=1, keepdims=True)
    return np.divide(w, rows, out=np.zeros_like(w), where=rows > 0)


def _overlap_curves(p0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Visibility and share-known-to-2+ along the grid of log-odds shifts."""
    p = special.expit(special.logit(p0)[None, :] + _GRID[:, None])
    miss = np.prod(1 - p, axis=1)
    one = (p / (1 - p)).sum(axis=1) * miss
    visible = 1 - miss
    return visible, (visible - one) / visible


def _negative_binomial(
    y: np.ndarray, x: np.ndarray, offset: np.ndarray
) -> tuple[np.ndarray, np.ndarray, float]:
    """NB2 regression: coefficients, their covariance and ``alpha``.

    ``alpha`` by the Cameron-Trivedi auxiliary regression on a Poisson fit,
    then the GLM refitted with that ``alpha`` (twice); robust where a joint
    maximum-likelihood fit fails at ``alpha`` near 0.
    """
    alpha = 1e-8
    fit = None
    for _ in range(3):
        family = (
            sm.families.NegativeBinomial(alpha=alpha) if alpha > 1e-6 else sm.families.Poisson()
        )
        fit = sm.GLM(y, x, family=family, offset=offset).fit()
        mu = fit.fittedvalues
        alpha = float(max(((y - mu) ** 2 - y) @ mu / (mu @ mu), 1e-8))
    cov = np.asarray(fit.cov_params())
    if not np.all(np.isfinite(cov)) or not np.all(np.isfinite(fit.params)):
        raise EstimationError("the model of people per area did not converge; try fewer covariates")
    return np.asarray(fit.params), cov, alpha


class SmallAreaEstimator:
    """People facing multiple disadvantage per LSOA, known and hidden, with intervals.

    Parameters
    ----------
    lists : sequence of str, optional
        Columns of ``known_counts`` with people known to each service (default:
        every column other than the district, any, two-or-more and population
        columns).
    any_column, two_plus_column : str
        Columns with people known to any service / to two or more.
    district : str, default 'lad_code'
        Column of ``known_counts`` naming each area's district (stratum); the
        same name, or ``area_code``, identifies districts in ``totals``.
    population : str, optional
        Column with the adult population (an exposure for the people model).
    n_boot : int, default 500
        Bootstrap draws for the intervals.
    alpha : float, default 0.05
        1 - confidence level.
    random_state : int or numpy.random.Generator, optional
        Seed for the bootstrap.

    Attributes
    ----------
    estimates_ : pandas.DataFrame
        One row per LSOA: ``area_code``, the district column, ``n_hat,
        ci_low, ci_high, known, hidden, hidden_share, visibility, estimated``.
        Areas of districts without an estimate have ``estimated`` False and
        NaN estimates (only their known count is given).
    districts_ : pandas.DataFrame
        Per district: ``n_hat, ci_low, ci_high, known, sum_of_areas,
        estimated, note``.
    draws_ : pandas.DataFrame
        Bootstrap draws of people per area (rows: draws; columns: area codes
        of estimated districts).
    visibility_coef_, people_coef_ : pandas.Series
        Coefficients of the two models (covariates standardised).
    dispersion_ : float
        Negative binomial ``alpha`` of the people model (0 = Poisson).
    method_ : str
        Name of the method.

    Examples
    --------
    >>> est = SmallAreaEstimator(n_boot=200, random_state=0)  # doctest: +SKIP
    >>> est.fit(known_counts, totals, covariates=distance).estimates_  # doctest: +SKIP
    """

    def __init__(
        self,
        *,
        lists: Sequence[str] | None = None,
        any_column: str = "known_any",
        two_plus_column: str = "known_2plus",
        district: str = "lad_code",
        population: str | None = None,
        n_boot: int = 500,
        alpha: float = 0.05,
        random_state: int | np.random.Generator | None = None,
    ) -> None:
        self.lists = lists
        self.any_column = any_column
        self.two_plus_column = two_plus_column
        self.district = district
        self.population = population
        self.n_boot = n_boot
        self.alpha = alpha
        self.random_state = random_state

    # -- inputs ---------------------------------------------------------------
    def _inputs(self, known_counts: pd.DataFrame, totals: pd.DataFrame) -> None:
        frame = _frame_by_code(known_counts, "the known-counts table").sort_index()
        if self.district not in frame.columns:
            raise InputError(f"the known-counts table has no district column {self.district!r}",
                             column=self.district, fix="Add each LSOA's district code.")  # fmt: skip
        reserved = {self.district, self.any_column, self.two_plus_column, self.population}
        lists = list(self.lists) if self.lists is not None else [
            c for c in frame.columns if c not in reserved and pd.api.types.is_numeric_dtype(frame[c])
        ]  # fmt: skip
        if len(lists) < 2:
            raise InputError("at least two services' known counts are needed",
                             expected="lists= naming the columns of people known to each service")  # fmt: skip
        self.lists_ = lists
        extra = [self.population] if self.population else []
        cols = [*lists, self.any_column, self.two_plus_column]
        self._k = _counts(frame, cols + extra, "the known-counts table")
        k = self._k
        if (k[self.two_plus_column] > k[self.any_column]).any() or (
            k[self.any_column] > k[lists].sum(axis=1)
        ).any():
            raise InputError("known counts do not add up: need two-or-more <= any <= sum of services",
                             column=[self.any_column, self.two_plus_column])  # fmt: skip
        self._district = frame[self.district].astype(str)
        tot = pd.DataFrame(totals).copy()
        key = self.district if self.district in tot.columns else "area_code"
        if key not in tot.columns:
            raise InputError("the district totals have no district column",
                             column=[self.district, "area_code"])  # fmt: skip
        missing = [c for c in ("n_hat", "ci_low", "ci_high") if c not in tot.columns]
        if missing:
            raise InputError("the district totals miss " + ", ".join(missing), column=missing)
        tot = tot.set_index(tot[key].astype(str))[["n_hat", "ci_low", "ci_high"]]
        self._totals = tot.apply(pd.to_numeric, errors="coerce")

    # -- visibility -----------------------------------------------------------
    def _visibility_design(self, x: pd.DataFrame, districts: pd.Series) -> pd.DataFrame:
        dummies = pd.get_dummies(districts, dtype=float)
        return pd.concat([dummies, x], axis=1)

    def _visibility(
        self, beta: np.ndarray, design: np.ndarray, n_hat: Mapping[str, float]
    ) -> np.ndarray:
        """Visibility per area given visibility-model coefficients and district totals."""
        share = special.expit(design @ beta)
        any_known = self._any
        v = np.full(len(any_known), np.nan)
        for d, idx in self._members.items():
            p0 = np.clip(self._by_list[d] / max(n_hat[d], 1.0), 1e-3, 0.95)
            visible, two = _overlap_curves(p0)
            rel = np.interp(share[idx], two, _GRID) - np.interp(self._share[d], two, _GRID)
            known = any_known[idx]
            target = max(n_hat[d], known.sum() + 1e-6)

            def gap(
                c: float,
                rel: np.ndarray = rel,
                known: np.ndarray = known,
                visible: np.ndarray = visible,
                target: float = target,
            ) -> float:
                return float((known / np.interp(rel + c, _GRID, visible)).sum() - target)  # fmt: skip

            lo, hi = -15.0, 15.0
            if gap(lo) > 0 > gap(hi):
                c = optimize.brentq(gap, lo, hi, xtol=1e-4)
            else:  # the target is out of reach: as visible (or invisible) as can be
                c = hi if gap(hi) > 0 else lo
            v[idx] = np.interp(rel + c, _GRID, visible)
        return np.clip(v, 1e-3, 1.0)

    # -- fit --------------------------------------------------------------------
    def fit(
        self,
        known_counts: pd.DataFrame,
        totals: pd.DataFrame,
        covariates: pd.DataFrame | None = None,
        adjacency: Any = None,
    ) -> SmallAreaEstimator:
        """Fit both models, calibrate to the district totals and bootstrap.

        Parameters
        ----------
        known_counts : pandas.DataFrame
            One row per LSOA (``area_code`` column or index): the district
            column, people known to each service, to any, to two or more.
        totals : pandas.DataFrame
            District estimates: the district column (or ``area_code``),
            ``n_hat, ci_low, ci_high`` (e.g. from
            :func:`~meam_mapping.estimate.hidden_records`). A district missing
            here, or with no ``n_hat``, is marked and not estimated.
        covariates : pandas.DataFrame, optional
            Numeric LSOA covariates (``area_code`` column or index), e.g.
            distance to the nearest service hub, deprivation, log density.
        adjacency : libpysal.weights.W or mapping, optional
            Neighbours of each LSOA; adds a spatial lag to the people model.

        Returns
        -------
        SmallAreaEstimator
            ``self``.
        """
        self._inputs(known_counts, totals)
        k, codes = self._k, self._k.index
        x = _covariates(covariates, codes)
        tot = self._totals.reindex(self._district.unique())
        ok = tot["n_hat"].notna() & tot["ci_low"].notna() & tot["ci_high"].notna()
        est_districts = sorted(tot.index[ok])
        if not est_districts:
            raise EstimationError("no district has an estimate of its total (no overlap table), "
                                  "so only known people can be mapped")  # fmt: skip
        fitted = self._district.isin(est_districts).to_numpy()
        fcodes = codes[fitted]
        fd = self._district[fitted]
        self._members = {d: np.flatnonzero(fd.to_numpy() == d) for d in est_districts}
        kf = k.loc[fcodes]
        self._k_all, self._k = k, kf
        xf = x.loc[fcodes]
        n_hat = tot["n_hat"]

        # 1. Visibility: share known to 2+ among known to any.
        design = self._visibility_design(xf, fd)
        a, t = kf[self.any_column].to_numpy(), kf[self.two_plus_column].to_numpy()
        self._any = a
        self._by_list = {
            d: kf[self.lists_].to_numpy()[idx].sum(axis=0) for d, idx in self._members.items()
        }
        self._share = {
            d: (t[idx].sum() + 0.5) / (a[idx].sum() + 1) for d, idx in self._members.items()
        }
        use = a > 0
        vis = sm.GLM(np.column_stack([t, a - t])[use], design.to_numpy()[use],
                     family=sm.families.Binomial()).fit()  # fmt: skip
        beta, beta_cov = np.asarray(vis.params), np.asarray(vis.cov_params())
        v = self._visibility(beta, design.to_numpy(), n_hat)

        # 2. People: negative binomial of known with offset log visibility.
        pop = np.log(kf[self.population].clip(lower=1).to_numpy()) if self.population else 0.0
        lag_w = _neighbour_matrix(adjacency, fcodes) if adjacency is not None else None
        people_x = self._people_design(xf, fd, a, v, pop, lag_w)
        offset = np.log(v) + pop
        theta, theta_cov, disp = _negative_binomial(a, people_x.to_numpy(), offset)
        mu = np.exp(people_x.to_numpy() @ theta + pop)

        hidden = self._calibrated_hidden(mu, v, a, disp, n_hat)
        self.visibility_coef_ = pd.Series(beta, index=design.columns, name="visibility")
        self.people_coef_ = pd.Series(theta, index=people_x.columns, name="people")
        self.dispersion_ = disp
        self.method_ = SMALL_AREA_METHOD + (" with spatial lag" if lag_w is not None else "")

        # 3. Bootstrap.
        draws = self._bootstrap(beta, beta_cov, design, theta, theta_cov, people_x, pop, disp,
                                a, tot, lag_w)  # fmt: skip
        self.draws_ = pd.DataFrame(draws, columns=fcodes)
        self._assemble(codes, fitted, fcodes, a + hidden, v, tot, ok)
        return self

    def _people_design(self, x, districts, a, v, pop, lag_w) -> pd.DataFrame:  # noqa: ANN001
        design = pd.concat([pd.get_dummies(districts, dtype=float), x], axis=1)
        if lag_w is not None:
            rate = np.log((a + 0.5) / v) - pop
            design["spatial_lag"] = lag_w @ (rate - rate.mean())
        return design

    def _calibrated_hidden(self, mu, v, a, disp, n_hat) -> np.ndarray:  # noqa: ANN001
        kk = 1.0 / disp
        h = mu * (1 - v) * (kk + a) / (kk + mu * v)
        for d, idx in self._members.items():
            target = max(n_hat[d] - a[idx].sum(), 0.0)
            s = h[idx].sum()
            h[idx] = h[idx] * target / s if s > 0 else target / len(idx)
        return h

    def _bootstrap(
        self, beta, beta_cov, design, theta, theta_cov, people_x, pop, disp, a, tot, lag_w
    ) -> np.ndarray:  # noqa: ANN001
        rng = np.random.default_rng(self.random_state)
        z = stats.norm.ppf(0.975)
        out = np.empty((self.n_boot, len(a)))
        kk = 1.0 / disp
        px = people_x.to_numpy()
        dx = design.to_numpy()
        limits = {d: tuple(tot.loc[d, ["n_hat", "ci_low", "ci_high"]]) for d in self._members}
        for b in range(self.n_boot):
            n_b = {}
            for d, idx in self._members.items():
                known = a[idx].sum()
                nh, lo, hi = limits[d]
                mid = max(nh - known, 0.5)
                upper = max(hi - known, mid * 1.0001)
                sigma = np.log(upper / mid) / z
                if lo > known:
                    sigma = 0.5 * (sigma + np.log(mid / (lo - known)) / z)
                n_b[d] = known + mid * np.exp(sigma * rng.standard_normal())
            beta_b = rng.multivariate_normal(beta, beta_cov, method="eigh")
            v = self._visibility(beta_b, dx, n_b)
            xb = px.copy()
            if lag_w is not None:
                rate = np.log((a + 0.5) / v) - pop
                xb[:, -1] = lag_w @ (rate - rate.mean())
            theta_b = rng.multivariate_normal(theta, theta_cov, method="eigh")
            mu = np.exp(xb @ theta_b + pop)
            g = rng.gamma(kk + a, 1.0 / (kk + mu * v))
            w = mu * (1 - v) * g
            for d, idx in self._members.items():
                hidden_total = int(round(max(n_b[d] - a[idx].sum(), 0.0)))
                p = w[idx] / w[idx].sum()
                out[b, idx] = a[idx] + rng.multinomial(hidden_total, p)
        return out

    def _assemble(self, codes, fitted, fcodes, n_hat_f, v, tot, ok) -> None:  # noqa: ANN001
        q = [self.alpha / 2, 1 - self.alpha / 2]
        est = pd.DataFrame(index=codes)
        est[self.district] = self._district.to_numpy()
        known = self._k_all[self.any_column]
        est["n_hat"] = np.nan
        est.loc[fcodes, "n_hat"] = n_hat_f
        lims = self.draws_.quantile(q).T
        est["ci_low"], est["ci_high"] = np.nan, np.nan
        est.loc[fcodes, "ci_low"] = np.minimum(lims.iloc[:, 0].to_numpy(), n_hat_f)
        est.loc[fcodes, "ci_high"] = np.maximum(lims.iloc[:, 1].to_numpy(), n_hat_f)
        est["known"] = known.to_numpy()
        est["hidden"] = est["n_hat"] - est["known"]
        est["hidden_share"] = np.where(est["n_hat"] > 0, est["hidden"] / est["n_hat"], 0.0)
        est.loc[est["n_hat"].isna(), "hidden_share"] = np.nan
        est["visibility"] = np.nan
        est.loc[fcodes, "visibility"] = v
        est["estimated"] = fitted
        self.estimates_ = est.reset_index()[["area_code", self.district, *SMALL_AREA_COLUMNS[1:]]]
        rows = []
        for d in sorted(self._district.unique()):
            part = est.loc[est[self.district] == d]
            done = bool(ok.get(d, False))
            note = (
                "" if done else "no district estimate (no overlap table): only known people mapped"
            )
            if done and part["known"].sum() > tot.loc[d, "n_hat"]:
                note = (
                    "more people are known in the LSOA counts than the district estimate "
                    "(check both come from the same period and lists): no one hidden"
                )
            rows.append({self.district: d, "n_hat": tot.loc[d, "n_hat"] if done else np.nan,
                         "ci_low": tot.loc[d, "ci_low"] if done else np.nan,
                         "ci_high": tot.loc[d, "ci_high"] if done else np.nan,
                         "known": part["known"].sum(), "sum_of_areas": part["n_hat"].sum(min_count=1),
                         "estimated": done, "note": note})  # fmt: skip
        self.districts_ = pd.DataFrame(rows)

    def aggregate(self, parent: pd.Series | Mapping[str, str], level: str = "msoa") -> pd.DataFrame:
        """Add LSOA estimates up to parent areas (e.g. MSOAs).

        Parameters
        ----------
        parent : pandas.Series or mapping
            Parent code of each LSOA code (e.g. ``lsoa.set_index('area_code')['msoa_code']``).
        level : str, default 'msoa'
            Level name written in the ``level`` column.

        Returns
        -------
        pandas.DataFrame
            ``area_code, level, n_hat, ci_low, ci_high, known, hidden,
            hidden_share, estimated``: sums, with intervals from the summed
            bootstrap draws (not limits added up). A parent with any area not
            estimated is not estimated.
        """
        est = self.estimates_.set_index("area_code")
        parent = pd.Series(parent).astype(str)
        missing = est.index.difference(parent.index)
        if len(missing):
            raise InputError(f"{len(missing)} areas have no parent (e.g. {list(missing[:3])})",
                             fix="Give a parent code for every LSOA.")  # fmt: skip
        par = parent.loc[est.index]
        sums = est[["known"]].groupby(par).sum()
        sums["n_hat"] = est["n_hat"].groupby(par).sum(min_count=1)
        sums["estimated"] = est["estimated"].groupby(par).all()
        draws = self.draws_.T.groupby(par.loc[self.draws_.columns]).sum().T
        q = [self.alpha / 2, 1 - self.alpha / 2]
        lims = draws.quantile(q).T.reindex(sums.index)
        sums["ci_low"] = np.minimum(lims.iloc[:, 0], sums["n_hat"])
        sums["ci_high"] = np.maximum(lims.iloc[:, 1], sums["n_hat"])
        sums.loc[~sums["estimated"], ["n_hat", "ci_low", "ci_high"]] = np.nan
        sums["hidden"] = sums["n_hat"] - sums["known"]
        sums["hidden_share"] = sums["hidden"] / sums["n_hat"].where(sums["n_hat"] > 0)
        sums["level"] = level
        out = sums.reset_index().rename(columns={"index": "area_code", par.name: "area_code"})
        out = out.rename(columns={out.columns[0]: "area_code"})
        cols = ["area_code", "level", "n_hat", "ci_low", "ci_high", "known", "hidden",
                "hidden_share", "estimated"]  # fmt: skip
        return out[cols]


def estimate_small_areas(
    known_counts: pd.DataFrame,
    totals: pd.DataFrame,
    covariates: pd.DataFrame | None = None,
    adjacency: Any = None,
    **params: Any,
) -> pd.DataFrame:
    """One-shot :class:`SmallAreaEstimator`: return its ``estimates_`` table.

    Parameters
    ----------
    known_counts, totals, covariates, adjacency
        As for :meth:`SmallAreaEstimator.fit`.
    **params
        :class:`SmallAreaEstimator` parameters.

    Returns
    -------
    pandas.DataFrame
        One row per LSOA (see :attr:`SmallAreaEstimator.estimates_`).
    """
    return SmallAreaEstimator(**params).fit(known_counts, totals, covariates, adjacency).estimates_
