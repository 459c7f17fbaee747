"""The synthetic Cambridgeshire demonstration: a known population on real areas.

The demo places a known number of adults facing multiple disadvantage on the
375 real LSOAs (December 2011) of Cambridgeshire, concentrated where a
spatially smooth "risk" surface is high (Cambridge city centre, Wisbech,
March, Huntingdon, St Neots, Ely...), and lets four services see each person
with known, district-specific and *dependent* probabilities:

* ``housing`` (housing options / homelessness services),
* ``treatment`` (drug and alcohol treatment),
* ``mental_health`` (community mental health services),
* ``probation``.

Visibility is not the same for everyone. Each district has one to three
service hubs (the centroids of its highest-risk LSOAs, at least 5 km apart,
shipped as a point layer, :attr:`DemoData.hubs`). The log-odds of being seen by
every service fall by ``visibility_gradient`` per kilometre from the nearest
hub of the person's district, and differ by sex and age band (men are likelier
to be on probation, women to be in mental health services, the young less
likely to be in treatment...). The truth per LSOA (people, seen, hidden) is
kept in :attr:`DemoTruth.by_lsoa`.

Probation refers people to treatment and housing services refer people to
mental health services, so ``treatment:probation`` and
``housing:mental_health`` are positively dependent. Capture histories are
drawn from a Poisson log-linear model with exactly those two interactions, so
the log-linear model that includes them is the true model *for each person*;
across a district, the shared fall of visibility with distance adds
heterogeneity that a district-level model does not see (a modest default
gradient keeps the district estimates' intervals around the truth; a stronger
one makes them run low). The demo doubles as a test bed for the
hidden-population and small-area estimators: the truth is kept apart in
:class:`DemoTruth`.

The result is aggregated the way a partnership would receive real data:
indicator counts per LSOA with adult-population denominators (including the
cohort's own counts known to each service, to any service and to two or more,
which data-sharing partners can give without linking records at LSOA level),
and overlap (pattern) tables per district. Everything is labelled as synthetic.

All randomness comes from one seed, so ``build_demo()`` always returns the same
data.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from meam_mapping.indicators.table import fill_vocabulary
from meam_mapping.schema import INDICATOR_COLUMNS, SYNTHETIC_LABEL

__all__ = [
    "DEFAULT_VISIBILITY_GRADIENT",
    "DEMO_AGE_BANDS",
    "DEMO_BOUNDARIES",
    "DEMO_INDICATORS",
    "DEMO_KNOWN_INDICATORS",
    "DEMO_LISTS",
    "DEMO_PERIOD",
    "DISTANCE_INDICATOR",
    "DEMO_SOURCE",
    "DemoData",
    "DemoTruth",
    "build_demo",
    "load_demo_areas",
]

DEMO_BOUNDARIES = Path(__file__).resolve().parents[1] / "data" / "cambridgeshire.gpkg"
DEMO_PERIOD = "2025/26"
DEMO_SOURCE = "MEAM Mapping simulator (synthetic demonstration data)"
BOUNDARY_ATTRIBUTION = (
    "Boundaries: Office for National Statistics licensed under the Open Government "
    "Licence v.3.0; contains OS data © Crown copyright and database right 2021"
)
#: The services ("lists") of the overlap tables.
DEMO_LISTS: tuple[str, ...] = ("housing", "treatment", "mental_health", "probation")

#: Demo indicators: id -> (name, domain, service list, caseload rate per 1,000
#: adults outside the multiple-disadvantage cohort at average risk).
DEMO_INDICATORS: dict[str, tuple[str, str, str | None, float]] = {
    "homelessness_duty_owed": (
        "Adults owed a homelessness prevention or relief duty",
        "homelessness",
        "housing",
        5.0,
    ),
    "drug_alcohol_treatment": (
        "Adults in drug and alcohol treatment",
        "substance_misuse",
        "treatment",
        5.5,
    ),
    "secondary_mental_health": (
        "Adults in contact with community mental health services",
        "mental_health",
        "mental_health",
        14.0,
    ),
    "probation_caseload": (
        "Adults supervised by probation",
        "justice",
        "probation",
        3.5,
    ),
    "known_multiple_disadvantage": (
        "People facing multiple disadvantage known to two or more services",
        "context",
        None,
        0.0,
    ),
}

#: Cohort counts per LSOA for the small-area estimator: id -> (name, service or
#: "any"). People facing multiple disadvantage known to each service / to any.
DEMO_KNOWN_INDICATORS: dict[str, tuple[str, str]] = {
    **{
        f"known_md_{service}": (
            f"People facing multiple disadvantage known to {service.replace('_', ' ')} services",
            service,
        )
        for service in DEMO_LISTS
    },
    "known_md_any": ("People facing multiple disadvantage known to any service", "any"),
}

#: Context indicator: distance (km) from each LSOA's centroid to the nearest
#: service hub of its district.
DISTANCE_INDICATOR = "distance_to_service_km"

#: Age bands of the simulated cohort and their shares.
DEMO_AGE_BANDS: dict[str, float] = {"18-24": 0.15, "25-34": 0.3, "35-49": 0.35, "50+": 0.2}
#: Default fall in the log-odds of being seen by each service per km from the
#: nearest hub of the person's district (modest: the district estimates stay
#: near the truth).
DEFAULT_VISIBILITY_GRADIENT = 0.04
# Hubs per district (towns with services), chosen at the highest-risk LSOAs.
_HUBS_PER_DISTRICT = {
    "E07000008": 1,
    "E07000009": 2,
    "E07000010": 3,
    "E07000011": 3,
    "E07000012": 2,
}
# Log-odds shifts of being seen by (housing, treatment, mental_health, probation).
_SEX_EFFECT = {"male": (-0.05, 0.05, -0.15, 0.2), "female": (0.1, -0.1, 0.15, -0.3)}
_AGE_EFFECT = {
    "18-24": (0.15, -0.25, -0.1, 0.1),
    "25-34": (0.05, 0.05, 0.0, 0.05),
    "35-49": (0.0, 0.05, 0.05, 0.0),
    "50+": (-0.15, -0.15, 0.1, -0.2),
}

# District-specific main effects (probability of being seen by each service)
# and the two pairwise dependencies (odds ratios), by district code.
_CAPTURE = {
    "E07000008": (0.35, 0.30, 0.25, 0.30),  # Cambridge
    "E07000009": (0.25, 0.25, 0.20, 0.20),  # East Cambridgeshire
    "E07000010": (0.30, 0.30, 0.20, 0.30),  # Fenland
    "E07000011": (0.30, 0.25, 0.25, 0.25),  # Huntingdonshire
    "E07000012": (0.25, 0.25, 0.20, 0.20),  # South Cambridgeshire
}
_ODDS_TREATMENT_PROBATION = 3.0
_ODDS_HOUSING_MENTAL_HEALTH = 2.0
_MD_RATE_PER_1000 = 4.0  # people facing multiple disadvantage per 1,000 adults at mean risk


@dataclass(frozen=True)
class DemoTruth:
    """What the simulator knows and no service does.

    Attributes
    ----------
    people : pandas.DataFrame
        One row per simulated person: ``person_id, area_code, lad_code, sex,
        age_band, distance_km`` (to the nearest hub of the district), one 0/1
        column per domain and one per service list.
    n_by_district : pandas.Series
        True number of people facing multiple disadvantage per district.
    n_by_lsoa : pandas.Series
        True number per LSOA (zero where none).
    risk : pandas.Series
        The smooth risk surface per LSOA that concentrates need.
    by_lsoa : pandas.DataFrame
        One row per LSOA (index ``area_code``): ``lad_code, distance_km,
        n_true, seen, hidden`` (``seen`` = known to at least one service,
        ``hidden`` = ``n_true - seen``).
    visibility_gradient : float
        Fall in the log-odds of being seen per km from the nearest hub.
    """

    people: pd.DataFrame
    n_by_district: pd.Series
    n_by_lsoa: pd.Series
    risk: pd.Series
    by_lsoa: pd.DataFrame | None = None
    visibility_gradient: float = DEFAULT_VISIBILITY_GRADIENT

    @property
    def total(self) -> int:
        """True total number of people facing multiple disadvantage."""
        return int(self.n_by_district.sum())


@dataclass(frozen=True)
class DemoData:
    """The demo as the app and command line use it.

    Attributes
    ----------
    areas : dict of str to geopandas.GeoDataFrame
        Areas by level (``"lsoa"``, ``"msoa"``, ``"lad"``) in EPSG:27700.
    indicators : pandas.DataFrame
        Tidy indicator table at LSOA level (``schema.INDICATOR_COLUMNS`` plus
        ``indicator_name``), as services would report it (unsuppressed: the
        disclosure policy is applied before anything leaves the app).
    patterns : pandas.DataFrame
        Overlap table: ``area_code`` (district), ``sex``, one 0/1 column per
        service in :data:`DEMO_LISTS`, ``count``.
    truth : DemoTruth
        Ground truth, for tests and the accuracy notes; never shown as data.
    label : str
        "Synthetic demonstration data" label for maps and exports.
    sources : list of dict
        Provenance of every table (name, source, licence, date).
    hubs : geopandas.GeoDataFrame or None
        Service hubs as points in EPSG:27700: ``hub_id, hub_name, lad_code,
        area_code`` (the LSOA whose centroid it is), ``geometry``. A
        partnership replaces them with its own service locations.
    """

    areas: dict[str, gpd.GeoDataFrame]
    indicators: pd.DataFrame
    patterns: pd.DataFrame
    truth: DemoTruth
    label: str = SYNTHETIC_LABEL
    sources: list[dict[str, str]] = field(default_factory=list)
    hubs: gpd.GeoDataFrame | None = None


def load_demo_areas(path: Path | str = DEMO_BOUNDARIES) -> dict[str, gpd.GeoDataFrame]:
    """Read the shipped Cambridgeshire boundaries, one GeoDataFrame per level.

    Parameters
    ----------
    path : path-like, optional
        The GeoPackage built by ``scripts/build_demo_boundaries.py``.

    Returns
    -------
    dict of str to geopandas.GeoDataFrame
        Keys ``"lsoa"``, ``"msoa"``, ``"lad"``.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(
            f"The demo boundaries {path} are missing. They ship with MEAM Mapping; "
            "restore them from the repository or rebuild them with "
            "'python scripts/build_demo_boundaries.py'."
        )
    return {level: gpd.read_file(path, layer=level) for level in ("lsoa", "msoa", "lad")}


