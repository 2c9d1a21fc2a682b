"""The printable roadbook: ``roadbook.md`` (Markdown) and ``roadbook.html`` (A4, print CSS).

Both are made from the layers (the km of every feature as placed on the route) and the
:class:`~layers.calibration.Calibration` (route metadata, sources, guidance, transport, restrictions,
border crossings). Units: every ``km`` is a road km (the km posts of the road); distances between
items are differences of road km (``km_pos``), in km.

* :func:`roadbook_rows` -- point items in the direction of travel with the distance to the next
  item (checkpoints, road events, camping spots, places on the route; not km markers or anchors).
* :func:`stretch_rows` -- km ranges (highway / old road parallels, resurfacing, downhills,
  no-services stretches, camping zones, hazards).
* :func:`longest_gap` -- the longest stretch without food or water, route start and end included.
* :func:`roadbook_blocks` -- the printable roadbook, built once, as a list of typed blocks
  (:class:`Title`, :class:`Heading`, :class:`Notice`, :class:`Para`, :class:`Facts`,
  :class:`Items`, :class:`Table` of typed cells -- :class:`Text`, :class:`Km`, :class:`Dist`,
  :class:`Named` (a name with its kind label), :class:`Note` -- and :class:`Figure`).
* :func:`to_markdown`, :func:`to_html` -- the two renderers of those blocks;
  :func:`render_markdown`, :func:`render_html`, :func:`write_roadbook`.

The blocks hold plain text; all text that comes from a roadbook (notes are untrusted internet
text) is escaped by the renderers only: HTML-escaped in the HTML page (:func:`h`), backslash-escaped
in the Markdown (:func:`md_escape`, :func:`md_cell`: ``<script>`` stays literal text in any
CommonMark renderer, and a ``|`` or a line break cannot break a table).
"""

from __future__ import annotations

import html
import itertools
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd

from layers.calibration import SCHEMATIC_NOTICE, Calibration
from maps._course import Cue
from maps.files import atomic_write, safe_text
from roadbook import kinds
from roadbook.schema import BorderCrossing, NamedItem, Roadbook, Transport

#: What the cue card is (both renderers).
CUE_INTRO = ("Exactly what the course files (kmpost.fit, kmpost.tcx) announce, in course order: km from the "
             "start of the line, the name on a 15-character (FIT) and a 10-character (TCX) screen, the "
             "course-point type, and the full note (GPX desc, TCX Notes). Check it before loading the course.")
#: What the day stages are (both renderers).
STAGES_INTRO = ("One GPX / FIT / TCX course per day; distances on each day count from its start. Stage ends "
                "go to camps and towns first, then water or food, within a quarter of the day's target "
                "(never a town where foreigners may not stay overnight); the last column says why.")
if TYPE_CHECKING:
    from maps.stages import Stage

MD_NAME = "roadbook.md"
HTML_NAME = "roadbook.html"

#: Layers whose point features are rows of the km table (``places`` only where ``km_pos`` is set).
POINT_LAYERS: tuple[str, ...] = ("checkpoints", "road_events", "camping", "places")
#: Layers whose line / polygon features (with ``km_pos_end``) are rows of the stretches table.
STRETCH_LAYERS: tuple[str, ...] = ("parallels", "stretches", "camping")
#: Event kinds where a cyclist can get food or water.
SUPPLY_EVENT_KINDS: frozenset[str] = frozenset({"food", "water", "town"})
#: Place kinds (on the route) where a cyclist can get food or water.
SUPPLY_PLACE_KINDS: frozenset[str] = frozenset({"town", "city"})
#: Two items closer than this (road km) are at the same position: their "next" is further on.
SAME_KM = 0.0005

