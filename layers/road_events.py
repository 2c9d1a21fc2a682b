"""``road_events``: point events on the road other than checkpoints and camping spots.

Downhill signs and starts, turn-offs, signs, the nature park, highway starts/ends, bridges,
water, food, transport changes, ... Columns after the common ones: ``length_km`` (float, null:
the announced length of a downhill/climb).
"""

from __future__ import annotations

import geopandas as gpd

from layers import camping, checkpoints
from layers._common import event_row, make_gdf
from layers.calibration import Calibration

COLUMNS = ("length_km",)


def build(ctx: Calibration) -> gpd.GeoDataFrame:
    skip = checkpoints.KINDS | camping.POINT_KINDS
    rows = []
    for e in ctx.roadbook.events:
        if e.kind not in skip:
            rows.append({**event_row(ctx, e), "length_km": e.length_km})
    return make_gdf("road_events", rows, COLUMNS)
