"""Long fuzz run of ``kmpost extract`` (issue 15.5): thousands of mutated notes, plus the big
cases of the issue.

The mutations are those of ``tests/test_fuzz_extract.py`` (byte flips, line deletions,
duplications and swaps, truncation, hostile tokens, repeated fragments), drawn from a seeded
``random.Random`` over the labelled texts; each text is run as a draft and as ``--json
--explain`` (alternately). Prints the counts the README quotes: cases, drafts, clean errors,
internal errors, inputs over the time bound (which grows with the size), messages that say
"nan", bad JSON lines, and the slowest case; then the big inputs of issue 15 one by one.

    .venv/bin/python benchmarks/fuzz_extract.py [--cases 1000] [--seed 15] [--no-big]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.test_fuzz_extract import SEEDS, extract, mutate, random_ops, time_bound  # noqa: E402


def big_cases() -> list[tuple[str, str]]:
    """The inputs issue 15 timed (written here from its description), and 10 MB of notes."""
    abbrevs = "".join(f"{chr(97 + i % 26)}{chr(97 + i // 26 % 26)}{i}. " for i in range(702))
    prose = "\n".join(SEEDS.values())
    ten_mb = (prose + "\n") * (10_000_000 // (len(prose) + 1))
    return [
        ("empty file", ""),
        ("'No. 5 ' x 10,000", "No. 5 " * 10_000),
        ("'km. 1 ' x 30,000", "km. 1 " * 30_000),
        ("'No. 5 ' x 30,000", "No. 5 " * 30_000),
        ("'approx. 5 km later ' x 30,000", "approx. 5 km later " * 30_000),
        ("702 abbreviations + 2,000 references", abbrevs + " At km 12 water. 5 km later a shop." * 1_000),
        ("'km 1' + ',000' x 1,000,000", "km 1" + ",000" * 1_000_000),
        (f"{len(ten_mb) / 1e6:.0f} MB of notes", ten_mb),
        ("binary after 200,000 characters", prose[:200_000].ljust(200_000) + "\x00\x01\x02" * 1_000),
    ]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--no-big", action="store_true", help="skip the big inputs of the issue")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    names = sorted(SEEDS)
    counts: Counter[str] = Counter()
    internals: list[str] = []
    slowest = (0.0, "", 0)
    t_all = time.perf_counter()
    for k in range(args.cases):
        seed = rng.choice(names)
        ops = random_ops(rng)
        text = mutate(SEEDS[seed], ops)
        out = extract(text, as_json=bool(k % 2), explain=bool(k % 2))
        counts["cases"] += 1
        counts[out.result] += 1
        if out.seconds > time_bound(len(text)):
            counts["over the time bound"] += 1
        if out.nan_message(text):
            counts["'nan' in messages"] += 1
        if out.bad_json:
            counts["bad JSON / unprintable output"] += 1
        if out.internal and len(internals) < 10:
            internals.append(f"{seed} {ops}: {out.internal}")
        if out.seconds > slowest[0]:
            slowest = (out.seconds, f"{seed} {ops}", len(text))
    wall = time.perf_counter() - t_all
    print(f"fuzz_extract: seed {args.seed}, {args.cases} mutated texts in {wall:.1f} s")
    for key in ("cases", "draft", "error", "internal", "over the time bound", "'nan' in messages",
                "bad JSON / unprintable output"):
        print(f"  {key:32s} {counts[key]}")
    print(f"  slowest: {slowest[0] * 1000:.0f} ms ({slowest[2]:,} characters; {slowest[1]})")
    for line in internals:
        print(f"  internal error: {line}")
    bad = counts["internal"] + counts["over the time bound"] + counts["'nan' in messages"] \
        + counts["bad JSON / unprintable output"]
    if not args.no_big:
        print("big inputs (bound: 2 s + 1 s per 100,000 characters):")
        for label, text in big_cases():
            out = extract(text)
            over = out.seconds > time_bound(len(text))
            bad += over + (out.result == "internal")
            print(f"  {label:40s} {len(text):>11,} chars  {out.seconds:7.2f} s  {out.result}"
                  + ("  OVER THE BOUND" if over else "") + (f"  {out.internal}" if out.internal else ""))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