# ---------------------------------------------------------------------------------------------
# rows
# ---------------------------------------------------------------------------------------------
def _num(v: Any) -> float | None:
    """A finite float, or None for null / NaN / missing."""
    if v is None:
        return None
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _text(v: Any) -> str:
    """A string, '' for null / NaN."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    return str(v)


def kind_label(kind: str, layer: str | None = None) -> str:
    """Human label of a kind as found in ``layer`` (from :mod:`roadbook.kinds`)."""
    return kinds.label(kind, layer)


def fmt_clock(v: Any) -> str:
    """A clock time for the text: ``HH:MM`` as given; minutes of a day (what YAML makes of an
    unquoted ``9:30``) as ``HH:MM``; anything else shown as given, marked.

    >>> fmt_clock("09:30"), fmt_clock(570), fmt_clock(99999), fmt_clock(-5), fmt_clock(float("nan"))
    ('09:30', '09:30', '99999 (not a clock time)', '-5 (not a clock time)', '')
    """
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return ""
    if isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 24 * 60:
        return f"{v // 60:02d}:{v % 60:02d}"
    t = _text(v).strip()
    if re.fullmatch(r"([01]?\d|2[0-3]):[0-5]\d|24:00", t):
        return t.zfill(5)
    return f"{t[:40]} (not a clock time)" if t else ""


def fmt_km(km: float | None, km_pos: float | None) -> str:
    """The km column: the stated km (``1383``), or ``≈1314.0`` when only a placed km is known.

    >>> fmt_km(1383.0, 1383.0), fmt_km(None, 1314.0), fmt_km(None, None)
    ('1383', '≈1314.0', '')
    """
    if km is not None:
        return f"{km:g}"
    if km_pos is not None:
        return f"≈{km_pos:.1f}"
    return ""


def fmt_dist(km: float | None) -> str:
    """A distance in km with one decimal (``3.0``), '' for None."""
    return "" if km is None else f"{km:.1f}"


@dataclass(frozen=True)
class Row:
    """One point item of the roadbook table.

    Attributes:
        km: road km as stated by the source; None where the source gives none.
        km_pos: road km used to place the item.
        along_m: metres along the route line from its start (direction of travel).
        next_km: road km from this item to the next item further along (items at the same
            position share the distance to the next position); None for the last position.
        layer, kind, name, side, note, source, confidence, located_by: as in the layer.
    """

    km: float | None
    km_pos: float
    along_m: float
    next_km: float | None
    layer: str
    kind: str
    name: str
    side: str | None
    note: str
    source: str
    confidence: str
    located_by: str

    @property
    def km_label(self) -> str:
        return fmt_km(self.km, self.km_pos)

    @property
    def what(self) -> str:
        return f"{self.name} ({kind_label(self.kind, self.layer)})"


@dataclass(frozen=True)
class StretchRow:
    """One km range of the roadbook (from -> to in the direction of travel).

    Attributes:
        km, km_end: stated road km of the ends (None where not stated).
        km_pos, km_pos_end: road km of the ends as placed.
        length_km: ``|km_pos_end - km_pos|`` in road km.
        stated_length_km: the length the source announces (e.g. a downhill sign), or None.
    """

    km: float | None
    km_end: float | None
    km_pos: float
    km_pos_end: float
    along_m: float
    length_km: float
    stated_length_km: float | None
    layer: str
    kind: str
    name: str
    note: str
    source: str
    confidence: str

    @property
    def what(self) -> str:
        return f"{self.name} ({kind_label(self.kind, self.layer)})"


def _records(layers: Mapping[str, gpd.GeoDataFrame], names: Iterable[str]) -> list[tuple[int, str, dict[str, Any]]]:
    out = []
    for li, name in enumerate(names):
        gdf = layers.get(name)
        if gdf is None or len(gdf) == 0:
            continue
        geom = gdf.geometry.name
        cols = [c for c in gdf.columns if c != geom]
        # column lists zipped into records: the values of to_dict("records"), several times faster
        for row in zip(*(gdf[c].tolist() for c in cols), strict=True):
            out.append((li, name, dict(zip(cols, row, strict=True))))
    return out


def _placed_points(layers: Mapping[str, gpd.GeoDataFrame]) -> list[tuple[str, float, dict[str, Any]]]:
    """(layer, km_pos, record) of the point items of :data:`POINT_LAYERS` placed on the route
    (a ``km_pos``, no ``km_pos_end``: ranges are stretches), in layer order."""
    out = []
    for _, layer, rec in _records(layers, POINT_LAYERS):
        km_pos = _num(rec.get("km_pos"))
        if km_pos is not None and _num(rec.get("km_pos_end")) is None:
            out.append((layer, km_pos, rec))
    return out


def roadbook_rows(layers: Mapping[str, gpd.GeoDataFrame],
                  placed: Sequence[tuple[str, float, dict[str, Any]]] | None = None) -> list[Row]:
    """The km table: point items of checkpoints, road_events, camping and places (on the route).

    Sorted in the direction of travel (by ``along_m``; items at the same point: places first,
    then in layer order). ``next_km`` is the road km to the next item at a different position
    (further than :data:`SAME_KM`). Line / polygon features (camping zones) and places without
    ``km_pos`` (off the route) are left out. Pure: reads the layers only (``placed``: their
    :func:`_placed_points`, when the caller has them already).
    """
    rank = {"places": 0, "checkpoints": 1, "road_events": 2, "camping": 3}
    items = []
    for layer, km_pos, rec in (_placed_points(layers) if placed is None else placed):
        along = _num(rec.get("along_m"))
        items.append((along if along is not None else math.nan, rank.get(layer, 9), layer, km_pos, rec))
    # along_m orders the direction of travel; fall back to km_pos where along_m is missing
    items.sort(key=lambda t: (t[3] if math.isnan(t[0]) else t[0], t[1]))
    rows: list[Row] = []
    for i, (along, _, layer, km_pos, rec) in enumerate(items):
        nxt = next((abs(it[3] - km_pos) for it in items[i + 1:] if abs(it[3] - km_pos) > SAME_KM), None)
        rows.append(Row(
            km=_num(rec.get("km")), km_pos=km_pos, along_m=along,
            next_km=None if nxt is None else round(nxt, 3),
            layer=layer, kind=_text(rec.get("kind")), name=_text(rec.get("name")),
            side=_text(rec.get("side")) or None, note=_text(rec.get("note")),
            source=_text(rec.get("source")), confidence=_text(rec.get("confidence")),
            located_by=_text(rec.get("located_by")),
        ))
    return rows


def stretch_rows(layers: Mapping[str, gpd.GeoDataFrame]) -> list[StretchRow]:
    """The stretches table: features with both ``km_pos`` and ``km_pos_end`` of parallels,
    stretches and camping (zones), in the direction of travel (by ``along_m``, then end)."""
    out = []
    for _, layer, rec in _records(layers, STRETCH_LAYERS):
        k0, k1 = _num(rec.get("km_pos")), _num(rec.get("km_pos_end"))
        if k0 is None or k1 is None:
            continue
        along = _num(rec.get("along_m"))
        out.append(StretchRow(
            km=_num(rec.get("km")), km_end=_num(rec.get("km_end")), km_pos=k0, km_pos_end=k1,
            along_m=along if along is not None else math.nan,
            length_km=round(abs(k1 - k0), 3), stated_length_km=_num(rec.get("length_km")),
            layer=layer, kind=_text(rec.get("kind")), name=_text(rec.get("name")),
            note=_text(rec.get("note")), source=_text(rec.get("source")),
            confidence=_text(rec.get("confidence")),
        ))
    out.sort(key=lambda s: (s.km_pos if math.isnan(s.along_m) else s.along_m, -s.length_km))
    return out


# ---------------------------------------------------------------------------------------------
# the longest stretch without food or water
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Stop:
    """A place to get food or water: road km and a label."""

    km: float
    name: str


@dataclass(frozen=True)
class Gap:
    """The longest stretch without food or water, in the direction of travel.

    ``from_km``/``to_km`` are road km; ``length_km`` = ``|to_km - from_km|`` (road km);
    ``from_name``/``to_name`` name the stops (or "route start" / "route end"); ``stops`` is the
    number of food/water stops found on the route.
    """

    from_km: float
    to_km: float
    length_km: float
    from_name: str
    to_name: str
    stops: int


def longest_gap_km(stops: Sequence[Stop], start: Stop, end: Stop) -> Gap:
    """Longest gap between consecutive stops, the route's start and end included (pure).

    Works for decreasing km too (``start.km > end.km``). Stops outside [start, end] are ignored.

    >>> g = longest_gap_km([Stop(130.0, "B")], Stop(100.0, "start"), Stop(200.0, "end"))
    >>> (g.from_name, g.to_name, g.length_km)
    ('B', 'end', 70.0)
    """
    sign = 1.0 if end.km >= start.km else -1.0
    lo, hi = sorted((start.km, end.km))
    inside = sorted((s for s in stops if lo - SAME_KM <= s.km <= hi + SAME_KM), key=lambda s: sign * s.km)
    seq = [start, *inside, end]
    best: Gap | None = None
    for a, b in itertools.pairwise(seq):
        length = round(abs(b.km - a.km), 3)
        if best is None or length > best.length_km:
            best = Gap(a.km, b.km, length, a.name, b.name, len(inside))
    assert best is not None
    return best


def supply_stops(layers: Mapping[str, gpd.GeoDataFrame],
                 placed: Sequence[tuple[str, float, dict[str, Any]]] | None = None) -> list[Stop]:
    """Food / water stops on the route: events of :data:`SUPPLY_EVENT_KINDS` (any point layer)
    and places of :data:`SUPPLY_PLACE_KINDS` with a ``km_pos`` (``placed``: as for
    :func:`roadbook_rows`)."""
    out = []
    for layer, km_pos, rec in (_placed_points(layers) if placed is None else placed):
        kind = _text(rec.get("kind"))
        ok = kind in SUPPLY_PLACE_KINDS if layer == "places" else kind in SUPPLY_EVENT_KINDS
        if ok:
            out.append(Stop(km_pos, f"{_text(rec.get('name'))} ({kind_label(kind, layer)})"))
    return out


def route_ends(layers: Mapping[str, gpd.GeoDataFrame]) -> tuple[float, float] | None:
    """(start km, end km) of the route in the direction of travel, from the ``route`` layer."""
    route = layers.get("route")
    if route is None or len(route) == 0:
        return None
    k0, k1 = _num(route.iloc[0].get("km_pos")), _num(route.iloc[0].get("km_pos_end"))
    return None if k0 is None or k1 is None else (k0, k1)


def longest_gap(layers: Mapping[str, gpd.GeoDataFrame], start_km: float | None = None,
                end_km: float | None = None,
                placed: Sequence[tuple[str, float, dict[str, Any]]] | None = None) -> Gap | None:
    """The longest stretch without food or water of a route, route start and end included.

    ``start_km``/``end_km`` (road km, direction of travel) default to the ends of the ``route``
    layer; None when neither is known.
    """
    ends = route_ends(layers)
    s = start_km if start_km is not None else (ends[0] if ends else None)
    e = end_km if end_km is not None else (ends[1] if ends else None)
    if s is None or e is None:
        return None
    return longest_gap_km(supply_stops(layers, placed), Stop(s, "route start"), Stop(e, "route end"))


# ---------------------------------------------------------------------------------------------
# shared text pieces
# ---------------------------------------------------------------------------------------------
def _place_name(rb: Roadbook, pid: str | None) -> str:
    if pid is None:
        return ""
    p = rb.places.get(pid)
    return p.name if p else pid


def _ele_m(x: float) -> str:
    return f"{x:,.0f} m"


def transport_fields(rb: Roadbook, t: Transport) -> list[tuple[str, str]]:
    """(label, value) pairs of a transport line: every time, price and phone number."""
    f: list[tuple[str, str]] = [("mode", t.mode.replace("_", " ")),
                                ("from", _place_name(rb, t.from_place)), ("to", _place_name(rb, t.to_place))]
    if t.via:
        f.append(("via", ", ".join(_place_name(rb, v) for v in t.via)))
    for label, val in (("days", _text(t.days)), ("departs", fmt_clock(t.depart)),
                       ("arrives", fmt_clock(t.arrive)), ("duration", _text(t.duration))):
        if val:
            f.append((label, val))
    if t.price is not None:
        p = f"{t.price.amount:g} {t.price.currency}"
        if t.price.per:
            p += f" per {t.price.per}"
        if t.price.note:
            p += f" ({t.price.note})"
        f.append(("price", p))
    if t.phones:
        f.append(("phone", ", ".join(t.phones)))
    if t.valid:
        f.append(("valid", t.valid))
    if t.caveat:
        f.append(("caveat", t.caveat))
    f.append(("note", t.note))
    f.append(("source", rb.source_label(t.source)))
    return f


def _named(items: Sequence[NamedItem]) -> list[str]:
    out = []
    for it in items:
        s = it.name
        if it.note:
            s += f" — {it.note}"
        if it.attrs:
            s += " (" + "; ".join(f"{k}: {v}" for k, v in it.attrs) + ")"
        out.append(s)
    return out


def border_fields(rb: Roadbook, b: BorderCrossing) -> list[tuple[str, list[str]]]:
    """(label, lines) of a border crossing: opening, closures, points, agencies, documents ..."""
    f: list[tuple[str, list[str]]] = [("place", [_place_name(rb, b.place)]), ("countries", [" – ".join(b.countries)])]
    if b.opening:
        f.append(("opening", [b.opening]))
    if b.closed:
        f.append(("closed", list(b.closed)))
    for label, items in (("points", b.points), ("agencies", b.agencies), ("documents", b.documents),
                         ("options", b.options), ("alternatives", b.alternatives)):
        if items:
            f.append((label, _named(items)))
    if b.date:
        f.append(("date", [b.date]))
    f.append(("note", [b.note]))
    f.append(("source", [rb.source_label(b.source)]))
    return f


def _off_route_places(rb: Roadbook, layers: Mapping[str, gpd.GeoDataFrame]) -> list[str]:
    """Ids of places with notes or a height that are not rows of the km table."""
    placed: set[str] = set()
    places = layers.get("places")
    if places is not None and len(places) and "place_id" in places.columns:
        placed = {str(r["place_id"]) for _, r in places.iterrows() if _num(r["km_pos"]) is not None}
    return [pid for pid, p in rb.places.items() if pid not in placed and (p.notes or p.ele is not None)]


def _header_facts(ctx: Calibration) -> list[tuple[str, str]]:
    rb = ctx.roadbook
    r = rb.route
    k0, k1 = ctx.chainage.km_range
    facts = [("road", r.road or ""), ("direction", r.direction or ""),
             ("km", f"{k0:g} – {k1:g} (road km {'increasing' if ctx.chainage.km_increasing else 'decreasing'} "
                    "in the direction of travel)"),
             ("information date", r.info_date or ""),
             ("route geometry", ctx.track.source)]
    return [(k, v) for k, v in facts if v]


# ---------------------------------------------------------------------------------------------
# the text model: the printable roadbook as typed blocks, rendered by to_markdown / to_html
# ---------------------------------------------------------------------------------------------
# Every text in the model is plain, unescaped text; the two renderers escape it (HTML: h();
# Markdown: md_escape / md_cell), nowhere else.
@dataclass(frozen=True)
class Span:
    """A piece of inline text. ``style``: "" plain, "b" bold, "small" an aside in brackets
    (small print in HTML, italic in Markdown), "link" an http(s) URL (a link in HTML)."""

    text: str
    style: str = ""


Inline = tuple[Span, ...]


@dataclass(frozen=True)
class Title:
    """The page title (``#`` / ``<h1>``)."""

    text: str


@dataclass(frozen=True)
class Heading:
    """A section (level 2) or sub-section (level 3) heading; ``aside`` in small print."""

    level: int
    text: str
    aside: str = ""


@dataclass(frozen=True)
class Notice:
    """A warning the reader must not miss (the schematic-route notice)."""

    text: str


@dataclass(frozen=True)
class Para:
    """A paragraph; ``style`` "small" (an explanation) or "gap" (the framed longest gap)."""

    text: str
    style: str = ""


@dataclass(frozen=True)
class Facts:
    """Label -> value(s): one value inline, several as a list."""

    pairs: tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True)
