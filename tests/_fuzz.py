"""What the fuzz suites share: a mutation, the line-level mutations, and how one input ended.

``tests/test_fuzz_extract.py`` (notes, text) and ``tests/test_fuzz_roadbook.py`` (roadbooks,
bytes) add their own mutations (byte flips, hostile tokens or values) on top of these.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from geo.errors import KmpostError

S = TypeVar("S", str, bytes)


@dataclass(frozen=True)
class Op:
    """One mutation: ``kind`` and two numbers in [0, 1) that pick where and what."""

    kind: str
    a: float
    b: float


def line_op(data: S, op: Op) -> S | None:
    """Apply a line-level mutation (delete, duplicate, swap, truncate) to ``data``.

    Returns None for any other kind (the caller's own mutations)."""
    nl = "\n" if isinstance(data, str) else b"\n"
    lines = data.split(nl)
    i = int(op.a * len(lines))
    if op.kind == "delete":
        return nl.join(lines[:i] + lines[i + 1:])
    if op.kind == "duplicate":
        return nl.join(lines[:i + 1] + lines[i:])
    if op.kind == "swap":
        j = int(op.b * len(lines))
        lines[i], lines[j] = lines[j], lines[i]
        return nl.join(lines)
    if op.kind == "truncate":
        return data[: int(op.a * len(data))]
    return None


@dataclass(frozen=True)
class Outcome:
    """How one input ended: ``result`` is the kind of result, "error" or "internal"."""

    result: str
    seconds: float
    problems: tuple[str, ...] = ()
    internal: str = ""
    bad_json: str = ""

    def nan_message(self, data: str | bytes) -> bool:
        """A message says nan although the input has no such word."""
        said = any(re.search(r"\bnan\b", p, re.I) for p in self.problems)
        if isinstance(data, bytes):
            return said and not re.search(rb"(?i)\bnan\b", data)
        return said and not re.search(r"(?i)\bnan\b", data)


def run_case(fn: Callable[[], Outcome]) -> Outcome:
    """Run ``fn`` and turn a KmpostError into "error" and any other exception into "internal"."""
    t0 = time.perf_counter()
    try:
        return fn()
    except KmpostError as exc:
        return Outcome("error", time.perf_counter() - t0, exc.problems)
    except Exception as exc:  # counting internal errors is the point of a fuzz run
        return Outcome("internal", time.perf_counter() - t0, internal=f"{type(exc).__name__}: {exc}"[:300])
