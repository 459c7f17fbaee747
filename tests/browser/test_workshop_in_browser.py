"""A workshop in a real browser: presenter link, pages, notes, save and reopen.

Runs ``streamlit run app.py`` (or the script named by ``MEAM_BROWSER_APP``)
on localhost and drives Debian's Chromium. Every request is recorded: none may
leave localhost, and the map must draw without background tiles. Screenshots
go to ``test-artifacts/workshop-*.png``.
"""

from __future__ import annotations

import os
import re
from urllib.parse import urlparse

import pytest
from browserkit import streamlit_server

pytestmark = pytest.mark.browser

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", ""}
HOSTILE = "<img src=x onerror=alert(1)> new hostel <script>alert(2)</script>"


@pytest.fixture(scope="module")
def workshop_url(browser, tmp_path_factory):
    """A fresh server with its own autosave folder (the ``browser`` fixture checks Chromium)."""
    script = os.environ.get("MEAM_BROWSER_APP", "app.py")
    home = tmp_path_factory.mktemp("meam-home")
    with streamlit_server({"MEAM_MAPPING_HOME": str(home)}, script=script,
                          log_name="streamlit-workshop") as url:  # fmt: skip
        yield url


def _map_frame(page, index: int = 0):
    page.wait_for_selector("iframe[title*='streamlit_folium']", timeout=180_000)
    frames = [f for f in page.frames if "streamlit_folium" in f.url]
    return frames[index]


def _legend(frame) -> str:
    frame.wait_for_selector(".meam-panel", timeout=120_000)  # title, unit and legend together
    return frame.inner_text(".meam-panel")


def _outside(page) -> list[str]:
    return sorted(
        {
            u
            for u in page.requests
            if urlparse(u).scheme in ("http", "https", "ws", "wss")
            and urlparse(u).hostname not in LOCAL_HOSTS
        }
    )


def _need_page(page, name: str) -> None:
    if page.get_by_text("Page not found").count():
        pytest.fail(
            f"app.py does not route to pages/{name}.py: add its st.Page(...) line to app.py"
        )


def _choose(page, section: str) -> None:
    """Pick a section of the Workspace page (retrying while the app reruns)."""
    radio = page.get_by_role("radio", name=section)
    for _ in range(5):
        page.get_by_text(section, exact=True).click()
        try:
            page.wait_for_function(
                "([name]) => [...document.querySelectorAll('input[type=radio]')].some("
                "r => r.checked && r.closest('label') && r.closest('label').innerText.includes(name))",
                arg=[section],
                timeout=15_000,
            )
            return
        except Exception:
            continue
    assert radio.is_checked(), f"could not choose {section}"


def _idle(page, timeout: float = 120_000) -> None:
    """Wait until the app has finished rerunning (no stale elements, no running status)."""
    page.wait_for_function(
        "() => !document.querySelector('[data-stale=\"true\"]')"
        ' && !document.querySelector(\'[data-testid="stStatusWidget"] [data-testid="stSpinner"]\')',
        timeout=timeout,
    )


def _pick_indicator(page, label: str) -> None:
    """Choose an indicator in the Presenter's View settings, as a user would.

    A slow machine can rerun the page while the list is open, which closes it;
    so each attempt waits for the app to be idle, opens the box, types the start
    of the label (Streamlit filters the list) and picks the option shown.
    """
    option = page.get_by_role("option", name=re.compile("^" + re.escape(label), re.I))
    last_error = None
    for _attempt in range(6):
        _idle(page)
        box = page.get_by_role("combobox", name=re.compile("Indicator"))
        if not box.is_visible():
            page.get_by_text("View settings").click()
            box.wait_for(state="visible", timeout=180_000)
        try:
            if not option.is_visible():
                box.click()
                page.keyboard.type(label[:20])
            option.wait_for(timeout=120_000)
            option.click()
            return
        except Exception as error:  # noqa: BLE001 - retried; the last error is raised below
            last_error = error
            page.keyboard.press("Escape")
    raise AssertionError(f"could not choose the indicator {label!r}") from last_error


