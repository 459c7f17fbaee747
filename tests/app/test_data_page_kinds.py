"""Data page: a person corrects an indicator's kind and polarity (issue 15 item 1)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture()
def data_page():
    at = AppTest.from_file(APP, default_timeout=600)
    at.run()
    at.switch_page("pages/data.py").run()
    assert not at.exception, at.exception
    return at


def _catalogue_row(at, indicator):
    frame = next(f.value for f in at.dataframe if "Polarity" in f.value.columns)
    return frame.set_index("Id").loc[indicator]


def test_polarity_changed_on_the_data_page_reaches_the_dataset(data_page):
    at = data_page
    assert _catalogue_row(at, "distance_to_service_km")["Polarity"] == "neutral"
    at.selectbox(key="kind_indicator").set_value("distance_to_service_km").run()
    at.selectbox(key="polarity_of_distance_to_service_km").set_value("higher_is_worse").run()
    at.button(key="apply_kind").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert _catalogue_row(at, "distance_to_service_km")["Polarity"] == "higher_is_worse"
    dataset = at.session_state["dataset"]
    rows = dataset.indicators[dataset.indicators["indicator"] == "distance_to_service_km"]
    assert set(rows["polarity"]) == {"higher_is_worse"}
    assert any("set by hand" in note for note in dataset.notes)


def test_a_kind_the_values_cannot_have_is_refused_and_nothing_changes(data_page):
    at = data_page
    before = at.session_state["dataset"]
    at.selectbox(key="kind_indicator").set_value("deprivation_score").run()
    at.selectbox(key="kind_of_deprivation_score").set_value("decile").run()
    at.button(key="apply_kind").click().run()
    assert not at.exception, at.exception
    assert any("cannot be deciles" in e.value for e in at.error)
    assert at.session_state["dataset"] is before
