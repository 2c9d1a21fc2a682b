"""An offline base map for the HTML map: raster tiles from an MBTiles file, cut to a corridor.

``read_corridor(path, lon, lat, ...)`` opens a raster MBTiles file (an SQLite database, read with
the standard library's :mod:`sqlite3`) and returns the tiles that touch a corridor of
``half_width_m`` metres either side of the route line (``lon``, ``lat``: degrees WGS84, the
direction of travel does not matter), for the zoom levels ``min_zoom .. max_zoom`` that the file
holds. The map page embeds them as ``data:`` URIs, so the base map shows with no network.

MBTiles layout: ``metadata(name, value)`` (``name``, ``format``, ``attribution``, ``minzoom``,
``maxzoom``, ...) and ``tiles(zoom_level, tile_column, tile_row, tile_data)`` with rows in TMS
order: ``tile_row = 2**z - 1 - y`` of the XYZ scheme Leaflet uses.

Size: the embedded tiles are capped at ``max_bytes`` (base64 included); when the corridor holds
more, the highest zoom levels are dropped (and the result says so) so that the page stays small
enough for a phone.
"""

from __future__ import annotations

import math
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely

from geo.crs import LocalProjection
from geo.errors import KmpostError

#: defaults of ``kmpost build --basemap``: they keep the seed map under 10 MB with usual tiles
DEFAULT_HALF_WIDTH_M = 3000.0
DEFAULT_MIN_ZOOM = 6
DEFAULT_MAX_ZOOM = 13
DEFAULT_MAX_BYTES = 9_000_000

_FORMATS = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "webp": "image/webp"}
_MERC_R = 6378137.0
_MERC_MAX = math.pi * _MERC_R  # half the width of the WebMercator world, metres


class BasemapError(KmpostError):
    """An MBTiles file cannot be used as an offline base map."""


