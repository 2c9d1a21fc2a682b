"""Offline base map from an MBTiles file (maps/basemap.py): a file made here, tiles cut to a corridor."""

from __future__ import annotations

import io
import math
import sqlite3
import struct
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely

from layers import build_all, calibrate
from maps.basemap import BasemapError, corridor_mercator, read_corridor
from maps.html import write_html
from roadbook import load_embedded
from tests._browser import needs_chromium, offline_browser, open_offline

COLOUR = {8: (200, 30, 200), 9: (30, 200, 200), 10: (250, 160, 20), 11: (20, 120, 250)}
ATTRIBUTION = "Test tiles © kmpost test suite <b>not html</b>"


def _png(rgb: tuple[int, int, int], size: int = 256) -> bytes:
    """A solid-colour RGB PNG, written with zlib and struct only."""
    row = b"\x00" + bytes(rgb) * size
    raw = zlib.compress(row * size, 9)

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def _xyz(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def make_mbtiles(path: Path, bbox: tuple[float, float, float, float], zooms: range) -> int:
    """Every tile of ``bbox`` (lon0, lat0, lon1, lat1) at ``zooms``, TMS rows; returns the count."""
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE metadata (name text, value text)")
    db.execute("CREATE TABLE tiles (zoom_level integer, tile_column integer, tile_row integer, tile_data blob)")
    db.executemany("INSERT INTO metadata VALUES (?, ?)", [
        ("name", "test corridor"), ("format", "png"), ("attribution", ATTRIBUTION),
        ("minzoom", str(zooms.start)), ("maxzoom", str(zooms.stop - 1)), ("bounds", ",".join(map(str, bbox)))])
    count = 0
    for z in zooms:
        x0, y0 = _xyz(bbox[0], bbox[3], z)
        x1, y1 = _xyz(bbox[2], bbox[1], z)
        png = _png(COLOUR[z])
        for x in range(x0, x1 + 1):
            for y in range(y0, y1 + 1):
                db.execute("INSERT INTO tiles VALUES (?, ?, ?, ?)", (z, x, 2**z - 1 - y, png))
                count += 1
    db.commit()
    db.close()
    return count


@pytest.fixture(scope="module")
def seed() -> tuple[Any, dict]:
    ctx = calibrate(load_embedded("g315"))
    return ctx, build_all(ctx)


@pytest.fixture(scope="module")
def mbtiles(tmp_path_factory: pytest.TempPathFactory, seed: tuple[Any, dict]) -> tuple[Path, int]:
    ctx, _ = seed
    lon, lat = ctx.line.lon, ctx.line.lat
    bbox = (float(lon.min()) - 0.5, float(lat.min()) - 0.5, float(lon.max()) + 0.5, float(lat.max()) + 0.5)
    path = tmp_path_factory.mktemp("mbt") / "test.mbtiles"
    return path, make_mbtiles(path, bbox, range(8, 12))


def test_only_corridor_tiles_are_embedded(seed: tuple[Any, dict], mbtiles: tuple[Path, int]) -> None:
    ctx, _ = seed
    path, total = mbtiles
    bm = read_corridor(path, ctx.line.lon, ctx.line.lat, half_width_m=3000, min_zoom=8, max_zoom=11)
    assert bm.attribution == ATTRIBUTION and bm.name == "test corridor"
    assert 0 < len(bm.tiles) < total / 3
    poly = corridor_mercator(ctx.line.lon, ctx.line.lat, 3000)
    for z in range(8, 12):
        size = 2 * math.pi * 6378137.0 / 2**z
        keys = [(x, y) for (zz, x, y) in bm.tiles if zz == z]
        # every embedded tile touches the corridor ...
        for x, y in keys:
            box = shapely.box(-math.pi * 6378137 + x * size, math.pi * 6378137 - (y + 1) * size,
                              -math.pi * 6378137 + (x + 1) * size, math.pi * 6378137 - y * size)
            assert box.intersects(poly), (z, x, y)
        # ... and every tile holding a route vertex is there
        for lo, la in zip(ctx.line.lon, ctx.line.lat, strict=True):
            assert _xyz(float(lo), float(la), z) in keys
    small = read_corridor(path, ctx.line.lon, ctx.line.lat, half_width_m=3000, min_zoom=8, max_zoom=11,
                          max_bytes=bm.embedded_bytes // 2)
    assert small.dropped_zooms and max(small.dropped_zooms) == 11


def test_bad_files_are_one_line_errors(tmp_path: Path, seed: tuple[Any, dict]) -> None:
    ctx, _ = seed
    junk = tmp_path / "junk.mbtiles"
    junk.write_bytes(b"not sqlite at all" * 100)
    with pytest.raises(BasemapError, match="not an MBTiles file"):
        read_corridor(junk, ctx.line.lon, ctx.line.lat)
    with pytest.raises(BasemapError, match="no such MBTiles file"):
        read_corridor(tmp_path / "missing.mbtiles", ctx.line.lon, ctx.line.lat)
    far = tmp_path / "far.mbtiles"
    make_mbtiles(far, (10.0, 45.0, 10.5, 45.5), range(8, 10))
    with pytest.raises(BasemapError, match="no tile touches the route corridor"):
        read_corridor(far, ctx.line.lon, ctx.line.lat)


@needs_chromium
def test_map_shows_embedded_tiles_offline(tmp_path: Path, seed: tuple[Any, dict], mbtiles: tuple[Path, int]) -> None:
    from PIL import Image

    ctx, layers = seed
    path, _ = mbtiles
    bm = read_corridor(path, ctx.line.lon, ctx.line.lat, half_width_m=3000, min_zoom=8, max_zoom=11)
    out = tmp_path / "bm.html"
    write_html(out, layers, title="t", schematic=True, route=ctx.chainage, basemap=bm)
    plain = tmp_path / "plain.html"
    write_html(plain, layers, title="t", schematic=True, route=ctx.chainage)
    assert out.stat().st_size > plain.stat().st_size + bm.embedded_bytes * 0.9
    with offline_browser() as browser, open_offline(browser, out, viewport=(390, 844)) as run:
        run.js("(p) => { kmpost.map.setView([p[1], p[0]], 10, {animate: false}); }",
               [float(ctx.line.lon[1]), float(ctx.line.lat[1])])
        run.page.wait_for_timeout(500)
        shown = run.js("""() => [...document.querySelectorAll('.leaflet-tile-container img')]
                           .filter(i => i.complete && i.naturalWidth === 256).length""")
        assert shown > 0
        png = run.page.screenshot()
        img = Image.open(io.BytesIO(png)).convert("RGB")
        colours = np.asarray(img).reshape(-1, 3)
        assert (np.all(colours == COLOUR[10], axis=1)).mean() > 0.05  # the zoom-10 tiles are drawn
        assert "Test tiles © kmpost test suite <b>not html</b>" in run.page.locator(
            ".leaflet-control-attribution").inner_text()
        assert run.blocked == [] and run.page_errors == []
