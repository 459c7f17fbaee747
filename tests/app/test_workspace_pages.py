"""AppTest: the Workspace and Presenter pages.

The Workspace page runs inside a small harness that does what ``app.py`` does
around every page: offer a recovery file first, autosave last.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
PRESENTER = str(ROOT / "pages" / "presenter.py")
HARNESS = f"""
import runpy
from ui.workspace import autosave_session, recovery_offer
recovery_offer()
runpy.run_path({str(ROOT / "pages" / "workspace.py")!r}, run_name="__page__")
autosave_session()
"""
HOSTILE = "New hostel <script>alert(1)</script>"


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    """Autosaves go to a fresh folder for each test."""
    monkeypatch.setenv("MEAM_MAPPING_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def open_workspace_page() -> AppTest:
    at = AppTest.from_string(HARNESS, default_timeout=600)
    at.run()
    assert not at.exception, at.exception
    return at


def click(at: AppTest, label: str) -> AppTest:
    [button] = [b for b in at.button if b.label == label]
    button.click().run()
    assert not at.exception, at.exception
    return at


def show(at: AppTest, section: str) -> AppTest:
    at.radio(key="workspace_section").set_value(section).run()
    assert not at.exception, at.exception
    return at


def add_work(at: AppTest) -> None:
    """Add a note and two scenarios, as a person would."""
    show(at, "Notes on areas")
    at.selectbox(key="note_area").select_index(2)
    at.text_area(key="note_text").input(HOSTILE)
    click(at, "Add note")
    show(at, "Scenarios")
    at.text_input(key="sc_name").input("Equal weights")
    click(at, "Save as a scenario")
    at.text_input(key="sc_name").input("Justice x5")
    at.number_input(key="sc_w_justice").set_value(5.0)
    at.number_input(key="sc_w_homelessness").set_value(0.0)
    click(at, "Save as a scenario")


def autosaved(at: AppTest) -> Path:
    return Path(at.session_state["_autosave_future"].result(timeout=60))


def test_work_is_autosaved_and_reopened_after_a_refresh(home):
    first = open_workspace_page()
    assert not list(home.glob("recovery/*.gpkg"))  # the untouched demo is not autosaved
    add_work(first)
    path = autosaved(first)
    assert path.parent == home / "recovery"

    # A refresh is a new session: the autosave is offered, once.
    second = open_workspace_page()
    assert any("saved automatically" in m.value for m in second.markdown)
    click(second, "Reopen it")
    notes = second.session_state["area_notes"]
    assert notes["text"].tolist() == [HOSTILE]
    assert list(second.session_state["scenarios"]) == ["Equal weights", "Justice x5"]
    assert not any("saved automatically" in m.value for m in second.markdown)
    show(second, "Notes on areas")
    shown = [d.value for d in second.dataframe if "Note" in d.value.columns]
    assert shown and shown[0]["Note"].tolist() == [HOSTILE]


def test_uploading_a_saved_workspace_restores_it(home):
    first = open_workspace_page()
    add_work(first)
    data = autosaved(first).read_bytes()
    other = open_workspace_page()
    click(other, "Not now")
    show(other, "Save and open")
    other.file_uploader(key="workspace_upload").set_value(
        ("analysis.gpkg", data, "application/octet-stream")
    )
    other.run()
    assert not other.exception and not other.error, [e.value for e in other.error]
    assert any("Opened analysis.gpkg" in s.value for s in other.success), other.success
    assert other.session_state["area_notes"]["text"].tolist() == [HOSTILE]
    assert list(other.session_state["scenarios"]) == ["Equal weights", "Justice x5"]


def test_a_damaged_upload_is_explained_and_the_autosave_offered(home):
    first = open_workspace_page()
    add_work(first)
    data = autosaved(first).read_bytes()
    other = open_workspace_page()
    click(other, "Not now")
    show(other, "Save and open")
    other.file_uploader(key="workspace_upload").set_value(
        ("broken.gpkg", data[: len(data) // 2], "x")
    )
    other.run()
    assert other.error and "broken.gpkg" in other.error[0].value
    assert "autosave" in other.error[0].value
    assert any("most recent autosave" in i.value for i in other.info)
    click(other, "Reopen")
    assert other.session_state["area_notes"]["text"].tolist() == [HOSTILE]


def test_an_edited_upload_can_be_opened_anyway(home, tmp_path):
    first = open_workspace_page()
    add_work(first)
    edited = tmp_path / "edited.gpkg"
    edited.write_bytes(autosaved(first).read_bytes())
    with sqlite3.connect(edited) as con:
        con.execute("UPDATE area_notes SET text = 'edited in QGIS'")
    con.close()
    other = open_workspace_page()
    click(other, "Not now")
    show(other, "Save and open")
    other.file_uploader(key="workspace_upload").set_value(("edited.gpkg", edited.read_bytes(), "x"))
    other.run()
    assert "changed or damaged after it was saved" in other.error[0].value
    other.checkbox(key="workspace_force").check().run()
    assert not other.exception
    assert other.session_state["area_notes"]["text"].tolist() == ["edited in QGIS"]


def test_two_scenarios_are_compared_on_screen():
    at = open_workspace_page()
    add_work(at)
    summary = [m.value for m in at.markdown if "differs from" in m.value]
    assert summary and "'Justice x5' differs from 'Equal weights'" in summary[0]
    assert "enter the top 10" in summary[0] or "the same areas make the top 10" in summary[0]
    [changes] = [d.value for d in at.dataframe if "Change" in d.value.columns]
    if "enter the top 10" in summary[0]:
        assert changes["Change"].str.contains("enters the top 10").any()
    [settings] = [d.value for d in at.dataframe if "Setting" in d.value.columns]
    assert set(settings.loc[settings["Changed"], "Setting"]) == {
        "Weight: justice",
        "Weight: homelessness",
    }


# -------------------------------------------------------------------- presenter
def test_presenter_view_opens_from_a_link():
    at = AppTest.from_file(PRESENTER, default_timeout=600)
    at.query_params["indicator"] = "probation_caseload"
    at.query_params["level"] = "lsoa"
    at.query_params["step"] = "2"
    at.query_params["palette"] = "viridis"
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == "2. Where?"
    assert at.selectbox(key="pres_indicator").value == "probation_caseload"
    assert at.selectbox(key="pres_level").value == "lsoa"
    assert at.selectbox(key="pres_palette").value == "viridis"
    # The map's table view is there for keyboards and screen readers.
    [table] = [d.value for d in at.dataframe if "Area" in d.value.columns]
    assert len(table) == 375
    assert table["Note"].str.startswith("fewer than").any()
    # Moving on updates the address, so a copied link reopens this step.
    click(at, "Next ▶")
    assert at.title[0].value == "3. Who is hidden?"
    assert at.query_params["step"] in ("3", ["3"])
    assert any("?indicator=probation_caseload&level=lsoa&step=3" in c.value for c in at.code)


@pytest.mark.parametrize("step", ["1", "3", "4"])
def test_every_presenter_step_runs(step):
    at = AppTest.from_file(PRESENTER, default_timeout=600)
    at.query_params["step"] = step
    at.query_params["contrast"] = "1"
    at.run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value.startswith(f"{step}. ")
    assert at.toggle(key="pres_contrast").value is True


def test_a_bad_link_is_explained_not_fatal():
    at = AppTest.from_file(PRESENTER, default_timeout=600)
    at.query_params["level"] = "ward"
    at.query_params["step"] = "9"
    at.run()
    assert not at.exception
    assert "level=ward" in at.warning[0].value and "step=9" in at.warning[0].value
    assert at.title[0].value == "1. How many?"
