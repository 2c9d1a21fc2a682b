"""Write a FIT course (the file a Garmin Edge uses for "Up Ahead" alerts).

Messages, in the FIT SDK course-file order: file_id (type=course), course (name, sport=cycling),
lap (start/end position, distance, times), event (timer start), one record per vertex of the
course line (position, distance along the line, timestamp, altitude when known), one
course_point per placed course point (type and name of at most 15 characters, see
:class:`maps._course.Cue`; distance = metres along the line, position, timestamp), event (timer
stop_all).

The few head and tail messages are encoded by garmin-fit-sdk's ``Encoder``; the records, which
are nearly all of the file, are packed here with numpy as one definition message and fixed-size
data messages (the layout the SDK writes: timestamp, position_lat, position_long, distance
scale 100, altitude scale 5 offset 500; an invalid altitude, 0xFFFF, where a vertex has none),
and so are the course points (message_index, timestamp, position, distance scale 100, type,
name as a 16-byte string: 15 characters and at least one NUL; the SDK, which costs about 0.2 ms a
message, writes those whose name is longer in bytes). The parts are joined under one file header
and one CRC (FIT's CRC-16, computed chunk-parallel with numpy). Tests decode the file with
Garmin's SDK and fitdecode, CRC checked.

Times are nominal: the course starts at ``start_time`` and is ridden at ``speed_kmh`` (default
15 km/h), so record and course_point timestamps agree with their distances.
Record distances are metres along the FULL line, also when the line is simplified, so course
points keep their exact distance.
"""

from __future__ import annotations

import datetime as _dt
import struct
from pathlib import Path

import numpy as np
from garmin_fit_sdk import Encoder, Profile

from maps._course import Course, WriteReport, course_start, nominal_times
from maps.files import atomic_write

FIT_NAME_LEN = 15
#: Default record budget: bike computers load long courses slowly; pass ``max_points=None`` to
#: keep every vertex.
FIT_DEFAULT_MAX_POINTS = 20_000
_SEMI = 2**31 / 180.0
_MESG = Profile["mesg_num"]
FIT_EPOCH = _dt.datetime(1989, 12, 31, tzinfo=_dt.timezone.utc)
#: The record message as packed here: (field number, size, FIT base type) per field.
_RECORD_FIELDS = ((253, 4, 0x86), (0, 4, 0x85), (1, 4, 0x85), (5, 4, 0x86), (2, 2, 0x84))
_RECORD_DTYPE = np.dtype([("h", "u1"), ("t", "<u4"), ("lat", "<i4"), ("lon", "<i4"), ("d", "<u4"),
                          ("alt", "<u2")])
_LOCAL = 0  # local message type of the records (redefined right before them)
#: The course_point message as packed here: (field number, size, FIT base type) per field.
_POINT_FIELDS = ((254, 2, 0x84), (1, 4, 0x86), (2, 4, 0x85), (3, 4, 0x85), (4, 4, 0x86), (5, 1, 0x00),
                 (6, 16, 0x07))
_POINT_DTYPE = np.dtype([("h", "u1"), ("i", "<u2"), ("t", "<u4"), ("lat", "<i4"), ("lon", "<i4"), ("d", "<u4"),
                         ("type", "u1"), ("name", "S16")])
_POINT_LOCAL = 1  # local message type of the course points (redefined right before them)
_POINT_TYPES = {name: num for num, name in Profile["types"]["course_point"].items()}


def semicircles(deg: np.ndarray) -> np.ndarray:
    """Degrees -> FIT semicircles (int64 values in the int32 range)."""
    return np.round(np.asarray(deg, dtype=np.float64) * _SEMI).astype(np.int64)


def _crc_table() -> list[int]:
    table = []
    for b in range(256):
        c = b
        for _ in range(8):
            c = (c >> 1) ^ 0xA001 if c & 1 else c >> 1
        table.append(c)
    return table


_CRC = _crc_table()


