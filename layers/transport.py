"""``transport``: buses, trains and taxis between places, with their timetables.

Each connection is drawn as straight lines from place to place (``from`` → ``via`` → ``to``):
a connection, not the road it takes. A service within one town (from == to) is a point.
Columns after the common ones: ``mode``, ``from_place``, ``to_place``, ``via`` (" → "-joined
place names), ``days``, ``depart`` / ``arrive`` ("HH:MM" local time), ``duration``,
``price`` (float, null), ``currency``, ``price_note``, ``phones`` (", "-joined), ``valid``
(date of the information), ``caveat``, ``timetable`` (one readable line with all of it).
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
from shapely import LineString, Point

from layers._common import make_gdf
from layers.calibration import Calibration
from roadbook.schema import Transport

COLUMNS = ("mode", "from_place", "to_place", "via", "days", "depart", "arrive", "duration", "price",
           "currency", "price_note", "phones", "valid", "caveat", "timetable")


def timetable_line(t: Transport, names: dict[str, str]) -> str:
    """One line: ``bus Golmud → Huatugou · daily · dep 09:30 · arr 16:30 · 94 CNY · ☎ ...``."""
    parts = [f"{t.mode.replace('_', ' ')} " + " → ".join(names[p] for p in (t.from_place, *t.via, t.to_place))]
    if t.days:
        parts.append(t.days)
    if t.depart:
        parts.append(f"dep {t.depart}")
    if t.arrive:
        parts.append(f"arr {t.arrive}")
    if t.duration:
        parts.append(t.duration)
    if t.price:
        p = f"{t.price.amount:g} {t.price.currency}"
        if t.price.per:
            p += f" {t.price.per}"
        if t.price.note:
            p += f" ({t.price.note})"
        parts.append(p)
    if t.phones:
        parts.append("tel. " + ", ".join(t.phones))
    if t.valid:
        parts.append(f"as of {t.valid}")
    return " · ".join(parts)


def build(ctx: Calibration) -> gpd.GeoDataFrame:
    rb = ctx.roadbook
    names = {pid: p.name for pid, p in rb.places.items()}
    rows: list[dict[str, Any]] = []
    for t in rb.transport:
        stops = [rb.places[p] for p in (t.from_place, *t.via, t.to_place)]
        pts = [(p.lon, p.lat) for p in stops if p.lon is not None and p.lat is not None]
        unique = list(dict.fromkeys(pts))
        if not unique:
            continue
        geom = Point(unique[0]) if len(unique) == 1 else LineString(pts)
        rows.append({
            "kind": t.mode, "km": None, "km_pos": None, "along_m": None,
            "name": f"{t.mode.replace('_', ' ')}: {names[t.from_place]} → {names[t.to_place]}",
            "note": t.note, "source": rb.source_label(t.source), "side": None, "confidence": "medium",
            "located_by": "place", "mode": t.mode, "from_place": names[t.from_place],
            "to_place": names[t.to_place], "via": " → ".join(names[v] for v in t.via),
            "days": t.days, "depart": t.depart, "arrive": t.arrive, "duration": t.duration,
            "price": t.price.amount if t.price else None,
            "currency": t.price.currency if t.price else None,
            "price_note": (t.price.note or t.price.per) if t.price else None,
            "phones": ", ".join(t.phones), "valid": t.valid, "caveat": t.caveat,
            "timetable": timetable_line(t, names), "geometry": geom,
        })
    gdf = make_gdf("transport", rows, COLUMNS)
    gdf["price"] = gdf["price"].astype("float64")
    return gdf
