"""Shared launchers for the browser tests: one Streamlit server, Debian's Chromium.

The browser is Debian's ``/usr/bin/chromium`` (installed by ``.ci/run``), driven
by Playwright; no browser is downloaded. When Chromium is missing these tests
skip, unless ``MEAM_REQUIRE_BROWSER=1`` (set by CI), where they fail instead.
"""

from __future__ import annotations

import contextlib
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


def need_browser() -> None:
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


class ServerDidNotStart(RuntimeError):
    """Raised by :func:`app_server` when Streamlit does not answer in time (its output attached)."""


@contextlib.contextmanager
def app_server(script: str = "app.py", *, env: dict[str, str] | None = None,
               log_path: Path | None = None, timeout: float = 300):  # fmt: skip
    """Run ``streamlit run SCRIPT`` headless on a free localhost port; yields its URL.

    The one launcher of the browser tests, ``docs/screenshots.py`` and
    ``bench/widget_rerun.py``. ``env`` is added to this process's
    environment; the server's output goes to ``log_path`` (else nowhere).
    The server is stopped when the block ends.

    Raises
    ------
    ServerDidNotStart
        When ``/_stcore/health`` does not answer within ``timeout`` seconds;
        the message ends with the last 3,000 characters of the log.
    """
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port),
               "--server.headless", "true", "--server.address", "127.0.0.1"]  # fmt: skip
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    with contextlib.ExitStack() as stack:
        log = stack.enter_context(open(log_path, "wb")) if log_path else subprocess.DEVNULL
        proc = subprocess.Popen(
            command, cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.time() + timeout
            while time.time() < deadline:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                        if response.status == 200:
                            break
                except OSError:
                    time.sleep(0.3)
            else:
                out = log_path.read_text(errors="replace")[-3000:] if log_path else ""
                raise ServerDidNotStart(f"streamlit did not start within {timeout:.0f} s:\n{out}")
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


@contextlib.contextmanager
def streamlit_server(extra_env: dict[str, str] | None = None, *, script: str = "app.py",
                     log_name: str = "streamlit-server", timeout: float = 300):  # fmt: skip
    """:func:`app_server` for a test: skips without Chromium, fails if the server does not start.

    The server's output goes to ``test-artifacts/<log_name>.log`` and is
    shown if it does not start.
    """
    need_browser()
    ARTIFACTS.mkdir(exist_ok=True)
    log_path = ARTIFACTS / f"{log_name}.log"
    with contextlib.ExitStack() as stack:
        try:
            url = stack.enter_context(
                app_server(script, env=extra_env, log_path=log_path, timeout=timeout)
            )
        except ServerDidNotStart as err:
            pytest.fail(str(err))
        yield url
