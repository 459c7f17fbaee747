"""What sits on an interactive map besides the areas: panel, hover box, fitting, hatching.

Everything is sized so that the controls cover little of the map (under 15%
of a 605 x 560 map): the title, synthetic-data label, unit, source and legend
share one compact panel that folds away (a ``<details>`` element, folded at
first on small maps), the layer control is collapsed under the zoom buttons,
and the attribution is one line of 11 px text that unfolds on hover.

Tooltips are one hover box per map, placed in the map container above every
control (Leaflet's own tooltips live in a pane under the controls), fed by
one handler on each layer rather than one binding per feature. The map fits
its data on first draw and again whenever its container changes size until
the user moves it, so a map drawn inside a hidden tab opens on the data, not
on the whole world. Suppressed areas are drawn with a light hatch (an SVG
pattern; a light fill with a dashed edge on the canvas renderer) that reads
as "not shown", set apart from the classes in the legend.

All strings handed to the page are escaped by the caller (:func:`esc`) and
quoted with :func:`js_string`, so no text can end a ``<script>`` block.
"""

from __future__ import annotations

import html
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from meam_mapping.maps.style import MapData, MapStyle

__all__ = [
    "CSS",
    "HATCH_ID",
    "esc",
    "fit_script",
    "group_script",
    "hatch_script",
    "hover_script",
    "js_string",
    "layer_control_script",
    "legend_html",
    "macro",
    "pane_script",
    "panel_script",
    "style_js",
]

#: SVG pattern id used to hatch suppressed areas.
HATCH_ID = "meam-hatch"

CSS = """
.meam-panel {background: rgba(255,255,255,0.94); border-radius: 4px; color: #222;
  box-shadow: 0 1px 3px rgba(0,0,0,0.35); font: 12px/1.3 Arial, Helvetica, sans-serif;
  max-width: 236px; max-height: calc(100vh - 70px); overflow: auto;}
.meam-panel summary {cursor: pointer; padding: 3px 6px 2px; list-style: none; outline-offset: -2px;
  line-height: 1.25;}
.meam-panel summary::-webkit-details-marker {display: none;}
.meam-panel .meam-title {font-weight: bold; font-size: 12.5px;}
.meam-panel .meam-title:before {content: "\\25BE\\00A0"; color: #555;}
.meam-panel details:not([open]) .meam-title:before {content: "\\25B8\\00A0";}
.meam-panel .body {padding: 0 6px 4px; line-height: 1.2;}
.meam-label {display: block; background: #fff3cd; color: #7c2d12; font-weight: bold; font-size: 11px;
  border-left: 3px solid #b45309; padding: 0 4px; margin-bottom: 2px; line-height: 1.3;}
.meam-legend .sw {display: inline-block; width: 14px; height: 10px; margin-right: 5px;
  vertical-align: -1px; border: 1px solid #777;}
.meam-legend .sw.sup {border: 1px dashed #777; background: #f7f7f7
  repeating-linear-gradient(45deg, transparent 0 3px, #9a9a9a 3px 4px);}
.meam-legend .n {color: #555; font-size: 11px;}
.meam-legend .bar {display: flex; height: 11px; border: 1px solid #777; margin-top: 2px;}
.meam-legend .bar span {flex: 1;}
.meam-legend .ticks {display: flex; justify-content: space-between; gap: 0.5em; font-size: 11px;
  color: #333; margin: 1px -3px 3px; white-space: nowrap;}
.meam-legend .h {font-weight: bold; margin-top: 3px;}
.leaflet-container .leaflet-control-attribution {font-size: 11px; line-height: 15px;
  white-space: nowrap; overflow: hidden; text-overflow: ellipsis; max-width: 62vw;}
.leaflet-container .leaflet-control-attribution:hover {white-space: normal;}
.leaflet-control-scale-line {font-size: 10px; line-height: 1.2;}
.meam-hover {position: absolute; z-index: 1100; pointer-events: none; display: none;
  background: #fff; border: 1px solid #888; border-radius: 3px; padding: 4px 7px;
  box-shadow: 0 1px 4px rgba(0,0,0,0.35); font: 12px/1.35 Arial, Helvetica, sans-serif;
  color: #222; max-width: 260px;}
.leaflet-tooltip.meam-outline-label {background: transparent; border: none; box-shadow: none;
  font: bold 12px Arial, sans-serif; color: #111;
  text-shadow: -1px -1px 0 #fff, 1px -1px 0 #fff, -1px 1px 0 #fff, 1px 1px 0 #fff;}
.leaflet-tooltip.meam-outline-label:before {display: none;}
"""