class Item:
    """A list item: its inline text and the lines of a sub-list."""

    text: Inline
    sub: tuple[str, ...] = ()


@dataclass(frozen=True)
class Items:
    """A bullet list; ``small``: in small print (HTML)."""

    items: tuple[Item, ...]
    small: bool = False


# table cells ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Text:
    """A text cell."""

    text: str


@dataclass(frozen=True)
class Km:
    """A road km cell: the stated km, else ``≈`` the placed km (:func:`fmt_km`)."""

    km: float | None
    km_pos: float | None


@dataclass(frozen=True)
class Dist:
    """A distance in km (one decimal); ``stated``: a length the source announces, shown where it
    differs by more than 50 m."""

    km: float | None
    stated: float | None = None


@dataclass(frozen=True)
class Named:
    """A name (bold in HTML) with the label of its kind (``None``: the name alone)."""

    name: str
    label: str | None = None


@dataclass(frozen=True)
class Note:
    """A note (line breaks kept), with the source it comes from in small print."""

    text: str
    source: str = ""


Cell = Text | Km | Dist | Named | Note


@dataclass(frozen=True)
class Column:
    """A table column; ``num``: right-aligned numbers."""

    title: str
    num: bool = False


@dataclass(frozen=True)
class TableRow:
    """One row; ``css``: its class in HTML (layer and kind of a km-table row)."""

    cells: tuple[Cell, ...]
    css: str = ""


