"""maps.gpx.write_gpx: valid GPX 1.1, read back by our reader, gpxpy and the kit's validators."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from pathlib import Path

import gpxpy
import numpy as np
import pytest
import shapely

from geo.crs import LocalProjection
from geo.errors import OutputError
from geo.readers import read_track
from geo.track import Track
from maps._course import build_course
from maps.devices import KAROO_TYPES, OSMAND_NS, PROFILES
from maps.gpx import SourceLink, write_gpx
from tests._gpxfixtures import (
    GPX11,
    KINDS,
    KIT,
    along,
    events_for,
    kit_ready,
    run_kit,
    zigzag_track,
)

NS = {"g": GPX11}


@pytest.fixture(scope="module")
def route() -> tuple[Track, np.ndarray]:
    t = zigzag_track(5000, segments=2)
    return t, along(t)


def _write(tmp: Path, route: tuple[Track, np.ndarray], name: str = "o.gpx", **kw: object) -> Path:
    t, a = route
    ev = kw.pop("events", events_for(t, a))
    p = tmp / name
    wk = {k: kw.pop(k) for k in ("as_route", "max_points", "time") if k in kw}
    course = build_course(t, a, ev, name="G315 Huatugou - Ruoqiang", description="test route",
                          sources=[SourceLink("Forum post & notes", "https://example.org/t?a=1&b=2", "CC-BY")],
                          **kw)  # type: ignore[arg-type]
    write_gpx(p, course, **wk)  # type: ignore[arg-type]
    return p


def test_round_trip_our_reader_and_gpxpy(tmp_path: Path, route: tuple[Track, np.ndarray]) -> None:
    t, _a = route
    p = _write(tmp_path, route)
    back = read_track(p)
    assert len(back) == len(t)
    np.testing.assert_allclose(back.lon, t.lon, atol=5.1e-8)
    np.testing.assert_allclose(back.lat, t.lat, atol=5.1e-8)
    assert back.segment_starts.tolist() == t.segment_starts.tolist()
    assert back.ele is not None and t.ele is not None
    np.testing.assert_allclose(back.ele, t.ele, atol=0.051)
    g = gpxpy.parse(p.read_text(encoding="utf-8"))
    assert sum(len(s.points) for s in g.tracks[0].segments) == len(t)
    assert len(g.waypoints) == len(KINDS) - 1  # km_marker rows come only from km_markers_every
    names = [w.name for w in g.waypoints]
    assert len(set(names)) == len(names)
    assert all(w.name and len(w.name) <= 15 and w.name.isascii() for w in g.waypoints)
    assert all(w.type in KINDS for w in g.waypoints)
    assert all(w.description and "forum post" in w.description for w in g.waypoints)
    assert g.link == "https://example.org/t?a=1&b=2"


def test_every_event_is_a_waypoint_at_its_position(tmp_path: Path,
                                                   route: tuple[Track, np.ndarray]) -> None:
    t, a = route
    ev = events_for(t, a)
    root = ET.parse(_write(tmp_path, route, events=ev)).getroot()
    wpts = root.findall("g:wpt", NS)
    got = sorted((float(w.get("lon", "nan")), float(w.get("lat", "nan"))) for w in wpts)
    want = sorted((g.x, g.y) for g, k in zip(ev.geometry, ev.kind, strict=True)
                  if k != "km_marker")
    np.testing.assert_allclose(got, want, atol=5.1e-8)


def test_schema_order_and_text_escaping(tmp_path: Path, route: tuple[Track, np.ndarray]) -> None:
    t, a = route
    nasty = ["Cafe <b> & \"x\" \x07\x1b end"] + [f"n{i}" for i in range(len(KINDS) - 1)]
    p = _write(tmp_path, route, events=events_for(t, a, names=nasty))
    raw = p.read_bytes()
    assert b"\x07" not in raw and b"\x1b" not in raw
    root = ET.fromstring(raw)  # well-formed
    w = root.find("g:wpt", NS)
    assert w is not None
    assert [c.tag.split("}")[1] for c in w] == ["name", "cmt", "desc", "src", "sym", "type"]
    assert "<b> & \"x\"" in (w.findtext("g:desc", "", NS))
    meta = root.find("g:metadata", NS)
    assert meta is not None
    assert [c.tag.split("}")[1] for c in meta] == ["name", "desc", "copyright", "link", "time",
                                                   "bounds"]


def test_schematic_is_said(tmp_path: Path) -> None:
    t = Track(np.array([90.0, 91.0]), np.array([38.0, 38.5]), source="straight lines between "
              "towns", schematic=True)
    p = tmp_path / "s.gpx"
    write_gpx(p, build_course(t, along(t), None, name="x", description="d"))
    g = gpxpy.parse(p.read_text(encoding="utf-8"))
    assert g.description is not None and g.description.startswith("SCHEMATIC LINE")
    assert g.tracks[0].description is not None and "SCHEMATIC" in g.tracks[0].description
    assert g.waypoints == []


def test_karoo_uses_only_its_types(tmp_path: Path, route: tuple[Track, np.ndarray]) -> None:
    root = ET.parse(_write(tmp_path, route, profile="karoo", km_markers_every=20)).getroot()
    vals = {e.text for w in root.findall("g:wpt", NS) for e in w
            if e.tag in (f"{{{GPX11}}}type", f"{{{GPX11}}}sym")}
    assert vals and vals <= set(KAROO_TYPES)
    # a nature park is not a parking area (issue 11): Karoo "Parking" is not used
    assert {"Camping", "Water", "Food", "Danger", "Summit", "Generic"} <= vals


def test_garmin_and_osmand_profiles(tmp_path: Path, route: tuple[Track, np.ndarray]) -> None:
    root = ET.parse(_write(tmp_path, route, name="g.gpx")).getroot()
    syms = {w.findtext("g:type", "", NS): w.findtext("g:sym", "", NS)
            for w in root.findall("g:wpt", NS)}
    assert syms["camping"] == "Campground" and syms["water"] == "Drinking Water"
    assert syms["hazard"] == "Danger Area" and syms["something_new"] == "Flag, Blue"
    p = _write(tmp_path, route, name="o.gpx", profile="osmand")
    assert f'xmlns:osmand="{OSMAND_NS}"' in p.read_text(encoding="utf-8")[:600]
    root = ET.parse(p).getroot()
    w = root.findall("g:wpt", NS)[0]
    assert w.find("g:sym", NS) is None
    assert w.find(f"g:extensions/{{{OSMAND_NS}}}icon", NS) is not None
    g = gpxpy.parse(p.read_text(encoding="utf-8"))
    assert len(g.waypoints) == len(KINDS) - 1


def test_route_variant_and_budget(tmp_path: Path, route: tuple[Track, np.ndarray]) -> None:
    t, a = route
    p = tmp_path / "r.gpx"
    rep = write_gpx(p, build_course(t, a, events_for(t, a), name="r", description="d"), as_route=True, max_points=500)
    g = gpxpy.parse(p.read_text(encoding="utf-8"))
    assert g.tracks == [] and len(g.routes) == 2  # one <rte> per segment
    n = sum(len(r.points) for r in g.routes)
    assert n == rep.track_points <= 500 and rep.input_points == len(t)
    assert rep.max_deviation_m > 0 and rep.warnings
    # independent check of the reported deviation: every original vertex lies within it
    proj = LocalProjection.centred_on(t.lon, t.lat)
    x, y = proj.forward(t.lon, t.lat)
    worst = 0.0
    for i, r in enumerate(g.routes):
        sx, sy = proj.forward(np.array([q.longitude for q in r.points]),
                              np.array([q.latitude for q in r.points]))
        line = shapely.LineString(np.c_[sx, sy])
        lo = t.segment_starts[i]
        hi = t.segment_starts[i + 1] if i + 1 < len(t.segment_starts) else len(t)
        d = shapely.distance(shapely.points(x[lo:hi], y[lo:hi]), line)
        worst = max(worst, float(d.max()))
    assert worst <= rep.max_deviation_m + 0.02
    assert worst >= 0.5 * rep.max_deviation_m


def test_km_markers_every_n_km(tmp_path: Path, route: tuple[Track, np.ndarray]) -> None:
    _t, a = route
    p = _write(tmp_path, route, events=None, km_markers_every=25)
    root = ET.parse(p).getroot()
    names = [w.findtext("g:name", "", NS) for w in root.findall("g:wpt", NS)]
    assert names == [f"km {k}" for k in range(25, int(a[-1] / 1000) + 1, 25)]


def test_layer_selection(tmp_path: Path, route: tuple[Track, np.ndarray]) -> None:
    p = _write(tmp_path, route, layers={"camping"})
    root = ET.parse(p).getroot()
    assert [w.findtext("g:type", "", NS) for w in root.findall("g:wpt", NS)] == ["camping"]


def test_atomic_failure_keeps_old_file(tmp_path: Path, route: tuple[Track, np.ndarray]) -> None:
    t, a = route
    p = tmp_path / "keep.gpx"
    p.write_text("old", encoding="utf-8")

    class Unprintable:
        def __str__(self) -> str:
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        write_gpx(p, build_course(t, a, None, name=Unprintable(), description="d"))  # type: ignore[arg-type]
    assert p.read_text(encoding="utf-8") == "old"
    assert [f.name for f in tmp_path.iterdir()] == ["keep.gpx"]
    with pytest.raises(OutputError, match="cannot write"):
        write_gpx(tmp_path / "no" / "x.gpx", build_course(t, a, None, name="x", description="d"))


def test_writer_much_faster_than_gpxpy(tmp_path: Path) -> None:
    t = zigzag_track(200_000)
    a = along(t)
    t0 = time.perf_counter()
    write_gpx(tmp_path / "f.gpx", build_course(t, a, None, name="x", description="d"))
    ours = time.perf_counter() - t0
    g = gpxpy.gpx.GPX()
    trk = gpxpy.gpx.GPXTrack()
    seg = gpxpy.gpx.GPXTrackSegment()
    assert t.ele is not None
    seg.points = [gpxpy.gpx.GPXTrackPoint(y, x, elevation=e)
                  for x, y, e in zip(t.lon.tolist(), t.lat.tolist(), t.ele.tolist(), strict=True)]
    trk.segments.append(seg)
    g.tracks.append(trk)
    t0 = time.perf_counter()
    g.to_xml()
    theirs = time.perf_counter() - t0
    assert theirs / ours >= 4, f"ours {ours:.2f}s, gpxpy to_xml {theirs:.2f}s"


@pytest.mark.kit
@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_kit_check_gpx(tmp_path: Path, route: tuple[Track, np.ndarray], profile: str) -> None:
    why = kit_ready("check_gpx.sh")
    if why:
        pytest.skip(why)
    p = _write(tmp_path, route, name=f"{profile}.gpx", profile=profile, km_markers_every=50)
    out = run_kit("check_gpx.sh", p)
    assert "RESULT: PASS" in out and "valid against gpx.xsd" in out
    if profile != "osmand":
        assert "WARN" not in out
    p = _write(tmp_path, route, name=f"{profile}-rte.gpx", profile=profile, as_route=True,
               max_points=1000)
    assert "RESULT: PASS" in run_kit("check_gpx.sh", p)


@pytest.mark.kit
@pytest.mark.slow
def test_million_point_track_outputs_validate(tmp_path: Path) -> None:
    """1,000,000 points: read back exactly; default GPX/FIT/TCX outputs pass independent checks.

    The full ``check_gpx.sh`` takes over 5 minutes on this file (gpsbabel's TCX conversion and
    its schema check dominate), so the GPX is checked here with the kit's two independent core
    steps, xmllint against the GPX 1.1 XSD and GDAL's counts, plus gpsbabel's GPX read-back;
    FIT/TCX (default 20,000-point budget) go through the full kit scripts.
    """
    import subprocess

    import pyogrio

    from maps.fit import write_fit
    from maps.tcx import write_tcx

    why = kit_ready("check_fit.py") or kit_ready("check_tcx.sh")
    if why:
        pytest.skip(why)
    t = zigzag_track(1_000_000, segments=3)
    a = along(t)
    ev = events_for(t, a)
    p = tmp_path / "m.gpx"
    write_gpx(p, build_course(t, a, ev, name="million", description="1M points"))
    back = read_track(p)
    assert len(back) == len(t) and back.segment_starts.tolist() == t.segment_starts.tolist()
    np.testing.assert_allclose(back.lat, t.lat, atol=5.1e-8)
    x = subprocess.run(["xmllint", "--noout", "--nonet", "--schema",
                        str(KIT / "schemas" / "gpx.xsd"), str(p)], capture_output=True,
                       text=True, timeout=120)
    assert x.returncode == 0, x.stderr[-2000:]
    info = pyogrio.read_info(p, layer="track_points", force_feature_count=True)
    assert info["features"] == len(t)
    # gpsbabel as a third independent reader (its GPX round trip; the slow TCX step is left out)
    babel = tmp_path / "babel.gpx"
    b = subprocess.run(["gpsbabel", "-i", "gpx", "-f", str(p), "-o", "gpx", "-F", str(babel)],
                       capture_output=True, text=True, timeout=300)
    assert b.returncode == 0 and not b.stderr.strip(), b.stderr[-2000:]
    assert babel.read_text(encoding="utf-8").count("<trkpt ") == len(t)
    assert pyogrio.read_info(p, layer="waypoints", force_feature_count=True)["features"] == \
        len(KINDS) - 1
    f = tmp_path / "m.fit"
    rep = write_fit(f, build_course(t, a, ev, name="million"))
    assert rep.track_points <= 20_000 and rep.max_deviation_m > 0
    assert "RESULT: PASS --" in run_kit("check_fit.py", f)
    c = tmp_path / "m.tcx"
    write_tcx(c, build_course(t, a, ev, name="million"))
    assert "RESULT: PASS" in run_kit("check_tcx.sh", c)