def fit_crc(data: bytes, crc: int = 0) -> int:
    """FIT's CRC-16 (reflected polynomial 0xA001, start 0) of ``data``.

    Long data is cut into chunks whose CRCs are computed side by side with numpy and then
    combined (the CRC is linear: running ``L`` more bytes maps the state through a fixed linear
    map, found from its 16 basis states).

    >>> fit_crc(b"123456789") == 0xBB3D  # the CRC-16/ARC check value
    True
    >>> data = bytes(range(256)) * 400
    >>> fit_crc(data) == _fit_crc_bytes(data)
    True
    """
    n = len(data)
    if n < 4096:
        return _fit_crc_bytes(data, crc)
    width = int(n ** 0.5)
    k = n // width
    head = n - k * width
    crc = _fit_crc_bytes(data[:head], crc)
    chunks = np.frombuffer(data, dtype=np.uint8, offset=head).reshape(k, width)
    table = np.array(_CRC, dtype=np.uint16)
    state = np.zeros(k, dtype=np.uint16)
    for j in range(width):
        state = (state >> 8) ^ table[(state ^ chunks[:, j]) & 0xFF]
    # the linear map of ``width`` bytes on a state, from the images of the 16 basis states
    basis = np.array([1 << b for b in range(16)], dtype=np.uint16)
    for _ in range(width):
        basis = (basis >> 8) ^ table[basis & 0xFF]
    images = basis.tolist()
    for c in state.tolist():
        shifted = 0
        for b in range(16):
            if crc >> b & 1:
                shifted ^= images[b]
        crc = shifted ^ c
    return crc


def _fit_crc_bytes(data: bytes, crc: int = 0) -> int:
    """:func:`fit_crc` one byte after the other."""
    t = _CRC
    for b in data:
        crc = (crc >> 8) ^ t[(crc ^ b) & 0xFF]
    return crc


def _course_points(ids: list[int], t: list[int], lat: np.ndarray, lon: np.ndarray, dist: np.ndarray,
                   types: list[int], names: list[bytes]) -> bytes:
    """A course_point definition message and one data message per course point, packed with numpy."""
    defn = struct.pack("<BBBHB", 0x40 | _POINT_LOCAL, 0, 0, _MESG["COURSE_POINT"], len(_POINT_FIELDS)) + \
        b"".join(struct.pack("<BBB", *f) for f in _POINT_FIELDS)
    rec = np.empty(len(ids), dtype=_POINT_DTYPE)
    rec["h"] = _POINT_LOCAL
    rec["i"], rec["t"], rec["lat"], rec["lon"] = ids, t, lat, lon
    rec["d"] = np.round(dist * 100.0)
    rec["type"] = types
    rec["name"] = names  # NUL-padded to 16 bytes
    return defn + rec.tobytes()


def _body(enc: Encoder) -> tuple[bytes, bytes]:
    """(protocol and profile version bytes, data part) of an SDK-encoded file."""
    raw = enc.close()
    head = raw[0]
    size = struct.unpack_from("<I", raw, 4)[0]
    return bytes(raw[1:4]), bytes(raw[head:head + size])


def _records(t: np.ndarray, lat: np.ndarray, lon: np.ndarray, dist: np.ndarray,
             ele: np.ndarray | None) -> bytes:
    """A record definition message and one data message per vertex, packed with numpy."""
    defn = struct.pack("<BBBHB", 0x40 | _LOCAL, 0, 0, _MESG["RECORD"], len(_RECORD_FIELDS)) + \
        b"".join(struct.pack("<BBB", *f) for f in _RECORD_FIELDS)
    rec = np.empty(len(t), dtype=_RECORD_DTYPE)
    rec["h"] = _LOCAL
    rec["t"], rec["lat"], rec["lon"] = t, lat, lon
    rec["d"] = np.round(dist * 100.0)
    if ele is None:
        rec["alt"] = 0xFFFF
    else:
        alt = np.round((np.nan_to_num(ele, nan=0.0) + 500.0) * 5.0)
        rec["alt"] = np.where(np.isfinite(ele) & (alt >= 0) & (alt < 0xFFFF), alt, 0xFFFF)
    return defn + rec.tobytes()


