"""AppTest smoke tests: app.py and every page run without an exception."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PAGES = [
    "pages/map.py",
    "pages/data.py",
    "pages/estimates.py",
    "pages/concentration.py",
    "pages/caseload.py",
    "pages/export.py",
    "pages/workspace.py",
    "pages/presenter.py",
]


@pytest.fixture()
def app():
    at = AppTest.from_file(APP, default_timeout=600)
    at.run()
    assert not at.exception, at.exception
    return at


def test_app_opens_on_the_demo_map(app):
    assert app.title[0].value == "Map"
    # The sidebar says the demo is synthetic.
    assert any("Synthetic" in w.value for w in app.sidebar.warning)
    assert not app.error


def test_another_level_of_the_same_map_reuses_its_disclosure_audit(monkeypatch):
    """The audit covers every level at once: switching level on the Map page does not audit again."""
    import streamlit as st

    from meam_mapping.pipeline import publish, slices

    calls = {"audit": 0, "all levels": 0}

    def counted(module, name, what):  # noqa: ANN001, ANN202
        real = getattr(module, name)

        def call(*args, **kwargs):
            calls[what] += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(module, name, call)

    counted(publish, "suppress_indicators", "audit")
    counted(publish, "indicator_all_levels", "all levels")
    counted(slices, "indicator_all_levels", "all levels")
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=600)
    at.run()
    # The levels offered, the audit and the map's rows start from one adding-up of the indicator.
    assert calls == {"audit": 1, "all levels": 1}, calls
    at.selectbox(key="map_indicator").set_value("probation_caseload").run()
    assert calls == {"audit": 2, "all levels": 2}, calls
    for level in ("lsoa", "lad", "msoa"):
        at.radio(key="map_level").set_value(level).run()
        assert not at.exception, at.exception
    assert calls == {"audit": 2, "all levels": 2}, calls


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs(app, page):
    app.switch_page(page).run()
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]


def test_choosing_an_indicator_changes_the_map_table(app):
    before = app.dataframe[0].value.copy()
    assert len(before) == 76  # MSOAs by default
    app.selectbox(key="map_indicator").set_value("probation_caseload").run()
    assert not app.exception
    after = app.dataframe[0].value
    assert list(after["Code"]) != list(before["Code"]) or list(after.iloc[:, 4]) != list(
        before.iloc[:, 4]
    )
    # Switching level to LSOA shows 375 rows, with small counts hidden.
    app.radio(key="map_level").set_value("lsoa").run()
    lsoa = app.dataframe[0].value
    assert len(lsoa) == 375
    assert lsoa["Note"].str.startswith("fewer than").any()
    assert lsoa.loc[lsoa["Note"] != "", "Count"].isna().all()
    # The choice survives a trip to another page.
    app.switch_page("pages/data.py").run()
    app.switch_page("pages/map.py").run()
    assert app.selectbox(key="map_indicator").value == "probation_caseload"
    assert app.radio(key="map_level").value == "lsoa"


def test_estimates_page_follows_the_model_choice(app):
    app.switch_page("pages/estimates.py").run()
    assert not app.exception
    first = [m.value for m in app.metric]
    assert first and first[0].replace(",", "").isdigit()
    app.selectbox(key="est_model").set_value("Lists independent").run()
    assert not app.exception
    independent = [m.value for m in app.metric]
    assert independent[0] != first[0]  # the estimate changes with the model
    # Dropping a list changes the estimate too.
    lists = app.multiselect(key="est_lists").value
    app.multiselect(key="est_lists").set_value(lists[:3]).run()
    assert not app.exception
    assert [m.value for m in app.metric][0] != independent[0]


def test_concentration_page_follows_weights_and_groups(app):
    app.switch_page("pages/concentration.py").run()
    assert not app.exception
    top = app.dataframe[0].value
    assert list(top.columns) == ["Decile", "Area", "Domains in the top fifth"]
    before = list(zip(top["Decile"], top["Area"], strict=True))
    app.slider(key="conc_w_justice").set_value(3.0).run()
    assert not app.exception
    after_top = app.dataframe[0].value
    after = list(zip(after_top["Decile"], after_top["Area"], strict=True))
    assert after != before  # moving a weight changes the index
    # Asking for three groups gives a profile table with three rows.
    app.selectbox(key="conc_k").set_value(3).run()
    assert not app.exception
    profiles = app.dataframe[1].value
    assert len(profiles) == 3
    assert profiles["description"].str.len().gt(0).all()


def test_caseload_page_follows_the_coordinator_ratio(app):
    app.switch_page("pages/caseload.py").run()
    assert not app.exception
    metric = {m.label: m.value for m in app.metric}
    n_people = int(metric["First caseload (people)"].replace(",", ""))
    assert int(metric["Coordinators needed"]) == -(-n_people // 8)
    app.radio(key="case_ratio").set_value(10).run()
    metric = {m.label: m.value for m in app.metric}
    assert int(metric["Coordinators needed"]) == -(-n_people // 10)
    assert "coordinator" in app.code[0].value.lower()


def test_export_page_makes_a_map_and_the_pack(app):
    app.switch_page("pages/export.py").run()
    assert not app.exception
    assert "Counts of 1 to 4" in app.info[0].value
    make = next(b for b in app.button if "Make the map" in b.label)
    make.click().run()
    assert not app.exception
    assert app.session_state["export_map"][0] == "png"
    assert app.session_state["export_map"][1][:8] == b"\x89PNG\r\n\x1a\n"
    build = next(b for b in app.button if "evidence pack" in b.label)
    build.click().run(timeout=300)
    assert not app.exception, app.exception
    zip_bytes, files, pdf = app.session_state["export_pack"]
    assert zip_bytes[:2] == b"PK"
    assert {"report.pdf", "report.docx", "tables.xlsx", "areas.gpkg", "map.html"} <= set(files)
    assert pdf[:4] == b"%PDF"
    # Changing the policy is recorded for the session.
    app.number_input[0].set_value(10).run()
    assert "Counts of 1 to 9" in app.info[0].value


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_on_a_users_own_files(user_dataset, page):
    """The README-format corpus (no names, other units, marks, two periods), not the demo."""
    at = AppTest.from_file(APP, default_timeout=600)
    at.session_state["dataset"] = user_dataset
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    shown = " ".join(
        str(x.value)
        for kind in (at.title, at.markdown, at.caption, at.metric, at.info)
        for x in kind
    )
    assert "nan" not in shown.split() and "per_1000" not in shown
    for frame in at.dataframe:
        text = frame.value.astype(str)
        assert not text.isin(["nan"]).any().any() or "Note" in frame.value.columns
        # A hidden or missing number is a blank cell (its Note says why), not Streamlit's "None".
        assert frame.proto.HasField("placeholder") and frame.proto.placeholder == ""


def test_every_table_on_a_page_goes_through_show_table():
    """One place decides how a cell with no value looks (ui.widgets.show_table)."""
    root = Path(APP).parent
    direct = [
        str(path.relative_to(root))
        for path in [*root.glob("pages/*.py"), *root.glob("ui/*.py"), root / "app.py"]
        if path.name != "widgets.py" and "st.dataframe(" in path.read_text(encoding="utf-8")
    ]
    assert direct == []


def test_presenter_says_why_each_hidden_area_is_hidden(user_dataset):
    """On a user's files some MSOAs are unknown (an LSOA withheld at source), not small."""
    at = AppTest.from_file(APP, default_timeout=600)
    at.session_state["dataset"] = user_dataset
    at.run()
    at.switch_page("pages/presenter.py")
    at.query_params.update(indicator="homelessness_duty_owed", level="msoa", step="3")
    at.run()
    assert not at.exception, at.exception
    caption = next(m.value for m in at.markdown if "hatched grey" in m.value)
    assert "not known: includes counts withheld by the source" in caption
    # Not every hidden area is said to hold fewer than 5 people (the old wording).
    assert "fewer than 5 people were counted, so the number is hidden" not in caption
    # The kinds add up to the areas hatched, which are the map's hidden areas.
    import re

    from meam_mapping.disclosure import DisclosurePolicy
    from meam_mapping.pipeline.publish import map_slice

    hatched, total = map(int, re.search(r"\*\*(\d+) of (\d+)\*\*", caption).groups())
    kinds = caption.split("not shown: ", 1)[1]
    assert sum(int(n) for n in re.findall(r"(?:^|, )(\d+) ", kinds)) == hatched
    shown = map_slice(user_dataset, "homelessness_duty_owed", None, "msoa", DisclosurePolicy())
    assert (hatched, total) == (int(shown["suppressed"].sum()), len(shown))
