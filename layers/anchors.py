"""The ``anchors`` layer: one point per anchor the calibration used, on the line, with residuals.

Columns after the common ones: ``offset_m`` (distance of the anchor's point from the line, m),
``loo_km`` (leave-one-out residual, road km), ``scale_after`` (road km per line km to the next
anchor).
"""

from __future__ import annotations

import geopandas as gpd
from shapely import Point

from layers._common import make_gdf
from layers.calibration import Calibration

COLUMNS = ("offset_m", "loo_km", "scale_after")


def build(ctx: Calibration) -> gpd.GeoDataFrame:
    """One point per anchor, on the line, with its residuals."""
    rows = []
    by_label = {a.label: a for a in ctx.chainage.anchors}
    for res in ctx.chainage.residuals():
        lon, lat = ctx.line.interpolate(res.along_m)
        a = by_label[res.label]
        rows.append({
            "kind": "anchor", "km": res.km, "km_pos": res.km, "along_m": round(res.along_m, 1),
            "name": f"{res.label} = km {res.km:g}", "note": a.source, "source": a.source,
            "confidence": a.confidence, "located_by": "coordinate",
            "offset_m": round(res.offset_m, 1),
            "loo_km": None if res.loo_km is None else round(res.loo_km, 3),
            "scale_after": None if res.scale_after is None else round(res.scale_after, 4),
            "geometry": Point(float(lon[0]), float(lat[0])),
        })
    gdf = make_gdf("anchors", rows, COLUMNS)
    for c in COLUMNS:
        gdf[c] = gdf[c].astype("float64")
    return gdf
