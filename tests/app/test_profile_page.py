"""The Area profile page on the demo and on a user's own files."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PAGE = "pages/profile.py"


def _open(dataset=None, area=None):  # noqa: ANN001, ANN202
    at = AppTest.from_file(APP, default_timeout=600)
    if dataset is not None:
        at.session_state["dataset"] = dataset
    if area is not None:
        at.query_params["area"] = area
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def test_profile_on_the_demo_matches_the_map_table(demo_dataset):
    from meam_mapping.pipeline.display import display_table
    from meam_mapping.pipeline.publish import map_slice

    at = _open(area="Cambridge 002")
    assert at.radio(key="profile_level").value == "msoa"
    assert at.selectbox(key="profile_area_msoa").value == "Cambridge 002"
    table = at.dataframe[0].value
    row = table.set_index("Indicator").loc["Adults owed a homelessness prevention or relief duty"]
    # The same number the Map page's table shows for this area.
    data = map_slice(demo_dataset, "homelessness_duty_owed", None, "msoa")
    shown = display_table(data).set_index("Code").loc["Cambridge 002"]
    rate = [c for c in shown.index if c.startswith("Rate")][0]
    assert row["Area"] == shown[rate]
    assert row["Count"] == shown["Count"]
    # Hidden figures stay hidden, with the reason.
    hidden = table.loc[table["Note"] != ""]
    assert len(hidden) and hidden[["Count", "Area", "95% lower"]].isna().all().all()
    assert "Worse" in set(table["Compared with the study area (95%)"])
    # Key facts, and the one-page exports (the synthetic label is on the page image).
    assert at.metric[0].value.replace(",", "").isdigit()
    labels = [b.label for b in at.get("download_button")]
    assert "Download the one-page profile (PDF)" in labels
    assert "Download the one-page profile (PNG)" in labels
    assert at.query_params["area"] in ("Cambridge 002", ["Cambridge 002"])
    # The estimated people equal the published small-area estimate (Estimates page).
    from meam_mapping.disclosure import DisclosurePolicy
    from meam_mapping.pipeline.settings import AnalysisSettings
    from ui.cache import analysis_cached

    analysis = analysis_cached(
        demo_dataset.token, demo_dataset, AnalysisSettings(), DisclosurePolicy()
    )
    small = analysis.tables["small_area"].set_index("area_code")
    assert at.metric[0].value == f"{small.loc['Cambridge 002', 'n_hat']:,.0f}"
    assert any(f"{small.loc['Cambridge 002', 'ci_low']:,.0f} to" in c.value for c in at.caption)


def test_profile_on_a_users_own_files(user_dataset):
    at = _open(dataset=user_dataset)
    assert at.selectbox(key=f"profile_area_{at.radio(key='profile_level').value}").value
    shown = " ".join(str(x.value) for kind in (at.markdown, at.caption, at.metric) for x in kind)
    assert "nan" not in shown.split()
    assert len(at.get("download_button")) >= 2
    # Two periods: the rate in each, with the change as the Map page's change mode gives it.
    trend = at.dataframe[1].value
    assert {"2023/24", "2024/25"} <= set(trend["Period"])
    assert trend["Change from the period before (rate ratio, 95% interval)"].str.len().gt(0).any()


def test_an_unknown_area_in_the_link_is_explained():
    at = _open(area="E99999999")
    assert any("no area with the code" in w.value for w in at.warning)


def test_the_map_page_opens_an_areas_profile():
    at = AppTest.from_file(APP, default_timeout=600)
    at.run()
    at.selectbox(key="main_map_profile_area").set_value("Cambridge 003").run()
    at.button(key="main_map_profile_open").click().run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Area profile"
    assert at.selectbox(key="profile_area_msoa").value == "Cambridge 003"