def _risk_surface(lsoa: gpd.GeoDataFrame, rng: np.random.Generator) -> pd.Series:
    """Smooth, clustered risk per LSOA: town centres plus correlated noise."""
    centroids = lsoa.geometry.centroid
    xy = np.column_stack([centroids.x.to_numpy(), centroids.y.to_numpy()])
    area_km2 = lsoa.geometry.area.to_numpy() / 1e6
    density = 1.0 / np.maximum(area_km2, 0.05)
    # Town centres: the densest LSOAs, at least 4 km apart.
    order = np.argsort(-density)
    centres: list[int] = []
    for i in order:
        if all(np.hypot(*(xy[i] - xy[j])) > 4000 for j in centres):
            centres.append(i)
        if len(centres) == 8:
            break
    dist = np.hypot(xy[:, None, 0] - xy[None, centres, 0], xy[:, None, 1] - xy[None, centres, 1])
    weights = np.linspace(1.6, 0.6, len(centres))  # biggest towns weigh most
    towns = (weights * np.exp(-((dist / 1800.0) ** 2))).sum(axis=1)
    # Spatially correlated noise: white noise smoothed with a 3 km kernel.
    noise = rng.normal(size=len(lsoa))
    pair = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    kernel = np.exp(-((pair / 3000.0) ** 2))
    smooth = kernel @ noise / kernel.sum(axis=1)
    smooth = (smooth - smooth.mean()) / smooth.std()
    log_risk = 1.3 * towns + 0.35 * smooth
    risk = np.exp(log_risk - log_risk.mean())
    return pd.Series(risk / risk.mean(), index=lsoa["area_code"].to_numpy(), name="risk")


