"""AppTest of the Estimates page's visibility gap: method, chance count and validation shown."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from meam_mapping.estimate.visibility import VISIBILITY_FLAGS, VISIBILITY_VALIDATION

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def test_visibility_tab_shows_flags_chance_and_validation():
    at = AppTest.from_file(APP, default_timeout=600)
    at.run()
    at.switch_page("pages/estimates.py").run()
    assert not at.exception, at.exception
    assert at.multiselect(key="gap_context").value == ["distance_to_service_km"]
    text = " ".join(i.value for i in at.info)
    assert "would be flagged on average by chance alone" in text
    assert "two or more services" in text
    assert any(VISIBILITY_VALIDATION in c.value for c in at.caption)
    table = next(d.value for d in at.dataframe if "Finding" in d.value.columns)
    assert (table["Finding"] == VISIBILITY_FLAGS[0]).sum() >= 20
    shown = table["Known to any service"].dropna()
    assert (shown.eq(0) | shown.ge(5)).all()  # counts of 1 to 4 are never shown
