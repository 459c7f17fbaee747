"""Tests for meam_mapping.io.fingertips: Fingertips CSV exports as published."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from meam_mapping.errors import InputError
from meam_mapping.io.fingertips import (
    FINGERTIPS_SOURCE,
    fingertips_rows,
    guess_fingertips_unit,
    is_fingertips,
)
from meam_mapping.io.indicators import load_indicator_file

# Hand-made in the layout of a Fingertips "Export table" CSV (headings as published,
# including the parent-dependent 'Compared to Region value or percentiles').
SAMPLE = Path(__file__).parents[1] / "data" / "io" / "fingertips_sample.csv"
MH = "fingertips_93014"


@pytest.fixture(scope="module")
def loaded():
    return load_indicator_file(SAMPLE)


def test_detected_and_source_set(loaded):
    assert loaded.layout == "fingertips"
    assert (loaded.table["source"] == FINGERTIPS_SOURCE).all()


def test_ids_names_and_ci_columns(loaded):
    t = loaded.table.set_index(["indicator", "area_code"])
    row = t.loc[(MH, "E07000008")]
    assert row["indicator_name"].startswith("Adults in contact with secondary mental health")
    assert_allclose([row["value"], row["lower"], row["upper"]], [2.6, 2.45, 2.75])
    assert row["count"] == 2600  # "2,600" with a thousands comma
    assert row["period"] == "2022/23"
    assert row["area_name"] == "Cambridge"


def test_breakdowns_left_out_by_default_and_noted(loaded):
    england = loaded.table[loaded.table["area_code"] == "E92000001"]
    assert len(england) == 1
    assert england["value"].iloc[0] == 2.5
    assert any("breakdown" in n and "Deprivation deciles" in n for n in loaded.notes)


def test_breakdowns_kept_on_request_as_separate_indicators():
    result = load_indicator_file(SAMPLE, breakdowns=True)
    england = result.table[result.table["area_code"] == "E92000001"]
    assert len(england) == 2
    assert england["indicator"].is_unique
    assert any("most_deprived_decile" in i for i in england["indicator"])


def test_blank_value_with_note_is_suppressed_not_zero(loaded):
    t = loaded.table.set_index(["indicator", "area_code"])
    row = t.loc[(MH, "E07000009")]
    assert row["suppressed"]
    assert np.isnan(row["count"]) and np.isnan(row["value"])
    assert any("1 count(s) were suppressed" in n for n in loaded.notes)


def test_several_sexes_become_separate_indicators(loaded):
    ids = set(loaded.table["indicator"])
    assert {"fingertips_92432_male", "fingertips_92432_female"} <= ids
    name = loaded.table.loc[loaded.table["indicator"] == "fingertips_92432_male", "indicator_name"]
    assert name.iloc[0].endswith("(Male)")


def test_units_guessed(loaded):
    units = loaded.table.drop_duplicates("indicator").set_index("indicator")["unit"]
    assert units[MH] == "percent"  # "(%)" in the name
    # 612.3 against a crude 410 / 60,000: a standardised rate per 100,000.
    assert units["fingertips_92432_male"] == "per_100000"


def test_domains_guessed(loaded):
    domains = loaded.table.drop_duplicates("indicator").set_index("indicator")["domain"]
    assert domains[MH] == "mental_health"
    assert domains["fingertips_92432_female"] == "substance_misuse"


def test_guess_unit_from_value_against_crude_rate():
    # 5 of 40 is 0.125; a value of 12.5 is that times 100, so a percentage.
    v, c, d = pd.Series([12.5]), pd.Series([5.0]), pd.Series([40.0])
    assert guess_fingertips_unit("Adults known to services", v, c, d) == "percent"
    # 3 of 1,000 is 0.003; 3.0 is that times 1,000.
    assert guess_fingertips_unit("x", pd.Series([3.0]), pd.Series([3.0]), d * 25) == "per_1000"


def _variant(header_23: str, extra: str = "") -> bytes:
    text = SAMPLE.read_text()
    head, *rest = text.splitlines()
    head = head.replace("Compared to Region value or percentiles", header_23)
    if extra:
        head += "," + extra
        rest = [r + ",x" for r in rest]
    return ("\n".join([head, *rest]) + "\n").encode()


@pytest.mark.parametrize(
    ("header_23", "extra"),
    [
        ("Compared to percentiles", ""),
        ("Compared to CCGs value or percentiles", "Time period range"),
    ],
)
def test_header_variants_read(header_23, extra):
    result = load_indicator_file(io.BytesIO(_variant(header_23, extra)), name="ft.csv")
    assert result.layout == "fingertips"
    assert len(result.table) == 7


def test_suppression_marker_in_count_and_junk_value(tmp_path):
    text = SAMPLE.read_text().replace(",2400,80000,", ",*,80000,")
    path = tmp_path / "ft.csv"
    path.write_text(text)
    t = load_indicator_file(path).table.set_index(["indicator", "area_code"])
    assert t.loc[(MH, "E07000010"), "suppressed"]
    assert t.loc[(MH, "E07000010"), "value"] == 3.0
    bad = SAMPLE.read_text().replace("2022/23,3.0,", "2022/23,three,")
    with pytest.raises(InputError) as err:
        load_indicator_file(bad.encode(), name="ft.csv")
    assert err.value.row == [6]
    assert err.value.column == "Value"


def test_missing_required_heading():
    raw = pd.DataFrame({"Indicator ID": ["1"], "Area Code": ["E92000001"]}).astype(str)
    assert not is_fingertips(list(raw.columns))
    with pytest.raises(InputError, match="Fingertips") as err:
        fingertips_rows(raw, file="ft.csv")
    assert "time period" in err.value.column
