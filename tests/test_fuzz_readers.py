"""Fuzzing the track readers, and the GPX fast path against the strict reader.

Seeded and bounded (hypothesis, ``derandomize=True``), a few seconds in all:

* mutated real GPX files (read at test time from the kit's samples/public, never copied here)
  and mutated GeoJSON built in code always end in a Track or a KmpostError, within a time bound
  per input size, never another exception, with no message containing a computed "nan";
* wherever the fast path answers, it answers exactly what the strict reader answers (public
  samples, generated common-layout files, random mutations), it does answer on the common
  layout, and it declines (None) on each unusual construct listed below.

The mutation functions are shared with the longer run ``benchmarks/fuzz_readers.py``.
"""

from __future__ import annotations

import json
import random
import re
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo import readers
from geo.errors import KmpostError
from geo.track import Track
from tests._gpxfixtures import GPX10, GPX11, KIT, decimal

PUBLIC = KIT / "samples" / "public"
SAMPLES = sorted(PUBLIC.glob("*.gpx")) if PUBLIC.is_dir() else []
needs_samples = pytest.mark.skipif(not SAMPLES, reason=f"kit samples not found in {PUBLIC}")

#: values a careless or hostile file may hold where a number belongs
HOSTILE_VALUES = [
    b"NaN", b"nan", b"inf", b"-Infinity", b"1e308", b"-1e308", b"1" + b"0" * 400, b"4_5.5",
    "\u0664\u0665.\u0665".encode(), "\uff14\uff15.\uff15".encode(), "\u00a045.5".encode(),
    b"45e-400", b"1e5", b"0x1p3", b"&#x34;5", b"", b" ", b"+", b".", b"--1", b"1.2.3", b"9500",
    b"-600", b"90.0000001", b"1,5",
]
#: markup a mutation may insert anywhere
HOSTILE_MARKUP = [
    b"<!-- < -->", b"<![CDATA[<trkpt lat='1' lon='2'>]]>", b"<?pi x?>", b"<!DOCTYPE gpx>",
    b'<!ENTITY a "b">', b"<trkpt/>", b'<trkpt lat="1" lon="2">', b"</trkpt>", b"<ele>",
    b"</ele>", b"<ele>1e308</ele>", b"<ele>inf</ele>", b"<ele>NaN</ele>", b"<trkseg>",
    b"</trkseg>", b"<trk/>", b"<rtept lat='1' lon='2'/>", b' xmlns="urn:x"',
    b' xmlns:g="http://www.topografix.com/GPX/1/1"', b"<g:trkpt lat='3' lon='4'/>",
    b"<wpt lat='1' lon='1'><ele>5</ele></wpt>", b"\x00", b"\xff\xfe", b'"', b"<", b">", b"&",
    b"\n", b"&lt;",
]


# ------------------------------------------------------------------------------- helpers


def mentions_nan(msg: str) -> bool:
    """True if a message says "nan" outside the input text it quotes ('...' or "...")."""
    bare = re.sub(r"'[^']*'|\"[^\"]*\"", "", msg)
    return re.search(r"\bnan\b", bare, re.IGNORECASE) is not None


def size_bound_s(n_bytes: int) -> float:
    """Time allowed to read an input of n_bytes (generous: a shared, loaded machine)."""
    return 3.0 + 2.0 * n_bytes / 1e6


def read_outcome(path: Path) -> tuple[str, Track | str, float]:
    """('track', Track, s) or ('error', message, s); anything else propagates (a bug)."""
    t0 = time.perf_counter()
    try:
        t = readers.read_track(path)
    except KmpostError as e:
        return "error", str(e), time.perf_counter() - t0
    return "track", t, time.perf_counter() - t0


def check_outcome(path: Path, data: bytes) -> str:
    """The fuzz invariant for one input file; returns 'track' or 'error'."""
    kind, val, sec = read_outcome(path)
    assert sec < size_bound_s(len(data)), f"{sec:.1f} s for {len(data)} bytes"
    if kind == "error":
        assert isinstance(val, str)
        assert "\n" not in val and not mentions_nan(val), val
    else:
        assert isinstance(val, Track)
        assert np.isfinite(val.lon).all() and np.isfinite(val.lat).all()
        assert val.ele is None or not np.isinf(val.ele).any()
        assert val.ele is None or np.isfinite(val.ele).any()
        assert all(np.isfinite(val.gaps_m))
        for w in val.warnings:
            assert "\n" not in w and not mentions_nan(w), w
    return kind


