"""geo.readers.read_track: GPX 1.0/1.1 and GeoJSON, joined segments, bad input refused."""

from __future__ import annotations

import json
import time
from pathlib import Path

import gpxpy
import gpxpy.gpx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import Geod

from geo.errors import TrackError
from geo.readers import read_track
from tests._gpxfixtures import KIT, gpx_doc, trkseg, trkseg_decimal, write

GEOD = Geod(ellps="WGS84")


# ------------------------------------------------------------------------------ good GPX


def test_two_tracks_and_segments_joined_in_order_with_geodesic_gaps(tmp_path: Path) -> None:
    body = (f"<trk><name>a</name>{trkseg([90.0, 90.01], [38.0, 38.0], [2800, 2801])}"
            f"{trkseg([90.02, 90.03], [38.0, 38.0], [2802, 2803])}</trk>"
            f"<trk>{trkseg([90.1, 90.11, 90.12], [38.1, 38.1, 38.1], [1, 2, 3])}</trk>")
    t = read_track(write(tmp_path, "t.gpx", gpx_doc(body)))
    assert t.lon.tolist() == [90.0, 90.01, 90.02, 90.03, 90.1, 90.11, 90.12]
    assert t.segment_starts.tolist() == [0, 2, 4]
    g1 = GEOD.inv(90.01, 38.0, 90.02, 38.0)[2]
    g2 = GEOD.inv(90.03, 38.0, 90.1, 38.1)[2]
    assert t.gaps_m == pytest.approx((g1, g2), abs=1e-6)
    assert t.ele is not None and t.ele.tolist() == [2800, 2801, 2802, 2803, 1, 2, 3]
    assert not t.schematic and t.source.endswith("t.gpx")


def test_gpx10_route_only(tmp_path: Path) -> None:
    body = ('<rte><name>r</name><rtept lat="38.0" lon="90.0"><ele>5</ele></rtept>'
            '<rtept lat="38.1" lon="90.1"/></rte>')
    t = read_track(write(tmp_path, "r.gpx", gpx_doc(body, version="1.0")))
    assert t.lat.tolist() == [38.0, 38.1]
    assert t.ele is not None and t.ele[0] == 5 and np.isnan(t.ele[1])


def test_tracks_win_over_routes_and_waypoint_ele_is_ignored(tmp_path: Path) -> None:
    body = ('<wpt lat="1" lon="1"><ele>999</ele></wpt>'
            '<rte><rtept lat="5" lon="5"/><rtept lat="6" lon="6"/></rte>'
            f'<trk>{trkseg([90.0, 90.1], [38.0, 38.1])}</trk>')
    t = read_track(write(tmp_path, "b.gpx", gpx_doc(body)))
    assert t.lon.tolist() == [90.0, 90.1]
    assert t.ele is None


def test_several_routes_are_segments(tmp_path: Path) -> None:
    body = ('<rte><rtept lat="38" lon="90"/><rtept lat="38.1" lon="90"/></rte>'
            '<rte><rtept lat="38.2" lon="90"/><rtept lat="38.3" lon="90"/></rte>')
    t = read_track(write(tmp_path, "rr.gpx", gpx_doc(body)))
    assert t.segment_starts.tolist() == [0, 2]
    assert t.gaps_m[0] == pytest.approx(GEOD.inv(90, 38.1, 90, 38.2)[2])


