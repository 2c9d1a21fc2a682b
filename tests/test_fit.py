"""maps.fit.write_fit: a FIT course read back by garmin-fit-sdk and fitdecode, and the kit."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

import fitdecode
import numpy as np
import pytest
from garmin_fit_sdk import Decoder, Stream

from geo.track import Track
from maps._course import build_course
from maps.devices import fit_course_point_type
from maps.fit import write_fit
from tests._gpxfixtures import KINDS, along, events_for, kit_ready, run_kit, zigzag_track

START = dt.datetime(2025, 6, 1, 6, 0, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module")
def route() -> tuple[Track, np.ndarray]:
    t = zigzag_track(3000, segments=2)
    return t, along(t)


def _sdk(p: Path) -> Any:
    msgs, errors = Decoder(Stream.from_file(str(p))).read(enable_crc_check=True)
    assert errors == []
    return msgs


def test_course_read_back_by_garmin_sdk(tmp_path: Path, route: tuple[Track, np.ndarray]) -> None:
    t, a = route
    ev = events_for(t, a)
    p = tmp_path / "c.fit"
    rep = write_fit(p, build_course(t, a, ev, name="G315 Huatugou to Ruoqiang"), start_time=START, max_points=None)
    m = _sdk(p)
    assert m["file_id_mesgs"][0]["type"] == "course"
    assert m["course_mesgs"][0]["name"] == "G315 Huatugou"
    assert m["course_mesgs"][0]["sport"] == "cycling"
    recs = m["record_mesgs"]
    assert len(recs) == len(t) == rep.track_points
    d = np.array([r["distance"] for r in recs])
    np.testing.assert_allclose(d, a, atol=0.006)  # scale 100: centimetres
    lat = np.array([r["position_lat"] for r in recs]) * 180 / 2**31
    np.testing.assert_allclose(lat, t.lat, atol=1e-7)
    ts = [r["timestamp"] for r in recs]
    assert ts[0] == START and all(b >= a_ for a_, b in itertools.pairwise(ts))
    # nominal 15 km/h: time = distance / speed
    assert (ts[-1] - START).total_seconds() == pytest.approx(a[-1] / (15 / 3.6), abs=1)
    cps = m["course_point_mesgs"]
    kinds = [k for k in KINDS if k != "km_marker"]
    assert len(cps) == len(kinds) == rep.points
    want = sorted(zip(ev.along_m[ev.kind != "km_marker"], ev.kind[ev.kind != "km_marker"],
                      strict=True))
    for cp, (dist, kind) in zip(cps, want, strict=True):
        assert abs(cp["distance"] - dist) < 0.01  # issue: within 10 m of its km position
        assert cp["type"] == fit_course_point_type(kind)
        assert 0 < len(cp["name"]) <= 15 and cp["name"].isascii()
        assert ts[0] <= cp["timestamp"] <= ts[-1]
    assert [e["event_type"] for e in m["event_mesgs"]] == ["start", "stop_all"]
    assert m["lap_mesgs"][0]["total_distance"] == pytest.approx(a[-1], abs=0.01)


def test_fitdecode_agrees(tmp_path: Path, route: tuple[Track, np.ndarray]) -> None:
    t, a = route
    p = tmp_path / "c.fit"
    write_fit(p, build_course(t, a, events_for(t, a), name="x"), start_time=START, max_points=800)
    counts: dict[str, int] = {}
    with fitdecode.FitReader(str(p), check_crc=fitdecode.CrcCheck.RAISE,
                             error_handling=fitdecode.ErrorHandling.RAISE) as r:
        for fr in r:
            if isinstance(fr, fitdecode.FitDataMessage):
                counts[fr.name] = counts.get(fr.name, 0) + 1
    assert counts["record"] <= 800 and counts["course_point"] == len(KINDS) - 1
    assert counts["file_id"] == counts["course"] == counts["lap"] == 1


def test_events_without_position_are_reported(tmp_path: Path,
                                              route: tuple[Track, np.ndarray]) -> None:
    t, a = route
    ev = events_for(t, a, ["water", "camping"])
    ev.loc[1, "along_m"] = None
    rep = write_fit(tmp_path / "s.fit", build_course(t, a, ev, name="x"))
    assert rep.points == 1 and len(rep.skipped) == 1 and "camping" in rep.skipped[0]


@pytest.mark.kit
def test_kit_check_fit(tmp_path: Path, route: tuple[Track, np.ndarray]) -> None:
    why = kit_ready("check_fit.py", tools=())
    if why:
        pytest.skip(why)
    t, a = route
    p = tmp_path / "k.fit"
    write_fit(p, build_course(t, a, events_for(t, a), name="G315", km_markers_every=50))
    out = run_kit("check_fit.py", p)
    assert "RESULT: PASS --" in out  # no warnings at all
