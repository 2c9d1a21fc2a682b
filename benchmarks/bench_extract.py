"""Benchmark: ``kmpost extract`` on big and hostile texts stays linear.

Goals (moved here from tests/test_extract.py, which keeps the correctness checks): a 10 MB forum
dump of dense, messy sentences in under 30 s, and a single 4 MB line with no sentence end, digits
and unit words everywhere in under 30 s. Measured on the 2-core machine, shared (2026-12):
19.5 s and 12.9 s at load average 1.7; 37.4 s and 32.1 s under ``nice`` at load 6.7 (the reason
this is a benchmark, not a test limit). Run: ``.venv/bin/python benchmarks/bench_extract_big.py``;
exit 1 when a goal is missed.
"""

from __future__ import annotations

import os
import platform
import sys
import time

from roadbook.extract import run_extract

GOAL_S = 30.0
CHUNK = ("At km 1383 checkpoint. 45 km from Hotan a mosque; bus 9:30 94 Yuan, call 0979 8412001. "
         "kmkmkm 1,1,1,1,1 K K K 12345678901234567890 from from from the the the ")


def timed(name: str, text: str) -> float:
    t0 = time.perf_counter()
    run_extract(text, source_name=f"{name}.txt", as_json=True, explain=False)
    took = time.perf_counter() - t0
    print(f"{name:>22}: {len(text) / 1e6:5.1f} MB in {took:6.2f} s (goal < {GOAL_S:.0f} s)")
    return took


def main() -> int:
    print(f"python {platform.python_version()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}")
    big = CHUNK * (10_000_000 // len(CHUNK) + 1)
    line = ("1 km 2 km 3 km " * 200_000) + ("a" * 1_000_000)
    worst = max(timed("10 MB forum dump", big), timed("pathological line", line))
    return 0 if worst < GOAL_S else 1


if __name__ == "__main__":
    sys.exit(main())
