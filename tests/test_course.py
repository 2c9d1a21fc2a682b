"""maps._course.build_course: one course, shared by the GPX/FIT/TCX writers and the cue card.

Read back with independent readers (gpxpy, fitdecode, garmin-fit-sdk, ElementTree); lengths
checked against pyproj directly.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import fitdecode
import gpxpy
import numpy as np
import pyproj
import pytest
from garmin_fit_sdk import Decoder, Stream

from geo.lrs import MeasuredLine
from geo.track import Track
from maps._course import along_of, build_course
from maps.devices import TCX_POINT_TYPES, fit_course_point_type, tcx_point_type
from maps.fit import write_fit
from maps.gpx import write_gpx
from maps.tcx import TCX_NS, write_tcx
from tests._gpxfixtures import KINDS, along, events_for, zigzag_track


@pytest.fixture(scope="module")
def track() -> Track:
    return zigzag_track(4000, segments=2)


def test_lengths_from_the_line_equal_pyproj_also_with_repeated_points() -> None:
    lon = np.array([90.0, 90.001, 90.001, 90.003, 90.003, 90.003, 90.01])
    lat = np.array([38.0, 38.001, 38.001, 38.0, 38.0, 38.0, 38.002])
    t = Track(lon, lat)
    got = along_of(t, MeasuredLine(lon, lat))
    _, _, d = pyproj.Geod(ellps="WGS84").inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
    np.testing.assert_allclose(got, np.concatenate([[0.0], np.cumsum(d)]), atol=1e-6)
    assert len(got) == len(t)


def test_one_simplification_for_fit_and_tcx(tmp_path: Path, track: Track) -> None:
    c = build_course(track, along(track), events_for(track, along(track)), name="Shared line")
    assert c.line(500) is c.line(500) and len(c.line(500)) <= 500
    assert c.line(None).lon is track.lon  # the full line is the track itself, no copy
    write_fit(tmp_path / "c.fit", c, max_points=500)
    write_tcx(tmp_path / "c.tcx", c, max_points=500)
    with fitdecode.FitReader(str(tmp_path / "c.fit"), check_crc=fitdecode.CrcCheck.RAISE) as r:
        fit = [(f.get_value("position_lat") * 180 / 2**31, f.get_value("distance")) for f in r
               if isinstance(f, fitdecode.FitDataMessage) and f.name == "record"]
    ns = {"t": TCX_NS}
    tps = ET.parse(tmp_path / "c.tcx").getroot().findall(".//t:Trackpoint", ns)
    tcx = [(float(tp.findtext("t:Position/t:LatitudeDegrees", namespaces=ns) or "nan"),
            float(tp.findtext("t:DistanceMeters", namespaces=ns) or "nan")) for tp in tps]
    assert len(fit) == len(tcx) == len(c.line(500))
    np.testing.assert_allclose(np.array(fit), np.array(tcx), atol=1e-6 + 0.01)


def test_typed_points_are_what_the_files_say(tmp_path: Path, track: Track) -> None:
    a = along(track)
    ev = events_for(track, a)
    c = build_course(track, a, ev, name="Typed", description="d")
    kinds = [k for k in KINDS if k != "km_marker"]
    assert [q.kind for q in c.cues] == kinds
    for q in c.cues:
        assert q.fit == fit_course_point_type(q.kind, q.layer) and q.tcx == tcx_point_type(q.kind, q.layer)
        assert q.tcx in TCX_POINT_TYPES and len(q.name15) <= 15 and q.name15.isascii() and len(q.name10) <= 10
        assert isinstance(q.along_m, float) and "nan" not in q.note.lower()
    write_fit(tmp_path / "c.fit", c)
    write_gpx(tmp_path / "c.gpx", c)
    msgs, errors = Decoder(Stream.from_file(str(tmp_path / "c.fit"))).read(enable_crc_check=True)
    assert errors == []
    assert [(m["name"], m["type"]) for m in msgs["course_point_mesgs"]] == [(q.name, q.fit) for q in c.cues]
    g = gpxpy.parse((tmp_path / "c.gpx").read_text(encoding="utf-8"))
    assert [(w.name, w.symbol, w.type) for w in g.waypoints] == [(w.name, w.sym, w.type) for w in c.waypoints]


def test_missing_values_and_placing_by_distance(track: Track) -> None:
    a = along(track)
    ev = events_for(track, a, ["water", "camping", "checkpoint"])
    ev.loc[0, "geometry"] = None      # placed by distance only: the line's point there
    ev.loc[1, ["km", "km_pos", "name", "side"]] = [np.nan, np.nan, None, None]
    ev.loc[2, "along_m"] = a[-1] + 500.0  # beyond the end: not a course point, still a waypoint
    line = MeasuredLine(track.lon, track.lat)
    c = build_course(track, None, ev, name="x", line=line)
    assert [q.kind for q in c.cues] == ["water", "camping"]
    water = c.cues[0]
    d, off = line.locate(water.lon, water.lat)
    assert off[0] < 0.01 and abs(d[0] - water.along_m) < 0.01
    camp = next(p for p in c.points if p.kind == "camping")
    assert camp.km is None and camp.km_pos is None and camp.name == "" and camp.side == ""
    assert len(c.waypoints) == 3 and c.skipped_course == ["checkpoint 'Checkpoint number 2': no along-track position"]


def test_fit_altitude_missing_on_some_vertices(tmp_path: Path) -> None:
    t = zigzag_track(50)
    assert t.ele is not None
    ele = t.ele.copy()
    ele[[3, 10]] = np.nan
    t2 = Track(t.lon, t.lat, ele, t.segment_starts, source="x")
    write_fit(tmp_path / "e.fit", build_course(t2, along(t2), None, name="ele"), max_points=None)
    msgs, errors = Decoder(Stream.from_file(str(tmp_path / "e.fit"))).read(enable_crc_check=True)
    assert errors == []
    recs = msgs["record_mesgs"]
    assert "altitude" not in recs[3] and "altitude" not in recs[10]
    np.testing.assert_allclose(recs[4]["altitude"], ele[4], atol=0.2)


def test_simplification_reuses_the_line_projection(track: Track) -> None:
    from maps.simplify import simplify_to_budget

    line = MeasuredLine(track.lon, track.lat)
    c = build_course(track, None, None, name="xy", line=line)
    assert c.xy is not None and c.xy[0] is line.x
    own = simplify_to_budget(track.lon, track.lat, 300, track.segment_starts)
    np.testing.assert_array_equal(c.line(300).lon, track.lon[own.keep])
    assert c.line(300).max_deviation_m == pytest.approx(own.max_deviation_m, abs=1e-6)


@pytest.mark.parametrize("budget", [3, 40, 300, 5_000])
def test_simplification_through_the_lines_douglas_peucker_is_the_same(budget: int) -> None:
    """The tries on the full line asked of MeasuredLine.douglas_peucker (shared with the map page,
    perhaps made by an earlier, finer call) give what simplifying the line itself gives."""
    from maps.html import _kept_vertices
    from maps.simplify import simplify_to_budget

    rng = np.random.default_rng(budget)
    n = 20_000
    lon = 90.0 + np.cumsum(rng.uniform(0, 3e-4, n))
    lat = 38.0 + np.cumsum(rng.normal(0, 1e-4, n))
    t = Track(lon, lat, None, np.array([0]), source="x")
    own = simplify_to_budget(t.lon, t.lat, budget, t.segment_starts)
    line = MeasuredLine(lon, lat)
    line.douglas_peucker(0.3)  # a finer result known before: the later ones start from it
    shared = simplify_to_budget(t.lon, t.lat, budget, t.segment_starts, xy=(line.x, line.y), dp=line.douglas_peucker)
    np.testing.assert_array_equal(shared.keep, own.keep)
    assert shared.max_deviation_m == own.max_deviation_m and shared.tolerance_m == own.tolerance_m
    c = build_course(t, None, None, name="dp", line=line)
    assert c.dp is not None
    np.testing.assert_array_equal(c.line(budget).lon, lon[own.keep])
    # the map page's companion vertices from the same cache: what doubling on the full line keeps
    import shapely
    g = shapely.linestrings(line.x, line.y, np.arange(n, dtype=np.float64))
    tol = 2.0
    while len(z := shapely.get_coordinates(shapely.simplify(g, tol, preserve_topology=False),
                                           include_z=True)[:, 2]) > budget:
        tol *= 2
    np.testing.assert_array_equal(_kept_vertices(line, 2.0, budget), z.astype(np.int64))


def test_max_deviation_is_the_distance_to_the_replacing_segment() -> None:
    """Measured against a plain loop over the vertices (kept ends inside the line too)."""
    from maps.simplify import max_deviation

    rng = np.random.default_rng(3)
    x, y = np.cumsum(rng.normal(0, 1, 500)), np.cumsum(rng.normal(0, 1, 500))
    for keep in (np.array([0, 499]), np.array([0, 7, 8, 200, 499]), np.array([5, 40, 300]),
                 np.arange(500)):
        want = 0.0
        for i in range(500):
            j = min(max(int(np.searchsorted(keep, i, side="right")) - 1, 0), len(keep) - 2)
            a, b = keep[j], keep[j + 1]
            d = np.array([x[b] - x[a], y[b] - y[a]])
            t = 0.0 if not d.any() else float(np.clip(((x[i] - x[a]) * d[0] + (y[i] - y[a]) * d[1]) / (d @ d), 0, 1))
            want = max(want, float(np.hypot(x[i] - (x[a] + t * d[0]), y[i] - (y[a] + t * d[1]))))
        assert max_deviation(x, y, keep) == pytest.approx(want, rel=1e-12)
