"""The course: what the bike-computer writers (GPX, FIT, TCX) and the cue card share.

:func:`build_course` turns the track and the events (a GeoDataFrame in the DESIGN.md layer
schema) into ONE :class:`Course`: the line with its along-track metres (measured once, by the
caller's :class:`geo.lrs.MeasuredLine` when there is one), its simplified forms per point budget
(:meth:`Course.line`, computed once per budget and shared by FIT and TCX), and typed course
points: :class:`Cue` (placed on the line: FIT/TCX course points and the cue card) and
:class:`Waypoint` (GPX ``<wpt>``, for the course's device profile). Frame columns are read once
at that boundary (:func:`points_from_frame`); the writers see only typed values.

All coordinates are (lon, lat) degrees WGS84; distances are metres along the route line.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as _xml_escape

import numpy as np

from geo.track import Track
from maps.devices import DeviceProfile, alert_of, clean_text, course_names, get_profile, short_name
from maps.simplify import simplify_to_budget

#: along-metres -> (lon, lat) degree arrays: where a course places a point it only knows by distance.
Placer = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class CoursePoint:
    """One event as the source says it (before names and types are chosen).

    ``along_m`` is geodesic metres from the course start (None when the event could not be
    placed on the line); ``lon``/``lat`` degrees (NaN when the event has no position at all).
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
        parts.append("on both sides" if p.side == "both" else f"on the {p.side}")
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
    """A course point placed on the line: what a bike computer announces, and a cue-card line.

    Attributes:
        along_m: metres along the course line from its start (0 .. the line's length).
        lon, lat: degrees WGS84.
        name: the FIT name (at most 15 ASCII characters, distinct on the course); also ``name15``.
        name10: the TCX name (at most 10 characters).
        fit: FIT ``course_point`` type (garmin-fit-sdk spelling, e.g. "campsite").
        tcx: TCX ``PointType`` (one of :data:`maps.devices.TCX_POINT_TYPES`).
        note: the full sentence (:func:`describe`): TCX ``Notes``, the cue card.
        kind, layer, role: what the point is (the registry's key, see :func:`maps.devices.alert_of`).
    """

    along_m: float
    lon: float
    lat: float
    name: str
    name10: str
    fit: str
    tcx: str
    note: str
    kind: str = "info"
    layer: str = ""
    role: str = "point"

    @property
    def name15(self) -> str:
        return self.name


@dataclass(frozen=True)
class Waypoint:
    """A GPX ``<wpt>`` for the course's device profile (:class:`maps.devices.DeviceProfile`).

    ``name`` short for the device, ``cmt`` "km 1383 checkpoint: <name>" cut to the profile's
    length, ``desc`` the full sentence, ``src`` the source, ``sym`` (None: none), ``type``,
    ``icon``/``color`` for OsmAnd (None for the other profiles).
    """

    lon: float
    lat: float
    name: str
    cmt: str
    desc: str
    src: str
    sym: str | None
    type: str
    icon: str | None = None
    color: str | None = None


@dataclass(frozen=True)
class CourseLine:
    """The line a writer writes: the kept vertices of the track and their along-track metres.

    Attributes:
        lon, lat: degrees WGS84 of the kept vertices; ``ele`` metres (NaN: none) or None.
        along_m: metres along the FULL line at each kept vertex (so course points keep their
            exact distance when the line is simplified).
        segment_starts: index (into the kept vertices) of the first vertex of each segment.
        input_points: vertices of the full track.
        max_deviation_m: largest distance, metres, of a dropped vertex from the kept line.
    """

    lon: np.ndarray
    lat: np.ndarray
    ele: np.ndarray | None
    along_m: np.ndarray
    segment_starts: np.ndarray
    input_points: int
    max_deviation_m: float

    def __len__(self) -> int:
        return len(self.lon)

    @property
    def length_m(self) -> float:
        return float(self.along_m[-1])

    def segments(self) -> list[slice]:
        """One slice of the kept vertices per segment."""
        b = [*self.segment_starts.tolist(), len(self.lon)]
        return [slice(a, c) for a, c in itertools.pairwise(b) if c > a]


