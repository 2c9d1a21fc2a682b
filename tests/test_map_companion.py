"""The map as a riding companion (issue 12), in headless Chromium with the network cut off.

The page computes road km from the calibration it carries (route vertices with their along-track
metres, the knots); every figure it shows is compared with what the Python calibration gives for
the same point (``ctx.chainage.km_at_point``).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from geo.track import Track
from layers import build_all, calibrate
from maps.html import companion_data, track_gaps, write_html
from roadbook import load_embedded
from tests._browser import needs_chromium, offline_browser, open_offline

PHONE = (390, 844)
TO_PX = "(p) => { const q = kmpost.map.latLngToContainerPoint([p[1], p[0]]); return [q.x, q.y]; }"


def _write(ctx: Any, layers: dict, out: Path) -> Path:
    notice = str(layers["route"].iloc[0]["notice"]) if ctx.schematic else None
    write_html(out, layers, title=ctx.roadbook.route.name, schematic=ctx.schematic, notice=notice,
               route=ctx.chainage, gaps_m=track_gaps(ctx.track))
    return out


def _offset_point(ctx: Any, km: float, off_m: float) -> tuple[float, float]:
    """(lon, lat) of a point ``off_m`` metres to the left of the route at road km ``km``."""
    line = ctx.line
    a = float(ctx.chainage.km_to_along(km)[0])
    a0, a1 = (a, a + 50.0) if a + 50.0 <= line.length_m else (a - 50.0, a)
    x, y = line.interpolate_xy(np.array([a0, a1]))
    x, y = x[::-1] if a0 < a else x, y[::-1] if a0 < a else y
    dx, dy = x[1] - x[0], y[1] - y[0]
    n = np.hypot(dx, dy)
    lon, lat = line.proj.inverse(np.array([x[0] - dy / n * off_m]), np.array([y[0] + dx / n * off_m]))
    return float(lon[0]), float(lat[0])


def _next_cp(ctx: Any, layers: dict, lon: float, lat: float) -> tuple[float, float]:
    """(km, road-km distance) of the next checkpoint ahead (along_m increasing) of a point."""
    along, _ = ctx.line.locate(lon, lat)
    km_here = float(ctx.chainage.along_to_km(along)[0])
    cps = layers["checkpoints"].sort_values("along_m")
    ahead = cps[cps["along_m"] > float(along[0]) + 150.0]
    k = float(ahead.iloc[0]["km_pos"])
    return k, abs(k - km_here)


def _panel(run: Any) -> dict[str, Any]:
    text = run.page.locator(".kp-where").inner_text()
    km = re.search(r"km (\d+(?:\.\d+)?) ·", text)
    cp = re.search(r"CP in (\d+(?:\.\d+)?) km \(km (\d+(?:\.\d+)?)", text)
    assert km and cp, text
    return {"text": text, "km": float(km.group(1)), "cp_dist": float(cp.group(1)), "cp_km": float(cp.group(2))}


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, dict, Path]:
    ctx = calibrate(load_embedded("g315"))
    layers = build_all(ctx)
    return ctx, layers, _write(ctx, layers, tmp_path_factory.mktemp("companion") / "seed.html")


@pytest.fixture(scope="module")
def tracked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, dict, Path]:
    """The G315 roadbook on a wiggly two-segment track (12 km gap) made along the schematic line."""
    base = calibrate(load_embedded("g315"))
    line = base.line
    along = np.linspace(0.0, line.length_m, 4000)
    x, y = line.interpolate_xy(along)
    x = x + 300.0 * np.sin(along / 3000.0)  # up to 300 m off the schematic line: another geometry
    gap = (along > 150_000) & (along < 162_000)
    lon, lat = line.proj.inverse(x[~gap], y[~gap])
    start2 = int(np.argmax(along[~gap] >= 162_000))
    trk = Track(lon=lon, lat=lat, ele=None, segment_starts=np.array([0, start2]), source="test track",
                gaps_m=(12_000.0,))
    ctx = calibrate(load_embedded("g315"), trk)
    layers = build_all(ctx)
    return ctx, layers, _write(ctx, layers, tmp_path_factory.mktemp("companion") / "track.html")


@pytest.fixture(scope="module")
def browser() -> Any:
    with offline_browser() as b:
        yield b


def _locate(browser: Any, html: Path, lon: float, lat: float) -> tuple[Any, Any]:
    ctx = browser.new_context(viewport={"width": PHONE[0], "height": PHONE[1]},
                              geolocation={"latitude": lat, "longitude": lon}, permissions=["geolocation"])
    return ctx, open_offline(browser, html, context=ctx)


@contextlib.contextmanager
def _fix(browser: Any, html: Path, ctx: Any, layers: dict, lon: float, lat: float) -> Iterator[tuple[Any, dict]]:
    """Open the page with a position fix at (lon, lat), click "Show my position", and yield the
    page run and what it shows beside what the Python calibration says for the same point."""
    bctx, opener = _locate(browser, html, lon, lat)
    try:
        with opener as run:
            run.page.click("[title='Show my position']")
            run.page.wait_for_selector(".kp-where-km")
            got = _panel(run)
            cp_km, cp_dist = _next_cp(ctx, layers, lon, lat)
            got.update(km_py=float(ctx.chainage.km_at_point(lon, lat)[0][0]), py_cp_km=cp_km, py_cp_dist=cp_dist,
                       exact=run.js("() => kmpost.where.km"))
            yield run, got
            assert run.page_errors == [] and run.blocked == []
    finally:
        bctx.close()


def test_companion_data_reproduces_the_python_calibration(seed: tuple[Any, dict, Path]) -> None:
    ctx, layers, _ = seed
    data = companion_data(ctx.chainage, layers)
    assert len(data["lon"]) == len(ctx.line.lon)
    assert data["along"] == pytest.approx(ctx.line.along_m.tolist(), abs=0.1)
    ka, kk = ctx.chainage.knots
    assert data["knots"]["along"] == pytest.approx(ka.tolist()) and data["knots"]["km"] == pytest.approx(kk.tolist())
    tags = {e["name"]: e["tags"] for e in data["events"]}
    assert "cp" in tags["Checkpoint km 1383"]
    assert "nosleep" in tags["Huatugou"] and "sleep" not in tags["Huatugou"]
    assert "sleep" in tags["Charklik / Ruoqiang"]


@needs_chromium
def test_position_fix_shows_road_km_and_next_checkpoint(browser: Any, seed: tuple[Any, dict, Path]) -> None:
    ctx, layers, html = seed
    cps = layers["checkpoints"]
    cp = cps[cps["km_pos"] == 1383].iloc[0]
    points = [(cp.geometry.x, cp.geometry.y), _offset_point(ctx, 1300.0, 800.0),
              _offset_point(ctx, 1410.0, 0.0), _offset_point(ctx, 1395.5, -2500.0)]
    errors = []
    for i, (lon, lat) in enumerate(points):
        with _fix(browser, html, ctx, layers, lon, lat) as (_, got):
            if i == 0:
                assert got["km"] == pytest.approx(1383.0, abs=0.1), got["text"]
                assert got["cp_km"] == pytest.approx(1423.0, abs=0.1), got["text"]
                assert got["cp_dist"] == pytest.approx(40.0, abs=0.5), got["text"]
                assert "Here: Checkpoint km 1383" in got["text"]
            assert got["km"] == pytest.approx(got["km_py"], abs=0.1), (i, got["text"])
            assert got["cp_km"] == pytest.approx(got["py_cp_km"], abs=0.1)
            assert got["cp_dist"] == pytest.approx(got["py_cp_dist"], abs=0.5)
            errors.append(abs(got["exact"] - got["km_py"]) * 1000)
    assert max(errors) < 50, errors  # metres


@needs_chromium
def test_panel_follows_the_position_and_names_water_and_overnight(browser: Any, seed: tuple[Any, dict, Path]) -> None:
    ctx, _, html = seed
    lon, lat = _offset_point(ctx, 1340.0, 0.0)
    bctx, opener = _locate(browser, html, lon, lat)
    try:
        with opener as run:
            run.page.click("[title='Show my position']")
            run.page.wait_for_selector(".kp-where-km")
            assert _panel(run)["km"] == pytest.approx(1340.0, abs=0.1)
            lon2, lat2 = _offset_point(ctx, 1430.0, 0.0)
            bctx.set_geolocation({"latitude": lat2, "longitude": lon2})
            run.page.wait_for_function("() => kmpost.where && Math.abs(kmpost.where.km - 1430) < 0.2", timeout=15_000)
            text = run.page.locator(".kp-where").inner_text()
            assert "no checkpoint known ahead" in text
            assert "next allowed overnight: 36th Regiment (Miran town)" in text
            assert "water/food: 36th Regiment (Miran town)" in text
            assert "Huatugou" not in text  # behind us, and foreigners may not stay there
    finally:
        bctx.close()


@needs_chromium
def test_same_on_a_track_build_with_a_gap(browser: Any, tracked: tuple[Any, dict, Path]) -> None:
    ctx, layers, html = tracked
    kms = []
    for km, off in ((1330.0, 150.0), (1383.0, 0.0), (1401.0, -900.0)):
        lon, lat = _offset_point(ctx, km, off)
        with _fix(browser, html, ctx, layers, lon, lat) as (run, got):
            assert abs(got["exact"] - got["km_py"]) * 1000 < 50
            assert got["cp_km"] == pytest.approx(got["py_cp_km"], abs=0.1)
            assert got["cp_dist"] == pytest.approx(got["py_cp_dist"], abs=0.5)
            kms.append(got["km"])
            # the track's gap is drawn as a thin dotted line, labelled, not as road
            gap = run.js("""() => kmpost.layers.route.getLayers().filter(l => l.kpProps.kind === 'track_gap')
                              .map(l => [l.kpProps.name, l.options.dashArray, l.options.weight])""")
            (g0, g1), = track_gaps(ctx.track)
            assert len(gap) == 1 and f"Gap in the track: {(g1 - g0) / 1000:.1f} km" in gap[0][0]
            assert gap[0][1] == "1 6"
    assert kms == sorted(kms)


@needs_chromium
def test_measure_along_the_route_and_go_to_km(browser: Any, seed: tuple[Any, dict, Path]) -> None:
    ctx, _, html = seed
    with open_offline(browser, html, viewport=PHONE) as run:
        run.page.click(".kp-btn-gokm")
        run.page.fill(".kp-gokm input", "1400")
        run.page.press(".kp-gokm input", "Enter")
        centre = run.js("() => { const c = kmpost.map.getCenter(); return [c.lng, c.lat]; }")
        assert float(ctx.chainage.km_at_point(*centre)[0][0]) == pytest.approx(1400.0, abs=0.05)
        run.page.fill(".kp-gokm input", "9999")
        run.page.press(".kp-gokm input", "Enter")
        assert "not on this route" in run.page.locator(".kp-toast").inner_text()
        run.page.click(".kp-btn-gokm")
        # two taps near the route, 1390 and 1410: the tool says the road km between them
        run.js("() => { kmpost.map.setZoom(10, {animate: false}); }")
        pts = []
        for km in (1390.0, 1410.0):
            lon, lat = _offset_point(ctx, km, 300.0)
            pts.append(run.js(TO_PX, [lon, lat]))
        run.page.click(".kp-btn-measure")
        assert run.page.locator(".kp-mode-route.kp-on").count() == 1
        for x, y in pts:
            run.page.mouse.click(x, y)
        want = abs(float(np.diff([ctx.chainage.km_at_point(*run.js(
            "(p) => { const l = kmpost.map.containerPointToLatLng(p); return [l.lng, l.lat]; }", p))[0][0]
            for p in pts])[0]))
        assert run.js("() => kmpost.measuredKm") == pytest.approx(want, abs=0.05)
        assert want == pytest.approx(20.0, abs=0.5)
        assert "along the route" in run.page.locator(".kp-measure-tip").inner_text()
        run.page.click(".kp-mode-straight")
        for x, y in pts:
            run.page.mouse.click(x, y)
        straight = run.js("""(p) => { const m = kmpost.map; return m.distance(m.containerPointToLatLng(p[0]),
                              m.containerPointToLatLng(p[1])) / 1000; }""", pts)
        assert run.js("() => kmpost.measuredKm") == pytest.approx(straight, rel=1e-6)
        assert "straight line" in run.page.locator(".kp-measure-tip").inner_text()
        assert run.page_errors == [] and run.blocked == []


@needs_chromium
def test_tap_15px_off_a_point_over_an_area_opens_the_point(browser: Any, seed: tuple[Any, dict, Path]) -> None:
    _, layers, html = seed
    cps = layers["checkpoints"]
    cp = cps[cps["km_pos"] == 1383].iloc[0]
    zone = layers["camping"][layers["camping"].geometry.geom_type == "Polygon"].geometry.iloc[0]
    assert zone.contains(cp.geometry)  # the checkpoint lies over the camping zone
    with open_offline(browser, html, viewport=PHONE) as run:
        run.js("(p) => { kmpost.map.setView([p[1], p[0]], 13, {animate: false}); }", [cp.geometry.x, cp.geometry.y])
        x, y = run.js(TO_PX, [cp.geometry.x, cp.geometry.y])
        box = run.js("() => { const b = kmpost.map.getContainer().getBoundingClientRect(); return [b.left, b.top]; }")
        # 15 px off, across the route (inside the zone, away from the route's other points)
        run.page.mouse.click(box[0] + x + 15 * 0.6, box[1] + y + 15 * 0.8)
        popup = run.page.locator(".leaflet-popup-content")
        popup.wait_for()
        assert "Checkpoint km 1383" in popup.inner_text()
        assert "Camping zone" not in popup.inner_text()
        assert run.page_errors == []


def _boxes(run: Any, selector: str) -> list[dict[str, float]]:
    return run.js("""(sel) => [...document.querySelectorAll(sel)].filter(e => e.offsetParent !== null)
      .map(e => { const b = e.getBoundingClientRect(); return {x0: b.left, y0: b.top, x1: b.right, y1: b.bottom,
                  cls: e.className}; }).filter(b => b.x1 > b.x0 && b.y1 > b.y0)""", selector)


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return a["x0"] < b["x1"] - 0.5 and b["x0"] < a["x1"] - 0.5 and a["y0"] < b["y1"] - 0.5 and b["y0"] < a["y1"] - 0.5


@needs_chromium
def test_phone_layout_controls_never_cover_scale_popup_or_banner(browser: Any, seed: tuple[Any, dict, Path]) -> None:
    ctx, _, html = seed
    with open_offline(browser, html, viewport=PHONE) as run:
        controls = ".leaflet-control:not(.leaflet-control-scale), .kp-where"
        scale = _boxes(run, ".leaflet-control-scale")
        banner = _boxes(run, ".kp-notice")
        assert len(scale) == 1 and len(banner) == 1
        assert banner[0]["y1"] - banner[0]["y0"] < 60  # one line, not a quarter of the screen
        for c in _boxes(run, controls):
            assert not _overlap(c, scale[0]), c
            assert not _overlap(c, banner[0]), c
        # popups of features under the left toolbar, under the layers button and at the bottom
        pts = run.js("""() => { const out = [];
            kmpost.layers.checkpoints.eachLayer(function v(l) {
              if (l.eachLayer) { l.eachLayer(v); } else { out.push(l); } });
            return out.length; }""")
        assert pts >= 3
        for where in ([25, 200], [370, 90], [200, 800], [30, 820]):
            run.js("() => { kmpost.map.closePopup(); }")
            run.js("""(w) => { const m = kmpost.map, ls = [];
                kmpost.layers.checkpoints.eachLayer(function v(l) {
                  if (l.eachLayer) { l.eachLayer(v); } else { ls.push(l); } });
                const l = ls[ls.length - 1], p = m.latLngToContainerPoint(l.getLatLng());
                m.panBy([p.x - w[0], p.y - w[1]], {animate: false}); kmpost.openPopupFor(l); }""", where)
            run.page.wait_for_timeout(600)
            popup = _boxes(run, ".leaflet-popup-content-wrapper")
            assert len(popup) == 1
            for c in _boxes(run, controls) + banner + scale:
                assert not _overlap(c, popup[0]), (where, c, popup[0])
            title = run.page.locator(".kp-pop-title").inner_text()
            assert title
        # the riding panel does not cover the scale or the controls either
        lon, lat = _offset_point(ctx, 1400.0, 0.0)
        run.js("(p) => { kmpost.showWhere(p[1], p[0], 'tap'); }", [lon, lat])
        scale = _boxes(run, ".leaflet-control-scale")
        panel = _boxes(run, ".kp-where")
        for c in _boxes(run, ".leaflet-control") + banner:
            assert not _overlap(c, panel[0]), c
        assert not _overlap(scale[0], panel[0])
        assert run.page_errors == []


@needs_chromium
def test_desktop_view_keeps_the_route_clear_of_the_open_legend(browser: Any, seed: tuple[Any, dict, Path]) -> None:
    ctx, _, html = seed
    with open_offline(browser, html, viewport=(1400, 900)) as run:
        legend = _boxes(run, ".kp-legend")[0]
        assert legend["y1"] - legend["y0"] > 200  # open on a desktop
        for km in (1250.0, 1320.0, 1555.0):
            lon, lat = _offset_point(ctx, km, 0.0)
            x, y = run.js("""(p) => { const q = kmpost.map.latLngToContainerPoint([p[1], p[0]]),
                b = kmpost.map.getContainer().getBoundingClientRect(); return [q.x + b.left, q.y + b.top]; }""",
                          [lon, lat])
            assert not (legend["x0"] <= x <= legend["x1"] and legend["y0"] <= y <= legend["y1"]), km


@needs_chromium
def test_legend_symbols_are_unique_and_transport_is_off_and_labelled(browser: Any, tmp_path: Path) -> None:
    for name in ("khorgos", "g315"):
        ctx = calibrate(load_embedded(name))
        layers = build_all(ctx)
        html = _write(ctx, layers, tmp_path / f"{name}.html")
        with open_offline(browser, html, viewport=(1400, 900)) as run:
            rows = run.js("""() => [...document.querySelectorAll('.kp-legend-row')].map(r => {
                const s = r.querySelector('.kp-sw'), cs = getComputedStyle(s);
                return [r.querySelector('.kp-legend-label').textContent, s.className, cs.backgroundColor,
                        cs.borderTopColor, cs.borderTopStyle, cs.borderTopWidth, s.textContent]; })""")
            seen: dict[tuple[str, ...], str] = {}
            for label, *sig in rows:
                key = tuple(sig)
                assert seen.get(key, label) == label, (name, label, seen.get(key))
                seen[key] = label
            if "transport" in run.js("() => kmpost.order"):
                assert run.js("() => kmpost.map.hasLayer(kmpost.layers.transport)") is False
                run.js("() => { kmpost.map.addLayer(kmpost.layers.transport); }")
                labels = run.page.locator(".kp-mode-label").all_inner_texts()
                assert labels and set(labels) <= {"bus", "train", "taxi", "shared taxi", "plane"}, labels
                dashes = run.js("""() => kmpost.layers.transport.getLayers().filter(l => l.getLatLngs)
                                     .map(l => l.options.dashArray)""")
                assert dashes and set(dashes) == {"1 8"}
            assert run.page_errors == []
