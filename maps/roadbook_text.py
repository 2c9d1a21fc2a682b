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
* :func:`render_markdown`, :func:`render_html`, :func:`write_roadbook`.

All text that comes from a roadbook (notes are untrusted internet text) is escaped: HTML-escaped
in the HTML page, backslash-escaped in the Markdown (so that ``<script>`` stays literal text in
any CommonMark renderer and a ``|`` cannot break a table).
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
from maps.files import atomic_write
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
        for rec in gdf.drop(columns=gdf.geometry.name).to_dict("records"):
            out.append((li, name, rec))
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


def roadbook_rows(layers: Mapping[str, gpd.GeoDataFrame]) -> list[Row]:
    """The km table: point items of checkpoints, road_events, camping and places (on the route).

    Sorted in the direction of travel (by ``along_m``; items at the same point: places first,
    then in layer order). ``next_km`` is the road km to the next item at a different position
    (further than :data:`SAME_KM`). Line / polygon features (camping zones) and places without
    ``km_pos`` (off the route) are left out. Pure: reads the layers only.
    """
    rank = {"places": 0, "checkpoints": 1, "road_events": 2, "camping": 3}
    items = []
    for layer, km_pos, rec in _placed_points(layers):
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


def supply_stops(layers: Mapping[str, gpd.GeoDataFrame]) -> list[Stop]:
    """Food / water stops on the route: events of :data:`SUPPLY_EVENT_KINDS` (any point layer)
    and places of :data:`SUPPLY_PLACE_KINDS` with a ``km_pos``."""
    out = []
    for layer, km_pos, rec in _placed_points(layers):
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
                end_km: float | None = None) -> Gap | None:
    """The longest stretch without food or water of a route, route start and end included.

    ``start_km``/``end_km`` (road km, direction of travel) default to the ends of the ``route``
    layer; None when neither is known.
    """
    ends = route_ends(layers)
    s = start_km if start_km is not None else (ends[0] if ends else None)
    e = end_km if end_km is not None else (ends[1] if ends else None)
    if s is None or e is None:
        return None
    return longest_gap_km(supply_stops(layers), Stop(s, "route start"), Stop(e, "route end"))


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


def _source_line(s: Any) -> str:
    bits = [s.title]
    if s.author:
        bits.append(f"by {s.author}")
    if s.date:
        bits.append(s.date)
    line = f"{s.id}: " + ", ".join(bits) + f" — licence: {s.licence}"
    if s.url:
        line += f" — {s.url}"
    return line


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
    return _MD_SPECIAL.sub(r"\\\1", text)


def md_cell(text: str) -> str:
    """A Markdown table cell: escaped, newlines as ``<br>``."""
    return "<br>".join(md_escape(line.strip()) for line in text.strip().splitlines())


def md_table(header: Sequence[str], rows: Iterable[Sequence[str]], align: str) -> list[str]:
    """Markdown pipe table; ``align`` has one of ``l``/``r`` per column; cells already escaped."""
    out = ["| " + " | ".join(header) + " |",
           "|" + "|".join("---:" if a == "r" else "---" for a in align) + "|"]
    out += ["| " + " | ".join(c if c else " " for c in r) + " |" for r in rows]
    return out


def _md_cues(cues: Sequence[Cue]) -> list[str]:
    return md_table(["km", "name (15)", "name (10)", "FIT type", "TCX type", "full note"],
                    ([f"{c.along_m / 1000:.1f}", md_escape(c.name), md_escape(c.name10), md_escape(c.fit),
                      md_escape(c.tcx), md_cell(c.note)] for c in cues), "rlllll")


