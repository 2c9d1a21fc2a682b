"""The roadbook schema (format version 1): :func:`validate` and the names other modules use.

The schema lives in three modules: :mod:`roadbook.model` (the vocabulary and the documented
frozen dataclasses), :mod:`roadbook.check` (field paths, the problem collector, checkers of single
values) and :mod:`roadbook.sections` (one validator per section). This module runs them in order
and re-exports their public names, so ``from roadbook.schema import Roadbook`` keeps working.

Validation is silent about nothing: unknown keys and kinds are errors, and every independent
problem is reported in ONE :class:`~geo.errors.RoadbookError` (``problems``, one line each:
``FILE:LINE: field.path: problem; fix``). See ``docs/roadbook-format.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from roadbook import sections as sec
from roadbook.check import F, FieldError, fmt_path
from roadbook.check import number as _version_number
from roadbook.model import (
    CONFIDENCE,
    EVENT_KINDS,
    FORMAT_VERSION,
    PLACE_KINDS,
    RESTRICTION_KINDS,
    SIDES,
    STRETCH_KINDS,
    TRACK_ENDS,
    TRANSPORT_MODES,
    AnchorSpec,
    BorderCrossing,
    Event,
    FieldPath,
    Guidance,
    NamedItem,
    Place,
    Position,
    Price,
    Restriction,
    Roadbook,
    RouteMeta,
    Source,
    Stretch,
    Transport,
)
from roadbook.sections import (
    SPEC_ANCHOR,
    SPEC_BORDER,
    SPEC_EVENT,
    SPEC_GUIDANCE,
    SPEC_PLACE,
    SPEC_RESTRICTION,
    SPEC_ROUTE,
    SPEC_SOURCE,
    SPEC_STRETCH,
    SPEC_TRANSPORT,
)

__all__ = [
    "CONFIDENCE", "EVENT_KINDS", "FORMAT_VERSION", "PLACE_KINDS", "RESTRICTION_KINDS", "SIDES",
    "SPEC_ANCHOR", "SPEC_BORDER", "SPEC_EVENT", "SPEC_GUIDANCE", "SPEC_PLACE", "SPEC_RESTRICTION",
    "SPEC_ROUTE", "SPEC_SOURCE", "SPEC_STRETCH", "SPEC_TOP", "SPEC_TRANSPORT", "STRETCH_KINDS",
    "TRACK_ENDS", "TRANSPORT_MODES", "AnchorSpec", "BorderCrossing", "Event", "F", "FieldError", "FieldPath",
    "Guidance", "NamedItem", "Place", "Position", "Price", "Restriction", "Roadbook", "RouteMeta",
    "Source", "Stretch", "Transport", "fmt_path", "validate",
]

SECTIONS = ("route", "sources", "places", "anchors", "events", "stretches", "guidance", "transport",
            "restrictions", "border_crossings")
#: The top level: the format version and the sections (each checked by its own validator).
SPEC_TOP = {"kmpost_roadbook": F(_version_number, True),
            **{name: F(sec.c.anything, name in ("route", "sources", "anchors")) for name in SECTIONS}}


def validate(data: Any, filename: str, lines: Mapping[FieldPath, int]) -> Roadbook:
    """Check parsed YAML against the schema and its cross-references; return a :class:`Roadbook`.

    Raises ONE :class:`~geo.errors.RoadbookError` listing every problem found.
    """
    ctx = sec.c.Checker(filename, lines)
    if data is None:
        ctx.add((), "the roadbook is empty", "start from the example in docs/roadbook-format.md")
        ctx.raise_if_any()
    top = sec.c.mapping(ctx, (), data, SPEC_TOP)
    if top is None:
        if not isinstance(data, dict):
            ctx.raise_if_any()
        top = {k: data.get(k) for k in SPEC_TOP}  # unknown or missing keys are reported; go on
    version = top["kmpost_roadbook"]
    if isinstance(version, float) and version != FORMAT_VERSION:
        ctx.add(("kmpost_roadbook",), f"unsupported format version {version:g}",
                f"this kmpost reads version {FORMAT_VERSION}")
        ctx.raise_if_any()  # another version: its other problems would be noise
    refs = sec.Refs()
    route = sec.check_route(ctx, top["route"]) if top["route"] is not None else None
    sources = sec.check_sources(ctx, top["sources"], refs)
    places = sec.check_places(ctx, top["places"], refs)
    anchors = sec.check_anchors(ctx, top["anchors"], refs)
    events = sec.check_events(ctx, top["events"], refs)
    stretches = sec.check_stretches(ctx, top["stretches"], refs)
    guidance = sec.check_guidance(ctx, top["guidance"], refs)
    transport = sec.check_transport(ctx, top["transport"], refs)
    restrictions = sec.check_restrictions(ctx, top["restrictions"], refs)
    crossings = sec.check_border_crossings(ctx, top["border_crossings"], refs)
    ctx.raise_if_any()
    assert route is not None  # a missing route is a recorded problem
    return Roadbook(path=filename, route=route, sources=sources, places=places, anchors=tuple(anchors),
                    events=tuple(events), stretches=tuple(stretches), guidance=tuple(guidance),
                    transport=tuple(transport), restrictions=tuple(restrictions),
                    border_crossings=tuple(crossings), lines=dict(lines))

