"""``places``: towns, sites and landmarks of the roadbook with a known coordinate (or km).

Columns after the common ones: ``place_id``, ``place_kind``, ``aliases`` (" / "-joined),
``name_zh``, ``ele`` (metres, null), ``ele_source``, ``coord_source``, ``licence`` (of the
coordinate, e.g. "CC BY 4.0, GeoNames.org"), ``on_route`` (bool), ``offset_m`` (distance from the
route line, metres), ``restricted`` (bool: foreigners may not stay overnight, or the site is
closed), ``restrictions`` (text of those restrictions, dated).
``km`` is the place's stated km (usually null); ``km_pos`` the road km of the nearest route
point when the place lies within :data:`layers.calibration.NEAR_ROUTE_M` of the line, else null.
Places without coordinate or km (a pass nobody surveyed) are not drawn: they stay in the roadbook.
"""

from __future__ import annotations

import geopandas as gpd
from shapely import Point

from layers._common import make_gdf, round_km
from layers.calibration import Calibration

RESTRICTING = frozenset({"no_overnight_foreigners", "closed_site"})
COLUMNS = ("place_id", "place_kind", "aliases", "name_zh", "ele", "ele_source", "coord_source",
           "licence", "on_route", "offset_m", "restricted", "restrictions")


def build(ctx: Calibration) -> gpd.GeoDataFrame:
    rb = ctx.roadbook
    rows = []
    for p in rb.places.values():
        if p.lat is not None and p.lon is not None:
            lon, lat = p.lon, p.lat
            km_pos, along, offset = ctx.near_route(lon, lat)
            located = "coordinate"
        elif p.km is not None:
            along = float(ctx.chainage.km_to_along(p.km, f"{rb.path}: places.{p.id}.km")[0])
            lo, la = ctx.line.interpolate(along)
            lon, lat, km_pos, offset, located = float(lo[0]), float(la[0]), p.km, 0.0, "km"
        else:
            continue
        restr = [r for r in rb.restrictions if r.place == p.id]
        rows.append({
            "kind": p.kind, "km": p.km,
            "km_pos": round_km(km_pos),
            "along_m": None if along is None else round(along, 1),
            "name": p.name, "note": "\n".join(p.notes),
            "source": rb.source_label(p.source) if p.source else (p.coord_source or ""),
            "side": None, "confidence": p.confidence, "located_by": located,
            "place_id": p.id, "place_kind": p.kind, "aliases": " / ".join(p.aliases),
            "name_zh": p.name_zh, "ele": p.ele, "ele_source": p.ele_source,
            "coord_source": p.coord_source, "licence": p.licence, "on_route": p.on_route,
            "offset_m": round(offset, 1),
            "restricted": any(r.kind in RESTRICTING for r in restr),
            "restrictions": "\n".join(f"[{r.date}] {r.note}" for r in restr),
            "geometry": Point(lon, lat),
        })
    gdf = make_gdf("places", rows, COLUMNS)
    gdf["ele"] = gdf["ele"].astype("float64")
    gdf["offset_m"] = gdf["offset_m"].astype("float64")
    return gdf
