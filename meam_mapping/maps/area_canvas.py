"""All the areas of a large interactive map drawn as one canvas layer, not one Leaflet path each.

A national map has 34,753 LSOAs. Drawn the usual way (``L.geoJSON`` on
Leaflet's canvas renderer) each area becomes a Leaflet polygon with its own
projected points, bounds, events and style: about four seconds in Chromium,
a quarter of it garbage collection, before the map shows. Here the areas
stay in a few typed arrays and one layer draws them:

* **decoding**: the packed features (:func:`meam_mapping.maps.simplify.pack_features`:
  integer coordinate differences as varints, gzip, base64) are inflated by
  the browser, read into ``Int32Array`` offsets and steps (only the header
  and properties are JSON) and turned once into Web Mercator coordinates of
  the unit square (``Float64Array``), with each area's bounding box;
* **drawing**: a subclass of ``L.Canvas`` (so panning, zoom animation and
  retina scaling are Leaflet's own) draws every area in one pass per class:
  a ``Path2D`` per 96 areas of a class, each filled once, then every edge
  stroked once (Chromium's cost of adding a subpath grows with the subpaths
  already in the path: one path of a class's 5,000 areas took seconds).
  Vertices are rounded to whole pixels, as Leaflet does, and a vertex in the
  same pixel as the previous one is skipped, so a national view draws only
  what the screen can show; neighbours round their shared vertices to the
  same pixels, so no gaps open. As on the static maps (:mod:`meam_mapping.maps.fill`),
  edges are drawn only for areas at least ``MIN_EDGE_PIXELS`` across on
  screen (suppressed areas keep their hatch). An area whose outline falls into one or two
  pixels is drawn as a one-pixel square, so no area vanishes. Areas outside
  the view are skipped;
* **hatching**: suppressed areas are filled with a canvas pattern of grey
  diagonal lines on a light ground (the legend's swatch) under a dashed grey
  edge, drawn last;
* **hover**: one handler on the map finds the area under the pointer through
  a coarse grid of the areas' bounding boxes (built on the first hover) and
  an even-odd point-in-polygon test on the few candidates; the tooltip text
  (``tip``, already escaped HTML) goes into the map's single hover box and
  the area is outlined in black. Another layer's feature under the pointer
  (hot spots, focus zones) or a control keeps the box for itself;
* **click**: a click on an area fires ``click`` on the areas' layer with
  ``e.layer.feature`` (and ``e.layer.toGeoJSON()``) the area as a GeoJSON
  feature with its properties, as a click on a Leaflet polygon would (so
  ``streamlit-folium``'s ``last_active_drawing`` names the clicked area).

When the first draw is on screen (two animation frames after it),
``window.meamMapDrawn`` holds ``{time, features}`` (the number of areas
drawn) for the benchmarks; performance marks ``meam-script``,
``meam-decode-start``, ``meam-inflated``, ``meam-layer`` and
``meam-first-draw`` time the steps. The
layer is added inside the (empty) ``L.geoJSON`` layer of the areas, so the
layer control still switches it; ``layer.meamAreas`` is the drawing layer
(``hitTest(latlng)`` returns the index of the area at a point or -1, ``tip(i)``
its tooltip text).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from meam_mapping.maps.fill import MIN_EDGE_PIXELS

if TYPE_CHECKING:
    from meam_mapping.maps.style import MapStyle

__all__ = ["AREAS_PANE", "area_canvas_script", "canvas_style"]

#: Leaflet pane of the areas' canvas: above tiles (200), under overlays (400).
#: Areas narrower and shorter than :data:`~meam_mapping.maps.fill.MIN_EDGE_PIXELS`
#: on screen are filled without an edge, as on the static maps: at the national
#: view most LSOAs are a few pixels across, and their edges would only whiten
#: the map and double the drawing.
AREAS_PANE = "meam-areas"

# One line of JavaScript per Python line; joined with spaces (no line breaks,
# no "//" comments), so every statement ends in a semicolon or brace.
_LAYER_JS = """
function meamAreaLayer(p, S) {
var CHUNK = 96, PI = Math.PI, f = Math.pow(10, p.d), c = p.c, r = p.r, q = p.p, g = p.g, n = g.length - 1;
var nv = c.length / 2, U = new Float64Array(nv), V = new Float64Array(nv), B = new Float64Array(4 * n);
var k, m, i, x, y;
for (k = 0; k < r.length - 1; k++) { x = 0; y = 0;
 for (m = r[k]; m < r[k + 1]; m++) { if (m === r[k]) { x = c[2 * m]; y = c[2 * m + 1]; } else { x += c[2 * m]; y += c[2 * m + 1]; }
  U[m] = x / f / 360 + 0.5;
  V[m] = 0.5 - Math.log(Math.tan(PI / 4 + (y / f) * PI / 360)) / (2 * PI); } }
var ringStart = new Int32Array(n + 1);
for (i = 0; i <= n; i++) { ringStart[i] = q[g[i]]; }
for (i = 0; i < n; i++) { var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
 for (m = r[ringStart[i]]; m < r[ringStart[i + 1]]; m++) {
  if (U[m] < x0) { x0 = U[m]; } if (U[m] > x1) { x1 = U[m]; } if (V[m] < y0) { y0 = V[m]; } if (V[m] > y1) { y1 = V[m]; } }
 B[4 * i] = x0; B[4 * i + 1] = y0; B[4 * i + 2] = x1; B[4 * i + 3] = y1; }
var K = p.props.k, tips = p.props.tip, groups = {}, keys = [];
for (i = 0; i < n; i++) { if (!(K[i] in groups)) { groups[K[i]] = []; keys.push(K[i]); } groups[K[i]].push(i); }
keys.sort(function (a, b) { return (a === -2) - (b === -2) || (a === -1) - (b === -1) || a - b; });
function hatch() { var t = document.createElement('canvas'); t.width = 6; t.height = 6;
 var h = t.getContext('2d'); h.fillStyle = S.suppressed; h.fillRect(0, 0, 6, 6);
 h.strokeStyle = S.hatch; h.lineWidth = 1.2; h.beginPath();
 h.moveTo(-1, 7); h.lineTo(7, -1); h.moveTo(-1, 1); h.lineTo(1, -1); h.moveTo(5, 7); h.lineTo(7, 5); h.stroke();
 return t; }
function inside(i, u, v) { var yes = false, a, b, e, s;
 for (var k = ringStart[i]; k < ringStart[i + 1]; k++) { s = r[k]; e = r[k + 1]; a = e - 1;
  for (b = s; b < e; a = b++) {
   if ((V[b] > v) !== (V[a] > v) && u < (U[a] - U[b]) * (v - V[b]) / (V[a] - V[b]) + U[b]) { yes = !yes; } } }
 return yes; }
var grid = null;
function buildGrid() { var G = Math.max(1, Math.ceil(Math.sqrt(n))), gx0 = Infinity, gy0 = Infinity, gx1 = -Infinity, gy1 = -Infinity;
 for (var i = 0; i < n; i++) { if (B[4 * i] > B[4 * i + 2]) { continue; }
  gx0 = Math.min(gx0, B[4 * i]); gy0 = Math.min(gy0, B[4 * i + 1]); gx1 = Math.max(gx1, B[4 * i + 2]); gy1 = Math.max(gy1, B[4 * i + 3]); }
 var w = (gx1 - gx0) / G || 1, h = (gy1 - gy0) / G || 1, count = new Int32Array(G * G + 1), pass, cx, cy, slot;
 function cell(t, t0, size) { return Math.max(0, Math.min(G - 1, Math.floor((t - t0) / size))); }
 var items = null, fill = null;
 for (pass = 0; pass < 2; pass++) {
  for (i = 0; i < n; i++) { if (B[4 * i] > B[4 * i + 2]) { continue; }
   for (cy = cell(B[4 * i + 1], gy0, h); cy <= cell(B[4 * i + 3], gy0, h); cy++) {
    for (cx = cell(B[4 * i], gx0, w); cx <= cell(B[4 * i + 2], gx0, w); cx++) { slot = cy * G + cx;
     if (pass === 0) { count[slot + 1]++; } else { items[fill[slot]++] = i; } } } }
  if (pass === 0) { for (slot = 0; slot < G * G; slot++) { count[slot + 1] += count[slot]; }
   items = new Int32Array(count[G * G]); fill = count.slice(0, G * G); } }
 return {G: G, x0: gx0, y0: gy0, w: w, h: h, start: count, items: items, cell: cell}; }
function hitTest(latlng) { var u = latlng.lng / 360 + 0.5, v = 0.5 - Math.log(Math.tan(PI / 4 + latlng.lat * PI / 360)) / (2 * PI);
 if (!grid) { grid = buildGrid(); }
 if (u < grid.x0 || v < grid.y0 || u > grid.x0 + grid.w * grid.G || v > grid.y0 + grid.h * grid.G) { return -1; }
 var slot = grid.cell(v, grid.y0, grid.h) * grid.G + grid.cell(u, grid.x0, grid.w);
 for (var j = grid.start[slot]; j < grid.start[slot + 1]; j++) { var i = grid.items[j];
  if (u >= B[4 * i] && u <= B[4 * i + 2] && v >= B[4 * i + 1] && v <= B[4 * i + 3] && inside(i, u, v)) { return i; } }
 return -1; }
function latlngs(i) { var out = [];
 for (var k = ringStart[i]; k < ringStart[i + 1]; k++) { var ring = [];
  for (var m = r[k]; m < r[k + 1]; m++) {
   ring.push([(2 * Math.atan(Math.exp((0.5 - V[m]) * 2 * PI)) - PI / 2) * 180 / PI, (U[m] - 0.5) * 360]); }
  out.push(ring); }
 return out; }
function feature(i) { var polys = [], props = {}, j, k, m, ring, rings;
 for (j = g[i]; j < g[i + 1]; j++) { rings = [];
  for (k = q[j]; k < q[j + 1]; k++) { ring = [];
   for (m = r[k]; m < r[k + 1]; m++) { ring.push([(U[m] - 0.5) * 360, (2 * Math.atan(Math.exp((0.5 - V[m]) * 2 * PI)) - PI / 2) * 180 / PI]); }
   ring.push(ring[0]); rings.push(ring); }
  polys.push(rings); }
 for (var key in p.props) { props[key] = p.props[key][i]; }
 return {type: 'Feature', properties: props, geometry: {type: 'MultiPolygon', coordinates: polys}}; }
var Layer = L.Canvas.extend({
 options: {pane: S.pane, padding: 0.1},
 hitTest: hitTest, latlngs: latlngs, feature: feature, tip: function (i) { return tips[i]; }, features: n,
 getBounds: function () { var w = L.latLngBounds([]); var a = -1;
  for (var i = 0; i < n; i++) { if (B[4 * i] <= B[4 * i + 2]) { a = i; w.extend(L.latLng(
   (2 * Math.atan(Math.exp((0.5 - B[4 * i + 1]) * 2 * PI)) - PI / 2) * 180 / PI, (B[4 * i] - 0.5) * 360));
   w.extend(L.latLng((2 * Math.atan(Math.exp((0.5 - B[4 * i + 3]) * 2 * PI)) - PI / 2) * 180 / PI, (B[4 * i + 2] - 0.5) * 360)); } }
  return w; },
 _draw: function () {
  var ctx = this._ctx, map = this._map, s = 256 * Math.pow(2, map.getZoom()), o = map.getPixelOrigin(), b = this._bounds;
  var vx0 = (b.min.x + o.x - 4) / s, vx1 = (b.max.x + o.x + 4) / s, vy0 = (b.min.y + o.y - 4) / s, vy1 = (b.max.y + o.y + 4) / s;
  var paths = [], kk, gi, list, path, i, k, m, X, Y, px, py, drawn = 0;
  ctx.save();
  for (kk = 0; kk < keys.length; kk++) { list = groups[keys[kk]]; var cur = [null, null], nin = [0, 0];
   for (gi = 0; gi < list.length; gi++) { i = list[gi];
    if (B[4 * i] > vx1 || B[4 * i + 2] < vx0 || B[4 * i + 1] > vy1 || B[4 * i + 3] < vy0) { continue; }
    var big = Math.max(B[4 * i + 2] - B[4 * i], B[4 * i + 3] - B[4 * i + 1]) * s >= S.edgePixels ? 1 : 0;
    drawn++; if (nin[big]++ % CHUNK === 0) { cur[big] = new Path2D(); paths.push([cur[big], keys[kk], big]); }
    path = cur[big];
    for (k = ringStart[i]; k < ringStart[i + 1]; k++) { px = NaN; py = NaN; var seen = 0;
     for (m = r[k]; m < r[k + 1]; m++) { X = Math.round(U[m] * s) - o.x; Y = Math.round(V[m] * s) - o.y;
      if (X === px && Y === py) { continue; }
      if (m === r[k]) { path.moveTo(X, Y); } else { path.lineTo(X, Y); } px = X; py = Y; seen++; }
     path.closePath();
     if (seen < 3 && k === ringStart[i]) { path.rect(px - 0.5, py - 0.5, 1, 1); } } }
   }
  for (kk = 0; kk < paths.length; kk++) { var key = paths[kk][1];
   ctx.globalAlpha = key === -2 ? 1 : S.fillOpacity;
   ctx.fillStyle = key === -2 ? (this._hatch = this._hatch || ctx.createPattern(hatch(), 'repeat'))
    : (key >= 0 ? S.colours[key] : S.missing);
   ctx.fill(paths[kk][0], 'evenodd'); }
  ctx.globalAlpha = 1;
  for (kk = 0; kk < paths.length; kk++) { if (!paths[kk][2]) { continue; } if (paths[kk][1] === -2) { ctx.strokeStyle = S.suppressedEdge; ctx.lineWidth = 1; ctx.setLineDash([3, 3]); }
   else { ctx.strokeStyle = S.edge; ctx.lineWidth = S.weight; ctx.setLineDash([]); }
   ctx.stroke(paths[kk][0]); }
  ctx.restore();
  this.drawnFeatures = drawn;
  if (!this._announced) { this._announced = true; performance.mark('meam-first-draw');
   requestAnimationFrame(function () { requestAnimationFrame(function () {
    window.meamMapDrawn = {time: performance.now(), features: drawn}; }); }); } },
 onAdd: function (map) {
  if (!map.getPane(S.pane)) { map.createPane(S.pane).style.zIndex = 350; }
  L.Canvas.prototype.onAdd.call(this, map);
  var self = this, c = map.getContainer(), box = c.querySelector('.meam-hover'), shown = -1, line = null;
  if (!box) { box = L.DomUtil.create('div', 'meam-hover', c); }
  function hide() { if (shown >= 0) { box.style.display = 'none'; shown = -1; } if (line) { map.removeLayer(line); line = null; } }
  function place(e) { var pt = e.containerPoint, w = c.clientWidth, h = c.clientHeight, x = pt.x + 14, y = pt.y + 14;
   if (x + box.offsetWidth > w - 4) { x = Math.max(4, pt.x - box.offsetWidth - 14); }
   if (y + box.offsetHeight > h - 4) { y = Math.max(4, pt.y - box.offsetHeight - 14); }
   box.style.left = x + 'px'; box.style.top = y + 'px'; }
  this._meamMove = function (e) { var t = e.originalEvent && e.originalEvent.target;
   if (map.dragging && map.dragging.moving() || map._animatingZoom) { return; }
   var other = map._renderer && map._renderer !== self && map._renderer._hoveredLayer;
   var mine = !t || !t.closest || !(t.closest('.leaflet-control-container') || (t.tagName !== 'CANVAS' && t.classList.contains('leaflet-interactive')));
   if (other || !mine) { if (shown >= 0) { hide(); } return; }
   var i = hitTest(e.latlng);
   if (i < 0 || !tips[i]) { hide(); return; }
   if (i !== shown) { hide(); shown = i; box.innerHTML = tips[i]; box.style.display = 'block';
    line = L.polygon(latlngs(i), {color: '#000000', weight: 3, fill: false, interactive: false}).addTo(map); }
   place(e); };
  this._meamHide = hide;
  this._meamClick = function (e) { var i = hitTest(e.latlng); if (i < 0) { return; }
   var area = new L.Layer(); area.feature = feature(i); area.toGeoJSON = function () { return this.feature; };
   area._eventParents = self._eventParents;
   area.fire('click', {latlng: e.latlng, layerPoint: e.layerPoint, containerPoint: e.containerPoint, originalEvent: e.originalEvent}, true); };
  map.on('click', this._meamClick);
  map.on('mousemove', this._meamMove);
  map.on('movestart zoomstart', hide);
  L.DomEvent.on(c, 'mouseleave', hide); },
 onRemove: function (map) { this._meamHide(); map.off('mousemove', this._meamMove); map.off('click', this._meamClick); map.off('movestart zoomstart', this._meamHide);
  L.DomEvent.off(map.getContainer(), 'mouseleave', this._meamHide);
  L.Canvas.prototype.onRemove.call(this, map); }
});
return new Layer(); }
"""

# Reads maps.simplify.pack_features bytes (inflated): magic, header length,
# JSON header, then varints: polygons per feature, rings per polygon, vertices
# per ring, zigzag coordinates. Returns {d, c, r, p, g, props} with offsets.
_READ_JS = """
function meamReadPack(b) {
var at = 8, size = b[at] + b[at + 1] * 256 + b[at + 2] * 65536 + b[at + 3] * 16777216;
var head = JSON.parse(new TextDecoder().decode(b.subarray(at + 4, at + 4 + size))), pos = at + 4 + size;
function offsets(n) { var out = new Int32Array(n + 1), i, x, shift, v;
 for (i = 0; i < n; i++) { x = 0; shift = 1; do { v = b[pos++]; x += (v & 127) * shift; shift *= 128; } while (v & 128);
  out[i + 1] = out[i] + x; }
 return out; }
var g = offsets(head.n[0]), q = offsets(head.n[1]), r = offsets(head.n[2]);
var nc = 2 * head.n[3], c = new Int32Array(nc), i, x, shift, v;
for (i = 0; i < nc; i++) { x = 0; shift = 1; do { v = b[pos++]; x += (v & 127) * shift; shift *= 128; } while (v & 128);
 c[i] = x % 2 ? -(x + 1) / 2 : x / 2; }
return {d: head.d, c: c, r: r, p: q, g: g, props: head.props}; }
"""

_LAYER_JS_LINE = " ".join(
    line.strip() for line in (_READ_JS + _LAYER_JS).strip().splitlines() if line.strip()
)

_OLD_BROWSER = (
    '<div class="meam-box" style="position:absolute;top:40%;left:20%;z-index:1000">'
    "This browser is too old to draw this many areas: please use a browser released in 2023 "
    "or later.</div>"
)


def canvas_style(style: MapStyle) -> dict[str, object]:
    """Colours and widths of the canvas layer, the same as the areas' Leaflet style.

    Parameters
    ----------
    style : MapStyle

    Returns
    -------
    dict
        ``colours`` (per class), ``missing``, ``suppressed`` (ground of the
        hatch), ``hatch`` (its lines), ``suppressedEdge``, ``edge``,
        ``weight``, ``fillOpacity``, ``edgePixels`` (areas narrower than this
        on screen get no edge) and ``pane``.
    """
    return {
        "colours": list(style.colours),
        "missing": style.missing_colour,
        "suppressed": style.suppressed_colour,
        "hatch": "#9a9a9a",
        "suppressedEdge": "#8a8a8a",
        "edge": style.edge_colour,
        "weight": style.edge_width * 2,
        "fillOpacity": 0.85,
        "edgePixels": MIN_EDGE_PIXELS,
        "pane": AREAS_PANE,
    }


def area_canvas_script(layer_name: str, packed: str, style: MapStyle) -> str:
    """Script that inflates packed areas and adds them to ``layer_name`` as one canvas layer.

    Parameters
    ----------
    layer_name : str
        JavaScript name of the (empty) ``L.geoJSON`` layer of the areas.
    packed : str
        Output of :func:`meam_mapping.maps.simplify.pack_features` with the
        properties ``k`` (class; -1 no data, -2 suppressed) and ``tip``
        (escaped tooltip HTML).
    style : MapStyle
        Colours of the classes, missing and suppressed areas.

    Returns
    -------
    str
        One line of JavaScript for :func:`meam_mapping.maps.furniture.macro`
        (``{map}`` stands for the map). The packed text appears once, as
        ``var b64 = "..."``.
    """
    from meam_mapping.maps.furniture import js_string

    settings = json.dumps(canvas_style(style)).replace("<", "\\u003c")
    return (
        "(function(){performance.mark('meam-script');var b64 = " + json.dumps(packed) + ";"
        "var m = {map}, group = " + layer_name + ";"
        "if (typeof DecompressionStream === 'undefined') {m.getContainer().insertAdjacentHTML("
        "'beforeend', "
        + js_string(_OLD_BROWSER)
        + "); return;}"
        + _LAYER_JS_LINE
        + "performance.mark('meam-decode-start');var bytes; if (Uint8Array.fromBase64) {bytes = Uint8Array.fromBase64(b64);} else {"
        "var bin = atob(b64); bytes = new Uint8Array(bin.length);"
        "for (var i = 0; i < bin.length; i++) {bytes[i] = bin.charCodeAt(i);}}"
        "new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip')))"
        ".arrayBuffer().then(function(buffer){performance.mark('meam-inflated');"
        "var packed = meamReadPack(new Uint8Array(buffer));"
        "var layer = meamAreaLayer(packed, "
        + settings
        + "); group.meamAreas = layer;performance.mark('meam-layer');"
        # Added after the opening zoom settles: added during its animation the
        # canvas would be drawn for the old view and again for the new one.
        "function add(){group.addLayer(layer);}"
        "if (m._animatingZoom) {m.once('zoomend', add);} else {add();}});})();"
    )