def test_bom_latin1_foreign_extensions_prefix_and_no_namespace(tmp_path: Path) -> None:
    ext = ('<extensions><x:ele>1</x:ele><x:trkpt lat="0" lon="0"/>'
           '<gpxtpx:TrackPointExtension><gpxtpx:hr>120</gpxtpx:hr>'
           '</gpxtpx:TrackPointExtension></extensions>')
    body = ('<trk><name>Caf\xe9 Ru\xf2</name><trkseg>'
            f'<trkpt lat="38.0" lon="90.0"><ele>10</ele>{ext}</trkpt>'
            f'<trkpt lat="38.1" lon="90.1">{ext}</trkpt></trkseg></trk>')
    nss = (' xmlns:x="urn:example:foreign" '
           'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1"')
    latin = gpx_doc(body, decl='<?xml version="1.0" encoding="ISO-8859-1"?>\n', extra_ns=nss)
    t = read_track(write(tmp_path, "l.gpx", latin, encoding="latin-1"))
    assert t.lat.tolist() == [38.0, 38.1]
    assert t.ele is not None and t.ele[0] == 10 and np.isnan(t.ele[1])
    bom = b"\xef\xbb\xbf" + gpx_doc(body, extra_ns=nss).encode()
    assert read_track(write(tmp_path, "bom.gpx", bom)).lat.tolist() == [38.0, 38.1]
    pref = ('<?xml version="1.0"?><g:gpx xmlns:g="http://www.topografix.com/GPX/1/1" '
            'version="1.1" creator="t"><g:trk><g:trkseg><g:trkpt lat="1" lon="2"/>'
            '<g:trkpt lat="3" lon="4"/></g:trkseg></g:trk></g:gpx>')
    assert read_track(write(tmp_path, "p.gpx", pref)).lon.tolist() == [2, 4]
    nons = ('<gpx version="1.1" creator="t"><trk><trkseg><trkpt lat="1" lon="2"/>'
            '<trkpt lat="3" lon="4"/></trkseg></trk></gpx>')
    assert read_track(write(tmp_path, "n.gpx", nons)).lat.tolist() == [1, 3]


def test_utf16_file(tmp_path: Path) -> None:
    doc = gpx_doc(f"<trk>{trkseg([90.0, 90.1], [38.0, 38.1])}</trk>",
                  decl='<?xml version="1.0" encoding="UTF-16"?>\n')
    t = read_track(write(tmp_path, "u16.gpx", doc, encoding="utf-16"))
    assert t.lon.tolist() == [90.0, 90.1]


def test_more_points_than_one_block(tmp_path: Path) -> None:
    n = 70_000  # > the reader's 65,536-point conversion block
    lon = np.round(np.linspace(90, 91, n), 7)
    lat = np.round(np.linspace(38, 38.5, n), 7)
    pts = "".join(f'<trkpt lat="{b!r}" lon="{a!r}"><ele>{i % 100}</ele></trkpt>'
                  for i, (a, b) in enumerate(zip(lon.tolist(), lat.tolist(), strict=True)))
    t = read_track(write(tmp_path, "big.gpx", gpx_doc(f"<trk><trkseg>{pts}</trkseg></trk>")))
    np.testing.assert_array_equal(t.lon, lon)
    np.testing.assert_array_equal(t.lat, lat)
    assert t.ele is not None and t.ele[-1] == (n - 1) % 100


@pytest.mark.skipif(not (KIT / "samples" / "public").is_dir(), reason="kit samples not found")
def test_kit_public_samples_agree_with_gpxpy() -> None:
    """Every well-formed public GPX sample: our points == gpxpy's (tracks, else routes)."""
    checked = 0
    for f in sorted((KIT / "samples" / "public").glob("*.gpx")):
        with open(f, encoding="utf-8-sig") as fh:
            g = gpxpy.parse(fh)
        pts: list[gpxpy.gpx.GPXTrackPoint | gpxpy.gpx.GPXRoutePoint]
        pts = [p for t in g.tracks for s in t.segments for p in s.points]
        pts = pts or [p for r in g.routes for p in r.points]
        if len(pts) < 2:
            with pytest.raises(TrackError):
                read_track(f)
            continue
        t = read_track(f)
        assert len(t) == len(pts), f.name
        np.testing.assert_allclose(t.lat, [p.latitude for p in pts], err_msg=f.name)
        np.testing.assert_allclose(t.lon, [p.longitude for p in pts], err_msg=f.name)
        checked += 1
    assert checked >= 10


# --------------------------------------------------------------------------------- GeoJSON


