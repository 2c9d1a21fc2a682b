"""Fuzzing the roadbook loader (issue 15.5): mutated copies of the embedded roadbooks.

Mutations: byte flips, line deletions, duplications and swaps, truncation, and values swapped
for hostile ones (tags, non-finite and huge numbers, impossible dates, control characters, lone
surrogate escapes, aliases, merge keys, deep brackets, huge text). Every mutated roadbook must
end in a :class:`~roadbook.model.Roadbook` or a :class:`~geo.errors.KmpostError` within
:data:`TIME_BOUND_S`, never another exception, and no message may say "nan" (unless the input
itself has that word). Seeded (``derandomize``) and bounded: part of the normal run, a few
seconds. ``benchmarks/fuzz_roadbook.py`` runs the same mutations on thousands of inputs.
"""

from __future__ import annotations

import random
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roadbook import embedded_routes, parse_roadbook_bytes
from roadbook.model import Roadbook
from tests._fuzz import Op, Outcome, line_op, run_case

SEEDS: dict[str, bytes] = {name: path.read_bytes() for name, path in sorted(embedded_routes().items())}
#: Longest time one mutated roadbook (about 40 KB) may take to load or fail.
TIME_BOUND_S = 2.0

HOSTILE: tuple[bytes, ...] = tuple(v.encode("utf-8") for v in (
    ".nan", ".inf", "-.inf", "1" + "0" * 400, "1" + "0" * 300, "1e400", "-100001", "1e15", "-0",
    "!!float 'abc'", "!!int '0x'", "!!int 'abc'", "!!bool 'maybe'", "!!timestamp 'yesterday'",
    "!!python/object/apply:os.system ['true']", "!!binary aGk=", "!local x", "!!str", "!!seq x",
    "2021-02-30", "2021-13-45", "0000-01-01", "2021-06-01T25:61:61", "2021-06-01 10:00:00 +99:00",
    "'9999-99-99'", "99999", "-5", "9:30", "25:61", "0x", "0o777", "1_000",
    '"G315 \\uD800"', '"\\x1b[31m red"', '"\\x00"', '"\\u2028"', "&a [1, 2]", "*a", "{<<: {x: 1}}",
    "[" * 60 + "]" * 60, "{a: " * 40 + "1" + "}" * 40, "~", "''", "[]", "{}", "yes", "no", "null",
    "'" + "x" * 30_000 + "'", "- a", ":", "'", '"', "[", "{a: b, a: c}", "nope", "shop", "campsite",
    "|\n  block\n", "? complex\n", "\t", "%", "@", "`", "a: b: c",
))


OP_KINDS = ("flip", "delete", "duplicate", "swap", "value", "value", "truncate")


def mutate(seed: bytes, ops: list[Op]) -> bytes:
    """Apply ``ops`` to the bytes of a roadbook, in order."""
    data = seed
    for op in ops:
        done = line_op(data, op)
        if done is not None:
            data = done
            continue
        lines = data.split(b"\n")
        i = int(op.a * len(lines))
        if op.kind == "flip" and data:
            pos = int(op.a * len(data))
            data = data[:pos] + bytes([int(op.b * 256)]) + data[pos + 1:]
        elif op.kind == "value":
            line = lines[i]
            cut = line.find(b": ") + 2 if b": " in line else (line.find(b"- ") + 2 if b"- " in line else len(line))
            lines[i] = line[:cut] + HOSTILE[int(op.b * len(HOSTILE))]
            data = b"\n".join(lines)
    return data


def load(data: bytes) -> Outcome:
    """Load one input and say how it ended."""
    t0 = time.perf_counter()

    def one() -> Outcome:
        rb = parse_roadbook_bytes(data, "fuzz.yaml")
        assert isinstance(rb, Roadbook)
        return Outcome("roadbook", time.perf_counter() - t0)

    return run_case(one)


def random_ops(rng: random.Random) -> list[Op]:
    """1-4 random mutations (for the long run; the test draws them with hypothesis)."""
    return [Op(rng.choice(OP_KINDS), rng.random(), rng.random()) for _ in range(rng.randint(1, 4))]


_unit = st.floats(min_value=0.0, max_value=1.0, exclude_max=True, allow_nan=False)
_ops = st.lists(st.builds(Op, st.sampled_from(OP_KINDS), _unit, _unit), min_size=1, max_size=4)


@settings(max_examples=120, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(seed=st.sampled_from(sorted(SEEDS)), ops=_ops)
def test_mutated_roadbooks_end_cleanly(seed, ops):
    data = mutate(SEEDS[seed], ops)
    out = load(data)
    assert out.result != "internal", (ops, out.internal)
    assert out.seconds < TIME_BOUND_S, (ops, out.seconds)
    assert not out.nan_message(data), out.problems
    for p in out.problems:
        assert p and "\n" not in p and p.startswith("fuzz.yaml"), p


def test_every_hostile_value_on_every_line_kind_of_g315():
    """Each hostile value once, on lines spread over every section of g315 (deterministic)."""
    seed = SEEDS["g315"]
    lines = seed.split(b"\n")
    targets = [i for i, ln in enumerate(lines) if b": " in ln and not ln.lstrip().startswith(b"#")][::40]
    for k, _ in enumerate(HOSTILE):
        for i in targets[k % len(targets)::len(targets)]:
            ops = [Op("value", (i + 0.5) / len(lines), (k + 0.5) / len(HOSTILE))]
            data = mutate(seed, ops)
            out = load(data)
            assert out.result != "internal", (HOSTILE[k], i, out.internal)
            assert out.seconds < TIME_BOUND_S
            assert not out.nan_message(data), out.problems


def test_mutate_is_deterministic_and_changes_the_input():
    ops = [Op("value", 0.5, 0.1), Op("flip", 0.3, 0.9)]
    assert mutate(SEEDS["g315"], ops) == mutate(SEEDS["g315"], ops) != SEEDS["g315"]
    assert mutate(b"a: 1\nb: 2", [Op("delete", 0.0, 0.0)]) == b"b: 2"
    assert mutate(b"a: 1\nb: 2", [Op("duplicate", 0.9, 0.0)]) == b"a: 1\nb: 2\nb: 2"
    assert mutate(b"a: 1\nb: 2", [Op("value", 0.0, 0.0)]) == b"a: .nan\nb: 2"
