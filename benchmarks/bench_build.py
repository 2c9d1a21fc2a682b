"""Benchmark: the whole ``kmpost build`` beside the bare ``read_track`` of the same file, one run.

    .venv/bin/python benchmarks/bench_build.py [--sizes big small] [--repeat R] [--jobs auto|1|2] [--no-write]

Two tours, generated in code:

* big: a 1,000,000-point GPX (the generator of ``bench_gpx_io.py``, 100 MB) with a roadbook of
  ONE coordinate anchor (the place at the track start, road km 0) and 2,000 events;
* small: an everyday tour of 10,000 points and 200 events.

Each measurement runs in a fresh child process (its own peak RSS, ``ru_maxrss``, read by the
parent through ``os.wait4``), alternating read and build, best of ``--repeat``:

* ``read``: ``geo.readers.read_track`` of the file alone;
* ``build``: what ``kmpost build --roadbook rb.yaml --track big.gpx --out DIR`` runs (``cli.main``),
  timed inside the child from before the read to the last file moved into place; the child
  also times each stage (read, roadbook load, calibration, layers, each writer) by wrapping the
  pipeline's functions, and records the peak RSS reached at the end of each stage. Stages run
  by the build's forked writer process (``maps.files.Background``) are logged to a file and
  marked "(writer process)"; its peak RSS (``RUSAGE_CHILDREN``) is added to the build's.

The limits of issue 14 (build <= 2x read, peak RSS <= 4x the read's) are checked on the
in-process seconds and on the children's peak RSS (the build's: its process plus its writer's,
an upper bound since the pages they share count twice). The machine's load average is printed;
the results go to ``benchmarks/RESULTS-build.md`` (unless ``--no-write``).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

SIZES = {"big": (1_000_000, 2_000), "small": (10_000, 200)}

KINDS = ("checkpoint", "turn_off", "sign", "water", "food", "toilet", "fuel", "hazard", "downhill",
         "camping", "accommodation", "transport", "landmark", "info")


def make_roadbook(path: Path, n_events: int, length_km: float) -> None:
    """A roadbook with one coordinate anchor (place Alpha at the track start = road km 0) and
    ``n_events`` events spread over ``length_km`` road km, cycling through the event kinds."""
    parts = ["kmpost_roadbook: 1\nroute:\n  id: bench\n  name: Benchmark tour\n"
             "sources:\n  - id: s\n    title: generated notes\n    licence: written for the benchmark\n"
             "places:\n  - id: a\n    name: Alpha\n    lat: 38.003\n    lon: 90.0\n"
             "    coord_source: generated\n    on_route: true\n"
             "anchors:\n  - km: 0\n    place: a\n    source: generated\n    confidence: high\n"
             "events:\n"]
    for i in range(n_events):
        kind = KINDS[i % len(KINDS)]
        km = 0.5 + i * (length_km - 1.0) / max(n_events, 1)
        parts.append(f"  - kind: {kind}\n    km: {km:.3f}\n    name: \"Item {i}\"\n"
                     f"    side: {('left', 'right', 'both')[i % 3]}\n"
                     f"    note: \"Around km {km:.1f} a {kind.replace('_', ' ')}; generated note {i}.\"\n"
                     "    source: s\n" + ("    length_km: 3.5\n" if kind == "downhill" else ""))
    path.write_text("".join(parts), encoding="utf-8")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _private_mb() -> float:
    """Memory of this process not shared with any other (Private_Clean + Private_Dirty of
    /proc/self/smaps_rollup, MB): what a forked writer adds to its parent's pages; 0 if unknown."""
    try:
        text = Path("/proc/self/smaps_rollup").read_text(encoding="ascii")
    except OSError:
        return 0.0
    kb = sum(int(line.split()[1]) for line in text.splitlines()
             if line.startswith(("Private_Clean:", "Private_Dirty:")))
    return kb / 1024


def child_read(gpx: str) -> dict[str, Any]:
    from geo.readers import read_track

    t0 = time.perf_counter()
    n = len(read_track(gpx))
    return {"s": time.perf_counter() - t0, "n": n}