def same_track(a: Track, b: Track) -> bool:
    """Exactly equal: every coordinate bit, the NaN positions of ele, segments, gaps, notes."""
    return (np.array_equal(a.lon, b.lon) and np.array_equal(a.lat, b.lat)
            and ((a.ele is None and b.ele is None)
                 or (a.ele is not None and b.ele is not None
                     and np.array_equal(a.ele, b.ele, equal_nan=True)))
            and np.array_equal(a.segment_starts, b.segment_starts) and a.gaps_m == b.gaps_m
            and a.warnings == b.warnings and a.source == b.source)


def fast_agrees(path: Path) -> bool | None:
    """None if the fast path declines; else whether it equals the strict reader's Track (the
    strict reader raising while the fast path answers counts as disagreement)."""
    fast = readers._read_gpx_fast(path, str(path))
    if fast is None:
        return None
    try:
        strict = readers._read_gpx_strict(path, str(path))
    except KmpostError:
        return False
    return same_track(fast, strict)


def mutate_gpx(data: bytes, rng: random.Random) -> bytes:
    """1-3 random mutations of a GPX file: hostile values in lat/lon/ele, inserted markup,
    deleted/duplicated ranges, flipped bytes, truncation."""
    for _ in range(rng.randint(1, 3)):
        op = rng.choice((0, 0, 0, 1, 1, 1, 2, 2, 3, 4, 5, 6))  # values and markup most often
        if op <= 1:  # a coordinate or an elevation gets a hostile value
            spans = [m.span(1) for m in re.finditer(
                rb'(?:lat|lon)="([^"]*)"' if op == 0 else rb"<ele>([^<]*)</ele>", data)]
            if spans:
                a, b = rng.choice(spans)
                data = data[:a] + rng.choice(HOSTILE_VALUES) + data[b:]
                continue
        n = len(data)
        i = rng.randrange(n + 1)
        if op == 2:
            data = data[:i] + rng.choice(HOSTILE_MARKUP) + data[i:]
        elif op == 3:
            data = data[:i] + data[i + rng.randint(1, 64):]
        elif op == 4:
            j = min(n, i + rng.randint(1, 200))
            data = data[:j] + data[i:j] + data[j:]
        elif op == 5 and n:
            k = rng.randrange(n)
            data = data[:k] + bytes([rng.randrange(256)]) + data[k + 1:]
        else:
            data = data[:i]
    return data


def geojson_base(rng: random.Random) -> bytes:
    """A small GeoJSON line (LineString, MultiLineString or FeatureCollection) near 38N 90E."""
    n = rng.randint(2, 30)
    pts = [[round(90 + 0.01 * i, 6), round(38 + 0.005 * i, 6), round(2800 + 3.5 * i, 1)]
           for i in range(n)]
    if rng.random() < 0.3:
        pts = [p[:2] for p in pts]
    form = rng.randrange(3)
    if form == 0:
        doc: object = {"type": "LineString", "coordinates": pts}
    elif form == 1:
        doc = {"type": "MultiLineString", "coordinates": [pts[: n // 2 + 1], pts[n // 2:]]}
    else:
        doc = {"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"name": "G315"},
             "geometry": {"type": "LineString", "coordinates": pts}},
            {"type": "Feature", "properties": {}, "geometry": {"type": "Point",
                                                               "coordinates": pts[0][:2]}}]}
    return json.dumps(doc).encode()


HOSTILE_JSON = [b"1e400", b"-1e400", b"NaN", b"Infinity", b"-Infinity", b"1" + b"0" * 400,
                b"9" * 5000, b"true", b"null", b'"38"', b"[]", b"{}", b"[" * 3000 + b"]" * 3000,
                b"20000", b"-600", b"1e-400", b"181", b"-90.5"]


def mutate_geojson(data: bytes, rng: random.Random) -> bytes:
    """1-3 mutations: a number replaced by a hostile token, deep nesting, byte damage."""
    for _ in range(rng.randint(1, 3)):
        op = rng.choice((0, 0, 0, 1, 1, 2, 3, 4))
        if op <= 1:
            spans = [m.span() for m in re.finditer(rb"-?[0-9]+(?:\.[0-9]+)?", data)]
            if spans:
                a, b = rng.choice(spans)
                data = data[:a] + rng.choice(HOSTILE_JSON) + data[b:]
                continue
        if op == 2:
            depth = rng.choice([10, 40, 1000, 100_000])
            if rng.random() < 0.5:
                data = b"[" * depth + data + b"]" * depth
            else:
                wrap = b'{"type": "GeometryCollection", "geometries": ['
                data = wrap * min(depth, 2000) + data + b"]}" * min(depth, 2000)
            continue
        n = len(data)
        i = rng.randrange(n + 1)
        data = data[:i] + data[i + rng.randint(1, 16):] if op == 3 else data[:i]
    return data


# ------------------------------------------------------------------ fuzz: always clean


FUZZ = settings(max_examples=120, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow])


