"""Read a track file (GPX 1.0/1.1 or GeoJSON) into a :class:`geo.track.Track`.

GPX is parsed with a streaming expat parser fed 1 MiB at a time; point coordinates are kept as
strings only for one block of 65,536 points and then converted to float64 arrays, so memory grows
by about 24 bytes per point (lon, lat, ele) plus one block, not with the file size.

Why not GDAL (``pyogrio.read_arrow``)? It is fast, but it silently drops a point whose ``lat`` is
empty, missing or ``NaN`` and reads ``lat="abc"`` as 0 and ``lat="1,5"`` as 1 (measured with GDAL
3.12), so it cannot name the bad point. This reader refuses those with the point's index.

Security: a DOCTYPE or an ENTITY declaration is refused by scanning the prolog *before* any XML
parser sees the file (billion-laughs and external-entity attacks never reach expat); expat is
additionally told to call back on a DOCTYPE, which also raises.

Everything returned is (lon, lat) degrees WGS84; elevations in metres; gaps in geodesic metres.
Every failure is a :class:`geo.errors.TrackError` with a one-line message naming the file, the
point index or line, the bad value and what to do.
"""

from __future__ import annotations

import codecs
import json
import math
import os
import xml.parsers.expat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from geo.earth import GEOD
from geo.errors import TrackError
from geo.track import Track

GPX_SUFFIXES = (".gpx",)
GEOJSON_SUFFIXES = (".geojson", ".json")

_CHUNK = 1 << 20  # bytes fed to expat at a time
_BLOCK = 1 << 16  # points kept as strings before conversion to float64
_PROLOG_LIMIT = 1 << 20  # a prolog (XML declaration, comments) longer than this is refused

_GPX_NS = ("", "http://www.topografix.com/GPX/1/1 ", "http://www.topografix.com/GPX/1/0 ")
_TRKPT, _RTEPT, _ELE, _TRKSEG, _TRK, _RTE, _WPT, _GPX = range(1, 9)
_CODES: dict[str, int] = {}
for _ns in _GPX_NS:
    for _local, _code in (("trkpt", _TRKPT), ("rtept", _RTEPT), ("ele", _ELE),
                          ("trkseg", _TRKSEG), ("trk", _TRK), ("rte", _RTE), ("wpt", _WPT),
                          ("gpx", _GPX)):
        _CODES[_ns + _local] = _code


def read_track(path: str | Path) -> Track:
    """Read a GPX (1.0 or 1.1) or GeoJSON track file.

    GPX: all ``<trk>``/``<trkseg>`` joined in file order; if the file has no track points, all
    ``<rte>`` joined instead. GeoJSON: a LineString, MultiLineString, Feature or
    FeatureCollection of those (other geometries are skipped); each line is one segment.

    Returns a :class:`Track` whose ``lon``/``lat`` are float64 degrees WGS84, ``ele`` metres
    (NaN where a point has none, ``None`` if no point has one), ``segment_starts`` the index of
    each segment's first point and ``gaps_m`` the geodesic distance in metres between the end of
    one segment and the start of the next.

    Raises:
        TrackError: the file is missing, empty, not well-formed, declares a DOCTYPE/ENTITY, has
            no track or route, or has a bad coordinate (the message names the point index).
    """
    p = Path(path)
    name = str(path)
    suffix = p.suffix.lower()
    if suffix not in GPX_SUFFIXES + GEOJSON_SUFFIXES:
        raise TrackError(
            f"{name}: unknown track file extension {p.suffix or '(none)'!r}; "
            "give a .gpx (GPX 1.0/1.1) or .geojson/.json (GeoJSON LineString) file"
        )
    try:
        size = os.path.getsize(p)
    except OSError as e:
        raise TrackError(f"{name}: cannot open the track file ({e.strerror or e}); "
                         "check the path") from None
    if size == 0:
        raise TrackError(f"{name}: the file is empty (0 bytes); export the track again")
    if suffix in GPX_SUFFIXES:
        return _read_gpx(p, name)
    return _read_geojson(p, name)


# --------------------------------------------------------------------------------------- GPX


