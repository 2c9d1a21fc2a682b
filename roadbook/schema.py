"""The roadbook schema (format version 1) and its validation.

See ``docs/roadbook-format.md`` for a walk-through. Validation collects nothing silently: unknown
keys and unknown kinds are errors; every error is one line naming the file, the line, the field
path (``events[3].kind``), the bad value and the fix.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from geo.errors import RoadbookError

FORMAT_VERSION = 1

#: Kinds of point events (``events[].kind``).
EVENT_KINDS: dict[str, str] = {
    "checkpoint": "police / security checkpoint",
    "turn_off": "turn-off / junction",
    "sign": "a sign board",
    "park": "nature park / reserve",
    "town": "town or village on the road",
    "water": "water source",
    "food": "food / shop / restaurant",
    "toilet": "toilet",
    "fuel": "filling station",
    "hazard": "danger, bad road",
    "downhill": "start of a downhill / downhill sign",
    "climb": "start of a climb",
    "pass": "pass / summit",
    "border": "provincial or national border",
    "bridge": "bridge",
    "highway_start": "the new highway starts",
    "highway_end": "the new highway ends",
    "parallel_start": "new highway and old road start to run in parallel",
    "crossover": "cross between the new highway and the old road",
    "resurfacing_start": "old road under resurfacing from here",
    "camping": "a camping spot",
    "accommodation": "hotel / hostel",
    "customs": "customs office (goods)",
    "border_post": "border post / passport control / inspection terminal",
    "money": "money exchange",
    "transport": "bus stop, station, taxi change",
    "landmark": "landmark",
    "info": "anything else worth knowing",
}

#: Kinds of stretches (``stretches[].kind``).
STRETCH_KINDS: dict[str, str] = {
    "highway": "new highway (opening status not stated)",
    "highway_open": "new highway, open to traffic",
    "highway_built_closed": "new highway, built but not open (a quiet cycle path)",
    "old_road": "the old road",
    "parallel": "new highway and old road side by side",
    "resurfacing": "old road being resurfaced: not suitable for cycling",
    "downhill": "downhill (length in km)",
    "climb": "climb",
    "camping_zone": "good wild camping",
    "no_services": "almost no food, drink or toilet",
    "hazard": "dangerous stretch",
}

PLACE_KINDS = ("town", "city", "village", "border", "landmark", "site", "station", "airport",
               "lake", "pass", "crossing", "office")
CONFIDENCE = ("high", "medium", "low")
SIDES = ("left", "right", "both")
TRANSPORT_MODES = ("bus", "train", "taxi", "shared_taxi", "plane")
RESTRICTION_KINDS = ("no_overnight_foreigners", "closed_site", "no_photos", "health_check",
                     "no_foreigners_accommodation", "permit", "police_registration", "other")

_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_TIME = re.compile(r"^([01]\d|2[0-4]):[0-5]\d$")


# ---------------------------------------------------------------------------------------------
# value types
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Source:
    id: str
    title: str
    licence: str
    author: str | None = None
    date: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class RouteMeta:
    id: str
    name: str
    km_direction: str = "increasing"
    road: str | None = None
    direction: str | None = None
    info_date: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class Place:
    id: str
    name: str
    kind: str = "town"
    aliases: tuple[str, ...] = ()
    name_zh: str | None = None
    lat: float | None = None
    lon: float | None = None
    km: float | None = None
    ele: float | None = None
    ele_source: str | None = None
    coord_source: str | None = None
    licence: str | None = None
    confidence: str = "medium"
    on_route: bool = False
    notes: tuple[str, ...] = ()
    source: str | None = None


@dataclass(frozen=True)
class Position:
    """Where a feature is when the source gives no km: from a place, or between two km."""

    place: str | None = None
    offset_km: float = 0.0
    between: tuple[float, float] | None = None


@dataclass(frozen=True)
class AnchorSpec:
    km: float
    source: str
    confidence: str
    place: str | None = None
    lat: float | None = None
    lon: float | None = None
    note: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class Event:
    kind: str
    note: str
    source: str
    name: str
    km: float | None = None
    at: Position | None = None
    side: str | None = None
    confidence: str = "high"
    length_km: float | None = None
    field_path: str = ""
    line: int | None = None


@dataclass(frozen=True)
class Stretch:
    kind: str
    note: str
    source: str
    name: str
    from_km: float | None = None
    to_km: float | None = None
    start: Position | None = None
    end: Position | None = None
    confidence: str = "high"
    length_km: float | None = None
    field_path: str = ""
    line: int | None = None


@dataclass(frozen=True)
class Guidance:
    note: str
    source: str
    topic: str = "camping"


@dataclass(frozen=True)
class Price:
    amount: float
    currency: str = "CNY"
    per: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Transport:
    id: str
    mode: str
    from_place: str
    to_place: str
    source: str
    note: str
    via: tuple[str, ...] = ()
    days: str | None = None
    depart: str | None = None
    arrive: str | None = None
    duration: str | None = None
    price: Price | None = None
    phones: tuple[str, ...] = ()
    valid: str | None = None
    caveat: str | None = None


@dataclass(frozen=True)
class Restriction:
    kind: str
    note: str
    source: str
    date: str
    place: str | None = None
    km: float | None = None
    applies_to: str | None = None


@dataclass(frozen=True)
class NamedItem:
    """A document, agency, option or point of a border crossing: name plus free attributes."""

    name: str
    note: str | None = None
    attrs: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class BorderCrossing:
    id: str
    name: str
    place: str
    countries: tuple[str, ...]
    source: str
    note: str
    opening: str | None = None
    closed: tuple[str, ...] = ()
    points: tuple[NamedItem, ...] = ()
    agencies: tuple[NamedItem, ...] = ()
    documents: tuple[NamedItem, ...] = ()
    options: tuple[NamedItem, ...] = ()
    alternatives: tuple[NamedItem, ...] = ()
    date: str | None = None


@dataclass(frozen=True)
class Roadbook:
    """A validated roadbook. ``path`` is the file it came from (for messages)."""

    path: str
    route: RouteMeta
    sources: Mapping[str, Source]
    places: Mapping[str, Place]
    anchors: tuple[AnchorSpec, ...]
    events: tuple[Event, ...] = ()
    stretches: tuple[Stretch, ...] = ()
    guidance: tuple[Guidance, ...] = ()
    transport: tuple[Transport, ...] = ()
    restrictions: tuple[Restriction, ...] = ()
    border_crossings: tuple[BorderCrossing, ...] = ()
    lines: Mapping[tuple[str | int, ...], int] = field(default_factory=dict, repr=False)

    def source_label(self, source_id: str) -> str:
        """``id: title`` of a source, for feature attributes."""
        s = self.sources.get(source_id)
        return f"{source_id}: {s.title}" if s else source_id


# ---------------------------------------------------------------------------------------------
# validation machinery
# ---------------------------------------------------------------------------------------------
def fmt_path(path: tuple[str | int, ...]) -> str:
    """``("events", 3, "kind")`` -> ``events[3].kind``."""
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else p)
    return out or "(top level)"


class _Ctx:
    def __init__(self, filename: str, lines: Mapping[tuple[str | int, ...], int]):
        self.filename = filename
        self.lines = lines

    def line(self, path: tuple[str | int, ...]) -> int | None:
        p = path
        while True:
            if p in self.lines:
                return self.lines[p]
            if not p:
                return None
            p = p[:-1]

    def error(self, path: tuple[str | int, ...], problem: str, fix: str) -> RoadbookError:
        line = self.line(path)
        loc = f"{self.filename}:{line}" if line else self.filename
        return RoadbookError(f"{loc}: {fmt_path(path)}: {problem}; {fix}")


def _short(v: Any) -> str:
    r = repr(v)
    return r if len(r) <= 60 else r[:57] + "..."


@dataclass(frozen=True)
class F:
    """A field spec: a checker function, whether required, and a default."""

    check: Callable[[_Ctx, tuple[str | int, ...], Any], Any]
    required: bool = False
    default: Any = None


def _mapping(ctx: _Ctx, path: tuple[str | int, ...], obj: Any, spec: dict[str, F]) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise ctx.error(path, f"expected a mapping (key: value lines), got {_short(obj)}",
                        f"write it as keys: {', '.join(spec)}")
    for key in obj:
        if key not in spec:
            close = difflib.get_close_matches(key, list(spec), n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"allowed keys: {', '.join(spec)}"
            raise ctx.error((*path, key), f"unknown key '{key}'", hint)
    out: dict[str, Any] = {}
    for key, f in spec.items():
        if key in obj and obj[key] is not None:
            out[key] = f.check(ctx, (*path, key), obj[key])
        elif f.required:
            raise ctx.error(path, f"missing required key '{key}'", f"add '{key}:'")
        else:
            out[key] = f.default
    return out


def _str(ctx: _Ctx, path: tuple[str | int, ...], v: Any) -> str:
    if isinstance(v, bool) or not isinstance(v, str | int | float):
        raise ctx.error(path, f"expected text, got {_short(v)}", "write a plain text value")
    s = str(v).strip()
    if not s:
        raise ctx.error(path, "empty text", "write a value or remove the key")
    return s


def _id(ctx: _Ctx, path: tuple[str | int, ...], v: Any) -> str:
    s = _str(ctx, path, v)
    if not _ID.match(s):
        raise ctx.error(path, f"bad id {_short(s)}",
                        "use lower-case letters, digits, '-' and '_' (e.g. 'huatugou')")
    return s


def _num(ctx: _Ctx, path: tuple[str | int, ...], v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise ctx.error(path, f"expected a number, got {_short(v)}", "write a number such as 1383 or 12.5")
    x = float(v)
    if x != x or x in (float("inf"), float("-inf")):
        raise ctx.error(path, f"expected a finite number, got {_short(v)}", "write a finite number")
    return x


def _ranged(lo: float, hi: float, unit: str) -> Callable[[_Ctx, tuple[str | int, ...], Any], float]:
    def check(ctx: _Ctx, path: tuple[str | int, ...], v: Any) -> float:
        x = _num(ctx, path, v)
        if not lo <= x <= hi:
            raise ctx.error(path, f"{x:g} is out of range", f"{unit} must be within {lo:g} .. {hi:g}")
        return x
    return check


_lat = _ranged(-90, 90, "latitude (degrees)")
_lon = _ranged(-180, 180, "longitude (degrees)")
_km = _ranged(-1e5, 1e5, "a km value")
_pos_km = _ranged(0.001, 1e5, "a length in km")


def _bool(ctx: _Ctx, path: tuple[str | int, ...], v: Any) -> bool:
    if not isinstance(v, bool):
        raise ctx.error(path, f"expected true or false, got {_short(v)}", "write true or false")
    return v


def _choice(choices: Mapping[str, str] | tuple[str, ...], what: str) -> Callable[..., str]:
    def check(ctx: _Ctx, path: tuple[str | int, ...], v: Any) -> str:
        s = _str(ctx, path, v)
        if s not in choices:
            close = difflib.get_close_matches(s, list(choices), n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            raise ctx.error(path, f"unknown {what} {_short(s)}",
                            f"{hint}use one of: {', '.join(choices)}")
        return s
    return check


def _date(ctx: _Ctx, path: tuple[str | int, ...], v: Any) -> str:
    if isinstance(v, dt.date):
        return v.isoformat()
    s = _str(ctx, path, v)
    if not _DATE.match(s):
        raise ctx.error(path, f"bad date {_short(s)}", "write YYYY, YYYY-MM or YYYY-MM-DD in quotes")
    return s


def _time(ctx: _Ctx, path: tuple[str | int, ...], v: Any) -> str:
    if isinstance(v, int) and not isinstance(v, bool):
        # YAML 1.1 reads 9:30 as a sexagesimal integer (570): turn it back into a clock time
        return f"{v // 60:02d}:{v % 60:02d}"
    s = _str(ctx, path, v)
    if not _TIME.match(s):
        raise ctx.error(path, f"bad clock time {_short(s)}", "write HH:MM in quotes, e.g. \"09:30\"")
    return s


def _list(item: Callable[..., Any]) -> Callable[..., tuple[Any, ...]]:
    def check(ctx: _Ctx, path: tuple[str | int, ...], v: Any) -> tuple[Any, ...]:
        if isinstance(v, str | int | float) and not isinstance(v, bool):
            v = [v]
        if not isinstance(v, list):
            raise ctx.error(path, f"expected a list, got {_short(v)}", "write a YAML list ([a, b] or '- a' lines)")
        return tuple(item(ctx, (*path, i), x) for i, x in enumerate(v))
    return check


def _pair_km(ctx: _Ctx, path: tuple[str | int, ...], v: Any) -> tuple[float, float]:
    if not isinstance(v, list) or len(v) != 2:
        raise ctx.error(path, f"expected two km values, got {_short(v)}", "write [from_km, to_km]")
    a, b = _km(ctx, (*path, 0), v[0]), _km(ctx, (*path, 1), v[1])
    if a == b:
        raise ctx.error(path, f"the two km are equal ({a:g})", "give two different km, or use km:")
    return (min(a, b), max(a, b))


_POSITION = {"place": F(_id), "offset_km": F(_km, default=0.0), "between": F(_pair_km)}


def _position(ctx: _Ctx, path: tuple[str | int, ...], v: Any) -> Position:
    d = _mapping(ctx, path, v, _POSITION)
    if (d["place"] is None) == (d["between"] is None):
        raise ctx.error(path, "give exactly one of 'place' or 'between'",
                        "e.g. at: {place: yitunbulake, offset_km: 1} or at: {between: [1339, 1353]}")
    if d["between"] is not None and d["offset_km"]:
        raise ctx.error((*path, "offset_km"), "offset_km only works with 'place'", "remove it")
    return Position(d["place"], d["offset_km"] or 0.0, d["between"])


def _named_item(ctx: _Ctx, path: tuple[str | int, ...], v: Any) -> NamedItem:
    if isinstance(v, str):
        return NamedItem(_str(ctx, path, v))
    if not isinstance(v, dict) or "name" not in v:
        raise ctx.error(path, f"expected text or a mapping with 'name', got {_short(v)}",
                        "write '- name: ...' with optional note and attributes")
    attrs = []
    for k, x in v.items():
        if k in ("name", "note"):
            continue
        if not _ID.match(k):
            raise ctx.error((*path, k), f"bad attribute name {_short(k)}", "use lower-case words joined by '_'")
        attrs.append((k, _str(ctx, (*path, k), x)))
    note = _str(ctx, (*path, "note"), v["note"]) if v.get("note") is not None else None
    return NamedItem(_str(ctx, (*path, "name"), v["name"]), note, tuple(attrs))


def _price(ctx: _Ctx, path: tuple[str | int, ...], v: Any) -> Price:
    d = _mapping(ctx, path, v, {"amount": F(_num, True), "currency": F(_str, default="CNY"),
                                "per": F(_str), "note": F(_str)})
    return Price(d["amount"], d["currency"], d["per"], d["note"])


SPEC_ROUTE = {"id": F(_id, True), "name": F(_str, True), "road": F(_str), "direction": F(_str),
              "km_direction": F(_choice(("increasing", "decreasing"), "km_direction"), default="increasing"),
              "info_date": F(_date), "description": F(_str)}
SPEC_SOURCE = {"id": F(_id, True), "title": F(_str, True), "licence": F(_str, True),
               "author": F(_str), "date": F(_date), "url": F(_str)}
SPEC_PLACE = {"id": F(_id, True), "name": F(_str, True), "kind": F(_choice(PLACE_KINDS, "place kind"), default="town"),
              "aliases": F(_list(_str), default=()), "name_zh": F(_str), "lat": F(_lat), "lon": F(_lon),
              "km": F(_km), "ele": F(_ranged(-500, 9000, "elevation (m)")), "ele_source": F(_str),
              "coord_source": F(_str), "licence": F(_str),
              "confidence": F(_choice(CONFIDENCE, "confidence"), default="medium"),
              "on_route": F(_bool, default=False), "notes": F(_list(_str), default=()), "source": F(_id)}
SPEC_ANCHOR = {"km": F(_km, True), "place": F(_id), "lat": F(_lat), "lon": F(_lon),
               "source": F(_str, True), "confidence": F(_choice(CONFIDENCE, "confidence"), True),
               "note": F(_str)}
SPEC_EVENT = {"kind": F(_choice(EVENT_KINDS, "event kind"), True), "km": F(_km), "at": F(_position),
              "name": F(_str), "side": F(_choice(SIDES, "side")), "note": F(_str, True),
              "source": F(_id, True), "confidence": F(_choice(CONFIDENCE, "confidence")),
              "length_km": F(_pos_km)}
SPEC_STRETCH = {"kind": F(_choice(STRETCH_KINDS, "stretch kind"), True), "from_km": F(_km), "to_km": F(_km),
                "from": F(_position), "to": F(_position), "name": F(_str), "note": F(_str, True),
                "source": F(_id, True), "confidence": F(_choice(CONFIDENCE, "confidence")),
                "length_km": F(_pos_km)}
SPEC_GUIDANCE = {"note": F(_str, True), "source": F(_id, True), "topic": F(_str, default="camping")}
SPEC_TRANSPORT = {"id": F(_id, True), "mode": F(_choice(TRANSPORT_MODES, "transport mode"), True),
                  "from": F(_id, True), "to": F(_id, True), "via": F(_list(_id), default=()),
                  "days": F(_str), "depart": F(_time), "arrive": F(_time), "duration": F(_str),
                  "price": F(_price), "phones": F(_list(_str), default=()), "valid": F(_date),
                  "caveat": F(_str), "note": F(_str, True), "source": F(_id, True)}
SPEC_RESTRICTION = {"kind": F(_choice(RESTRICTION_KINDS, "restriction kind"), True), "place": F(_id),
                    "km": F(_km), "applies_to": F(_str), "date": F(_date, True),
                    "note": F(_str, True), "source": F(_id, True)}
SPEC_BORDER = {"id": F(_id, True), "name": F(_str, True), "place": F(_id, True),
               "countries": F(_list(_str), True), "opening": F(_str), "closed": F(_list(_str), default=()),
               "points": F(_list(_named_item), default=()), "agencies": F(_list(_named_item), default=()),
               "documents": F(_list(_named_item), default=()), "options": F(_list(_named_item), default=()),
               "alternatives": F(_list(_named_item), default=()), "date": F(_date),
               "note": F(_str, True), "source": F(_id, True)}
SPEC_TOP = {"kmpost_roadbook": F(_num, True), "route": F(lambda c, p, v: v, True),
            "sources": F(lambda c, p, v: v, True), "places": F(lambda c, p, v: v, default=[]),
            "anchors": F(lambda c, p, v: v, True), "events": F(lambda c, p, v: v, default=[]),
            "stretches": F(lambda c, p, v: v, default=[]), "guidance": F(lambda c, p, v: v, default=[]),
            "transport": F(lambda c, p, v: v, default=[]), "restrictions": F(lambda c, p, v: v, default=[]),
            "border_crossings": F(lambda c, p, v: v, default=[])}


def _items(ctx: _Ctx, path: tuple[str | int, ...], v: Any) -> list[Any]:
    if not isinstance(v, list):
        raise ctx.error(path, f"expected a list, got {_short(v)}", "write one '- ' entry per item")
    return v


def validate(data: Any, filename: str, lines: Mapping[tuple[str | int, ...], int]) -> Roadbook:
    """Check parsed YAML against the schema and cross-references; return a :class:`Roadbook`."""
    ctx = _Ctx(filename, lines)
    top = _mapping(ctx, (), data, SPEC_TOP)
    if top["kmpost_roadbook"] != FORMAT_VERSION:
        raise ctx.error(("kmpost_roadbook",), f"unsupported format version {top['kmpost_roadbook']:g}",
                        f"this kmpost reads version {FORMAT_VERSION}")
    route = RouteMeta(**_mapping(ctx, ("route",), top["route"], SPEC_ROUTE))

    sources: dict[str, Source] = {}
    for i, s in enumerate(_items(ctx, ("sources",), top["sources"])):
        d = _mapping(ctx, ("sources", i), s, SPEC_SOURCE)
        if d["id"] in sources:
            raise ctx.error(("sources", i, "id"), f"duplicate source id '{d['id']}'", "give each source its own id")
        sources[d["id"]] = Source(**d)
    if not sources:
        raise ctx.error(("sources",), "no sources", "name at least one source with its licence")

    def src(path: tuple[str | int, ...], sid: str | None) -> None:
        if sid is not None and sid not in sources:
            raise ctx.error(path, f"unknown source '{sid}'", f"use one of: {', '.join(sources)}")

    places: dict[str, Place] = {}
    for i, p in enumerate(_items(ctx, ("places",), top["places"])):
        d = _mapping(ctx, ("places", i), p, SPEC_PLACE)
        if d["id"] in places:
            raise ctx.error(("places", i, "id"), f"duplicate place id '{d['id']}'", "give each place its own id")
        if (d["lat"] is None) != (d["lon"] is None):
            raise ctx.error(("places", i), "lat and lon must be given together", "add the missing one")
        if d["lat"] is not None and not d["coord_source"]:
            raise ctx.error(("places", i), "a coordinate without coord_source",
                            "say where the coordinate comes from (and its licence)")
        if d["ele"] is not None and not d["ele_source"]:
            raise ctx.error(("places", i, "ele"), "an elevation without ele_source", "add ele_source")
        src(("places", i, "source"), d["source"])
        places[d["id"]] = Place(**d)

    def place_ref(path: tuple[str | int, ...], pid: str | None) -> None:
        if pid is not None and pid not in places:
            close = difflib.get_close_matches(pid, list(places), n=1)
            hint = f"did you mean '{close[0]}'?" if close else "add it under places:"
            raise ctx.error(path, f"unknown place '{pid}'", hint)

    anchors = []
    for i, a in enumerate(_items(ctx, ("anchors",), top["anchors"])):
        d = _mapping(ctx, ("anchors", i), a, SPEC_ANCHOR)
        has_pt = d["lat"] is not None and d["lon"] is not None
        if (d["place"] is None) == (not has_pt):
            raise ctx.error(("anchors", i), "give either 'place' or both 'lat' and 'lon'",
                            "an anchor ties a km to one known point")
        place_ref(("anchors", i, "place"), d["place"])
        if d["place"] is not None and places[d["place"]].lat is None:
            raise ctx.error(("anchors", i, "place"), f"place '{d['place']}' has no coordinate",
                            "give the place lat/lon or anchor with lat/lon")
        anchors.append(AnchorSpec(line=ctx.line(("anchors", i)), **d))
    if not anchors:
        raise ctx.error(("anchors",), "no anchors", "tie at least one road km to a place or coordinate")

    def position_refs(path: tuple[str | int, ...], pos: Position | None) -> None:
        if pos is not None:
            place_ref((*path, "place"), pos.place)

    events = []
    for i, e in enumerate(_items(ctx, ("events",), top["events"])):
        path = ("events", i)
        d = _mapping(ctx, path, e, SPEC_EVENT)
        if (d["km"] is None) == (d["at"] is None):
            raise ctx.error(path, "give exactly one of 'km' or 'at'",
                            "km: 1383, or at: {place: ..., offset_km: ...} / at: {between: [a, b]}")
        src((*path, "source"), d["source"])
        position_refs((*path, "at"), d["at"])
        conf = d["confidence"] or ("high" if d["km"] is not None else "medium")
        name = d["name"] or EVENT_KINDS[d["kind"]].split(" /")[0].capitalize()
        events.append(Event(kind=d["kind"], note=d["note"], source=d["source"], name=name, km=d["km"],
                            at=d["at"], side=d["side"], confidence=conf, length_km=d["length_km"],
                            field_path=fmt_path(path), line=ctx.line(path)))

    stretches = []
    for i, s in enumerate(_items(ctx, ("stretches",), top["stretches"])):
        path = ("stretches", i)
        d = _mapping(ctx, path, s, SPEC_STRETCH)
        for end, kmkey in (("from", "from_km"), ("to", "to_km")):
            if (d[kmkey] is None) == (d[end] is None):
                raise ctx.error(path, f"give exactly one of '{kmkey}' or '{end}'",
                                f"{kmkey}: 1452, or {end}: {{place: ..., offset_km: ...}}")
            position_refs((*path, end), d[end])
        if d["from_km"] is not None and d["to_km"] is not None and d["from_km"] == d["to_km"]:
            raise ctx.error((*path, "to_km"), f"stretch has zero length (km {d['to_km']:g})",
                            "use an event for a single km, or fix to_km")
        src((*path, "source"), d["source"])
        conf = d["confidence"] or ("high" if d["from_km"] is not None and d["to_km"] is not None else "medium")
        stretches.append(Stretch(kind=d["kind"], note=d["note"], source=d["source"],
                                 name=d["name"] or STRETCH_KINDS[d["kind"]].split(",")[0].split(" (")[0].capitalize(),
                                 from_km=d["from_km"], to_km=d["to_km"], start=d["from"], end=d["to"],
                                 confidence=conf, length_km=d["length_km"], field_path=fmt_path(path),
                                 line=ctx.line(path)))

    guidance = []
    for i, g in enumerate(_items(ctx, ("guidance",), top["guidance"])):
        d = _mapping(ctx, ("guidance", i), g, SPEC_GUIDANCE)
        src(("guidance", i, "source"), d["source"])
        guidance.append(Guidance(**d))

    transport = []
    for i, t in enumerate(_items(ctx, ("transport",), top["transport"])):
        d = _mapping(ctx, ("transport", i), t, SPEC_TRANSPORT)
        for key in ("from", "to"):
            place_ref(("transport", i, key), d[key])
        for j, v in enumerate(d["via"]):
            place_ref(("transport", i, "via", j), v)
        src(("transport", i, "source"), d["source"])
        d["from_place"], d["to_place"] = d.pop("from"), d.pop("to")
        transport.append(Transport(**d))

    restrictions = []
    for i, r in enumerate(_items(ctx, ("restrictions",), top["restrictions"])):
        d = _mapping(ctx, ("restrictions", i), r, SPEC_RESTRICTION)
        place_ref(("restrictions", i, "place"), d["place"])
        src(("restrictions", i, "source"), d["source"])
        restrictions.append(Restriction(**d))

    crossings = []
    for i, b in enumerate(_items(ctx, ("border_crossings",), top["border_crossings"])):
        d = _mapping(ctx, ("border_crossings", i), b, SPEC_BORDER)
        place_ref(("border_crossings", i, "place"), d["place"])
        src(("border_crossings", i, "source"), d["source"])
        for key in ("points", "alternatives"):
            for j, item in enumerate(d[key]):
                pid = dict(item.attrs).get("place")
                place_ref(("border_crossings", i, key, j, "place"), pid)
        crossings.append(BorderCrossing(**d))

    return Roadbook(path=filename, route=route, sources=sources, places=places, anchors=tuple(anchors),
                    events=tuple(events), stretches=tuple(stretches), guidance=tuple(guidance),
                    transport=tuple(transport), restrictions=tuple(restrictions),
                    border_crossings=tuple(crossings), lines=dict(lines))