def esc(value: object) -> str:
    """HTML-escape any value's text (quotes included); a missing value is blank.

    None, NaN, NaT and ``pandas.NA`` give ``""``, never "nan" or "None": a
    tooltip field an area has no value for (an area without data has no
    index decile, say) reads as blank, as missing counts and rates do.

    Examples
    --------
    >>> esc("A & B"), esc(None), esc(float("nan")), esc(0)
    ('A &amp; B', '', '', '0')
    """
    if _is_missing(value):
        return ""
    return html.escape(str(value), quote=True)


def _is_missing(value: object) -> bool:
    """Whether ``value`` is one missing value (None, NaN, NaT or ``pandas.NA``)."""
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN and NaT differ from themselves
    except TypeError:  # pandas.NA compares as NA, which has no truth value
        return type(value).__name__ == "NAType"
    except ValueError:  # an array: not one missing value
        return False


def js_string(text: str) -> str:
    """Quote text as a JavaScript string literal safe inside an HTML ``<script>``."""
    return json.dumps(text).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


_SNIPPET: Any = None


def macro(script: str) -> Any:
    """Wrap ``script`` in a folium element (``{map}`` stands for the map variable).

    Added to a map, ``{map}`` is that map. Added to a layer group
    (``folium.FeatureGroup``) instead, the script runs each time the group is
    added to a map and what it added is taken away with the group (see
    :func:`group_script`). ``{parent}`` stands for the variable of whatever
    the element is added to.

    The script is written out as it is, not parsed as a Jinja template: one
    small template is compiled once and every snippet (the national map's
    packed areas among them, megabytes long) only has ``{map}`` replaced.
    """
    global _SNIPPET
    if _SNIPPET is None:
        from branca.element import Element, MacroElement
        from folium import Map
        from folium.template import Template

        class _Snippet(MacroElement):
            _template = Template(
                "{% macro script(this, kwargs) %}{{ this.meam_script() }}{% endmacro %}"
            )

            def __init__(self, text: str) -> None:
                super().__init__()
                self._meam_text = text

            def meam_script(self) -> str:
                parent = self._parent.get_name()
                text = self._meam_text.replace("{parent}", parent)
                if "{map}" in text and not isinstance(self._parent, Map):
                    return group_script(parent, text)
                return text.replace("{map}", parent)

            def render(self, **kwargs: Any) -> None:
                # branca compiles every rendered script again as a Jinja template (seconds
                # for the national map's packed areas); text without Jinja markup, line
                # breaks or a trailing newline renders as itself, so it is added as it is.
                text = self.meam_script()
                if any(mark in text for mark in ("{{", "{%", "{#", "\n", "\r")):
                    super().render(**kwargs)
                    return
                self.get_root().script.add_child(_Raw(text), name=self.get_name())

        class _Raw(Element):
            def __init__(self, text: str) -> None:
                super().__init__()
                self._meam_text = text

            def render(self, **kwargs: Any) -> str:
                return self._meam_text

        _SNIPPET = _Snippet
    return _SNIPPET(script)


