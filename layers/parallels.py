"""``parallels``: the new highway and the old road drawn as two lines side by side.

Where the roadbook has a ``parallel`` stretch, the old road is drawn :data:`OFFSET_M` to the
right of the route and the highway the same distance to the left, so both stay visible. Highway
stretches (``highway``, ``highway_open``, ``highway_built_closed``) are drawn on the highway side;
``resurfacing`` and ``old_road`` on the old-road side. Parts of a ``parallel`` stretch not covered
by any highway stretch get a highway line of status ``unknown``.

Columns after the common ones: ``km_end``, ``km_pos_end``, ``along_m_end``,
``role`` (``highway`` | ``old_road``), ``status`` (``open`` | ``built_not_open`` | ``unknown`` |
``parallel`` | ``resurfacing`` | ``old_road``), ``cycling`` (advice: ``good`` | ``avoid`` |
``unknown``), ``offset_m`` (signed sideways offset of the drawn line, metres, + = left).
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np

from layers._common import LINE_COLUMNS, make_gdf, round_km, stretch_range
from layers.calibration import Calibration

OFFSET_M = 250.0
HIGHWAY_KINDS = {"highway": "unknown", "highway_open": "open", "highway_built_closed": "built_not_open"}
OLD_ROAD_KINDS = {"parallel": "parallel", "old_road": "old_road", "resurfacing": "resurfacing"}
KINDS = frozenset(HIGHWAY_KINDS) | frozenset(OLD_ROAD_KINDS)
COLUMNS = (*LINE_COLUMNS, "role", "status", "cycling", "offset_m")

_CYCLING = {"open": "avoid", "built_not_open": "good", "unknown": "unknown",
            "parallel": "good", "old_road": "good", "resurfacing": "avoid"}


def _row(ctx: Calibration, *, kind: str, k0: float, k1: float, km: float | None, km_end: float | None,
         role: str, status: str, name: str, note: str, source: str, confidence: str,
         located_by: str) -> dict[str, Any]:
    offset = OFFSET_M if role == "highway" else -OFFSET_M
    a = ctx.chainage.km_to_along(np.array([k0, k1]))
    a0, a1 = float(a.min()), float(a.max())
    return {
        "kind": kind, "km": km, "km_pos": round_km(k0), "along_m": round(a0, 1),
        "km_end": km_end, "km_pos_end": round_km(k1), "along_m_end": round(a1, 1),
        "name": name, "note": note, "source": source, "side": "left" if role == "highway" else "right",
        "confidence": confidence, "located_by": located_by, "role": role, "status": status,
        "cycling": _CYCLING[status], "offset_m": offset,
        "geometry": ctx.line.offset_substring(a0, a1, offset),
    }


def _uncovered(lo: float, hi: float, covered: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Parts of [lo, hi] not inside any of ``covered`` (all as (min, max)).

    >>> _uncovered(0, 10, [(2, 4), (3, 6)])
    [(0, 2), (6, 10)]
    """
    out, cur = [], lo
    for a, b in sorted(covered):
        if b <= cur or a >= hi:
            continue
        if a > cur:
            out.append((cur, a))
        cur = max(cur, b)
    if cur < hi:
        out.append((cur, hi))
    return out


def build(ctx: Calibration) -> gpd.GeoDataFrame:
    rows: list[dict[str, Any]] = []
    highway_ranges: list[tuple[float, float]] = []
    parallel: list[tuple[float, float, Any]] = []
    for st in ctx.roadbook.stretches:
        if st.kind not in KINDS:
            continue
        k0, k1, located = stretch_range(ctx, st)
        common: dict[str, Any] = {
            "kind": st.kind, "k0": k0, "k1": k1, "km": st.from_km, "km_end": st.to_km, "name": st.name,
            "note": st.note, "source": ctx.roadbook.source_label(st.source), "confidence": st.confidence,
            "located_by": located}
        if st.kind in HIGHWAY_KINDS:
            rows.append(_row(ctx, role="highway", status=HIGHWAY_KINDS[st.kind], **common))
            highway_ranges.append((min(k0, k1), max(k0, k1)))
        else:
            rows.append(_row(ctx, role="old_road", status=OLD_ROAD_KINDS[st.kind], **common))
            if st.kind == "parallel":
                parallel.append((k0, k1, st))
    for k0, k1, st in parallel:
        for a, b in _uncovered(min(k0, k1), max(k0, k1), highway_ranges):
            s0, s1 = (a, b) if ctx.chainage.km_increasing else (b, a)
            rows.append(_row(ctx, kind="highway", k0=s0, k1=s1, km=None, km_end=None, role="highway",
                             status="unknown", name="New highway (parallel, status not stated)",
                             note=st.note, source=ctx.roadbook.source_label(st.source),
                             confidence="low", located_by="km"))
    rows.sort(key=lambda r: (r["along_m"], r["role"]))
    return make_gdf("parallels", rows, COLUMNS)
