"""Write a TCX course (TrainingCenterDatabase v2), valid against Garmin's XSD.

One ``<Course>``: Name (1–15 characters), one Lap (total time, distance, begin/end position,
Intensity), one Track with a Trackpoint per vertex (Time at a nominal speed, Position,
AltitudeMeters when known, DistanceMeters = metres along the full line), then one CoursePoint per
event (Name 1–10 characters, Time, Position, PointType from the 16 legal values, Notes with the
full text). Written atomically, with fast string building.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

import numpy as np

from maps._course import Course, WriteReport, course_start, decimals, esc, nominal_times
from maps.devices import TCX_POINT_TYPES
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


def write_tcx(path: str | Path, course: Course, *, max_points: int | None = TCX_DEFAULT_MAX_POINTS,
              speed_kmh: float = 15.0, start_time: _dt.datetime | None = None) -> WriteReport:
    """Write a course as a TCX course file, atomically.

    Args:
        course: the course (:func:`maps._course.build_course`): its device name (15 ASCII
            characters), its line and its placed course points (``Course.cues``: 10-character
            names, PointType, full notes); points not placed on the line are listed in
            ``WriteReport.skipped``.
        max_points: simplify the line to at most this many Trackpoints (None: keep all); the
            simplification is the course's, shared with the FIT writer.
        speed_kmh: nominal speed for the Trackpoint/CoursePoint times; ``start_time`` the course's
            start (default now, UTC).
    """
    line = course.line(max_points)
    base = int(course_start(start_time).timestamp())
    dist = line.along_m
    total = float(dist[-1])
    ts = nominal_times(dist, base, speed_kmh)
    with atomic_write(path) as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n'
                f'<TrainingCenterDatabase xmlns="{TCX_NS}" '
                'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                f'xsi:schemaLocation="{TCX_NS} '
                'http://www.garmin.com/xmlschemas/TrainingCenterDatabasev2.xsd">\n'
                "  <Courses>\n    <Course>\n"
                f"      <Name>{esc(course.device_name)}</Name>\n")
        la = decimals(line.lat[[0, -1]], 7)
        lo = decimals(line.lon[[0, -1]], 7)
        f.write("      <Lap>\n"
                f"        <TotalTimeSeconds>{float(ts[-1] - base):.1f}</TotalTimeSeconds>\n"
                f"        <DistanceMeters>{total:.2f}</DistanceMeters>\n"
                f"        <BeginPosition><LatitudeDegrees>{la[0]}</LatitudeDegrees>"
                f"<LongitudeDegrees>{lo[0]}</LongitudeDegrees></BeginPosition>\n"
                f"        <EndPosition><LatitudeDegrees>{la[1]}</LatitudeDegrees>"
                f"<LongitudeDegrees>{lo[1]}</LongitudeDegrees></EndPosition>\n"
                "        <Intensity>Active</Intensity>\n      </Lap>\n      <Track>\n")
        for a in range(0, len(line), _BLOCK):
            sub = slice(a, a + _BLOCK)
            lats = decimals(line.lat[sub], 7)
            lons = decimals(line.lon[sub], 7)
            times = _iso(ts[sub])
            dists = decimals(dist[sub], 2)
            if line.ele is None:
                eles = [""] * len(lats)
            else:
                e = line.ele[sub]
                es = decimals(np.nan_to_num(e), 1)
                eles = [f"<AltitudeMeters>{x}</AltitudeMeters>" if ok else ""
                        for x, ok in zip(es, np.isfinite(e).tolist(), strict=True)]
            f.write("".join([
                f"        <Trackpoint><Time>{t}</Time><Position><LatitudeDegrees>{y}"
                f"</LatitudeDegrees><LongitudeDegrees>{x}</LongitudeDegrees></Position>{e}"
                f"<DistanceMeters>{d}</DistanceMeters></Trackpoint>\n"
                for t, y, x, e, d in zip(times, lats, lons, eles, dists, strict=True)]))
        f.write("      </Track>\n")
        cues = course.cues
        times = _iso(nominal_times(np.array([min(c.along_m, total) for c in cues]), base, speed_kmh))
        lats, lons = decimals(np.array([c.lat for c in cues]), 7), decimals(np.array([c.lon for c in cues]), 7)
        for c, t, y, x in zip(cues, times, lats, lons, strict=True):
            assert c.tcx in TCX_POINT_TYPES
            f.write("      <CoursePoint>\n"
                    f"        <Name>{esc(c.name10)}</Name>\n        <Time>{t}</Time>\n"
                    f"        <Position><LatitudeDegrees>{y}</LatitudeDegrees>"
                    f"<LongitudeDegrees>{x}</LongitudeDegrees></Position>\n"
                    f"        <PointType>{c.tcx}</PointType>\n"
                    f"        <Notes>{esc(c.note)}</Notes>\n      </CoursePoint>\n")
        f.write("    </Course>\n  </Courses>\n</TrainingCenterDatabase>\n")
    out = Path(path)
    return WriteReport(out, "tcx", line.input_points, len(line), line.max_deviation_m, len(course.cues),
                       list(course.skipped_course), out.stat().st_size)