@dataclass(frozen=True)
class SourceLink:
    """A source of the notes, for GPX ``<metadata><link>``: title, URL (optional), licence."""

    title: str
    href: str | None = None
    license: str | None = None


@dataclass
class Course:
    """One course, built once by :func:`build_course` and written by every writer.

    Attributes:
        track: the full line (lon, lat degrees; ele metres or None); ``track.schematic`` is
            stated by the writers.
        along_m: geodesic metres along the line per track vertex (len == len(track)).
        name: the course title (GPX); ``device_name`` the FIT/TCX course name (15 ASCII chars).
        description: GPX ``desc``.
        profile: the device profile of the GPX waypoints.
        sources: links and licences of the notes (GPX ``<metadata>``).
        points: every event as given (placed or not), by ``along_m``, merged (:func:`merge_points`).
        cues: the placed course points (FIT/TCX, cue card), in course order.
        waypoints: the GPX waypoints (every point with a position), in course order.
        skipped_gpx, skipped_course: one line per event left out of GPX / of FIT and TCX.
        xy: the vertices in the line's local projection, metres (a view of the MeasuredLine's,
            when its vertices are the track's), or None: simplification projects them.
        dp: with ``xy``, the line's :meth:`geo.lrs.MeasuredLine.douglas_peucker` (shared with the
            map page: the full line is simplified once).
    """

    track: Track
    along_m: np.ndarray
    name: str
    device_name: str
    description: str
    profile: DeviceProfile
    sources: tuple[SourceLink, ...]
    points: list[CoursePoint]
    cues: list[Cue]
    waypoints: list[Waypoint]
    skipped_gpx: list[str]
    skipped_course: list[str]
    xy: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False)
    dp: Callable[[float], np.ndarray] | None = field(default=None, repr=False)
    _lines: dict[int | None, CourseLine] = field(default_factory=dict, repr=False)

    @property
    def length_m(self) -> float:
        return float(self.along_m[-1])

    def line(self, max_points: int | None) -> CourseLine:
        """The line simplified to at most ``max_points`` vertices (None: every vertex), computed
        once per budget (:func:`maps.simplify.simplify_to_budget`, deviation measured)."""
        n = len(self.track)
        key = None if max_points is None or n <= max_points else int(max_points)
        got = self._lines.get(key)
        if got is None:
            if key is None:
                keep, dev = None, 0.0
            else:
                r = simplify_to_budget(self.track.lon, self.track.lat, key, self.track.segment_starts,
                                       xy=self.xy, dp=self.dp if self.xy is not None else None)
                keep, dev = r.keep, r.max_deviation_m
            got = _course_line(self.track, self.along_m, keep, dev)
            self._lines[key] = got
        return got


def _course_line(track: Track, along_m: np.ndarray, keep: np.ndarray | None, dev: float) -> CourseLine:
    if keep is None:  # the full line: views, no copy
        return CourseLine(track.lon, track.lat, track.ele, along_m, track.segment_starts,
                          len(track), 0.0)
    starts = np.unique(np.searchsorted(keep, track.segment_starts, side="left"))
    return CourseLine(track.lon[keep], track.lat[keep], None if track.ele is None else track.ele[keep],
                      along_m[keep], starts[starts < len(keep)].astype(np.int64), len(track), dev)


def along_of(track: Track, line: Any) -> np.ndarray:
    """Along-track metres per track vertex from a :class:`geo.lrs.MeasuredLine` of the same
    vertices (consecutive duplicates dropped there, 0 m apart here): the geodesic lengths are
    not measured twice (:meth:`geo.lrs.MeasuredLine.vertex_along`). Falls back to measuring when
    the line is of other vertices."""
    from geo.earth import cumulative_lengths

    got = line.vertex_along(track.lon, track.lat) if line is not None else None
    return got if got is not None else cumulative_lengths(track.lon, track.lat)