def style_js(style: MapStyle, canvas: bool) -> str:
    """Leaflet style function of the areas from each feature's class ``k``.

    ``k >= 0`` is a class, ``-1`` no data (light grey) and ``-2`` suppressed
    (hatched on SVG, a light fill with a dashed edge on a canvas).
    """
    hatch = json.dumps(style.suppressed_colour if canvas else f"url(#{HATCH_ID})")
    return (
        "function(f){var k = f.properties.k;"
        f"var s = {{color: {json.dumps(style.edge_colour)}, weight: {style.edge_width * 2},"
        " opacity: 1, fillOpacity: 0.85,"
        f" fillColor: k >= 0 ? {json.dumps(list(style.colours))}[k] : {json.dumps(style.missing_colour)}}};"
        f"if (k == -2) {{s.fillColor = {hatch}; s.fillOpacity = 1; s.color = '#8a8a8a';"
        " s.dashArray = '3 3'; s.weight = 1;}"
        "return s;}"
    )


def legend_html(data: MapData, unit: str, extra: dict[str, list[tuple[str, str]]]) -> str:
    """The panel body: unit, a bar of the classes with their breaks, what is not shown, overlays.

    The classes are one bar of swatches with the break values under it (each
    swatch names its range and number of areas on hover); suppressed and
    missing areas follow on their own line, apart from the classes.
    """
    from meam_mapping.maps.classify import format_number

    c = data.classification
    edges = [c.lower, *c.bins]
    gaps = [b - a for a, b in zip(edges[:-1], edges[1:], strict=True) if b > a]
    step = min(gaps) if gaps else None
    classes = data.legend[data.legend["kind"] == "class"]
    others = data.legend[data.legend["kind"] != "class"]
    swatches = "".join(
        f"<span style='background-color:{esc(r.colour)}' title='{esc(r.label)}: {int(r.count)} areas'>"
        "</span>"
        for r in classes.itertuples(index=False)
    )
    ticks = "".join(f"<span>{esc(format_number(v, step))}</span>" for v in edges)
    ordinal = getattr(c, "reverse", None) is not None and len(classes)  # deciles, ranks: ordered
    if ordinal:  # one label per class, in the swatches' order, and which end is darkest
        ticks = "".join(f"<span>{esc(str(lab).split(' (')[0])}</span>" for lab in classes["label"])
    parts = [f"<div class='n'>{esc(unit)}</div>"] if unit else []
    if c.scheme == "categories":  # one labelled swatch per category, no value scale
        if c.note:
            parts.append(f"<div class='h'>{esc(c.note)}</div>")
        parts.extend(
            f"<div><span class='sw' style='background-color:{esc(r.colour)}'></span>"
            f"{esc(r.label)} <span class='n'>({int(r.count)})</span></div>"
            for r in classes.itertuples(index=False)
        )
    elif len(classes):
        parts.append(f"<div class='bar'>{swatches}</div><div class='ticks'>{ticks}</div>")
    if ordinal:
        parts.append(f"<div class='n'>Darkest: {esc(classes['label'].iloc[-1])}; "
                     f"lightest: {esc(classes['label'].iloc[0])}</div>")  # fmt: skip
    for row in others.itertuples(index=False):
        css = "sw sup" if row.hatch else "sw"
        parts.append(
            f"<div><span class='{css}' style='background-color:{esc(row.colour)}'></span>"
            f"{esc(row.label)} <span class='n'>({int(row.count)})</span></div>"
        )
    for layer, cats in extra.items():
        parts.append(f"<div class='h'>{esc(layer)}</div>")
        parts.extend(
            f"<div><span class='sw' style='background-color:{esc(c)};opacity:0.6'></span>{esc(n)}</div>"
            for n, c in cats
        )
    return "<div class='meam-legend'>" + "".join(parts) + "</div>"


