"""The offline HTML map: one self-contained file (folium + inlined, pinned Leaflet).

``write_html(path, layers, title=..., schematic=...)`` writes a page that loads nothing from the
network: Leaflet, its CSS (images as ``data:`` URIs), the polyline-offset plugin and kmpost's own
map code (``maps/assets/kmpost_map.js``/``.css``) are inlined. Tiles (OpenStreetMap, OpenTopoMap)
are offered as base layers for when a connection exists; the default base layer is a plain
background, so an offline phone makes no request at all and still shows every vector layer.

Data handling
- Each layer becomes one Leaflet layer with one toggle in the layer control; points are canvas
  circle markers built from a GeoJSON FeatureCollection (coordinates rounded to 5 decimals,
  about 1 m); lines are stored as encoded polylines (precision 1e-5) at several levels of detail
  (``LOD_LADDER``) and the map swaps them by zoom; km markers are labels thinned by zoom with
  the layer's ``level`` column (100/50/10/5/1) and only drawn inside the view.
- Text from the route notes (names, notes, sources, layer names, the title, the attribution) is
  serialised as JSON with ``<``, ``>``, ``&`` escaped and put into the page with ``textContent``
  by the map code, so HTML in a forum post shows as text and never runs.

The page exposes ``window.kmpost`` (``layers``, ``rendered(id)``, ``totals``) for tests.
"""

from __future__ import annotations

import base64
import html
import json
import math
import os
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import shapely
from branca.element import Figure, MacroElement
from folium.map import Layer, LayerControl
from folium.template import Template

from geo.errors import OutputError
from maps import assets
from maps.files import atomic_write, safe_text
from roadbook.kinds import map_page_kinds

DEFAULT_ATTRIBUTION = "Route notes: kmpost roadbook (quoted from the sources named in each popup)"

#: layer id -> label shown in the layer control and the legend (unknown ids: "Some layer")
LAYER_LABELS: dict[str, str] = {
    "route": "Route",
    "anchors": "Km anchors (calibration)",
    "stretches": "Stretches",
    "parallels": "New highway / old road",
    "camping": "Camping",
    "checkpoints": "Checkpoints",
    "road_events": "Road events",
    "places": "Places",
    "transport": "Transport",
    "restrictions": "Restrictions",
    "border_crossings": "Border crossings",
    "km_markers": "Km markers",
}
#: drawing and listing order; lines first so that points stay clickable on top
LAYER_ORDER: tuple[str, ...] = tuple(LAYER_LABELS)
#: layers with a toggle that start hidden (diagnostics; transport connections, which are not roads)
HIDDEN_BY_DEFAULT: frozenset[str] = frozenset({"anchors", "transport"})

#: layers whose located points are "what comes next" in the riding panel
AHEAD_LAYERS: tuple[str, ...] = ("checkpoints", "road_events", "camping", "places", "border_crossings")
#: event kinds that mean water (or food, which comes with drinks) / a place to sleep
WATER_KINDS = frozenset({"water", "food"})
SLEEP_KINDS = frozenset({"camping", "camping_zone", "accommodation"})
#: on-route settlements: water/food, and a bed unless foreigners may not stay overnight there
SETTLEMENT_KINDS = frozenset({"town", "city", "village"})
NO_OVERNIGHT = frozenset({"no_overnight_foreigners"})
#: the page ships the route vertices; longer lines are simplified (kept vertices keep the FULL
#: line's along-track metres, so km stay exact to within this tolerance)
COMPANION_MAX_VERTICES = 20_000
COMPANION_TOLERANCE_M = 2.0

#: (minimum zoom, Douglas-Peucker tolerance in metres) for the levels of detail of lines; the
#: tolerance is about one screen pixel at the highest zoom of the band (latitude ~40 deg).
LOD_LADDER: tuple[tuple[int, float], ...] = ((0, 1500.0), (7, 200.0), (10, 25.0), (13, 3.0))

#: base layers offered when online (none is loaded unless the user picks it)
TILE_LAYERS: tuple[tuple[str, str, str, int], ...] = (
    (
        "OpenStreetMap (online)",
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "© OpenStreetMap contributors",
        19,
    ),
    (
        "OpenTopoMap (online)",
        "https://{s}.tile.opentopomap.org/{z}/{x}/{y}.png",
        "© OpenStreetMap contributors, SRTM | style © OpenTopoMap (CC-BY-SA)",
        17,
    ),
)
PLAIN_BASE = "Plain background (offline)"

