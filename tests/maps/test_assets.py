import re

import pytest

from meam_mapping.errors import InputError
from meam_mapping.maps import assets

LOADS = re.compile(r"<(script|link|img|iframe)\b[^>]*(src|href)\s*=\s*[\"']?https?://", re.I)


def test_leaflet_files_are_leaflet_194():
    files = assets.leaflet_files()
    assert {"leaflet.js", "leaflet.css", "images/layers.png"} <= set(files)
    head = files["leaflet.js"].read_text(encoding="utf-8")[:200]
    assert "Leaflet 1.9.4" in head


def test_install_static_assets_copies_and_is_idempotent(tmp_path):
    assets.install_static_assets(tmp_path)
    target = tmp_path / "vendor" / "leaflet"
    for rel, src in assets.leaflet_files().items():
        assert (target / rel).read_bytes() == src.read_bytes()
    stamp = (target / "leaflet.js").stat().st_mtime_ns
    assets.install_static_assets(tmp_path)
    assert (target / "leaflet.js").stat().st_mtime_ns == stamp
    (target / "leaflet.css").write_text("broken")
    assets.install_static_assets(tmp_path)
    assert (target / "leaflet.css").read_bytes() == assets.leaflet_files()[
        "leaflet.css"
    ].read_bytes()


def test_local_links_point_under_base():
    assert assets.LOCAL_URL_BASE == "/app/static/vendor/leaflet"
    assert [u for _, u in assets.local_js()] == ["/app/static/vendor/leaflet/leaflet.js"]
    assert [u for _, u in assets.local_css()] == ["/app/static/vendor/leaflet/leaflet.css"]


def test_inline_assets_html_replaces_links():
    page = (
        '<html><head><script src="/app/static/vendor/leaflet/leaflet.js"></script>'
        '<link rel="stylesheet" href="/app/static/vendor/leaflet/leaflet.css"/></head></html>'
    )
    out = assets.inline_assets_html(page)
    assert "/app/static/vendor/leaflet" not in out
    assert "Leaflet 1.9.4" in out
    assert "sourceMappingURL" not in out
    assert "url(images/" not in out and "url(data:image/png;base64," in out
    # nothing is loaded from the network (Leaflet's own "Leaflet" credit link is an <a>)
    assert not LOADS.search(out)


def test_inline_assets_html_refuses_cdn_pages():
    with pytest.raises(InputError, match="local copy"):
        assets.inline_assets_html('<script src="https://cdn.example/leaflet.js"></script>')
