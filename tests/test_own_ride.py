"""A rider's own notes on their own track (issue 9): placed by distance, partial and reversed rides,
foreign tracks refused, the user's draft edits kept, all roadbook errors at once.

Real tracks come from three apps (Ride with GPS, Gaia GPS, GPSBabel), read from the validation kit's
public samples at test time (../shared/kit/samples/SOURCES.md gives their repositories and licences);
nothing of them is copied into the project. The notes are our own words in the forms riders write.
Outputs are read back with independent readers (gpxpy, pyogrio, garmin-fit-sdk), and the distances
along the track are measured here with pyproj and shapely, not with kmpost's own referencing.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import gpxpy
import numpy as np
import pyogrio
import pytest
import shapely
from pyproj import Geod, Transformer

from tests._gpxfixtures import KIT
from tests.conftest import ROOT

SAMPLES = KIT / "samples" / "public"
GEOD = Geod(ellps="WGS84")
needs_samples = pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"kit samples not found at {SAMPLES}")


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "cli.py"), *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})


class Polyline:
    """The track as read by gpxpy (segments joined in order), measured independently of kmpost."""

    def __init__(self, path: Path):
        with open(path, encoding="utf-8") as f:
            g = gpxpy.parse(f)
        pts = [(p.longitude, p.latitude) for t in g.tracks for s in t.segments for p in s.points]
        if not pts:
            pts = [(p.longitude, p.latitude) for r in g.routes for p in r.points]
        arr = np.array(pts, dtype=float)
        keep = np.ones(len(arr), dtype=bool)
        keep[1:] = np.any(np.diff(arr, axis=0) != 0, axis=1)
        self.lon, self.lat = arr[keep, 0], arr[keep, 1]
        seg = GEOD.line_lengths(self.lon, self.lat) if len(self.lon) > 1 else np.zeros(0)
        self.along = np.concatenate([[0.0], np.cumsum(seg)])
        lon0, lat0 = float(self.lon.mean()), float(self.lat.mean())
        self.tr = Transformer.from_crs("EPSG:4326", f"+proj=aeqd +lon_0={lon0} +lat_0={lat0} +datum=WGS84",
                                       always_xy=True)
        x, y = self.tr.transform(self.lon, self.lat)
        self.line = shapely.LineString(np.column_stack([x, y]))

    @property
    def length_m(self) -> float:
        return float(self.along[-1])

    def locate(self, lon: float, lat: float) -> tuple[float, float]:
        """(geodesic metres along the track, metres off it) of the nearest track point."""
        x, y = self.tr.transform(lon, lat)
        p = shapely.Point(x, y)
        d = self.line.project(p)
        coords = np.asarray(self.line.coords)
        seg = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(coords, axis=0).T))])
        i = min(int(np.searchsorted(seg, d, side="right")) - 1, len(seg) - 2)
        f = 0.0 if seg[i + 1] == seg[i] else (d - seg[i]) / (seg[i + 1] - seg[i])
        return float(self.along[i] + f * (self.along[i + 1] - self.along[i])), float(self.line.distance(p))


def waypoints(gpx_path: Path) -> list[gpxpy.gpx.GPXWaypoint]:
    with open(gpx_path, encoding="utf-8") as f:
        return list(gpxpy.parse(f).waypoints)


def assert_points_sourced(out: Path, track: Polyline, place_coords: list[tuple[float, float]]) -> None:
    """Every point of every output layer lies on the track (1 m) or is a sourced place coordinate."""
    for gj in sorted(out.glob("*.geojson")):
        fc = json.loads(gj.read_text(encoding="utf-8"))
        for feat in fc["features"]:
            geom = feat["geometry"]
            if geom is None or geom["type"] != "Point":
                continue
            lon, lat = geom["coordinates"][:2]
            assert (lon, lat) != (0.0, 0.0), gj.name
            _, off = track.locate(lon, lat)
            sourced = any(abs(lon - x) < 1e-5 and abs(lat - y) < 1e-5 for x, y in place_coords)
            assert off < 1.0 or sourced, f"{gj.name}: {feat['properties'].get('name')} at {lon},{lat} is {off:.0f} m " \
                                         "off the track and no source gives it"
    for w in waypoints(out / "kmpost.gpx"):
        _, off = track.locate(w.longitude, w.latitude)
        sourced = any(abs(w.longitude - x) < 1e-5 and abs(w.latitude - y) < 1e-5 for x, y in place_coords)
        assert off < 1.0 or sourced, f"GPX waypoint {w.name} is {off:.0f} m off the track"


# (sample file, app, notes, {sentence start: expected metres along the track or None = computed})
RIDES = {
    "ridewithgps": (
        "coursepointer_cptr003.gpx",
        "We set off early in the morning, the fog still on the hills.\n"
        "After 5 km a spring on the left, good water.\n"
        "At 12 km the campsite by the creek, 10 dollars a night.\n"
        "Another 8 km to a small shop with cold drinks.\n"
        "1 km before Saratoga a bike shop on the right.\n",
        {"After 5 km": 5_000.0, "At 12 km": 12_000.0, "Another 8 km": 20_000.0, "1 km before Saratoga": None},
    ),
    "gaiagps": (
        "coursepointer_cptr004.gpx",
        "Short loop today.\nAfter 2 km a spring beside the trail.\nAt 4.5 km a viewpoint over the bay.\n"
        "1.5 km later a campsite in the trees.\n",
        {"After 2 km": 2_000.0, "At 4.5 km": 4_500.0, "1.5 km later": 6_000.0},
    ),
    "gpsbabel": (
        "gpxpy_korita-zbevnica.gpx",
        "At 5 km water from a tap at the church.\nAfter another 7 km a shop, closed on Sundays.\n"
        "6 km later we camped in a meadow.\n",
        {"At 5 km": 5_000.0, "After another 7 km": 12_000.0, "6 km later": 18_000.0},
    ),
}


@needs_samples
@pytest.mark.parametrize("app", sorted(RIDES))
def test_notes_on_a_real_track_land_within_one_percent(tmp_path: Path, app: str) -> None:
    sample, notes_text, expected = RIDES[app]
    track_path = SAMPLES / sample
    notes = tmp_path / "notes.txt"
    notes.write_text(notes_text, encoding="utf-8")
    out = tmp_path / "out"
    res = run(["build", "--notes", str(notes), "--track", str(track_path), "--out", str(out)], tmp_path)
    assert res.returncode == 0, res.stderr
    assert "km 0 is the start of the track" in res.stderr
    track = Polyline(track_path)
    draft = (out / "draft-roadbook.yaml").read_text(encoding="utf-8")
    import yaml

    places = [(p["lon"], p["lat"]) for p in yaml.safe_load(draft).get("places") or [] if "lon" in p]
    feats = [f for name in ("road_events", "camping", "checkpoints") for f in
             json.loads((out / f"{name}.geojson").read_text(encoding="utf-8"))["features"]]
    wpts = waypoints(out / "kmpost.gpx")
    for start, want in expected.items():
        hits = [f for f in feats if f["properties"]["note"].startswith(start)]
        assert len(hits) == 1, (start, [f["properties"]["note"] for f in feats])
        lon, lat = hits[0]["geometry"]["coordinates"][:2]
        got, off = track.locate(lon, lat)
        assert off < 1.0
        if want is None:  # "1 km before Saratoga": Saratoga (GeoNames) projected on the track, minus 1 km
            sar = [xy for xy in places if abs(xy[1] - 37.26) < 0.05]
            assert sar, places
            want = track.locate(*sar[0])[0] - 1_000.0
        assert abs(got - want) <= 0.01 * want, f"{start}: {got:.0f} m along the track, expected {want:.0f} m"
        # the GPX waypoint of the same note sits at the same point
        assert any(abs(w.longitude - lon) < 1e-5 and abs(w.latitude - lat) < 1e-5 for w in wpts), start
    assert_points_sourced(out, track, places)
    assert "Not placed" not in draft


@needs_samples
def test_start_km_and_anchor_give_road_km_of_the_notes(tmp_path: Path) -> None:
    track_path = SAMPLES / "gpxpy_korita-zbevnica.gpx"
    notes = tmp_path / "n.txt"
    notes.write_text("At km 1205 a checkpoint on the right.\nAt km 1210 water from a spring.\n", encoding="utf-8")
    out = tmp_path / "out"
    # road km posts and nothing that ties them to the track: a clear stop, with the fix
    res = run(["build", "--notes", str(notes), "--track", str(track_path), "--out", str(out)], tmp_path)
    assert res.returncode == 2
    assert "--start-km" in res.stderr and "Traceback" not in res.stderr
    assert (out / "draft-roadbook.yaml").exists()  # kept for the user to add an anchor
    # --start-km: the first track point is road km 1200
    res = run(["build", "--notes", str(notes), "--track", str(track_path), "--start-km", "1200", "--out", str(out)],
              tmp_path)
    assert res.returncode == 0, res.stderr
    track = Polyline(track_path)
    cp = pyogrio.read_dataframe(out / "checkpoints.geojson")
    assert list(cp["km"]) == [1205]
    along, _ = track.locate(cp.geometry.iloc[0].x, cp.geometry.iloc[0].y)
    assert abs(along - 5_000) <= 50
    # --anchor LAT,LON=KM at the track's 10th point says the same in another way
    lon, lat = track.lon[10], track.lat[10]
    k10 = 1200 + track.along[10] / 1000
    out2 = tmp_path / "out2"
    res = run(["build", "--notes", str(notes), "--track", str(track_path), "--anchor", f"{lat:.7f},{lon:.7f}={k10:.4f}",
               "--out", str(out2)], tmp_path)
    assert res.returncode == 0, res.stderr
    cp2 = pyogrio.read_dataframe(out2 / "checkpoints.geojson")
    along2, _ = track.locate(cp2.geometry.iloc[0].x, cp2.geometry.iloc[0].y)
    assert abs(along2 - 5_000) <= 50


def g315_track(tmp_path: Path, names: list[str], name: str, reverse: bool = False) -> Path:
    """A test line through the GeoNames coordinates of G315 places (densified; NOT road geometry)."""
    from roadbook import load_embedded

    rb = load_embedded("g315")
    pts = [(rb.places[n].lon, rb.places[n].lat) for n in names]
    lon: list[float] = []
    lat: list[float] = []
    for (x0, y0), (x1, y1) in itertools.pairwise(pts):
        mid = GEOD.npts(x0, y0, x1, y1, 300)
        lon += [x0, *(p[0] for p in mid)]
        lat += [y0, *(p[1] for p in mid)]
    lon.append(pts[-1][0])
    lat.append(pts[-1][1])
    if reverse:
        lon, lat = lon[::-1], lat[::-1]
    body = "".join(f'<trkpt lat="{y:.6f}" lon="{x:.6f}"/>' for x, y in zip(lon, lat, strict=True))
    p = tmp_path / name
    p.write_text('<?xml version="1.0"?><gpx xmlns="http://www.topografix.com/GPX/1/1" version="1.1" '
                 f'creator="test"><trk><trkseg>{body}</trkseg></trk></gpx>', encoding="utf-8")
    return p


@needs_samples
@pytest.mark.parametrize(("route", "sample"), [("g315", "gpxpy_Mojstrovka.gpx"),
                                               ("khorgos", "gpxpy_cerknicko-jezero.gpx")])
def test_a_foreign_track_is_refused_naming_the_distance(tmp_path: Path, route: str, sample: str) -> None:
    out = tmp_path / "out"
    res = run(["build", route, "--track", str(SAMPLES / sample), "--out", str(out)], tmp_path)
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert "this track passes" in lines[0] and "does not cover this route" in lines[0]
    km = float(lines[0].split("this track passes ")[1].split(" km")[0].replace(",", ""))
    assert 3_000 < km < 7_000   # Slovenia to western China
    assert not out.exists()


def test_a_partial_ride_builds_the_part_it_covers(tmp_path: Path) -> None:
    track = g315_track(tmp_path, ["yitunbulake", "miran", "ruoqiang"], "part.gpx")
    out = tmp_path / "out"
    res = run(["build", "--track", str(track), "--out", str(out)], tmp_path)
    assert res.returncode == 0, res.stderr
    assert "beyond the start of the track" in res.stderr and "Huatugou" in res.stderr
    assert "not on this track" in res.stderr and "Qinghai checkpoint" in res.stderr
    cp = pyogrio.read_dataframe(out / "checkpoints.geojson")
    assert sorted(cp["km"].dropna()) == [1383, 1423]
    st = pyogrio.read_dataframe(out / "stretches.geojson")
    assert (st["km_pos"] >= 1315 - 1e-6).all()
    from roadbook import load_embedded

    rb = load_embedded("g315")
    assert_points_sourced(out, Polyline(track), [(p.lon, p.lat) for p in rb.places.values() if p.lon is not None])


def test_a_reversed_ride_runs_in_the_riders_direction(tmp_path: Path) -> None:
    from garmin_fit_sdk import Decoder, Stream

    from roadbook import load_embedded

    rb = load_embedded("g315")
    track = g315_track(tmp_path, ["yitunbulake", "miran", "ruoqiang"], "back.gpx", reverse=True)
    out = tmp_path / "out"
    res = run(["build", "--track", str(track), "--out", str(out)], tmp_path)
    assert res.returncode == 0, res.stderr
    assert "AGAINST the roadbook" in res.stderr
    messages, errors = Decoder(Stream.from_file(str(out / "kmpost.fit"))).read()
    assert not errors
    recs = messages["record_mesgs"]
    first = recs[0]
    ruo = rb.places["ruoqiang"]
    lat0 = first["position_lat"] * 180 / 2**31
    lon0 = first["position_long"] * 180 / 2**31
    assert GEOD.inv(lon0, lat0, ruo.lon, ruo.lat)[2] < 1_000   # the course starts at Ruoqiang
    cps = messages["course_point_mesgs"]
    dist = [c["distance"] for c in cps]
    assert dist == sorted(dist) and len(dist) > 5
    # the checkpoint at road km 1423 comes before the one at km 1383 on the way back
    names = [str(c.get("name", "")) for c in cps]
    gj = pyogrio.read_dataframe(out / "checkpoints.geojson").sort_values("along_m")
    assert list(gj["km"].dropna()) == [1423, 1383]
    assert names
    # sides are the rider's: what is on the left going east is on the right going west
    fwd = tmp_path / "fwd"
    track_f = g315_track(tmp_path, ["yitunbulake", "miran", "ruoqiang"], "fwd.gpx")
    assert run(["build", "--track", str(track_f), "--out", str(fwd)], tmp_path).returncode == 0
    a = pyogrio.read_dataframe(fwd / "road_events.geojson").set_index("note")["side"]
    b = pyogrio.read_dataframe(out / "road_events.geojson").set_index("note")["side"]
    swap = {"left": "right", "right": "left"}
    both = [n for n in a.index if isinstance(a[n], str) and a[n] in swap]
    assert both
    assert all(b[n] == swap[a[n]] for n in both)


def test_an_edited_draft_is_never_overwritten(tmp_path: Path) -> None:
    track = g315_track(tmp_path, ["yitunbulake", "miran"], "t.gpx")
    notes = tmp_path / "notes.txt"
    notes.write_text("After 5 km a spring on the left. At 12 km the campsite.\n", encoding="utf-8")
    out = tmp_path / "out"
    args = ["build", "--notes", str(notes), "--track", str(track), "--out", str(out)]
    assert run(args, tmp_path).returncode == 0
    draft = out / "draft-roadbook.yaml"
    assert run(args, tmp_path).returncode == 0          # unedited: rewritten, fine
    edited = draft.read_text(encoding="utf-8").replace("kind: water", "kind: food") + "# my own note\n"
    draft.write_text(edited, encoding="utf-8")
    res = run(args, tmp_path)
    assert res.returncode == 2
    assert "was edited" in res.stderr and "draft-roadbook.new.yaml" in res.stderr
    assert draft.read_text(encoding="utf-8") == edited
    assert (out / "draft-roadbook.new.yaml").exists()
    res = run(["build", "--roadbook", str(draft), "--track", str(track), "--out", str(out)], tmp_path)
    assert res.returncode == 0, res.stderr
    assert draft.read_text(encoding="utf-8") == edited
    ev = pyogrio.read_dataframe(out / "road_events.geojson")
    assert "food" in set(ev["kind"])


def test_a_roadbook_with_several_mistakes_reports_them_all(tmp_path: Path, mini_text: str) -> None:
    bad = (mini_text.replace("kind: checkpoint", "kind: teahouse", 1)
           .replace("confidence: high", "confidence: sure", 1))
    bad = bad.replace("source: forum", "source: nowhere", 1) if "source: forum" in bad else bad
    rb = tmp_path / "bad.yaml"
    rb.write_text(bad, encoding="utf-8")
    res = run(["build", "--roadbook", str(rb), "--out", str(tmp_path / "out")], tmp_path)
    assert res.returncode == 2
    lines = [ln for ln in res.stderr.splitlines() if ln.startswith("kmpost: error: ")]
    assert len(lines) >= 2, res.stderr
    assert any("teahouse" in ln for ln in lines) and any("sure" in ln for ln in lines)
    assert all(str(rb) in ln for ln in lines)
    assert not (tmp_path / "out").exists()


def test_anchor_option_errors_come_together(tmp_path: Path) -> None:
    res = run(["build", "--anchor", "nowhere", "--anchor", "95,200=3", "--start-km", "5", "--out",
               str(tmp_path / "o")], tmp_path)
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 3, res.stderr
    assert all(ln.startswith("kmpost: error: ") for ln in lines)


def test_a_track_of_one_repeated_point_names_the_file(tmp_path: Path) -> None:
    gpx = tmp_path / "still.gpx"
    gpx.write_text('<?xml version="1.0"?><gpx xmlns="http://www.topografix.com/GPX/1/1" version="1.1" creator="t">'
                   '<rte><rtept lat="38.3" lon="90.1"/><rtept lat="38.3" lon="90.1"/><rtept lat="38.3" lon="90.1"/>'
                   "</rte></gpx>", encoding="utf-8")
    notes = tmp_path / "n.txt"
    notes.write_text("After 5 km a spring.\n", encoding="utf-8")
    for args in (["build", "--track", str(gpx)], ["build", "--notes", str(notes), "--track", str(gpx)]):
        res = run([*args, "--out", str(tmp_path / "out")], tmp_path)
        assert res.returncode == 2
        lines = res.stderr.strip().splitlines()
        assert len(lines) == 1 and str(gpx) in lines[0] and "two distinct points" in lines[0], res.stderr
    assert not (tmp_path / "out").exists()


@needs_samples
def test_a_stage_list_on_the_riders_track_is_placed_from_its_named_start(tmp_path: Path) -> None:
    # a day list names its start without a preposition, a village too small for a look-up
    # without a track (Portola Valley, ~4,600 inhabitants, 7 km into this ride): on the rider's
    # track the draft finds it, and each day's end lands at start + the sum of the legs
    track_path = SAMPLES / "coursepointer_cptr003.gpx"
    notes = tmp_path / "days.txt"
    notes.write_text("Day 1: Portola Valley – Redwood Camp – 20 km, camping in the trees\n"
                     "Day 2: Redwood Camp – Saratoga – 18.7 km, water and a shop\n"
                     "We had flown in from Paris two days before.\n", encoding="utf-8")
    out = tmp_path / "out"
    res = run(["build", "--notes", str(notes), "--track", str(track_path), "--out", str(out)], tmp_path)
    assert res.returncode == 0, res.stderr
    import yaml

    draft = yaml.safe_load((out / "draft-roadbook.yaml").read_text(encoding="utf-8"))
    pv = next(p for p in draft["places"] if p["id"] == "portola-valley")
    track = Polyline(track_path)
    start_m = track.locate(pv["lon"], pv["lat"])[0]
    feats = {f["properties"]["name"]: f for name in ("road_events", "camping")
             for f in json.loads((out / f"{name}.geojson").read_text(encoding="utf-8"))["features"]}
    for name, legs_km in (("Redwood Camp", 20.0), ("Saratoga", 38.7)):
        lon, lat = feats[name]["geometry"]["coordinates"][:2]
        got, off = track.locate(lon, lat)
        assert off < 1.0 and abs(got - (start_m + legs_km * 1000)) < 50, (name, got, start_m)
    assert feats["Redwood Camp"]["properties"]["kind"] == "camping"
    # a place named in the notes but far from the track is said in the draft, not drawn on the map
    assert "Paris (FR) is named in the notes but lies 9," in (out / "draft-roadbook.yaml").read_text(encoding="utf-8")
    fc = json.loads((out / "places.geojson").read_text(encoding="utf-8"))
    drawn = [f["properties"]["name"] for f in fc["features"]]
    assert "Paris" not in drawn and "Portola Valley" in drawn