def build_course(track: Track, along_m: np.ndarray | None, events: Any, *, name: str,
                 description: str = "", device_name: str | None = None, profile: str = "garmin",
                 line: Any = None, placer: Placer | None = None,
                 layers: Collection[str] | None = None, km_markers_every: float | None = None,
                 km_marker_points: Any = None, sources: Sequence[SourceLink] = ()) -> Course:
    """Build the course of a track and its events (see the module docstring).

    Args:
        track: the course line, (lon, lat) degrees.
        along_m: metres along the line per vertex; None: from ``line`` (:func:`along_of`).
        events: GeoDataFrame (EPSG:4326) with the DESIGN.md layer columns, or None. Rows of the
            layer "km_markers" (kind "km_marker") are left out: km markers come only from
            ``km_markers_every``.
        name: the course title; ``device_name`` the FIT/TCX name (default: ``name`` cut to 15
            ASCII characters).
        line: the :class:`geo.lrs.MeasuredLine` of ``track`` (its chainage and ``interpolate``);
            ``placer``: along-metres -> (lon, lat), default ``line.interpolate``, else a line
            measured on first need.
        layers: keep only events of these layers (None: all).
        km_markers_every: add a km-marker point every this many km. With ``km_marker_points``
            (the km_markers layer: road km posts) the posts whose ``km`` is a multiple are used;
            otherwise markers are placed every N km of along-track distance.
    """
    if along_m is None:
        if line is None:
            from geo.lrs import MeasuredLine

            line = MeasuredLine(track.lon, track.lat)
        along_m = along_of(track, line)
    if len(along_m) != len(track):
        raise ValueError(f"along_m has {len(along_m)} values for {len(track)} track points")
    total = float(along_m[-1])
    if placer is None:
        placer = _placer(track, line)
    pts = [p for p in points_from_frame(events, total, placer)
           if p.layer != "km_markers" and p.kind != "km_marker"
           and (layers is None or p.layer in layers)]
    if km_markers_every:
        pts.extend(_km_markers(total, km_markers_every, km_marker_points, placer))
    pts.sort(key=lambda p: (p.along_m is None, p.along_m or 0.0))
    pts = merge_points(pts)
    prof = get_profile(profile)
    placed = [p for p in pts if p.along_m is not None]
    notes = {id(p): describe(p) for p in pts}
    cues = []
    for p, n15, n10 in zip(placed, course_names(placed, 15), course_names(placed, 10), strict=True):
        _, a = alert_of(p.kind, p.layer, p.role, p.restricted)
        assert p.along_m is not None
        cues.append(Cue(min(max(p.along_m, 0.0), total), p.lon, p.lat, n15, n10, a.fit, a.tcx,
                        notes[id(p)], p.kind, p.layer, p.role))
    located = [p for p in pts if math.isfinite(p.lon) and math.isfinite(p.lat)]
    xy = _same_vertices(track, line)
    wpts = [_waypoint(p, prof, nm, notes[id(p)])
            for p, nm in zip(located, course_names(located, prof.name_len, ascii_only=prof.ascii_names),
                             strict=True)]
    return Course(track, along_m, name,
                  device_name or short_name(name, 15, ascii_only=True, fallback="kmpost"),
                  description, prof, tuple(sources), pts, cues, wpts,
                  [f"{p.kind} {p.name!r}: no position" for p in pts
                   if not (math.isfinite(p.lon) and math.isfinite(p.lat))],
                  [f"{p.kind} {p.name!r}: no along-track position" for p in pts if p.along_m is None],
                  xy, None if xy is None else getattr(line, "douglas_peucker", None))