@dataclass(frozen=True)
class Table:
    columns: tuple[Column, ...]
    rows: tuple[TableRow, ...]


@dataclass(frozen=True)
class Figure:
    """An inline SVG with its heading (HTML only: Markdown has no drawing)."""

    heading: str
    svg: str


Block = Title | Heading | Notice | Para | Facts | Items | Table | Figure

#: What the km table is (both renderers).
ALONG_INTRO = ("km: as stated by the source; ≈ marks a km derived from a place or a range. "
               "Next: road km to the next item.")
#: The last line of the HTML page.
FOOTER = "Made by kmpost. Road km as painted on the posts; check every fact on the road: such information changes."


# ---------------------------------------------------------------------------------------------
# building the model
# ---------------------------------------------------------------------------------------------
def _header(ctx: Calibration) -> list[Block]:
    rb = ctx.roadbook
    out: list[Block] = [Title(rb.route.name)]
    if ctx.schematic:
        out.append(Notice(SCHEMATIC_NOTICE))
    out.append(Facts(tuple((k, (v,)) for k, v in _header_facts(ctx))))
    if rb.route.description:
        out.append(Para(rb.route.description))
    sources = []
    for s in rb.sources.values():
        bits = [s.title] + ([f"by {s.author}"] if s.author else []) + ([s.date] if s.date else [])
        spans = [Span(s.id, "b"), Span(f": {', '.join(bits)} — licence: {s.licence}")]
        if s.url:
            spans += [Span(" — "), Span(s.url, "link")]
        sources.append(Item(tuple(spans)))
    return [*out, Heading(2, "Sources"), Items(tuple(sources), small=True)]


