"""Write a FIT course (the file a Garmin Edge uses for "Up Ahead" alerts) with garmin-fit-sdk.

Messages, in the FIT SDK course-file order: file_id (type=course), course (name, sport=cycling),
lap (start/end position, distance, times), event (timer start), one record per track vertex
(position, distance along the line, timestamp, altitude when known), one course_point per event
(type and name of at most 15 characters from :mod:`roadbook.kinds`, distance = metres along
the line, position, timestamp),
event (timer stop_all).

Times are nominal: the course starts at ``start_time`` and is ridden at ``speed_kmh`` (default
15 km/h), so record and course_point timestamps agree with their distances.
Record distances are the caller's ``along_m`` (geodesic metres along the FULL line), also when
the line is simplified, so course points keep their exact distance.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Collection
from pathlib import Path
from typing import Any

import numpy as np
from garmin_fit_sdk import Encoder, Profile

from geo.track import Track
from maps._course import WriteReport, plan_course
from maps.devices import course_names, fit_course_point_type, short_name
from maps.files import atomic_write

FIT_NAME_LEN = 15
#: Default record budget. garmin-fit-sdk encodes about 40,000 records/s (pure Python), and
#: bike computers load long courses slowly; pass ``max_points=None`` to keep every vertex.
FIT_DEFAULT_MAX_POINTS = 20_000
_SEMI = 2**31 / 180.0
_MESG = Profile["mesg_num"]
FIT_EPOCH = _dt.datetime(1989, 12, 31, tzinfo=_dt.timezone.utc)


def semicircles(deg: np.ndarray) -> np.ndarray:
    """Degrees -> FIT semicircles (int32)."""
    return np.round(np.asarray(deg, dtype=np.float64) * _SEMI).astype(np.int64)


def write_fit(path: str | Path, track: Track, along_m: np.ndarray, events: Any, *, name: str,
              max_points: int | None = FIT_DEFAULT_MAX_POINTS,
              layers: Collection[str] | None = None,
              km_markers_every: float | None = None, km_marker_points: Any = None,
              speed_kmh: float = 15.0, start_time: _dt.datetime | None = None) -> WriteReport:
    """Write a FIT course file atomically.

    Args:
        track: the route line (lon, lat degrees; ele metres if any).
        along_m: float64 geodesic metres along the line per vertex (len == len(track)),
            non-decreasing; used for record and course-point distances.
        events: GeoDataFrame with the DESIGN.md columns (``along_m`` places the course point);
            events without ``along_m`` are skipped and listed in ``WriteReport.skipped``.
        name: course name (cut to 15 characters, ASCII).
        max_points: simplify the line to at most this many records (None: keep all); the
            largest deviation that caused is in the report.
        speed_kmh: nominal speed for timestamps.
    """
    plan = plan_course(track, along_m, events, layers=layers, km_markers_every=km_markers_every,
                       km_marker_points=km_marker_points, max_points=max_points, speed_kmh=speed_kmh,
                       start_time=start_time)
    points, skipped, keep, dev, t0 = plan.points, plan.skipped, plan.keep, plan.max_deviation_m, plan.start
    base = int((t0 - FIT_EPOCH).total_seconds())
    mps = plan.mps
    total = float(along_m[keep[-1]])

    enc = Encoder()
    enc.on_mesg(_MESG["FILE_ID"], {
        "type": "course", "manufacturer": "development", "product": 0,
        "time_created": base, "serial_number": 1,
    })
    enc.on_mesg(_MESG["COURSE"], {
        "name": short_name(name, FIT_NAME_LEN, ascii_only=True, fallback="kmpost"),
        "sport": "cycling",
    })
    lat_s, lon_s = semicircles(track.lat[keep]), semicircles(track.lon[keep])
    dist = along_m[keep]
    ts = base + np.floor(dist / mps).astype(np.int64)
    elapsed = float(ts[-1] - base)
    enc.on_mesg(_MESG["LAP"], {
        "timestamp": int(ts[-1]), "start_time": base,
        "start_position_lat": int(lat_s[0]), "start_position_long": int(lon_s[0]),
        "end_position_lat": int(lat_s[-1]), "end_position_long": int(lon_s[-1]),
        "total_elapsed_time": elapsed, "total_timer_time": elapsed, "total_distance": total,
    })
    enc.on_mesg(_MESG["EVENT"], {"timestamp": base, "event": "timer", "event_type": "start",
                                 "event_group": 0})
    rec = _MESG["RECORD"]
    ele = track.ele[keep] if track.ele is not None else None
    # one record per vertex; segments are joined (a gap is just a longer step in distance)
    la, lo, di, tt = lat_s.tolist(), lon_s.tolist(), dist.tolist(), ts.tolist()
    if ele is None:
        for i in range(len(la)):
            enc.on_mesg(rec, {"timestamp": tt[i], "position_lat": la[i],
                              "position_long": lo[i], "distance": di[i]})
    else:
        el = ele.tolist()
        for i in range(len(la)):
            m = {"timestamp": tt[i], "position_lat": la[i], "position_long": lo[i],
                 "distance": di[i]}
            if el[i] == el[i]:  # not NaN
                m["altitude"] = el[i]
            enc.on_mesg(rec, m)
    cp = _MESG["COURSE_POINT"]
    names = course_names(points, FIT_NAME_LEN)
    for k, (p, nm) in enumerate(zip(points, names, strict=True)):
        assert p.along_m is not None
        d = min(max(p.along_m, 0.0), total)
        enc.on_mesg(cp, {
            "message_index": k,
            "timestamp": base + int(d / mps),
            "position_lat": int(semicircles(np.array([p.lat]))[0]),
            "position_long": int(semicircles(np.array([p.lon]))[0]),
            "distance": d,
            "type": fit_course_point_type(p.kind, p.layer, p.role, p.restricted),
            "name": nm,
        })
    enc.on_mesg(_MESG["EVENT"], {"timestamp": int(ts[-1]), "event": "timer",
                                 "event_type": "stop_all", "event_group": 0})
    data = enc.close()
    with atomic_write(path, "wb") as f:
        f.write(data)
    out = Path(path)
    return WriteReport(out, "fit", len(track), len(keep), dev, len(points), skipped, len(data))
