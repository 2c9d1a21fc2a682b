"""Write the route and its events as GPX 1.1 (fast string building, atomic).

Layout (GPX 1.1 child order): ``<metadata>`` (name, desc — says when the line is schematic —,
one ``<link>`` per source, time, bounds), one ``<wpt>`` per event (name short for the device, cmt
short, desc the full note, src, sym per device profile, type), then the line as one ``<trk>``
with one ``<trkseg>`` per segment, or (``as_route=True``) one ``<rte>`` per segment.

Coordinates: degrees rounded to 7 decimals (about 1 cm), elevations to 0.1 m, never with an
exponent. Text: XML-illegal control characters removed, ``& < > "`` escaped.
Speed: about 0.3 s per million points (gpxpy's ``to_xml`` needs more than 10 s).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import numpy as np

from maps._course import Course, CourseLine, SourceLink, Waypoint, WriteReport, decimals, esc
from maps.devices import clean_text
from maps.files import atomic_write
from maps.textfmt import write_fixed_rows

__all__ = ["GPX_NS", "SourceLink", "write_gpx"]

GPX_NS = "http://www.topografix.com/GPX/1/1"
_BLOCK = 100_000


def write_gpx(path: str | Path, course: Course, *, as_route: bool = False,
              max_points: int | None = None, creator: str = "kmpost",
              time: _dt.datetime | None = None) -> WriteReport:
    """Write a course as GPX 1.1: metadata, one waypoint per located point, the line as track
    (or route), atomically (temp file + ``os.replace``).

    Args:
        course: the course (:func:`maps._course.build_course`): its title and description for
            ``<metadata>`` and ``<trk>``, its sources, its waypoints (names, sym and type for its
            device profile), its line (``track.schematic`` is stated in the desc).
        as_route: write ``<rte>``/``<rtept>`` instead of ``<trk>``.
        max_points: simplify the line to at most this many vertices (deviation reported).
        time: ``<metadata><time>`` (default: now, UTC).
    """
    line = course.line(max_points)
    with atomic_write(path) as f:
        _write(f, course, line, as_route=as_route, creator=creator,
               time=time or _dt.datetime.now(_dt.timezone.utc))
    p = Path(path)
    return WriteReport(p, "gpx", line.input_points, len(line), line.max_deviation_m,
                       len(course.waypoints), list(course.skipped_gpx), p.stat().st_size)


def _write(f: IO[str], course: Course, line: CourseLine, *, as_route: bool, creator: str,
           time: _dt.datetime) -> None:
    prof, track, name = course.profile, course.track, course.name
    ns = "".join(f' xmlns:{k}="{esc(v)}"' for k, v in prof.extra_ns.items())
    f.write('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<gpx xmlns="{GPX_NS}" version="1.1" creator="{esc(creator)}"{ns} '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            f'xsi:schemaLocation="{GPX_NS} http://www.topografix.com/GPX/1/1/gpx.xsd">\n')
    desc = clean_text(course.description)
    if track.schematic:
        desc = ("SCHEMATIC LINE: not real road geometry (" + clean_text(track.source)
                + "); distances and positions are approximate. " + desc)
    f.write("<metadata>\n")
    f.write(f"  <name>{esc(name)}</name>\n")
    if desc:
        f.write(f"  <desc>{esc(desc)}</desc>\n")
    lic = [s for s in course.sources if s.license]
    if lic:
        f.write(f'  <copyright author="{esc("; ".join(s.title for s in lic))}">'
                f'<license>{esc(lic[0].license)}</license></copyright>\n')
    for s in course.sources:
        if s.href:
            f.write(f'  <link href="{esc(s.href)}"><text>{esc(s.title)}</text></link>\n')
    t = time.astimezone(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    f.write(f"  <time>{t}</time>\n")
    b = decimals(np.array([line.lat.min(), line.lon.min(), line.lat.max(), line.lon.max()]), 7)
    f.write(f'  <bounds minlat="{b[0]}" minlon="{b[1]}" maxlat="{b[2]}" maxlon="{b[3]}"/>\n')
    f.write("</metadata>\n")
    _write_waypoints(f, course.waypoints)
    segs = line.segments()
    if as_route:
        for i, seg in enumerate(segs):
            rname = name if len(segs) == 1 else f"{name} ({i + 1}/{len(segs)})"
            f.write(f"<rte>\n  <name>{esc(rname)}</name>\n")
            if desc:
                f.write(f"  <desc>{esc(desc)}</desc>\n")
            _write_vertices(f, line, seg, "rtept")
            f.write("</rte>\n")
    else:
        f.write(f"<trk>\n  <name>{esc(name)}</name>\n")
        if desc:
            f.write(f"  <desc>{esc(desc)}</desc>\n")
        for seg in segs:
            f.write("  <trkseg>\n")
            _write_vertices(f, line, seg, "trkpt")
            f.write("  </trkseg>\n")
        f.write("</trk>\n")
    f.write("</gpx>\n")


def _write_waypoints(f: IO[str], wpts: list[Waypoint]) -> None:
    lats = decimals(np.array([w.lat for w in wpts]), 7)
    lons = decimals(np.array([w.lon for w in wpts]), 7)
    for w, la, lo in zip(wpts, lats, lons, strict=True):
        out = [f'<wpt lat="{la}" lon="{lo}">\n  <name>{esc(w.name)}</name>\n'
               f"  <cmt>{esc(w.cmt)}</cmt>\n  <desc>{esc(w.desc)}</desc>\n"]
        if w.src:
            out.append(f"  <src>{esc(w.src)}</src>\n")
        if w.sym:
            out.append(f"  <sym>{esc(w.sym)}</sym>\n")
        out.append(f"  <type>{esc(w.type)}</type>\n")
        if w.icon is not None:
            out.append(f"  <extensions><osmand:icon>{w.icon}</osmand:icon>"
                       "<osmand:background>circle</osmand:background>"
                       f"<osmand:color>{w.color}</osmand:color></extensions>\n")
        out.append("</wpt>\n")
        f.write("".join(out))


def _write_vertices(f: IO[str], line: CourseLine, seg: slice, tag: str) -> None:
    """Write ``<tag lat lon><ele/></tag>`` lines for the vertices ``seg`` of ``line``, in blocks.

    The common cases (no elevation, or an elevation on every point) are built from the arrays by
    :func:`maps.textfmt.write_fixed_rows` (lat/lon ``%.7f``, ele ``%.1f``; the same bytes as ``%``)
    per block of 100,000 points.
    """
    for a in range(seg.start, seg.stop, _BLOCK):
        sub = slice(a, min(a + _BLOCK, seg.stop))
        lat, lon = line.lat[sub], line.lon[sub]
        ele = None if line.ele is None else line.ele[sub]
        if ele is None or not np.isfinite(ele).any():
            write_fixed_rows([f'    <{tag} lat="', (lat, 7), '" lon="', (lon, 7), '"/>\n'], _byte_writer(f))
        elif np.isfinite(ele).all():
            write_fixed_rows([f'    <{tag} lat="', (lat, 7), '" lon="', (lon, 7), '"><ele>', (ele, 1),
                              f"</ele></{tag}>\n"], _byte_writer(f))
        else:
            lats, lons = decimals(lat, 7), decimals(lon, 7)
            eles = decimals(np.nan_to_num(ele), 1)
            f.write("".join([f'    <{tag} lat="{la}" lon="{lo}"><ele>{e}</ele></{tag}>\n' if k
                             else f'    <{tag} lat="{la}" lon="{lo}"/>\n'
                             for la, lo, e, k in zip(lats, lons, eles,
                                                     np.isfinite(ele).tolist(), strict=True)]))


def _byte_writer(f: IO[str]) -> Callable[[Any], object]:
    """A ``write`` for UTF-8 bytes into the text file ``f``: straight into its byte buffer when it
    has one (flushed first, so the text written before comes first)."""
    buf = getattr(f, "buffer", None)
    if buf is None:
        return lambda data: f.write(bytes(data).decode("utf-8"))
    f.flush()
    return buf.write
