"""cli.py: the build command, one-line errors with exit status 2, nothing half-written, --track."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyogrio
import pytest

import cli
from tests.conftest import MINI, ROOT


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "cli.py"), *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})


def snapshot(d: Path) -> dict[str, bytes]:
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


def test_build_default_writes_gpkg_and_geojson(tmp_path):
    res = run(["build", "--out", str(tmp_path / "out")], tmp_path)
    assert res.returncode == 0, res.stderr
    out = tmp_path / "out"
    layers = {name for name, _ in pyogrio.list_layers(out / "kmpost.gpkg")}
    assert {"km_markers", "checkpoints", "camping", "parallels", "road_events", "places"} <= layers
    for name in layers:
        fc = json.loads((out / f"{name}.geojson").read_text())
        assert fc["type"] == "FeatureCollection"
        for f in fc["features"]:
            assert {"kind", "km", "name", "note", "source"} <= set(f["properties"])
    assert "SCHEMATIC" in res.stderr
    assert not list(out.glob(".kmpost-tmp-*"))


BAD = {
    "unknown kind": (MINI.replace("kind: checkpoint", "kind: teahouse"),
                     r"events\[0\]\.kind: unknown event kind 'teahouse'"),
    "km outside": (MINI.replace("km: 120", "km: 999"),
                   r"events\[0\]\.km: km 999 is outside the route \(km 100\.0 \.\. 160\.0\)"),
    "anchors out of order": (MINI.replace("  - km: 160", "  - km: 90"), r"anchors out of order"),
    "malformed yaml": (MINI.replace("  name: Mini route", "  name: 'Mini route"), r"malformed YAML"),
}


@pytest.mark.parametrize("case", BAD)
def test_bad_roadbook_one_line_exit_2_nothing_written(tmp_path, case):
    text, pattern = BAD[case]
    rb = tmp_path / "bad.yaml"
    rb.write_text(text)
    out = tmp_path / "out"
    out.mkdir()
    (out / "kmpost.gpkg").write_bytes(b"previous build")
    before = snapshot(out)
    res = run(["build", "--roadbook", str(rb), "--out", str(out)], tmp_path)
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("kmpost: error: ")
    assert str(rb) in lines[0]
    assert __import__("re").search(pattern, lines[0]), lines[0]
    assert "Traceback" not in res.stderr
    assert snapshot(out) == before


def test_error_names_line_for_km_outside(tmp_path, capsys):
    rb = tmp_path / "bad.yaml"
    rb.write_text(MINI.replace("km: 120", "km: 999"))
    assert cli.main(["build", "--roadbook", str(rb), "--out", str(tmp_path / "o")]) == 2
    assert f"{rb}:32: events[0].km" in capsys.readouterr().err
    assert not (tmp_path / "o" / "kmpost.gpkg").exists()


def test_unknown_route_and_list(capsys):
    assert cli.main(["build", "nowhere"]) == 2
    assert "no embedded route 'nowhere'" in capsys.readouterr().err
    assert cli.main(["list"]) == 0
    assert "g315" in capsys.readouterr().out


def test_track_moves_every_feature_onto_it(tmp_path, capsys):
    """A real track (here: a wiggly line near the places) replaces the schematic line."""
    from roadbook import load_embedded

    rb = load_embedded("g315")
    pts = [(p.lon, p.lat) for p in rb.places.values() if p.on_route]
    lon, lat = [], []
    for (x0, y0), (x1, y1) in itertools.pairwise(pts):
        t = np.linspace(0, 1, 400, endpoint=False)
        lon += list(x0 + t * (x1 - x0) + 0.03 * np.sin(t * 40))
        lat += list(y0 + t * (y1 - y0) + 0.03 * np.cos(t * 40) - 0.03)
    lon.append(pts[-1][0])
    lat.append(pts[-1][1])
    track = tmp_path / "track.geojson"
    track.write_text(json.dumps({"type": "Feature", "properties": {},
                                 "geometry": {"type": "LineString", "coordinates": list(zip(lon, lat, strict=True))}}))
    out = tmp_path / "out"
    assert cli.main(["build", "--track", str(track), "--out", str(out)]) == 0
    from shapely import LineString

    line = LineString(list(zip(lon, lat, strict=True)))
    for name in ("checkpoints", "road_events", "km_markers"):
        gdf = pyogrio.read_dataframe(out / f"{name}.geojson")
        # planar distance in degrees; 1e-5 degrees is about 1 m here
        d = np.array([line.distance(g) for g in gdf.geometry])
        assert (d < 1e-5).all(), name
    route = pyogrio.read_dataframe(out / "route.geojson")
    assert not route["schematic"].iloc[0]
    cp = pyogrio.read_dataframe(out / "checkpoints.geojson")
    assert sorted(cp["km"].dropna()) == [1383, 1423]


def test_internal_errors_are_one_line(tmp_path):
    res = run(["build", "--track", str(tmp_path / "missing.gpx"), "--out", str(tmp_path / "o")], tmp_path)
    assert res.returncode == 2 and len(res.stderr.strip().splitlines()) == 1, res.stderr


SEED_NOTES = ROOT.parent / "shared" / "seeds" / "qinghai_xinjiang_route_notes.txt"


@pytest.mark.skipif(not SEED_NOTES.exists(), reason="seed notes not found in ../shared/seeds")
def test_extract_json_on_seed(capsys):
    assert cli.main(["extract", str(SEED_NOTES), "--json"]) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    kms = {e["value"] for e in events if e["ref"] == "marker" and e["unit"] == "km"}
    assert {1317, 1339, 1353, 1380, 1383, 1385, 1386, 1423, 1452, 1459, 1506} <= kms


def test_extract_binary_input_is_one_line_exit_2(tmp_path):
    junk = tmp_path / "junk.bin"
    junk.write_bytes(bytes(range(256)) * 50)
    res = run(["extract", str(junk)], tmp_path)
    assert res.returncode == 2 and len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert "Traceback" not in res.stderr


def test_extract_of_50_mb_is_refused_at_once_with_the_fix(tmp_path):
    # issue 15: "50 MB of notes 38 s": refused in bounded time, one line naming the file, the
    # limit and the fix; nothing written (no draft beside the notes)
    big = tmp_path / "notes.txt"
    big.write_text(("At km 12 water. Camp by the river at km 30.\n" * 1_200_000)[:50_000_000], encoding="utf-8")
    t0 = time.perf_counter()
    res = run(["extract", str(big)], tmp_path)
    assert time.perf_counter() - t0 < 10
    assert res.returncode == 2 and len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert str(big) in res.stderr and "12,000,000" in res.stderr and "split the file" in res.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_build_notes_with_a_track(tmp_path, capsys):
    notes = tmp_path / "notes.txt"
    notes.write_text("From Huatugou we rode west into the desert.\n"
                     "At km 12 there is a checkpoint on the right.\n"
                     "At km 30 we found water in a river.\n", encoding="utf-8")
    track = tmp_path / "t.geojson"
    coords = [[90.86792 - i * 0.01, 38.25544 + i * 0.002] for i in range(80)]
    track.write_text(json.dumps({"type": "LineString", "coordinates": coords}))
    out = tmp_path / "out"
    # km posts that nothing ties to the track: exit 2 with the fix, the draft kept for editing
    assert cli.main(["build", "--notes", str(notes), "--track", str(track), "--out", str(out)]) == 2
    assert "--start-km" in capsys.readouterr().err
    assert cli.main(["build", "--notes", str(notes), "--track", str(track), "--start-km", "0",
                     "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "REVIEW IT" in err
    assert (out / "draft-roadbook.yaml").exists()
    cp = pyogrio.read_dataframe(out / "checkpoints.geojson")
    assert list(cp["km"]) == [12]


def test_every_km_outside_the_route_is_reported_at_once(tmp_path, capsys):
    # two events and a stretch end outside the route: one run names all three, not the first only
    text = MINI.replace("km: 120", "km: 999")
    text += ("  - kind: water\n    km: 170\n    note: spring\n    source: s\n"
             "stretches:\n  - kind: resurfacing\n    from_km: 130\n    to_km: 175\n    note: works\n"
             "    source: s\n")
    rb = tmp_path / "bad.yaml"
    rb.write_text(text)
    assert cli.main(["build", "--roadbook", str(rb), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "events[0].km: km 999 is outside" in err and "events[1].km: km 170 is outside" in err
    assert "stretches[0].to_km: km 175 is outside" in err
    assert not (tmp_path / "o" / "kmpost.gpkg").exists()
