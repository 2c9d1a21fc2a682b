"""Benchmark of the HTML map on a big synthetic route; writes benchmarks/RESULTS-html.md.

The route: 5,000 km, 1,000,000 track points (~5 m apart, curvy, with ~2 m GPS noise),
5,001 km markers, 2,000 point events spread over four layers, and 60 parallel-road stretches
(two lines each, 20 km, taken from the track). Targets (issue 3): the file under 5 MB.

    python benchmarks/bench_html.py [--out bench_out/big.html] [--no-browser]

With Chromium present, the page is also opened offline and the time until the map is ready is
reported (one run; a phone is slower).
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
from shapely.geometry import LineString, Point

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from layers._common import COLUMNS, make_gdf  # noqa: E402
from maps import assets  # noqa: E402
from maps.html import LOD_LADDER, _feature_collection, _js_json, line_lod, render_html  # noqa: E402

N_POINTS = 1_000_000
LENGTH_KM = 5_000.0
N_EVENTS = 2_000


def synthetic_track(seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """A curvy 5,000 km line of 1,000,000 points heading roughly east from (75E, 39N)."""
    rng = np.random.default_rng(seed)
    step = LENGTH_KM * 1000 / (N_POINTS - 1)
    s = np.arange(N_POINTS) * step
    heading = (
        0.35 * np.sin(s / 90_000.0)
        + 0.25 * np.sin(s / 7_000.0 + 1.0)
        + 0.4 * np.sin(s / 900.0) * (np.sin(s / 40_000.0) > 0.6)  # hairpins now and then
        + np.cumsum(rng.normal(0, 0.002, N_POINTS)) * 0.02
    )
    dx = step * np.cos(heading)
    dy = step * np.sin(heading)
    lat = 39.0 + np.cumsum(dy) / 110_574.0
    lon = 75.0 + np.cumsum(dx / (111_320.0 * np.cos(np.radians(lat))))
    lon += rng.normal(0, 2.0, N_POINTS) / (111_320.0 * np.cos(np.radians(lat)))
    lat += rng.normal(0, 2.0, N_POINTS) / 110_574.0
    return lon, lat


def _frame(layer: str, rows: list[dict[str, Any]]) -> gpd.GeoDataFrame:
    """A layer in the common schema (layers._common.make_gdf) with test defaults."""
    base = {"name": "", "note": "", "source": "bench-notes: Synthetic forum thread", "confidence": "medium",
            "located_by": "km"}
    full = [{**base, **r} for r in rows]
    return make_gdf(layer, full, sorted({k for r in full for k in r} - set(COLUMNS) - {"geometry"}))


def synthetic_layers() -> dict[str, gpd.GeoDataFrame]:
    """The layers of the big synthetic route, with the common schema."""
    lon, lat = synthetic_track()
    per_km = (N_POINTS - 1) / LENGTH_KM

    def idx(km: float) -> int:
        return min(N_POINTS - 1, round(km * per_km))

    def level(k: int) -> int:
        return next(lv for lv in (100, 50, 10, 5, 1) if k % lv == 0)

    km_rows = [
        {
            "kind": "km_marker",
            "km_pos": float(k),
            "name": f"km {k}",
            "level": level(k),
            "along_m": k * 1000.0,
            "geometry": Point(lon[idx(k)], lat[idx(k)]),
        }
        for k in range(int(LENGTH_KM) + 1)
    ]
    rng = np.random.default_rng(3)
    kinds = [
        ("checkpoints", "checkpoint"),
        ("road_events", "downhill"),
        ("road_events", "turn_off"),
        ("camping", "camping"),
        ("places", "town"),
    ]
    rows: dict[str, list[dict[str, Any]]] = {}
    for i, km in enumerate(np.sort(rng.uniform(0, LENGTH_KM, N_EVENTS))):
        layer, kind = kinds[i % len(kinds)]
        j = idx(float(km))
        rows.setdefault(layer, []).append(
            {
                "kind": kind,
                "km": round(float(km), 1),
                "km_pos": round(float(km), 1),
                "name": f"{kind.replace('_', ' ')} {i}",
                "note": (
                    f"At km {km:.0f} there is a {kind.replace('_', ' ')}; the police check "
                    "passports and register foreigners, allow 20 minutes. (synthetic note)"
                ),
                "side": "right" if i % 2 else "left",
                "geometry": Point(lon[j], lat[j]),
            }
        )
    par_rows = []
    for n, km0 in enumerate(np.linspace(50, LENGTH_KM - 100, 60)):
        a, b = idx(float(km0)), idx(float(km0) + 20)
        for role, kind in (
            ("highway", "highway_open" if n % 2 else "highway_built_closed"),
            ("old_road", "resurfacing" if n % 5 == 0 else "old_road"),
        ):
            par_rows.append(
                {
                    "kind": kind,
                    "role": role,
                    "km": float(km0),
                    "km_end": float(km0) + 20,
                    "name": f"{kind} {n}",
                    "note": "synthetic parallel stretch",
                    "geometry": LineString(np.c_[lon[a:b], lat[a:b]]),
                }
            )
    layers = {
        "route": _frame(
            "route",
            [
                {
                    "kind": "route",
                    "name": "Synthetic 5,000 km",
                    "schematic": False,
                    "geometry": LineString(np.c_[lon, lat]),
                }
            ],
        )
    }
    layers["km_markers"] = _frame("km_markers", km_rows)
    layers["parallels"] = _frame("parallels", par_rows)
    for name, r in rows.items():
        layers[name] = _frame(name, r)
    return layers


def _browser_ready_ms(path: Path) -> float | None:
    chromium = Path("/usr/bin/chromium")
    if not chromium.is_file():
        return None
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(chromium),
            args=["--no-sandbox", "--disable-gpu", "--host-resolver-rules=MAP * ~NOTFOUND"],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        t0 = time.perf_counter()
        page.goto(path.resolve().as_uri(), wait_until="load", timeout=120_000)
        page.wait_for_function("() => window.kmpost && kmpost.ready", timeout=120_000)
        ms = (time.perf_counter() - t0) * 1000
        browser.close()
    if errors:
        raise RuntimeError(f"JavaScript error in the big map: {errors[0]}")
    return ms


def main() -> int:
    """Build the big map, time it, and write benchmarks/RESULTS-html.md."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=ROOT / "bench_out" / "big.html")
    ap.add_argument("--no-browser", action="store_true")
    args = ap.parse_args()

    t0 = time.perf_counter()
    layers = synthetic_layers()
    t_data = time.perf_counter() - t0
    t1 = time.perf_counter()
    page = render_html(layers, title="Synthetic 5,000 km", schematic=False)
    t_build = time.perf_counter() - t1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(page, encoding="utf-8")
    size = args.out.stat().st_size
    ready_ms = None if args.no_browser else _browser_ready_ms(args.out)

    vendor = sum(
        len(assets.read_vendor(n).encode()) for n in ("leaflet.js", "leaflet.css")
    ) + sum(len(assets.read_own(n).encode()) for n in ("kmpost_map.js", "kmpost_map.css", "kmpost_offset.js"))
    parts = {
        name: len(_js_json(_feature_collection(g, name, False)).encode())
        for name, g in layers.items()
        if name != "km_markers"
    }
    route_lod = line_lod(layers["route"].geometry.iloc[0])
    n_events = sum(len(g) for k, g in layers.items() if k not in ("route", "km_markers", "parallels"))
    n_par_pts = sum(len(g.coords) for g in layers["parallels"].geometry)
    lines = [
        "# HTML map benchmark (`benchmarks/bench_html.py`)",
        "",
        f"Machine: {platform.machine()}, Python {platform.python_version()}, {platform.system()}; one run.",
        "",
        "| input | value |",
        "|---|---|",
        f"| route | {LENGTH_KM:,.0f} km, {N_POINTS:,} track points (~5 m apart, 2 m noise) |",
        f"| km markers | {len(layers['km_markers']):,} (levels 100/50/10/5/1) |",
        f"| point events | {n_events:,} in checkpoints / road_events / camping / places |",
        f"| parallel lines | {len(layers['parallels'])} lines, {n_par_pts:,} points |",
        "",
        "| result | value | target |",
        "|---|---|---|",
        f"| HTML size | {size / 1e6:.2f} MB ({size:,} bytes) | < 5 MB |",
        f"| build time (render_html) | {t_build:.1f} s | |",
        f"| synthetic data generation | {t_data:.1f} s | (not part of the map) |",
        f"| Chromium: load until map ready | {'not measured' if ready_ms is None else f'{ready_ms / 1000:.1f} s'} | |",
        "",
        "Where the bytes go (UTF-8, as embedded):",
        "",
        "| part | bytes |",
        "|---|---|",
        f"| inlined Leaflet + plugin + kmpost JS/CSS | {vendor:,} |",
        *[f"| layer `{k}` | {v:,} |" for k, v in parts.items()],
        f"| km markers + page + rest | {size - vendor - sum(parts.values()):,} |",
        "",
        f"Line levels of detail (min zoom, Douglas-Peucker tolerance m): {LOD_LADDER}.",
        "Route line, encoded bytes per level: "
        + ", ".join(f"z>={z}: {sum(len(x) for x in enc):,}" for z, enc in route_lod)
        + ".",
        "",
    ]
    text = "\n".join(lines)
    (ROOT / "benchmarks" / "RESULTS-html.md").write_text(text, encoding="utf-8")
    print(text)
    return 0 if size < 5_000_000 else 1


if __name__ == "__main__":
    sys.exit(main())