def render_markdown(ctx: Calibration, layers: Mapping[str, gpd.GeoDataFrame], *,
                    cues: Sequence[Cue] = (), stages: Sequence[tuple[Stage, Sequence[Cue]]] = ()) -> str:
    """The roadbook as Markdown text (UTF-8). km are road km, distances road km.

    ``cues``: the cue card of the whole course (:func:`maps._course.cue_card`); ``stages``: the
    day stages with their own cue cards (distances from the stage start)."""
    rb = ctx.roadbook
    e = md_escape
    out: list[str] = [f"# {e(rb.route.name)}", ""]
    if ctx.schematic:
        out += [f"> **{e(SCHEMATIC_NOTICE)}**", ""]
    for k, v in _header_facts(ctx):
        out.append(f"- **{k}:** {e(v)}")
    out.append("")
    if rb.route.description:
        out += [e(rb.route.description), ""]
    out += ["## Sources", ""]
    out += [f"- {e(_source_line(s))}" for s in rb.sources.values()]
    out.append("")

    rows = roadbook_rows(layers)
    out += ["## Along the road", "",
            "km: as stated by the source; ≈ marks a km derived from a place or a range. "
            "Next: road km to the next item.", ""]
    out += md_table(["km", "next (km)", "what", "side", "note"],
                    ([e(r.km_label), fmt_dist(r.next_km), md_cell(r.what), e(r.side or ""), md_cell(r.note)]
                     for r in rows), "rrlll")
    out.append("")

    srows = stretch_rows(layers)
    out += ["## Stretches", ""]
    out += md_table(["from km", "to km", "length (km)", "what", "note"],
                    ([e(fmt_km(s.km, s.km_pos)), e(fmt_km(s.km_end, s.km_pos_end)), _len_text(s),
                      md_cell(s.what), md_cell(s.note)] for s in srows), "rrrll")
    out.append("")

    out += ["## Longest stretch without food or water", "", e(_gap_text(layers)), ""]
    if cues:
        out += ["## Cue card: what the bike computer announces", "", e(CUE_INTRO), ""]
        out += _md_cues(cues)
        out.append("")
    if stages:
        out += ["## Day stages", "", e(STAGES_INTRO), ""]
        out += md_table(["day", "from", "to", "km", "files", "why the day ends there"],
                        ([str(st.number), e(st.start_name), e(st.end_name), f"{st.length_m / 1000:.1f}",
                          e(st.stem) + ".gpx/.fit/.tcx", md_cell(st.how)] for st, _ in stages), "rllrll")
        out.append("")
        for st, sc in stages:
            out += [f"### Day {st.number}: {e(st.start_name)} → {e(st.end_name)} "
                    f"({st.length_m / 1000:.1f} km)", ""]
            out += _md_cues(sc) if sc else ["No course points on this stage."]
            out.append("")

    if rb.guidance:
        out += ["## Guidance", ""]
        for g in rb.guidance:
            out.append(f"- **{e(g.topic)}:** {md_cell(g.note)} *({e(rb.source_label(g.source))})*")
        out.append("")
    if rb.transport:
        out += ["## Transport", ""]
        for t in rb.transport:
            f = transport_fields(rb, t)
            out.append(f"### {e(_place_name(rb, t.from_place))} → {e(_place_name(rb, t.to_place))} "
                       f"({e(t.mode.replace('_', ' '))}, {e(t.id)})")
            out.append("")
            out += [f"- **{k}:** {md_cell(v)}" for k, v in f[3:]]
            out.append("")
    if rb.restrictions:
        out += ["## Restrictions (dated: such rules change)", ""]
        out += md_table(["date", "what", "where", "applies to", "note"],
                        ([e(r.date), e(r.kind.replace("_", " ")),
                          e(" ".join(x for x in (_place_name(rb, r.place), f"km {r.km:g}" if r.km is not None
                                                 else "") if x)),
                          md_cell(r.applies_to or ""), md_cell(f"{r.note} ({rb.source_label(r.source)})")]
                         for r in rb.restrictions), "lllll")
        out.append("")
    if rb.border_crossings:
        out += ["## Border crossings", ""]
        for b in rb.border_crossings:
            out += [f"### {e(b.name)}", ""]
            for label, lines in border_fields(rb, b):
                if len(lines) == 1:
                    out.append(f"- **{label}:** {md_cell(lines[0])}")
                else:
                    out.append(f"- **{label}:**")
                    out += [f"  - {md_cell(x)}" for x in lines]
            out.append("")
    off = _off_route_places(rb, layers)
    if off:
        out += ["## Places off the route", ""]
        for pid in off:
            p = rb.places[pid]
            head = p.name + (f" {p.name_zh}" if p.name_zh else "") + f" ({kind_label(p.kind, 'places')}"
            head += f", {_ele_m(p.ele)} — {p.ele_source or 'source not given'})" if p.ele is not None else ")"
            out.append(f"- **{e(head)}**")
            out += [f"  - {md_cell(n)}" for n in p.notes]
        out.append("")
    if ctx.warnings:
        out += ["## Build warnings", ""] + [f"- {e(w)}" for w in ctx.warnings] + [""]
    return "\n".join(out).rstrip() + "\n"


