"""Longer fuzz run of the track readers (the bounded one is tests/test_fuzz_readers.py).

    python benchmarks/fuzz_readers.py [--gpx 1000] [--geojson 1000] [--seed 15]

Mutates the kit's public GPX samples (read from ../shared/kit/samples/public, never copied) and
GeoJSON lines built in code, with the mutation functions of the test suite, and reads each
result with ``geo.readers.read_track``. Prints, per format: cases, tracks, clean errors
(KmpostError), internal errors (any other exception), inputs over the time bound of
``size_bound_s``, messages or warnings saying "nan" outside quoted input, non-finite values in a
returned Track, and (GPX) fast-path answers that differ from the strict reader. Seeded: the same
seed gives the same cases.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geo import readers  # noqa: E402
from geo.errors import KmpostError  # noqa: E402
from tests.test_fuzz_readers import (  # noqa: E402
    SAMPLES,
    common_layout,
    fast_agrees,
    geojson_base,
    mentions_nan,
    mutate_geojson,
    mutate_gpx,
    size_bound_s,
)


def run_case(path: Path, data: bytes, counts: Counter[str], gpx: bool) -> None:
    path.write_bytes(data)
    counts["cases"] += 1
    t0 = time.perf_counter()
    try:
        t = readers.read_track(path)
    except KmpostError as e:
        counts["clean errors"] += 1
        msg = str(e)
        if mentions_nan(msg) or "\n" in msg:
            counts['"nan" or multi-line messages'] += 1
            print("  nan/multi-line message:", msg[:200])
    except Exception:  # counting internal errors is the point
        counts["internal errors"] += 1
        print("  internal error:", traceback.format_exc(limit=2).splitlines()[-1][:200])
    else:
        counts["tracks"] += 1
        import numpy as np

        if not (np.isfinite(t.lon).all() and np.isfinite(t.lat).all()
                and (t.ele is None or not np.isinf(t.ele).any())):
            counts["non-finite values in a Track"] += 1
        if any(mentions_nan(w) for w in t.warnings):
            counts['"nan" or multi-line messages'] += 1
        if t.warnings:
            counts["tracks with a warning"] += 1
    sec = time.perf_counter() - t0
    if sec > size_bound_s(len(data)):
        counts["over the time bound"] += 1
        print(f"  over the time bound: {sec:.1f} s for {len(data)} bytes")
    if gpx:
        agree = fast_agrees(path)
        if agree is None:
            counts["fast path declined"] += 1
        elif agree:
            counts["fast path == strict"] += 1
        else:
            counts["fast path != strict"] += 1
            print("  fast path differs from the strict reader")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gpx", type=int, default=1000, help="cases per GPX kind")
    ap.add_argument("--geojson", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=15)
    args = ap.parse_args()
    if not SAMPLES:
        print("kit samples not found (set KMPOST_KIT)", file=sys.stderr)
        return 2
    rng = random.Random(args.seed)
    results: dict[str, Counter[str]] = {}
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as d:
        c: Counter[str] = Counter()
        for _ in range(args.gpx):
            sample = rng.choice(SAMPLES)
            run_case(Path(d) / "m.gpx", mutate_gpx(sample.read_bytes(), rng), c, gpx=True)
        results["GPX (mutated kit samples)"] = c
        c = Counter()
        for i in range(args.gpx):
            data = common_layout(rng)
            run_case(Path(d) / "g.gpx", data if i % 2 else mutate_gpx(data, rng), c, gpx=True)
        results["GPX (generated common layout, half mutated)"] = c
        c = Counter()
        for _ in range(args.geojson):
            run_case(Path(d) / "m.geojson", mutate_geojson(geojson_base(rng), rng), c, gpx=False)
        results["GeoJSON (mutated lines)"] = c
    keys = ["cases", "tracks", "tracks with a warning", "clean errors", "internal errors",
            "over the time bound", '"nan" or multi-line messages', "non-finite values in a Track",
            "fast path == strict", "fast path declined", "fast path != strict"]
    print(f"\nseed {args.seed}, {time.perf_counter() - t0:.0f} s, load average "
          + " / ".join(f"{x:.1f}" for x in os.getloadavg()))
    print("| | " + " | ".join(results) + " |")
    print("|---|" + "---:|" * len(results))
    for k in keys:
        print(f"| {k} | " + " | ".join(str(c.get(k, 0)) for c in results.values()) + " |")
    bad = sum(c.get(k, 0) for c in results.values() for k in
              ("internal errors", "over the time bound", '"nan" or multi-line messages',
               "non-finite values in a Track", "fast path != strict"))
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
