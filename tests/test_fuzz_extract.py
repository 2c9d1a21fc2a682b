"""Fuzzing ``kmpost extract`` (issue 15.5): mutated and random notes.

Seeds: the texts of ``tests/extract_labelled`` (written for the project). Mutations: byte flips
(decoded as the CLI decodes files), line deletions, duplications and swaps, truncation, hostile
tokens inserted (abbreviations that look like sentence ends, huge and non-finite numbers,
``,000`` runs, foreign digits, bidi and zero-width characters, controls, lone surrogates) and a
fragment repeated hundreds of times. Every input must end in a result or a
:class:`~geo.errors.KmpostError` within :func:`time_bound` (which grows with the input size),
never another exception; no message says "nan" (unless the input has the word) and ``--json``
output is valid JSON with no NaN. Seeded (``derandomize``) and bounded: part of the normal run,
a few seconds. ``benchmarks/fuzz_extract.py`` runs the same mutations on thousands of texts.
"""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roadbook.extract import run_extract
from roadbook.extract.events import decode_notes
from tests._fuzz import Op, Outcome, line_op, run_case

LABELLED = Path(__file__).resolve().parent / "extract_labelled"
SEEDS: dict[str, str] = {p.stem: str(yaml.safe_load(p.read_text(encoding="utf-8"))["text"])
                         for p in sorted(LABELLED.glob("*.yaml"))}


def time_bound(n_chars: int) -> float:
    """Seconds one input of ``n_chars`` characters may take: 2 s, plus 1 s per 100,000 characters
    (so 10 MB of notes, the size limit, in well under two minutes even on a loaded machine)."""
    return 2.0 + n_chars / 100_000


HOSTILE: tuple[str, ...] = (
    "No. 5 ", "km. 1 ", "approx. 5 km later ", "ca. 3 km ", "e.g. ", "Mt. ", "St. ", "U.S. ",
    "km 1" + ",000" * 300, "km 1" + "0" * 400, "1e400 km", "km 1e308", "nan km", "km nan", "inf km", "km -inf",
    "km -0", "km 99999999999999999999", "km 0x1F", "km 4_5", "km ١٣٨٣", "km １３８３", "km\u00a01383",
    "at km 1383.", "After 12 km", "12 km before", "К 1383", "км 1383", "kilómetro 12",
    "\u202e km 5 \u202c", "\u200b", "\ufeff", "\x00", "\x1b[31m", "\x85", "\ud800", "\udfff",
    "\r", "\r\n", "\u2028", "\t" * 50, " " * 5000, "." * 3000, "-" * 3000, "(" * 500, "[" * 500,
    "km " * 2000, "1 " * 3000, "\n" * 2000, "🚲" * 500, "x" * 20_000,
)
OP_KINDS = ("flip", "delete", "duplicate", "swap", "insert", "insert", "repeat", "truncate")


def mutate(seed: str, ops: list[Op]) -> str:
    """Apply ``ops`` to a text, in order (byte flips go through the CLI's decoding)."""
    text = seed
    for op in ops:
        done = line_op(text, op)
        if done is not None:
            text = done
            continue
        lines = text.split("\n")
        i = int(op.a * len(lines))
        if op.kind == "flip" and text:
            raw = text.encode("utf-8", "surrogatepass")
            pos = int(op.a * len(raw))
            text = decode_notes(raw[:pos] + bytes([int(op.b * 256)]) + raw[pos + 1:])
        elif op.kind == "insert":
            pos = int(op.a * len(text))
            text = text[:pos] + HOSTILE[int(op.b * len(HOSTILE))] + text[pos:]
        elif op.kind == "repeat":  # a fragment of the text, or a hostile token, a few hundred times
            token = HOSTILE[int(op.b * len(HOSTILE))] if op.b < 0.5 else lines[i][:40] + " "
            pos = int(op.a * len(text))
            text = text[:pos] + token * (100 + int(op.b * 400)) + text[pos:]
    return text


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} in the JSON output")