def _service_hubs(
    lsoa: gpd.GeoDataFrame, risk: pd.Series, lad_names: dict[str, str]
) -> gpd.GeoDataFrame:
    """Service hubs: per district, the highest-risk LSOA centroids >= 5 km apart."""
    centroids = lsoa.geometry.centroid
    rows = []
    for lad_code, n_hubs in _HUBS_PER_DISTRICT.items():
        inside = np.flatnonzero(lsoa["lad_code"].to_numpy() == lad_code)
        if inside.size == 0:
            continue
        order = inside[np.argsort(-risk.to_numpy()[inside], kind="stable")]
        chosen: list[int] = []
        for i in order:
            point = centroids.iloc[i]
            if all(point.distance(centroids.iloc[j]) > 5000 for j in chosen):
                chosen.append(i)
            if len(chosen) == n_hubs:
                break
        for k, i in enumerate(chosen, start=1):
            rows.append(
                {
                    "hub_id": f"{lad_code}-{k}",
                    "hub_name": f"{lad_names.get(lad_code, lad_code)} service hub {k}",
                    "lad_code": lad_code,
                    "area_code": lsoa["area_code"].iloc[i],
                    "geometry": centroids.iloc[i],
                }
            )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=lsoa.crs)


def _hub_distance_km(lsoa: gpd.GeoDataFrame, hubs: gpd.GeoDataFrame) -> np.ndarray:
    """Distance (km) from each LSOA centroid to the nearest hub of its district."""
    centroids = lsoa.geometry.centroid
    cx, cy = centroids.x.to_numpy(), centroids.y.to_numpy()
    out = np.full(len(lsoa), np.nan)
    for lad_code, group in hubs.groupby("lad_code"):
        inside = lsoa["lad_code"].to_numpy() == lad_code
        hx, hy = group.geometry.x.to_numpy(), group.geometry.y.to_numpy()
        d = np.hypot(cx[inside, None] - hx[None, :], cy[inside, None] - hy[None, :])
        out[inside] = d.min(axis=1) / 1000.0
    return out