def child_build(gpx: str, rb: str, out: str) -> dict[str, Any]:
    """Run ``cli.main(["build", ...])`` with every stage wrapped in a timer."""
    import importlib

    import cli
    import geo.readers
    import layers
    import maps.files
    import maps.fit
    import maps.gpx
    import maps.html
    import maps.profile
    import maps.roadbook_text
    import maps.tcx
    import roadbook

    stages: dict[str, list[float]] = {}
    main_pid = os.getpid()
    fd, log_name = tempfile.mkstemp(suffix=".stages")  # stages timed in a forked writer process
    os.close(fd)
    log = Path(log_name)

    def timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(*a: Any, **k: Any) -> Any:
            t = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                sec = time.perf_counter() - t
                if os.getpid() == main_pid:
                    s = stages.setdefault(name, [0.0, 0.0])
                    s[0] += sec
                    s[1] = _peak_mb()
                else:
                    with open(log, "a", encoding="utf-8") as f:
                        f.write(json.dumps([name, sec, _peak_mb(), _private_mb()]) + "\n")
        return wrapper

    def patch(mod: Any, attr: str, name: str, *also: Any) -> None:
        w = timed(name, getattr(mod, attr))
        for m in (mod, *also):
            if hasattr(m, attr):
                setattr(m, attr, w)

    try:  # the pipeline: a top-level module (maps/build.py before issue 13.1)
        mb = importlib.import_module("pipeline")
    except ModuleNotFoundError:
        mb = importlib.import_module("maps.build")
    patch(geo.readers, "read_track", "read")
    patch(roadbook, "load_roadbook", "roadbook load")
    for attr, name in (("calibrate", "calibration"), ("build_route", "calibration"), ("build_all", "layers"),
                       ("write_geopackage", "GeoPackage"), ("write_geojson", "GeoJSON"),
                       ("course_events", "course events")):
        owner = next((m for m in (mb, layers) if hasattr(m, attr)), None)
        if owner is not None:
            patch(owner, attr, name, mb, layers)
    import maps._course
    patch(maps._course, "build_course", "course (points, names, types)")
    patch(maps.files, "write_geopackage", "GeoPackage")
    patch(maps.files, "write_geojson", "GeoJSON")
    patch(maps.gpx, "write_gpx", "GPX")
    patch(maps.fit, "write_fit", "FIT")
    patch(maps.tcx, "write_tcx", "TCX")
    patch(maps.html, "write_html", "HTML map")
    patch(maps.profile, "profile_svg", "profile SVG")
    patch(maps.profile, "write_profile", "profile PNG")
    patch(maps.roadbook_text, "write_roadbook", "roadbook text")
    t0 = time.perf_counter()
    import contextlib
    import io
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        rc = cli.main(["build", "--roadbook", rb, "--track", gpx, "--out", out])
    total = time.perf_counter() - t0
    if rc != 0:
        raise SystemExit(f"kmpost build returned {rc}")
    private = 0.0
    for line in log.read_text(encoding="utf-8").splitlines():
        name, sec, rss, priv = json.loads(line)
        s = stages.setdefault(f"{name} (writer process)", [0.0, 0.0])
        s[0] += sec
        s[1] = rss
        private = max(private, priv)
    log.unlink()
    files = sorted(p.name for p in Path(out).iterdir())
    writer_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"s": total, "stages": stages, "files": files, "writer_rss_mb": writer_mb,
            "writer_private_mb": private}