def check_prolog(head: bytes, name: str) -> None:
    """Refuse a DOCTYPE or ENTITY declaration in the XML prolog (the bytes before the root).

    ``head`` is the start of the file (at least up to the root element's ``<``). UTF-8, Latin-1
    and other ASCII-compatible encodings are scanned as bytes; UTF-16 is decoded first.

    >>> check_prolog(b'<?xml version="1.0"?><!-- hi --><gpx>', "t.gpx")
    >>> check_prolog(b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY a "a">]><gpx>', "t.gpx")
    Traceback (most recent call last):
    geo.errors.TrackError: t.gpx: the XML declares a DOCTYPE with ENTITY declarations at byte 21; ...
    """
    text: str
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = head.decode("utf-16", errors="replace")
    else:
        text = head.decode("latin-1")  # ASCII-compatible: byte offsets == char offsets
    i = 3 if text.startswith("\xef\xbb\xbf") else 0  # UTF-8 byte-order mark
    n = len(text)
    while i < n:
        c = text[i]
        if c in " \t\r\n":
            i += 1
            continue
        if c != "<":
            raise TrackError(f"{name}: not an XML file (byte {i} is {c!r}, expected '<'); "
                             "give a GPX file")
        if text.startswith("<?", i):
            j = text.find("?>", i + 2)
            if j < 0:
                break
            i = j + 2
        elif text.startswith("<!--", i):
            j = text.find("-->", i + 4)
            if j < 0:
                break
            i = j + 3
        elif text.startswith("<!", i):
            what = "DOCTYPE" if text[i + 2:i + 9].upper() == "DOCTYPE" else "markup declaration"
            if "ENTITY" in text[i:i + 200_000].upper():
                what += " with ENTITY declarations"
            raise TrackError(
                f"{name}: the XML declares a {what} at byte {i}; refused because entity "
                "expansion can exhaust memory (billion laughs) — GPX needs none: delete the "
                "<!DOCTYPE ...> part or export the track again"
            )
        else:
            return  # the root element starts here
    if len(head) >= _PROLOG_LIMIT:
        raise TrackError(f"{name}: no root element within the first {_PROLOG_LIMIT} bytes; "
                         "give a GPX file")
    raise TrackError(f"{name}: the file ends before the root element <gpx> (truncated or not "
                     "GPX); export the track again")


def _read_head(f: Any) -> bytes:
    """Read enough of an open binary file to cover its prolog (up to _PROLOG_LIMIT bytes)."""
    head = f.read(64 * 1024)
    while len(head) < _PROLOG_LIMIT:
        # a prolog is usually < 200 bytes; grow only while no element start has been seen
        stripped = head.replace(b"<?", b"").replace(b"<!", b"")
        if b"<" in stripped:
            break
        more = f.read(64 * 1024)
        if not more:
            break
        head += more
    return head