def panel_script(title: str, label: str | None, body_html: str) -> str:
    """One folding panel (top right) holding the label, title and legend.

    ``title`` and ``label`` are plain text (escaped here); ``body_html`` is
    already-escaped HTML. The panel starts folded on maps under 480 x 380 px.
    """
    summary = (f"<span class='meam-label'>{esc(label)}</span>" if label else "") + (
        f"<span class='meam-title'>{esc(title or 'Legend')}</span>"
    )
    box = f"<details open><summary>{summary}</summary><div class='body'>{body_html}</div></details>"
    return (
        "(function(){var m = {map}, c = L.control({position: 'topright'});"
        "c.onAdd = function(){var d = L.DomUtil.create('div', 'meam-panel');"
        "d.innerHTML = " + js_string(box) + ";"
        "var box = m.getContainer();"
        "if (box.clientWidth && (box.clientWidth < 480 || box.clientHeight < 380))"
        " {d.firstChild.open = false;}"
        "L.DomEvent.disableClickPropagation(d); L.DomEvent.disableScrollPropagation(d);"
        "return d;}; c.addTo(m);})();"
    )


def hover_script(layer_name: str, highlight: bool) -> str:
    """One hover box for ``layer_name`` (its features' ``tip``), above every control.

    The box is shared by all layers of the map; ``highlight`` outlines the
    hovered area in black and restores its style on leaving.
    """
    on_over = (
        "e.layer.setStyle({weight: 3, color: '#000000', dashArray: null});"
        "if (e.layer.bringToFront && !m.options.preferCanvas) {e.layer.bringToFront();}"
        if highlight
        else ""
    )
    on_out = f"{layer_name}.resetStyle(e.layer);" if highlight else ""
    return (
        "(function(){var m = {map}, c = m.getContainer(), tip = c.querySelector('.meam-hover');"
        "if (!tip) {tip = L.DomUtil.create('div', 'meam-hover', c);}"
        "function place(e){var p = e.containerPoint, w = c.clientWidth, h = c.clientHeight;"
        "var x = p.x + 14, y = p.y + 14;"
        "if (x + tip.offsetWidth > w - 4) {x = Math.max(4, p.x - tip.offsetWidth - 14);}"
        "if (y + tip.offsetHeight > h - 4) {y = Math.max(4, p.y - tip.offsetHeight - 14);}"
        "tip.style.left = x + 'px'; tip.style.top = y + 'px';}"
        f"{layer_name}.on('mouseover', function(e){{var f = e.layer && e.layer.feature;"
        "if (!f || !f.properties.tip) {return;}"
        "tip.innerHTML = f.properties.tip; tip.style.display = 'block'; place(e);"
        f"{on_over}}});"
        f"{layer_name}.on('mousemove', function(e){{if (tip.style.display == 'block') {{place(e);}}}});"
        f"{layer_name}.on('mouseout', function(e){{tip.style.display = 'none';{on_out}}});"
        "})();"
    )


def fit_script(bounds: list[list[float]]) -> str:
    """Fit the map to ``bounds`` now and whenever its container is resized or shown.

    Refitting stops once the user zooms or drags, so their view is kept; a
    container that was hidden (size 0, e.g. a tab not yet opened) is always
    refitted when it appears.
    """
    return (
        "(function(){var m = {map}, c = m.getContainer(), moved = false, last = '',"
        f" b = L.latLngBounds({json.dumps(bounds)});"
        "function visible(){return c.clientWidth > 0 && c.clientHeight > 0;}"
        "var shown = visible();"
        "function fit(){var size = c.clientWidth + 'x' + c.clientHeight;"
        "if (size == last) {return;} last = size;"  # a redraw only when the size changed
        "m.invalidateSize(false); m.fitBounds(b, {padding: [6, 6], animate: false});"
        " window.meamMapFitted = (window.meamMapFitted || 0) + 1;}"
        "['mousedown', 'wheel', 'touchstart', 'keydown'].forEach(function(ev){"
        "c.addEventListener(ev, function(){moved = true;}, {passive: true});});"
        "function check(){var now = visible();"
        "if (!now) {last = '';}"
        "else if (!shown || !moved) {fit();} else {m.invalidateSize(false);}"
        "shown = now;}"
        "if (shown) {fit();}"
        "if (window.ResizeObserver) {new ResizeObserver(check).observe(c);}"
        "if (window.IntersectionObserver) {new IntersectionObserver(function(es){"
        "if (es[es.length - 1].isIntersecting) {check();}}).observe(c);}"
        "window.addEventListener('resize', check);"
        "})();"
    )