_PATTERNS = np.array(list(itertools.product((0, 1), repeat=4)))


def _pattern_probabilities(logit: np.ndarray) -> np.ndarray:
    """Probabilities of the 16 capture patterns under the demo log-linear model.

    ``logit`` holds main effects, one row per person (or one row); the two
    positive interactions are added; the all-zero pattern is the hidden cell.
    """
    eta = np.atleast_2d(logit) @ _PATTERNS.T
    eta += np.log(_ODDS_TREATMENT_PROBATION) * _PATTERNS[:, 1] * _PATTERNS[:, 3]
    eta += np.log(_ODDS_HOUSING_MENTAL_HEALTH) * _PATTERNS[:, 0] * _PATTERNS[:, 2]
    prob = np.exp(eta - eta.max(axis=1, keepdims=True))
    return prob / prob.sum(axis=1, keepdims=True)


def build_demo(
    *,
    seed: int = 2027,
    areas: dict[str, gpd.GeoDataFrame] | None = None,
    visibility_gradient: float = DEFAULT_VISIBILITY_GRADIENT,
) -> DemoData:
    """Simulate the demo population and aggregate it as services would report it.

    Parameters
    ----------
    seed : int, default 2027
        Seed of the one random generator used; the same seed gives the same
        data.
    areas : dict of str to GeoDataFrame, optional
        Areas by level; defaults to :func:`load_demo_areas`.
    visibility_gradient : float, default :data:`DEFAULT_VISIBILITY_GRADIENT`
        Fall in the log-odds of being seen by each service per km from the
        nearest service hub of the district (0 = visibility does not depend
        on distance). Stronger gradients make district-level estimates of the
        hidden run low.

    Returns
    -------
    DemoData
        Areas, LSOA indicator table, district overlap tables and the truth.

    Examples
    --------
    >>> demo = build_demo()
    >>> len(demo.areas["lsoa"]), len(demo.areas["lad"])
    (375, 5)
    >>> demo.truth.total > 0
    True
    """
    rng = np.random.default_rng(seed)
    areas = areas if areas is not None else load_demo_areas()
    lsoa = areas["lsoa"].sort_values("area_code", ignore_index=True)
    codes = lsoa["area_code"].to_numpy()
    lad_of = pd.Series(lsoa["lad_code"].to_numpy(), index=codes)

    risk = _risk_surface(lsoa, rng)
    # Adult (18+) population: about 1,200 per LSOA, a little higher in towns.
    adults = np.round(
        rng.normal(1200, 160, len(codes)) * (1 + 0.08 * np.log(risk.to_numpy()))
    ).astype(int)
    adults = np.clip(adults, 700, 2400)

    # People facing multiple disadvantage, placed by adults x risk.
    expected = _MD_RATE_PER_1000 * adults / 1000 * risk.to_numpy()
    n_lsoa = rng.poisson(expected)
    person_area = np.repeat(codes, n_lsoa)
    n_people = len(person_area)
    person_lad = lad_of.loc[person_area].to_numpy()
    sex = np.where(rng.random(n_people) < 0.72, "male", "female")
    bands = list(DEMO_AGE_BANDS)
    age_band = np.asarray(bands)[
        rng.choice(len(bands), size=n_people, p=list(DEMO_AGE_BANDS.values()))
    ]

    lad_names = dict(zip(areas["lad"]["area_code"], areas["lad"]["area_name"], strict=False))
    hubs = _service_hubs(lsoa, risk, lad_names)
    distance = pd.Series(_hub_distance_km(lsoa, hubs), index=codes, name="distance_km")
    person_distance = distance.loc[person_area].to_numpy()

    # Capture histories: per person, the district's log-linear model (two
    # interactions) with main effects shifted by distance, sex and age band.
    logit = np.zeros((n_people, 4))
    for lad_code, p in _CAPTURE.items():
        logit[person_lad == lad_code] = np.log(np.asarray(p) / (1 - np.asarray(p)))
    logit -= visibility_gradient * person_distance[:, None]
    for value, shift in _SEX_EFFECT.items():
        logit[sex == value] += shift
    for value, shift in _AGE_EFFECT.items():
        logit[age_band == value] += shift
    prob = _pattern_probabilities(logit)
    draws = (prob.cumsum(axis=1) < rng.random(n_people)[:, None]).sum(axis=1)
    seen = _PATTERNS[np.minimum(draws, len(_PATTERNS) - 1)]

    # Domains: a service only sees people with that need; people it misses may
    # have it too. Everyone in the cohort faces at least two domains.
    domain_prob = np.array([0.55, 0.6, 0.5, 0.45])
    domains = np.maximum(seen, (rng.random((n_people, 4)) < domain_prob).astype(int))
    short = domains.sum(axis=1) < 2
    while short.any():
        extra = rng.integers(0, 4, size=short.sum())
        domains[np.flatnonzero(short), extra] = 1
        short = domains.sum(axis=1) < 2

    people = pd.DataFrame(
        {
            "person_id": np.arange(1, n_people + 1),
            "area_code": person_area,
            "lad_code": person_lad,
            "sex": sex,
            "age_band": age_band,
            "distance_km": person_distance,
        }
    )
    for j, name in enumerate(("homelessness", "substance_misuse", "mental_health", "justice")):
        people[f"faces_{name}"] = domains[:, j]
    for j, name in enumerate(DEMO_LISTS):
        people[name] = seen[:, j]

    indicators = _indicator_table(people, codes, adults, risk, rng, distance.to_numpy())
    patterns = _pattern_table(people)
    seen_any = people.loc[people[list(DEMO_LISTS)].sum(axis=1) > 0].groupby("area_code").size()
    by_lsoa = pd.DataFrame(
        {
            "lad_code": lad_of.to_numpy(),
            "distance_km": distance.to_numpy(),
            "n_true": n_lsoa,
            "seen": seen_any.reindex(codes, fill_value=0).to_numpy(),
        },
        index=pd.Index(codes, name="area_code"),
    )
    by_lsoa["hidden"] = by_lsoa["n_true"] - by_lsoa["seen"]
    truth = DemoTruth(
        people=people,
        n_by_district=people.groupby("lad_code").size().rename("n_true"),
        n_by_lsoa=pd.Series(n_lsoa, index=codes, name="n_true"),
        risk=risk,
        by_lsoa=by_lsoa,
        visibility_gradient=float(visibility_gradient),
    )
    sources = [
        {
            "table": "Boundaries (LSOA 2011, MSOA, district)",
            "source": "Office for National Statistics",
            "licence": "Open Government Licence v3.0",
            "date": "December 2011 (LSOA); April 2021 (district lookup)",
            "attribution": BOUNDARY_ATTRIBUTION,
        },
        {
            "table": "Indicators and overlap tables",
            "source": DEMO_SOURCE,
            "licence": "GPL-3.0-or-later (generated by this software)",
            "date": DEMO_PERIOD,
            "attribution": SYNTHETIC_LABEL,
        },
        {
            "table": "Service hubs (points)",
            "source": DEMO_SOURCE,
            "licence": "GPL-3.0-or-later (generated by this software)",
            "date": DEMO_PERIOD,
            "attribution": SYNTHETIC_LABEL,
        },
    ]
    return DemoData(
        areas=areas,
        indicators=indicators,
        patterns=patterns,
        truth=truth,
        sources=sources,
        hubs=hubs,
    )