def _km_tables(layers: Mapping[str, gpd.GeoDataFrame]) -> list[Block]:
    placed = _placed_points(layers)  # read once for the km table and the longest gap
    along = Table(
        (Column("km", True), Column("next (km)", True), Column("what"), Column("side"), Column("note")),
        tuple(TableRow((Km(r.km, r.km_pos), Dist(r.next_km), Named(r.name, kind_label(r.kind, r.layer)),
                        Text(r.side or ""), Note(r.note)),
                       f"{r.layer} {r.kind}" + (" place" if r.layer == "places" else ""))
              for r in roadbook_rows(layers, placed)))
    stretches = Table(
        (Column("from km", True), Column("to km", True), Column("length (km)", True), Column("what"),
         Column("note")),
        tuple(TableRow((Km(s.km, s.km_pos), Km(s.km_end, s.km_pos_end), Dist(s.length_km, s.stated_length_km),
                        Named(s.name, kind_label(s.kind, s.layer)), Note(s.note)), s.kind)
              for s in stretch_rows(layers)))
    return [Heading(2, "Along the road"), Para(ALONG_INTRO, "small"), along, Heading(2, "Stretches"), stretches,
            Heading(2, "Longest stretch without food or water"), Para(_gap_text(layers, placed), "gap")]


def _cue_table(cues: Sequence[Cue]) -> Table:
    return Table(
        (Column("km", True), Column("name (15)"), Column("name (10)"), Column("FIT type"), Column("TCX type"),
         Column("full note")),
        tuple(TableRow((Dist(c.along_m / 1000), Named(c.name), Text(c.name10), Text(c.fit), Text(c.tcx),
                        Note(c.note)), "cue") for c in cues))


def _course(cues: Sequence[Cue], stages: Sequence[tuple[Stage, Sequence[Cue]]]) -> list[Block]:
    out: list[Block] = []
    if cues:
        out += [Heading(2, "Cue card: what the bike computer announces"), Para(CUE_INTRO, "small"),
                _cue_table(cues)]
    if stages:
        out += [Heading(2, "Day stages"), Para(STAGES_INTRO, "small"), Table(
            (Column("day", True), Column("from"), Column("to"), Column("km", True), Column("files"),
             Column("why the day ends there")),
            tuple(TableRow((Text(str(st.number)), Text(st.start_name), Text(st.end_name), Dist(st.length_m / 1000),
                            Text(f"{st.stem}.gpx/.fit/.tcx"), Note(st.how))) for st, _ in stages))]
        for st, sc in stages:
            out.append(Heading(3, f"Day {st.number}: {st.start_name} → {st.end_name} ({st.length_m / 1000:.1f} km)"))
            out.append(_cue_table(sc) if sc else Para("No course points on this stage."))
    return out