def test_geojson_forms(tmp_path: Path) -> None:
    ls = {"type": "LineString", "coordinates": [[90, 38, 2800], [90.1, 38.1, 2810]]}
    t = read_track(write(tmp_path, "a.geojson", json.dumps(ls)))
    assert t.lon.tolist() == [90, 90.1] and t.ele is not None and t.ele.tolist() == [2800, 2810]
    mls = {"type": "MultiLineString", "coordinates": [[[90, 38], [90.1, 38]], [[91, 38], [92, 38]]]}
    t = read_track(write(tmp_path, "b.json", json.dumps(mls)))
    assert t.segment_starts.tolist() == [0, 2] and t.ele is None
    assert t.gaps_m[0] == pytest.approx(GEOD.inv(90.1, 38, 91, 38)[2])
    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [1, 1]}},
        {"type": "Feature", "properties": {"name": "x"}, "geometry": ls},
        {"type": "Feature", "properties": {}, "geometry": None},
    ]}
    t = read_track(write(tmp_path, "c.geojson", "\ufeff" + json.dumps(fc)))
    assert t.lat.tolist() == [38, 38.1]


# ------------------------------------------------------------------------------ bad input


def _err(tmp_path: Path, name: str, text: str | bytes) -> str:
    p = write(tmp_path, name, text)
    with pytest.raises(TrackError) as ei:
        read_track(p)
    msg = str(ei.value)
    assert "\n" not in msg and name in msg
    assert ei.value.__cause__ is None  # no expat/json traceback chained
    return msg


def test_truncated_xml(tmp_path: Path) -> None:
    full = gpx_doc(f"<trk>{trkseg([90.0, 90.1, 90.2], [38.0, 38.1, 38.2])}</trk>")
    for cut in (len(full) // 2, len(full) - 8):
        msg = _err(tmp_path, f"cut{cut}.gpx", full[:cut])
        assert "truncated" in msg and "line" in msg


def test_billion_laughs_refused_at_once(tmp_path: Path) -> None:
    ents = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10))
    doc = (f'<?xml version="1.0"?>\n<!DOCTYPE gpx [{ents}]>\n'
           '<gpx version="1.1" creator="x"><trk><name>&lol9;</name></trk></gpx>')
    t0 = time.perf_counter()
    msg = _err(tmp_path, "lol.gpx", doc)
    assert time.perf_counter() - t0 < 0.5
    assert "DOCTYPE" in msg and "ENTITY" in msg and "billion laughs" in msg