def _len_text(s: StretchRow) -> str:
    t = fmt_dist(s.length_km)
    if s.stated_length_km is not None and abs(s.stated_length_km - s.length_km) > 0.05:
        t += f" (stated {s.stated_length_km:g})"
    return t


def _gap_text(layers: Mapping[str, gpd.GeoDataFrame]) -> str:
    g = longest_gap(layers)
    if g is None:
        return "Unknown: the route's start and end km are not known."
    kinds = ", ".join(sorted(SUPPLY_EVENT_KINDS))
    base = (f"{g.length_km:.1f} km from km {g.from_km:.1f} ({g.from_name}) to km {g.to_km:.1f} ({g.to_name}). "
            f"Counted from {g.stops} stop(s) on the route: events of kind {kinds} and towns or cities "
            "on the route; start and end of the route included. Carry enough.")
    return base


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


def _html_table(header: Sequence[tuple[str, str]], rows: Iterable[tuple[str, Sequence[tuple[str, str]]]]) -> str:
    """``header``: (text, css class); ``rows``: (tr class, [(cell html, css class)])."""
    th = "".join(f'<th class="{c}">{h(t)}</th>' for t, c in header)
    body = "\n".join(f'<tr class="{rc}">' + "".join(f'<td class="{c}">{x}</td>' for x, c in cells) + "</tr>"
                     for rc, cells in rows)
    return f"<table>\n<thead><tr>{th}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>"


def _dl(pairs: Iterable[tuple[str, str]]) -> str:
    """A definition list; values are HTML already."""
    return "<dl>" + "".join(f"<dt>{h(k)}</dt><dd>{v}</dd>" for k, v in pairs) + "</dl>"


def _html_cues(cues: Sequence[Cue]) -> str:
    return _html_table(
        [("km", "n"), ("name (15)", ""), ("name (10)", ""), ("FIT type", ""), ("TCX type", ""), ("full note", "")],
        (("cue", [(f"{c.along_m / 1000:.1f}", "n"), (f"<b>{h(c.name)}</b>", ""), (h(c.name10), ""),
                  (h(c.fit), ""), (h(c.tcx), ""), (h(c.note), "note")]) for c in cues))


