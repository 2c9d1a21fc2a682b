"""The roadbook model (format version 1): the vocabulary of kinds and the validated values.

Every class is a frozen dataclass built only by the validator (:func:`roadbook.schema.validate`);
other modules read it. Units: km are road km (the posts' chainage) unless a name says otherwise;
coordinates are degrees WGS84 (``lat``, ``lon`` attributes; at module boundaries kmpost passes
(lon, lat)); elevations in metres; dates are text (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``), clock
times are ``HH:MM`` text. ``docs/roadbook-format.md`` describes the YAML.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from roadbook import kinds

#: The format version this kmpost reads (``kmpost_roadbook:``).
FORMAT_VERSION = 1

# The kind vocabularies are read from the one registry (roadbook/kinds.py), in its order.
#: Kinds of point events (``events[].kind``) -> what they mean.
EVENT_KINDS: dict[str, str] = kinds.descriptions("event")
#: Kinds of stretches (``stretches[].kind``) -> what they mean.
STRETCH_KINDS: dict[str, str] = kinds.descriptions("stretch")
#: Kinds of places (``places[].kind``).
PLACE_KINDS: tuple[str, ...] = tuple(kinds.kinds_of("place"))
CONFIDENCE = ("high", "medium", "low")
SIDES = ("left", "right", "both")
#: Modes of transport lines (``transport[].mode``).
TRANSPORT_MODES: tuple[str, ...] = tuple(kinds.kinds_of("transport"))
#: Kinds of restrictions (``restrictions[].kind``).
RESTRICTION_KINDS: tuple[str, ...] = tuple(kinds.kinds_of("restriction"))

#: What an anchor may be tied to instead of a place or a coordinate (``anchors[].track``).
TRACK_ENDS = ("start", "end")

#: The ONE type of a field path: the place of a value in the parsed YAML, keys and list indexes
#: from the top, e.g. ``("events", 3, "kind")`` for ``events[3].kind``.
FieldPath = tuple[str | int, ...]


@dataclass(frozen=True)
class Source:
    """Where facts come from (``sources[]``); every fact names one by ``id``."""

    id: str
    title: str
    licence: str
    author: str | None = None
    date: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class RouteMeta:
    """The route as a whole (``route:``). ``km_direction``: how road km change along the line."""

    id: str
    name: str
    km_direction: str = "increasing"
    road: str | None = None
    direction: str | None = None
    info_date: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class Place:
    """A named place (``places[]``). ``lat``/``lon`` in degrees WGS84 (both or neither) with
    ``coord_source``; ``ele`` in metres with ``ele_source``; ``km`` a road km the source states."""

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

    @property
    def names(self) -> tuple[str, ...]:
        """Every way the place is written: id, name, each " / " part of it, aliases, Chinese name."""
        parts = [self.id, self.name, *self.name.split(" / "), *self.aliases, self.name_zh or ""]
        return tuple(dict.fromkeys(n.strip() for n in parts if n and n.strip()))


@dataclass(frozen=True)
class Position:
    """Where a feature is when the source gives no km: from a place (``offset_km`` further along
    the km direction, negative before it), or somewhere between two km (``between``, low < high)."""

    place: str | None = None
    offset_km: float = 0.0
    between: tuple[float, float] | None = None


@dataclass(frozen=True)
class AnchorSpec:
    """A road km tied to exactly one of: a place (``place``), a coordinate (``lat``/``lon``,
    degrees WGS84), or an end of the track (``track``: ``"start"`` or ``"end"``, the first or
    last point of the line the roadbook is built on). ``line``: its line in the file."""

    km: float
    source: str
    confidence: str
    place: str | None = None
    lat: float | None = None
    lon: float | None = None
    track: str | None = None
    note: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class UserAnchor:
    """An anchor the user gives on the command line (``--start-km``, ``--anchor PLACE=KM|LAT,LON=KM``).

    Exactly one of ``track_start`` (the first point of the track), ``place`` (a place name or id)
    and ``lon``/``lat`` (degrees WGS84) is set. ``text`` is the option as typed (for messages);
    ``label`` how summaries name the point."""

    km: float
    text: str
    track_start: bool = False
    place: str | None = None
    lon: float | None = None
    lat: float | None = None
    label: str | None = None


@dataclass(frozen=True)
class Event:
    """A point event (``events[]``) at road km ``km`` or at a :class:`Position` ``at``.
    ``length_km``: a length the source announces (a downhill sign). ``field_path``/``line`` locate
    it in the file for messages (``events[3]``)."""

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
    """A km range (``stretches[]``): each end a road km (``from_km``/``to_km``) or a
    :class:`Position` (``start``/``end``)."""

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
    """General advice with no single location (``guidance[]``), by ``topic``."""

    note: str
    source: str
    topic: str = "camping"


@dataclass(frozen=True)
class Price:
    """A fare or fee: ``amount`` in ``currency`` (ISO code), ``per`` what (person, bike ...)."""

    amount: float
    currency: str = "CNY"
    per: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Transport:
    """A bus, train, taxi ... connection (``transport[]``) between two places (ids); ``depart`` and
    ``arrive`` are ``HH:MM``; ``valid`` a date."""

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
    """A dated rule (``restrictions[]``) at a place or road km, or for the whole route."""

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
    """A border crossing (``border_crossings[]``) at a place, between ``countries``."""

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
    """A validated roadbook. ``path`` is the file it came from (for messages); ``lines`` maps a
    field path to its line in that file."""

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
    lines: Mapping[FieldPath, int] = field(default_factory=dict, repr=False)

    def place_named(self, name: str) -> str | None:
        """The id of the place written ``name`` (any of :attr:`Place.names`, case-insensitive)."""
        key = name.strip().casefold()
        return next((pid for pid, p in self.places.items() if key in {n.casefold() for n in p.names}), None)

    def source_label(self, source_id: str) -> str:
        """``id: title`` of a source, for feature attributes."""
        s = self.sources.get(source_id)
        return f"{source_id}: {s.title}" if s else source_id