def test_doctype_after_comment_and_external_entity(tmp_path: Path) -> None:
    doc = ('<?xml version="1.0"?><!-- exported --><!DOCTYPE gpx SYSTEM "http://x/gpx.dtd">'
           '<gpx version="1.1" creator="x"/>')
    assert "DOCTYPE" in _err(tmp_path, "dt.gpx", doc)
    doc = ('<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           '<gpx version="1.1" creator="x"><trk><name>&x;</name></trk></gpx>')
    assert "ENTITY" in _err(tmp_path, "xxe.gpx", doc)


def test_no_track_no_route(tmp_path: Path) -> None:
    msg = _err(tmp_path, "w.gpx", gpx_doc('<wpt lat="1" lon="1"/><trk><trkseg/></trk>'))
    assert "neither a track" in msg


@pytest.mark.parametrize(("lat", "what"), [
    ("NaN", "not a decimal number"), ("inf", "not a decimal number"),
    ("91.5", "bad coordinates"), ("1" + "0" * 400, "bad coordinates"),
    ("abc", "not a decimal number"), ("1,5", "not a decimal number"), ("", "not a decimal number"),
    ("4_5.5", "not a decimal number"), ("\u0664\u0665.5", "not a decimal number"),
    ("\uff14\uff15.5", "not a decimal number"), ("\u00a045.5", "not a decimal number"),
    ("45e-400", "not a decimal number"), ("1e5", "not a decimal number"),
    ("0x1p3", "not a decimal number"), ("4.5.5", "not a decimal number"),
])
def test_bad_coordinate_names_point_index(tmp_path: Path, lat: str, what: str) -> None:
    pts = '<trkpt lat="38" lon="90"/>' * 3 + f'<trkpt lat="{lat}" lon="90"/>'
    msg = _err(tmp_path, "bad.gpx", gpx_doc(f"<trk><trkseg>{pts}</trkseg></trk>"))
    assert "point 3" in msg and what in msg
    assert (repr(lat) if len(lat) < 40 else repr(lat[:10])[:-1]) in msg


def test_missing_lon_and_out_of_range_lon(tmp_path: Path) -> None:
    pts = '<trkpt lat="38" lon="90"/><trkpt lat="38"/>'
    assert "point 1" in _err(tmp_path, "m.gpx", gpx_doc(f"<trk><trkseg>{pts}</trkseg></trk>"))
    pts = '<trkpt lat="38" lon="90"/><trkpt lat="38" lon="90"/><trkpt lat="38" lon="-180.5"/>'
    assert "point 2" in _err(tmp_path, "o.gpx", gpx_doc(f"<trk><trkseg>{pts}</trkseg></trk>"))


def test_empty_unknown_missing_and_not_gpx(tmp_path: Path) -> None:
    assert "empty" in _err(tmp_path, "e.gpx", b"")
    assert "extension" in _err(tmp_path, "t.kml", "<kml/>")
    with pytest.raises(TrackError, match="cannot open"):
        read_track(tmp_path / "nope.gpx")
    assert "not <gpx>" in _err(tmp_path, "k.gpx", '<?xml version="1.0"?><kml><trkpt/></kml>')
    assert "not an XML" in _err(tmp_path, "j.gpx", '{"type": "LineString"}')
    assert "bad <ele>" in _err(tmp_path, "ele.gpx", gpx_doc(
        '<trk><trkseg><trkpt lat="1" lon="1"><ele>high</ele></trkpt>'
        '<trkpt lat="2" lon="2"/></trkseg></trk>'))
    assert "at least 2" in _err(tmp_path, "one.gpx", gpx_doc(
        '<trk><trkseg><trkpt lat="1" lon="1"/></trkseg></trk>'))


def test_bad_geojson(tmp_path: Path) -> None:
    assert "not valid JSON at line" in _err(tmp_path, "t.geojson", '{"type": "LineString", ')
    assert "no LineString" in _err(tmp_path, "p.geojson",
                                   '{"type": "Point", "coordinates": [1, 2]}')
    msg = _err(tmp_path, "s.geojson",
               '{"type": "LineString", "coordinates": [[90, 38], ["90", 38.1]]}')
    assert "point 1" in msg
    msg = _err(tmp_path, "n.geojson",
               '{"type": "LineString", "coordinates": [[90, 38], [NaN, 38.1]]}')
    assert "point 1" in msg
    assert "unknown GeoJSON type" in _err(tmp_path, "u.geojson", '{"type": "Polyline"}')


# ------------------------------------------------------------------------------ property


coord = st.tuples(st.floats(-180, 180, allow_nan=False), st.floats(-90, 90, allow_nan=False))


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(coord, min_size=1, max_size=5), min_size=1, max_size=4)
       .filter(lambda segs: sum(len(s) for s in segs) >= 2))
def test_any_valid_segments_read_back_exactly(tmp_path: Path, segs: list[list[tuple[float, float]]]) -> None:
    body = "<trk>" + "".join(trkseg_decimal([c[0] for c in s], [c[1] for c in s])
                             for s in segs) + "</trk>"
    t = read_track(write(tmp_path, "h.gpx", gpx_doc(body)))
    flat = [c for s in segs for c in s]
    assert t.lon.tolist() == [c[0] for c in flat]  # repr() round-trips floats exactly
    assert t.lat.tolist() == [c[1] for c in flat]
    assert t.segment_starts.tolist() == np.cumsum([0] + [len(s) for s in segs[:-1]]).tolist()
    assert len(t.gaps_m) == len(segs) - 1 and all(g >= 0 for g in t.gaps_m)


# ------------------------------------------------------------------- hostile and odd input


def _no_nan(text: str) -> bool:
    import re
    return re.search(r"\bnan\b", re.sub(r"'[^']*'", "", text), re.IGNORECASE) is None


