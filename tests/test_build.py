"""End to end: `kmpost build` of both embedded routes, read back by independent readers."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import garmin_fit_sdk as fit
import gpxpy
import numpy as np
import pytest

from pipeline import OUTPUTS, BuildOptions, build
from roadbook import load_embedded
from tests._gpxfixtures import KIT, KIT_VENV, kit_ready


def run_kit(script: str, path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KIT_VENV": str(KIT_VENV)}
    return subprocess.run([str(KIT / script), str(path)], capture_output=True, text=True, env=env, timeout=600)


@pytest.fixture(scope="module")
def seed_build(tmp_path_factory):
    out = tmp_path_factory.mktemp("seed")
    report = build(load_embedded("g315"), None, BuildOptions(out_dir=out))
    return out, report


@pytest.fixture(scope="module")
def khorgos_build(tmp_path_factory):
    out = tmp_path_factory.mktemp("khorgos")
    report = build(load_embedded("khorgos"), None, BuildOptions(out_dir=out))
    return out, report


def roadbook_events(report) -> list[dict]:
    """Every roadbook event of the route as a feature (checkpoints, road events, camping spots)."""
    rows = []
    for name in ("checkpoints", "road_events", "camping"):
        g = report.layers[name]
        rows += [r for r in g.to_dict("records") if r["geometry"].geom_type == "Point"]
    return rows


def test_all_outputs_written(seed_build):
    out, _ = seed_build
    for f in (*OUTPUTS, "checkpoints.geojson"):
        assert (out / f).stat().st_size > 0, f
    assert not list(out.glob(".kmpost-tmp-*"))


def test_every_event_is_a_fit_course_point_at_its_distance(seed_build):
    out, report = seed_build
    msgs, errors = fit.Decoder(fit.Stream.from_file(str(out / "kmpost.fit"))).read()
    assert not errors
    cps = msgs["course_point_mesgs"]
    dist = np.array([c["distance"] for c in cps])
    events = roadbook_events(report)
    assert len(events) == 21
    for ev in events:
        assert np.min(np.abs(dist - ev["along_m"])) < 10.0, ev["name"]
    assert all(len(c["name"]) <= 15 for c in cps)


def test_every_event_is_a_gpx_waypoint(seed_build):
    out, report = seed_build
    gpx = gpxpy.parse((out / "kmpost.gpx").read_text(encoding="utf-8"))
    descs = [w.description or "" for w in gpx.waypoints]
    for ev in roadbook_events(report):
        head = ev["note"][:40]
        assert any(head in d for d in descs), ev["name"]
    assert "SCHEMATIC" in (gpx.description or "")


@pytest.mark.kit
@pytest.mark.parametrize(("script", "name"), [("check_gpx.sh", "kmpost.gpx"), ("check_fit.py", "kmpost.fit"),
                                              ("check_tcx.sh", "kmpost.tcx")])
def test_seed_outputs_pass_the_kit(seed_build, script, name):
    reason = kit_ready(script)
    if reason:
        pytest.skip(reason)
    res = run_kit(script, seed_build[0] / name)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
    assert "RESULT: PASS" in res.stdout


@pytest.mark.kit
def test_khorgos_gpx_passes_the_kit(khorgos_build):
    reason = kit_ready("check_gpx.sh")
    if reason:
        pytest.skip(reason)
    out, _ = khorgos_build
    assert (out / "kmpost.html").stat().st_size > 0
    res = run_kit("check_gpx.sh", out / "kmpost.gpx")
    assert res.returncode == 0, res.stdout[-3000:]


def test_khorgos_layers(khorgos_build):
    _, report = khorgos_build
    bc = report.layers["border_crossings"]
    k = bc[bc["crossing_id"] == "khorgos"].iloc[0]
    assert k["opening"] == "10:30 Beijing time"
    for word in ("haiguan", "bianjian", "guojian"):
        assert word in k["agencies"]
    assert "ATA carnet" in k["options"] and "Shanghai" in k["options"] and "30,000 RMB" in k["options"]
    assert "Dulata" in k["alternatives"] and "Torugart" in k["alternatives"] and "Irkeshtam" in k["alternatives"]
    d = bc[bc["crossing_id"] == "dulata"].iloc[0]
    assert "Eid al-Fitr" in d["closed"]
    assert report.layers["checkpoints"].empty and report.layers["road_events"]["km"].isna().all()


# every fact of the seed documents with a place, km, stretch, time or price -> some output
G315_FACTS = [
    *(f"km {k}" for k in (1317, 1339, 1353, 1380, 1383, 1385, 1386, 1423, 1452, 1459, 1506)),
    "Qinghai checkpoint", "PCR testing", "second checkpoint", "train bridge",
    "9 and 19 clicks", "downhill of 34 km", "longest downhill", "more than 100 clicks",
    "first 100 km after crossing the Xinjiang border", "dry river beds", "aerials and solar panels",
    "400 km stretch", "not allowed to stay overnight", "for foreigners forbidden town",
    "Miran", "Delingha remains forbidden", "youth hostels in Golmud",
    "09:30", "16:30", "94", "10:00", "17:00", "00:00", "08:10", "13:30", "62.5", "15:30", "20:38",
    "0979 8412001", "0979 8453688", "0977 8251567", "166 9966 1966", "133 1996 9796",
    "10 Yuan pp", "150 + 10", "180 Yuan", "200 Yuan", "09:06", "14:10", "17:12", "21:34", "11:31",
    "at 9:00", "30 yuan", "23 km from Golmud", "approx. 180 km", "subject to change", "2021",
    "Kunlung Mt Park Museum", "Hospital No.1", "Taishan street", "green health travel card",
    "do not point cameras", "Hotan", "Kashgar", "Korla", "Dunhuang", "Urumqi",
]
KHORGOS_FACTS = [
    "National Gate Park", "10:30 Beijing time", "about 1 km", "twenty minutes", "100 km to the south",
    "Eid al-Fitr", "Irkeshtam", "Torugart", "haiguan", "bianjian", "guojian", "goods",
    "Blue & Green books", "receipts", "power of attorney", "ATA", "Shanghai", "25 RMB", "250%",
    "30,000 RMB", "10,000 RMB", "three weeks", "Travel agency", "money traders", "about an hour",
    "May 2015", "Carnet de Passage", "Beijing", "Urumqi",
]


def _all_text(out: Path) -> str:
    """The printable roadbook (Markdown escapes undone) and the GPX (XML entities undone)."""
    import html
    import re

    md = re.sub(r"\\([\\`*_{}\[\]()#+\-.!|&<>])", r"\1", (out / "roadbook.md").read_text(encoding="utf-8"))
    return md + "\n" + html.unescape((out / "kmpost.gpx").read_text(encoding="utf-8"))


@pytest.mark.parametrize("fact", G315_FACTS)
def test_g315_fact_reaches_outputs(seed_build, fact):
    assert fact in _all_text(seed_build[0])


@pytest.mark.parametrize("fact", KHORGOS_FACTS)
def test_khorgos_fact_reaches_outputs(khorgos_build, fact):
    assert fact in _all_text(khorgos_build[0])