@needs_samples
@FUZZ
@given(st.sampled_from(SAMPLES or [Path("none")]), st.integers(0, 2**32 - 1))
def test_mutated_gpx_ends_in_track_or_kmposterror(sample: Path, seed: int) -> None:
    data = mutate_gpx(sample.read_bytes(), random.Random(seed))
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "m.gpx"
        p.write_bytes(data)
        check_outcome(p, data)
        assert fast_agrees(p) is not False


@FUZZ
@given(st.integers(0, 2**32 - 1))
def test_mutated_geojson_ends_in_track_or_kmposterror(seed: int) -> None:
    rng = random.Random(seed)
    data = mutate_geojson(geojson_base(rng), rng)
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "m.geojson"
        p.write_bytes(data)
        check_outcome(p, data)


# ------------------------------------------------------- fast path == strict reader


@needs_samples
def test_fast_path_equals_strict_on_every_public_sample() -> None:
    taken = [f.name for f in SAMPLES if fast_agrees(f) is not None]
    for f in SAMPLES:
        assert fast_agrees(f) is not False, f.name
    assert len(taken) >= 10, taken  # the fast path does serve real exports


def common_layout(rng: random.Random) -> bytes:
    """A GPX in the common layout with random points, segments, tracks, optional ele/time/
    extensions, waypoints, white space and namespaces (1.0 or 1.1)."""
    ns = rng.choice([GPX11, GPX10, None])
    xmlns = f' xmlns="{ns}"' if ns else ""
    xmlns += ' xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1"'
    sep = rng.choice(["", "\n", "\n  ", "\r\n\t"])
    out = [f'<?xml version="1.0" encoding="UTF-8"?>\n<!-- made by a test -->\n'
           f'<gpx version="1.1" creator="t &amp; c"{xmlns}>{sep}<metadata><name>a &lt; b</name>'
           f"</metadata>"]
    for _ in range(rng.randint(0, 2)):
        out.append(f'<wpt lat="{decimal(rng.uniform(-90, 90))}" lon="0"><ele>12</ele>'
                   "<name>camp</name></wpt>")
    for _ in range(rng.randint(1, 3)):
        out.append(f"<trk><name>day</name>{sep}")
        for _ in range(rng.randint(0, 3)):
            out.append(f"<trkseg>{sep}")
            for _ in range(rng.randint(0, 12)):
                lat = decimal(round(rng.uniform(-90, 90), rng.randint(0, 9)))
                lon = decimal(round(rng.uniform(-180, 180), rng.randint(0, 9)))
                inner = ""
                if rng.random() < 0.8:
                    inner += f"{rng.choice(['', ' ', sep])}<ele>{decimal(rng.uniform(-400, 8800))}</ele>"
                if rng.random() < 0.5:
                    inner += "<time>2021-06-01T06:00:00Z</time>"
                if rng.random() < 0.3:
                    inner += ("<extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>120"
                              "</gpxtpx:hr></gpxtpx:TrackPointExtension></extensions>")
                extra = rng.choice(["", ' foo="a>b"', ' x="1"']) if rng.random() < 0.2 else ""
                if not inner and rng.random() < 0.5:
                    out.append(f'<trkpt lat="{lat}" lon="{lon}"{extra}/>{sep}')
                else:
                    out.append(f'<trkpt lat="{lat}" lon="{lon}"{extra}>{inner}</trkpt>{sep}')
            out.append(f"</trkseg>{sep}")
        out.append("</trk>")
    out.append("</gpx>\n")
    return "".join(out).encode()


