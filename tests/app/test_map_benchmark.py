"""The Map page's "Compared with the benchmark" mode, table column and compare-areas chart."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")
COMPARED = "Compared with the study area ({})"


@pytest.fixture()
def app():
    at = AppTest.from_file(APP, default_timeout=600)
    at.run()
    assert not at.exception, at.exception
    return at


def test_benchmark_mode_colours_table_and_chart(app, demo_dataset):
    from meam_mapping.pipeline.compare import compare_with_study_area

    app.radio(key="map_mode").set_value("Compared with the benchmark").run()
    assert not app.exception, app.exception
    table = app.dataframe[0].value
    column = COMPARED.format("95%")
    assert column in table.columns
    assert set(table[column]) <= {"Better", "Similar", "Worse", "Not shown", "Not compared"}
    # Hidden areas are "Not shown" and carry no rate; the others match the pipeline.
    hidden = table["Note"] != ""
    assert (table.loc[hidden, column] == "Not shown").all()
    indicator = app.selectbox(key="map_indicator").value
    expected = compare_with_study_area(demo_dataset, indicator, None, "msoa").table
    expected = expected.set_index("area_code")["category"]
    assert (table[column].to_numpy() == table["Code"].map(expected).to_numpy()).all()
    # The compare-areas chart and its PNG download sit below the map, saying what was left out.
    assert any("areas not shown" in c.value for c in app.caption)
    assert any(b.label == "Download this chart (PNG)" for b in app.get("download_button"))
    # 99.8% marks fewer areas as different.
    app.radio(key="map_confidence").set_value(0.998).run()
    assert not app.exception, app.exception
    strict = app.dataframe[0].value[COMPARED.format("99.8%")]
    assert strict.isin(["Better", "Worse"]).sum() < table[column].isin(["Better", "Worse"]).sum()
    # Back to values: the class controls return.
    app.radio(key="map_mode").set_value("Value").run()
    assert not app.exception
    assert app.selectbox(key="map_scheme").value == "quantiles"


def test_a_score_without_counts_says_why_it_is_not_compared(app):
    app.radio(key="map_mode").set_value("Compared with the benchmark").run()
    app.selectbox(key="map_indicator").set_value("deprivation_score").run()
    assert not app.exception, app.exception
    assert not app.error
    assert any("cannot be compared" in i.value for i in app.info)
    assert len(app.dataframe)  # the values are still mapped


def test_change_over_time_on_a_users_two_periods(user_dataset):
    at = AppTest.from_file(APP, default_timeout=600)
    at.session_state["dataset"] = user_dataset
    at.run()
    at.selectbox(key="map_indicator").set_value("homelessness_duty_owed").run()
    at.radio(key="map_mode").set_value("Change over time").run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    table = at.dataframe[0].value
    assert {"Rate ratio", "95% lower", "95% upper", "Change"} <= set(table.columns)
    assert set(table["Change"]) <= {"Improved", "No significant change", "Got worse",
                                    "Not shown", "Not compared"}  # fmt: skip
    assert table.loc[table["Change"] == "Not shown", "Rate ratio"].isna().all()
    # An indicator with one period says why there is no change map, and maps its values.
    at.selectbox(key="map_indicator").set_value("treatment_clients").run()
    assert not at.exception
    assert any("two or more periods" in c.value for c in at.caption)