def run_child(args: list[str]) -> dict[str, Any]:
    """Run this script as a child; return its JSON result plus its peak RSS (MB) and wall time."""
    t0 = time.perf_counter()
    p = subprocess.Popen([sys.executable, __file__, "--child", *args], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, cwd=ROOT, text=True)
    out, err = p.communicate()
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit(f"child {args[0]} failed:\n{err[-3000:]}")
    r: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    r["wall_s"] = wall
    return r


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", nargs="+", default=list(SIZES), choices=list(SIZES))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-write", action="store_true", help="do not write RESULTS-build.md")
    ap.add_argument("--keep", type=Path, help="copy the big build's outputs into this folder")
    ap.add_argument("--jobs", choices=("auto", "1", "2"), default="auto",
                    help="KMPOST_JOBS for the builds: auto (a second writer process when a CPU is idle), 1 or 2")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        task, *rest = args.child
        res = child_read(*rest) if task == "read" else child_build(*rest)
        res["rss_mb"] = _peak_mb()
        print(json.dumps(res))
        return 0
    from bench_gpx_io import make_gpx

    from geo.readers import read_track

    if args.jobs == "auto":
        os.environ.pop("KMPOST_JOBS", None)
    else:
        os.environ["KMPOST_JOBS"] = args.jobs
    load_start = os.getloadavg()
    print(f"load average at the start: {' / '.join(f'{x:.2f}' for x in load_start)} "
          f"({os.cpu_count()} CPUs)", flush=True)
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as d:
        for size in args.sizes:
            n, n_ev = SIZES[size]
            gpx, rb = Path(d) / f"{size}.gpx", Path(d) / f"{size}.yaml"
            make_gpx(gpx, n)
            from geo.earth import cumulative_lengths
            t = read_track(gpx)
            length_km = float(cumulative_lengths(t.lon, t.lat)[-1]) / 1000
            del t
            make_roadbook(rb, n_ev, length_km)
            best: dict[str, dict[str, Any]] = {}
            for rep in range(args.repeat):
                for task in ("read", "build"):
                    out = Path(d) / f"out-{size}-{rep}"
                    r = run_child(["read", str(gpx)] if task == "read"
                                  else ["build", str(gpx), str(rb), str(out)])
                    if task not in best or r["s"] < best[task]["s"]:
                        best[task] = r
                        if task == "build" and args.keep and size == "big":
                            import shutil
                            shutil.rmtree(args.keep, ignore_errors=True)
                            shutil.copytree(out, args.keep)
                    print(f"  {size} run {rep + 1}: {task:<5} {r['s']:6.2f} s in process, "
                          f"{r['wall_s']:6.2f} s wall, peak RSS {r['rss_mb']:6.0f} MB "
                          f"(load {os.getloadavg()[0]:.2f})", flush=True)
            best["build"]["length_km"] = length_km
            results[size] = best
    load_end = os.getloadavg()
    lines = report(results, load_start, load_end, args.repeat, args.jobs)
    print("\n".join(lines))
    if not args.no_write:
        (ROOT / "benchmarks" / "RESULTS-build.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    big = results.get("big")
    if big:
        ok = big["build"]["s"] <= 2 * big["read"]["s"] and _rss_total(big["build"]) <= 4 * big["read"]["rss_mb"]
        return 0 if ok else 1
    return 0


#: The big build measured with this script before issue 14's work on the writers (commit 268490e,
#: load 4.4): seconds and peak RSS (MB) after each stage, and the read beside it.
BEFORE = {"read_track alone": (4.00, 129), "whole build": (24.37, 1219), "read": (4.42, 259),
          "roadbook load": (0.23, 259), "calibration": (3.52, 666), "layers": (0.41, 666),
          "GeoPackage": (1.30, 704), "GeoJSON": (4.52, 1219), "profile SVG": (1.48, 1219),
          "HTML map": (1.18, 1219), "GPX": (1.24, 1219), "FIT": (2.11, 1219), "TCX": (1.64, 1219),
          "roadbook text": (1.04, 1219), "profile PNG": (0.81, 1219)}


#: The big build at the start of the work on the whole build's cost (same script, commit 34b6ecb,
#: load 1.4-1.7, one process): read_track alone, whole build (seconds, peak RSS MB).
ROUND_START = {"read_track alone": (1.92, 217), "whole build": (8.28, 497)}
ROUND_START_RATIO = "4.32x"

#: The big build at the start of the work on the simplifications shared and made ahead (commit
#: 5ebaeac, load 1.1-1.2, best of 3, two processes): read_track alone, whole build (s, MB).
SHARED_START = {"read_track alone": (1.97, 248), "whole build": (4.23, 808)}
SHARED_START_RATIO = "2.15x"


def _rss_total(b: dict[str, Any]) -> float:
    """Peak RSS of the build: its process plus its forked writer (an upper bound: the pages they
    share are counted twice)."""
    return float(b["rss_mb"] + b.get("writer_rss_mb", 0.0))


def _build_rss(b: dict[str, Any]) -> str:
    w = b.get("writer_rss_mb", 0.0)
    if not w:
        return f"{b['rss_mb']:.0f}"
    priv = b.get("writer_private_mb", 0.0)
    return (f"{_rss_total(b):.0f} ({b['rss_mb']:.0f} + writer {w:.0f}, of which "
            f"{priv:.0f} its own: {b['rss_mb'] + priv:.0f} without the shared pages)")


def report(results: dict[str, dict[str, Any]], load_start: tuple[float, ...],
           load_end: tuple[float, ...], repeat: int, jobs: str = "auto") -> list[str]:
    lines = ["# Whole-build benchmark (benchmarks/bench_build.py)", "",
             f"`kmpost build --roadbook rb.yaml --track tour.gpx` beside the bare `read_track` of the same "
             f"file, in one run; each in a fresh process, alternating, best of {repeat}; "
             f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs, "
             f"{platform.machine()}; writer processes: "
             + ("chosen by the build (a second one when a CPU was idle while the track was calibrated)"
                if jobs == "auto" else f"KMPOST_JOBS={jobs}") + ".", ""]
    for size, best in results.items():
        n, n_ev = SIZES[size]
        b, r = best["build"], best["read"]
        lines += [f"## {size}: {n:,} track points, {n_ev:,} events, one coordinate anchor "
                  f"({b['length_km']:.0f} km)", "",
                  "| | seconds (in process) | process wall s | peak RSS MB | ratio to the read |",
                  "|---|---:|---:|---:|---|",
                  f"| `read_track` alone | {r['s']:.2f} | {r['wall_s']:.2f} | {r['rss_mb']:.0f} | 1 |",
                  f"| whole build | {b['s']:.2f} | {b['wall_s']:.2f} | {_build_rss(b)} | "
                  f"**{b['s'] / r['s']:.2f}x** time (limit 2x), **{_rss_total(b) / r['rss_mb']:.2f}x** "
                  "RSS (limit 4x) |", "",
                  "Stages of that build (seconds inside the stage; peak RSS of the process at its end; "
                  "the stages of the forked writer process run at the same time as the others, so the "
                  "seconds add up to more than the build):", "",
                  "| stage | seconds | share | peak RSS MB after |", "|---|---:|---:|---:|"]
        stages = b["stages"]
        acc = 0.0
        for name, (sec, rss) in stages.items():
            acc += 0.0 if name.endswith("(writer process)") else sec
            lines.append(f"| {name} | {sec:.2f} | {100 * sec / b['s']:.0f} % | {rss:.0f} |")
        lines += [f"| rest of the build's own process (glue, course points, waiting for the writer, "
                  f"staging, moving files) | {b['s'] - acc:.2f} | "
                  f"{100 * (b['s'] - acc) / b['s']:.0f} % | |", ""]
        if size == "big":
            lines += ["Before (same script, commit 268490e, load 4.4, one run): "
                      + "; ".join(f"{k} {v[0]:.2f} s / {v[1]} MB" for k, v in BEFORE.items()) + ".", "",
                      "Then (commit 34b6ecb, load 1.4-1.7, best of 3, one process): "
                      + "; ".join(f"{k} {v[0]:.2f} s / {v[1]} MB" for k, v in ROUND_START.items())
                      + f" ({ROUND_START_RATIO}, from the unrounded seconds).", "",
                      "Then (commit 5ebaeac, load 1.1-1.2, best of 3, two processes): "
                      + "; ".join(f"{k} {v[0]:.2f} s / {v[1]} MB" for k, v in SHARED_START.items())
                      + f" ({SHARED_START_RATIO}).", ""]
        lines += [
                  f"Outputs: {', '.join(b['files'])}.", ""]
    lines.append(f"Load average: {' / '.join(f'{x:.2f}' for x in load_start)} (1/5/15 min) at the start, "
                 f"{' / '.join(f'{x:.2f}' for x in load_end)} at the end, on {os.cpu_count()} CPUs "
                 "(other jobs on the machine inflate and scatter the seconds; the ratios are side by side).")
    return lines


if __name__ == "__main__":
    raise SystemExit(main())