@FUZZ
@given(st.integers(0, 2**32 - 1))
def test_fast_path_equals_strict_on_generated_and_mutated_files(seed: int) -> None:
    rng = random.Random(seed)
    data = common_layout(rng)
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "g.gpx"
        p.write_bytes(data)
        try:
            readers._read_gpx_strict(p, str(p))
            valid = True
        except KmpostError:
            valid = False  # e.g. fewer than 2 points
        if valid and b' foo="a>b"' not in data:
            assert fast_agrees(p) is True, data[:2000]  # taken on the common layout, and equal
        else:
            assert fast_agrees(p) is not False
        p.write_bytes(mutate_gpx(data, rng))
        assert fast_agrees(p) is not False


def _track_doc(points: str, head: str = "", ns: str = f' xmlns="{GPX11}"',
               decl: str = '<?xml version="1.0" encoding="UTF-8"?>') -> bytes:
    return (f'{decl}<gpx version="1.1" creator="t"{ns}>{head}<trk><trkseg>{points}'
            "</trkseg></trk></gpx>").encode()


PLAIN = '<trkpt lat="38.0" lon="90.0"><ele>2800</ele></trkpt>'
PLAIN2 = '<trkpt lat="38.1" lon="90.1"><ele>2801</ele></trkpt>'

UNUSUAL = {
    "comment after the root": _track_doc(PLAIN + "<!-- x -->" + PLAIN2),
    "comment hiding a point": _track_doc(PLAIN + '<!-- <trkpt lat="1" lon="2"/> -->' + PLAIN2),
    "CDATA": _track_doc(PLAIN + "<trkpt lat='1' lon='2'><name><![CDATA[x]]></name></trkpt>"
                        + PLAIN2),
    "processing instruction": _track_doc(PLAIN + "<?x y?>" + PLAIN2),
    "foreign default namespace": _track_doc(PLAIN + PLAIN2, ns=' xmlns="urn:other"'),
    "prefix bound to GPX": _track_doc(PLAIN + PLAIN2 + '<g:trkpt lat="3" lon="4"/>',
                                      ns=f' xmlns="{GPX11}" xmlns:g="{GPX11}"'),
    "lon before lat": _track_doc(PLAIN + '<trkpt lon="90.2" lat="38.2"/>' + PLAIN2),
    "single quotes": _track_doc(PLAIN + "<trkpt lat='38.2' lon='90.2'/>" + PLAIN2),
    "character reference in lat": _track_doc(PLAIN + '<trkpt lat="3&#56;.2" lon="90.2"/>'
                                             + PLAIN2),
    "ele not first": _track_doc(PLAIN + '<trkpt lat="38.2" lon="90.2"><time>t</time>'
                                "<ele>5</ele></trkpt>" + PLAIN2),
    "ele with exponent": _track_doc(PLAIN + '<trkpt lat="38.2" lon="90.2"><ele>2.8e3</ele>'
                                    "</trkpt>" + PLAIN2),
    "white space inside ele": _track_doc(PLAIN + '<trkpt lat="38.2" lon="90.2"><ele> 5 </ele>'
                                        "</trkpt>" + PLAIN2),
    "NUL in a tag": _track_doc(PLAIN + '<trkpt lat="38.2" lon="90.2" \x00/>' + PLAIN2),
    "ele not finite": _track_doc(PLAIN + '<trkpt lat="38.2" lon="90.2"><ele>inf</ele>'
                                 "</trkpt>" + PLAIN2),
    "ele out of range": _track_doc(PLAIN + '<trkpt lat="38.2" lon="90.2"><ele>9500</ele>'
                                   "</trkpt>" + PLAIN2),
    "stray ele": _track_doc(PLAIN + "<ele>7</ele>" + PLAIN2),
    "route points": _track_doc(PLAIN + PLAIN2).replace(b"</gpx>", b'<rte><rtept lat="1" '
                                                       b'lon="1"/></rte></gpx>'),
    "Latin-1 declared": _track_doc(PLAIN + PLAIN2, decl='<?xml version="1.0" '
                                   'encoding="ISO-8859-1"?>'),
    "UTF-16": '<?xml version="1.0" encoding="UTF-16"?><gpx version="1.1" creator="t"><trk>'
              f"<trkseg>{PLAIN}{PLAIN2}</trkseg></trk></gpx>".encode("utf-16"),
    "exponent in lat": _track_doc(PLAIN + '<trkpt lat="3.8e1" lon="90.2"/>' + PLAIN2),
    "not well-formed": _track_doc(PLAIN + PLAIN2 + "<trkpt>"),
}


