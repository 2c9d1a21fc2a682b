"""``camping``: camping spots (points) and camping zones (corridor polygons along the route).

Columns after the common ones (zones also fill ``km_end``, ``km_pos_end``, ``along_m_end``):
``guidance`` (str): the roadbook's general camping advice, attached to every camping feature.
Zones are drawn as a corridor of :data:`ZONE_HALF_WIDTH_M` either side of the route.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np

from layers._common import LINE_COLUMNS, event_rows, make_gdf, round_km, stretch_range
from layers.calibration import Calibration

POINT_KINDS = frozenset({"camping"})
ZONE_KINDS = frozenset({"camping_zone"})
ZONE_HALF_WIDTH_M = 2000.0
COLUMNS = (*LINE_COLUMNS, "guidance")


def guidance_text(ctx: Calibration, topic: str = "camping") -> str:
    """All guidance notes of a topic, joined by blank lines."""
    return "\n\n".join(g.note for g in ctx.roadbook.guidance if g.topic == topic)


def build(ctx: Calibration) -> gpd.GeoDataFrame:
    guide = guidance_text(ctx)
    rows = [{**r, "guidance": guide}
            for r in event_rows(ctx, [e for e in ctx.roadbook.events if e.kind in POINT_KINDS])]
    for st in ctx.roadbook.stretches:
        if st.kind not in ZONE_KINDS:
            continue
        k0, k1, located = stretch_range(ctx, st)
        a = ctx.chainage.km_to_along(np.array([k0, k1]))
        rows.append({
            "kind": st.kind, "km": st.from_km, "km_pos": round_km(k0), "along_m": round(float(a.min()), 1),
            "km_end": st.to_km, "km_pos_end": round_km(k1), "along_m_end": round(float(a.max()), 1),
            "name": st.name, "note": st.note, "source": ctx.roadbook.source_label(st.source),
            "side": "both", "confidence": st.confidence, "located_by": located, "guidance": guide,
            "geometry": ctx.line.buffer_substring(float(a.min()), float(a.max()), ZONE_HALF_WIDTH_M),
        })
    return make_gdf("camping", rows, COLUMNS)
