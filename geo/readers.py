"""Read a track file (GPX 1.0/1.1 or GeoJSON) into a :class:`geo.track.Track`.

GPX has two readers that return the same thing:

* the **strict reader** (``_read_gpx_strict``): a streaming expat parser fed 1 MiB at a time
  (more while one token, e.g. a huge attribute, is still incomplete, so that cost stays linear
  in its size); point coordinates are kept as strings only for one block of 65,536 points and
  then converted to float64 arrays, so memory grows by about 24 bytes per point.
* the **fast path** (``_read_gpx_fast``) for the common layout of device exports
  (``<trkpt lat=".." lon=".."><ele>..</ele>...</trkpt>``, UTF-8, no comments/CDATA/processing
  instructions after the root, only GPX default namespaces): expat still checks that the whole
  file is well-formed (with no Python handler, which is what makes it fast) while a compiled
  regular expression collects the points from the same bytes (one bytes object per point);
  one RE2 scan (pyarrow.compute) per 1 MiB checks that every number is an xsd:decimal, and
  pyarrow parses them in C (correctly rounded, the bits of ``float()``: property-tested).
  No compiled code of our own: pyarrow is a dependency anyway. It answers ``None`` - and the
  strict reader runs - on anything it does not fully understand, on any bad value and on any
  error; a property test (tests/test_fuzz_readers.py) checks it returns exactly what the strict
  reader returns.

Coordinates are ``xsd:decimal`` as the GPX schema says: ASCII digits, an optional sign, one
optional point (surrounding XML white space allowed); ``4_5.5``, Arabic-Indic or full-width
digits, a non-breaking space, ``1e5``, ``NaN`` are errors naming the point. An elevation that is
not finite or outside -500..9000 m is treated as missing, with one warning in ``Track.warnings``
naming the points. NaN and infinities never leave this module, and no message prints one.

Why not GDAL (``pyogrio.read_arrow``)? It silently drops a point whose ``lat`` is empty,
missing or ``NaN`` and reads ``lat="abc"`` as 0 and ``lat="1,5"`` as 1 (measured with GDAL
3.12), so it cannot name the bad point.

Security: a DOCTYPE or an ENTITY declaration is refused by scanning the prolog *before* any XML
parser sees the file (billion-laughs and external-entity attacks never reach expat); expat is
additionally told to call back on a DOCTYPE, which also raises. GeoJSON nesting is bounded.

Everything returned is (lon, lat) degrees WGS84; elevations in metres; gaps in geodesic metres.
Every failure is a :class:`geo.errors.TrackError` with a one-line message naming the file, the
point index or line, the bad value and what to do.
"""

from __future__ import annotations

import codecs
import gc
import json
import math
import os
import re
import reprlib
import xml.parsers.expat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from geo.earth import GEOD
from geo.errors import TrackError
from geo.track import Track

GPX_SUFFIXES = (".gpx",)
GEOJSON_SUFFIXES = (".geojson", ".json")

#: Elevations outside this range (metres) are treated as missing, with a warning.
ELE_MIN_M, ELE_MAX_M = -500.0, 9000.0

_CHUNK = 1 << 20  # bytes fed to expat at a time (strict reader)
_FAST_CHUNK = 1 << 20  # bytes read at a time by the fast path (fits in a CPU cache)
_FAST_CARRY_LIMIT = 16 << 20  # the fast path gives up on a token longer than this
_BLOCK = 1 << 16  # points kept as strings before conversion to float64
_PROLOG_LIMIT = 1 << 20  # a prolog (XML declaration, comments) longer than this is refused
_GEOJSON_DEPTH = 32  # Feature/GeometryCollection nesting accepted in GeoJSON

_GPX_NS = ("", "http://www.topografix.com/GPX/1/1 ", "http://www.topografix.com/GPX/1/0 ")
_TRKPT, _RTEPT, _ELE, _TRKSEG, _TRK, _RTE, _WPT, _GPX = range(1, 9)
_CODES: dict[str, int] = {}
for _ns in _GPX_NS:
    for _local, _code in (("trkpt", _TRKPT), ("rtept", _RTEPT), ("ele", _ELE),
                          ("trkseg", _TRKSEG), ("trk", _TRK), ("rte", _RTE), ("wpt", _WPT),
                          ("gpx", _GPX)):
        _CODES[_ns + _local] = _code