def render_html(ctx: Calibration, layers: Mapping[str, gpd.GeoDataFrame], profile_svg: str | None = None, *,
                cues: Sequence[Cue] = (), stages: Sequence[tuple[Stage, Sequence[Cue]]] = ()) -> str:
    """The roadbook as one self-contained, print-ready HTML page (A4; no external resources).

    ``profile_svg``: an inline SVG to include (e.g. :func:`maps.profile.profile_svg`); by default
    it is made here, and left out when there is nothing to draw. Every roadbook text is escaped.
    """
    rb = ctx.roadbook
    if profile_svg is None:
        from maps.profile import profile_svg as make_svg
        profile_svg = make_svg(ctx, layers)
    parts: list[str] = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{h(rb.route.name)} — roadbook</title>", f"<style>{_CSS}</style></head><body>",
        f"<h1>{h(rb.route.name)}</h1>",
    ]
    if ctx.schematic:
        parts.append(f'<p class="schematic">{h(SCHEMATIC_NOTICE)}</p>')
    parts.append(_dl((k, h(v)) for k, v in _header_facts(ctx)))
    if rb.route.description:
        parts.append(f"<p>{h(rb.route.description)}</p>")
    parts.append("<h2>Sources</h2><ul class=\"small\">")
    for s in rb.sources.values():
        bits = [s.title] + ([f"by {s.author}"] if s.author else []) + ([s.date] if s.date else [])
        li = f"<li><b>{h(s.id)}</b>: {h(', '.join(bits))} — licence: {h(s.licence)}"
        if s.url:
            li += f" — {_link(s.url)}"
        parts.append(li + "</li>")
    parts.append("</ul>")

    parts.append("<h2>Along the road</h2><p class=\"small\">km: as stated by the source; ≈ marks a km derived "
                 "from a place or a range. Next: road km to the next item.</p>")
    parts.append(_html_table(
        [("km", "n"), ("next (km)", "n"), ("what", ""), ("side", ""), ("note", "")],
        ((f"{h(r.layer)} {h(r.kind)}" + (" place" if r.layer == "places" else ""),
          [(h(r.km_label), "n"), (h(fmt_dist(r.next_km)), "n"),
           (f"<b>{h(r.name)}</b><br><span class=\"small\">{h(kind_label(r.kind, r.layer))}</span>", ""),
           (h(r.side or ""), ""), (h(r.note), "note")])
         for r in roadbook_rows(layers))))

    parts.append("<h2>Stretches</h2>")
    parts.append(_html_table(
        [("from km", "n"), ("to km", "n"), ("length (km)", "n"), ("what", ""), ("note", "")],
        ((h(s.kind),
          [(h(fmt_km(s.km, s.km_pos)), "n"), (h(fmt_km(s.km_end, s.km_pos_end)), "n"), (h(_len_text(s)), "n"),
           (f"<b>{h(s.name)}</b><br><span class=\"small\">{h(kind_label(s.kind, s.layer))}</span>", ""),
           (h(s.note), "note")])
         for s in stretch_rows(layers))))

    parts.append(f"<h2>Longest stretch without food or water</h2><p class=\"gap\">{h(_gap_text(layers))}</p>")
    if cues:
        parts.append(f"<h2>Cue card: what the bike computer announces</h2><p class=\"small\">{h(CUE_INTRO)}</p>")
        parts.append(_html_cues(cues))
    if stages:
        parts.append(f"<h2>Day stages</h2><p class=\"small\">{h(STAGES_INTRO)}</p>")
        parts.append(_html_table(
            [("day", "n"), ("from", ""), ("to", ""), ("km", "n"), ("files", ""), ("why the day ends there", "")],
            (("", [(str(st.number), "n"), (h(st.start_name), ""), (h(st.end_name), ""),
                   (f"{st.length_m / 1000:.1f}", "n"), (h(st.stem) + ".gpx/.fit/.tcx", ""), (h(st.how), "note")])
             for st, _ in stages)))
        for st, sc in stages:
            parts.append(f"<h3>Day {st.number}: {h(st.start_name)} → {h(st.end_name)} "
                         f"({st.length_m / 1000:.1f} km)</h3>")
            parts.append(_html_cues(sc) if sc else "<p>No course points on this stage.</p>")
    if profile_svg:
        parts.append(f"<h2>Elevation</h2><div class=\"profile\">{profile_svg}</div>")

    if rb.guidance:
        parts.append("<h2>Guidance</h2><ul>")
        parts += [f"<li><b>{h(g.topic)}:</b> {h(g.note)} <span class=\"small\">({h(rb.source_label(g.source))})"
                  "</span></li>" for g in rb.guidance]
        parts.append("</ul>")
    if rb.transport:
        parts.append("<h2>Transport</h2>")
        for t in rb.transport:
            f = transport_fields(rb, t)
            parts.append(f"<h3>{h(_place_name(rb, t.from_place))} → {h(_place_name(rb, t.to_place))} "
                         f"<span class=\"small\">({h(t.mode.replace('_', ' '))}, {h(t.id)})</span></h3>")
            parts.append(_dl((k, h(v)) for k, v in f[3:]))
    if rb.restrictions:
        parts.append("<h2>Restrictions <span class=\"small\">(dated: such rules change)</span></h2>")
        parts.append(_html_table(
            [("date", ""), ("what", ""), ("where", ""), ("applies to", ""), ("note", "")],
            (("", [(h(r.date), ""), (h(r.kind.replace("_", " ")), ""),
                   (h(" ".join(x for x in (_place_name(rb, r.place), f"km {r.km:g}" if r.km is not None else "")
                               if x)), ""),
                   (h(r.applies_to or ""), ""), (f"{h(r.note)} <span class=\"small\">({h(rb.source_label(r.source))})"
                                                 "</span>", "note")])
             for r in rb.restrictions)))
    if rb.border_crossings:
        parts.append("<h2>Border crossings</h2>")
        for b in rb.border_crossings:
            parts.append(f"<h3>{h(b.name)}</h3>")
            parts.append(_dl((label, h(lines[0]) if len(lines) == 1 else
                              "<ul>" + "".join(f"<li>{h(x)}</li>" for x in lines) + "</ul>")
                             for label, lines in border_fields(rb, b)))
    off = _off_route_places(rb, layers)
    if off:
        parts.append("<h2>Places off the route</h2><ul>")
        for pid in off:
            p = rb.places[pid]
            head = p.name + (f" {p.name_zh}" if p.name_zh else "")
            sub = kind_label(p.kind, "places") + (f", {_ele_m(p.ele)} — {p.ele_source or 'source not given'}"
                                        if p.ele is not None else "")
            notes = "".join(f"<li>{h(n)}</li>" for n in p.notes)
            parts.append(f"<li><b>{h(head)}</b> <span class=\"small\">({h(sub)})</span>"
                         + (f"<ul>{notes}</ul>" if notes else "") + "</li>")
        parts.append("</ul>")
    if ctx.warnings:
        parts.append("<h2>Build warnings</h2><ul class=\"small\">")
        parts += [f"<li>{h(w)}</li>" for w in ctx.warnings]
        parts.append("</ul>")
    parts.append("<p class=\"small\">Made by kmpost. Road km as painted on the posts; check every fact on the "
                 "road: such information changes.</p></body></html>")
    return "\n".join(parts) + "\n"


