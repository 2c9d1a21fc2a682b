"""``road_events``: point events on the road other than checkpoints and camping spots.

Downhill signs and starts, turn-offs, signs, the nature park, highway starts/ends, bridges,
water, food, transport changes, ... Columns after the common ones: ``length_km`` (float, null:
the announced length of a downhill/climb).
"""

from __future__ import annotations

import geopandas as gpd

from layers import camping, checkpoints
from layers._common import event_rows, make_gdf
from layers.calibration import Calibration

COLUMNS = ("length_km",)


def build(ctx: Calibration) -> gpd.GeoDataFrame:
    skip = checkpoints.KINDS | camping.POINT_KINDS
    evs = [e for e in ctx.roadbook.events if e.kind not in skip]
    rows = [{**r, "length_km": e.length_km} for e, r in zip(evs, event_rows(ctx, evs), strict=True)]
    return make_gdf("road_events", rows, COLUMNS)