class _Points:
    """Accumulates one kind of point (track or route) as float64 blocks."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.lat_s: list[str | None] = []
        self.lon_s: list[str | None] = []
        self.lat_blocks: list[np.ndarray] = []
        self.lon_blocks: list[np.ndarray] = []
        self.done = 0  # points already converted
        self.ele_idx: list[int] = []
        self.ele_s: list[str] = []
        self.ele_blocks: list[tuple[np.ndarray, np.ndarray]] = []
        self.seg_starts: list[int] = []
        self.new_segment = True

    def count(self) -> int:
        return self.done + len(self.lat_s)

    def flush(self, name: str, line: Callable[[], int]) -> None:
        if self.lat_s:
            lat = _to_float(self.lat_s, self.done, "lat", self.kind, name)
            lon = _to_float(self.lon_s, self.done, "lon", self.kind, name)
            bad = ~(np.isfinite(lat) & np.isfinite(lon) & (np.abs(lat) <= 90)
                    & (np.abs(lon) <= 180))
            if bad.any():
                k = int(np.flatnonzero(bad)[0])
                raise TrackError(
                    f"{name}: {self.kind} point {self.done + k} (0-based, file order) has bad "
                    f"coordinates lat={self.lat_s[k]!r} lon={self.lon_s[k]!r}; latitude must be "
                    "within -90..90 and longitude within -180..180: fix or delete that point"
                )
            self.lat_blocks.append(lat)
            self.lon_blocks.append(lon)
            self.done += len(lat)
            self.lat_s.clear()
            self.lon_s.clear()
        if self.ele_s:
            try:
                vals = np.fromiter(map(float, self.ele_s), dtype=np.float64,
                                   count=len(self.ele_s))
            except ValueError:
                vals = np.empty(len(self.ele_s))
                for k, s in enumerate(self.ele_s):
                    try:
                        vals[k] = float(s) if s.strip() else math.nan
                    except ValueError:
                        raise TrackError(
                            f"{name}: {self.kind} point {self.ele_idx[k]} has a bad <ele> "
                            f"{s!r} (metres expected, e.g. 2805.4); fix or delete that <ele>"
                        ) from None
            self.ele_blocks.append((np.asarray(self.ele_idx, dtype=np.int64), vals))
            self.ele_idx.clear()
            self.ele_s.clear()

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray]:
        lon = np.concatenate(self.lon_blocks) if self.lon_blocks else np.zeros(0)
        lat = np.concatenate(self.lat_blocks) if self.lat_blocks else np.zeros(0)
        ele: np.ndarray | None = None
        if self.ele_blocks:
            ele = np.full(len(lon), np.nan)
            for idx, vals in self.ele_blocks:
                ele[idx] = vals
            if not np.isfinite(ele).any():
                ele = None
        return lon, lat, ele, np.asarray(self.seg_starts, dtype=np.int64)


def _to_float(raw: list[str | None], offset: int, what: str, kind: str, name: str) -> np.ndarray:
    """Strictly convert coordinate strings (no '1,5', no empty, no missing attribute)."""
    try:
        return np.fromiter(map(float, raw), dtype=np.float64, count=len(raw))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        for k, s in enumerate(raw):
            try:
                float(s)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                shown = "missing" if s is None else repr(s)
                raise TrackError(
                    f"{name}: {kind} point {offset + k} (0-based, file order) has {what}={shown}, "
                    f"not a number; give a decimal number of degrees (e.g. {what}=\"38.25\"), "
                    "or delete that point"
                ) from None
        raise  # pragma: no cover - float() failed on the block but on no single item


def _read_gpx(p: Path, name: str) -> Track:
    trk = _Points("track")
    rte = _Points("route")
    cur: list[_Points | None] = [None]  # the point kind whose <ele> we would take
    saw_gpx = [False]
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    parser.buffer_size = 1 << 16
    ele_buf: list[str] = []
    codes_get = _CODES.get

    def line() -> int:
        return int(parser.CurrentLineNumber)

    def end_ele(_name: str) -> None:
        parser.CharacterDataHandler = None
        parser.EndElementHandler = None
        pts = cur[0]
        if pts is not None and pts.count() > 0:
            pts.ele_idx.append(pts.count() - 1)
            pts.ele_s.append("".join(ele_buf))
        ele_buf.clear()

    trk_lat, trk_lon = trk.lat_s, trk.lon_s
    trk_lat_append, trk_lon_append = trk_lat.append, trk_lon.append

    def start(tag: str, attrs: dict[str, str]) -> None:
        code = codes_get(tag)
        if code is None:
            return
        if code == _TRKPT:  # the hot path: keep it short
            if trk.new_segment:
                trk.seg_starts.append(trk.count())
                trk.new_segment = False
            trk_lat_append(attrs.get("lat"))
            trk_lon_append(attrs.get("lon"))
            cur[0] = trk
            if len(trk_lat) >= _BLOCK:
                trk.flush(name, line)
        elif code == _ELE:
            parser.CharacterDataHandler = ele_buf.append
            parser.EndElementHandler = end_ele
        elif code == _RTEPT:
            if rte.new_segment:
                rte.seg_starts.append(rte.count())
                rte.new_segment = False
            rte.lat_s.append(attrs.get("lat"))
            rte.lon_s.append(attrs.get("lon"))
            cur[0] = rte
            if len(rte.lat_s) >= _BLOCK:
                rte.flush(name, line)
        elif code in (_TRKSEG, _TRK):
            trk.new_segment = True
            cur[0] = None
        elif code == _RTE:
            rte.new_segment = True
            cur[0] = None
        elif code == _WPT:
            cur[0] = None
        elif code == _GPX:
            saw_gpx[0] = True

    def refuse_doctype(*_args: object) -> None:
        raise TrackError(f"{name}: the XML declares a DOCTYPE at line {line()}; refused "
                         "(entity expansion can exhaust memory); delete the <!DOCTYPE ...> part")

    parser.StartElementHandler = start
    parser.StartDoctypeDeclHandler = refuse_doctype
    parser.EntityDeclHandler = refuse_doctype
    try:
        with open(p, "rb") as f:
            head = _read_head(f)
            check_prolog(head, name)
            parser.Parse(head, False)
            while True:
                chunk = f.read(_CHUNK)
                if not chunk:
                    break
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except xml.parsers.expat.ExpatError as e:
        msg = xml.parsers.expat.ErrorString(e.code)
        truncated = (xml.parsers.expat.errors.XML_ERROR_NO_ELEMENTS,
                     xml.parsers.expat.errors.XML_ERROR_UNCLOSED_TOKEN,
                     xml.parsers.expat.errors.XML_ERROR_PARTIAL_CHAR)
        hint = ("the file is truncated or damaged; download or export it again"
                if msg in truncated else "fix the XML at that place or export the track again")
        raise TrackError(f"{name}: not well-formed XML at line {e.lineno}, column {e.offset}: "
                         f"{msg}; {hint}") from None
    except OSError as e:
        raise TrackError(f"{name}: cannot read the track file ({e.strerror or e})") from None
    except (ValueError, LookupError) as e:  # unknown encoding declared, and similar
        raise TrackError(f"{name}: cannot decode the XML ({e}); save it as UTF-8") from None
    if not saw_gpx[0]:
        raise TrackError(f"{name}: the root element is not <gpx> (GPX 1.0/1.1); give a GPX file")
    trk.flush(name, line)
    rte.flush(name, line)
    pts = trk if trk.count() else rte
    if pts.count() == 0:
        raise TrackError(f"{name}: the GPX has neither a track (<trk>/<trkpt>) nor a route "
                         "(<rte>/<rtept>) with points; waypoints alone are not a line — export "
                         "the route as a track")
    lon, lat, ele, starts = pts.arrays()
    return _make_track(lon, lat, ele, starts, name)


# ----------------------------------------------------------------------------------- GeoJSON


def _read_geojson(p: Path, name: str) -> Track:
    try:
        with open(p, encoding="utf-8-sig") as f:
            doc = json.load(f)
    except json.JSONDecodeError as e:
        raise TrackError(f"{name}: not valid JSON at line {e.lineno}, column {e.colno}: {e.msg}; "
                         "the file is truncated or damaged — export it again") from None
    except UnicodeDecodeError as e:
        raise TrackError(f"{name}: not UTF-8 at byte {e.start}; GeoJSON must be UTF-8") from None
    except OSError as e:
        raise TrackError(f"{name}: cannot read the track file ({e.strerror or e})") from None
    lines = list(_geojson_lines(doc, name, "$"))
    if not lines:
        raise TrackError(f"{name}: no LineString or MultiLineString found; give a GeoJSON line "
                         "(a LineString, MultiLineString, or a Feature/FeatureCollection of them)")
    lons, lats, eles, starts = [], [], [], []
    n = 0
    any_z = False
    for where, coords in lines:
        arr = _coords_array(coords, where, name, n)
        if len(arr) == 0:
            continue
        starts.append(n)
        lons.append(arr[:, 0])
        lats.append(arr[:, 1])
        if arr.shape[1] > 2:
            eles.append(arr[:, 2])
            any_z = True
        else:
            eles.append(np.full(len(arr), np.nan))
        n += len(arr)
    if n == 0:
        raise TrackError(f"{name}: the lines have no coordinates; give a GeoJSON LineString "
                         "with at least 2 positions")
    lon = np.concatenate(lons)
    lat = np.concatenate(lats)
    ele = np.concatenate(eles) if any_z else None
    if ele is not None and not np.isfinite(ele).any():
        ele = None
    return _make_track(lon, lat, ele, np.asarray(starts, dtype=np.int64), name)


def _geojson_lines(obj: Any, name: str, where: str) -> Iterator[tuple[str, Any]]:
    if not isinstance(obj, dict):
        raise TrackError(f"{name}: {where} is not a GeoJSON object; give a GeoJSON LineString")
    typ = obj.get("type")
    if typ == "FeatureCollection":
        feats = obj.get("features")
        if not isinstance(feats, list):
            raise TrackError(f"{name}: {where}.features is not a list; fix the FeatureCollection")
        for i, feat in enumerate(feats):
            yield from _geojson_lines(feat, name, f"{where}.features[{i}]")
    elif typ == "Feature":
        geom = obj.get("geometry")
        if geom is not None:
            yield from _geojson_lines(geom, name, f"{where}.geometry")
    elif typ == "GeometryCollection":
        for i, g in enumerate(obj.get("geometries") or []):
            yield from _geojson_lines(g, name, f"{where}.geometries[{i}]")
    elif typ == "LineString":
        yield where, obj.get("coordinates")
    elif typ == "MultiLineString":
        parts = obj.get("coordinates")
        if not isinstance(parts, list):
            raise TrackError(f"{name}: {where}.coordinates is not a list of lines")
        for i, part in enumerate(parts):
            yield f"{where}.coordinates[{i}]", part
    elif typ in ("Point", "MultiPoint", "Polygon", "MultiPolygon"):
        return  # not a line: skipped (waypoints or areas next to the route)
    else:
        raise TrackError(f"{name}: {where} has unknown GeoJSON type {typ!r}; expected "
                         "LineString, MultiLineString, Feature or FeatureCollection")


def _coords_array(coords: Any, where: str, name: str, offset: int) -> np.ndarray:
    if not isinstance(coords, list):
        raise TrackError(f"{name}: {where} has no coordinate list; give [[lon, lat], ...]")
    if not coords:
        return np.zeros((0, 2))
    width = 3 if all(isinstance(c, list) and len(c) >= 3 for c in coords) else 2
    arr = np.full((len(coords), width), np.nan)
    for i, c in enumerate(coords):
        if (not isinstance(c, list) or len(c) < 2
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                           for v in c[:width])):
            raise TrackError(f"{name}: point {offset + i} ({where}[{i}]) is {c!r}, not "
                             "[lon, lat] numbers; fix or delete that position")
        arr[i] = c[:width]
    return arr


# ------------------------------------------------------------------------------------ common


def _make_track(lon: np.ndarray, lat: np.ndarray, ele: np.ndarray | None, starts: np.ndarray,
                name: str) -> Track:
    bad = ~(np.isfinite(lon) & np.isfinite(lat) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise TrackError(
            f"{name}: point {i} (0-based, file order) has bad coordinates lat={lat[i]!r} "
            f"lon={lon[i]!r}; latitude must be within -90..90 and longitude within -180..180 "
            "(finite numbers): fix or delete that point"
        )
    if len(lon) < 2:
        raise TrackError(f"{name}: the line has {len(lon)} point; a track needs at least 2 — "
                         "export the whole track")
    if len(starts) == 0 or starts[0] != 0:
        starts = np.concatenate([[0], starts]).astype(np.int64)
    gaps: tuple[float, ...] = ()
    if len(starts) > 1:
        ends = starts[1:] - 1
        _, _, d = GEOD.inv(lon[ends], lat[ends], lon[starts[1:]], lat[starts[1:]])
        gaps = tuple(float(x) for x in np.atleast_1d(d))
    return Track(lon=lon, lat=lat, ele=ele, segment_starts=starts, gaps_m=gaps, source=name,
                 schematic=False)