def extract(text: str, *, as_json: bool = False, explain: bool = False) -> Outcome:
    """Run ``kmpost extract``'s work on ``text``, read as the CLI reads a file (its UTF-8 bytes
    decoded by ``decode_notes``: a lone surrogate arrives as U+FFFD), and say how it ended."""
    text = decode_notes(text.encode("utf-8", "surrogatepass"))
    t0 = time.perf_counter()
    return run_case(lambda: _judge(run_extract(text, source_name="fuzz.txt", as_json=as_json, explain=explain),
                                   time.perf_counter() - t0, as_json))


def _judge(out: str, seconds: float, as_json: bool) -> Outcome:
    """Outcome of a finished run: the JSON lines must parse with no NaN/Infinity."""
    bad = ""
    if as_json:
        for line in out.splitlines():
            try:
                json.loads(line, parse_constant=_no_constant)
            except ValueError as exc:
                bad = f"{exc}: {line[:200]}"
                break
    try:
        out.encode("utf-8")
    except UnicodeEncodeError as exc:
        bad = bad or f"the output cannot be printed as UTF-8: {exc}"
    return Outcome("draft", seconds, bad_json=bad)


def random_ops(rng: random.Random) -> list[Op]:
    """1-4 random mutations (for the long run; the test draws them with hypothesis)."""
    return [Op(rng.choice(OP_KINDS), rng.random(), rng.random()) for _ in range(rng.randint(1, 4))]


def check(text: str, out: Outcome, what: object) -> None:
    assert out.result != "internal", (what, out.internal)
    assert out.seconds < time_bound(len(text)), (what, len(text), out.seconds)
    assert not out.nan_message(text), (what, out.problems)
    assert not out.bad_json, (what, out.bad_json)
    for p in out.problems:
        assert p and "\n" not in p and p.startswith("fuzz.txt"), p


_unit = st.floats(min_value=0.0, max_value=1.0, exclude_max=True, allow_nan=False)
_ops = st.lists(st.builds(Op, st.sampled_from(OP_KINDS), _unit, _unit), min_size=1, max_size=3)


@settings(max_examples=60, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(seed=st.sampled_from(sorted(SEEDS)), ops=_ops, as_json=st.booleans())
def test_mutated_notes_end_cleanly(seed, ops, as_json):
    text = mutate(SEEDS[seed], ops)
    check(text, extract(text, as_json=as_json, explain=as_json), ops)


@settings(max_examples=40, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(alphabet=st.characters(codec=None, min_codepoint=0, max_codepoint=0x2FFFF), max_size=400)
       | st.lists(st.sampled_from(HOSTILE[:40]), max_size=30).map(" ".join))
def test_random_text_ends_cleanly(text):
    check(text, extract(text, as_json=True), text[:80])


def test_every_hostile_token_alone_and_in_a_sentence():
    for tok in HOSTILE:
        for text in (tok, f"At km 1383 a checkpoint. {tok} Then 12 km later water.", tok * 50):
            check(text, extract(text, as_json=True), tok[:40])


def test_empty_and_blank_inputs_are_quick():
    for text in ("", " ", "\n" * 10, "\ufeff"):
        out = extract(text)
        assert out.result != "internal" and out.seconds < 1.0, (text, out)


def test_mutate_is_deterministic_and_changes_the_input():
    seed = SEEDS[sorted(SEEDS)[0]]
    ops = [Op("insert", 0.5, 0.1), Op("flip", 0.3, 0.9)]
    assert mutate(seed, ops) == mutate(seed, ops) != seed
    assert mutate("a\nb", [Op("delete", 0.0, 0.0)]) == "b"
    assert mutate("a\nb", [Op("duplicate", 0.9, 0.0)]) == "a\nb\nb"
    assert mutate("ab", [Op("insert", 0.5, 0.0)]) == "aNo. 5 b"
