"""Start ``streamlit run app.py`` on localhost and drive it with Debian's Chromium.

The browser is Debian's ``/usr/bin/chromium`` (installed by ``.ci/run``), driven
by Playwright; no browser is downloaded. When Chromium is missing these tests
skip, unless ``MEAM_REQUIRE_BROWSER=1`` (set by CI), where they fail instead.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
ARTIFACTS = ROOT / "test-artifacts"


def _need_browser() -> None:
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        if os.environ.get("MEAM_REQUIRE_BROWSER") == "1":
            pytest.fail(
                "Chromium is not installed at /usr/bin/chromium (run .ci/run or apt-get install chromium)"
            )
        pytest.skip("Chromium is not installed at /usr/bin/chromium")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        if os.environ.get("MEAM_REQUIRE_BROWSER") == "1":
            pytest.fail("playwright is not installed (pip install -r requirements-dev.txt)")
        pytest.skip("playwright is not installed")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def app_url():
    """URL of a fresh ``streamlit run app.py`` on localhost."""
    _need_browser()
    port = _free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    ARTIFACTS.mkdir(exist_ok=True)
    log_path = ARTIFACTS / "streamlit-server.log"
    log = open(log_path, "wb")  # noqa: SIM115 - closed when the server stops
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--server.address",
            "127.0.0.1",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        log.close()
        out = log_path.read_text(errors="replace")
        pytest.fail(f"streamlit did not start within 90 s:\n{out[-3000:]}")
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="session")
def browser():
    _need_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


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
