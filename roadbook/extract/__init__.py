"""``kmpost extract``: from free-text route notes to a draft roadbook.

Command line behaviour expected from ``cli.py`` (which only reads the input and prints the
string returned by :func:`run_extract`)::

    kmpost extract [FILE|-] [--json] [--explain]

* ``FILE`` (or ``-`` / nothing: standard input) is read with :func:`read_notes` /
  :func:`decode_notes` (UTF-8, UTF-16 with BOM; undecodable bytes are replaced and judged).
* Without options: a **draft roadbook** (YAML, core format version 1) that validates with
  :func:`roadbook.parse_roadbook`; header comments say it is a draft and list the names the
  gazetteer did not know; unplaceable references are listed as comments at the end.
* ``--json``: one JSON object per line and per event::

      {"value": 1383, "unit": "km", "ref": "marker", "category": "checkpoint",
       "sentence": "At km 1383 checkpoint.", "confidence": "high", "side": null, "line": 139}

  (``value_end`` for ranges, ``place`` for cumulative distances, ``length_km`` for announced
  downhills/climbs). With ``--explain`` each object also has ``because`` (the deciding words)
  and ``flags`` (why the confidence is low).
* ``--explain`` alone: a readable report, one block per event: the reference, the category with
  the words that decided it, the sentence, and ``LOW`` flags; then the places and unknown names.
* ``kmpost build --notes FILE`` calls :func:`run_extract` (YAML), parses the draft with
  :func:`roadbook.parse_roadbook` and builds from it, warning that the draft needs review.
* Errors (binary input, a file too large, unreadable file) are :class:`ExtractError`, a
  :class:`geo.errors.KmpostError`: the CLI prints ``kmpost: error: <message>`` and exits 2.
  Any text gives a result in time linear in its size.
"""

from __future__ import annotations

import json

from roadbook.extract.draft import build_draft, event_kind
from roadbook.extract.events import (
    Event,
    ExtractError,
    check_text,
    decode_notes,
    event_names,
    extract_events,
    read_notes,
)
from roadbook.extract.gazetteer import CREDIT, PlaceLookup, find_places

__all__ = ["Event", "ExtractError", "decode_notes", "event_names", "extract_events", "find_places",
           "read_notes", "run_extract"]


def run_extract(text: str, *, source_name: str, as_json: bool, explain: bool) -> str:
    """What ``kmpost extract`` prints for ``text`` (see the module docstring).

    Args:
        text: the notes.
        source_name: file name (or "<stdin>") used in messages and in the draft's ids.
        as_json: JSON lines, one event per line, instead of the draft roadbook.
        explain: add the deciding words and low-confidence flags (to JSON), or print a report.

    Raises:
        ExtractError: the input is binary or too large.
    """
    check_text(text, source_name)
    events = extract_events(text, source_name)
    if as_json:
        return "".join(json.dumps(e.as_dict(explain), ensure_ascii=False) + "\n" for e in events)
    places = find_places(text, event_names(events))
    if explain:
        return explain_report(events, places, source_name)
    return build_draft(text, events, places, source_name)


def _n(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def explain_report(events: list[Event], places: PlaceLookup, source_name: str) -> str:
    """The human-readable ``--explain`` report."""
    out = [f"{source_name}: {len(events)} distance reference(s)"]
    for e in events:
        span = f"{_n(e.value)}-{_n(e.value_end)}" if e.value_end is not None else _n(e.value)
        where = f" from {e.place}" if e.place else ""
        out.append("")
        out.append(f"line {e.line}: {e.unit} {span} ({e.ref}{where}) -> {e.category}"
                   f" [{event_kind(e)}], confidence {e.confidence}"
                   + (f", side {e.side}" if e.side else ""))
        if e.name:
            out.append(f"  name: {e.name}")
        out.append(f"  because: {', '.join(repr(w) for w in e.because) or '(no keyword)'}")
        out.append(f"  sentence: {e.sentence}")
        if e.confidence == "low":
            out.append(f"  LOW: {'; '.join(f for f in e.flags if not f.startswith('relative')) or 'hedged'}")
        for f in e.flags:
            if f.startswith("relative") or f.startswith("cumulative"):
                out.append(f"  note: {f}")
    out.append("")
    out.append(f"places ({CREDIT}):")
    for p in places.places:
        coord = f"{p.lat:.5f}, {p.lon:.5f}" if p.lat is not None and p.lon is not None else "no coordinate"
        alias = f" (also {', '.join(p.aliases)})" if p.aliases else ""
        out.append(f"  {p.name}{alias}: {p.kind}, {coord}")
    if places.unknown:
        out.append("unknown names (not in the gazetteer): " + ", ".join(places.unknown))
    return "\n".join(out) + "\n"
