"""Benchmark: read and write a generated 1,000,000-point GPX, side by side in one run.

    python benchmarks/bench_gpx_io.py [--points N] [--repeat R] [--no-gpxpy]

Reading: ``geo.readers.read_track`` (its fast path serves this common layout: expat checks
every byte with no per-element handler, one regex collects the points, one RE2 scan per MiB
checks the xsd:decimal form, pyarrow parses the numbers in C) vs
``pyogrio.read_arrow`` (GDAL GPX driver, layer track_points, columns track_fid/track_seg_id/ele)
vs ``gpxpy.parse``; also the strict reader alone (``_read_gpx_strict``, what any unusual file
gets). The read ratio (must be <= 1.0) and the machine's load average are printed.
Writing: ``maps.gpx.write_gpx`` vs gpxpy build + ``to_xml`` (the build is not timed).
Each measurement runs in a fresh child process so that its peak RSS (``ru_maxrss``) is its own;
times are the best of ``--repeat`` runs, alternating the contenders. Results are printed and
written to ``benchmarks/RESULTS-gpx.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def make_gpx(path: Path, n: int) -> None:
    """A 1-track GPX with n points (lat, lon 7 decimals, ele, time), like a device export."""
    import numpy as np

    t = np.linspace(0.0, 1.0, n)
    lon = 90.0 + 2.0 * t + 0.002 * np.sin(t * 900)
    lat = 38.0 + 0.5 * t + 0.003 * np.cos(t * 700)
    ele = 2800 + 300 * np.sin(t * 20)
    with open(path, "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<gpx xmlns="http://www.topografix.com/'
                'GPX/1/1" version="1.1" creator="bench"><trk><name>bench</name><trkseg>\n')
        for a in range(0, n, 100_000):
            sl = slice(a, a + 100_000)
            f.write("".join(
                f'<trkpt lat="{y:.7f}" lon="{x:.7f}"><ele>{e:.1f}</ele>'
                f"<time>2025-06-01T06:{(i // 60) % 60:02d}:{i % 60:02d}Z</time></trkpt>\n"
                for i, (x, y, e) in enumerate(zip(lon[sl].tolist(), lat[sl].tolist(),
                                                  ele[sl].tolist(), strict=True), start=a)))
        f.write("</trkseg></trk></gpx>\n")


def child(task: str, path: str, out: str) -> None:
    """Run one task in this (fresh) process; print JSON with seconds and peak RSS growth."""
    import gpxpy
    import numpy as np  # noqa: F401
    import pyogrio

    from geo.earth import cumulative_lengths
    from geo.readers import read_track
    from maps._course import build_course
    from maps.gpx import write_gpx

    track = read_track(path) if task.startswith("write") else None
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    n = 0
    if task == "read_ours":
        n = len(read_track(path))
    elif task == "read_strict":
        from geo.readers import _read_gpx_strict
        n = len(_read_gpx_strict(Path(path), path))
    elif task == "read_arrow":
        _, table = pyogrio.read_arrow(path, layer="track_points",
                                      columns=["track_fid", "track_seg_id", "ele"])
        n = table.num_rows
    elif task == "read_gpxpy":
        with open(path, encoding="utf-8") as f:
            g = gpxpy.parse(f)
        n = sum(len(s.points) for t in g.tracks for s in t.segments)
    elif task == "write_ours":
        assert track is not None
        a = cumulative_lengths(track.lon, track.lat)
        t0 = time.perf_counter()
        write_gpx(out, build_course(track, a, None, name="bench", description="bench"))
        n = len(track)
    elif task == "write_gpxpy":
        assert track is not None and track.ele is not None
        g = gpxpy.gpx.GPX()
        trk = gpxpy.gpx.GPXTrack()
        seg = gpxpy.gpx.GPXTrackSegment()
        seg.points = [gpxpy.gpx.GPXTrackPoint(y, x, elevation=e) for x, y, e in
                      zip(track.lon.tolist(), track.lat.tolist(), track.ele.tolist(),
                          strict=True)]
        trk.segments.append(seg)
        g.tracks.append(trk)
        t0 = time.perf_counter()
        xml = g.to_xml()
        with open(out, "w", encoding="utf-8") as f:
            f.write(xml)
        n = len(track)
    sec = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"task": task, "s": sec, "n": n, "rss_mb": (peak - base) / 1024}))


def run(task: str, path: Path, out: Path) -> dict[str, float]:
    p = subprocess.run([sys.executable, __file__, "--child", task, str(path), str(out)],
                       capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(p.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-gpxpy", action="store_true", help="skip the slow gpxpy runs")
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return 0
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory() as d:
        gpx = Path(d) / "bench.gpx"
        make_gpx(gpx, args.points)
        size_mb = gpx.stat().st_size / 1e6
        best: dict[str, dict[str, float]] = {}
        tasks = ["read_ours", "read_arrow", "read_strict", "write_ours"]
        slow = [] if args.no_gpxpy else ["read_gpxpy", "write_gpxpy"]
        for rep in range(args.repeat):
            for task in tasks + (slow if rep == 0 else []):
                r = run(task, gpx, Path(d) / f"{task}.gpx")
                if task not in best or r["s"] < best[task]["s"]:
                    best[task] = r
                load1 = os.getloadavg()[0]
                print(f"  run {rep + 1}: {task:<12} {r['s']:7.2f} s  +{r['rss_mb']:6.0f} MB  "
                      f"(load {load1:.1f})", flush=True)
    ours, arrow = best["read_ours"]["s"], best["read_arrow"]["s"]
    lines = [
        "# GPX I/O benchmark (benchmarks/bench_gpx_io.py)",
        "",
        f"{args.points:,} track points (lat/lon 7 decimals, ele, time), {size_mb:.0f} MB; "
        f"best of {args.repeat} (gpxpy: 1 run); each run in a fresh process; "
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, {platform.machine()}.",
        "",
        "| task | seconds | peak RSS growth | ratio |",
        "|---|---:|---:|---|",
        f"| read: kmpost `read_track` (fast path: expat check, regex, RE2 check, pyarrow "
        f"numbers) | {ours:.2f} | "
        f"+{best['read_ours']['rss_mb']:.0f} MB | **{ours / arrow:.2f}x** pyogrio (limit 1.0x) |",
        f"| read: `pyogrio.read_arrow` (3 columns) | {arrow:.2f} | "
        f"+{best['read_arrow']['rss_mb']:.0f} MB | 1 |",
        f"| read: kmpost strict reader alone (any unusual file) | {best['read_strict']['s']:.2f} | "
        f"+{best['read_strict']['rss_mb']:.0f} MB | {best['read_strict']['s'] / arrow:.2f}x |",
    ]
    if "read_gpxpy" in best:
        g = best["read_gpxpy"]["s"]
        lines.append(f"| read: `gpxpy.parse` | {g:.2f} | +{best['read_gpxpy']['rss_mb']:.0f} MB "
                     f"| kmpost is {g / ours:.1f}x faster |")
    w = best["write_ours"]["s"]
    lines.append(f"| write: kmpost `write_gpx` | {w:.2f} | +{best['write_ours']['rss_mb']:.0f} MB "
                 "| |")
    if "write_gpxpy" in best:
        gw = best["write_gpxpy"]["s"]
        lines[-1] = lines[-1][:-3] + f"| {gw / w:.1f}x faster than gpxpy (needs 8x) |"
        lines.append(f"| write: gpxpy `to_xml` (+ file write) | {gw:.2f} | "
                     f"+{best['write_gpxpy']['rss_mb']:.0f} MB | 1 |")
    load = os.getloadavg()
    lines += ["", "Peak RSS growth: ru_maxrss after the task minus before it (imports excluded).",
              f"Load average: {load_start[0]:.1f} / {load_start[1]:.1f} / {load_start[2]:.1f} "
              f"(1/5/15 min) at the start, {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} at the "
              f"end, on {os.cpu_count()} CPUs (other jobs on the machine inflate and scatter "
              "the seconds; the ratios are measured side by side, alternating, best of each)."]
    text = "\n".join(lines) + "\n"
    print(text)
    print(f"read ratio read_track / pyogrio.read_arrow: {ours / arrow:.2f}x "
          f"(best of {args.repeat}; load average now {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f})")
    (ROOT / "benchmarks" / "RESULTS-gpx.md").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
