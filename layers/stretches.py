"""``stretches``: km ranges along the route that are not highway/old-road parallels or camping.

Downhills (with their length), climbs, no-services stretches, hazards, drawn on the route line.
Columns after the common ones: ``km_end``, ``km_pos_end``, ``along_m_end``, ``length_km``.
"""

from __future__ import annotations

import geopandas as gpd

from layers import camping, parallels
from layers._common import LINE_COLUMNS, make_gdf, stretch_row
from layers.calibration import Calibration

COLUMNS = (*LINE_COLUMNS, "length_km")


def build(ctx: Calibration) -> gpd.GeoDataFrame:
    skip = camping.ZONE_KINDS | parallels.KINDS
    rows = [{**stretch_row(ctx, s), "length_km": s.length_km}
            for s in ctx.roadbook.stretches if s.kind not in skip]
    return make_gdf("stretches", rows, COLUMNS)
