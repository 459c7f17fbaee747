"""Fixtures for the browser tests (launchers in ``browserkit.py``; the browser itself in ``tests/conftest.py``).

The browser is Debian's ``/usr/bin/chromium`` (installed by ``.ci/run``), driven
by Playwright; no browser is downloaded. When Chromium is missing these tests
skip, unless ``MEAM_REQUIRE_BROWSER=1`` (set by CI), where they fail instead.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from browserkit import ARTIFACTS, streamlit_server


@pytest.fixture(scope="session")
def app_url():
    """URL of a fresh ``streamlit run app.py`` on localhost."""
    with streamlit_server() as url:
        yield url


@pytest.fixture()
def page(browser):
    """A fresh page that records every request it (and its frames) makes."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.requests = []  # type: ignore[attr-defined]
    context.on("request", lambda request: page.requests.append(request.url))
    yield page
    context.close()


@pytest.fixture()
def screenshot():
    """Save a screenshot under test-artifacts/ for a person to look at."""

    def take(page, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=False)
        return path

    return take
