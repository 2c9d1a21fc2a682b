"""``checkpoints``: police / security checkpoints as points.

Columns: the common ones only. ``km`` is null for checkpoints the source gives no km for
(``located_by`` then says how they were placed: ``place`` or ``between``).
"""

from __future__ import annotations

import geopandas as gpd

from layers._common import make_gdf
from layers.route import RouteContext, event_row

KINDS = frozenset({"checkpoint"})
COLUMNS: tuple[str, ...] = ()


def build(ctx: RouteContext) -> gpd.GeoDataFrame:
    rows = [event_row(ctx, e) for e in ctx.roadbook.events if e.kind in KINDS]
    return make_gdf("checkpoints", rows, COLUMNS)
