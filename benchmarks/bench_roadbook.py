"""Benchmark: loading and validating big roadbooks (2,000 and 20,000 events).

Goal (issues 14.2 and 15.2): cost linear in the number of events, 20,000 events in a few seconds.
The roadbook is generated in code: two places, two anchors, and N events cycling through every
event kind, with ``at:`` positions, sides, lengths and long notes, plus N/10 stretches.
Prints, per size: the YAML stage (``roadbook.yamlsrc.load_yaml``) and the whole
``parse_roadbook`` (YAML + validation), best of ``--repeat`` runs, and which YAML parser ran.
Before the event-stream reader (PyYAML pure-Python ``compose`` + node walk, one error at a time),
measured on the same machine under load: 2,000 events 2.31 s, 20,000 events 22.1 s.

    .venv/bin/python benchmarks/bench_roadbook.py [--sizes 2000 20000] [--repeat 3] [--python]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from roadbook import parse_roadbook  # noqa: E402
from roadbook.yamlsrc import load_yaml  # noqa: E402

HEAD = """\
kmpost_roadbook: 1
route:
  id: bench
  name: Benchmark route
  info_date: "2021-06"
sources:
  - id: s
    title: generated notes
    licence: written for the benchmark
places:
  - id: a
    name: Alpha
    lat: 38.0
    lon: 90.0
    coord_source: generated
    on_route: true
  - id: b
    name: Beta
    lat: 39.0
    lon: 95.0
    coord_source: generated
    on_route: true
anchors:
  - km: 0
    place: a
    source: generated
    confidence: high
  - km: 500
    place: b
    source: generated
    confidence: high
events:
"""

KINDS = ("checkpoint", "turn_off", "sign", "water", "food", "toilet", "fuel", "hazard", "downhill",
         "camping", "accommodation", "transport", "landmark", "info")


def make_roadbook(n_events: int) -> str:
    """Roadbook YAML text with ``n_events`` events and ``n_events // 10`` stretches."""
    parts = [HEAD]
    for i in range(n_events):
        kind = KINDS[i % len(KINDS)]
        km = (i * 499.0) / max(n_events, 1)
        where = f"    at: {{place: a, offset_km: {km:.3f}}}\n" if i % 5 == 4 else f"    km: {km:.3f}\n"
        parts.append(
            f"  - kind: {kind}\n{where}"
            f"    name: \"Item {i}\"\n"
            f"    side: {('left', 'right', 'both')[i % 3]}\n"
            f"    note: \"Around km {km:.1f} there is a {kind.replace('_', ' ')}; note number {i} of the "
            "generated roadbook, long enough to look like a real sentence.\"\n"
            "    source: s\n"
            + ("    length_km: 3.5\n" if kind == "downhill" else "")
        )
    parts.append("stretches:\n")
    for i in range(n_events // 10):
        a = (i * 490.0) / max(n_events // 10, 1)
        parts.append(
            f"  - kind: old_road\n    from_km: {a:.3f}\n    to_km: {a + 5:.3f}\n"
            f"    note: \"Old road section {i}.\"\n    source: s\n"
        )
    return "".join(parts)


def best(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return min(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[2000, 20000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--python", action="store_true", help="use PyYAML's pure-Python parser (the fallback)")
    args = ap.parse_args()
    import yaml

    import roadbook.yamlsrc as ys

    if args.python:
        ys._Loader = yaml.SafeLoader
        ys.PARSER_NAME = "PyYAML pure-Python parser (fallback)"

    parser = getattr(ys, "PARSER_NAME", "PyYAML (pure Python, before this benchmark's changes)")
    print(f"python {platform.python_version()}, load average {os.getloadavg()[0]:.2f}, parser: {parser}")
    print(f"{'events':>8} {'bytes':>10} {'yaml s':>8} {'yaml+validate s':>16} {'us/event':>9}")
    for n in args.sizes:
        text = make_roadbook(n)
        t_yaml = best(lambda text=text: load_yaml(text, "bench.yaml"), args.repeat)
        t_all = best(lambda text=text: parse_roadbook(text, "bench.yaml"), args.repeat)
        rb = parse_roadbook(text, "bench.yaml")
        assert len(rb.events) == n, (len(rb.events), n)
        print(f"{n:>8} {len(text.encode()):>10} {t_yaml:>8.2f} {t_all:>16.2f} {t_all / n * 1e6:>9.0f}")


if __name__ == "__main__":
    main()