@dataclass
class Basemap:
    """Tiles for the page: ``tiles[(z, x, y)]`` (XYZ scheme) -> image bytes.

    Attributes:
        name, attribution: from the file's metadata (plain text; the page escapes it).
        mime: image MIME type of every tile.
        min_zoom, max_zoom: zoom levels actually embedded (the map scales the top level up).
        dropped_zooms: zoom levels of the corridor left out to stay under the size cap.
        source: the file name.
    """

    name: str
    attribution: str
    mime: str
    tiles: dict[tuple[int, int, int], bytes]
    min_zoom: int
    max_zoom: int
    source: str
    dropped_zooms: list[int] = field(default_factory=list)

    @property
    def embedded_bytes(self) -> int:
        """Bytes the tiles take in the page (base64)."""
        return sum(4 * ((len(b) + 2) // 3) for b in self.tiles.values())


def _mercator(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """WebMercator (EPSG:3857) metres of (lon, lat) degrees."""
    lat_c = np.clip(lat, -85.0511, 85.0511)
    x = _MERC_R * np.radians(lon)
    y = _MERC_R * np.log(np.tan(np.pi / 4 + np.radians(lat_c) / 2))
    return x, y


def corridor_mercator(lon: np.ndarray, lat: np.ndarray, half_width_m: float) -> shapely.Geometry:
    """The corridor (``half_width_m`` metres either side of the line) as a WebMercator polygon."""
    proj = LocalProjection.centred_on(lon, lat)
    x, y = proj.forward(np.asarray(lon, float), np.asarray(lat, float))
    line = shapely.linestrings(x, y) if len(x) > 1 else shapely.points(x[0], y[0])
    poly = shapely.segmentize(shapely.buffer(line, half_width_m, quad_segs=4), half_width_m / 2)
    rings = [poly.exterior] if poly.geom_type == "Polygon" else [g.exterior for g in poly.geoms]
    parts = []
    for ring in rings:
        c = np.asarray(ring.coords)
        rlon, rlat = proj.inverse(c[:, 0], c[:, 1])
        mx, my = _mercator(rlon, rlat)
        parts.append(shapely.Polygon(np.column_stack([mx, my])))
    return shapely.union_all(parts)


def corridor_tiles(lon: np.ndarray, lat: np.ndarray, half_width_m: float, zoom: int) -> set[tuple[int, int]]:
    """XYZ (x, y) of the tiles at ``zoom`` that touch the corridor around the line."""
    poly = corridor_mercator(lon, lat, half_width_m)
    n = 2**zoom
    size = 2 * _MERC_MAX / n
    minx, miny, maxx, maxy = poly.bounds
    x0 = max(0, int((minx + _MERC_MAX) // size))
    x1 = min(n - 1, int((maxx + _MERC_MAX) // size))
    y0 = max(0, int((_MERC_MAX - maxy) // size))
    y1 = min(n - 1, int((_MERC_MAX - miny) // size))
    gx, gy = np.meshgrid(np.arange(x0, x1 + 1), np.arange(y0, y1 + 1), indexing="ij")
    xs, ys = gx.ravel(), gy.ravel()
    boxes = shapely.box(-_MERC_MAX + xs * size, _MERC_MAX - (ys + 1) * size,
                        -_MERC_MAX + (xs + 1) * size, _MERC_MAX - ys * size)
    shapely.prepare(poly)
    hit = shapely.intersects(poly, boxes)
    return {(int(a), int(b)) for a, b in zip(xs[hit], ys[hit], strict=True)}


def _metadata(db: sqlite3.Connection, path: str) -> dict[str, str]:
    try:
        rows = db.execute("SELECT name, value FROM metadata").fetchall()
        db.execute("SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles LIMIT 1").fetchall()
    except sqlite3.DatabaseError as exc:
        raise BasemapError(
            f"{path}: not an MBTiles file ({exc}); give a raster .mbtiles file (tables 'metadata' and 'tiles')"
        ) from None
    return {str(k): "" if v is None else str(v) for k, v in rows}


def read_corridor(
    path: str | os.PathLike[str],
    lon: np.ndarray,
    lat: np.ndarray,
    *,
    half_width_m: float = DEFAULT_HALF_WIDTH_M,
    min_zoom: int = DEFAULT_MIN_ZOOM,
    max_zoom: int = DEFAULT_MAX_ZOOM,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Basemap:
    """The tiles of the MBTiles file at ``path`` that touch the corridor around the line.

    Raises :class:`BasemapError` when the file is missing, not MBTiles, holds vector tiles, or
    has no tile in the corridor at the asked zoom levels; or when an option is out of range.
    """
    p = Path(path)
    if not half_width_m > 0:
        raise BasemapError(f"--basemap-width: {half_width_m:g} m must be positive (e.g. 3000)")
    if not 0 <= min_zoom <= max_zoom <= 22:
        raise BasemapError(f"--basemap-zoom: {min_zoom}-{max_zoom} is not a zoom range; "
                           "give e.g. 6-13 (0 <= min <= max <= 22)")
    if not p.is_file():
        raise BasemapError(f"{p}: no such MBTiles file; check the path given to --basemap")
    try:
        db = sqlite3.connect(f"{p.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise BasemapError(f"{p}: cannot open the MBTiles file ({exc})") from None
    try:
        meta = _metadata(db, str(p))
        fmt = meta.get("format", "png").strip().lower() or "png"
        if fmt not in _FORMATS:
            raise BasemapError(
                f"{p}: metadata format {fmt!r} is not a raster image format; kmpost embeds raster tiles "
                "(png, jpg, webp): export raster tiles (e.g. MOBAC or OsmAnd raster export)"
            )
        z_lo = max(min_zoom, _int(meta.get("minzoom"), 0))
        z_hi = min(max_zoom, _int(meta.get("maxzoom"), 22))
        tiles: dict[tuple[int, int, int], bytes] = {}
        per_zoom: dict[int, dict[tuple[int, int, int], bytes]] = {}
        for z in range(z_lo, z_hi + 1):
            want = corridor_tiles(np.asarray(lon, float), np.asarray(lat, float), half_width_m, z)
            if not want:
                continue
            n = 2**z
            xs = [x for x, _ in want]
            rows = [n - 1 - y for _, y in want]
            got: dict[tuple[int, int, int], bytes] = {}
            cur = db.execute(
                "SELECT tile_column, tile_row, tile_data FROM tiles WHERE zoom_level = ? "
                "AND tile_column BETWEEN ? AND ? AND tile_row BETWEEN ? AND ?",
                (z, min(xs), max(xs), min(rows), max(rows)),
            )
            for col, row, data in cur:
                key = (int(col), n - 1 - int(row))
                if key in want and data:
                    got[(z, key[0], key[1])] = bytes(data)
            if got:
                per_zoom[z] = got
    except sqlite3.DatabaseError as exc:
        raise BasemapError(f"{p}: cannot read the tiles ({exc}); is the MBTiles file complete?") from None
    finally:
        db.close()
    if not per_zoom:
        raise BasemapError(
            f"{p}: no tile touches the route corridor (±{half_width_m:g} m) at zoom {z_lo}-{z_hi}; "
            "the file covers another area or other zoom levels"
        )
    dropped: list[int] = []
    total = 0
    for z in sorted(per_zoom):
        size = sum(4 * ((len(b) + 2) // 3) for b in per_zoom[z].values())
        if tiles and total + size > max_bytes:
            dropped.append(z)
            continue
        tiles.update(per_zoom[z])
        total += size
    zooms = sorted({k[0] for k in tiles})
    name = meta.get("name", "").strip() or p.stem
    attribution = meta.get("attribution", "").strip() or f"{name} (the MBTiles file names no attribution)"
    return Basemap(name=name, attribution=attribution, mime=_FORMATS[fmt], tiles=tiles, min_zoom=zooms[0],
                   max_zoom=zooms[-1], source=p.name, dropped_zooms=dropped)


def parse_zoom_range(text: str) -> tuple[int, int]:
    """``"6-13"`` -> (6, 13); :class:`BasemapError` naming the option otherwise."""
    try:
        lo, hi = (int(v) for v in text.split("-", 1))
    except ValueError:
        raise BasemapError(f"--basemap-zoom: {text!r} is not MIN-MAX; give e.g. 6-13") from None
    if not 0 <= lo <= hi <= 22:
        raise BasemapError(f"--basemap-zoom: {text!r} is not a zoom range; give e.g. 6-13 (0 <= min <= max <= 22)")
    return lo, hi


def _int(value: str | None, default: int) -> int:
    try:
        return int(float(value)) if value not in (None, "") else default
    except ValueError:
        return default


def page_data(bm: Basemap) -> dict[str, object]:
    """JSON-able form for the map page: tiles as base64 keyed ``"z/x/y"``."""
    import base64

    return {
        "name": bm.name,
        "attribution": bm.attribution,
        "minZoom": bm.min_zoom,
        "maxNativeZoom": bm.max_zoom,
        "tiles": {f"{z}/{x}/{y}": f"data:{bm.mime};base64," + base64.b64encode(b).decode("ascii")
                  for (z, x, y), b in sorted(bm.tiles.items())},
    }
