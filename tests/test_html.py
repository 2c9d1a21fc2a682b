"""The offline HTML map (maps/html.py): file contents in Python, behaviour in headless Chromium.

Browser tests open the page with every network request aborted (tests/_browser.py) and check
what a user on a phone without signal would get: no JavaScript error, no request, every layer
drawn, popups, the layer toggles, the km-marker thinning, the line levels of detail, and that
HTML or template syntax in a forum note is shown as text and never runs.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import LineString, Point, Polygon

from geo.errors import OutputError
from layers._common import COLUMNS, make_gdf
from maps.html import LOD_LADDER, encode_polyline, line_lod, render_html, write_html
from tests._browser import OfflinePage, needs_chromium, offline_browser, open_offline

ROOT = Path(__file__).resolve().parents[1]

XSS_NOTE = (
    "At km 1383 checkpoint. <script>alert(1)</script> <img src=x onerror=window.__pwned=1> "
    "</script><script>window.__pwned=2</script> {{ 7*7 }} {% if 1 %}jinja{% endif %}"
)
XSS_NAME = '<b>Checkpoint</b><img src=x onerror="window.__pwned=3">'
XSS_LAYER = "<img src=x onerror=alert(4)>{{ 6*7 }}"


# ----------------------------------------------------------------------------- sample layers
def _gdf(layer: str, rows: list[dict[str, Any]]) -> gpd.GeoDataFrame:
    """A layer in the common schema (layers._common.make_gdf) with test defaults."""
    full = [{"name": "", "note": "", "source": "test", "confidence": "high", "located_by": "km", **r} for r in rows]
    return make_gdf(layer, full, sorted({k for r in full for k in r} - set(COLUMNS) - {"geometry"}))


def _line(n: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    t = np.linspace(0.0, 1.0, n)
    return 90.8 + 1.5 * t, 38.2 + 0.3 * np.sin(t * 9.0)


def hostile_layers() -> dict[str, gpd.GeoDataFrame]:
    """A small map whose notes, names and layer name try to inject HTML, script and Jinja."""
    lon, lat = _line()

    def at(frac: float) -> Point:
        i = int(frac * (len(lon) - 1))
        return Point(lon[i], lat[i])

    levels = {0: 100, 50: 50}
    km_rows = [
        {
            "kind": "km_marker",
            "km_pos": float(1300 + k),
            "name": f"km {1300 + k}",
            "level": levels.get(k % 100, 10 if k % 10 == 0 else 5 if k % 5 == 0 else 1),
            "geometry": at(k / 160),
        }
        for k in range(161)
    ]
    return {
        "route": _gdf(
            "route", [{"kind": "route", "name": "Route", "schematic": False, "geometry": LineString(np.c_[lon, lat])}]
        ),
        "km_markers": _gdf("km_markers", km_rows),
        "checkpoints": _gdf(
            "checkpoints",
            [
                {
                    "kind": "checkpoint",
                    "km": 1383.0,
                    "km_pos": 1383.0,
                    "name": XSS_NAME,
                    "note": XSS_NOTE,
                    "side": "right",
                    "geometry": at(0.3),
                },
                {
                    "kind": "checkpoint",
                    "km": None,
                    "km_pos": 1420.0,
                    "name": "CP two",
                    "note": "plain",
                    "located_by": "place",
                    "geometry": at(0.7),
                },
            ],
        ),
        "parallels": _gdf(
            "parallels",
            [
                {
                    "kind": "highway_built_closed",
                    "role": "highway",
                    "km": 1330.0,
                    "km_end": 1350.0,
                    "name": "closed highway",
                    "note": "built, not open",
                    "geometry": LineString(np.c_[lon[300:700], lat[300:700]]),
                },
                {
                    "kind": "resurfacing",
                    "role": "old_road",
                    "km": 1330.0,
                    "km_end": 1350.0,
                    "name": "resurfaced",
                    "note": "rough",
                    "geometry": LineString(np.c_[lon[300:700], lat[300:700]]),
                },
            ],
        ),
        "camping": _gdf(
            "camping",
            [
                {
                    "kind": "camping_zone",
                    "km": 1400.0,
                    "name": "zone",
                    "note": "good",
                    "geometry": Polygon([(91.5, 38.0), (91.6, 38.0), (91.6, 38.1), (91.5, 38.1)]),
                },
            ],
        ),
        "places": _gdf(
            "places",
            [
                {"kind": "town", "name": "Open town", "restricted": False, "geometry": at(0.05)},
                {
                    "kind": "town",
                    "name": "Closed town",
                    "restricted": True,
                    "note": "no foreigners overnight",
                    "geometry": at(0.95),
                },
            ],
        ),
        XSS_LAYER: _gdf("other", [{"kind": "thing", "name": "thing", "geometry": at(0.5)}]),
    }


# ----------------------------------------------------------------------------- python side
def test_encode_polyline_matches_google_reference() -> None:
    lon = np.array([-120.2, -120.95, -126.453])
    lat = np.array([38.5, 40.7, 43.252])
    assert encode_polyline(lon, lat) == "_p~iF~ps|U_ulLnnqC_mqNvxq`@"


def test_encode_polyline_drops_repeats_and_handles_large_deltas() -> None:
    lon = np.array([179.99999, 179.99999, -179.99999, 0.0])
    lat = np.array([-89.5, -89.5, 89.5, 0.0])
    enc = encode_polyline(lon, lat)
    assert all(63 <= ord(c) <= 126 for c in enc)
    # reference decoder (straight from the algorithm's description)
    vals, idx = [], 0
    while idx < len(enc):
        res = shift = 0
        while True:
            b = ord(enc[idx]) - 63
            idx += 1
            res |= (b & 0x1F) << shift
            shift += 5
            if b < 0x20:
                break
        vals.append(~(res >> 1) if res & 1 else res >> 1)
    pts = np.cumsum(np.array(vals).reshape(-1, 2), axis=0) / 1e5
    assert pts.tolist() == [[-89.5, 179.99999], [89.5, -179.99999], [0.0, 0.0]]


def test_line_lod_levels_get_finer_and_stay_close() -> None:
    lon, lat = _line(20_000)
    rng = np.random.default_rng(1)
    lon = lon + rng.normal(0, 2e-5, lon.size)  # ~2 m GPS noise
    lod = line_lod(LineString(np.c_[lon, lat]))
    zooms = [z for z, _ in lod]
    assert zooms == sorted(zooms) and zooms[0] == 0
    sizes = [sum(len(p) for p in parts) for _, parts in lod]
    assert sizes == sorted(sizes) and sizes[0] < sizes[-1]
    assert len(lod) >= 3
    assert len(lod[-1][1][0]) < 0.9 * 2 * lon.size  # the finest level already drops points


def test_script_breakout_and_template_syntax_are_neutralised_in_the_file() -> None:
    page = render_html(hostile_layers(), title="T </title><script>x</script>", schematic=False)
    assert "window.__pwned=2</script>" not in page
    assert "<script>alert(1)" not in page
    # branca re-parses rendered scripts as Jinja: the notes must not go through it
    assert "{{ 7*7 }}" in page and "{% if 1 %}jinja{% endif %}" in page and "{{ 6*7 }}" in page
    assert "<title>T &lt;/title&gt;&lt;script&gt;x&lt;/script&gt;</title>" in page


def test_page_links_nothing_external() -> None:
    page = render_html(hostile_layers(), title="t", schematic=True)
    assert not re.search(r"<(script|link|img|iframe)\b[^>]*\b(src|href)\s*=", page, re.I)
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", page, re.I)
    assert "@import" not in page
    assert "cdn.jsdelivr" not in page and "code.jquery" not in page


def test_seed_map_is_under_1_mb(seed_layers: dict, seed_ctx: Any, tmp_path: Path) -> None:
    out = tmp_path / "seed.html"
    write_html(out, seed_layers, title="seed", schematic=seed_ctx.schematic)
    assert 50_000 < out.stat().st_size < 1_000_000


def test_write_html_errors_name_the_problem(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="layer 'bad': expected a GeoDataFrame"):
        write_html(tmp_path / "a.html", {"bad": [1, 2]}, title="t", schematic=False)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError, match="cannot write the HTML map"):
        write_html(blocker / "a.html", hostile_layers(), title="t", schematic=False)


def test_layers_in_other_crs_are_reprojected() -> None:
    layers = {
        "checkpoints": _gdf(
            "checkpoints", [{"kind": "checkpoint", "km": 1.0, "name": "cp", "geometry": Point(91.0, 38.5)}]
        ).to_crs("EPSG:3857")
    }
    page = render_html(layers, title="t", schematic=False)
    assert '"coordinates":[91.0,38.5]' in page


# ----------------------------------------------------------------------------- browser side
@pytest.fixture(scope="module")
def browser() -> Any:
    if not Path("/usr/bin/chromium").is_file():
        pytest.skip("/usr/bin/chromium not installed (Debian package 'chromium')")
    with offline_browser() as b:
        yield b


@pytest.fixture(scope="module")
def seed_html(seed_layers: dict, seed_ctx: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("html") / "seed.html"
    notice = str(seed_layers["route"].iloc[0].get("notice") or "") or None
    write_html(out, seed_layers, title="G315 seed", schematic=seed_ctx.schematic, notice=notice)
    return out


@pytest.fixture(scope="module")
def hostile_html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("html") / "hostile.html"
    write_html(
        out,
        hostile_layers(),
        title="<script>window.__pwned=5</script>",
        schematic=False,
        attribution='<img src=x onerror="window.__pwned=6">notes',
    )
    return out


def _assert_clean(run: OfflinePage) -> None:
    assert run.page_errors == []
    assert run.console_errors == []
    assert run.other_requests == []
    assert run.dialogs == []
    assert run.js("() => window.__pwned") is None


def _pixel(run: OfflinePage, x: float, y: float) -> tuple[int, int, int]:
    from PIL import Image

    png = run.page.screenshot(clip={"x": int(x), "y": int(y), "width": 1, "height": 1})
    rgb = Image.open(io.BytesIO(png)).convert("RGB").getpixel((0, 0))
    assert isinstance(rgb, tuple)
    return (int(rgb[0]), int(rgb[1]), int(rgb[2]))


def _open_control(run: OfflinePage) -> None:
    run.page.hover(".leaflet-control-layers")
    run.page.wait_for_selector(".leaflet-control-layers-expanded")


def _toggle(run: OfflinePage, label: str) -> None:
    _open_control(run)
    run.page.locator(".leaflet-control-layers-overlays label", has_text=label).locator("input").click()


POINTS_JS = """(id) => {
  const m = kmpost.map, box = m.getContainer().getBoundingClientRect(), out = [];
  kmpost.layers[id].getLayers().forEach((l) => {
    if (!l.getLatLng) return;
    const p = m.latLngToContainerPoint(l.getLatLng());
    out.push({x: p.x + box.left, y: p.y + box.top, lat: l.getLatLng().lat, lng: l.getLatLng().lng,
              name: l.kpProps ? l.kpProps.name : null, on: !!l._map});
  });
  return out;
}"""


@needs_chromium
def test_seed_map_offline_every_layer_drawn(browser: Any, seed_html: Path, seed_layers: dict) -> None:
    with open_offline(browser, seed_html) as run:
        _assert_clean(run)
        assert run.blocked == []  # not even a tile: the default base layer is the plain background
        drawable = {  # rows without a geometry (general advice) cannot be drawn
            k: int((g.geometry.notna() & ~g.geometry.is_empty).sum()) for k, g in seed_layers.items()
        }
        expected = {k for k, n in drawable.items() if n}
        assert set(run.js("() => kmpost.order")) == expected
        totals = run.js("() => kmpost.totals")
        for name in expected:
            assert totals[name] == drawable[name], name
            shown = run.js("(id) => kmpost.rendered(id)", name)
            if name in ("anchors", "transport"):  # diagnostics / not roads: listed but off at start
                assert shown == 0
                _toggle(run, "Km anchors" if name == "anchors" else "Transport")
                assert run.js("(id) => kmpost.rendered(id)", name) == totals[name]
            elif name == "km_markers":  # thinned by zoom, only in view
                assert 0 < shown < totals[name]
            else:
                assert shown == totals[name], name
        labels = run.page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
        assert len(labels) == len(expected)
        notice = run.page.locator(".kp-notice-text").inner_text()
        assert "SCHEMATIC" in notice.upper()
        assert run.page.locator(".leaflet-control-scale").count() == 1
        assert run.page.locator(".kp-legend-row").count() >= len(expected)


@needs_chromium
def test_seed_popup_opens_on_click_and_hiding_a_layer_hides_it(browser: Any, seed_html: Path) -> None:
    with open_offline(browser, seed_html) as run:
        pts = run.js(POINTS_JS, "checkpoints")
        assert pts
        # a checkpoint with no other point within 15 px at zoom 15
        run.js("(p) => { kmpost.map.setView([p.lat, p.lng], 15, {animate: false}); }", pts[0])
        run.page.wait_for_timeout(300)
        cp = run.js(POINTS_JS, "checkpoints")[0]
        red = _pixel(run, cp["x"], cp["y"])
        assert red[0] > 180 and red[1] < 110 and red[2] < 110, red  # checkpoint fill #e53935
        run.page.mouse.click(cp["x"], cp["y"])
        popup = run.page.locator(".leaflet-popup-content")
        popup.wait_for()
        text = popup.inner_text()
        assert cp["name"] in text and "km" in text and "Checkpoint" in text
        run.page.keyboard.press("Escape")
        run.js("() => { kmpost.map.closePopup(); }")
        _toggle(run, "Checkpoints")
        assert run.js("() => kmpost.map.hasLayer(kmpost.layers.checkpoints)") is False
        assert run.js("(id) => kmpost.rendered(id)", "checkpoints") == 0
        run.page.mouse.move(5, 890)  # collapse the control, away from the map features
        run.page.wait_for_timeout(200)
        after = _pixel(run, cp["x"], cp["y"])
        assert not (after[0] > 180 and after[1] < 110 and after[2] < 110), after
        _toggle(run, "Checkpoints")
        assert run.js("(id) => kmpost.rendered(id)", "checkpoints") == len(pts)
        _assert_clean(run)


@needs_chromium
def test_hostile_text_is_shown_literally_and_never_runs(browser: Any, hostile_html: Path) -> None:
    with open_offline(browser, hostile_html) as run:
        _assert_clean(run)
        assert run.page.title() == "<script>window.__pwned=5</script>"
        cp = run.js(POINTS_JS, "checkpoints")[0]
        assert cp["name"] == XSS_NAME
        run.js("(p) => { kmpost.map.setView([p.lat, p.lng], 14, {animate: false}); }", cp)
        run.page.wait_for_timeout(300)
        cp = run.js(POINTS_JS, "checkpoints")[0]
        run.page.mouse.move(cp["x"], cp["y"])
        tip = run.page.locator(".leaflet-tooltip .kp-tip")
        tip.wait_for()
        assert XSS_NAME in tip.inner_text()
        run.page.mouse.click(cp["x"], cp["y"])
        popup = run.page.locator(".leaflet-popup-content")
        popup.wait_for()
        text = popup.inner_text()
        assert "<script>alert(1)</script>" in text
        assert "<img src=x onerror=window.__pwned=1>" in text
        assert "{{ 7*7 }}" in text and "{% if 1 %}jinja{% endif %}" in text
        assert XSS_NAME in text
        assert popup.locator("img, script, b").count() == 0
        # the layer name, in the layer control and the legend
        _open_control(run)
        labels = run.page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
        assert any(XSS_LAYER in lab for lab in labels), labels
        assert run.page.locator(".leaflet-control-layers img").count() == 0
        legend = run.page.locator(".kp-legend").inner_text()
        assert XSS_LAYER in legend and "<script>window.__pwned=5</script>" in legend
        attribution = run.page.locator(".leaflet-control-attribution").inner_text()
        assert '<img src=x onerror="window.__pwned=6">notes' in attribution
        run.page.wait_for_timeout(300)
        _assert_clean(run)
        assert run.page.locator(".kp-notice").count() == 0  # not schematic, no notice given


@needs_chromium
def test_km_markers_thin_by_zoom(browser: Any, hostile_html: Path) -> None:
    with open_offline(browser, hostile_html) as run:
        seen = {}
        lon, lat = _line()
        centre = [float(lat[1000]), float(lon[1000])]  # on the line, mid-route
        for z in (6, 8, 10, 12, 14):
            run.js("(a) => { kmpost.map.setView(a[0], a[1], {animate: false}); }", [centre, z])
            run.page.wait_for_timeout(100)
            level = run.js("() => kmpost.layers.km_markers.level")
            labels = run.page.locator(".kp-km-label").all_inner_texts()
            kms = [int(t) for t in labels]
            seen[z] = (level, len(kms))
            if level is None:
                assert kms == []
                continue
            assert kms, z
            assert all(k % level == 0 for k in kms), (z, level, kms)
        levels = [lv for lv, _ in seen.values() if lv is not None]
        assert levels == sorted(levels, reverse=True) and len(set(levels)) >= 3, seen
        # in view only: at zoom 14 fewer markers than the level alone would give
        assert seen[14][1] < 161
        _assert_clean(run)


@needs_chromium
def test_lines_switch_level_of_detail_and_decode_exactly(browser: Any, hostile_html: Path) -> None:
    lod = line_lod(hostile_layers()["route"].geometry.iloc[0])
    with open_offline(browser, hostile_html) as run:
        counts = {}
        for z in (4, 8, 11, 15):
            run.js("(z) => { kmpost.map.setZoom(z, {animate: false}); }", z)
            run.page.wait_for_timeout(100)
            counts[z] = run.js("() => kmpost.layers.route.getLayers()[0].getLatLngs()[0].length")
        assert counts[4] < counts[8] < counts[15], counts
        finest = run.js("(s) => kmpost.decode(s)", lod[-1][1][0])
        lon, lat = _line()
        want: np.ndarray = np.round(np.column_stack([lat, lon]), 5)
        got = np.array(finest)
        assert got.shape[1] == 2 and len(got) <= len(want)
        # every decoded vertex is one of the input vertices, to 1e-5 degree
        rows = {tuple(r) for r in np.round(want * 1e5).astype(int)}
        assert all(tuple(r) in rows for r in np.round(got * 1e5).astype(int))
        assert {z for z, _ in lod} <= {z for z, _ in LOD_LADDER} and len(lod) >= 3


@needs_chromium
def test_online_base_layer_offline_only_asks_for_tiles_and_is_remembered(browser: Any, hostile_html: Path) -> None:
    ctx = browser.new_context(viewport={"width": 1000, "height": 700})
    try:
        with open_offline(browser, hostile_html, context=ctx) as run:
            assert run.blocked == []
            _open_control(run)
            run.page.locator(".leaflet-control-layers-base label", has_text="OpenStreetMap").click()
            run.page.wait_for_timeout(500)
            assert run.tile_requests, "choosing the OSM base layer should ask for tiles"
            assert run.other_requests == [] and run.page_errors == []
            assert run.js("(id) => kmpost.rendered(id)", "checkpoints") == 2
        with open_offline(browser, hostile_html, context=ctx) as run:
            run.page.wait_for_timeout(300)
            assert run.tile_requests  # the choice is remembered on this device
            assert run.page_errors == [] and run.other_requests == []
    finally:
        ctx.close()


@needs_chromium
def test_tools_measure_locate_fullscreen(browser: Any, hostile_html: Path) -> None:
    with open_offline(
        browser,
        hostile_html,
        geolocation={"latitude": 38.3, "longitude": 91.2},
        permissions=["geolocation"],
    ) as run:
        run.page.click(".kp-btn-measure")
        run.page.mouse.click(300, 400)
        run.page.mouse.click(700, 400)
        km = run.js("() => kmpost.measuredKm")
        want = run.js(
            """() => { const m = kmpost.map;
              return m.distance(m.containerPointToLatLng([300, 400]),
                                m.containerPointToLatLng([700, 400])) / 1000; }"""
        )
        assert km == pytest.approx(want, rel=1e-6) and km > 0
        assert "km" in run.page.locator(".kp-measure-tip").inner_text()
        run.page.click(".kp-btn-measure")
        assert run.js("() => kmpost.measuring") is False
        run.page.click(".kp-btn-locate")
        run.page.wait_for_function("() => !!kmpost.located", timeout=10_000)
        loc = run.js("() => [kmpost.located.lat, kmpost.located.lng]")
        assert loc == pytest.approx([38.3, 91.2], abs=1e-6)
        run.page.click(".kp-btn-fullscreen")
        run.page.wait_for_timeout(300)
        assert run.js(
            "() => !!document.fullscreenElement || kmpost.map.getContainer().classList.contains('kp-pseudo-fs')"
        )
        _assert_clean(run)


# ----------------------------------------------------------------------------- screenshot
def _shot_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """``python -m maps.screenshot`` in its own process (Playwright's sync API allows one per
    thread, and the module's browser fixture holds it)."""
    return subprocess.run(
        [sys.executable, "-m", "maps.screenshot", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


@needs_chromium
def test_screenshot_of_the_map_is_a_real_picture(hostile_html: Path, tmp_path: Path) -> None:
    from PIL import Image

    out = tmp_path / "shot.png"
    done = _shot_cli(hostile_html, out, "--width", "900", "--height", "600")
    assert done.returncode == 0, done.stderr
    img = Image.open(out).convert("RGB")
    assert img.size == (900, 600)
    colours = img.getcolors(1 << 20)
    assert colours is not None and len(colours) > 200  # lines, markers, controls: not blank


@needs_chromium
def test_screenshot_refuses_broken_or_online_pages(tmp_path: Path) -> None:
    broken = tmp_path / "broken.html"
    broken.write_text("<html><body><script>window.kmpost={ready:true}; nosuchfn();</script>")
    done = _shot_cli(broken, tmp_path / "b.png")
    assert done.returncode == 2 and "JavaScript error" in done.stderr, done.stderr
    online = tmp_path / "online.html"
    online.write_text(
        '<html><head><link rel="stylesheet" href="https://cdn.example.org/x.css"></head>'
        "<body><script>window.kmpost={ready:true}</script></body></html>"
    )
    done = _shot_cli(online, tmp_path / "o.png")
    assert done.returncode == 2, done.stderr
    assert "tried to load https://cdn.example.org/x.css" in done.stderr


def test_map_levels_made_ahead_are_the_levels_made_on_the_page() -> None:
    """simplify_ahead's finest level is handed out for a line of exactly those vertices (same
    levels as without it) and never for another line."""
    import shapely

    from maps import html as mh

    rng = np.random.default_rng(11)
    n = 30_000
    lon = 90.0 + np.cumsum(rng.uniform(0, 2e-4, n))
    lat = 38.0 + np.cumsum(rng.normal(0, 1e-4, n))
    line = shapely.LineString(np.column_stack([lon, lat]))
    other = shapely.LineString(np.column_stack([lon + 1e-3, lat]))  # same frame, other vertices
    try:
        mh.simplify_ahead(None)
        want, want_other = mh.line_lod(line), mh.line_lod(other)
        mh.simplify_ahead(lon.copy(), lat.copy())
        assert mh._ahead is not None
        assert mh.line_lod(line) == want
        assert mh.line_lod(other) == want_other
    finally:
        mh.simplify_ahead(None)
    assert mh._ahead is None