@pytest.mark.parametrize("case", sorted(UNUSUAL))
def test_fast_path_declines_unusual_input(tmp_path: Path, case: str) -> None:
    p = tmp_path / "u.gpx"
    p.write_bytes(UNUSUAL[case])
    assert readers._read_gpx_fast(p, str(p)) is None
    check_outcome(p, UNUSUAL[case])  # and the strict reader still answers cleanly


def test_fast_path_serves_the_benchmark_layout(tmp_path: Path) -> None:
    rows = "\n".join(f'<trkpt lat="{38 + i * 1e-4:.7f}" lon="{90 + i * 1e-4:.7f}"><ele>'
                     f"{2800 + i % 50:.1f}</ele><time>2025-06-01T06:00:{i % 60:02d}Z</time>"
                     "</trkpt>" for i in range(5000))
    p = tmp_path / "b.gpx"
    p.write_bytes(_track_doc(rows).replace(b"<trkseg>", b"<trkseg>\n"))
    assert fast_agrees(p) is True


# ------------------------------------------ the fast path's number check and conversion

#: an xsd:decimal as a string: sign, integer digits, point, fraction digits (each optional,
#: at least one digit), up to hundreds of digits (beyond float64 precision and range)
DIGITS = st.text("0123456789", max_size=40) | st.text("0123456789", min_size=300, max_size=400)
XSD_DECIMALS = st.builds(
    lambda sign, whole, point, frac: sign + whole + point + frac,
    st.sampled_from(["", "+", "-"]), DIGITS, st.sampled_from(["", "."]), DIGITS,
).filter(lambda s: readers._DECIMAL.fullmatch(s) is not None)


def bits(x: np.ndarray) -> list[int]:
    return np.asarray(x, dtype=np.float64).view(np.int64).tolist()


@FUZZ
@given(st.lists(XSD_DECIMALS, min_size=1, max_size=30), st.randoms(use_true_random=False))
def test_decimals_convert_to_the_bits_of_python_float(values: list[str], rng: random.Random
                                                      ) -> None:
    """pyarrow's conversion, on spans of one buffer with other bytes between them (as the fast
    path uses it), gives exactly float() of each xsd:decimal: every bit, -0.0, inf for 400
    digits, the rounding of 17+ digit numbers."""
    junk = [rng.choice([b"", b'" lon="', b"><ele>", b"9", b"-.", b"\x00"]) for _ in values]
    parts, starts, ends, at = [], [], [], 0
    for v, j in zip(values, junk, strict=True):
        starts.append(at)
        parts.append(v.encode())
        at += len(v)
        ends.append(at)
        parts.append(j)
        at += len(j)
    data = pa.py_buffer(b"".join(parts))
    got = readers.decimals_to_float64(data, np.array(starts), np.array(ends))
    assert bits(got) == bits(np.array([float(v) for v in values])), values


NUMBER_LIKE = st.text("0123456789+-.eE \t_", max_size=12) | XSD_DECIMALS | st.sampled_from(
    [v.decode("utf-8", "replace") for v in HOSTILE_VALUES])


@FUZZ
@given(st.lists(st.tuples(NUMBER_LIKE, NUMBER_LIKE, st.none() | NUMBER_LIKE), min_size=1,
                max_size=5))
def test_re2_point_check_accepts_exactly_xsd_decimals(points: list[tuple[str, str, str | None]]
                                                      ) -> None:
    """The one RE2 scan of a region (``_FAST_POINTS_RE2`` on the NUL-joined regex groups)
    passes iff every latitude, longitude and elevation is what the strict reader's
    ``_DECIMAL`` accepts, unstripped (the fast path leaves white space to the strict reader)."""
    groups = [f'{lat}" lon="{lon}">' + ("" if ele is None else f"<ele>{ele}</ele>")
              for lat, lon, ele in points]
    joined = "\x00".join(groups).encode()
    whole = pa.array([joined], pa.large_binary())
    got = pc.match_substring_regex(whole, readers._FAST_POINTS_RE2)[0].as_py()
    want = all(readers._DECIMAL.fullmatch(v) is not None
               for p in points for v in p if v is not None)
    assert got is want, points