def write_fit(path: str | Path, course: Course, *, max_points: int | None = FIT_DEFAULT_MAX_POINTS,
              speed_kmh: float = 15.0, start_time: _dt.datetime | None = None) -> WriteReport:
    """Write a course as a FIT course file, atomically.

    Args:
        course: the course (:func:`maps._course.build_course`): its device name (15 ASCII
            characters), its line, its placed course points (``Course.cues``: 15-character
            names, FIT types); points not placed on the line are listed in ``WriteReport.skipped``.
        max_points: simplify the line to at most this many records (None: keep all); the
            simplification is the course's, shared with the TCX writer; the largest deviation
            it caused is in the report.
        speed_kmh: nominal speed for timestamps; ``start_time`` the course's start (default now).
    """
    line = course.line(max_points)
    base = int((course_start(start_time) - FIT_EPOCH).total_seconds())
    dist = line.along_m
    total = float(dist[-1])
    ts = nominal_times(dist, base, speed_kmh)
    lat_s, lon_s = semicircles(line.lat), semicircles(line.lon)
    elapsed = float(ts[-1] - base)

    head = Encoder()
    head.on_mesg(_MESG["FILE_ID"], {
        "type": "course", "manufacturer": "development", "product": 0,
        "time_created": base, "serial_number": 1,
    })
    head.on_mesg(_MESG["COURSE"], {"name": course.device_name, "sport": "cycling"})
    head.on_mesg(_MESG["LAP"], {
        "timestamp": int(ts[-1]), "start_time": base,
        "start_position_lat": int(lat_s[0]), "start_position_long": int(lon_s[0]),
        "end_position_lat": int(lat_s[-1]), "end_position_long": int(lon_s[-1]),
        "total_elapsed_time": elapsed, "total_timer_time": elapsed, "total_distance": total,
    })
    head.on_mesg(_MESG["EVENT"], {"timestamp": base, "event": "timer", "event_type": "start",
                                  "event_group": 0})
    tail = Encoder()
    cues = course.cues
    packed = b""
    if cues:
        d = np.minimum(np.array([c.along_m for c in cues]), total)
        ct = nominal_times(d, base, speed_kmh).tolist()
        cla = semicircles(np.array([c.lat for c in cues]))
        clo = semicircles(np.array([c.lon for c in cues]))
        names = [c.name.encode("utf-8") for c in cues]
        types = [_POINT_TYPES.get(c.fit, -1) for c in cues]
        if all(len(nm) <= 15 and b"\0" not in nm for nm in names) and -1 not in types:
            packed = _course_points(list(range(len(cues))), ct, cla, clo, d, types, names)
        else:  # a name longer than 15 bytes or a type the profile lacks: the SDK says what it does
            cp = _MESG["COURSE_POINT"]
            for k, c in enumerate(cues):
                tail.on_mesg(cp, {"message_index": k, "timestamp": ct[k], "position_lat": int(cla[k]),
                                  "position_long": int(clo[k]), "distance": float(d[k]), "type": c.fit,
                                  "name": c.name})
    tail.on_mesg(_MESG["EVENT"], {"timestamp": int(ts[-1]), "event": "timer",
                                  "event_type": "stop_all", "event_group": 0})
    version, first = _body(head)
    data = first + _records(ts, lat_s, lon_s, dist, line.ele) + packed + _body(tail)[1]
    header = struct.pack("<B3sI4s", 14, version, len(data), b".FIT")
    header += struct.pack("<H", fit_crc(header))
    out_bytes = header + data
    with atomic_write(path, "wb") as f:
        f.write(out_bytes)
        f.write(struct.pack("<H", fit_crc(out_bytes)))
    return WriteReport(Path(path), "fit", line.input_points, len(line), line.max_deviation_m, len(cues),
                       list(course.skipped_course), len(out_bytes) + 2)
