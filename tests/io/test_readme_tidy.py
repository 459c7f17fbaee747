"""A tidy CSV in the README's own format, loaded as a user would (issue 12).

No ``indicator_name`` column, unit written "per 1,000 adults", two periods and
a "*" suppression mark. Before the one unit vocabulary, this file showed the
name as "nan", the unit as "per_1000" and, at MSOA and district level, the
count as the rate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from meam_mapping.errors import InputError
from meam_mapping.loading import dataset_from_files
from meam_mapping.pipeline.slices import indicator_all_levels

PERIODS = ("2023/24", "2024/25")


@pytest.fixture(scope="module")
def boundaries(demo, tmp_path_factory):
    """The demo LSOAs as a user's GeoJSON, with ONS-style parent code fields."""
    path = tmp_path_factory.mktemp("bounds") / "lsoa.geojson"
    lsoa = demo.areas["lsoa"].rename(
        columns={
            "area_code": "LSOA11CD",
            "area_name": "LSOA11NM",
            "msoa_code": "MSOA11CD",
            "lad_code": "LAD19CD",
        }
    )
    lsoa.drop(columns="level").to_crs(4326).to_file(path)
    return path


@pytest.fixture(scope="module")
def rows(demo):
    """Counts and denominators per LSOA and period; one count suppressed ("*")."""
    rng = np.random.default_rng(12)
    codes = demo.areas["lsoa"]["area_code"].to_numpy()
    frames = []
    for period in PERIODS:
        frames.append(
            pd.DataFrame(
                {
                    "area_code": codes,
                    "indicator": "homelessness_duty_owed",
                    "domain": "homelessness",
                    "period": period,
                    "count": rng.integers(5, 40, len(codes)).astype(object),
                    "denominator": rng.integers(900, 2100, len(codes)),
                    "unit": "per 1,000 adults",
                    "source": "Council H-CLIC returns",
                }
            )
        )
    table = pd.concat(frames, ignore_index=True)
    table.loc[7, "count"] = "*"  # suppressed by the source, in 2023/24
    return table


@pytest.fixture(scope="module")
def dataset(boundaries, rows, tmp_path_factory):
    path = tmp_path_factory.mktemp("tables") / "homelessness.csv"
    rows.to_csv(path, index=False)
    assert "indicator_name" not in path.read_text().splitlines()[0]
    return dataset_from_files(boundaries, [path])


def _expected(rows, demo, period, level):
    """1,000 x sum(count) / sum(denominator) per parent, unknown where a child is suppressed."""
    part = rows[rows["period"] == period]
    parent = part["area_code"].map(demo.areas["lsoa"].set_index("area_code")[f"{level}_code"])
    count = pd.to_numeric(part["count"], errors="coerce")
    frame = pd.DataFrame(
        {"parent": parent, "count": count, "den": part["denominator"].astype(float)}
    )
    sums = frame.groupby("parent").agg(
        count=("count", lambda s: s.sum(min_count=len(s))), den=("den", "sum")
    )
    return 1000 * sums["count"] / sums["den"]


@pytest.mark.parametrize("period", PERIODS)
@pytest.mark.parametrize("level", ["msoa", "lad"])
def test_msoa_and_district_rates_are_recomputed_from_sums(dataset, rows, demo, level, period):
    table, native = indicator_all_levels(dataset, "homelessness_duty_owed", period)
    assert native == "lsoa"
    got = table[table["level"] == level].set_index("area_code")["value"]
    expected = _expected(rows, demo, period, level)
    assert set(got.index) == set(expected.index)
    assert_allclose(got.reindex(expected.index).to_numpy(), expected.to_numpy(), rtol=1e-12)
    # Never the count in place of the rate (the bug: "Cambridge 001: 133 per_1000").
    counts = table[table["level"] == level].set_index("area_code")["count"]
    known = counts.notna()
    assert (got[known] < counts[known]).all()
    if period == "2023/24":
        assert got.isna().sum() == 1  # the parent holding the "*" is unknown, not zero


def test_name_unit_kind_are_readable_and_never_nan(dataset):
    table, _ = indicator_all_levels(dataset, "homelessness_duty_owed")
    assert set(table["indicator_name"]) == {"Homelessness duty owed"}
    assert set(table["unit"]) == {"per_1000"} and set(table["unit_label"]) == {"per 1,000 adults"}
    assert set(table["kind"]) == {"rate"} and set(table["polarity"]) == {"higher_is_worse"}
    for column in ("indicator_name", "unit_label", "kind", "polarity"):
        assert not dataset.indicators[column].astype(str).str.lower().isin(["nan", ""]).any()
    catalogue = dataset.catalogue()
    assert catalogue["indicator_name"].tolist() == ["Homelessness duty owed"]
    assert catalogue["periods"].iloc[0] == list(PERIODS)


def test_latest_period_is_the_latest_in_time(dataset):
    table, _ = indicator_all_levels(dataset, "homelessness_duty_owed")
    assert set(table["period"]) == {"2024/25"}


def test_suppression_mark_kept_unknown(dataset):
    rows = dataset.indicators
    supp = rows[rows["suppressed"]]
    assert len(supp) == 1 and supp["count"].isna().all() and supp["period"].iloc[0] == "2023/24"


def test_unknown_unit_is_refused_at_load_naming_file_row_and_column(boundaries, rows, tmp_path):
    bad = rows.copy()
    bad.loc[5, "unit"] = "per fortnight"
    path = tmp_path / "fortnightly.csv"
    bad.rename(columns={"unit": "Units"}).to_csv(path, index=False)
    with pytest.raises(InputError) as err:
        dataset_from_files(boundaries, [path])
    message = err.value.message
    assert "fortnightly.csv" in message
    assert err.value.row == [7]  # heading is row 1, so the sixth data row is row 7
    assert "row 7" in message and "column 'Units'" in message
    assert err.value.column == "Units"
    assert "per fortnight" in message and "'per 1,000'" in message and "'proportion'" in message