def test_presenter_link_opens_the_view_and_follows_the_indicator(workshop_url, page, screenshot):
    page.goto(
        f"{workshop_url}/presenter?indicator=homelessness_duty_owed&level=lsoa&step=2&palette=viridis",
        wait_until="domcontentloaded",
    )
    page.wait_for_selector("h1", timeout=180_000)
    _need_page(page, "presenter")
    page.get_by_role("heading", name="2. Where?").wait_for(timeout=180_000)
    frame = _map_frame(page)
    frame.wait_for_function(
        "document.querySelectorAll('path.leaflet-interactive').length >= 375", timeout=180_000
    )
    assert frame.locator("img.leaflet-tile").count() == 0  # no tiles, and no waiting for them
    before = _legend(frame)
    assert "not shown" in before.lower()  # hidden areas are labelled in words
    assert not page.locator("[data-testid='stSidebar']").is_visible()
    screenshot(page, "workshop-presenter")

    _pick_indicator(page, "Adults supervised by probation")
    page.wait_for_function(
        "([text]) => { const f = [...document.querySelectorAll('iframe')].find(i => (i.title||'').includes('streamlit_folium'));"
        " const l = f && f.contentDocument && f.contentDocument.querySelector('.meam-panel');"
        " return l && l.innerText !== text; }",
        arg=[before],
        timeout=180_000,
    )
    assert "probation" in _legend(_map_frame(page)).lower()
    page.wait_for_url(re.compile(r"indicator=probation_caseload"), timeout=120_000)
    page.get_by_role("button", name=re.compile("Next")).click()
    page.get_by_role("heading", name="3. Who is hidden?").wait_for(timeout=180_000)
    page.wait_for_url(re.compile(r"step=3"), timeout=120_000)  # the URL follows the step
    screenshot(page, "workshop-presenter-step3")
    assert not _outside(page), _outside(page)


def test_notes_are_saved_reloaded_and_never_run_as_code(workshop_url, page, screenshot, tmp_path):
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(workshop_url, wait_until="domcontentloaded")
    _map_frame(page)  # the Map page drew first
    page.get_by_role("link", name="Workspace").click()  # switch page from the sidebar
    page.get_by_role("heading", name="Workspace").wait_for(timeout=180_000)
    _need_page(page, "workspace")
    _choose(page, "Notes on areas")
    page.get_by_label("Note", exact=True).fill(HOSTILE)
    page.get_by_role("button", name="Add note").click()
    page.get_by_text("No notes yet.").wait_for(state="detached", timeout=180_000)
    page.wait_for_function(
        "() => [...document.querySelectorAll('iframe')].some(i => i.contentDocument &&"
        " i.contentDocument.querySelector('.meam-notes-legend'))",
        timeout=180_000,
    )
    frame = next(f for f in page.frames if f.locator(".meam-notes-legend").count())
    assert "Notes: 1" in frame.inner_text(".meam-notes-legend")
    assert (
        frame.locator("img[src='x']").count() == 0
        and frame.locator("script:text('alert(2)')").count() == 0
    )
    frame.locator("path.leaflet-interactive[fill='#1b1b1b']").first.hover(force=True)
    screenshot(page, "workshop-notes")

    _choose(page, "Save and open")
    with page.expect_download(timeout=180_000) as download:
        page.get_by_role("button", name=re.compile("Download this workspace")).click()
    saved = tmp_path / "workshop.gpkg"
    download.value.save_as(saved)
    assert saved.read_bytes()[:15] == b"SQLite format 3"

    page.reload(wait_until="domcontentloaded")  # a new session: the note is gone from memory
    page.get_by_role("heading", name="Workspace").wait_for(timeout=180_000)
    page.locator("input[type='file']").set_input_files(str(saved))
    page.get_by_text("Opened workshop.gpkg").wait_for(timeout=180_000)
    _choose(page, "Notes on areas")
    page.get_by_text("Notes", exact=True).wait_for(timeout=180_000)
    screenshot(page, "workshop-reopened")
    assert dialogs == [], f"a note ran as code: {dialogs}"
    assert not _outside(page), _outside(page)