def test_bad_elevations_are_missing_with_one_warning(tmp_path: Path) -> None:
    eles = ["2800", "1e308", "inf", "NaN", "9500", "-600", "-Infinity", "2805.5"]
    pts = "".join(f'<trkpt lat="38" lon="{90 + i / 100}"><ele>{e}</ele></trkpt>'
                  for i, e in enumerate(eles))
    t = read_track(write(tmp_path, "e.gpx", gpx_doc(f"<trk><trkseg>{pts}</trkseg></trk>")))
    assert t.ele is not None
    assert t.ele[0] == 2800 and t.ele[7] == 2805.5 and np.isnan(t.ele[1:7]).all()
    assert len(t.warnings) == 1
    w = t.warnings[0]
    assert all(f"point {i} " in w for i in range(1, 7)) and "point 0 " not in w
    assert "e.gpx" in w and "\n" not in w and _no_nan(w)
    # every elevation bad: no elevation at all, still one warning
    pts = "".join(f'<trkpt lat="38" lon="{90 + i / 100}"><ele>inf</ele></trkpt>' for i in range(3))
    t = read_track(write(tmp_path, "all.gpx", gpx_doc(f"<trk><trkseg>{pts}</trkseg></trk>")))
    assert t.ele is None and len(t.warnings) == 1 and not t.has_elevation


def test_good_file_has_no_warnings(tmp_path: Path) -> None:
    body = f"<trk>{trkseg([90.0, 90.1], [38.0, 38.1], [2800, -12.5])}</trk>"
    assert read_track(write(tmp_path, "g.gpx", gpx_doc(body))).warnings == ()


@pytest.mark.parametrize("ele", ["4_5", "\u0664\u0665", "\uff14\uff15", "high", "1e"])
def test_elevation_not_a_number_is_an_error(tmp_path: Path, ele: str) -> None:
    pts = f'<trkpt lat="1" lon="1"><ele>{ele}</ele></trkpt><trkpt lat="2" lon="2"/>'
    msg = _err(tmp_path, "be.gpx", gpx_doc(f"<trk><trkseg>{pts}</trkseg></trk>"))
    assert "point 0" in msg and "bad <ele>" in msg


def test_geojson_bad_z_is_missing_with_warning_and_bad_xy_is_named(tmp_path: Path) -> None:
    big = "1" + "0" * 400
    text = ('{"type": "LineString", "coordinates": [[90, 38, 2800], [90.1, 38, 1e400], '
            f'[90.2, 38, NaN], [90.3, 38, {big}], [90.4, 38, 20000], [90.5, 38, 2810]]}}')
    t = read_track(write(tmp_path, "z.geojson", text))
    assert t.ele is not None and t.ele[0] == 2800 and t.ele[5] == 2810
    assert np.isnan(t.ele[1:5]).all() and len(t.warnings) == 1 and _no_nan(t.warnings[0])
    for bad in (big, "1e400", "NaN", "-Infinity", "181"):
        text = f'{{"type": "LineString", "coordinates": [[90, 38], [{bad}, 38.1]]}}'
        msg = _err(tmp_path, "xy.geojson", text)
        assert "point 1" in msg and _no_nan(msg), msg
    msg = _err(tmp_path, "digits.geojson",
               '{"type": "LineString", "coordinates": [[90, 38], [' + "9" * 5000 + ", 38]]}")
    assert "digits" in msg


def test_geojson_nested_100000_deep_fails_fast_and_clean(tmp_path: Path) -> None:
    t0 = time.perf_counter()
    msg = _err(tmp_path, "deep.geojson", "[" * 100_000 + "]" * 100_000)
    assert "nested too deeply" in msg
    wrap = '{"type": "GeometryCollection", "geometries": ['
    line = '{"type": "LineString", "coordinates": [[90, 38], [90.1, 38]]}'
    msg = _err(tmp_path, "gc.geojson", wrap * 100 + line + "]}" * 100)
    assert "nested more than" in msg
    assert time.perf_counter() - t0 < 2.0


def test_long_prolog_comment_with_lt_is_read(tmp_path: Path) -> None:
    comment = "<!-- exported; " + "a < b, " * 10_000 + " -->\n"  # 70 KB, more than one read
    body = f"<trk>{trkseg([90.0, 90.1], [38.0, 38.1])}</trk>"
    doc = gpx_doc(body, decl='<?xml version="1.0" encoding="UTF-8"?>\n' + comment)
    assert len(comment) > 64 * 1024
    assert read_track(write(tmp_path, "c.gpx", doc)).lon.tolist() == [90.0, 90.1]
    # a prolog that really never ends is still refused as truncated
    assert "truncated" in _err(tmp_path, "t.gpx", '<?xml version="1.0"?>\n' + comment[:-5])