DEFAULT_SCHEMATIC_NOTICE = (
    "Schematic route: the line joins the places with straight segments, it is not the road. "
    "Positions along it are approximate (several km)."
)

_DECIMALS = 5
_RESERVED = {"geometry"}
_LINE_TYPES = {"LineString", "MultiLineString", "LinearRing"}
_EXTERNAL = re.compile(
    r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=|@import|url\(\s*['\"]?(?:https?:)?//",
    re.I,
)


# --------------------------------------------------------------------------- serialisation
def _js_json(obj: Any) -> str:
    """JSON that is safe inside an HTML ``<script>`` element (no ``</script>`` break-out)."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _scalar(value: Any) -> Any:
    """A JSON scalar for a cell, or None for missing values (NaN, NaT, None, pd.NA)."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if not math.isfinite(float(value)) else float(value)
    if isinstance(value, str):
        return value
    try:
        if bool(np.all(np.asarray(value != value))):  # NaT / pd.NA / NaN-likes
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def encode_polyline(lon: np.ndarray, lat: np.ndarray) -> str:
    """Google encoded polyline (precision 1e-5, ~1 m) of a line; repeated points are dropped.

    >>> encode_polyline(np.array([-120.2, -120.95, -126.453]), np.array([38.5, 40.7, 43.252]))
    '_p~iF~ps|U_ulLnnqC_mqNvxq`@'
    """
    pts = np.column_stack([np.round(np.asarray(lat, float) * 1e5), np.round(np.asarray(lon, float) * 1e5)]).astype(
        np.int64
    )
    if len(pts) > 1:
        keep = np.ones(len(pts), bool)
        keep[1:] = np.any(pts[1:] != pts[:-1], axis=1)
        pts = pts[keep]
    deltas = np.diff(pts, axis=0, prepend=np.zeros((1, 2), np.int64)).ravel()
    zig = np.where(deltas < 0, ~(deltas << 1), deltas << 1)
    # up to 7 five-bit chunks per value (|delta| < 2**34 is far beyond 360 degrees)
    shifts = np.arange(7, dtype=np.int64) * 5
    chunks = (zig[:, None] >> shifts[None, :]) & 0x1F
    nbits = np.zeros(len(zig), np.int64)
    nz = zig > 0
    nbits[nz] = np.floor(np.log2(zig[nz].astype(np.float64))).astype(np.int64) + 1
    nchunks = np.maximum(1, (nbits + 4) // 5)
    idx = np.arange(7)[None, :]
    more = idx < (nchunks[:, None] - 1)
    codes = chunks | np.where(more, 0x20, 0)
    valid = idx < nchunks[:, None]
    return (codes[valid] + 63).astype(np.uint8).tobytes().decode("ascii")


def _lines_of(geom: Any) -> list[np.ndarray]:
    """(n, 2) lon/lat arrays of the parts of a (Multi)LineString."""
    if geom.geom_type == "MultiLineString":
        return [np.asarray(g.coords)[:, :2] for g in geom.geoms if not g.is_empty]
    return [np.asarray(geom.coords)[:, :2]]


#: The finest level of :func:`line_lod` of one line, made ahead (:func:`simplify_ahead`):
#: (lon, lat, tolerance m, lat0, result); :func:`_simplify` hands it out for those same numbers.
_ahead: tuple[np.ndarray, np.ndarray, float, float, np.ndarray] | None = None


def _lod_lat0(parts: list[np.ndarray]) -> float:
    """The latitude (degrees) of the equirectangular frame of a line's levels: the mean of its
    vertices' latitudes."""
    return float(np.mean(np.concatenate([p[:, 1] for p in parts]))) if parts else 0.0


def simplify_ahead(lon: np.ndarray | None, lat: np.ndarray | None = None) -> None:
    """Make the finest level of :func:`line_lod` (default ladder) of the line (lon, lat degrees)
    now, e.g. in a thread while other work goes on: the map page's levels of a line of exactly
    these vertices then start from it (the route's; same result). ``None`` forgets it."""
    global _ahead
    if lon is None or lat is None:
        _ahead = None
        return
    lat = np.ascontiguousarray(lat, dtype=np.float64)
    lon = np.ascontiguousarray(lon, dtype=np.float64)
    lat0 = float(np.mean(lat))  # = _lod_lat0 of the line: the mean of the same contiguous numbers
    tol = min(t for _, t in LOD_LADDER)
    got = _planar_dp(lon, lat, tol, lat0) if len(lon) > 2 else np.column_stack([lon, lat])
    _ahead = (lon, lat, tol, lat0, got)


def _simplify(xy: np.ndarray, tol_m: float, lat0: float) -> np.ndarray:
    """Douglas-Peucker in an equirectangular frame around ``lat0`` (tolerance in metres); the
    result made ahead when it is of these same numbers (:func:`simplify_ahead`)."""
    got = _ahead
    if (got is not None and got[2] == tol_m and got[3] == lat0 and len(xy) == len(got[0])
            and np.array_equal(xy[:, 0], got[0]) and np.array_equal(xy[:, 1], got[1])):
        return got[4]
    return _simplify_now(xy, tol_m, lat0)


def _simplify_now(xy: np.ndarray, tol_m: float, lat0: float) -> np.ndarray:
    if len(xy) <= 2:
        return xy
    return _planar_dp(xy[:, 0], xy[:, 1], tol_m, lat0)


def _planar_dp(lon: np.ndarray, lat: np.ndarray, tol_m: float, lat0: float) -> np.ndarray:
    """(n, 2) lon/lat of the vertices Douglas-Peucker keeps in the frame of :func:`_simplify`."""
    kx = 111_320.0 * math.cos(math.radians(lat0))
    ky = 110_574.0
    planar = shapely.linestrings(lon * kx, lat * ky)
    out = np.asarray(shapely.get_coordinates(shapely.simplify(planar, tol_m, preserve_topology=False)))
    return np.column_stack([out[:, 0] / kx, out[:, 1] / ky])


def line_lod(geom: Any, ladder: Iterable[tuple[int, float]] = LOD_LADDER) -> list[list[Any]]:
    """Levels of detail of a line: ``[[min_zoom, [encoded part, ...]], ...]``, coarse first.

    The finest level simplifies the line itself; each coarser level simplifies the next finer
    one (a vertex of a coarse level is one of every finer level, and the full line is
    simplified once; a level then lies within the sum of its own and the finer tolerances of
    the line). A level is left out when it keeps no more points than the coarser one before it.
    """
    parts = _lines_of(geom)
    lat0 = _lod_lat0(parts)
    steps = list(ladder)
    simplified: dict[int, list[np.ndarray]] = {}
    cur = parts
    for i in sorted(range(len(steps)), key=lambda i: steps[i][1]):  # finest first
        cur = [_simplify(p, steps[i][1], lat0) for p in cur]
        simplified[i] = cur
    lod: list[list[Any]] = []
    last_n = -1
    for i, (zoom, _) in enumerate(steps):
        simp = simplified[i]
        n = sum(len(p) for p in simp)
        if n == last_n:
            continue
        lod.append([zoom, [encode_polyline(p[:, 0], p[:, 1]) for p in simp]])
        last_n = n
    if not lod:
        lod.append([0, [encode_polyline(p[:, 0], p[:, 1]) for p in parts]])
    return lod


def _round_geojson(geom: Any) -> dict[str, Any]:
    rounded = shapely.transform(geom, lambda c: np.round(c, _DECIMALS))
    mapping: dict[str, Any] = json.loads(shapely.to_geojson(rounded))
    return mapping


def _truthy(value: Any) -> bool:
    value = _scalar(value)
    if isinstance(value, str):
        return value.strip().lower() in {"true", "yes", "1", "schematic", "y"}
    return bool(value)


def _to_4326(gdf: gpd.GeoDataFrame, name: str) -> gpd.GeoDataFrame:
    if gdf.crs is not None and not gdf.crs.equals("EPSG:4326"):
        try:
            return gdf.to_crs("EPSG:4326")
        except Exception as exc:
            raise OutputError(
                f"layer {name!r}: cannot reproject from {gdf.crs} to EPSG:4326 ({exc}); give the layer in EPSG:4326"
            ) from exc
    return gdf


def _feature_collection(gdf: gpd.GeoDataFrame, layer_id: str, schematic: bool) -> dict[str, Any]:
    """GeoJSON FeatureCollection of a layer; lines carry ``properties._lod`` and no geometry."""
    columns = [c for c in gdf.columns if c not in _RESERVED and c != gdf.geometry.name]
    features: list[dict[str, Any]] = []
    geoms = gdf.geometry.to_numpy()
    values = {c: gdf[c].to_numpy(dtype=object) for c in columns}
    for i, geom in enumerate(geoms):
        if geom is None or geom.is_empty:
            continue
        props = {c: v for c in columns if (v := _scalar(values[c][i])) is not None}
        if layer_id == "route":
            props["schematic"] = bool(schematic or _truthy(props.get("schematic")))
        feature: dict[str, Any] = {"type": "Feature", "properties": props}
        if geom.geom_type in _LINE_TYPES:
            props["_lod"] = line_lod(geom)
            feature["geometry"] = None
        else:
            feature["geometry"] = _round_geojson(geom)
        features.append(feature)
    return {"type": "FeatureCollection", "features": features}


def _km_marker_data(gdf: gpd.GeoDataFrame) -> dict[str, Any]:
    pts = gdf[~gdf.geometry.is_empty & gdf.geometry.notna()]
    pts = pts[pts.geometry.geom_type == "Point"]
    n = len(pts)
    km_cols = [pts[c].to_numpy(dtype=object) for c in ("km", "km_pos") if c in pts.columns]
    km: list[Any] = []
    for i in range(n):
        values = [_scalar(col[i]) for col in km_cols]
        km.append(next((v for v in values if v is not None), None))
    levels_in = pts["level"].to_numpy(dtype=object) if "level" in pts.columns else [None] * n
    level = [int(x) if (x := _scalar(v)) is not None else 1 for v in levels_in]
    data: dict[str, Any] = {
        "lon": np.round(pts.geometry.x.to_numpy(), _DECIMALS).tolist(),
        "lat": np.round(pts.geometry.y.to_numpy(), _DECIMALS).tolist(),
        "km": km,
        "level": level,
        "levels": sorted(set(level)) or [1],
    }
    return data


# --------------------------------------------------------------------------- folium elements
class _Payloads:
    """Text kept out of folium/branca templates and put into the page after rendering.

    branca renders every element's script and then parses the result AGAIN as a Jinja template,
    so ``{{ ... }}`` in a note (or ``{`` in an encoded polyline) would be evaluated or break the
    page. Elements therefore emit a token; :meth:`fill` swaps all tokens in one regex pass (text
    that is put in is never scanned again).
    """

    def __init__(self) -> None:
        self.nonce = secrets.token_hex(8)
        self.items: list[str] = []
        self._re = re.compile(rf"__KMPOST_{self.nonce}_(\d+)__")

    def token(self, text: str) -> str:
        self.items.append(text)
        return f"__KMPOST_{self.nonce}_{len(self.items) - 1}__"

    def json(self, obj: Any) -> str:
        return self.token(_js_json(obj))

    def fill(self, page: str) -> str:
        return self._re.sub(lambda m: self.items[int(m.group(1))], page)


def _no_braces(text: str) -> str:
    """HTML text with ``{``/``}`` as character references (safe from Jinja re-parsing)."""
    return text.replace("{", "&#123;").replace("}", "&#125;")


class _Call(MacroElement):
    """Calls ``kmpost.<fn>(map, cfg)``: ``init`` right after the map, ``finish`` at the end."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "kmpost.{{ this.fn }}({{ this._parent.get_name() }}, {{ this.cfg }});"
        "{% endmacro %}"
    )

    def __init__(self, fn: str, cfg_token: str) -> None:
        super().__init__()
        self._name = "KmpostCall"
        self.fn = fn
        self.cfg = cfg_token


class _BaseLayer(Layer):
    """A base layer: the plain background (empty group) or an online tile layer."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "var {{ this.get_name() }} = {% if this.url %}L.tileLayer({{ this.url }}, {{ this.opts }})"
        "{% else %}L.layerGroup(){% endif %};"
        "kmpost.registerBase({{ this.plain_name }}, {{ this.get_name() }}, {{ this.default }});"
        "{% endmacro %}"
    )

    def __init__(
        self,
        payloads: _Payloads,
        name: str,
        url: str | None = None,
        attribution: str = "",
        max_zoom: int = 19,
        *,
        default: bool = False,
    ) -> None:
        super().__init__(name=_no_braces(html.escape(name)), overlay=False, control=True, show=default)
        self._name = "KmpostBase"
        self.plain_name = payloads.json(html.escape(name))
        self.url = payloads.json(url) if url else None
        self.opts = payloads.json({"attribution": html.escape(attribution), "maxZoom": max_zoom, "subdomains": "abc"})
        self.default = "true" if default else "false"


class _OfflineTiles(Layer):
    """The embedded MBTiles corridor (``kmpost.offlineTiles``), a base layer, default when present."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "var {{ this.get_name() }} = kmpost.offlineTiles({{ this.data }});"
        "kmpost.registerBase({{ this.plain_name }}, {{ this.get_name() }}, true);"
        "{% endmacro %}"
    )

    def __init__(self, payloads: _Payloads, name: str, data: Any) -> None:
        super().__init__(name=_no_braces(html.escape(name)), overlay=False, control=True, show=True)
        self._name = "KmpostOfflineTiles"
        self.plain_name = payloads.json(html.escape(name))
        self.data = payloads.json(data)


class _DataLayer(Layer):
    """One kmpost layer: ``kmpost.featureLayer`` or ``kmpost.kmLayer`` with its data inline."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "var {{ this.get_name() }} = kmpost.{{ this.factory }}("
        "{{ this.layer_id }}, {{ this.label }}, {{ this.data }});"
        "{% endmacro %}"
    )

    def __init__(
        self,
        payloads: _Payloads,
        layer_id: str,
        label: str,
        count: int,
        factory: str,
        data: Any,
        *,
        show: bool = True,
    ) -> None:
        control_label = f'{html.escape(label)} <span class="kp-lc-n">({count})</span>'
        super().__init__(name=_no_braces(control_label), overlay=True, control=True, show=show)
        self._name = "KmpostLayer"
        self.factory = factory
        self.layer_id = payloads.json(layer_id)
        self.label = payloads.json(label)
        self.data = payloads.json(data)


# --------------------------------------------------------------------------- riding companion
def _kept_vertices(line: Any, tol_m: float, max_n: int) -> np.ndarray:
    """Indices of the vertices of a :class:`geo.lrs.MeasuredLine` kept by Douglas-Peucker
    (planar metres) when the line is long.

    The tolerance doubles until at most ``max_n`` vertices are kept
    (:meth:`geo.lrs.MeasuredLine.douglas_peucker`: each try works on the line kept by the one
    before, and the course writers' simplification of the same line is shared)."""
    n = len(line.x)
    if n <= max_n:
        return np.arange(n)
    tol = tol_m
    while True:
        z = line.douglas_peucker(tol)
        if len(z) <= max_n:
            return z
        tol *= 2


def _place_rules(layers: Mapping[str, gpd.GeoDataFrame]) -> set[str]:
    """Names of places where foreigners may not stay overnight (from the restrictions layer)."""
    r = layers.get("restrictions")
    if r is None or not len(r) or "place" not in r.columns:
        return set()
    kinds = r["restriction"] if "restriction" in r.columns else r["kind"]
    return {str(p) for p, k in zip(r["place"], kinds, strict=True) if k in NO_OVERNIGHT and isinstance(p, str)}


def companion_data(route: Any, layers: Mapping[str, gpd.GeoDataFrame]) -> dict[str, Any]:
    """What the page needs to give road km and "what comes next" exactly as the build does.

    ``route`` is a :class:`geo.calibrate.CalibratedRoute`. Returned (JSON-able): ``lon``/``lat``
    (degrees) and ``along`` (geodesic metres of the FULL line) of the route vertices, the
    calibration ``knots`` (along_m, km; piecewise linear, extrapolated linearly at both ends),
    ``km_increasing`` and ``events``: located points ahead-able by along_m, each with ``a``
    (along_m), ``a1`` (end, zones), ``km``, ``name``, ``kind``, ``layer`` and ``tags``
    (``cp`` checkpoint, ``water`` water/food, ``sleep`` a place a foreigner may sleep,
    ``nosleep`` a place where foreigners may not stay overnight).
    """
    line = route.line
    keep = _kept_vertices(line, COMPANION_TOLERANCE_M, COMPANION_MAX_VERTICES)
    ka, kk = route.knots
    no_night = _place_rules(layers)
    events: list[dict[str, Any]] = []
    for layer_id in AHEAD_LAYERS:
        gdf = layers.get(layer_id)
        if gdf is None or not len(gdf) or "along_m" not in gdf.columns:
            continue
        geoms = gdf.geometry.to_numpy()
        wanted = [c for c in ("along_m", "km_pos", "kind", "name", "restricted", "restrictions", "along_m_end",
                              "km_pos_end") if c in gdf.columns]
        columns = [gdf[c].tolist() for c in wanted]  # column lists: far faster than row records
        for *cells, geom in zip(*columns, geoms, strict=True):
            row = dict(zip(wanted, cells, strict=True))
            a = _scalar(row.get("along_m"))
            km = _scalar(row.get("km_pos"))
            if a is None or km is None or geom is None:
                continue
            kind = str(row.get("kind") or layer_id)
            name = str(row.get("name") or kind.replace("_", " "))
            tags = []
            if kind == "checkpoint":
                tags.append("cp")
            settlement = kind in SETTLEMENT_KINDS
            if kind in WATER_KINDS or settlement:
                tags.append("water")
            if settlement and (name in no_night or (_truthy(row.get("restricted"))
                               and "overnight" in str(row.get("restrictions") or "").lower())):
                tags.append("nosleep")
            elif kind in SLEEP_KINDS or settlement:
                tags.append("sleep")
            ev: dict[str, Any] = {"a": round(float(a), 1), "km": round(float(km), 3), "name": name,
                                  "kind": kind, "layer": layer_id, "tags": tags}
            a1 = _scalar(row.get("along_m_end"))
            if a1 is not None and geom.geom_type != "Point":
                ev["a1"] = round(float(a1), 1)
                k1 = _scalar(row.get("km_pos_end"))
                ev["km1"] = None if k1 is None else round(float(k1), 3)
            events.append(ev)
    events.sort(key=lambda e: e["a"])
    return {
        "lon": np.round(line.lon[keep], 6).tolist(),
        "lat": np.round(line.lat[keep], 6).tolist(),
        "along": np.round(line.along_m[keep], 1).tolist(),
        "knots": {"along": [round(float(v), 3) for v in ka], "km": [round(float(v), 6) for v in kk]},
        "km_increasing": bool(route.km_increasing),
        "length_m": round(line.length_m, 1),
        "events": events,
    }


def track_gaps(track: Any, along_m: np.ndarray | None = None) -> list[tuple[float, float]]:
    """(along_m at the end of a segment, along_m at the start of the next) of a :class:`Track`'s gaps.

    ``along_m``: metres along the line per track point when known (``Calibration.track_along_m``);
    else measured here."""
    from geo.earth import cumulative_lengths

    starts = [int(i) for i in np.asarray(track.segment_starts)[1:]]
    if not starts:
        return []
    along = along_m if along_m is not None else \
        cumulative_lengths(np.asarray(track.lon, float), np.asarray(track.lat, float))
    return [(float(along[i - 1]), float(along[i])) for i in starts if 0 < i < len(along) and along[i] > along[i - 1]]


def _split_route(gdf: gpd.GeoDataFrame, gaps_m: Sequence[tuple[float, float]]) -> gpd.GeoDataFrame:
    """The route layer with its line cut at track gaps, plus one thin ``track_gap`` line per gap.

    ``gaps_m`` are (along_m at the end of a segment, along_m at the start of the next), metres
    along the joined line. A gap is drawn as a gap (labelled) and never as ridden road.
    """
    if not gaps_m or not len(gdf):
        return gdf
    from geo.earth import cumulative_lengths

    row = gdf.iloc[0]
    xy = np.asarray(row.geometry.coords)[:, :2]
    along = cumulative_lengths(xy[:, 0], xy[:, 1])
    parts, gap_rows = [], []
    start = 0.0
    for a0, a1 in sorted(gaps_m):
        i0 = int(np.searchsorted(along, a0 + 1e-3))  # first vertex after the segment end
        i1 = int(np.searchsorted(along, a1 - 1e-3))  # first vertex of the next segment
        seg = xy[(along >= start - 1e-3) & (along <= a0 + 1e-3)]
        if len(seg) >= 2:
            parts.append(seg)
        gap = xy[max(i0 - 1, 0):i1 + 1]
        if len(gap) >= 2:
            gap_rows.append({**{c: row[c] for c in gdf.columns if c != gdf.geometry.name},
                             "kind": "track_gap", "name": f"Gap in the track: {(a1 - a0) / 1000:.1f} km (not ridden)",
                             "note": "The track has no points here; the map joins the segments with a dotted line.",
                             "along_m": round(a0, 1), "along_m_end": round(a1, 1), "km_pos": None, "km_pos_end": None,
                             "geometry": shapely.linestrings(gap)})
        start = a1
    tail = xy[along >= start - 1e-3]
    if len(tail) >= 2:
        parts.append(tail)
    main = row.to_dict()
    main["geometry"] = shapely.multilinestrings([shapely.linestrings(p) for p in parts])
    out = gpd.GeoDataFrame([main, *gap_rows], geometry="geometry", crs="EPSG:4326")
    return out


# --------------------------------------------------------------------------- page
def _label(layer_id: str) -> str:
    return LAYER_LABELS.get(layer_id) or layer_id.replace("_", " ").strip().capitalize() or "Layer"


def _ordered(layers: Mapping[str, gpd.GeoDataFrame]) -> list[str]:
    known = [k for k in LAYER_ORDER if k in layers]
    return known + [k for k in layers if k not in LAYER_ORDER]


def _bounds(frames: Iterable[gpd.GeoDataFrame]) -> list[list[float]] | None:
    boxes = [f.total_bounds for f in frames if len(f) and not f.geometry.is_empty.all()]
    boxes = [b for b in boxes if np.all(np.isfinite(b))]
    if not boxes:
        return None
    arr = np.array(boxes)
    west, south = arr[:, 0].min(), arr[:, 1].min()
    east, north = arr[:, 2].max(), arr[:, 3].max()
    return [
        [round(float(south), 5), round(float(west), 5)],
        [round(float(north), 5), round(float(east), 5)],
    ]


def render_html(
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    title: str,
    schematic: bool,
    notice: str | None = None,
    attribution: str = DEFAULT_ATTRIBUTION,
    info: Sequence[str] = (),
    profile_svg: str = "",
    route: Any = None,
    gaps_m: Sequence[tuple[float, float]] = (),
    basemap: Any = None,
) -> str:
    """Return the self-contained HTML page of :func:`write_html` as a string."""
    frames: dict[str, gpd.GeoDataFrame] = {}
    for layer_id in _ordered(layers):
        gdf = layers[layer_id]
        if not isinstance(gdf, gpd.GeoDataFrame):
            raise OutputError(f"layer {layer_id!r}: expected a GeoDataFrame, got {type(gdf).__name__}")
        gdf = _to_4326(gdf, layer_id)
        if len(gdf) == 0 or gdf.geometry.isna().all() or gdf.geometry.is_empty.all():
            continue  # an empty layer gets no toggle
        if layer_id == "route":
            gdf = _split_route(gdf, gaps_m)
        frames[layer_id] = gdf

    # open on the route (places far off the route, e.g. cities for transport, would shrink it)
    focus = [frames[k] for k in ("route", "km_markers") if k in frames]
    bounds = _bounds(focus) or _bounds(frames.values())
    center = [(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2] if bounds else [30, 90]
    if notice is None and schematic:
        notice = DEFAULT_SCHEMATIC_NOTICE

    payloads = _Payloads()
    figure = Figure(title=_no_braces(html.escape(title)))
    fmap = folium.Map(
        location=center,
        zoom_start=6 if bounds else 3,
        tiles=None,
        control_scale=False,  # the map code adds a metric scale, kept clear of the attribution
        prefer_canvas=True,
        max_zoom=18,
    )
    # folium links 10 CDN files by default; this page links none (everything is inlined below)
    fmap.default_js = []
    fmap.default_css = []
    fmap.add_to(figure)
    cfg: dict[str, Any] = {"attribution": attribution, "notice": notice, "title": title, "bounds": bounds,
                           "info": list(info), "kinds": map_page_kinds()}  # styles: roadbook.kinds
    if profile_svg:
        # shown as an <img>: an SVG image runs no script and loads nothing
        cfg["profile"] = "data:image/svg+xml;base64," + base64.b64encode(profile_svg.encode("utf-8")).decode("ascii")
    if route is not None:
        cfg["companion"] = companion_data(route, layers)
    _Call("init", payloads.json(cfg)).add_to(fmap)
    if basemap is not None:
        from maps.basemap import page_data

        label = f"Offline base map: {basemap.name}"
        _OfflineTiles(payloads, label, page_data(basemap)).add_to(fmap)
    _BaseLayer(payloads, PLAIN_BASE, default=basemap is None).add_to(fmap)
    for name, url, attr, max_zoom in TILE_LAYERS:
        _BaseLayer(payloads, name, url, attr, max_zoom).add_to(fmap)
    for layer_id, gdf in frames.items():
        label = _label(layer_id)
        if layer_id == "km_markers" or (
            "level" in gdf.columns and set(gdf.geometry.geom_type.dropna()) <= {"Point"} and layer_id.startswith("km")
        ):
            data = _km_marker_data(gdf)
            count, factory = len(data["lon"]), "kmLayer"
        else:
            data = _feature_collection(gdf, layer_id, schematic)
            count, factory = len(data["features"]), "featureLayer"
        show = layer_id not in HIDDEN_BY_DEFAULT
        _DataLayer(payloads, layer_id, label, count, factory, data, show=show).add_to(fmap)
    LayerControl(position="topright", collapsed=True).add_to(fmap)
    _Call("finish", payloads.json(cfg)).add_to(fmap)

    page = figure.render()
    # some folium elements (its Popup, keep_in_front) call jQuery; this page uses none of them
    # and ships no jQuery: fail loudly rather than write a page with a ReferenceError
    uses_jquery = re.search(r"(?<![\w.])(?:\$|jQuery)\(", page)
    if uses_jquery:
        raise OutputError(f"HTML map: the page calls jQuery ({uses_jquery.group(0)!r}), which kmpost does not "
                          "ship; report this as a bug")
    match = _EXTERNAL.search(page)  # before the vendor code goes in: folium's own links
    head = ["leaflet.css", "kmpost_map.css", "leaflet.js", "kmpost_offset.js", "kmpost_map.js"]
    inline = []
    for name in head:
        text = assets.read_own(name) if name.startswith("kmpost") else assets.read_vendor(name)
        tag = "style" if name.endswith(".css") else "script"
        inline.append(f"<{tag}>/* {name} */\n{payloads.token(text)}\n</{tag}>")
    page = page.replace("<head>", "<head>\n" + "\n".join(inline), 1)
    page = payloads.fill(page)
    if match:
        raise OutputError(
            f"HTML map: the page would load {match.group(0)!r} from outside the file; "
            "kmpost maps must be self-contained (report this as a bug)"
        )
    return page


def write_html(
    path: str | os.PathLike[str],
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    title: str,
    schematic: bool,
    notice: str | None = None,
    attribution: str = DEFAULT_ATTRIBUTION,
    info: Sequence[str] = (),
    profile_svg: str = "",
    route: Any = None,
    gaps_m: Sequence[tuple[float, float]] = (),
    basemap: Any = None,
) -> None:
    """Write the interactive map of ``layers`` as ONE self-contained, offline HTML file.

    ``layers`` maps a layer id (``route``, ``km_markers``, ``checkpoints``, ...) to a
    GeoDataFrame with the common layer schema (see DESIGN.md), any CRS (reprojected to
    EPSG:4326). Each non-empty layer gets a toggle; ``schematic`` draws the route dashed and
    shows a notice (``notice`` replaces the default text, and is shown even when not schematic).
    ``title`` and ``attribution`` are plain text (escaped). Needs the pinned Leaflet package
    (``maps.assets``); raises ``OutputError`` without it or when the file can't be written.

    ``route`` (a :class:`geo.calibrate.CalibratedRoute`) puts the calibration into the page: the
    "where am I" panel, km search and along-route measuring then give the build's road km.
    ``gaps_m`` are the track's gaps as (along_m end of a segment, along_m start of the next).
    ``basemap`` (a :class:`maps.basemap.Basemap`) embeds offline tiles as the default base layer.
    """
    page = render_html(layers, title=title, schematic=schematic, notice=notice, attribution=attribution,
                       info=info, profile_svg=profile_svg, route=route, gaps_m=gaps_m, basemap=basemap)
    with atomic_write(Path(path), what="the HTML map", make_dirs=True) as fh:
        fh.write(safe_text(page))  # no raw control character or lone surrogate reaches the page