def _practical(rb: Roadbook) -> list[Block]:
    """Guidance, transport, restrictions and border crossings."""
    out: list[Block] = []
    if rb.guidance:
        out += [Heading(2, "Guidance"), Items(tuple(
            Item((Span(f"{g.topic}:", "b"), Span(" "), Span(g.note), Span(" "),
                  Span(f"({rb.source_label(g.source)})", "small"))) for g in rb.guidance))]
    if rb.transport:
        out.append(Heading(2, "Transport"))
        for t in rb.transport:
            out += [Heading(3, f"{_place_name(rb, t.from_place)} → {_place_name(rb, t.to_place)}",
                            f"{t.mode.replace('_', ' ')}, {t.id}"),
                    Facts(tuple((k, (v,)) for k, v in transport_fields(rb, t)[3:]))]
    if rb.restrictions:
        out += [Heading(2, "Restrictions", "dated: such rules change"), Table(
            (Column("date"), Column("what"), Column("where"), Column("applies to"), Column("note")),
            tuple(TableRow((Text(r.date), Text(r.kind.replace("_", " ")),
                            Text(" ".join(x for x in (_place_name(rb, r.place),
                                                      f"km {r.km:g}" if r.km is not None else "") if x)),
                            Text(r.applies_to or ""), Note(r.note, rb.source_label(r.source))))
                  for r in rb.restrictions))]
    if rb.border_crossings:
        out.append(Heading(2, "Border crossings"))
        for b in rb.border_crossings:
            out += [Heading(3, b.name), Facts(tuple((label, tuple(lines)) for label, lines in border_fields(rb, b)))]
    return out


def _off_route(rb: Roadbook, layers: Mapping[str, gpd.GeoDataFrame]) -> list[Block]:
    items = []
    for pid in _off_route_places(rb, layers):
        p = rb.places[pid]
        sub = kind_label(p.kind, "places")
        if p.ele is not None:
            sub += f", {_ele_m(p.ele)} — {p.ele_source or 'source not given'}"
        items.append(Item((Span(p.name + (f" {p.name_zh}" if p.name_zh else ""), "b"), Span(" "),
                           Span(f"({sub})", "small")), tuple(p.notes)))
    return [Heading(2, "Places off the route"), Items(tuple(items))] if items else []


def roadbook_blocks(ctx: Calibration, layers: Mapping[str, gpd.GeoDataFrame], *, cues: Sequence[Cue] = (),
                    stages: Sequence[tuple[Stage, Sequence[Cue]]] = (), profile_svg: str = "") -> list[Block]:
    """The printable roadbook, once, as blocks (rendered by :func:`to_markdown` and :func:`to_html`).

    ``cues``: the cue card of the whole course (:attr:`maps._course.Course.cues`); ``stages``: the
    day stages with their own cue cards (distances from the stage start); ``profile_svg``: an
    inline SVG elevation profile ("" for none). km are road km, distances road km."""
    out = _header(ctx) + _km_tables(layers) + _course(cues, stages)
    if profile_svg:
        out.append(Figure("Elevation", profile_svg))
    out += _practical(ctx.roadbook) + _off_route(ctx.roadbook, layers)
    if ctx.warnings:
        out += [Heading(2, "Build warnings"), Items(tuple(Item((Span(w),)) for w in ctx.warnings), small=True)]
    return out


def _dist_text(c: Dist) -> str:
    t = fmt_dist(c.km)
    if c.stated is not None and c.km is not None and abs(c.stated - c.km) > 0.05:
        t += f" (stated {c.stated:g})"
    return t


def _gap_text(layers: Mapping[str, gpd.GeoDataFrame],
              placed: Sequence[tuple[str, float, dict[str, Any]]] | None = None) -> str:
    g = longest_gap(layers, placed=placed)
    if g is None:
        return "Unknown: the route's start and end km are not known."
    supply = ", ".join(sorted(SUPPLY_EVENT_KINDS))
    return (f"{g.length_km:.1f} km from km {g.from_km:.1f} ({g.from_name}) to km {g.to_km:.1f} ({g.to_name}). "
            f"Counted from {g.stops} stop(s) on the route: events of kind {supply} and towns or cities "
            "on the route; start and end of the route included. Carry enough.")


# ---------------------------------------------------------------------------------------------
# Markdown
# ---------------------------------------------------------------------------------------------
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#&~])")


def md_escape(text: str) -> str:
    """Escape untrusted text for Markdown (CommonMark): punctuation that could start markup or
    raw HTML is backslash-escaped; lines are kept.

    >>> md_escape("a|b <script>")
    'a\\\\|b \\\\<script\\\\>'
    """
    if _MD_SPECIAL.search(text) is None:  # most names and notes: nothing to escape
        return text
    return _MD_SPECIAL.sub(r"\\\1", text)


def md_cell(text: str) -> str:
    """A Markdown table cell (or list item): escaped, newlines as ``<br>``.

    >>> md_cell(" a|b\\n c ")
    'a\\\\|b<br>c'
    """
    lines = text.strip().splitlines()
    if len(lines) == 1:
        return md_escape(lines[0].strip())
    return "<br>".join(md_escape(line.strip()) for line in lines)


def _md_span(s: Span) -> str:
    t = md_cell(s.text) if "\n" in s.text else md_escape(s.text)
    return f"**{t}**" if s.style == "b" else f"*{t}*" if s.style == "small" else t


