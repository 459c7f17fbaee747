"""Privacy by default: no usage statistics, localhost only, no stray files, no external URLs.

The "no stray files" test copies the app into a temporary folder and drives
it there in a child process, with ``HOME`` and ``TMPDIR`` pointed at empty
temporary folders: every page of the app (AppTest), an upload through the Data
page, and the command line's ``demo`` and ``map``. Afterwards the only new
files allowed are the explicit outputs, the Leaflet copy under
``static/vendor/leaflet`` and the two folders MEAM Mapping owns in the home
folder (``~/.meam_mapping`` for workspaces and recovery files,
``~/.cache/meam_mapping`` for downloads). Temporary files must be gone.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / ".streamlit" / "config.toml"
# What the app needs to run; tests, caches and artefacts stay behind.
COPIED = ["app.py", "pages", "ui", "meam_mapping", "data", ".streamlit"]
ALLOWED_IN_HOME = (".meam_mapping", ".cache/meam_mapping")
# Matplotlib's font list (names of installed fonts; no user data) is its own cache.
THIRD_PARTY_CACHES = (".cache/matplotlib/fontlist-", ".config/matplotlib/fontlist-")
URL = re.compile(r"""(?:https?:)?//[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+""", re.IGNORECASE)


def _config() -> dict:
    return tomllib.loads(CONFIG.read_text(encoding="utf-8"))


def test_usage_statistics_are_off():
    assert _config()["browser"]["gatherUsageStats"] is False


def test_server_listens_on_this_computer_only():
    assert _config()["server"]["address"] in {"localhost", "127.0.0.1", "::1"}


def test_map_tiles_and_cdn_are_not_used_by_default():
    from meam_mapping.mapping import MapRequest

    assert MapRequest(indicator="x").tiles is False
    assert _config()["server"]["enableStaticServing"] is True


def test_secrets_are_never_committed():
    # Sign-in secrets (client secret, cookie secret) live in .streamlit/secrets.toml
    # on the server only.
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert any(line.strip() in {"secrets.toml", ".streamlit/secrets.toml"} for line in ignored), (
        "add .streamlit/secrets.toml to .gitignore"
    )


DRIVER = r"""
import json, re, sys
from pathlib import Path

from streamlit.testing.v1 import AppTest

root, out = Path(sys.argv[1]), Path(sys.argv[2])
report = {"pages": [], "errors": [], "component_args": []}

at = AppTest.from_file(str(root / "app.py"), default_timeout=600).run()
pages = re.findall(r"st\.Page\(\s*[\"']([^\"']+\.py)[\"']", (root / "app.py").read_text())
if sys.argv[5] == "quick":
    pages = [p for p in pages if Path(p).name in {"map.py", "data.py", "export.py"}]
for page in pages:
    at.switch_page(page).run()
    report["pages"].append(page)
    if at.exception:
        report["errors"].append(f"{page}: {at.exception}")
    for node in at._tree:
        proto = getattr(node, "proto", None)
        if type(proto).__name__ == "ComponentInstance":
            report["component_args"].append(proto.json_args)

# An upload through the Data page (written to temporary files while read).
data_page = next(p for p in pages if p.endswith("data.py"))
at.switch_page(data_page).run()
at.file_uploader(key="boundary_upload").set_value(
    ("zones.geojson", Path(sys.argv[3]).read_bytes(), "application/geo+json")
).run()
next(b for b in at.button if b.label == "Use these boundaries").click().run()
at.file_uploader(key="table_upload").set_value(
    ("table.csv", Path(sys.argv[4]).read_bytes(), "text/csv")
).run()
next(b for b in at.button if b.label == "Add this table").click().run()
if at.exception:
    report["errors"].append(f"upload: {at.exception}")
report["upload_ok"] = "privacy_probe" in json.dumps(
    list(at.session_state["dataset"].indicators["indicator"].unique())
)

from meam_mapping.cli import main

codes = [
    main(["demo", "--out", str(out / "workspace.gpkg")]),
    main(["map", "--workspace", str(out / "workspace.gpkg"), "--indicator",
          "probation_caseload", "--out", str(out / "map.html")]),
    main(["map", "--boundaries", sys.argv[3], "--data", sys.argv[4], "--indicator",
          "privacy_probe", "--out", str(out / "probe.html")]),
]
report["cli"] = codes
(out / "report.json").write_text(json.dumps(report))
"""


