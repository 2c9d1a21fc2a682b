"""The ``route`` layer: the calibrated line of the route as one feature.

Columns after the common ones: ``km_end``, ``km_pos_end``, ``along_m_end``, ``schematic`` (bool),
``track_source`` (str), ``notice`` (str: the schematic notice or where the geometry comes from).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from shapely import LineString

from layers._common import LINE_COLUMNS, make_gdf, round_km
from layers.calibration import SCHEMATIC_NOTICE, Calibration

COLUMNS = (*LINE_COLUMNS, "schematic", "track_source", "notice")


def build(ctx: Calibration) -> gpd.GeoDataFrame:
    """The route line as one feature (full resolution; exporters simplify what they draw)."""
    lo, hi = ctx.chainage.km_range
    rb = ctx.roadbook
    notice = SCHEMATIC_NOTICE if ctx.schematic else f"Route geometry from {ctx.track.source}."
    start_km, end_km = (lo, hi) if ctx.chainage.km_increasing else (hi, lo)
    row = {
        "kind": "route", "km": None, "km_pos": round_km(start_km), "along_m": 0.0,
        "name": rb.route.name, "note": rb.route.description or rb.route.name,
        "source": "; ".join(rb.source_label(s) for s in rb.sources), "side": None,
        "confidence": "low" if ctx.schematic else "high", "located_by": "route",
        "km_end": None, "km_pos_end": round_km(end_km), "along_m_end": ctx.line.length_m,
        "schematic": ctx.schematic, "track_source": ctx.track.source, "notice": notice,
        "geometry": LineString(np.column_stack([ctx.line.lon, ctx.line.lat])),
    }
    return make_gdf("route", [row], COLUMNS)
