"""One validator per roadbook section: field specs, cross-field rules and cross-references.

Each ``check_<section>`` takes the :class:`~roadbook.check.Checker` (which collects problems),
the parsed YAML of its section and the ids known so far (:class:`Refs`), and returns the model
values of the entries that are valid. A bad entry is reported and left out; the next entry is
still checked, so one run lists every independent problem. Ids are declared as soon as they are
read (even on a bad entry), so a mistake in a place does not also show up as "unknown place" at
every reference to it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from roadbook import check as c
from roadbook.check import F, FieldError
from roadbook.model import (
    CONFIDENCE,
    EVENT_KINDS,
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
    RouteMeta,
    Source,
    Stretch,
    Transport,
)

_confidence = c.choice(CONFIDENCE, "confidence")


# ---------------------------------------------------------------------------------------------
# compound values
# ---------------------------------------------------------------------------------------------
SPEC_POSITION = {"place": F(c.ident), "offset_km": F(c.km, default=0.0), "between": F(c.pair_km)}


def position(ctx: c.Checker, path: FieldPath, v: Any) -> Position:
    """``{place: id, offset_km: km}`` or ``{between: [km, km]}``."""
    d = c.mapping(ctx, path, v, SPEC_POSITION)
    if d is None:
        raise c.ReportedError
    if (d["place"] is None) == (d["between"] is None):
        raise FieldError(path, "give exactly one of 'place' or 'between'",
                         "e.g. at: {place: yitunbulake, offset_km: 1} or at: {between: [1339, 1353]}")
    if d["between"] is not None and d["offset_km"]:
        raise FieldError((*path, "offset_km"), "offset_km only works with 'place'", "remove it")
    return Position(d["place"], d["offset_km"] or 0.0, d["between"])


def named_item(ctx: c.Checker, path: FieldPath, v: Any) -> NamedItem:
    """Text, or a mapping with ``name``, optional ``note`` and free text attributes."""
    if isinstance(v, str):
        return NamedItem(c.text(ctx, path, v))
    if not isinstance(v, dict) or "name" not in v:
        raise FieldError(path, f"expected text or a mapping with 'name', got {c.show(v)}",
                         "write '- name: ...' with optional note and attributes")
    attrs = []
    for k, x in v.items():
        if k in ("name", "note"):
            continue
        if not c._ID.match(k):
            raise FieldError((*path, k), f"bad attribute name {c.show(k)}", "use lower-case words joined by '_'")
        attrs.append((k, c.text(ctx, (*path, k), x)))
    note = c.text(ctx, (*path, "note"), v["note"]) if v.get("note") is not None else None
    return NamedItem(c.text(ctx, (*path, "name"), v["name"]), note, tuple(attrs))


SPEC_PRICE = {"amount": F(c.amount, True), "currency": F(c.text, default="CNY"), "per": F(c.text),
              "note": F(c.text)}


def price(ctx: c.Checker, path: FieldPath, v: Any) -> Price:
    d = c.mapping(ctx, path, v, SPEC_PRICE)
    if d is None:
        raise c.ReportedError
    return Price(d["amount"], d["currency"], d["per"], d["note"])


# ---------------------------------------------------------------------------------------------
# cross-references
# ---------------------------------------------------------------------------------------------
@dataclass
class Refs:
    """Ids declared so far (``*_ids``, including those of bad entries) and the valid values."""

    source_ids: list[str] = field(default_factory=list)
    place_ids: set[str] = field(default_factory=set)
    places: dict[str, Place] = field(default_factory=dict)

    def source(self, ctx: c.Checker, path: FieldPath, sid: str | None) -> None:
        if sid is not None and sid not in self.source_ids:
            ctx.add(path, f"unknown source '{sid}'", f"use one of: {', '.join(self.source_ids) or '(none)'}")

    def place(self, ctx: c.Checker, path: FieldPath, pid: str | None) -> bool:
        """Record an unknown place id; True when ``pid`` is None or declared."""
        if pid is None or pid in self.place_ids:
            return True
        close = (difflib.get_close_matches(pid, list(self.place_ids), n=1)
                 if len(ctx.problems) < c.MAX_PROBLEMS else [])
        hint = f"did you mean '{close[0]}'?" if close else "add it under places:"
        ctx.add(path, f"unknown place '{pid}'", hint)
        return False


def _declared_id(obj: Any) -> str | None:
    """The id of a raw entry if it is a well-formed id (to declare it even if the entry is bad)."""
    v = obj.get("id") if isinstance(obj, dict) else None
    return v if isinstance(v, str) and c._ID.match(v.strip()) else None


# ---------------------------------------------------------------------------------------------
# sections
# ---------------------------------------------------------------------------------------------
SPEC_ROUTE = {"id": F(c.ident, True), "name": F(c.text, True), "road": F(c.text), "direction": F(c.text),
              "km_direction": F(c.choice(("increasing", "decreasing"), "km_direction"), default="increasing"),
              "info_date": F(c.date), "description": F(c.text)}


def check_route(ctx: c.Checker, v: Any) -> RouteMeta | None:
    d = c.mapping(ctx, ("route",), v, SPEC_ROUTE)
    return RouteMeta(**d) if d is not None else None


SPEC_SOURCE = {"id": F(c.ident, True), "title": F(c.text, True), "licence": F(c.text, True),
               "author": F(c.text), "date": F(c.date), "url": F(c.text)}


def check_sources(ctx: c.Checker, v: Any, refs: Refs) -> dict[str, Source]:
    sources: dict[str, Source] = {}
    entries = c.items(ctx, ("sources",), v)
    for i, s in enumerate(entries):
        sid = _declared_id(s)
        if sid in refs.source_ids:
            ctx.add(("sources", i, "id"), f"duplicate source id '{sid}'", "give each source its own id")
            continue
        if sid:
            refs.source_ids.append(sid)
        d = c.mapping(ctx, ("sources", i), s, SPEC_SOURCE)
        if d is not None:
            sources[d["id"]] = Source(**d)
    if not entries and isinstance(v, list | type(None)):
        ctx.add(("sources",), "no sources", "name at least one source with its licence")
    return sources


SPEC_PLACE = {"id": F(c.ident, True), "name": F(c.text, True),
              "kind": F(c.choice(PLACE_KINDS, "place kind"), default="town"),
              "aliases": F(c.list_of(c.text), default=()), "name_zh": F(c.text), "lat": F(c.lat),
              "lon": F(c.lon), "km": F(c.km), "ele": F(c.elevation), "ele_source": F(c.text),
              "coord_source": F(c.text), "licence": F(c.text), "confidence": F(_confidence, default="medium"),
              "on_route": F(c.boolean, default=False), "notes": F(c.list_of(c.text), default=()),
              "source": F(c.ident)}


def check_places(ctx: c.Checker, v: Any, refs: Refs) -> dict[str, Place]:
    for i, p in enumerate(c.items(ctx, ("places",), v)):
        path: FieldPath = ("places", i)
        pid = _declared_id(p)
        if pid in refs.place_ids:
            ctx.add((*path, "id"), f"duplicate place id '{pid}'", "give each place its own id")
            continue
        if pid:
            refs.place_ids.add(pid)
        d, ok = c.fields(ctx, path, p, SPEC_PLACE)
        if d is None:
            continue
        refs.source(ctx, (*path, "source"), d.get("source"))
        if not ok:
            continue
        if (d["lat"] is None) != (d["lon"] is None):
            ctx.add(path, "lat and lon must be given together", "add the missing one")
            ok = False
        if d["lat"] is not None and not d["coord_source"]:
            ctx.add(path, "a coordinate without coord_source", "say where the coordinate comes from (and its licence)")
            ok = False
        if d["ele"] is not None and not d["ele_source"]:
            ctx.add((*path, "ele"), "an elevation without ele_source", "add ele_source")
            ok = False
        if ok:
            refs.places[d["id"]] = Place(**d)
    return refs.places


SPEC_ANCHOR = {"km": F(c.km, True), "place": F(c.ident), "lat": F(c.lat), "lon": F(c.lon),
               "track": F(c.choice(TRACK_ENDS, "track end")),
               "source": F(c.text, True), "confidence": F(_confidence, True), "note": F(c.text)}


def check_anchors(ctx: c.Checker, v: Any, refs: Refs) -> list[AnchorSpec]:
    anchors = []
    entries = c.items(ctx, ("anchors",), v)
    for i, a in enumerate(entries):
        path: FieldPath = ("anchors", i)
        d, ok = c.fields(ctx, path, a, SPEC_ANCHOR)
        if d is None or not refs.place(ctx, (*path, "place"), d.get("place")) or not ok:
            continue
        ties = [d["place"] is not None, d["lat"] is not None or d["lon"] is not None, d["track"] is not None]
        if sum(ties) != 1:
            ctx.add(path, "give exactly one of 'place', both 'lat' and 'lon', or 'track' (start or end)",
                    "an anchor ties a km to one known point, e.g. {km: 0, track: start, ...}")
            continue
        if ties[1] and (d["lat"] is None or d["lon"] is None):
            ctx.add(path, "lat and lon must be given together", "add the missing one")
            continue
        if d["place"] is not None:
            p = refs.places.get(d["place"])
            if p is None:
                continue  # the place itself is bad: already reported
            if p.lat is None:
                ctx.add((*path, "place"), f"place '{d['place']}' has no coordinate",
                        "give the place lat/lon, or anchor with lat/lon or track")
                continue
        anchors.append(AnchorSpec(line=ctx.line(path), **d))
    # No anchors is a valid roadbook: the build then needs --start-km / --anchor (layers.calibration says so).
    return anchors


SPEC_EVENT = {"kind": F(c.choice(EVENT_KINDS, "event kind"), True), "km": F(c.km), "at": F(position),
              "name": F(c.text), "side": F(c.choice(SIDES, "side")), "note": F(c.text, True),
              "source": F(c.ident, True), "confidence": F(_confidence), "length_km": F(c.pos_km)}


def _entries(ctx: c.Checker, refs: Refs, section: str, v: Any, spec: dict[str, F]
             ) -> Iterator[tuple[FieldPath, dict[str, Any], bool]]:
    """Each entry of a list section checked against ``spec``, its ``source`` reference too:
    (field path, checked fields, whether every field was good). Entries that are not a mapping
    are reported and skipped."""
    for i, item in enumerate(c.items(ctx, (section,), v)):
        path: FieldPath = (section, i)
        d, ok = c.fields(ctx, path, item, spec)
        if d is None:
            continue
        refs.source(ctx, (*path, "source"), d.get("source"))
        yield path, d, ok


def check_events(ctx: c.Checker, v: Any, refs: Refs) -> list[Event]:
    events = []
    for path, d, ok in _entries(ctx, refs, "events", v, SPEC_EVENT):
        if d.get("at") is not None and not refs.place(ctx, (*path, "at", "place"), d["at"].place):
            ok = False
        if not ok:
            continue
        if (d["km"] is None) == (d["at"] is None):
            ctx.add(path, "give exactly one of 'km' or 'at'",
                    "km: 1383, or at: {place: ..., offset_km: ...} / at: {between: [a, b]}")
            continue
        conf = d["confidence"] or ("high" if d["km"] is not None else "medium")
        name = d["name"] or EVENT_KINDS[d["kind"]].split(" /")[0].capitalize()
        events.append(Event(kind=d["kind"], note=d["note"], source=d["source"], name=name, km=d["km"],
                            at=d["at"], side=d["side"], confidence=conf, length_km=d["length_km"],
                            field_path=c.fmt_path(path), line=ctx.line(path)))
    return events


SPEC_STRETCH = {"kind": F(c.choice(STRETCH_KINDS, "stretch kind"), True), "from_km": F(c.km), "to_km": F(c.km),
                "from": F(position), "to": F(position), "name": F(c.text), "note": F(c.text, True),
                "source": F(c.ident, True), "confidence": F(_confidence), "length_km": F(c.pos_km)}


def check_stretches(ctx: c.Checker, v: Any, refs: Refs) -> list[Stretch]:
    stretches = []
    for path, d, ok in _entries(ctx, refs, "stretches", v, SPEC_STRETCH):
        for end in ("from", "to"):
            if d.get(end) is not None:
                ok = refs.place(ctx, (*path, end, "place"), d[end].place) and ok
        if not ok:
            continue
        for end, kmkey in (("from", "from_km"), ("to", "to_km")):
            if (d[kmkey] is None) == (d[end] is None):
                ctx.add(path, f"give exactly one of '{kmkey}' or '{end}'",
                        f"{kmkey}: 1452, or {end}: {{place: ..., offset_km: ...}}")
                ok = False
        if d["from_km"] is not None and d["to_km"] is not None and d["from_km"] == d["to_km"]:
            ctx.add((*path, "to_km"), f"stretch has zero length (km {d['to_km']:g})",
                    "use an event for a single km, or fix to_km")
            ok = False
        if not ok:
            continue
        conf = d["confidence"] or ("high" if d["from_km"] is not None and d["to_km"] is not None else "medium")
        name = d["name"] or STRETCH_KINDS[d["kind"]].split(",")[0].split(" (")[0].capitalize()
        stretches.append(Stretch(kind=d["kind"], note=d["note"], source=d["source"], name=name,
                                 from_km=d["from_km"], to_km=d["to_km"], start=d["from"], end=d["to"],
                                 confidence=conf, length_km=d["length_km"], field_path=c.fmt_path(path),
                                 line=ctx.line(path)))
    return stretches


SPEC_GUIDANCE = {"note": F(c.text, True), "source": F(c.ident, True), "topic": F(c.text, default="camping")}


def check_guidance(ctx: c.Checker, v: Any, refs: Refs) -> list[Guidance]:
    out = []
    for _, d, ok in _entries(ctx, refs, "guidance", v, SPEC_GUIDANCE):
        if ok:
            out.append(Guidance(**d))
    return out


SPEC_TRANSPORT = {"id": F(c.ident, True), "mode": F(c.choice(TRANSPORT_MODES, "transport mode"), True),
                  "from": F(c.ident, True), "to": F(c.ident, True), "via": F(c.list_of(c.ident), default=()),
                  "days": F(c.text), "depart": F(c.clock), "arrive": F(c.clock), "duration": F(c.text),
                  "price": F(price), "phones": F(c.list_of(c.text), default=()), "valid": F(c.date),
                  "caveat": F(c.text), "note": F(c.text, True), "source": F(c.ident, True)}


def check_transport(ctx: c.Checker, v: Any, refs: Refs) -> list[Transport]:
    out = []
    for path, d, ok in _entries(ctx, refs, "transport", v, SPEC_TRANSPORT):
        ok = all([refs.place(ctx, (*path, "from"), d.get("from")), refs.place(ctx, (*path, "to"), d.get("to")),
                  *(refs.place(ctx, (*path, "via", j), pid) for j, pid in enumerate(d.get("via", ())))]) and ok
        if ok:
            d["from_place"], d["to_place"] = d.pop("from"), d.pop("to")
            out.append(Transport(**d))
    return out


SPEC_RESTRICTION = {"kind": F(c.choice(RESTRICTION_KINDS, "restriction kind"), True), "place": F(c.ident),
                    "km": F(c.km), "applies_to": F(c.text), "date": F(c.date, True),
                    "note": F(c.text, True), "source": F(c.ident, True)}


def check_restrictions(ctx: c.Checker, v: Any, refs: Refs) -> list[Restriction]:
    out = []
    for path, d, ok in _entries(ctx, refs, "restrictions", v, SPEC_RESTRICTION):
        if refs.place(ctx, (*path, "place"), d.get("place")) and ok:
            out.append(Restriction(**d))
    return out


SPEC_BORDER = {"id": F(c.ident, True), "name": F(c.text, True), "place": F(c.ident, True),
               "countries": F(c.list_of(c.text), True), "opening": F(c.text),
               "closed": F(c.list_of(c.text), default=()), "points": F(c.list_of(named_item), default=()),
               "agencies": F(c.list_of(named_item), default=()),
               "documents": F(c.list_of(named_item), default=()),
               "options": F(c.list_of(named_item), default=()),
               "alternatives": F(c.list_of(named_item), default=()), "date": F(c.date),
               "note": F(c.text, True), "source": F(c.ident, True)}


def check_border_crossings(ctx: c.Checker, v: Any, refs: Refs) -> list[BorderCrossing]:
    out = []
    for path, d, ok in _entries(ctx, refs, "border_crossings", v, SPEC_BORDER):
        ok = refs.place(ctx, (*path, "place"), d.get("place")) and ok
        for key in ("points", "alternatives"):
            for j, item in enumerate(d.get(key, ())):
                ok = refs.place(ctx, (*path, key, j, "place"), dict(item.attrs).get("place")) and ok
        if ok:
            out.append(BorderCrossing(**d))
    return out