def _tiny_upload(folder: Path) -> tuple[Path, Path]:
    """Nine 1 km squares near Cambridge and a tidy table for them."""
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry import box

    codes = [f"PRV{i:02d}" for i in range(9)]
    squares = [
        box(
            545000 + 1000 * (i % 3),
            258000 + 1000 * (i // 3),
            546000 + 1000 * (i % 3),
            259000 + 1000 * (i // 3),
        )
        for i in range(9)
    ]
    zones = gpd.GeoDataFrame(
        {"area_code": codes, "area_name": [f"Zone {c}" for c in codes]},
        geometry=squares,
        crs="EPSG:27700",
    )
    boundaries = folder / "zones.geojson"
    boundaries.write_text(zones.to_json(), encoding="utf-8")
    table = folder / "table.csv"
    pd.DataFrame(
        {
            "area_code": codes,
            "indicator": "privacy_probe",
            "period": "2024/25",
            "count": [12, 30, 7, 55, 21, 9, 40, 16, 8],
            "denominator": 1000,
        }
    ).to_csv(table, index=False)
    return boundaries, table


def _files(folder: Path) -> set[str]:
    return set(_digests(folder))


def _digests(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


def _drive(base: Path, pages: str) -> dict:
    """Run the app and the command line in a copy, with a private HOME and TMPDIR.

    ``pages`` is ``"quick"`` (Map, Data and Export) or ``"all"``.
    """
    repo, home, tmp, out, inputs = (base / n for n in ("repo", "home", "tmp", "out", "in"))
    for folder in (home, tmp, out, inputs):
        folder.mkdir()
    repo.mkdir()
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, repo / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            shutil.copy2(source, repo / name)
    boundaries, table = _tiny_upload(inputs)
    before = _digests(repo)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("MEAM_MAPPING_", "XDG_", "STREAMLIT_", "MPLCONFIGDIR"))
    }
    env.update(
        HOME=str(home),
        TMPDIR=str(tmp),
        PYTHONPATH=str(repo),
        PYTHONDONTWRITEBYTECODE="1",
    )
    result = subprocess.run(
        [sys.executable, "-c", DRIVER, str(repo), str(out), str(boundaries), str(table), pages],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    report = json.loads((out / "report.json").read_text())
    after = _digests(repo)
    return {
        "repo": repo,
        "home": home,
        "tmp": tmp,
        "out": out,
        "report": report,
        "new_in_repo": set(after) - set(before),
        "changed_in_repo": {rel for rel, digest in before.items() if after.get(rel) != digest},
    }


@pytest.fixture(scope="module")
def driven(tmp_path_factory):
    return _drive(tmp_path_factory.mktemp("privacy"), "quick")


def test_pages_and_commands_ran(driven):
    report = driven["report"]
    assert len(report["pages"]) == 3
    assert report["errors"] == []
    assert report["upload_ok"]
    assert report["cli"] == [0, 0, 0]


def test_nothing_is_written_inside_the_app_folder_except_the_leaflet_copy(driven):
    stray = sorted(p for p in driven["new_in_repo"] if not p.startswith("static/vendor/leaflet/"))
    assert stray == []
    assert driven["changed_in_repo"] == set()
    assert "static/vendor/leaflet/leaflet.js" in driven["new_in_repo"]


def test_nothing_is_written_in_the_home_folder_outside_our_two_folders(driven):
    allowed = tuple(f"{a}/" for a in ALLOWED_IN_HOME) + THIRD_PARTY_CACHES
    stray = sorted(p for p in _files(driven["home"]) if not p.startswith(allowed))
    assert stray == []


def test_no_temporary_file_is_left_behind(driven):
    assert sorted(_files(driven["tmp"])) == []


def test_outputs_are_only_the_files_asked_for(driven):
    assert _files(driven["out"]) == {"workspace.gpkg", "map.html", "probe.html", "report.json"}


def _library_urls() -> set[str]:
    """URLs inside the vendored Leaflet itself (comments and its attribution link)."""
    from meam_mapping.maps.assets import leaflet_files

    files = leaflet_files()
    text = files["leaflet.js"].read_text(encoding="utf-8") + files["leaflet.css"].read_text(
        encoding="utf-8"
    )
    return {m.group(0).lower() for m in URL.finditer(text)}


def _external_urls(html: str) -> set[str]:
    return {m.group(0).lower() for m in URL.finditer(html)} - _library_urls()


def test_no_external_url_in_any_rendered_map(driven):
    maps = {
        "app map": "\n".join(driven["report"]["component_args"]),
        "map.html": (driven["out"] / "map.html").read_text(encoding="utf-8"),
        "probe.html": (driven["out"] / "probe.html").read_text(encoding="utf-8"),
    }
    assert driven["report"]["component_args"], "the app drew no map"
    found = {name: sorted(_external_urls(html)) for name, html in maps.items()}
    assert found == {name: [] for name in maps}


def test_the_url_check_can_fail():
    # A tile layer (opt-in, "needs internet") must be caught by the same check.
    assert _external_urls('L.tileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png")')
    assert _external_urls('<script src="//cdn.jsdelivr.net/npm/leaflet.js"></script>')


@pytest.mark.slow
def test_every_page_writes_nothing_outside_its_folders(tmp_path):
    everything = _drive(tmp_path, "all")
    assert len(everything["report"]["pages"]) >= 6
    assert everything["report"]["errors"] == []
    test_nothing_is_written_inside_the_app_folder_except_the_leaflet_copy(everything)
    test_nothing_is_written_in_the_home_folder_outside_our_two_folders(everything)
    test_no_temporary_file_is_left_behind(everything)
    test_outputs_are_only_the_files_asked_for(everything)
    test_no_external_url_in_any_rendered_map(everything)