_XML_WS = " \t\r\n"
#: xsd:decimal (after white-space collapsing): ASCII digits, optional sign, one optional point.
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)", re.ASCII)
_DECIMALS = re.compile(r"[ \t\r\n]*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)[ \t\r\n]*"
                       r"(?:\x00[ \t\r\n]*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)[ \t\r\n]*)*",
                       re.ASCII)
#: what an <ele> may hold: a decimal, with an exponent, or an IEEE word (then: missing + warning)
_ELE_NUMBER = re.compile(r"[+-]?(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
                         r"|inf|infinity|nan)", re.ASCII | re.IGNORECASE)

_short = reprlib.Repr()
_short.maxstring = 40
_short.maxother = 40
_short.maxlist = 4
_short.maxlevel = 2


def _quote(s: str | None) -> str:
    """A value from the file for a message: quoted, at most ~40 characters, or 'missing'."""
    return "missing" if s is None else _short.repr(s)


def read_track(path: str | Path) -> Track:
    """Read a GPX (1.0 or 1.1) or GeoJSON track file.

    GPX: all ``<trk>``/``<trkseg>`` joined in file order; if the file has no track points, all
    ``<rte>`` joined instead. GeoJSON: a LineString, MultiLineString, Feature or
    FeatureCollection of those (other geometries are skipped); each line is one segment.

    Returns a :class:`Track` whose ``lon``/``lat`` are finite float64 degrees WGS84, ``ele``
    metres (NaN where a point has none, ``None`` if no point has one), ``segment_starts`` the
    index of each segment's first point, ``gaps_m`` the geodesic distance in metres between the
    end of one segment and the start of the next, and ``warnings`` notes such as elevations
    treated as missing.

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
        fast = _read_gpx_fast(p, name)
        return fast if fast is not None else _read_gpx_strict(p, name)
    return _read_geojson(p, name)


# --------------------------------------------------------------------------------------- GPX


def _prolog_end(text: str, name: str) -> int | None:
    """Index of the root element's ``<`` in ``text`` (the start of a file), or None if the
    prolog goes on past the end of ``text``. Raises on a DOCTYPE/ENTITY or a non-XML start."""
    i = 1 if text.startswith("\ufeff") else 0
    i = 3 if text.startswith("\xef\xbb\xbf") else i  # UTF-8 byte-order mark read as Latin-1
    n = len(text)
    while i < n:
        c = text[i]
        if c in _XML_WS:
            i += 1
            continue
        if c != "<":
            raise TrackError(f"{name}: not an XML file (byte {i} is {c!r}, expected '<'); "
                             "give a GPX file")
        if text.startswith("<?", i):
            j = text.find("?>", i + 2)
            if j < 0:
                return None
            i = j + 2
        elif text.startswith("<!--", i):
            j = text.find("-->", i + 4)
            if j < 0:
                return None
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
        elif i + 1 >= n:
            return None  # a lone '<' at the end: cannot tell yet
        else:
            return i  # the root element starts here
    return None


def _decode_head(head: bytes) -> str:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return head.decode("utf-16", errors="replace")
    return head.decode("latin-1")  # ASCII-compatible: byte offsets == char offsets


def check_prolog(head: bytes, name: str) -> int:
    """Refuse a DOCTYPE or ENTITY declaration in the XML prolog (the bytes before the root).

    ``head`` is the start of the file (at least up to the root element's ``<``). UTF-8, Latin-1
    and other ASCII-compatible encodings are scanned as bytes; UTF-16 is decoded first. Returns
    the offset of the root element (bytes; characters for UTF-16).

    >>> check_prolog(b'<?xml version="1.0"?><!-- a < b --><gpx>', "t.gpx")
    35
    >>> check_prolog(b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY a "a">]><gpx>', "t.gpx")
    Traceback (most recent call last):
    geo.errors.TrackError: t.gpx: the XML declares a DOCTYPE with ENTITY declarations at byte 21; ...
    """
    root = _prolog_end(_decode_head(head), name)
    if root is not None:
        return root
    if len(head) >= _PROLOG_LIMIT:
        raise TrackError(f"{name}: no root element within the first {_PROLOG_LIMIT} bytes; "
                         "give a GPX file")
    raise TrackError(f"{name}: the file ends before the root element <gpx> (truncated or not "
                     "GPX); export the track again")


def _read_head(f: Any, name: str) -> tuple[bytes, int]:
    """Read the start of an open binary file up to past its prolog; (bytes, root offset).

    Reads 64 KiB at a time until the prolog scan finds the root element (a long comment
    containing '<' is fine), at most about _PROLOG_LIMIT bytes."""
    head = f.read(64 * 1024)
    while True:
        root = _prolog_end(_decode_head(head), name)
        if root is not None:
            return head, root
        more = f.read(64 * 1024) if len(head) < _PROLOG_LIMIT else b""
        if not more:
            return head, check_prolog(head, name)  # raises the right error
        head += more


def _parse_decimals(raw: list[str | None], offset: int, what: str, kind: str,
                    name: str) -> np.ndarray:
    """Convert coordinate strings that must be xsd:decimal; the first bad one is named."""
    if None not in raw and _DECIMALS.fullmatch("\x00".join(raw)):  # type: ignore[arg-type]
        return np.fromiter(map(float, raw), dtype=np.float64, count=len(raw))  # type: ignore[arg-type]
    for k, s in enumerate(raw):
        if s is None or not _DECIMAL.fullmatch(s.strip(_XML_WS)):
            raise TrackError(
                f"{name}: {kind} point {offset + k} (0-based, file order) has {what}="
                f"{_quote(s)}, not a decimal number; give degrees with ASCII digits and a "
                f"point (e.g. {what}=\"38.25\"), or delete that point"
            )
    raise AssertionError("unreachable: the block failed but no single value did")  # pragma: no cover


def _ele_value(s: str, index: int, kind: str, name: str) -> float:
    """One <ele> text as metres: NaN for empty (missing); a NaN written in the file becomes
    +inf so that it is reported with the other non-finite values (see _clean_elevations)."""
    t = s.strip(_XML_WS)
    if not t:
        return math.nan
    if not _ELE_NUMBER.fullmatch(t):
        raise TrackError(f"{name}: {kind} point {index} has a bad <ele> {_quote(s)} (metres "
                         "expected, e.g. 2805.4); fix or delete that <ele>")
    v = float(t)
    return math.inf if math.isnan(v) else v


def elevation_warning(name: str, index: np.ndarray, values: np.ndarray) -> str:
    """The one warning for elevations treated as missing (points named, values shown)."""
    shown = []
    for i, v in zip(index[:10].tolist(), values[:10].tolist(), strict=True):
        shown.append(f"point {i} ({v:g} m)" if math.isfinite(v) else
                     f"point {i} (not a finite number)")
    more = f" and {len(index) - 10} more" if len(index) > 10 else ""
    return (f"{name}: {len(index)} elevation(s) not a finite number within "
            f"{ELE_MIN_M:g}..{ELE_MAX_M:g} m, treated as missing: {', '.join(shown)}{more}")


def _clean_elevations(ele: np.ndarray, name: str) -> tuple[np.ndarray | None, tuple[str, ...]]:
    """Set elevations that are not finite or out of range to NaN (= missing), with one warning;
    ``None`` if no point keeps an elevation. ``ele`` holds NaN where the file has none."""
    with np.errstate(invalid="ignore"):
        bad = np.isinf(ele) | (ele < ELE_MIN_M) | (ele > ELE_MAX_M)
    warnings: tuple[str, ...] = ()
    if bad.any():
        idx = np.flatnonzero(bad)
        warnings = (elevation_warning(name, idx, ele[idx]),)
        ele = ele.copy()
        ele[idx] = np.nan
    return (ele if np.isfinite(ele).any() else None), warnings


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

    def flush(self, name: str) -> None:
        if self.lat_s:
            lat = _parse_decimals(self.lat_s, self.done, "lat", self.kind, name)
            lon = _parse_decimals(self.lon_s, self.done, "lon", self.kind, name)
            bad = ~((np.abs(lat) <= 90) & (np.abs(lon) <= 180))  # also catches inf ("1" + 400 zeros)
            if bad.any():
                k = int(np.flatnonzero(bad)[0])
                raise TrackError(
                    f"{name}: {self.kind} point {self.done + k} (0-based, file order) has bad "
                    f"coordinates lat={_quote(self.lat_s[k])} lon={_quote(self.lon_s[k])}; "
                    "latitude must be within -90..90 and longitude within -180..180: fix or "
                    "delete that point"
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
                if not all(map(_ELE_NUMBER.fullmatch, self.ele_s)):  # e.g. '4_5', '٤٥'
                    raise ValueError
                vals[np.isnan(vals)] = np.inf  # written as NaN: reported, not silently missing
            except ValueError:
                vals = np.array([_ele_value(s, i, self.kind, name)
                                 for s, i in zip(self.ele_s, self.ele_idx, strict=True)])
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
        return lon, lat, ele, np.asarray(self.seg_starts, dtype=np.int64)


def _feed(parser: Any, f: Any, first: bytes) -> None:
    """Feed ``first`` and then the rest of ``f`` to an expat parser, in chunks.

    expat (2.5) re-scans an incomplete token from its start on every call, so a 200 MB
    attribute fed 1 MiB at a time costs the square of its size. While no parse event has
    happened within the last chunk, the next chunk is twice as big: the re-scanning then adds
    up to about twice the token's size (linear)."""
    parser.Parse(first, False)
    fed = len(first)
    size = _CHUNK
    while True:
        chunk = f.read(size)
        if not chunk:
            break
        parser.Parse(chunk, False)
        fed += len(chunk)
        stalled = fed - int(parser.CurrentByteIndex) > size
        size = min(size * 2, 1 << 30) if stalled else _CHUNK
    parser.Parse(b"", True)


def _read_gpx_strict(p: Path, name: str) -> Track:
    """The reference GPX reader (streaming expat with a Python handler per element)."""
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
                trk.flush(name)
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
                rte.flush(name)
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
            head, _root = _read_head(f, name)
            _feed(parser, f, head)
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
        raise TrackError(f"{name}: cannot decode the XML ({_short.repr(str(e))}); save it "
                         "as UTF-8") from None
    if not saw_gpx[0]:
        raise TrackError(f"{name}: the root element is not <gpx> (GPX 1.0/1.1); give a GPX file")
    trk.flush(name)
    rte.flush(name)
    pts = trk if trk.count() else rte
    if pts.count() == 0:
        raise TrackError(f"{name}: the GPX has neither a track (<trk>/<trkpt>) nor a route "
                         "(<rte>/<rtept>) with points; waypoints alone are not a line — export "
                         "the route as a track")
    lon, lat, ele, starts = pts.arrays()
    return _make_track(lon, lat, ele, starts, name)


# -------------------------------------------------------------------- GPX: fast path

#: one track point of the common layout: ``<trkpt lat="..." lon="..."`` (double quotes, lat
#: first; any further attributes), optionally followed, after white space only, by
#: ``<ele>...</ele>`` (no white space inside). The strict reader gives an <ele> to the last
#: track point started before it, so when every <ele> of the file is one of these, both assign
#: the same elevations. The one group is the point from its latitude on (one bytes object per
#: point: a tuple of groups costs twice the time); the characters allowed are checked again,
#: as the exact form, by ``_FAST_POINT_RE2``.
#: The other alternatives match the start of any other tag the strict reader acts on
#: (<trk>, <trkseg>, a <trkpt> not in the common form, <ele>, <rte>, <rtept>, <wpt>) and give
#: an empty group: a region without one needs no further scan.
_FAST_TRKPT = re.compile(rb'<(?:trkpt[ \t\r\n]+lat="([0-9+.-]*"[ \t\r\n]+lon="[0-9+.-]*"[^>]*>'
                         rb"(?:[ \t\r\n]*<ele>[0-9+.-]*</ele>)?)|trk|ele|rte|wpt)")
_RE2_DECIMAL = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"  # xsd:decimal, as _DECIMAL
_RE2_POINT = (rf'{_RE2_DECIMAL}"[ \t\r\n]+lon="{_RE2_DECIMAL}"[^>\x00]*>'
              rf"(?:[ \t\r\n]*<ele>{_RE2_DECIMAL}</ele>)?")
#: the ``_FAST_TRKPT`` groups of a region joined by NUL, each number an xsd:decimal (RE2
#: through pyarrow.compute: one linear scan)
_FAST_POINTS_RE2 = rf"\A{_RE2_POINT}(?:\x00{_RE2_POINT})*\z"
#: a tag that starts a new segment for the strict reader
_FAST_SEGTAG = re.compile(rb"<trk(?:seg)?[ \t\r\n/>]")
_FAST_GPXTAG = re.compile(rb"<gpx[ \t\r\n/>]")
#: a waypoint's <ele> (its first child): the strict reader ignores an <ele> after a <wpt>
_FAST_WPT_ELE = re.compile(rb"<wpt[ \t\r\n][^>]*>[ \t\r\n]*<ele[ \t\r\n/>]")
_FAST_DEFAULT_NS = {"", "http://www.topografix.com/GPX/1/1", "http://www.topografix.com/GPX/1/0"}
_FAST_ENCODING = re.compile(rb"<\?xml[^>]*?encoding[ \t\r\n]*=[ \t\r\n]*[\"']([^\"']*)[\"']")
_FAST_OK_ENC = {b"utf-8", b"utf8", b"us-ascii", b"ascii"}


class _DeclineError(Exception):
    """The fast path does not handle this file (the strict reader will)."""


def _read_gpx_fast(p: Path, name: str) -> Track | None:
    """The common-layout GPX reader; None whenever the strict reader must decide.

    Why it returns exactly what the strict reader returns: expat parses every byte (no
    element handler) and must find the file well-formed, and it reports, through handlers that
    fire only when such a thing occurs, any comment, processing instruction or CDATA section
    after the root element start and every namespace declaration. With none of the first three,
    every ``<`` after the prolog starts a tag. Default namespaces must be GPX ones (or none) and
    no prefix may be bound to a GPX namespace, so the strict reader acts exactly on the
    unprefixed ``trkpt``/``ele``/``trk``/``trkseg``/``gpx`` tags. Every ``<trkpt`` and every
    ``<ele`` of the file must be inside a match of ``_FAST_TRKPT`` or be the first child of a
    ``<wpt>`` (counted), there is no ``<rtept``, and the strict reader assigns an <ele> to the
    last track point started before it (none after a <wpt>), as the match does (a region in
    which the regex met no other ``<trk``, ``<ele``, ``<rte`` or ``<wpt`` needs no count).
    Every number must be an xsd:decimal (one RE2 scan) before pyarrow parses it. Segment
    starts come from the positions of ``<trk``/``<trkseg`` tags, where the strict reader's
    handler sets them. Any doubt, bad value or error (pyarrow's are ValueErrors): None."""
    gc_was_enabled = gc.isenabled()
    gc.disable()  # a million small objects would trigger many full collections (no cycles here)
    try:
        return _fast(p, name)
    except (_DeclineError, TrackError, OSError, ValueError, LookupError,
            xml.parsers.expat.ExpatError):
        return None
    finally:
        if gc_was_enabled:
            gc.enable()


def _fast_parser(root: int) -> Any:
    """An expat parser with no element handler that raises _DeclineError on anything the fast
    path does not handle (comments and PIs before the root element at byte ``root`` are fine)."""
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")

    def after_root(*_args: object) -> None:
        if parser.CurrentByteIndex >= root:
            raise _DeclineError

    def decline(*_args: object) -> None:
        raise _DeclineError

    def namespace(prefix: str | None, uri: str) -> None:
        if (uri not in _FAST_DEFAULT_NS) if prefix is None else (uri in _FAST_DEFAULT_NS):
            raise _DeclineError

    parser.CommentHandler = after_root
    parser.ProcessingInstructionHandler = after_root
    parser.StartCdataSectionHandler = decline
    parser.StartDoctypeDeclHandler = decline
    parser.EntityDeclHandler = decline
    parser.StartNamespaceDeclHandler = namespace
    return parser


def _fast(p: Path, name: str) -> Track:
    lat_blocks: list[np.ndarray] = []
    lon_blocks: list[np.ndarray] = []
    ele_blocks: list[np.ndarray] = []
    seg_counts: set[int] = {0}
    saw_gpx = False
    n = 0
    with open(p, "rb") as f:
        head, root = _read_head(f, name)
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise _DeclineError
        enc = _FAST_ENCODING.match(head, 3 if head.startswith(codecs.BOM_UTF8) else 0)
        if enc and enc.group(1).lower() not in _FAST_OK_ENC:
            raise _DeclineError
        parser = _fast_parser(root)
        carry = b""
        chunk = head
        start = root  # the first region starts at the root element
        while True:
            at_end = not chunk
            parser.Parse(chunk, at_end)
            buf = carry + chunk if carry else chunk
            if at_end:
                cut = len(buf)
            else:
                cut = buf.rfind(b"<trkpt", start)
                if cut <= start:
                    cut = buf.rfind(b"<", start)
                if cut <= start:
                    carry = buf
                    if len(carry) > _FAST_CARRY_LIMIT:
                        raise _DeclineError
                    chunk = f.read(_FAST_CHUNK)
                    continue
            n = _fast_region(buf, start, cut, n, lat_blocks, lon_blocks, ele_blocks, seg_counts)
            if not saw_gpx:
                saw_gpx = _FAST_GPXTAG.search(buf, start, cut) is not None
            carry = buf[cut:]
            start = 0
            if at_end:
                break
            chunk = f.read(_FAST_CHUNK)
    if not saw_gpx or n < 2:
        raise _DeclineError
    lon = np.concatenate(lon_blocks)
    lat = np.concatenate(lat_blocks)
    ele = np.concatenate(ele_blocks)
    starts = np.array(sorted(c for c in seg_counts if c < n), dtype=np.int64)
    return _make_track(lon, lat, ele if np.isfinite(ele).any() else None, starts, name)


def decimals_to_float64(data: pa.Buffer, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The numbers ``data[starts[i]:ends[i]]`` (bytes, each an xsd:decimal already checked,
    ranges in increasing order and not overlapping) as float64, converted in C by pyarrow.

    The ranges and the bytes between them make one Arrow binary array (no copy of ``data``);
    ``take`` keeps the numbers and the cast parses them, correctly rounded: the same bits as
    Python's ``float()`` (property-tested in tests/test_fuzz_readers.py)."""
    m = len(starts)
    if m == 0:
        return np.zeros(0)
    offsets = np.empty(2 * m, dtype=np.int64)
    offsets[0::2] = starts
    offsets[1::2] = ends
    spans = pa.Array.from_buffers(pa.large_binary(), 2 * m - 1,
                                  [None, pa.py_buffer(offsets), data])
    numbers = pc.take(spans, pa.array(np.arange(0, 2 * m - 1, 2)))
    return np.asarray(numbers.cast(pa.float64()).to_numpy(zero_copy_only=False))


def _fast_region(buf: bytes, start: int, end: int, n: int, lat_blocks: list[np.ndarray],
                 lon_blocks: list[np.ndarray], ele_blocks: list[np.ndarray],
                 seg_counts: set[int]) -> int:
    """Collect the points of ``buf[start:end]`` (complete tags only; ``n`` points before it);
    returns the new point count. Raises _DeclineError if anything is unusual."""
    found = _FAST_TRKPT.findall(buf, start, end)
    # No empty group: every '<trk', '<ele', '<rte', '<wpt' of the region starts a point of the
    # common form or is the <ele> inside one (matches do not overlap and the tags in a match
    # are its own): no segment tag, no route point, no waypoint, no other <ele>.
    usual = b"" not in found
    if not usual:
        found = [g for g in found if g]
    k = len(found)
    segment_tags = False
    if not usual:
        if buf.find(b"<rtept", start, end) >= 0:
            raise _DeclineError
        # every point starts with '<trkpt', so k <= count('<trkpt') <= count('<trk'): when
        # the latter equals k, every <trkpt is matched and there is no <trk>/<trkseg> tag
        segment_tags = buf.count(b"<trk", start, end) != k
        if segment_tags and k != buf.count(b"<trkpt", start, end):
            raise _DeclineError
    n_ele = 0
    if found:
        # one string for all points of the region, NUL-separated (no NUL can be inside a
        # point that passes the check), checked by one RE2 scan: each number an xsd:decimal
        joined = b"\x00".join(found)
        del found
        data = pa.py_buffer(joined)
        whole = pa.Array.from_buffers(pa.large_binary(), 1, [
            None, pa.py_buffer(np.array([0, len(joined)], dtype=np.int64)), data])
        if not pc.match_substring_regex(whole, _FAST_POINTS_RE2)[0].as_py():
            raise _DeclineError  # a number that is not an xsd:decimal: the strict reader names it
        # each point is  LAT"ws+lon="LON"[^>]*>  then maybe  ws*<ele>ELE</ele>  (just checked):
        # its first three '"' end LAT, start and end LON; its first '>' after LON ends the
        # tag, and when that is not its last byte, the next '>' starts ELE and '</ele>' ends it
        text = np.frombuffer(joined, dtype=np.uint8)
        seps = np.flatnonzero(text == 0)
        first = np.concatenate(([0], seps + 1))  # the first byte of each point
        final = np.concatenate((seps, [len(joined)])) - 1  # its last byte
        quotes = np.flatnonzero(text == ord('"'))
        closers = np.flatnonzero(text == ord(">"))
        iq = np.searchsorted(quotes, first)
        lat_end, lon_start, lon_end = quotes[iq], quotes[iq + 1] + 1, quotes[iq + 2]
        ig = np.searchsorted(closers, lon_end)
        has_ele = closers[ig] != final
        lat_lon = decimals_to_float64(data, np.column_stack((first, lon_start)).ravel(),
                                      np.column_stack((lat_end, lon_end)).ravel())
        lat, lon = lat_lon[0::2], lat_lon[1::2]
        if not ((np.abs(lat) <= 90).all() and (np.abs(lon) <= 180).all()):
            raise _DeclineError
        n_ele = int(np.count_nonzero(has_ele))
        ele = np.full(k, np.nan)
        ele[has_ele] = decimals_to_float64(data, closers[ig[has_ele] + 1] + 1,
                                           final[has_ele] + 1 - len(b"</ele>"))
        with np.errstate(invalid="ignore"):
            if (np.isinf(ele) | (ele < ELE_MIN_M) | (ele > ELE_MAX_M)).any():
                raise _DeclineError  # the strict reader writes the warning
        lat_blocks.append(lat)
        lon_blocks.append(lon)
        ele_blocks.append(ele)
    n_ele_tags = n_ele if usual else buf.count(b"<ele", start, end)
    if n_ele_tags != n_ele:  # only then can a waypoint's <ele> explain the difference
        n_ele += len(_FAST_WPT_ELE.findall(buf, start, end))
        if n_ele_tags != n_ele:
            raise _DeclineError
    if segment_tags:  # a <trk> or <trkseg> tag here: segment starts
        last, count = start, n
        for m in _FAST_SEGTAG.finditer(buf, start, end):
            count += buf.count(b"<trkpt", last, m.start())
            last = m.start()
            seg_counts.add(count)
    return n + k


# ----------------------------------------------------------------------------------- GeoJSON


class _NonFinite:
    """Stands for a JSON NaN/Infinity constant (not allowed in GeoJSON)."""

    def __repr__(self) -> str:
        return "(a non-finite JSON constant)"


_NONFINITE = _NonFinite()


def _read_geojson(p: Path, name: str) -> Track:
    try:
        with open(p, encoding="utf-8-sig") as f:
            doc = json.load(f, parse_constant=lambda _s: _NONFINITE)
    except json.JSONDecodeError as e:
        raise TrackError(f"{name}: not valid JSON at line {e.lineno}, column {e.colno}: {e.msg}; "
                         "the file is truncated or damaged — export it again") from None
    except UnicodeDecodeError as e:
        raise TrackError(f"{name}: not UTF-8 at byte {e.start}; GeoJSON must be UTF-8") from None
    except RecursionError:
        raise TrackError(f"{name}: the JSON is nested too deeply to be a GeoJSON line; "
                         "give a LineString or a FeatureCollection of lines") from None
    except ValueError:  # an integer of more than 4,300 digits
        raise TrackError(f"{name}: the JSON holds a number with thousands of digits; give "
                         "coordinates as ordinary decimal numbers") from None
    except OSError as e:
        raise TrackError(f"{name}: cannot read the track file ({e.strerror or e})") from None
    lines = list(_geojson_lines(doc, name, "$", 0))
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
    return _make_track(lon, lat, ele, np.asarray(starts, dtype=np.int64), name)


def _geojson_lines(obj: Any, name: str, where: str, depth: int) -> Iterator[tuple[str, Any]]:
    if depth > _GEOJSON_DEPTH:
        raise TrackError(f"{name}: {where[:80]} is nested more than {_GEOJSON_DEPTH} levels "
                         "deep; give a LineString or a FeatureCollection of lines")
    if not isinstance(obj, dict):
        raise TrackError(f"{name}: {where} is not a GeoJSON object; give a GeoJSON LineString")
    typ = obj.get("type")
    if typ == "FeatureCollection":
        feats = obj.get("features")
        if not isinstance(feats, list):
            raise TrackError(f"{name}: {where}.features is not a list; fix the FeatureCollection")
        for i, feat in enumerate(feats):
            yield from _geojson_lines(feat, name, f"{where}.features[{i}]", depth + 1)
    elif typ == "Feature":
        geom = obj.get("geometry")
        if geom is not None:
            yield from _geojson_lines(geom, name, f"{where}.geometry", depth + 1)
    elif typ == "GeometryCollection":
        geoms = obj.get("geometries") or []
        if not isinstance(geoms, list):
            raise TrackError(f"{name}: {where}.geometries is not a list; fix the collection")
        for i, g in enumerate(geoms):
            yield from _geojson_lines(g, name, f"{where}.geometries[{i}]", depth + 1)
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
        raise TrackError(f"{name}: {where} has unknown GeoJSON type {_short.repr(typ)}; "
                         "expected LineString, MultiLineString, Feature or FeatureCollection")


def _number(v: Any) -> float | None:
    """A JSON number as a float (may be inf for 1e400 or a 400-digit integer); None if not a
    number (a string, a bool, null, a list, a NaN/Infinity constant)."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    try:
        return float(v)
    except OverflowError:
        return math.inf


def _coords_array(coords: Any, where: str, name: str, offset: int) -> np.ndarray:
    """(n, 2 or 3) float64 positions; lon/lat must be finite numbers in range, z may be
    anything numeric (cleaned later: non-finite or out of range becomes missing)."""
    if not isinstance(coords, list):
        raise TrackError(f"{name}: {where} has no coordinate list; give [[lon, lat], ...]")
    if not coords:
        return np.zeros((0, 2))
    width = 3 if all(isinstance(c, list) and len(c) >= 3 for c in coords) else 2
    arr = np.full((len(coords), width), np.nan)
    for i, c in enumerate(coords):
        vals = [_number(v) for v in c[:width]] if isinstance(c, list) and len(c) >= 2 else []
        lon_lat_ok = (len(vals) >= 2 and vals[0] is not None and vals[1] is not None
                      and abs(vals[0]) <= 180 and abs(vals[1]) <= 90)
        if not lon_lat_ok:
            raise TrackError(f"{name}: point {offset + i} ({where}[{i}]) is {_short.repr(c)}, "
                             "not [lon, lat] finite numbers with longitude within -180..180 "
                             "and latitude within -90..90; fix or delete that position")
        if width == 3:
            z = vals[2]
            if z is None and c[2] is not _NONFINITE:
                raise TrackError(f"{name}: point {offset + i} ({where}[{i}]) has elevation "
                                 f"{_short.repr(c[2])}, not a number; fix or delete it")
            vals[2] = math.inf if z is None else z  # a NaN/Infinity constant: missing + warning
        arr[i] = vals
    return arr


# ------------------------------------------------------------------------------------ common


def _make_track(lon: np.ndarray, lat: np.ndarray, ele: np.ndarray | None, starts: np.ndarray,
                name: str) -> Track:
    bad = ~(np.isfinite(lon) & np.isfinite(lat) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180))
    if bad.any():  # pragma: no cover - every reader checks its values before
        i = int(np.flatnonzero(bad)[0])
        raise TrackError(f"{name}: point {i} (0-based, file order) has bad coordinates; "
                         "latitude must be within -90..90 and longitude within -180..180")
    if len(lon) < 2:
        raise TrackError(f"{name}: the line has {len(lon)} point; a track needs at least 2 — "
                         "export the whole track")
    warnings: tuple[str, ...] = ()
    if ele is not None:
        ele, warnings = _clean_elevations(ele, name)
    if len(starts) == 0 or starts[0] != 0:
        starts = np.concatenate([[0], starts]).astype(np.int64)
    gaps: tuple[float, ...] = ()
    if len(starts) > 1:
        ends = starts[1:] - 1
        _, _, d = GEOD.inv(lon[ends], lat[ends], lon[starts[1:]], lat[starts[1:]])
        gaps = tuple(float(x) for x in np.atleast_1d(d))
    return Track(lon=lon, lat=lat, ele=ele, segment_starts=starts, gaps_m=gaps, source=name,
                 schematic=False, warnings=warnings)

