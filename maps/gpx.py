"""Write the route and its events as GPX 1.1 (fast string building, atomic).

Layout (GPX 1.1 child order): ``<metadata>`` (name, desc — says when the line is schematic —,
one ``<link>`` per source, time, bounds), one ``<wpt>`` per event (name short for the device, cmt
short, desc the full note, src, sym per device profile, type), then the line as one ``<trk>``
with one ``<trkseg>`` per segment, or (``as_route=True``) one ``<rte>`` per segment.

Coordinates: degrees rounded to 7 decimals (about 1 cm), elevations to 0.1 m, never with an
exponent. Text: XML-illegal control characters removed, ``& < > "`` escaped.
Speed: about 1 s per million points (gpxpy's ``to_xml`` needs more than 10 s).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np

from geo.track import Track
from maps._course import (
    CoursePoint,
    WriteReport,
    decimals,
    describe,
    esc,
    prepare_line,
    prepare_points,
    segments_of,
)
from maps.devices import DeviceProfile, alert_of, clean_text, course_names, get_profile, short_name
from maps.files import atomic_write

GPX_NS = "http://www.topografix.com/GPX/1/1"
_BLOCK = 100_000


@dataclass(frozen=True)
class SourceLink:
    """A source of the notes, for ``<metadata><link>``: title, URL (optional), licence."""

    title: str
    href: str | None = None
    license: str | None = None


def event_texts(p: CoursePoint, prof: DeviceProfile, name: str | None = None) -> tuple[str, str, str]:
    """(name, cmt, desc) of a waypoint for a device profile.

    name: short (``prof.name_len``, see :func:`maps.devices.course_names`; pass the name chosen
    for the whole course); cmt: "km 1383 checkpoint: <name>" cut at a word to ``prof.cmt_len``;
    desc: the full sentence (:func:`maps._course.describe`).
    """
    nm = name if name is not None else course_names([p], prof.name_len,
                                                    ascii_only=prof.ascii_names)[0]
    if p.kind == "km_marker":
        return nm, nm, clean_text(p.note) or nm
    k, _ = alert_of(p.kind, p.layer, p.role, p.restricted)
    km = p.km_pos if p.km_pos is not None else p.km
    kmtxt = f"km {km:g}" if km is not None else ""
    what = k.label + (f" {p.role}s" if p.role != "point" else "")
    cmt_full = " ".join(x for x in (kmtxt, f"{what}:", clean_text(p.name)) if x)
    cmt = short_name(cmt_full, prof.cmt_len, ascii_only=prof.ascii_names, fallback=what)
    return nm, cmt, describe(p)


def write_gpx(path: str | Path, track: Track, along_m: np.ndarray, events: Any, *,
              name: str, description: str, profile: str = "garmin", as_route: bool = False,
              max_points: int | None = None, km_markers_every: float | None = None,
              km_marker_points: Any = None, layers: Collection[str] | None = None,
              sources: Sequence[SourceLink] = (), creator: str = "kmpost",
              time: _dt.datetime | None = None) -> WriteReport:
    """Write a GPX 1.1 file: metadata, one waypoint per event, the line as track (or route).

    Args:
        path: output file; written atomically (temp file + ``os.replace``).
        track: the route line, (lon, lat) degrees; ``track.schematic`` is stated in the desc.
        along_m: float64 geodesic metres along the line per track vertex (len == len(track)).
        events: GeoDataFrame (EPSG:4326) with the DESIGN.md layer columns, or None.
        name, description: for ``<metadata>`` and ``<trk>``.
        profile: device profile (garmin, wahoo, karoo, osmand): names, sym, type, extensions.
        as_route: write ``<rte>``/``<rtept>`` instead of ``<trk>``.
        max_points: simplify the line to at most this many vertices (deviation reported).
        km_markers_every: add a waypoint every N km (see :func:`maps._course.prepare_points`).
        km_marker_points: the km_markers layer (road km posts) to take those markers from.
        layers: only events of these layers (None: all).
        sources: links/licences of the notes' sources for ``<metadata>``.
        time: ``<metadata><time>`` (default: now, UTC).
    """
    prof = get_profile(profile)
    points = prepare_points(track, along_m, events, layers=layers,
                            km_markers_every=km_markers_every, km_marker_points=km_marker_points)
    keep, dev = prepare_line(track, max_points)
    skipped = [f"{p.kind} {p.name!r}: no position" for p in points
               if not (np.isfinite(p.lon) and np.isfinite(p.lat))]
    points = [p for p in points if np.isfinite(p.lon) and np.isfinite(p.lat)]
    with atomic_write(path) as f:
        _write(f, track, keep, points, prof, name=name, description=description,
               as_route=as_route, sources=sources, creator=creator,
               time=time or _dt.datetime.now(_dt.timezone.utc))
    p = Path(path)
    return WriteReport(p, "gpx", len(track), len(keep), dev, len(points), skipped,
                       p.stat().st_size)


def _write(f: IO[str], track: Track, keep: np.ndarray, points: list[CoursePoint],
           prof: DeviceProfile, *, name: str, description: str, as_route: bool,
           sources: Sequence[SourceLink], creator: str, time: _dt.datetime) -> None:
    ns = "".join(f' xmlns:{k}="{esc(v)}"' for k, v in prof.extra_ns.items())
    f.write('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<gpx xmlns="{GPX_NS}" version="1.1" creator="{esc(creator)}"{ns} '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            f'xsi:schemaLocation="{GPX_NS} http://www.topografix.com/GPX/1/1/gpx.xsd">\n')
    desc = clean_text(description)
    if track.schematic:
        desc = ("SCHEMATIC LINE: not real road geometry (" + clean_text(track.source)
                + "); distances and positions are approximate. " + desc)
    f.write("<metadata>\n")
    f.write(f"  <name>{esc(name)}</name>\n")
    if desc:
        f.write(f"  <desc>{esc(desc)}</desc>\n")
    lic = [s for s in sources if s.license]
    if lic:
        f.write(f'  <copyright author="{esc("; ".join(s.title for s in lic))}">'
                f'<license>{esc(lic[0].license)}</license></copyright>\n')
    for s in sources:
        if s.href:
            f.write(f'  <link href="{esc(s.href)}"><text>{esc(s.title)}</text></link>\n')
    t = time.astimezone(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    f.write(f"  <time>{t}</time>\n")
    lon, lat = track.lon[keep], track.lat[keep]
    b = decimals(np.array([lat.min(), lon.min(), lat.max(), lon.max()]), 7)
    f.write(f'  <bounds minlat="{b[0]}" minlon="{b[1]}" maxlat="{b[2]}" maxlon="{b[3]}"/>\n')
    f.write("</metadata>\n")
    _write_waypoints(f, points, prof)
    segs = segments_of(keep, track.segment_starts)
    if as_route:
        for i, seg in enumerate(segs):
            rname = name if len(segs) == 1 else f"{name} ({i + 1}/{len(segs)})"
            f.write(f"<rte>\n  <name>{esc(rname)}</name>\n")
            if desc:
                f.write(f"  <desc>{esc(desc)}</desc>\n")
            _write_vertices(f, track, seg, "rtept")
            f.write("</rte>\n")
    else:
        f.write(f"<trk>\n  <name>{esc(name)}</name>\n")
        if desc:
            f.write(f"  <desc>{esc(desc)}</desc>\n")
        for seg in segs:
            f.write("  <trkseg>\n")
            _write_vertices(f, track, seg, "trkpt")
            f.write("  </trkseg>\n")
        f.write("</trk>\n")
    f.write("</gpx>\n")


def _write_waypoints(f: IO[str], points: list[CoursePoint], prof: DeviceProfile) -> None:
    names = course_names(points, prof.name_len, ascii_only=prof.ascii_names)
    texts = [event_texts(p, prof, nm) for p, nm in zip(points, names, strict=True)]
    lats = decimals(np.array([p.lat for p in points]), 7)
    lons = decimals(np.array([p.lon for p in points]), 7)
    for p, (_, cmt, desc), nm, la, lo in zip(points, texts, names, lats, lons, strict=True):
        out = [f'<wpt lat="{la}" lon="{lo}">\n  <name>{esc(nm)}</name>\n'
               f"  <cmt>{esc(cmt)}</cmt>\n  <desc>{esc(desc)}</desc>\n"]
        if p.source:
            out.append(f"  <src>{esc(p.source)}</src>\n")
        how = (p.kind, p.layer, p.role, p.restricted)
        sym = prof.sym(*how)
        if sym:
            out.append(f"  <sym>{esc(sym)}</sym>\n")
        out.append(f"  <type>{esc(prof.type(*how))}</type>\n")
        if prof.osmand:
            icon, color = prof.osmand_icon(*how)
            out.append(f"  <extensions><osmand:icon>{icon}</osmand:icon>"
                       "<osmand:background>circle</osmand:background>"
                       f"<osmand:color>{color}</osmand:color></extensions>\n")
        out.append("</wpt>\n")
        f.write("".join(out))


def _write_vertices(f: IO[str], track: Track, idx: np.ndarray, tag: str) -> None:
    """Write ``<tag lat lon><ele/></tag>`` lines for track vertices ``idx``, in blocks.

    The common cases (no elevation, or an elevation on every point) are formatted with ONE
    C-level ``%`` per block of 100,000 points (lat/lon ``%.7f``, ele ``%.1f``).
    """
    for a in range(0, len(idx), _BLOCK):
        sub = idx[a:a + _BLOCK]
        lat, lon = track.lat[sub], track.lon[sub]
        ele = None if track.ele is None else track.ele[sub]
        if ele is None or not np.isfinite(ele).any():
            line = f'    <{tag} lat="%.7f" lon="%.7f"/>\n'
            f.write((line * len(sub)) % tuple(np.column_stack([lat, lon]).ravel().tolist()))
        elif np.isfinite(ele).all():
            line = f'    <{tag} lat="%.7f" lon="%.7f"><ele>%.1f</ele></{tag}>\n'
            f.write((line * len(sub))
                    % tuple(np.column_stack([lat, lon, ele]).ravel().tolist()))
        else:
            lats, lons = decimals(lat, 7), decimals(lon, 7)
            eles = decimals(np.nan_to_num(ele), 1)
            f.write("".join([f'    <{tag} lat="{la}" lon="{lo}"><ele>{e}</ele></{tag}>\n' if k
                             else f'    <{tag} lat="{la}" lon="{lo}"/>\n'
                             for la, lo, e, k in zip(lats, lons, eles,
                                                     np.isfinite(ele).tolist(), strict=True)]))