def hatch_script() -> str:
    """Add the SVG pattern that hatches suppressed areas to the map container."""
    svg = (
        "<svg width='0' height='0' style='position:absolute' aria-hidden='true'><defs>"
        f"<pattern id='{HATCH_ID}' width='6' height='6' patternUnits='userSpaceOnUse'"
        " patternTransform='rotate(45)'><rect width='6' height='6' fill='#f7f7f7'></rect>"
        "<line x1='0' y1='0' x2='0' y2='6' stroke='#9a9a9a' stroke-width='1.5'></line>"
        "</pattern></defs></svg>"
    )
    return (
        "(function(){var c = {map}.getContainer();"
        f"if (!document.getElementById('{HATCH_ID}')) {{"
        "c.insertAdjacentHTML('afterbegin', " + js_string(svg) + ");}})();"
    )


def group_script(group: str, script: str) -> str:
    """Run ``script`` whenever the layer group ``group`` is added to a map; undo it on removal.

    ``{map}`` in ``script`` stands for the map. The Leaflet controls it adds
    (panel, scale, layer control) and the credits it adds to the attribution
    are removed when the group is removed from the map, so a group replaced
    in place (streamlit-folium's ``feature_group_to_add``) takes its legend
    with it. Inside ``script``, ``meamUndo`` is a list of functions run on
    removal, for anything else to take away.
    """
    body = script.replace("{map}", "meamG._map")
    return (
        f"(function(){{var meamG = {group}, meamUndo = [];"
        "function run(){var m = meamG._map, P = L.Control.prototype, addTo = P.addTo, added = [],"
        " a = m.attributionControl, credit = a && a.addAttribution;"
        "P.addTo = function(map){added.push(this); return addTo.call(this, map);};"
        "if (a) {a.addAttribution = function(t){meamUndo.push(function(){a.removeAttribution(t);});"
        " return credit.call(a, t);};}"
        "try {" + body + "} finally {P.addTo = addTo; if (a) {delete a.addAttribution;}}"
        "added.forEach(function(c){meamUndo.push(function(){c.remove();});});"
        "meamUndo.push(function(){var t = m.getContainer().querySelector('.meam-hover');"
        " if (t) {t.style.display = 'none';}});}"
        "meamG.on('add', run);"
        "meamG.on('remove', function(){meamUndo.splice(0).forEach(function(u){u();});});"
        "if (meamG._map) {run();}})();"
    )


def pane_script(name: str, z_index: int) -> str:
    """Create the map pane ``name`` (no pointer events) before the group ``{parent}`` is drawn.

    For layers of a group that draw in their own pane: the pane must exist
    before the group's layers reach the map.
    """
    quoted = js_string(name)
    return (
        "(function(){var g = {parent}, before = g.beforeAdd;"
        "g.beforeAdd = function(m){if (!m.getPane(" + quoted + ")) {"
        "var p = m.createPane(" + quoted + ");"
        f" p.style.zIndex = {int(z_index)}; p.style.pointerEvents = 'none';}}"
        "if (before) {before.call(g, m);}};})();"
    )


def layer_control_script(overlays: dict[str, str], base_name: str) -> str:
    """A collapsed layer control for the layers of a group (``{map}`` in a group script).

    ``overlays`` maps each escaped layer name to its JavaScript variable; a
    background tile layer on the map, if any, is offered as ``base_name``.
    Layers switched on from the control are taken off the map with the group.
    """
    pairs = ", ".join(f"{js_string(name)}: {var}" for name, var in overlays.items())
    return (
        "(function(){var m = {map}, over = {" + pairs + "}, base = {};"
        "m.eachLayer(function(l){if (l instanceof L.TileLayer) {base["
        + js_string(base_name)
        + "] = l;}});"
        "L.control.layers(base, over, {position: 'topleft', collapsed: true}).addTo(m);"
        "meamUndo.push(function(){for (var k in over) {m.removeLayer(over[k]);}});})();"
    )