def test_huge_attribute_costs_linear_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """expat 2.5 re-scans an incomplete token on every feed: with 4 KiB feeds a 4 MB attribute
    would be re-scanned ~1,000 times (~4 GB). The reader grows its feeds while a token is
    incomplete, so the whole read stays well under a second."""
    import geo.readers as r
    monkeypatch.setattr(r, "_CHUNK", 4096)
    body = f"<trk>{trkseg([90.0, 90.1], [38.0, 38.1])}</trk>"
    doc = gpx_doc(body, extra_ns=' note="' + "x" * 4_000_000 + '"')
    p = write(tmp_path, "attr.gpx", doc)
    t0 = time.perf_counter()
    t = r._read_gpx_strict(p, str(p))  # the strict reader (the fast path declines such a file)
    assert time.perf_counter() - t0 < 1.5
    assert t.lon.tolist() == [90.0, 90.1]
    assert read_track(p).lon.tolist() == [90.0, 90.1]


def test_route_points_only_like_expertgps(tmp_path: Path) -> None:
    """GPX 1.0 with waypoints and one route (a loop back to the start, points carrying ele,
    time, name, CDATA descriptions): the route points, in order, with their elevations."""
    lat = [42.43, 42.4312, 42.435, 42.4368, 42.439, 42.4368, 42.4312, 42.43]
    lon = [-71.1076, -71.1092, -71.1099, -71.1132, -71.1145, -71.1132, -71.1092, -71.1076]
    wpts = "".join(f'<wpt lat="{a}" lon="{b}"><ele>99</ele><name>W{i}</name></wpt>\n'
                   for i, (a, b) in enumerate(zip(lat[:3], lon[:3], strict=True)))
    rpts = "".join(f'<rtept lat="{a:.6f}" lon="{b:.6f}">\n <ele>{20 + i}.5</ele>\n'
                   f" <time>2001-06-02T00:18:{i:02d}Z</time>\n <name>P{i}</name>\n"
                   f" <desc><![CDATA[point {i}]]></desc>\n</rtept>\n"
                   for i, (a, b) in enumerate(zip(lat, lon, strict=True)))
    body = f"{wpts}<rte>\n <name>LOOP</name>\n <number>1</number>\n{rpts}</rte>\n"
    t = read_track(write(tmp_path, "expertgps.gpx", gpx_doc(body, version="1.0")))
    assert t.lat.tolist() == lat and t.lon.tolist() == lon
    assert t.ele is not None and t.ele.tolist() == [20.5 + i for i in range(8)]
    assert t.segment_starts.tolist() == [0] and t.gaps_m == () and t.warnings == ()
    from geo.lrs import MeasuredLine
    line = MeasuredLine(t.lon, t.lat)
    assert np.isfinite(line.along_m).all() and line.length_m > 1000


def test_fast_path_keeps_the_strict_checks(tmp_path: Path) -> None:
    """A big regular file with one bad point still names it; DOCTYPE still refused; gaps."""
    rows = "".join(f'<trkpt lat="{38 + i * 1e-5:.7f}" lon="90.1"><ele>1</ele></trkpt>'
                   for i in range(20_000))
    bad = rows + '<trkpt lat="38.5" lon="9O.1"><ele>1</ele></trkpt>' + rows
    msg = _err(tmp_path, "big.gpx", gpx_doc(f"<trk><trkseg>{bad}</trkseg></trk>"))
    assert "point 20000" in msg and "'9O.1'" in msg
    dt = gpx_doc(f"<trk><trkseg>{rows}</trkseg></trk>",
                 decl='<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY a "b">]>')
    assert "DOCTYPE" in _err(tmp_path, "dt.gpx", dt)
    two = gpx_doc(f"<trk><trkseg>{rows}</trkseg><trkseg>{rows}</trkseg></trk>")
    t = read_track(write(tmp_path, "two.gpx", two))
    assert t.segment_starts.tolist() == [0, 20_000]
    assert t.gaps_m == pytest.approx((GEOD.inv(90.1, 38 + 19_999e-5, 90.1, 38.0)[2],))