# ---------------------------------------------------------------------------------------------
# files
# ---------------------------------------------------------------------------------------------
def write_text_atomic(path: Path, text: str) -> Path:
    """Write UTF-8 text to ``path`` through a temporary file in the same folder + ``os.replace``."""
    with atomic_write(path, what="the roadbook", make_dirs=True) as f:
        f.write(text)
    return Path(path)


def write_roadbook(ctx: Calibration, layers: Mapping[str, gpd.GeoDataFrame], out_dir: Path, *,
                   cues: Sequence[Cue] = (), stages: Sequence[tuple[Stage, Sequence[Cue]]] = ()) -> list[Path]:
    """Write ``roadbook.md`` and ``roadbook.html`` into ``out_dir`` (each atomically).

    Both texts are rendered before either file is written. ``cues``/``stages``: see
    :func:`render_markdown`.
    """
    md = render_markdown(ctx, layers, cues=cues, stages=stages)
    page = render_html(ctx, layers, cues=cues, stages=stages)
    out = Path(out_dir)
    return [write_text_atomic(out / MD_NAME, md), write_text_atomic(out / HTML_NAME, page)]


__all__ = ["Gap", "Row", "Stop", "StretchRow", "longest_gap", "longest_gap_km",
           "render_html", "render_markdown", "roadbook_rows", "stretch_rows", "supply_stops",
           "write_roadbook"]