def _indicator_table(
    people: pd.DataFrame,
    codes: np.ndarray,
    adults: np.ndarray,
    risk: pd.Series,
    rng: np.random.Generator,
    distance_km: np.ndarray,
) -> pd.DataFrame:
    """Service caseloads per LSOA: cohort members seen plus other clients."""
    frames = []
    n_codes = len(codes)
    for indicator, (name, domain, service, rate) in DEMO_INDICATORS.items():
        if service is not None:
            cohort = people.loc[people[service] == 1].groupby("area_code").size()
            others = rng.poisson(rate * adults / 1000 * risk.to_numpy() ** 0.8)
            count = cohort.reindex(codes, fill_value=0).to_numpy() + others
        else:
            known = (
                people.loc[people[list(DEMO_LISTS)].sum(axis=1) >= 2].groupby("area_code").size()
            )
            count = known.reindex(codes, fill_value=0).to_numpy()
        frames.append(
            pd.DataFrame(
                {
                    "area_code": codes,
                    "indicator": indicator,
                    "indicator_name": name,
                    "domain": domain,
                    "period": DEMO_PERIOD,
                    "count": count.astype(float),
                    "denominator": adults.astype(float),
                    "value": 1000 * count / adults,
                    "unit": "per 1,000 adults",
                    "source": DEMO_SOURCE,
                    "suppressed": np.zeros(n_codes, dtype=bool),
                }
            )
        )
    # The cohort's own counts known to each service and to any (no draws).
    for indicator, (name, service) in DEMO_KNOWN_INDICATORS.items():
        lists = list(DEMO_LISTS) if service == "any" else [service]
        known = people.loc[people[lists].sum(axis=1) >= 1].groupby("area_code").size()
        count = known.reindex(codes, fill_value=0).to_numpy()
        frames.append(
            pd.DataFrame(
                {
                    "area_code": codes,
                    "indicator": indicator,
                    "indicator_name": name,
                    "domain": "context",
                    "period": DEMO_PERIOD,
                    "count": count.astype(float),
                    "denominator": adults.astype(float),
                    "value": 1000 * count / adults,
                    "unit": "per 1,000 adults",
                    "source": DEMO_SOURCE,
                    "suppressed": np.zeros(n_codes, dtype=bool),
                }
            )
        )
    # Context: a deprivation-like score (higher = more deprived), value only.
    score = 20 + 12 * np.log(risk.to_numpy()) + rng.normal(0, 4, n_codes)
    frames.append(
        pd.DataFrame(
            {
                "area_code": codes,
                "indicator": "deprivation_score",
                "indicator_name": "Deprivation score (synthetic, IMD-like)",
                "domain": "context",
                "period": DEMO_PERIOD,
                "count": np.nan,
                "denominator": np.nan,
                "value": np.round(np.clip(score, 1, None), 1),
                "unit": "score",
                "source": DEMO_SOURCE,
                "suppressed": np.zeros(n_codes, dtype=bool),
            }
        )
    )
    # Context: distance to the nearest service hub of the district (no draws),
    # what a partnership gets by loading its service locations as points.
    frames.append(
        pd.DataFrame(
            {
                "area_code": codes,
                "indicator": DISTANCE_INDICATOR,
                "indicator_name": "Distance to the nearest service hub, km (synthetic)",
                "domain": "context",
                "period": DEMO_PERIOD,
                "count": np.nan,
                "denominator": np.nan,
                "value": np.round(distance_km, 2),
                "unit": "other",
                "source": DEMO_SOURCE,
                "suppressed": np.zeros(n_codes, dtype=bool),
            }
        )
    )
    table = fill_vocabulary(pd.concat(frames, ignore_index=True))
    return table[[*INDICATOR_COLUMNS, "indicator_name"]]


def _pattern_table(people: pd.DataFrame) -> pd.DataFrame:
    """Overlap table per district and sex over the observed patterns."""
    lists = list(DEMO_LISTS)
    observed = people.loc[people[lists].sum(axis=1) > 0]
    table = (
        observed.groupby(["lad_code", "sex", *lists], as_index=False)
        .size()
        .rename(columns={"lad_code": "area_code", "size": "count"})
    )
    return table.sort_values(["area_code", "sex", *lists], ignore_index=True)
