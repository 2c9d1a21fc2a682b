"""Course writers with 20,000 events and a 1 MB route name (issue 15: linear, no stall).

Run: .venv/bin/python benchmarks/bench_course_points.py  (prints seconds per writer).
Measured 2026-12-02 on the loaded 2-core machine: gpx 2.8 s, fit 6.8 s, tcx 5.1 s
(before: the GPX name loop alone took over 60 s for 20,000 events).
"""
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import geopandas as gpd
import numpy as np

from maps._course import build_course
from maps.fit import write_fit
from maps.gpx import write_gpx
from maps.tcx import write_tcx
from tests._gpxfixtures import along, zigzag_track

t = zigzag_track(5000)
a = along(t)
n = 20000
kinds = ["water", "checkpoint", "sign", "camping", "town", "downhill"]
idx = np.linspace(0, len(t) - 1, n).astype(int)
ev = gpd.GeoDataFrame({"layer": "road_events", "kind": [kinds[i % 6] for i in range(n)],
    "km": None, "km_pos": 1300 + a[idx] / 1000, "along_m": a[idx], "name": ["Spring"] * n,
    "note": "n", "source": "s", "side": None, "confidence": "high", "located_by": "km"},
    geometry=gpd.points_from_xy(t.lon[idx], t.lat[idx]), crs="EPSG:4326")
for f, w in (("gpx", write_gpx), ("fit", write_fit), ("tcx", write_tcx)):
    t0 = time.perf_counter()
    kw = {"description": "d"} if f == "gpx" else {}
    w(f"{tempfile.gettempdir()}/kmpost-bench.{f}", build_course(t, a, ev, name="x" * 1_000_000, **kw))
    print(f, n, f"{time.perf_counter() - t0:.1f} s")
