"""Write a TCX course (TrainingCenterDatabase v2), valid against Garmin's XSD.

One ``<Course>``: Name (1–15 characters), one Lap (total time, distance, begin/end position,
Intensity), one Track with a Trackpoint per vertex (Time at a nominal speed, Position,
AltitudeMeters when known, DistanceMeters = metres along the full line), then one CoursePoint per
event (Name 1–10 characters, Time, Position, PointType from the 16 legal values, Notes with the
full text). Written atomically, with fast string building.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Collection
from pathlib import Path
from typing import Any

import numpy as np

from geo.track import Track
from maps._course import WriteReport, decimals, describe, esc, plan_course
from maps.devices import TCX_POINT_TYPES, course_names, short_name, tcx_point_type
from maps.files import atomic_write

TCX_NS = "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"
COURSE_NAME_LEN = 15
POINT_NAME_LEN = 10
_BLOCK = 50_000
#: Default Trackpoint budget (devices load long courses slowly; None keeps every vertex).
TCX_DEFAULT_MAX_POINTS = 20_000


def _iso(t: np.ndarray) -> list[str]:
    """Epoch seconds (int64) -> 'YYYY-MM-DDTHH:MM:SSZ' strings, vectorised."""
    s = np.datetime_as_string(t.astype("datetime64[s]"), unit="s")
    return [x + "Z" for x in s.tolist()]


def write_tcx(path: str | Path, track: Track, along_m: np.ndarray, events: Any, *, name: str,
              max_points: int | None = TCX_DEFAULT_MAX_POINTS,
              layers: Collection[str] | None = None,
              km_markers_every: float | None = None, km_marker_points: Any = None,
              speed_kmh: float = 15.0, start_time: _dt.datetime | None = None) -> WriteReport:
    """Write a TCX course file atomically.

    Args:
        track: the route line (lon, lat degrees; ele metres if any).
        along_m: float64 geodesic metres along the line per vertex, non-decreasing.
        events: GeoDataFrame with the DESIGN.md columns; events without ``along_m`` are skipped
            (listed in ``WriteReport.skipped``).
        name: course name (cut to 15 characters, ASCII).
        max_points: simplify the line to at most this many Trackpoints (None: keep all).
        speed_kmh: nominal speed for the Trackpoint/CoursePoint times.
    """
    plan = plan_course(track, along_m, events, layers=layers, km_markers_every=km_markers_every,
                       km_marker_points=km_marker_points, max_points=max_points, speed_kmh=speed_kmh,
                       start_time=start_time)
    points, skipped, keep, dev, t0 = plan.points, plan.skipped, plan.keep, plan.max_deviation_m, plan.start
    base = int(t0.timestamp())
    mps = plan.mps
    dist = along_m[keep]
    total = float(dist[-1])
    ts = base + np.floor(dist / mps).astype(np.int64)
    cname = short_name(name, COURSE_NAME_LEN, ascii_only=True, fallback="kmpost")
    with atomic_write(path) as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n'
                f'<TrainingCenterDatabase xmlns="{TCX_NS}" '
                'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                f'xsi:schemaLocation="{TCX_NS} '
                'http://www.garmin.com/xmlschemas/TrainingCenterDatabasev2.xsd">\n'
                "  <Courses>\n    <Course>\n"
                f"      <Name>{esc(cname)}</Name>\n")
        la = decimals(track.lat[keep[[0, -1]]], 7)
        lo = decimals(track.lon[keep[[0, -1]]], 7)
        f.write("      <Lap>\n"
                f"        <TotalTimeSeconds>{float(ts[-1] - base):.1f}</TotalTimeSeconds>\n"
                f"        <DistanceMeters>{total:.2f}</DistanceMeters>\n"
                f"        <BeginPosition><LatitudeDegrees>{la[0]}</LatitudeDegrees>"
                f"<LongitudeDegrees>{lo[0]}</LongitudeDegrees></BeginPosition>\n"
                f"        <EndPosition><LatitudeDegrees>{la[1]}</LatitudeDegrees>"
                f"<LongitudeDegrees>{lo[1]}</LongitudeDegrees></EndPosition>\n"
                "        <Intensity>Active</Intensity>\n      </Lap>\n      <Track>\n")
        for a in range(0, len(keep), _BLOCK):
            sub = keep[a:a + _BLOCK]
            lats = decimals(track.lat[sub], 7)
            lons = decimals(track.lon[sub], 7)
            times = _iso(ts[a:a + _BLOCK])
            dists = decimals(dist[a:a + _BLOCK], 2)
            if track.ele is None:
                eles = [""] * len(sub)
            else:
                e = track.ele[sub]
                es = decimals(np.nan_to_num(e), 1)
                eles = [f"<AltitudeMeters>{x}</AltitudeMeters>" if ok else ""
                        for x, ok in zip(es, np.isfinite(e).tolist(), strict=True)]
            f.write("".join([
                f"        <Trackpoint><Time>{t}</Time><Position><LatitudeDegrees>{y}"
                f"</LatitudeDegrees><LongitudeDegrees>{x}</LongitudeDegrees></Position>{e}"
                f"<DistanceMeters>{d}</DistanceMeters></Trackpoint>\n"
                for t, y, x, e, d in zip(times, lats, lons, eles, dists, strict=True)]))
        f.write("      </Track>\n")
        for p, nm in zip(points, course_names(points, POINT_NAME_LEN), strict=True):
            assert p.along_m is not None
            d = min(max(p.along_m, 0.0), total)
            ptype = tcx_point_type(p.kind, p.layer, p.role, p.restricted)
            assert ptype in TCX_POINT_TYPES
            t = _iso(np.array([base + int(d / mps)]))[0]
            y, x = decimals(np.array([p.lat, p.lon]), 7)
            notes = describe(p)
            f.write("      <CoursePoint>\n"
                    f"        <Name>{esc(nm)}</Name>\n        <Time>{t}</Time>\n"
                    f"        <Position><LatitudeDegrees>{y}</LatitudeDegrees>"
                    f"<LongitudeDegrees>{x}</LongitudeDegrees></Position>\n"
                    f"        <PointType>{ptype}</PointType>\n"
                    f"        <Notes>{esc(notes)}</Notes>\n      </CoursePoint>\n")
        f.write("    </Course>\n  </Courses>\n</TrainingCenterDatabase>\n")
    out = Path(path)
    return WriteReport(out, "tcx", len(track), len(keep), dev, len(points), skipped,
                       out.stat().st_size)
