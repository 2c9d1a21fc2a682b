"""Shared parts of the bike-computer exporters (GPX, FIT, TCX).

* :func:`prepare_points`: the event GeoDataFrame (DESIGN.md layer schema) -> a list of
  :class:`CoursePoint` sorted by along-track metres, with optional km-marker points.
* :func:`prepare_line`: the track, optionally simplified to a point budget (indices + the measured
  deviation in metres).
* (atomic writing lives in :func:`maps.files.atomic_write`.)
* :func:`decimals`: fast, exponent-free decimal strings for coordinates.

All coordinates are (lon, lat) degrees WGS84; distances are metres along the route line.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as _xml_escape

import numpy as np

from geo.track import Track
from maps.devices import alert_of, clean_text
from maps.simplify import simplify_to_budget


@dataclass(frozen=True)
class CoursePoint:
    """One event as the exporters need it.

    ``along_m`` is geodesic metres from the route start (None when the event could not be placed
    on the route); ``lon``/``lat`` degrees.
    """

    lon: float
    lat: float
    along_m: float | None
    kind: str
    layer: str
    name: str
    note: str
    km: float | None
    km_pos: float | None
    source: str
    side: str
    confidence: str
    located_by: str
    role: str = "point"
    length_km: float | None = None
    restricted: bool = False


@dataclass
class WriteReport:
    """What an exporter wrote.

    Attributes:
        path: the file written.
        fmt: "gpx", "fit" or "tcx".
        input_points: vertices of the track given.
        track_points: vertices written (after simplification).
        max_deviation_m: largest distance, metres, between the given and the written line.
        points: waypoints / course points written.
        skipped: events not written (e.g. no along-track position for FIT/TCX), with reasons.
        bytes: file size.
        warnings: one-line messages for the user.
    """

    path: Path
    fmt: str
    input_points: int
    track_points: int
    max_deviation_m: float
    points: int
    skipped: list[str] = field(default_factory=list)
    bytes: int = 0
    warnings: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.track_points < self.input_points:
            self.warnings.append(f"{self.path.name}: line simplified from {self.input_points} to "
                                 f"{self.track_points} points; largest deviation {self.max_deviation_m:.1f} m")


def _num(v: Any) -> float | None:
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _str(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and math.isnan(v):
        return ""
    s = str(v)
    return "" if s in ("nan", "None", "<NA>") else s


def esc(text: object) -> str:
    """Clean (see :func:`maps.devices.clean_text`) and escape text for XML content/attributes.

    >>> esc('A & B <"c">\\x07')
    'A &amp; B &lt;&quot;c&quot;&gt;'
    """
    return _xml_escape(clean_text(text), {'"': "&quot;"})


def describe(p: CoursePoint) -> str:
    """The full sentence of a course point (GPX ``desc``, TCX ``Notes``, the cue card).

    What it is (the registry's phrase), its name, road km, distance along the line, side, the
    source's note, then source, confidence and how it was located.
    """
    _, a = alert_of(p.kind, p.layer, p.role, p.restricted)
    head = a.phrase[:1].upper() + a.phrase[1:]
    name = clean_text(p.name)
    parts = [f"{head}: {name}" if name else head]
    km = p.km_pos if p.km_pos is not None else p.km
    if km is not None:
        parts.append(f"road km {km:g}" + ("" if p.km is not None else " (derived)"))
    if p.along_m is not None:
        parts.append(f"{p.along_m / 1000:.2f} km along the line")
    if p.side:
        parts.append(f"on the {p.side}")
    desc = "; ".join(parts) + "."
    note = clean_text(p.note)
    if note:
        desc += " " + note
    extra = [x for x in (f"source: {clean_text(p.source)}" if p.source else "",
                         f"confidence: {p.confidence}" if p.confidence else "",
                         f"located by: {p.located_by}" if p.located_by else "") if x]
    if extra:
        desc += " (" + "; ".join(extra) + ")"
    return desc


@dataclass(frozen=True)
class Cue:
    """One line of the cue card: what a device announces, ``along_m`` metres from the start.

    ``name``/``fit`` are the FIT course point (15 characters), ``name10``/``tcx`` the TCX one
    (10 characters), ``note`` the full sentence (:func:`describe`).
    """

    along_m: float
    name: str
    name10: str
    fit: str
    tcx: str
    note: str


def cue_card(points: list[CoursePoint]) -> list[Cue]:
    """The cue card of placed course points (as the FIT and TCX writers name and type them)."""
    from maps.devices import course_names

    placed = [p for p in points if p.along_m is not None]
    n15, n10 = course_names(placed, 15), course_names(placed, 10)
    out = []
    for p, a, b in zip(placed, n15, n10, strict=True):
        _, al = alert_of(p.kind, p.layer, p.role, p.restricted)
        assert p.along_m is not None
        out.append(Cue(p.along_m, a, b, al.fit, al.tcx, describe(p)))
    return out


#: Line layers whose features become course points at their start (and end) with the course
#: layer ``stretches``: what matters is in the registry (``Kind.alert`` / ``Kind.end``).
STRETCH_SOURCE_LAYERS = ("stretches", "parallels", "camping")
#: A stretch ending closer than this to the end of the line gets no end alert (metres).
END_M = 100.0


def stretch_alerts(layers: Mapping[str, Any], line: Any) -> Any:
    """Point rows (GeoDataFrame, EPSG:4326, the course-event columns plus ``role`` and
    ``length_km``) at the start and end of every stretch that matters to a rider.

    Args:
        layers: the build's layers by name; line features of :data:`STRETCH_SOURCE_LAYERS`
            with ``along_m`` and ``along_m_end`` are read.
        line: the route's :class:`geo.lrs.MeasuredLine` (positions at ``along_m``, metres).

    Which stretches and which ends: the registry (:mod:`roadbook.kinds`). ``length_km`` is the
    stated length where the roadbook gives one, else the placed length in road km.
    """
    import geopandas as gpd
    from shapely import Point

    rows: list[dict[str, Any]] = []
    for lname in STRETCH_SOURCE_LAYERS:
        gdf = layers.get(lname)
        if gdf is None or not len(gdf) or "along_m_end" not in gdf.columns:
            continue
        for rec in gdf.drop(columns=gdf.geometry.name).to_dict("records"):
            a0, a1 = _num(rec.get("along_m")), _num(rec.get("along_m_end"))
            if a0 is None or a1 is None:
                continue
            k, _ = alert_of(_str(rec.get("kind")), lname, "start")
            if k.group != "stretch":
                continue
            kp0, kp1 = _num(rec.get("km_pos")), _num(rec.get("km_pos_end"))
            length = _num(rec.get("length_km"))
            if length is None and kp0 is not None and kp1 is not None:
                length = round(abs(kp1 - kp0))
            common = {"layer": "stretches", "kind": k.kind, "name": _str(rec.get("name")),
                      "note": _str(rec.get("note")), "source": _str(rec.get("source")),
                      "side": None, "confidence": _str(rec.get("confidence")),
                      "located_by": _str(rec.get("located_by")), "length_km": length}
            for role, entry, d, km, kp in (("start", k.alert, a0, rec.get("km"), kp0),
                                           ("end", k.end, a1, rec.get("km_end"), kp1)):
                if entry is None or (role == "end" and d >= line.length_m - END_M):
                    continue  # no alert, or the stretch ends where the course ends
                lon, lat = line.interpolate(d)
                rows.append({**common, "role": role, "along_m": d, "km": _num(km), "km_pos": kp,
                             "geometry": Point(float(lon[0]), float(lat[0]))})
    cols = ["layer", "kind", "km", "km_pos", "along_m", "name", "note", "source", "side",
            "confidence", "located_by", "role", "length_km"]
    if not rows:
        return gpd.GeoDataFrame(columns=[*cols, "geometry"], geometry="geometry", crs="EPSG:4326")
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")[[*cols, "geometry"]]


def _flag(v: Any) -> bool:
    """True only for a real boolean True (null / NaN / text: False)."""
    return isinstance(v, (bool, np.bool_)) and bool(v)


def position_at(track: Track, along_m: np.ndarray, d: float) -> tuple[float, float]:
    """(lon, lat) at ``d`` metres along the line (linear between vertices; clamped to the ends)."""
    i = int(np.searchsorted(along_m, d, side="right")) - 1
    i = min(max(i, 0), len(along_m) - 2)
    seg = along_m[i + 1] - along_m[i]
    t = 0.0 if seg <= 0 else min(max((d - along_m[i]) / seg, 0.0), 1.0)
    return (float(track.lon[i] + t * (track.lon[i + 1] - track.lon[i])),
            float(track.lat[i] + t * (track.lat[i + 1] - track.lat[i])))


def prepare_points(track: Track, along_m: np.ndarray, events: Any, *,
                   layers: Collection[str] | None = None,
                   km_markers_every: float | None = None,
                   km_marker_points: Any = None) -> list[CoursePoint]:
    """Events (GeoDataFrame, EPSG:4326) -> CoursePoints sorted by along_m (unplaced last).

    Args:
        events: GeoDataFrame with the DESIGN.md columns; may be None or empty. Rows whose
            ``layer`` is "km_markers" (or kind "km_marker") are dropped here: km markers come only
            from ``km_markers_every``.
        layers: keep only these layer names (None: all).
        km_markers_every: add a km-marker point every this many km. With ``km_marker_points``
            (the km_markers layer: road km posts) the posts whose ``km`` is a multiple are used;
            otherwise markers are placed every N km of along-track distance.
    """
    if len(along_m) != len(track):
        raise ValueError(f"along_m has {len(along_m)} values for {len(track)} track points")
    out: list[CoursePoint] = []
    if events is not None and len(events):
        crs = getattr(events, "crs", None)
        if crs is not None and crs.to_epsg() != 4326:
            events = events.to_crs(4326)
        for row in events.itertuples(index=False):
            rec = row._asdict()
            layer = _str(rec.get("layer"))
            kind = _str(rec.get("kind")) or "info"
            if layer == "km_markers" or kind == "km_marker":
                continue
            if layers is not None and layer not in layers:
                continue
            out.append(_point(track, along_m, rec, kind, layer))
    if km_markers_every:
        out.extend(_km_markers(track, along_m, km_markers_every, km_marker_points))
    out.sort(key=lambda p: (p.along_m is None, p.along_m or 0.0))
    return merge_points(out)


#: Points of one family (:attr:`roadbook.kinds.Kind.family`) closer than this are one point.
MERGE_M = 10.0


def _family(p: CoursePoint) -> str:
    k, _ = alert_of(p.kind, p.layer, p.role, p.restricted)
    return (k.family or k.kind) + (":end" if p.role == "end" else "")


def merge_points(points: list[CoursePoint]) -> list[CoursePoint]:
    """Merge points of one family within :data:`MERGE_M` metres (e.g. a downhill sign and the
    downhill stretch starting there) into the first of them; its note gains the others' notes.

    Points whose stated lengths differ (a 9 km and a 19 km downhill sign) stay apart. ``points``
    sorted by ``along_m``; one pass (linear).

    >>> a = CoursePoint(0, 0, 100.0, "downhill", "road_events", "Sign", "A sign.", 1380, 1380,
    ...                 "", "", "high", "km", length_km=34)
    >>> b = CoursePoint(0, 0, 104.0, "downhill", "stretches", "Downhill 34 km", "The stretch.",
    ...                 1380, 1380, "", "", "high", "km", role="start", length_km=34)
    >>> [(p.name, p.note) for p in merge_points([a, b])]
    [('Sign', 'A sign. Also: downhill 34 km: The stretch.')]
    """
    out: list[CoursePoint] = []
    last: dict[str, int] = {}  # family -> index in out of its latest point
    for p in points:
        fam = _family(p)
        j = last.get(fam)
        if j is not None and p.along_m is not None:
            q = out[j]
            same_len = q.length_km is None or p.length_km is None or q.length_km == p.length_km
            if q.along_m is not None and abs(p.along_m - q.along_m) <= MERGE_M and same_len:
                extra = p.note if not p.name or p.name in p.note else f"{p.name.lower()}: {p.note}"
                note = q.note if (not p.note or p.note == q.note or p.note in q.note) \
                    else f"{q.note} Also: {extra}".strip()
                out[j] = replace(q, note=note,
                                 length_km=q.length_km if q.length_km is not None else p.length_km)
                continue
        last[fam] = len(out)
        out.append(p)
    return out


def _point(track: Track, along_m: np.ndarray, rec: dict[str, Any], kind: str,
           layer: str) -> CoursePoint:
    d = _num(rec.get("along_m"))
    geom = rec.get("geometry")
    lon = lat = None
    if geom is not None and not geom.is_empty:
        if geom.geom_type == "Point":
            lon, lat = geom.x, geom.y
        elif d is None:
            c = geom.representative_point()
            lon, lat = c.x, c.y
    if d is not None and d > float(along_m[-1]) + 1.0:
        d = None  # beyond the line: cannot be a course point
    if (lon is None or lat is None) and d is not None:
        lon, lat = position_at(track, along_m, d)
    if lon is None or lat is None:
        lon, lat = float("nan"), float("nan")
    return CoursePoint(
        lon=float(lon), lat=float(lat), along_m=d, kind=kind, layer=layer,
        name=_str(rec.get("name")),
        note=" ".join(x for x in (_str(rec.get("note")), _str(rec.get("restrictions"))) if x),
        km=_num(rec.get("km")),
        km_pos=_num(rec.get("km_pos")), source=_str(rec.get("source")),
        side=_str(rec.get("side")), confidence=_str(rec.get("confidence")),
        located_by=_str(rec.get("located_by")), role=_str(rec.get("role")) or "point",
        length_km=_num(rec.get("length_km")), restricted=_flag(rec.get("restricted")),
    )


def _km_markers(track: Track, along_m: np.ndarray, every: float,
                posts: Any) -> list[CoursePoint]:
    if every <= 0:
        raise ValueError(f"km_markers_every must be > 0 km, got {every}")
    out = []
    if posts is not None and len(posts):
        for row in posts.itertuples(index=False):
            rec = row._asdict()
            km = _num(rec.get("km"))
            if km is None:
                km = _num(rec.get("km_pos"))
            if km is None:
                continue
            q = km / every
            if abs(q - round(q)) > 1e-6:
                continue
            p = _point(track, along_m, rec, "km_marker", "km_markers")
            out.append(CoursePoint(p.lon, p.lat, p.along_m, "km_marker", "km_markers",
                                   f"km {km:g}", f"road km {km:g}", km, km, p.source, "",
                                   p.confidence, p.located_by))
        return out
    total = float(along_m[-1])
    for d in np.arange(every * 1000.0, total + 1e-6, every * 1000.0):
        lon, lat = position_at(track, along_m, float(d))
        km = float(d) / 1000.0
        out.append(CoursePoint(lon, lat, float(d), "km_marker", "km_markers", f"km {km:g}",
                               f"{km:g} km along the line (GPS distance, not road km posts)",
                               None, None, "", "", "high", "route"))
    return out


def prepare_line(track: Track, max_points: int | None) -> tuple[np.ndarray, float]:
    """Indices of the track vertices to write and the largest deviation that caused (metres)."""
    n = len(track)
    if max_points is None or n <= max_points:
        return np.arange(n, dtype=np.int64), 0.0
    r = simplify_to_budget(track.lon, track.lat, max_points, track.segment_starts)
    return r.keep, r.max_deviation_m


def segments_of(keep: np.ndarray, segment_starts: np.ndarray) -> list[np.ndarray]:
    """Split kept indices into the track's segments (each a slice of ``keep``)."""
    cuts = np.searchsorted(keep, segment_starts[1:], side="left")
    return [s for s in np.split(keep, cuts) if len(s)]


def decimals(values: np.ndarray, places: int) -> list[str]:
    """Decimal strings of ``values`` with exactly ``places`` decimals (C printf rounding).

    Never an exponent (xsd:decimal forbids one). One C-level ``%`` call for the whole array:
    faster than per-value formatting and than ``repr(np.round(x))`` (whose results can carry
    17 digits, since ``np.round`` is not correctly rounded).

    >>> decimals(np.array([38.12345678, 90.0, 0.00001, -0.0000001, 1e-9]), 7)
    ['38.1234568', '90.0000000', '0.0000100', '-0.0000001', '0.0000000']
    """
    vals = np.asarray(values, dtype=np.float64).tolist()
    if not vals:
        return []
    return ((f"%.{places}f\n" * len(vals)) % tuple(vals)).split("\n")[:-1]


@dataclass(frozen=True)
class CoursePlan:
    """What a FIT or TCX course is made of (see :func:`plan_course`).

    Attributes:
        points: course points placed on the route, sorted by ``along_m``.
        skipped: one line per event that could not be placed (no along-track position).
        keep: indices of the track vertices written (after simplification).
        max_deviation_m: largest distance, metres, between the track and the written line.
        start: the course's start time (UTC, whole seconds).
        mps: nominal speed, metres per second, for timestamps.
    """

    points: list[CoursePoint]
    skipped: list[str]
    keep: np.ndarray
    max_deviation_m: float
    start: _dt.datetime
    mps: float


def plan_course(track: Track, along_m: np.ndarray, events: Any, *, layers: Collection[str] | None,
                km_markers_every: float | None, km_marker_points: Any, max_points: int | None,
                speed_kmh: float, start_time: _dt.datetime | None) -> CoursePlan:
    """The shared first steps of the course writers: points, simplified line, start time."""
    if speed_kmh <= 0:
        raise ValueError(f"speed_kmh must be > 0, got {speed_kmh}")
    points = prepare_points(track, along_m, events, layers=layers,
                            km_markers_every=km_markers_every, km_marker_points=km_marker_points)
    skipped = [f"{p.kind} {p.name!r}: no along-track position" for p in points if p.along_m is None]
    placed = [p for p in points if p.along_m is not None]
    keep, dev = prepare_line(track, max_points)
    t0 = start_time or _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0)
    if t0.tzinfo is None:
        t0 = t0.replace(tzinfo=_dt.timezone.utc)
    return CoursePlan(placed, skipped, keep, dev, t0, speed_kmh / 3.6)
