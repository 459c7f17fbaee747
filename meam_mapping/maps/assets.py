"""Leaflet served from this machine, so maps work without internet.

Leaflet 1.9.4 comes from the ``django-js-lib-leaflet`` package (import name
``js_lib_leaflet``), which ships the distribution files. The Streamlit app
copies them into its ``static/`` folder at start
(:func:`install_static_assets`) and serves them at :data:`LOCAL_URL_BASE`
(``server.enableStaticServing = true``). Standalone HTML exports carry the
JavaScript and CSS inline (:func:`inline_assets_html`), with the CSS images as
``data:`` URIs, so the single file opens offline.
"""

from __future__ import annotations

import base64
import re
import shutil
from pathlib import Path

from meam_mapping.errors import InputError

__all__ = [
    "LEAFLET_VERSION",
    "LOCAL_URL_BASE",
    "inline_assets_html",
    "install_static_assets",
    "leaflet_files",
    "local_css",
    "local_js",
]

#: Where the app serves Leaflet (Streamlit serves ``<app dir>/static/`` at ``/app/static/``).
LOCAL_URL_BASE = "/app/static/vendor/leaflet"
LEAFLET_VERSION = "1.9.4"

_IMAGES = (
    "layers.png",
    "layers-2x.png",
    "marker-icon.png",
    "marker-icon-2x.png",
    "marker-shadow.png",
)


def _package_dir() -> Path:
    try:
        import js_lib_leaflet
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError(
            "Offline maps need the 'django-js-lib-leaflet' package, which ships Leaflet. "
            "Install it with: pip install django-js-lib-leaflet"
        ) from exc
    return Path(js_lib_leaflet.__file__).parent / "static" / "js_lib_leaflet"


def leaflet_files() -> dict[str, Path]:
    """Paths of the Leaflet files shipped with the installed package.

    Returns
    -------
    dict of str to pathlib.Path
        Keys ``"leaflet.js"``, ``"leaflet.css"`` and ``"images/<name>.png"``.

    Raises
    ------
    FileNotFoundError
        If the package is installed but a file is missing.
    """
    base = _package_dir()
    files = {"leaflet.js": base / "leaflet.js", "leaflet.css": base / "leaflet.css"}
    files.update({f"images/{name}": base / "images" / name for name in _IMAGES})
    absent = [str(p) for p in files.values() if not p.is_file()]
    if absent:
        raise FileNotFoundError(
            "Leaflet files are missing from the js_lib_leaflet package: " + ", ".join(absent)
        )
    return files


def local_js() -> list[tuple[str, str]]:
    """``default_js`` for folium elements: Leaflet only, from :data:`LOCAL_URL_BASE`.

    Returns
    -------
    list of (name, url)
    """
    return [("leaflet", f"{LOCAL_URL_BASE}/leaflet.js")]


def local_css() -> list[tuple[str, str]]:
    """``default_css`` for folium elements: Leaflet only, from :data:`LOCAL_URL_BASE`.

    Returns
    -------
    list of (name, url)
    """
    return [("leaflet_css", f"{LOCAL_URL_BASE}/leaflet.css")]


def install_static_assets(static_dir: Path) -> None:
    """Copy Leaflet into ``static_dir/vendor/leaflet/`` (idempotent).

    Files already there with the same size and content are left alone, so
    calling this at every app start is cheap.

    Parameters
    ----------
    static_dir : pathlib.Path
        The app's static folder (``<app dir>/static``); created if absent.
    """
    target = Path(static_dir) / "vendor" / "leaflet"
    for rel, src in leaflet_files().items():
        dest = target / rel
        if dest.is_file() and dest.stat().st_size == src.stat().st_size:
            if dest.read_bytes() == src.read_bytes():
                continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(dest.name + ".tmp")
        shutil.copyfile(src, tmp)
        tmp.replace(dest)


def _inline_css() -> str:
    files = leaflet_files()
    css = files["leaflet.css"].read_text(encoding="utf-8")

    def to_data_uri(match: re.Match[str]) -> str:
        rel = match.group(1).strip("'\"")
        if rel not in files:
            return match.group(0)
        data = base64.b64encode(files[rel].read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{data})"

    return re.sub(r"url\(([^)#]+)\)", to_data_uri, css)


def _inline_js() -> str:
    js = leaflet_files()["leaflet.js"].read_text(encoding="utf-8")
    js = re.sub(r"//# sourceMappingURL=\S+\s*$", "", js)
    # An inline script must not contain "</script" (it would end the block).
    return js.replace("</script", "<\\/script")


def inline_assets_html(html: str) -> str:
    """Replace the local Leaflet links in a rendered map with inline copies.

    Parameters
    ----------
    html : str
        A full HTML page rendered from a map built by this package (its
        Leaflet links point at :data:`LOCAL_URL_BASE`).

    Returns
    -------
    str
        The same page with ``<script>`` and ``<style>`` blocks instead of the
        links, so it needs no server and no internet.

    Raises
    ------
    InputError
        If the page does not contain the local Leaflet links (for example a
        map built with CDN links).
    """
    js_tag = re.compile(
        r'<script[^>]*src="' + re.escape(f"{LOCAL_URL_BASE}/leaflet.js") + r'"[^>]*>\s*</script>'
    )
    css_tag = re.compile(
        r'<link[^>]*href="' + re.escape(f"{LOCAL_URL_BASE}/leaflet.css") + r'"[^>]*/?>'
    )
    if not js_tag.search(html) or not css_tag.search(html):
        raise InputError(
            "The map page does not load Leaflet from the local copy",
            expected=f"links to {LOCAL_URL_BASE}/leaflet.js and leaflet.css",
            fix="Build the map with meam_mapping.maps.interactive.choropleth",
        )
    script = "<script>\n" + _inline_js() + "\n</script>"
    style = "<style>\n" + _inline_css() + "\n</style>"
    html = js_tag.sub(lambda _: script, html, count=1)
    return css_tag.sub(lambda _: style, html, count=1)
