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


# --- hostile and odd input (issue 15 item 3, issue 14 item 2) -------------------------------------

def _with_places(mini_text: str, n: int, source: str) -> str:
    extra = "".join(f"""  - id: p{i}
    name: Pass {i}
    lat: {38.0 + 0.3 * (i + 1) / (n + 2):.6f}
    lon: {90.0 + 0.6 * (i + 1) / (n + 2):.6f}
    coord_source: test
    on_route: true
    ele: {3000 + 7 * i}
    ele_source: "{source}"
""" for i in range(n))
    return mini_text.replace("anchors:\n", extra + "anchors:\n")


def _ctx(text: str, ele: np.ndarray | None = None, name: str | None = None) -> tuple:
    import dataclasses

    rb = parse_roadbook(text, "mini.yaml")
    track = None
    if ele is not None:
        n = len(ele)
        track = Track(lon=np.linspace(90.0, 90.6, n), lat=np.linspace(38.0, 38.3, n), ele=ele, source="t.gpx")
    ctx = calibrate(rb, track)
    layers = build_all(ctx)
    if name is not None:  # past the loader's checks (it cleans names): the writer must be safe on its own
        ctx = dataclasses.replace(ctx, roadbook=dataclasses.replace(rb, route=dataclasses.replace(rb.route, name=name)))
    return ctx, layers


def _fig(ctx, layers):
    fig = render_profile(ctx, layers)
    assert fig is not None
    return fig


def _limits_ok(fig) -> None:
    ax = fig.axes[0]
    for lo, hi in (ax.get_xlim(), ax.get_ylim()):
        assert np.isfinite([lo, hi]).all() and lo != hi


def test_seventy_spot_heights_with_long_sources(tmp_path: Path, mini_text: str):
    """Was "bottom cannot be >= top": the caption grew taller than the figure."""
    ctx, layers = _ctx(_with_places(mini_text, 70, "NOAA ISD station 51886, read in 2021"))  # 36 characters
    assert len(spot_heights(ctx, layers)[0]) == 70
    out = write_profile(ctx, layers, tmp_path / "profile.png")
    assert out is not None and _non_white_fraction(out) > 0.02
    fig = _fig(ctx, layers)
    caption = fig.texts[0].get_text()
    assert "and 58 more spot heights (see the roadbook)" in caption
    _limits_ok(fig)
    ET.fromstring(profile_svg(ctx, layers))


def test_non_road_elevations_are_left_out_and_counted(tmp_path: Path, mini_text: str):
    ctx, layers = _ctx(mini_text, ele=np.full(50, 1e308))   # was ZeroDivisionError
    assert measured_profile(ctx) is None
    assert render_profile(ctx, layers) is None and profile_svg(ctx, layers) == ""
    assert write_profile(ctx, layers, tmp_path / "p.png") is None and not (tmp_path / "p.png").exists()
    ele = np.full(50, 2000.0)
    ele[::2] = [-1e308, 1e308, 12_000.0, -900.0, 1e30] * 5
    ctx, layers = _ctx(mini_text, ele=ele)
    prof = measured_profile(ctx)
    assert prof is not None
    e = prof[1]
    assert len(e) == 25 and (e == 2000.0).all()
    fig = _fig(ctx, layers)
    assert "25 track elevations outside -500..9,000 m left out" in fig.texts[0].get_text()
    _limits_ok(fig)


@pytest.mark.parametrize("ele", [np.array([1500.0, np.nan, np.nan]), np.full(30, 4321.0),
                                 np.array([-500.0, 9000.0] * 20), np.array([1234.5])],
                         ids=["one point", "all equal", "the whole range", "a one-point track"])
def test_any_finite_profile_draws(tmp_path: Path, mini_text: str, ele: np.ndarray):
    if len(ele) == 1:  # a one-point track cannot be calibrated: the profile of a two-point one, same place
        ele = np.array([1234.5, 1234.5])
    ctx, layers = _ctx(mini_text, ele=ele)
    out = write_profile(ctx, layers, tmp_path / "profile.png")
    assert out is not None and out.read_bytes()[:4] == b"\x89PNG"
    _limits_ok(_fig(ctx, layers))
    svg = profile_svg(ctx, layers)
    assert "nan" not in svg.lower() and "inf" not in svg.replace("info", "")
    ET.fromstring(svg)


@pytest.mark.parametrize("size", [1_000_000, 3_000_000])
def test_megabyte_route_name_is_cut(tmp_path: Path, mini_text: str, size: int):
    """A 1 MB name took 123 s, 3 MB overflowed FreeType's raster."""
    import time

    ctx, layers = _ctx(mini_text, ele=np.full(40, 2000.0), name=("G315 \x1b[31m" * size)[:size])
    t = time.perf_counter()
    out = write_profile(ctx, layers, tmp_path / "profile.png")
    svg = profile_svg(ctx, layers)
    assert time.perf_counter() - t < 10
    assert out is not None
    title = _fig(ctx, layers).axes[0].get_title()
    assert len(title) < 200 and title.startswith("G315 [31mG315") and "…" in title and "\x1b" not in title
    assert len(svg) < 20_000 and "\x1b" not in svg


def test_dollars_surrogates_and_controls_in_names(tmp_path: Path, mini_text: str):
    name = "Pass $x^$ of \\frac{ \ud800 \x00 \x07 end"
    text = _with_places(mini_text, 2, "src").replace("name: Pass 0", "name: Pass zero")
    ctx, layers = _ctx(text, ele=np.full(40, 2000.0), name=name)
    out = write_profile(ctx, layers, tmp_path / "profile.png")
    assert out is not None
    title = _fig(ctx, layers).axes[0].get_title()
    assert title.startswith("Pass \\$x^\\$ of \\frac{ \ufffd end")
    svg = profile_svg(ctx, layers)
    assert "Pass $x^$ of \\frac{ \ufffd end" in svg
    svg.encode("utf-8")  # no lone surrogate left
    ET.fromstring(svg)


def test_a_million_points_are_drawn_decimated_with_their_extremes(mini_text: str):
    """issue 14 item 2: the PNG draws at most 2 x MAX_CHUNKS points, and keeps the peaks."""
    from maps.profile import MAX_CHUNKS

    n = 1_000_000
    ele = 2000 + 500 * np.sin(np.linspace(0, 40, n))
    ele[123_457] = 8000.0  # a one-point spike must survive the decimation
    ele[876_543] = -400.0
    ctx, layers = _ctx(mini_text, ele=ele)
    fig = _fig(ctx, layers)
    (line,) = [ln for ln in fig.axes[0].get_lines() if ln.get_label() == "elevation of the track"]
    y = np.asarray(line.get_ydata())
    assert len(y) <= 2 * MAX_CHUNKS
    assert y.max() == 8000.0 and y.min() == -400.0
    svg = profile_svg(ctx, layers)
    assert svg.count(",") < 2_000