def _md_cell(c: Cell) -> str:
    if isinstance(c, Km):
        return md_cell(fmt_km(c.km, c.km_pos))
    if isinstance(c, Dist):
        return md_cell(_dist_text(c))
    if isinstance(c, Named):
        return md_cell(c.name if c.label is None else f"{c.name} ({c.label})")
    if isinstance(c, Note):
        return md_cell(f"{c.text} ({c.source})" if c.source else c.text)
    return md_cell(c.text)


def _md_table(t: Table) -> list[str]:
    out = ["| " + " | ".join(md_cell(c.title) for c in t.columns) + " |",
           "|" + "|".join("---:" if c.num else "---" for c in t.columns) + "|"]
    for r in t.rows:
        out.append("| " + " | ".join(_md_cell(c) or " " for c in r.cells) + " |")
    return out


def _md_block(b: Block) -> list[str]:
    if isinstance(b, Title):
        return [f"# {md_escape(b.text)}"]
    if isinstance(b, Heading):
        return ["#" * b.level + " " + md_escape(b.text + (f" ({b.aside})" if b.aside else ""))]
    if isinstance(b, Notice):
        return [f"> **{md_escape(b.text)}**"]
    if isinstance(b, Para):
        return [md_escape(b.text)]
    if isinstance(b, Facts):
        out = []
        for k, vals in b.pairs:
            if len(vals) == 1:
                out.append(f"- **{md_escape(k)}:** {md_cell(vals[0])}")
            else:
                out += [f"- **{md_escape(k)}:**"] + [f"  - {md_cell(v)}" for v in vals]
        return out
    if isinstance(b, Items):
        return [line for it in b.items for line in
                ["- " + "".join(_md_span(s) for s in it.text), *(f"  - {md_cell(x)}" for x in it.sub)]]
    if isinstance(b, Table):
        return _md_table(b)
    return []  # a Figure: no drawing in Markdown


def to_markdown(blocks: Sequence[Block]) -> str:
    """The blocks as Markdown (UTF-8), a blank line after each block."""
    out: list[str] = []
    for b in blocks:
        lines = _md_block(b)
        if lines:
            out += [*lines, ""]
    return "\n".join(out).rstrip() + "\n"


def render_markdown(ctx: Calibration, layers: Mapping[str, gpd.GeoDataFrame], *,
                    cues: Sequence[Cue] = (), stages: Sequence[tuple[Stage, Sequence[Cue]]] = ()) -> str:
    """The roadbook as Markdown text (UTF-8). km are road km, distances road km.

    ``cues``/``stages``: see :func:`roadbook_blocks`."""
    return to_markdown(roadbook_blocks(ctx, layers, cues=cues, stages=stages))


# ---------------------------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------------------------
_CSS = """
@page { size: A4; margin: 12mm 11mm 14mm 11mm; }
* { box-sizing: border-box; }
body { font: 10pt/1.35 "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: #111; margin: 0 auto;
       max-width: 190mm; padding: 6mm 0; }
h1 { font-size: 17pt; margin: 0 0 3mm; } h2 { font-size: 13pt; margin: 6mm 0 2mm; border-bottom: 1px solid #444; }
h3 { font-size: 11pt; margin: 4mm 0 1mm; }
.schematic { border: 2px solid #b00; color: #b00; padding: 2mm 3mm; font-weight: bold; margin: 2mm 0; }
table { border-collapse: collapse; width: 100%; font-size: 8.5pt; }
th, td { border: 1px solid #999; padding: 1mm 1.5mm; vertical-align: top; text-align: left; }
th { background: #e8e8e8; }
td.n, th.n { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
tr.place td { background: #f3f3f3; font-weight: bold; }
tr.place td.note { font-weight: normal; }
.note { white-space: pre-line; }
dl { margin: 0 0 2mm; display: grid; grid-template-columns: 32mm 1fr; gap: 0.5mm 2mm; }
dt { font-weight: bold; } dd { margin: 0; }
.gap { font-size: 11pt; border: 1px solid #444; padding: 2mm 3mm; background: #fafafa; }
.profile svg { width: 100%; height: auto; }
.small { font-size: 8pt; color: #333; }
@media print { body { padding: 0; max-width: none; } a { color: inherit; text-decoration: none; }
  h2 { break-after: avoid; page-break-after: avoid; } }
"""


def h(text: Any) -> str:
    """HTML-escape any value (quotes included)."""
    return html.escape(_text(text), quote=True)


def _link(url: str) -> str:
    """An http(s) URL as a link (other schemes, e.g. ``javascript:``, only as text)."""
    if re.match(r"^https?://", url, re.IGNORECASE):
        return f'<a href="{h(url)}">{h(url)}</a>'
    return h(url)


def _html_span(s: Span) -> str:
    if s.style == "b":
        return f"<b>{h(s.text)}</b>"
    if s.style == "small":
        return f'<span class="small">{h(s.text)}</span>'
    return _link(s.text) if s.style == "link" else h(s.text)


def _html_cell(c: Cell) -> str:
    if isinstance(c, Km):
        return h(fmt_km(c.km, c.km_pos))
    if isinstance(c, Dist):
        return h(_dist_text(c))
    if isinstance(c, Named):
        label = "" if c.label is None else f'<br><span class="small">{h(c.label)}</span>'
        return f"<b>{h(c.name)}</b>{label}"
    if isinstance(c, Note):
        return h(c.text) + (f' <span class="small">({h(c.source)})</span>' if c.source else "")
    return h(c.text)


