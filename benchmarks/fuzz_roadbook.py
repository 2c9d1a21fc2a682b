"""Long fuzz run of the roadbook loader (issue 15.5): thousands of mutated embedded roadbooks.

The mutations are those of ``tests/test_fuzz_roadbook.py`` (byte flips, line deletions,
duplications and swaps, truncation, hostile values), drawn from a seeded ``random.Random``, run
with libyaml's parser and (``--python``) PyYAML's pure-Python fallback. Prints the counts the
README quotes: cases, roadbooks, clean errors, internal errors, inputs over the time bound and
messages that say "nan", plus the slowest case; lists the first internal errors found.

    .venv/bin/python benchmarks/fuzz_roadbook.py [--cases 2000] [--seed 15] [--python]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

import roadbook.yamlsrc as yamlsrc  # noqa: E402
from tests.test_fuzz_roadbook import SEEDS, TIME_BOUND_S, load, mutate, random_ops  # noqa: E402


def run(cases: int, seed: int) -> dict[str, float]:
    rng = random.Random(seed)
    counts: Counter[str] = Counter()
    slowest, internals = 0.0, []
    t0 = time.perf_counter()
    names = sorted(SEEDS)
    for _ in range(cases):
        ops = random_ops(rng)
        data = mutate(SEEDS[rng.choice(names)], ops)
        out = load(data)
        counts[out.result] += 1
        counts["over time bound"] += out.seconds >= TIME_BOUND_S
        counts["nan messages"] += out.nan_message(data)
        slowest = max(slowest, out.seconds)
        if out.result == "internal" and len(internals) < 5:
            internals.append(f"{ops}: {out.internal}")
    for line in internals:
        print("  internal error:", line)
    return {"cases": cases, "roadbooks": counts["roadbook"], "clean errors": counts["error"],
            "internal errors": counts["internal"], "over time bound": counts["over time bound"],
            "nan messages": counts["nan messages"], "slowest s": slowest, "total s": time.perf_counter() - t0}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--python", action="store_true", help="also run with the pure-Python YAML parser")
    args = ap.parse_args()
    parsers = [("libyaml", getattr(yaml, "CSafeLoader", yaml.SafeLoader))]
    if args.python:
        parsers.append(("pure Python", yaml.SafeLoader))
    print(f"load average {os.getloadavg()[0]:.2f}; seeds: {', '.join(sorted(SEEDS))}; "
          f"time bound {TIME_BOUND_S:g} s per input")
    for name, loader in parsers:
        yamlsrc._Loader = loader
        r = run(args.cases, args.seed)
        print(f"{name:12} " + ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in r.items()))


if __name__ == "__main__":
    main()
