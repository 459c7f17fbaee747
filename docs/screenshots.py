"""Take a screenshot of every page of the app on the demo, in Chromium 1440 pixels wide.

Usage (from the repository root)::

    python docs/screenshots.py --out docs/screenshots/after

Starts ``streamlit run app.py`` on a free local port, opens each page in Debian's
Chromium (``/usr/bin/chromium``, driven by Playwright), waits until the page has
settled (no "running" indicator, maps drawn) and saves ``<page>.png``. The window
is 1440 x 2400 so that one picture holds the page (Streamlit scrolls inside its
own frame, so a full-page capture of a short window would show only the top). The
app runs with an empty cache and home folder, so no autosave from earlier work appears.
Run it on two commits to compare a page before and after a change.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))
from browserkit import CHROMIUM, ServerDidNotStart, app_server  # noqa: E402 - the one app launcher

#: url path -> file name; the paths are those app.py routes to.
PAGES = {
    "": "map",
    "data": "data",
    "estimates": "estimates",
    "concentration": "concentration",
    "caseload": "caseload",
    "profile": "profile",
    "export": "export",
    "workspace": "workspace",
    "presenter": "presenter",
}


def _settle(page, timeout_ms: int = 120_000) -> None:
    """Wait until Streamlit has finished running the page and its maps are drawn."""
    page.wait_for_selector("[data-testid='stApp']", timeout=timeout_ms)
    page.wait_for_timeout(1500)
    page.wait_for_function(
        "!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout_ms
    )
    page.wait_for_timeout(2500)  # iframes (maps) finish drawing


def main(argv: list[str] | None = None) -> int:
    """Start the app on the demo, screenshot each page into ``--out``; the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots" / "after")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    cache = tempfile.mkdtemp(prefix="meam-screenshots-")
    env = {"MEAM_MAPPING_CACHE": cache, "MEAM_MAPPING_HOME": cache}
    try:
        with app_server("app.py", env=env, timeout=120) as url, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                        args=["--no-sandbox", "--disable-gpu"])  # fmt: skip
            page = browser.new_page(viewport={"width": 1440, "height": 2400})
            for path, name in PAGES.items():
                page.goto(f"{url}/{path}", wait_until="domcontentloaded")
                try:
                    _settle(page)
                except Exception as err:  # noqa: BLE001 - a page that never settles is still shown
                    print(f"{name}: did not settle ({type(err).__name__}); taken as it is")
                target = args.out / f"{name}.png"
                page.screenshot(path=str(target), full_page=True)
                print(f"wrote {target}")
            browser.close()
    except ServerDidNotStart as err:
        raise SystemExit(str(err)) from None
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