def _html_table(t: Table) -> str:
    th = "".join(f'<th class="{"n" if c.num else ""}">{h(c.title)}</th>' for c in t.columns)
    body = "\n".join(
        f'<tr class="{h(r.css)}">'
        + "".join(f'<td class="{"n" if col.num else "note" if isinstance(c, Note) else ""}">{_html_cell(c)}</td>'
                  for col, c in zip(t.columns, r.cells, strict=True)) + "</tr>"
        for r in t.rows)
    return f"<table>\n<thead><tr>{th}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>"


def _html_facts(b: Facts) -> str:
    return "<dl>" + "".join(
        f"<dt>{h(k)}</dt><dd>"
        + (h(vals[0]) if len(vals) == 1 else "<ul>" + "".join(f"<li>{h(v)}</li>" for v in vals) + "</ul>")
        + "</dd>" for k, vals in b.pairs) + "</dl>"


def _html_items(b: Items) -> str:
    lis = []
    for it in b.items:
        sub = "".join(f"<li>{h(x)}</li>" for x in it.sub)
        lis.append("<li>" + "".join(_html_span(s) for s in it.text) + (f"<ul>{sub}</ul>" if sub else "") + "</li>")
    return ('<ul class="small">' if b.small else "<ul>") + "\n".join(lis) + "</ul>"


def _html_block(b: Block) -> str:
    if isinstance(b, Title):
        return f"<h1>{h(b.text)}</h1>"
    if isinstance(b, Heading):
        aside = f' <span class="small">({h(b.aside)})</span>' if b.aside else ""
        return f"<h{b.level}>{h(b.text)}{aside}</h{b.level}>"
    if isinstance(b, Notice):
        return f'<p class="schematic">{h(b.text)}</p>'
    if isinstance(b, Para):
        return f'<p class="{b.style}">{h(b.text)}</p>' if b.style else f"<p>{h(b.text)}</p>"
    if isinstance(b, Facts):
        return _html_facts(b)
    if isinstance(b, Items):
        return _html_items(b)
    if isinstance(b, Table):
        return _html_table(b)
    return f'<h2>{h(b.heading)}</h2><div class="profile">{b.svg}</div>'  # the SVG is made by kmpost


def to_html(blocks: Sequence[Block], title: str) -> str:
    """The blocks as one self-contained, print-ready HTML page (A4; no external resources);
    ``title``: the page's title (the route's name)."""
    head = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{h(title)} — roadbook</title>", f"<style>{_CSS}</style></head><body>"]
    foot = f'<p class="small">{h(FOOTER)}</p></body></html>'
    return "\n".join([*head, *(_html_block(b) for b in blocks), foot]) + "\n"


def _profile(ctx: Calibration, layers: Mapping[str, gpd.GeoDataFrame]) -> str:
    from maps.profile import profile_svg as make_svg
    return make_svg(ctx, layers) or ""


def render_html(ctx: Calibration, layers: Mapping[str, gpd.GeoDataFrame], profile_svg: str | None = None, *,
                cues: Sequence[Cue] = (), stages: Sequence[tuple[Stage, Sequence[Cue]]] = ()) -> str:
    """The roadbook as one self-contained, print-ready HTML page (A4; no external resources).

    ``profile_svg``: an inline SVG to include (e.g. :func:`maps.profile.profile_svg`); by default
    it is made here, and left out when there is nothing to draw. Every roadbook text is escaped.
    """
    svg = _profile(ctx, layers) if profile_svg is None else profile_svg
    return to_html(roadbook_blocks(ctx, layers, cues=cues, stages=stages, profile_svg=svg), ctx.roadbook.route.name)


# ---------------------------------------------------------------------------------------------
# files
# ---------------------------------------------------------------------------------------------
def write_text_atomic(path: Path, text: str) -> Path:
    """Write UTF-8 text to ``path`` through a temporary file in the same folder + ``os.replace``."""
    with atomic_write(path, what="the roadbook", make_dirs=True) as f:
        f.write(safe_text(text))  # no raw control character or lone surrogate reaches the file
    return Path(path)


def write_roadbook(ctx: Calibration, layers: Mapping[str, gpd.GeoDataFrame], out_dir: Path, *,
                   cues: Sequence[Cue] = (), stages: Sequence[tuple[Stage, Sequence[Cue]]] = ()) -> list[Path]:
    """Write ``roadbook.md`` and ``roadbook.html`` into ``out_dir`` (each atomically).

    The roadbook is built once (:func:`roadbook_blocks`) and rendered twice; both texts are
    rendered before either file is written. ``cues``/``stages``: see :func:`roadbook_blocks`.
    """
    blocks = roadbook_blocks(ctx, layers, cues=cues, stages=stages, profile_svg=_profile(ctx, layers))
    md, page = to_markdown(blocks), to_html(blocks, ctx.roadbook.route.name)
    out = Path(out_dir)
    return [write_text_atomic(out / MD_NAME, md), write_text_atomic(out / HTML_NAME, page)]


__all__ = ["Block", "Gap", "Row", "Stop", "StretchRow", "longest_gap", "longest_gap_km",
           "render_html", "render_markdown", "roadbook_blocks", "roadbook_rows", "stretch_rows", "supply_stops",
           "to_html", "to_markdown", "write_roadbook"]