def _same_vertices(track: Track, line: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """The line's projected (x, y) when its vertices are exactly the track's (no copy), else None."""
    if line is None or len(line.lon) != len(track):
        return None
    if not (np.array_equal(line.lon, track.lon) and np.array_equal(line.lat, track.lat)):
        return None
    return line.x, line.y


def _placer(track: Track, line: Any) -> Placer:
    """``line.interpolate``, the line measured on first use when none is given."""
    cell: list[Any] = [line]

    def place(d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if cell[0] is None:
            from geo.lrs import MeasuredLine

            cell[0] = MeasuredLine(track.lon, track.lat)
        ln = cell[0]
        lon, lat = ln.interpolate(np.clip(np.asarray(d, dtype=np.float64), 0.0, ln.length_m))
        return np.asarray(lon), np.asarray(lat)
    return place


def _waypoint(p: CoursePoint, prof: DeviceProfile, nm: str, desc: str) -> Waypoint:
    how = (p.kind, p.layer, p.role, p.restricted)
    if p.kind == "km_marker":
        cmt, desc = nm, clean_text(p.note) or nm
    else:
        k, _ = alert_of(*how)
        km = p.km_pos if p.km_pos is not None else p.km
        what = k.label + (f" {p.role}s" if p.role != "point" else "")
        cmt_full = " ".join(x for x in (f"km {km:g}" if km is not None else "", f"{what}:",
                                        clean_text(p.name)) if x)
        cmt = short_name(cmt_full, prof.cmt_len, ascii_only=prof.ascii_names, fallback=what)
    icon, color = prof.osmand_icon(*how) if prof.osmand else (None, None)
    return Waypoint(p.lon, p.lat, nm, cmt, desc, p.source, prof.sym(*how), prof.type(*how), icon, color)


# ------------------------------------------------------------------ the frame boundary
def _col_float(df: Any, col: str, n: int) -> list[float | None]:
    """A numeric column as floats, None where missing or not finite (one pass, vectorised)."""
    if col not in df.columns:
        return [None] * n
    import pandas as pd

    a = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    ok = np.isfinite(a)
    return [v if k else None for v, k in zip(a.tolist(), ok.tolist(), strict=True)]


def _col_str(df: Any, col: str, n: int) -> list[str]:
    """A text column as str, "" where missing (one pass)."""
    if col not in df.columns:
        return [""] * n
    s = df[col]
    miss = s.isna().to_numpy()
    return ["" if m else str(v) for v, m in zip(s.tolist(), miss.tolist(), strict=True)]


def points_from_frame(events: Any, total_m: float, placer: Placer) -> list[CoursePoint]:
    """The rows of an event GeoDataFrame (DESIGN.md columns, any CRS) as CoursePoints.

    Position: the row's Point geometry; a row placed on the line without a Point gets the line's
    point at ``along_m`` (``placer``); an unplaced row with another geometry its representative
    point; none of these: NaN. ``along_m`` beyond the line's end (+1 m) is unplaced.
    """
    if events is None or not len(events):
        return []
    crs = getattr(events, "crs", None)
    if crs is not None and crs.to_epsg() != 4326:
        events = events.to_crs(4326)
    n = len(events)
    along = np.array([np.nan if v is None else v for v in _col_float(events, "along_m", n)])
    along[along > total_m + 1.0] = np.nan
    lon, lat = np.full(n, np.nan), np.full(n, np.nan)
    if "geometry" in events.columns:
        import shapely

        g = np.asarray(events.geometry.array, dtype=object)
        is_pt = (shapely.get_type_id(g) == 0) & ~shapely.is_empty(g)
        lon[is_pt], lat[is_pt] = shapely.get_x(g[is_pt]), shapely.get_y(g[is_pt])
        other = ~is_pt & ~shapely.is_missing(g) & ~shapely.is_empty(g) & np.isnan(along)
        if other.any():
            rp = shapely.point_on_surface(g[other])
            lon[other], lat[other] = shapely.get_x(rp), shapely.get_y(rp)
    need = np.isnan(lon) & np.isfinite(along)
    if need.any():
        lon[need], lat[need] = placer(along[need])
    kind = [k or "info" for k in _col_str(events, "kind", n)]
    note = [" ".join(x for x in (a, b) if x)
            for a, b in zip(_col_str(events, "note", n), _col_str(events, "restrictions", n), strict=True)]
    role = [r or "point" for r in _col_str(events, "role", n)]
    restricted = ([v is True or v is np.True_ for v in events["restricted"].tolist()]
                  if "restricted" in events.columns else [False] * n)
    cols = zip(lon.tolist(), lat.tolist(), along.tolist(), kind, _col_str(events, "layer", n),
               _col_str(events, "name", n), note, _col_float(events, "km", n),
               _col_float(events, "km_pos", n), _col_str(events, "source", n),
               _col_str(events, "side", n), _col_str(events, "confidence", n),
               _col_str(events, "located_by", n), role, _col_float(events, "length_km", n),
               restricted, strict=True)
    return [CoursePoint(x, y, None if d != d else d, k, ly, nm, nt, km, kp, src, sd, cf, lb, r, lk, rs)
            for x, y, d, k, ly, nm, nt, km, kp, src, sd, cf, lb, r, lk, rs in cols]


def _km_markers(total_m: float, every: float, posts: Any, placer: Placer) -> list[CoursePoint]:
    if every <= 0:
        raise ValueError(f"km_markers_every must be > 0 km, got {every}")
    if posts is not None and len(posts):
        out = []
        for p in points_from_frame(posts, total_m, placer):
            km = p.km if p.km is not None else p.km_pos
            if km is None or abs(km / every - round(km / every)) > 1e-6:
                continue
            out.append(CoursePoint(p.lon, p.lat, p.along_m, "km_marker", "km_markers", f"km {km:g}",
                                   f"road km {km:g}", km, km, p.source, "", p.confidence, p.located_by))
        return out
    d = np.arange(every * 1000.0, total_m + 1e-6, every * 1000.0)
    lon, lat = placer(d) if len(d) else (np.zeros(0), np.zeros(0))
    return [CoursePoint(x, y, a, "km_marker", "km_markers", f"km {a / 1000:g}",
                        f"{a / 1000:g} km along the line (GPS distance, not road km posts)",
                        None, None, "", "", "high", "route")
            for x, y, a in zip(lon.tolist(), lat.tolist(), d.tolist(), strict=True)]


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
        n = len(gdf)
        cols = {c: _col_float(gdf, c, n) for c in ("along_m", "along_m_end", "km", "km_end", "km_pos",
                                                    "km_pos_end", "length_km")}
        txt = {c: _col_str(gdf, c, n) for c in ("kind", "name", "note", "source", "confidence", "located_by")}
        for i in range(n):
            a0, a1 = cols["along_m"][i], cols["along_m_end"][i]
            if a0 is None or a1 is None:
                continue
            k, _ = alert_of(txt["kind"][i], lname, "start")
            if k.group != "stretch":
                continue
            kp0, kp1 = cols["km_pos"][i], cols["km_pos_end"][i]
            length = cols["length_km"][i]
            if length is None and kp0 is not None and kp1 is not None:
                length = round(abs(kp1 - kp0))
            common = {"layer": "stretches", "kind": k.kind, "name": txt["name"][i],
                      "note": txt["note"][i], "source": txt["source"][i], "side": None,
                      "confidence": txt["confidence"][i], "located_by": txt["located_by"][i],
                      "length_km": length}
            for role, entry, d, km, kp in (("start", k.alert, a0, cols["km"][i], kp0),
                                           ("end", k.end, a1, cols["km_end"][i], kp1)):
                if entry is None or (role == "end" and d >= line.length_m - END_M):
                    continue  # no alert, or the stretch ends where the course ends
                lon, lat = line.interpolate(d)
                rows.append({**common, "role": role, "along_m": d, "km": km, "km_pos": kp,
                             "geometry": Point(float(lon[0]), float(lat[0]))})
    cols_out = ["layer", "kind", "km", "km_pos", "along_m", "name", "note", "source", "side",
                "confidence", "located_by", "role", "length_km"]
    if not rows:
        return gpd.GeoDataFrame(columns=[*cols_out, "geometry"], geometry="geometry", crs="EPSG:4326")
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")[[*cols_out, "geometry"]]


def nominal_times(along_m: np.ndarray, base_s: int, speed_kmh: float) -> np.ndarray:
    """Whole seconds (int64) at which a rider at ``speed_kmh`` passes ``along_m`` metres,
    starting at ``base_s`` (epoch seconds of the writer's clock)."""
    if not speed_kmh > 0:
        raise ValueError(f"speed_kmh must be > 0, got {speed_kmh}")
    return base_s + np.floor(np.asarray(along_m, dtype=np.float64) / (speed_kmh / 3.6)).astype(np.int64)


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


def course_start(t0: Any) -> Any:
    """The course's start (UTC, whole seconds): ``t0`` or now."""
    import datetime as _dt

    t = t0 or _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0)
    return t if t.tzinfo is not None else t.replace(tzinfo=_dt.timezone.utc)
