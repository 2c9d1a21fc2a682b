"""``checkpoints``: police / security checkpoints as points.

Columns after the common ones: ``rules`` (the dated restrictions that apply at every checkpoint,
``applies_to: checkpoints`` in the roadbook). ``km`` is null for checkpoints the source gives no
km for (``located_by`` then says how they were placed: ``place`` or ``between``).
"""

from __future__ import annotations

import geopandas as gpd

from layers._common import event_rows, make_gdf
from layers.calibration import Calibration

KINDS = frozenset({"checkpoint"})
COLUMNS = ("rules",)


def build(ctx: Calibration) -> gpd.GeoDataFrame:
    rules = "\n".join(f"[{r.date}] {r.note}" for r in ctx.roadbook.restrictions if r.applies_to == "checkpoints")
    rows = [{**r, "rules": rules} for r in event_rows(ctx, [e for e in ctx.roadbook.events if e.kind in KINDS])]
    return make_gdf("checkpoints", rows, COLUMNS)
