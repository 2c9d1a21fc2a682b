"""Course points a rider understands (issue 11): names, types and stretch alerts on real builds.

Both embedded routes are built once; FIT is read back with Garmin's SDK and fitdecode, TCX with
ElementTree, GPX with gpxpy.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path
from typing import Any

import fitdecode
import gpxpy
import pytest
from garmin_fit_sdk import Decoder, Stream

from maps._course import build_course
from maps.tcx import TCX_NS
from pipeline import COURSE_LAYERS, BuildOptions, BuildReport, build
from roadbook import load_embedded
from roadbook.kinds import REGISTRY, TCX_TURN_TYPES, alerts

NS = {"t": TCX_NS}
#: words a short name may contain besides the point's own words and numbers: the patterns' words
PATTERN_WORDS = {w for _, _, a in alerts() for pat in (*a.n15, *a.n10)
                 for w in re.sub(r"\{\w+\}", " ", pat).split()}
_NUMERIC = re.compile(r"^~?\d+(\.\d+)?(km)?$")


@pytest.fixture(scope="module", params=["g315", "khorgos"])
def built(request: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path, BuildReport]:
    out = tmp_path_factory.mktemp(request.param)
    rep = build(load_embedded(request.param), None, BuildOptions(out_dir=out))
    return request.param, out, rep


def _fit(path: Path) -> list[dict[str, Any]]:
    msgs, errors = Decoder(Stream.from_file(str(path))).read(enable_crc_check=True)
    assert errors == []
    return list(msgs["course_point_mesgs"])


def _fitdecode(path: Path) -> list[tuple[float, str]]:
    out = []
    with fitdecode.FitReader(str(path)) as r:
        for frame in r:
            if isinstance(frame, fitdecode.FitDataMessage) and frame.name == "course_point":
                out.append((float(frame.get_value("distance")), str(frame.get_value("name"))))
    return out


def _tcx(path: Path) -> tuple[list[tuple[str, str, float]], str]:
    """(name, PointType, metres from the start by the nominal 15 km/h time) and the start time."""
    root = ET.parse(path).getroot()
    t0 = root.findtext(".//t:Trackpoint/t:Time", "", NS)
    start = dt.datetime.fromisoformat(t0.replace("Z", "+00:00"))
    out = []
    for cp in root.iter(f"{{{TCX_NS}}}CoursePoint"):
        t = dt.datetime.fromisoformat(cp.findtext("t:Time", "", NS).replace("Z", "+00:00"))
        out.append((cp.findtext("t:Name", "", NS), cp.findtext("t:PointType", "", NS),
                    (t - start).total_seconds() * 15 / 3.6))
    return out, t0


def _gpx_points(path: Path) -> dict[str, str]:
    g = gpxpy.parse(path.read_text(encoding="utf-8"))
    return {w.name: w.description or "" for w in g.waypoints}


def test_stretches_is_a_default_course_layer() -> None:
    assert "stretches" in COURSE_LAYERS


def test_fit_names_short_distinct_whole_words(built: tuple[str, Path, BuildReport]) -> None:
    route, out, _ = built
    cps = _fit(out / "kmpost.fit")
    assert len(cps) >= 5
    by_name: dict[str, set[tuple[Any, int]]] = defaultdict(set)
    for c in cps:
        assert 1 <= len(c["name"]) <= 15, c["name"]
        by_name[c["name"]].add((c["type"], round(c["distance"] / 10)))
    shared = {n: v for n, v in by_name.items() if len(v) > 1}
    assert not shared, f"{route}: names shared by distinct points: {shared}"
    tcx, _ = _tcx(out / "kmpost.tcx")
    assert all(1 <= len(n) <= 10 for n, _, _ in tcx)
    assert len({n for n, _, _ in tcx}) == len(tcx)
    # no cut word: each word is a whole word of the point's own text, a pattern word or a number
    descs = _gpx_points(out / "kmpost.gpx")
    text = " ".join(descs.values()) + " " + " ".join(descs)
    own = set(re.findall(r"[\w'.+/-]+", text))
    for n in [c["name"] for c in cps] + [n for n, _, _ in tcx]:
        for w in n.split():
            assert w in PATTERN_WORDS or _NUMERIC.match(w) or w in own, f"{route}: {n!r}: {w!r}"


def test_checkpoints_tell_apart(built: tuple[str, Path, BuildReport]) -> None:
    route, out, _ = built
    cps = [c for c in _fit(out / "kmpost.fit") if c["type"] == "checkpoint"]
    assert len({c["name"] for c in cps}) == len(cps)
    if route == "g315":
        names = {c["name"] for c in cps}
        assert {"CP 1383", "CP 1423", "CP Qinghai", "CP Xinjiang"} <= names, names


def test_no_turn_types_in_tcx(built: tuple[str, Path, BuildReport]) -> None:
    _, out, _ = built
    tcx, _ = _tcx(out / "kmpost.tcx")
    assert tcx and not [t for t in tcx if t[1] in TCX_TURN_TYPES]


def test_g315_stretches_are_course_points_at_their_start(tmp_path: Path) -> None:
    rep = build(load_embedded("g315"), None,
                BuildOptions(out_dir=tmp_path, course_layers=("road_events", "stretches")))
    lay = rep.layers
    want = {
        "resurfacing": float(lay["parallels"].query("kind == 'resurfacing'")["along_m"].iloc[0]),
        "downhill 34": float(lay["stretches"].query("kind == 'downhill' and length_km == 34")
                             ["along_m"].iloc[0]),
        "no services": float(lay["stretches"].query("kind == 'no_services'")["along_m"].iloc[0]),
    }
    expect_name = {"resurfacing": "Resurf. start", "downhill 34": "Down 34km",
                   "no services": "No water 305km"}
    expect_type = {"resurfacing": "obstacle", "downhill 34": "alert", "no services": "alert"}
    sdk = _fit(tmp_path / "kmpost.fit")
    fd = _fitdecode(tmp_path / "kmpost.fit")
    tcx, _ = _tcx(tmp_path / "kmpost.tcx")
    for what, d in want.items():
        hit = [c for c in sdk if abs(c["distance"] - d) <= 10 and c["name"] == expect_name[what]]
        assert hit and hit[0]["type"] == expect_type[what], (what, d)
        assert any(abs(x - d) <= 10 and n == expect_name[what] for x, n in fd), what
        assert any(abs(x - d) <= 10 and t == "Danger" for _, t, x in tcx), what
    # duplicates at the same distance are one point: the downhill sign at km 1380 and the stretch
    at_1380 = [c for c in sdk if abs(c["distance"] - want["downhill 34"]) <= 10]
    assert len(at_1380) == 1


def test_karoo_never_lodging_where_foreigners_may_not_stay(tmp_path: Path) -> None:
    build(load_embedded("g315"), None, BuildOptions(out_dir=tmp_path, profile="karoo"))
    g = gpxpy.parse((tmp_path / "kmpost.gpx").read_text(encoding="utf-8"))
    syms = {w.name: w.symbol for w in g.waypoints}
    assert syms["Huatugou"] != "Lodging" and syms["Yitunbulake"] != "Lodging"
    assert "Lodging" not in set(syms.values())
    assert REGISTRY[("event", "accommodation")].alert.karoo == "Lodging"  # type: ignore[union-attr]
    desc = {w.name: w.description for w in g.waypoints}
    assert "not allowed to stay overnight" in (desc["Huatugou"] or "")


def _many(n: int, name: object = "Spring") -> tuple[Any, Any, Any]:
    import geopandas as gpd
    import numpy as np

    from tests._gpxfixtures import along, zigzag_track
    t = zigzag_track(2000, ele=False)
    a = along(t)
    idx = np.linspace(0, len(t) - 1, n).astype(int)
    kinds = ["water", "checkpoint", "sign", "camping", "town", "downhill"]
    ev = gpd.GeoDataFrame({"layer": "road_events", "kind": [kinds[i % 6] for i in range(n)],
                           "km": float("nan"), "km_pos": 1300 + a[idx] / 1000, "along_m": a[idx],
                           "name": [name] * n, "note": float("nan"), "source": "s", "side": None,
                           "confidence": "high", "located_by": "km"},
                          geometry=gpd.points_from_xy(t.lon[idx], t.lat[idx]), crs="EPSG:4326")
    return t, a, ev


def test_many_events_long_name_distinct_names_no_nan(tmp_path: Path) -> None:
    """5,000 events of one name and a 1 MB route name: every name distinct, no 'nan' anywhere
    (timings: benchmarks/bench_course_points.py)."""
    from maps.fit import write_fit
    from maps.gpx import write_gpx
    from maps.tcx import write_tcx
    t, a, ev = _many(5000, name=float("nan"))
    long_name = "G315 " + "x" * 1_000_000
    write_gpx(tmp_path / "m.gpx", build_course(t, a, ev, name=long_name, description="d"))
    write_fit(tmp_path / "m.fit", build_course(t, a, ev, name=long_name))
    write_tcx(tmp_path / "m.tcx", build_course(t, a, ev, name=long_name))
    names = [c["name"] for c in _fit(tmp_path / "m.fit")]
    assert len(names) == 5000 and len(set(names)) == 5000 and max(map(len, names)) <= 15
    tcx, _ = _tcx(tmp_path / "m.tcx")
    assert len({n for n, _, _ in tcx}) == 5000
    for f in ("m.gpx", "m.tcx"):
        assert "nan" not in (tmp_path / f).read_text(encoding="utf-8").lower().replace("nanjing", "")
