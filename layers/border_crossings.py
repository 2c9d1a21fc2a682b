"""``border_crossings``: border crossings with everything a traveller needs to know, as attributes.

One feature per crossing at its place, plus one per located point of a crossing (gate, customs
office, the other side's post) when the point names a ``place`` or an ``offset_km`` from the
crossing along the route. Columns after the common ones: ``crossing_id``, ``role`` (``crossing``
or ``point``), ``countries`` ("CN–KZ"), ``opening``, ``closed``, ``points``, ``agencies``,
``documents``, ``options``, ``alternatives`` (each a readable multi-line text: "name — attrs —
note" per item), ``date``.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
from shapely import Point

from layers._common import make_gdf, round_km
from layers.calibration import Calibration
from roadbook.schema import BorderCrossing, NamedItem

COLUMNS = ("crossing_id", "role", "countries", "opening", "closed", "points", "agencies", "documents",
           "options", "alternatives", "date")


def item_text(item: NamedItem, names: dict[str, str]) -> str:
    """``name — key: value; ... — note`` with place ids shown as place names."""
    attrs = "; ".join(f"{k.replace('_', ' ')}: {names.get(v, v) if k == 'place' else v}" for k, v in item.attrs)
    return " — ".join(x for x in (item.name, attrs, item.note) if x)


def _texts(b: BorderCrossing, names: dict[str, str]) -> dict[str, str]:
    return {key: "\n".join(item_text(i, names) for i in getattr(b, key))
            for key in ("points", "agencies", "documents", "options", "alternatives")}


def build(ctx: Calibration) -> gpd.GeoDataFrame:
    rb = ctx.roadbook
    names = {pid: p.name for pid, p in rb.places.items()}
    rows: list[dict[str, Any]] = []
    for b in rb.border_crossings:
        place = rb.places[b.place]
        if place.lon is None or place.lat is None:
            continue
        km_here, along_here, _ = ctx.near_route(place.lon, place.lat)
        common = {"km": None, "source": rb.source_label(b.source), "side": None, "confidence": place.confidence,
                  "crossing_id": b.id, "countries": "–".join(b.countries), "opening": b.opening,
                  "closed": "; ".join(b.closed), "date": b.date, **_texts(b, names)}
        rows.append({**common, "kind": "border_crossing", "role": "crossing", "name": b.name, "note": b.note,
                     "km_pos": round_km(km_here),
                     "along_m": None if along_here is None else round(along_here, 1),
                     "located_by": "coordinate", "geometry": Point(place.lon, place.lat)})
        for item in b.points:
            attrs = dict(item.attrs)
            if "place" in attrs and rb.places[attrs["place"]].lon is not None:
                if attrs["place"] == b.place:
                    continue  # the crossing's own feature already stands there
                p = rb.places[attrs["place"]]
                assert p.lon is not None and p.lat is not None
                geom, km_pos, located = Point(p.lon, p.lat), None, "coordinate"
            elif "offset_km" in attrs and km_here is not None:
                try:
                    km_pos = km_here + float(attrs["offset_km"])
                except ValueError:
                    continue
                along = float(ctx.chainage.km_to_along(km_pos, f"{rb.path}: border_crossings.{b.id}.points")[0])
                lon, lat = ctx.line.interpolate(along)
                geom, located = Point(float(lon[0]), float(lat[0])), "place"
            else:
                continue
            rows.append({**common, "kind": "border_point", "role": "point", "name": f"{b.name}: {item.name}",
                         "note": item.note or item.name, "km_pos": round_km(km_pos),
                         "along_m": None, "located_by": located, "geometry": geom})
    return make_gdf("border_crossings", rows, COLUMNS)
