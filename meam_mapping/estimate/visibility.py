"""The visibility gap: where people facing multiple disadvantage are least visible to services.

Among people known to *any* service, the share known to *two or more* rises
with how visible people are: where services reach people well, someone seen
by one service is likely to be seen by another too; where services reach
people poorly (far from service points, in rural areas), people are seen by
one service or by none. The share seen by two or more is therefore a
visibility signal that services can give per area without linking records
(two aggregated counts), and a lower share means a larger share of people
seen by no service at all (the hidden share).

Comparing *known counts* with peers' rates (the earlier design) cannot tell
hidden need from low need: both give few known people. This comparison does
not use the known count as the outcome, only the *mix* of the known.

Method
------
1. Within each stratum (district by default, because districts differ in how
   their services work and the multiple systems estimates are made per
   district), areas are put into ``n_groups`` peer groups on a *visibility
   context*: quantile bands of one covariate (for example distance to the
   nearest service point, or rurality) or, with several covariates, k-means
   groups of the standardised values. The groups are formed from the context
   only, never from the counts tested.
2. For each group, the share of its known people seen by two or more services
   is compared with the share in its whole stratum by the exact conditional
   (hypergeometric) test: under the null hypothesis that everyone known in the
   stratum is equally likely to be seen by two or more wherever they live, the
   group's two-or-more count is a hypergeometric draw (population = people
   known in the stratum, successes = those known to two or more, draws =
   people known in the group). This is Fisher's exact test of the group
   against the rest of its stratum, one tail at a time.
3. Every area of a group whose lower-tail p-value is at most
   ``(1 - confidence) / 2`` is flagged "less visible than the rest of its
   district"; the upper tail at the same level gives "more visible". Areas
   with no known people are still flagged with their group: visibility
   belongs to the place, not to the count.
4. The number of areas flagged by chance alone is exact: for each group the
   probability, under the null, that the test rejects is ``P(S <= c)`` with
   ``c`` the largest count the test rejects (at most the nominal level, less
   for small groups because counts are discrete); the expected number of
   chance flags is the sum of that probability over the areas assessed.

Assumptions: within a stratum, the people known to services in each area are
alike apart from their visibility (the same mix of needs and of services);
the context really separates places that services reach differently; the
lists counted in "two or more" are the same everywhere. A flag says people
there are *less visible*, so a larger share is likely hidden; the number of
hidden people also depends on how many people face multiple disadvantage
there, which the small-area estimates give.

References
----------
Fisher, R. A. (1935). The logic of inductive inference. J. R. Stat. Soc. 98, 39-82.
Agresti, A. (2002). Categorical Data Analysis, 2nd ed., sect. 3.5 (exact
conditional tests). Wiley.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.cluster import KMeans

from meam_mapping.errors import InputError

__all__ = [
    "VISIBILITY_FLAGS",
    "VISIBILITY_METHOD",
    "VISIBILITY_VALIDATION",
    "VisibilityGap",
    "exact_group_test",
    "visibility_gap",
]

#: The flags, in the words shown to people.
VISIBILITY_FLAGS: tuple[str, ...] = (
    "less visible than the rest of its district (more people likely hidden)",
    "as expected",
    "more visible than the rest of its district",
    "not assessed",
)
VISIBILITY_METHOD = (
    "share of known people seen by two or more services, peer groups on a visibility context "
    "within each district, exact conditional (hypergeometric) test"
)
#: Fewest areas a peer group may have.
MIN_GROUP_AREAS = 3


def _rows(mask: np.ndarray) -> int | list[int]:
    """Spreadsheet row numbers (header is row 1) of the True entries."""
    rows = [int(i) + 2 for i in np.flatnonzero(mask)]
    return rows[0] if len(rows) == 1 else rows


def _numeric_column(table: pd.DataFrame, column: str) -> np.ndarray:
    values = pd.to_numeric(table[column], errors="coerce")
    bad = values.isna().to_numpy() & table[column].notna().to_numpy()
    if bad.any():
        raise InputError(
            f"{int(bad.sum())} values in {column!r} are not numbers",
            row=_rows(bad),
            column=column,
            expected="numbers",
        )
    return values.to_numpy(dtype=float, copy=True)


def exact_group_test(
    known: float, two_plus: float, group_known: float, group_two_plus: float, alpha: float
) -> tuple[float, float, float, float]:
    """Exact tests of a group's two-or-more share against its stratum's.

    Parameters
    ----------
    known, two_plus : float
        People known to any service / to two or more in the whole stratum.
    group_known, group_two_plus : float
        The same in the group.
    alpha : float
        Level of each tail.

    Returns
    -------
    tuple of float
        ``(p_lower, p_upper, chance_lower, chance_upper)``: the one-sided
        p-values and the exact probabilities, under the null, that each tail
        rejects at ``alpha``.
    """
    support = np.arange(int(group_known) + 1)
    pmf = stats.hypergeom.pmf(support, int(known), int(two_plus), int(group_known))
    cdf = np.minimum(np.cumsum(pmf), 1.0)  # P(S <= s)
    sf = np.minimum(np.cumsum(pmf[::-1])[::-1], 1.0)  # P(S >= s)
    low, high = cdf[cdf <= alpha], sf[sf <= alpha]
    s = int(group_two_plus)
    return (
        float(cdf[s]),
        float(sf[s]),
        float(low.max()) if low.size else 0.0,
        float(high.max()) if high.size else 0.0,
    )


class VisibilityGap:
    """Find areas whose known people are less visible to services than their district's.

    Parameters
    ----------
    context : list of str
        Columns of the visibility context (e.g. ``['distance_km']``); one
        column gives quantile bands, several give k-means groups.
    stratum : str, optional
        Column naming each area's district (stratum); the whole table is one
        stratum when None.
    any_column, two_plus_column : str
        Columns with people known to any service / to two or more.
    n_groups : int, default 2
        Peer groups per stratum (2: e.g. the nearer and the farther half;
        fewer where a stratum has too few areas for ``MIN_GROUP_AREAS`` per
        group).
    confidence : float, default 0.95
        Two-sided level: each flag uses one tail at ``(1 - confidence) / 2``.
    random_state : int, default 0
        Seed for k-means (several context columns only).

    Attributes
    ----------
    result_ : pandas.DataFrame
        One row per area: ``area_code`` (``area_name`` when given), ``stratum,
        group, group_label, known, two_plus, group_share, stratum_share,
        ratio, p_lower, p_upper, flag, chance, reason``. ``group_share`` and
        ``stratum_share`` are shares of known people seen by two or more;
        ``ratio`` their ratio; ``chance`` the exact probability, under the
        null, that the area is flagged less visible.
    groups_ : pandas.DataFrame
        One row per peer group: ``stratum, group, group_label, areas, known,
        two_plus, group_share, stratum_share, p_lower, p_upper, flag``.
    expected_by_chance_ : float
        Exact expected number of areas flagged "less visible" when visibility
        does not differ within strata.
    n_flagged_ : int
        Areas flagged "less visible".
    assumption_text_ : str
        The method, its assumptions and the flags' count against chance, in words.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> distance = rng.uniform(0, 20, 120)
    >>> known = rng.poisson(8, 120)
    >>> share = 1 / (1 + np.exp(-(0.8 - 0.12 * distance)))
    >>> table = pd.DataFrame({"area_code": [f"A{i}" for i in range(120)],
    ...     "known_any": known, "known_2plus": rng.binomial(known, share), "distance_km": distance})
    >>> gap = VisibilityGap(context=["distance_km"]).fit(table)
    >>> gap.groups_["flag"].iloc[-1]
    'less visible than the rest of its district (more people likely hidden)'
    """

    def __init__(
        self,
        *,
        context: Sequence[str] | None = None,
        stratum: str | None = None,
        any_column: str = "known_any",
        two_plus_column: str = "known_2plus",
        n_groups: int = 2,
        confidence: float = 0.95,
        random_state: int | None = 0,
    ) -> None:
        self.context = context
        self.stratum = stratum
        self.any_column = any_column
        self.two_plus_column = two_plus_column
        self.n_groups = n_groups
        self.confidence = confidence
        self.random_state = random_state

    # ----------------------------------------------------------------- checks
    def _check(self, table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if not isinstance(table, pd.DataFrame):
            raise InputError(f"expected a table, got {type(table).__name__}")
        if not self.context:
            raise InputError(
                "no visibility context was chosen",
                expected="context= naming one or more columns, e.g. ['distance_km']",
                fix="Choose what makes places easier or harder for services to reach "
                "(distance to services, rurality, deprivation)",
            )
        needed = ["area_code", self.any_column, self.two_plus_column, *self.context]
        needed += [self.stratum] if self.stratum else []
        missing = [c for c in needed if c not in table.columns]
        if missing:
            raise InputError(
                "the table has no column " + ", ".join(repr(c) for c in missing),
                column=missing,
                expected="columns " + ", ".join(repr(c) for c in needed),
            )
        if table["area_code"].duplicated().any():
            raise InputError(
                "some area codes appear more than once",
                row=_rows(table["area_code"].duplicated().to_numpy()),
                column="area_code",
                expected="one row per area",
            )
        if not 0 < float(self.confidence) < 1:
            raise InputError(f"confidence={self.confidence!r} is not a level",
                             expected="a number between 0 and 1, e.g. 0.95")  # fmt: skip
        if isinstance(self.n_groups, bool) or not isinstance(self.n_groups, (int, np.integer)) \
                or self.n_groups < 2:  # fmt: skip
            raise InputError(f"n_groups={self.n_groups!r} cannot be used",
                             expected="a whole number of 2 or more")  # fmt: skip
        known = _numeric_column(table, self.any_column)
        two = _numeric_column(table, self.two_plus_column)
        for name, values in ((self.any_column, known), (self.two_plus_column, two)):
            bad = (values < 0) | (values % 1 != 0)
            if bad.any():
                raise InputError(f"{int(bad.sum())} values in {name!r} are negative or fractional",
                                 row=_rows(bad), column=name, expected="whole numbers of 0 or more")  # fmt: skip
        over = two > known
        if over.any():
            raise InputError(
                f"{int(over.sum())} areas have more people known to two or more services than "
                "to any service",
                row=_rows(over),
                column=[self.two_plus_column, self.any_column],
                expected="two or more <= any",
                fix="Check the two columns are the same people, period and lists",
            )
        if "suppressed" in table.columns:
            hidden = table["suppressed"].fillna(False).astype(bool).to_numpy()
            known[hidden], two[hidden] = np.nan, np.nan
        matrix = np.column_stack([_numeric_column(table, c) for c in self.context])
        blank = np.isnan(matrix).any(axis=1)
        if blank.any():
            raise InputError(
                f"{int(blank.sum())} areas have no value for a context indicator",
                row=_rows(blank),
                column=list(self.context),
                expected="a context value for every area",
                fix="Fill the gaps, or drop those areas or that indicator",
            )
        return known, two, matrix

    # ----------------------------------------------------------------- groups
    def _groups(self, matrix: np.ndarray) -> np.ndarray:
        """Peer group (0, 1, ...) of each area of one stratum, ordered by the first column."""
        n = len(matrix)
        k = int(min(self.n_groups, n // MIN_GROUP_AREAS))
        if k < 2 or len(np.unique(matrix, axis=0)) < 2:
            return np.zeros(n, dtype=int)
        if matrix.shape[1] == 1:
            ranks = stats.rankdata(matrix[:, 0], method="average")
            return np.minimum(((ranks - 0.5) / n * k).astype(int), k - 1)
        scaled = (matrix - matrix.mean(axis=0)) / np.where(
            matrix.std(axis=0) > 0, matrix.std(axis=0), 1
        )
        labels = KMeans(n_clusters=k, n_init=10, random_state=self.random_state).fit_predict(scaled)
        order = pd.Series(matrix[:, 0]).groupby(labels).mean().sort_values().index
        relabel = {old: new for new, old in enumerate(order)}
        return np.array([relabel[x] for x in labels])

    # ----------------------------------------------------------------- fit
    def fit(self, table: pd.DataFrame, y: None = None) -> VisibilityGap:
        """Group areas on the context and test each group against its stratum.

        Parameters
        ----------
        table : pandas.DataFrame
            One row per area: ``area_code``, the any and two-or-more columns
            (blank, or ``suppressed`` True, where unknown), the context
            columns and the stratum column.
        y : None
            Ignored (scikit-learn convention).

        Returns
        -------
        VisibilityGap
            ``self``, fitted.

        Raises
        ------
        InputError
            Missing or inconsistent columns, blank context, unusable options.
        """
        known, two, matrix = self._check(table)
        codes = table["area_code"].astype(str).to_numpy()
        strata = (
            table[self.stratum].astype(str).to_numpy()
            if self.stratum
            else np.full(len(table), "study area", dtype=object)
        )
        alpha = (1 - float(self.confidence)) / 2
        counted = ~np.isnan(known)
        group = np.zeros(len(table), dtype=int)
        rows = []
        for s in pd.unique(strata):
            inside = np.flatnonzero(strata == s)
            group[inside] = self._groups(matrix[inside])
            k_s, t_s = np.nansum(known[inside]), np.nansum(two[inside])
            for g in np.unique(group[inside]):
                members = inside[group[inside] == g]
                use = members[counted[members]]
                k_g, t_g = known[use].sum(), two[use].sum()
                ctx = matrix[members, 0]
                row = {
                    "stratum": s, "group": int(g) + 1, "areas": len(members),
                    "group_label": f"{s}: group {int(g) + 1} ({self.context[0]} "
                                   f"{ctx.min():.3g} to {ctx.max():.3g})",
                    "known": k_g, "two_plus": t_g,
                    "group_share": t_g / k_g if k_g > 0 else np.nan,
                    "stratum_share": t_s / k_s if k_s > 0 else np.nan,
                    "p_lower": np.nan, "p_upper": np.nan, "chance": 0.0, "chance_upper": 0.0,
                    "assessed": k_g > 0 and k_g < k_s and 0 < t_s < k_s,
                }  # fmt: skip
                if row["assessed"]:
                    p_lo, p_hi, c_lo, c_hi = exact_group_test(k_s, t_s, k_g, t_g, alpha)
                    row.update(p_lower=p_lo, p_upper=p_hi, chance=c_lo, chance_upper=c_hi)
                rows.append(row)
        groups = pd.DataFrame(rows)
        flag = np.where(groups["p_lower"] <= alpha, VISIBILITY_FLAGS[0],
                        np.where(groups["p_upper"] <= alpha, VISIBILITY_FLAGS[2], VISIBILITY_FLAGS[1]))  # fmt: skip
        groups["flag"] = np.where(groups["assessed"], flag, VISIBILITY_FLAGS[3])
        groups["ratio"] = groups["group_share"] / groups["stratum_share"]
        self.groups_ = groups

        key = pd.MultiIndex.from_arrays([strata, group + 1])
        per = groups.set_index(["stratum", "group"]).reindex(key)
        result = pd.DataFrame({"area_code": codes, "stratum": strata, "group": group + 1})
        for column in ("group_label", "group_share", "stratum_share", "ratio", "p_lower",
                       "p_upper", "flag", "chance"):  # fmt: skip
            result[column] = per[column].to_numpy()
        result.insert(3, "known", known)
        result.insert(4, "two_plus", two)
        reason = np.full(len(table), None, dtype=object)
        not_assessed = result["flag"].to_numpy() == VISIBILITY_FLAGS[3]
        reason[not_assessed] = "no one known in the group, or the district cannot be compared"
        reason[~counted] = "count suppressed or missing (the area's group is still assessed)"
        result["reason"] = reason
        result.loc[not_assessed, "chance"] = 0.0
        if "area_name" in table.columns:
            result.insert(1, "area_name", table["area_name"].to_numpy())
        self.result_ = result
        self.context_ = list(self.context or [])
        self.n_flagged_ = int((result["flag"] == VISIBILITY_FLAGS[0]).sum())
        self.expected_by_chance_ = float(result["chance"].sum())
        self.method_ = VISIBILITY_METHOD
        self.assumption_text_ = self._assumption_text()
        return self

    def _assumption_text(self) -> str:
        names = ", ".join(self.context_)
        level = (1 - float(self.confidence)) / 2
        where = "its district" if self.stratum else "the study area"
        return (
            f"Within each district, areas were put into up to {self.n_groups} groups of areas alike on "
            f"{names}. For each group, the share of the people known to services who are known to two "
            f"or more services was compared with the same share in {where}: where services reach "
            "people less well, fewer of the people they know are known to several services, and more "
            "people are likely to be known to none. The test is exact (Fisher's test of the group "
            f"against {where}, one-sided at {level:.1%}). "
            f"{self.n_flagged_} areas were flagged as less visible; if visibility did not differ "
            f"within districts, {self.expected_by_chance_:.1f} areas would be flagged on average by "
            "chance alone (worked out exactly for these groups and counts). The comparison assumes "
            "that the people known in each group have the same mix of needs and services as the rest "
            f"of {where}, and that {names} separates places that services reach differently. A flag "
            "says a larger *share* of people there is likely hidden; how *many* depends on how many "
            "people face multiple disadvantage there (see the small-area estimates)."
        )


def visibility_gap(
    table: pd.DataFrame,
    *,
    context: Sequence[str],
    stratum: str | None = None,
    any_column: str = "known_any",
    two_plus_column: str = "known_2plus",
    n_groups: int = 2,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Flag areas less visible than their district in one call.

    Parameters
    ----------
    table : pandas.DataFrame
        As for :meth:`VisibilityGap.fit`.
    context, stratum, any_column, two_plus_column, n_groups, confidence
        As for :class:`VisibilityGap`.

    Returns
    -------
    pandas.DataFrame
        :attr:`VisibilityGap.result_`.
    """
    model = VisibilityGap(
        context=context,
        stratum=stratum,
        any_column=any_column,
        two_plus_column=two_plus_column,
        n_groups=n_groups,
        confidence=confidence,
    )
    return model.fit(table).result_


#: What the validation (``python bench/visibility.py``; bench/results/visibility.md) found, in words.
VISIBILITY_VALIDATION = (
    "Checked against the truth on simulated worlds where people far from services are less visible "
    "(the demo world and 24 others with gentler and steeper falls in visibility): with areas grouped on "
    "distance to the nearest service point, flagged areas had a higher true share of people hidden from "
    "every service than the other areas in 22 of the 24 worlds (on average 59% against 36%; on the demo "
    "40% against 28%, 101 areas flagged where 7.1 would be by chance). They did not have more hidden "
    "people per area (about 2.0 against 1.9; on the demo 1.5 against 1.5), because people far from "
    "services are also fewer: use the small-area estimates for numbers. Grouped on deprivation instead, "
    "flags were right in only about half of the worlds. When visibility did not differ, the number "
    "of flags matched the exact chance count (7.1 flags on average against 7.06 expected, over 200 "
    "redraws of the demo)."
)
