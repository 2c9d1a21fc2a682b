"""Elevation profile (maps/profile.py): measured profile from track elevations, spot heights of
the schematic seed route, and the cases where nothing is drawn."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from matplotlib.image import imread

from geo.track import Track
from layers import build_all, calibrate
from maps.profile import (
    SPOT_ONLY_TITLE,
    measured_profile,
    profile_svg,
    render_profile,
    spot_heights,
    write_profile,
)
from roadbook import parse_roadbook


def _non_white_fraction(path: Path) -> float:
    img = imread(path)
    rgb = img[..., :3]
    return float((rgb < 0.95).any(axis=-1).mean())


def _track_with_ele(mini_text: str, ele_fn=None, duplicate_at: int | None = None) -> tuple:
    rb = parse_roadbook(mini_text, "mini.yaml")
    n = 200
    lon = np.linspace(90.0, 90.6, n)
    lat = np.linspace(38.0, 38.3, n)
    ele = 2000 + 500 * np.sin(np.linspace(0, 3 * np.pi, n)) if ele_fn is None else ele_fn(n)
    if duplicate_at is not None:  # a repeated vertex (GPS standing still) with its own elevation
        i = duplicate_at
        lon, lat = np.insert(lon, i, lon[i]), np.insert(lat, i, lat[i])
        ele = np.insert(ele, i, ele[i] + 1.0)
    ctx = calibrate(rb, Track(lon=lon, lat=lat, ele=ele, source="test.gpx"))
    return ctx, build_all(ctx)


def test_png_written_and_not_blank_when_the_track_has_elevations(tmp_path: Path, mini_text: str):
    ctx, layers = _track_with_ele(mini_text)
    out = write_profile(ctx, layers, tmp_path / "p" / "profile.png")
    assert out == tmp_path / "p" / "profile.png"
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert _non_white_fraction(out) > 0.05
    assert sorted(x.name for x in out.parent.iterdir()) == ["profile.png"]  # no temp file left
    fig = render_profile(ctx, layers)
    assert fig is not None
    ax = fig.axes[0]
    assert "elevation profile" in ax.get_title()
    assert ax.get_xlabel().startswith("road km")
    # the x axis is road km: the route's 100 .. 160, not metres
    lo, hi = ax.get_xlim()
    assert 95 < lo <= 100 and 160 <= hi < 165
    # the checkpoint at km 120 is marked
    legend = ax.get_legend()
    assert legend is not None
    assert any(t.get_text() == "checkpoint" for t in legend.get_texts())


def test_measured_profile_maps_elevations_through_duplicate_vertices(mini_text: str):
    ctx, _ = _track_with_ele(mini_text, duplicate_at=50)
    assert len(ctx.line.lon) == len(ctx.track.lon) - 1  # MeasuredLine dropped the duplicate
    prof = measured_profile(ctx)
    assert prof is not None
    km, ele = prof
    assert len(km) == len(ctx.track.ele)
    assert km[0] == pytest.approx(100.0) and km[-1] == pytest.approx(160.0)
    assert np.all(np.diff(km) >= 0)
    # point 51 (the duplicate) sits where line vertex 50 is; point 52 where line vertex 51 is
    assert km[51] == pytest.approx(km[50])
    assert km[52] == pytest.approx(float(ctx.chainage.along_to_km(ctx.line.along_m[51])[0]))
    assert ele[51] == ctx.track.ele[51]


def test_missing_elevations_are_skipped_not_zero(mini_text: str):
    def ele(n):
        e = np.full(n, 1500.0)
        e[::3] = np.nan
        return e
    ctx, _ = _track_with_ele(mini_text, ele_fn=ele)
    prof = measured_profile(ctx)
    assert prof is not None
    assert len(prof[1]) == 200 - len(range(0, 200, 3))
    assert np.all(prof[1] == 1500.0)


def test_seed_schematic_route_shows_spot_heights_only(tmp_path: Path, seed_ctx, seed_layers):
    assert seed_ctx.schematic and not seed_ctx.track.has_elevation
    assert measured_profile(seed_ctx) is None
    placed, unplaced = spot_heights(seed_ctx, seed_layers)
    got = {(s.name, s.km, s.ele_m) for s in placed}
    assert got == {("Huatugou", 1250.0, 2945.0), ("Yitunbulake / Yetimbulak", 1315.0, 3200.0),
                   ("Charklik / Ruoqiang", 1555.0, 889.0)}
    assert all(s.source for s in placed)  # each with its ele_source
    assert [(s.name, s.km, s.ele_m) for s in unplaced] == [("G315 pass (Altun Shan crossing)", None, 3600.0)]
    out = write_profile(seed_ctx, seed_layers, tmp_path / "profile.png")
    assert out is not None and _non_white_fraction(out) > 0.02
    fig = render_profile(seed_ctx, seed_layers)
    assert fig is not None
    ax = fig.axes[0]
    assert SPOT_ONLY_TITLE in ax.get_title()
    # no profile line: only the dotted level of the unplaced pass (2 points, axes-wide) and legend stubs
    assert all(np.asarray(line.get_xdata()).size <= 2 for line in ax.lines)
    assert "elevation of the track" not in [line.get_label() for line in ax.lines]
    legend = ax.get_legend()
    assert legend is not None
    texts = " ".join(t.get_text() for t in (*fig.texts, *ax.texts, *legend.get_texts()))
    assert "not placed" in texts and "3,600 m" in texts and "2,945 m" in texts and "889 m" in texts
    svg = profile_svg(seed_ctx, seed_layers)
    ET.fromstring(svg)
    assert SPOT_ONLY_TITLE in svg and "not placed" in svg and "3,600" in svg and "<polyline" not in svg


def test_nothing_to_draw_gives_none_and_no_file(tmp_path: Path, mini_text: str):
    rb = parse_roadbook(mini_text, "mini.yaml")  # no heights anywhere, schematic line
    ctx = calibrate(rb)
    layers = build_all(ctx)
    assert write_profile(ctx, layers, tmp_path / "profile.png") is None
    assert not (tmp_path / "profile.png").exists()
    assert profile_svg(ctx, layers) == ""
    # a track whose elevations are all missing is the same case
    ctx2, layers2 = _track_with_ele(mini_text, ele_fn=lambda n: np.full(n, np.nan))
    assert not ctx2.track.has_elevation
    assert write_profile(ctx2, layers2, tmp_path / "profile.png") is None
    assert list(tmp_path.iterdir()) == []


def test_svg_with_measured_profile_is_well_formed_and_escaped(mini_text: str):
    text = mini_text.replace("name: Alpha", "name: \"<script>Alpha</script>\"\n    ele: 2100\n    ele_source: x")
    ctx, layers = _track_with_ele(text)
    svg = profile_svg(ctx, layers)
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    assert "<polyline" in svg and "<script" not in svg and "&lt;script&gt;Alpha" in svg
    assert "href" not in svg  # self-contained
