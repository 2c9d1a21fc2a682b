"""Benchmark: linear referencing on a 1,000,000-vertex route.

Goals (issue 2): locate 100,000 points in under 5 s including the index build; interpolate
5,000 km markers in under 50 ms. Also times one plain ``shapely.line_locate_point`` call on the
same line for comparison. Run: ``.venv/bin/python benchmarks/bench_locate.py``.
"""

from __future__ import annotations

import platform
import time

import numpy as np
import shapely

from geo.calibrate import Anchor, CalibratedRoute
from geo.lrs import MeasuredLine


def make_route(n: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """A wandering 1 M-vertex route of about 3,000 km (about 3 m steps) around 38° N, 90° E."""
    rng = np.random.default_rng(seed)
    heading = np.cumsum(rng.normal(0, 0.05, n)) * 0.2
    step = 5.0 / 111_000
    lon = 80 + np.cumsum(np.abs(np.cos(heading)) * step / np.cos(np.radians(38)))
    lat = 38 + np.cumsum(np.sin(heading) * step * 0.3)
    return lon, lat


def main() -> None:
    n, m, k = 1_000_000, 100_000, 5_000
    lon, lat = make_route(n)
    t0 = time.perf_counter()
    line = MeasuredLine(lon, lat)
    t_measure = time.perf_counter() - t0
    route = CalibratedRoute(line, [Anchor(0, 0, "start"), Anchor(line.length_m / 1000 * 1.02, line.length_m, "end")])

    rng = np.random.default_rng(2)
    d = rng.uniform(0, line.length_m, m)
    plon, plat = line.interpolate(d)
    plon = plon + rng.normal(0, 2e-4, m)  # points up to ~50 m off the line
    plat = plat + rng.normal(0, 2e-4, m)

    t0 = time.perf_counter()
    line.locate(plon, plat)  # includes the STRtree build (first call)
    t_locate = time.perf_counter() - t0

    lo, hi = route.km_range
    kms = np.linspace(lo, hi, k)
    t0 = time.perf_counter()
    route.point_at_km(kms)
    t_interp = time.perf_counter() - t0

    geom = shapely.LineString(np.column_stack([lon, lat]))
    shapely.prepare(geom)
    t0 = time.perf_counter()
    for i in range(3):
        shapely.line_locate_point(geom, shapely.Point(plon[i], plat[i]))
    t_plain = (time.perf_counter() - t0) / 3

    print(f"machine: {platform.machine()}, python {platform.python_version()}, shapely {shapely.__version__}")
    print(f"route: {n:,} vertices, {line.length_m / 1000:,.0f} km; measure + project: {t_measure:.2f} s")
    print(f"locate {m:,} points (incl. index build): {t_locate:.2f} s  (goal < 5 s)")
    print(f"interpolate {k:,} km markers: {t_interp * 1000:.1f} ms  (goal < 50 ms)")
    print(f"plain shapely.line_locate_point: {t_plain * 1000:.1f} ms per point "
          f"-> {t_plain * m / 60:.0f} min for {m:,} points")


if __name__ == "__main__":
    main()
