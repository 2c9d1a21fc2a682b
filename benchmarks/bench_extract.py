"""Benchmark: ``kmpost extract`` throughput, and bounded time on big and hostile inputs.

One script for every speed goal of ``kmpost extract`` (issues 10 and 15; it replaces
``bench_extract_big.py``):

* **throughput**: 10 MB of mixed notes (the project's own labelled texts of
  ``tests/extract_labelled/``, prose, stage lists, tables, cue sheets, Chinese, repeated) through
  the default path (draft roadbook) and ``--json``; reported in MB/s;
* **hostile inputs**: empty text, binary data (at the start and after the first 200,000
  characters), 50 MB of notes, one 10 MB line, sentence-splitting and abbreviation traps
  ("No. 5 " x 10,000 and x 30,000, "km. 1 " x 30,000, "approx. 5 km later " x 30,000), 702
  defined abbreviations plus 2,000 references, ``km 1`` followed by ``,000`` x 1,000,000, a
  4 MB line of digits and unit words, 20,000 distinct place names after "in", 40,000 day lines
  naming 80,000 distinct places (each name a gazetteer candidate). Each must end (in a result or
  an ``ExtractError``) within :data:`GOAL_S`.

Each case runs in a fresh subprocess with a hard timeout, so one runaway case cannot hide the
others. Run: ``.venv/bin/python benchmarks/bench_extract.py [--only NAME]``; exit 1 when a goal
is missed. Figures are in ``benchmarks/RESULTS-extract.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

#: Time goal per hostile case (seconds, on the shared 2-core machine).
GOAL_S = 30.0
#: Hard timeout of one case's subprocess (the 50 MB case gets five times this).
TIMEOUT_S = 120.0
MB = 1_000_000


def mixed_notes(size: int) -> str:
    """``size`` characters of mixed notes: the project's own labelled texts, repeated."""
    folder = ROOT / "tests" / "extract_labelled"
    texts = [str(yaml.safe_load(f.read_text(encoding="utf-8"))["text"])
             for f in sorted(folder.rglob("*.yaml"))]
    block = "\n\n".join(texts) + "\n\n"
    return (block * (size // len(block) + 1))[:size]


def _abbreviations() -> str:
    letters = [chr(65 + i) for i in range(26)]
    codes = letters + [a + b for a in letters for b in letters]           # 702 codes
    defs = " ".join(f"the road {'x' * (3 + i % 5)} ({c})." for i, c in enumerate(codes))
    refs = " ".join(f"At km {i} {codes[i % len(codes)]} stops." for i in range(2_000))
    return defs + "\n" + refs


def _distinct_names(n: int, days: bool) -> str:
    """``n`` lines naming places never named twice ("We slept in Bakodi Firama after 50 km." or
    "Day 7: Bakodi – Firama – 64 km"), each looked up in the gazetteer (deterministic)."""
    syl = [c + v for c in "bcdfghklmnprstvz" for v in "aeiou"]                 # 80 syllables

    def name(i: int) -> str:
        return (syl[i % 80] + syl[i // 80 % 80] + syl[i // 6400 % 80]).capitalize()

    if days:
        return "\n".join(f"Day {i}: {name(2 * i)} – {name(2 * i + 1)} – {20 + i % 90} km" for i in range(1, n + 1))
    return "\n".join(f"We slept in {name(2 * i)} {name(2 * i + 1)} after 50 km." for i in range(n))


#: The input of each case (bytes where the case is about decoding), built when the case runs.
INPUTS: dict[str, Callable[[], str | bytes]] = {
    "empty": lambda: "",
    "mixed 10 MB (draft)": lambda: mixed_notes(10 * MB),
    "mixed 10 MB (json)": lambda: mixed_notes(10 * MB),
    "mixed 50 MB (json)": lambda: mixed_notes(50 * MB),
    "binary": lambda: os.urandom(2 * MB),
    "binary after 200k": lambda: mixed_notes(300_000).encode() + os.urandom(MB),
    "one 10 MB line": lambda: mixed_notes(10 * MB).replace("\n", " "),
    "No. 5 x 10,000": lambda: "No. 5 " * 10_000,
    "No. 5 x 30,000": lambda: "No. 5 " * 30_000,
    "km. 1 x 30,000": lambda: "km. 1 " * 30_000,
    "approx. 5 km later x 30,000": lambda: "approx. 5 km later " * 30_000,
    "702 abbreviations + 2,000 refs": _abbreviations,
    "km 1 + ,000 x 1M": lambda: "km 1" + ",000" * 1_000_000,
    "4 MB digits and units line": lambda: ("1 km 2 km 3 km " * 200_000) + ("a" * 1_000_000),
    "20,000 distinct place names": lambda: _distinct_names(20_000, days=False),
    "40,000 day lines, distinct names": lambda: _distinct_names(40_000, days=True),
}
CASES = list(INPUTS)


def case_text(name: str) -> str | bytes:
    """The input of one case (KeyError for an unknown name)."""
    return INPUTS[name]()


def run_one(name: str) -> str:
    """Run one case in this process; return a one-line result."""
    from roadbook.extract import run_extract
    from roadbook.extract.events import ExtractError, decode_notes

    data = case_text(name)
    as_json = "(json)" in name
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        text = decode_notes(data) if isinstance(data, bytes) else data
        out = run_extract(text, source_name="bench.txt", as_json=as_json, explain=False)
        result = f"{out.count(chr(10))} output lines"
    except ExtractError as exc:
        result = f"ExtractError: {str(exc)[:70]}"
    took, cpu = time.perf_counter() - t0, time.process_time() - c0
    size = len(data)
    # CPU time beside wall time: the shared machine's load inflates wall time, not CPU time
    rate = f"{size / MB / cpu:6.2f} MB/s cpu" if size >= MB and cpu > 0 else " " * 15
    return f"{name:>32}: {size / MB:6.2f} MB in {took:7.2f} s wall, {cpu:7.2f} s cpu  {rate}  {result}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", help="run this case in-process and print its line")
    ap.add_argument("--cases", nargs="+", help="run only these cases (each in a subprocess)")
    args = ap.parse_args(argv)
    if args.only:
        print(run_one(args.only))
        return 0
    head = (f"python {platform.python_version()}, {os.cpu_count()} cores, "
            f"load {os.getloadavg()[0]:.2f}, goal < {GOAL_S:.0f} s per case")
    print(head)
    lines = [head]
    worst = 0.0
    for name in [c for c in CASES if args.cases is None or c in args.cases]:
        t0 = time.perf_counter()
        try:
            limit = TIMEOUT_S * (5 if "50 MB" in name else 1)
            p = subprocess.run([sys.executable, __file__, "--only", name], capture_output=True,
                               text=True, timeout=limit)
            line = p.stdout.strip() or f"{name:>32}: FAILED {p.stderr.strip().splitlines()[-1:]}"
        except subprocess.TimeoutExpired:
            line = f"{name:>32}: TIMEOUT after {limit:.0f} s"
        took = time.perf_counter() - t0
        worst = max(worst, took if "FAILED" not in line else TIMEOUT_S)
        print(line, flush=True)
        lines.append(line)
    if args.cases is None:
        write_results(lines)
    return 0 if worst < GOAL_S + 5 else 1   # subprocess start and input building included


def write_results(lines: list[str]) -> None:
    """Put the figures of a full run into RESULTS-extract.md, after its speed mark (the quality
    report of extract_quality.py above the mark is kept, and keeps this section when rewritten)."""
    from benchmarks.extract_quality import SPEED_MARK

    out = ROOT / "benchmarks" / "RESULTS-extract.md"
    old = out.read_text(encoding="utf-8") if out.is_file() else ""
    keep = old[:old.index(SPEED_MARK)] if SPEED_MARK in old else old.rstrip("\n") + "\n\n"
    body = "\n".join(f"    {x}" for x in lines)
    out.write_text(f"{keep}{SPEED_MARK}\n## Speed (`benchmarks/bench_extract.py`)\n\n{body}\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
