"""``restrictions``: rules for travellers, each dated because such rules change.

Towns where foreigners may not stay overnight, closed sites, no photos at checkpoints, health
checks, police registration. A restriction is drawn at its place or at its km; one with neither
applies to the whole route (or, with ``applies_to: checkpoints``, to every checkpoint: the
checkpoints layer repeats its text) and has no geometry: it is listed in the roadbook text, the
map's notice panel and the GPX metadata.
Columns after the common ones: ``restriction`` (the restriction kind), ``date`` (when the
information was true), ``place`` (place name or null), ``applies_to``.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
from shapely import Point

from layers._common import make_gdf, round_km
from layers.calibration import Calibration

COLUMNS = ("restriction", "date", "place", "applies_to")


def build(ctx: Calibration) -> gpd.GeoDataFrame:
    rb = ctx.roadbook
    rows: list[dict[str, Any]] = []
    for r in rb.restrictions:
        base = {"kind": r.kind, "km": r.km, "name": r.kind.replace("_", " "), "note": r.note,
                "source": rb.source_label(r.source), "side": None, "confidence": "medium",
                "restriction": r.kind, "date": r.date, "applies_to": r.applies_to, "place": None}
        if r.place is not None:
            p = rb.places[r.place]
            base["name"] = f"{p.name}: {r.kind.replace('_', ' ')}"
            base["place"] = p.name
        placed: list[dict[str, Any]] = []
        if r.km is not None:
            along = float(ctx.chainage.km_to_along(r.km, f"{rb.path}: restrictions ({r.kind}).km")[0])
            lon, lat = ctx.line.interpolate(along)
            placed.append({"km_pos": round_km(r.km), "along_m": round(along, 1), "located_by": "km",
                           "geometry": Point(float(lon[0]), float(lat[0]))})
        elif r.place is not None and rb.places[r.place].lon is not None:
            p = rb.places[r.place]
            assert p.lon is not None and p.lat is not None
            km_pos, along_near, _ = ctx.near_route(p.lon, p.lat)
            placed.append({"km_pos": round_km(km_pos),
                           "along_m": None if along_near is None else round(along_near, 1),
                           "located_by": "coordinate", "geometry": Point(p.lon, p.lat)})
        if not placed:
            placed.append({"km_pos": None, "along_m": None, "located_by": "route", "geometry": None})
        rows.extend({**base, **p} for p in placed)
    gdf = make_gdf("restrictions", rows, COLUMNS)
    if len(gdf):
        gdf["km_pos"] = gdf["km_pos"].astype("float64")
        gdf["along_m"] = gdf["along_m"].astype("float64")
    return gdf
