"""What every layer shares: the common columns, a GeoDataFrame factory and the rows of events
and stretches placed by road km.

Every layer builder returns a GeoDataFrame in EPSG:4326 whose first columns are :data:`COLUMNS`
(in that order), then the layer's own columns (documented in the layer module), then geometry.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.errors import RouteError
from layers.calibration import Calibration
from roadbook.schema import Event, Stretch

#: Common columns of every layer, in order. See DESIGN.md for their meaning and units.
COLUMNS: tuple[str, ...] = (
    "layer", "kind", "km", "km_pos", "along_m", "name", "note", "source", "side",
    "confidence", "located_by",
)
#: Extra columns of line features (range ends).
LINE_COLUMNS: tuple[str, ...] = ("km_end", "km_pos_end", "along_m_end")

_FLOAT = {"km", "km_pos", "along_m", "km_end", "km_pos_end", "along_m_end"}


def make_gdf(layer: str, rows: Sequence[dict[str, Any]], extra: Sequence[str] = ()) -> gpd.GeoDataFrame:
    """Build a layer GeoDataFrame with a fixed column order, even when ``rows`` is empty.

    Each row is a dict with the common columns (missing ones become null), the ``extra`` columns
    and ``geometry`` (shapely, lon/lat).
    """
    cols = [*COLUMNS, *extra]
    data: dict[str, list[Any]] = {c: [] for c in cols}
    geoms = []
    for r in rows:
        unknown = set(r) - set(cols) - {"geometry"}
        if unknown:
            raise ValueError(f"layer {layer}: unexpected columns {sorted(unknown)}")
        for c in cols:
            data[c].append(layer if c == "layer" else r.get(c))
        geoms.append(r["geometry"])
    df = pd.DataFrame(data, columns=cols)
    for c in cols:
        if c in _FLOAT:
            df[c] = pd.to_numeric(df[c], errors="raise").astype("float64")
    return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geoms, crs="EPSG:4326"), crs="EPSG:4326")


def round_km(x: float | None) -> float | None:
    """Round a km value to 3 decimals (1 m) for output; keep None."""
    return None if x is None else round(float(x), 3)


def event_rows(ctx: Calibration, events: Sequence[Event]) -> list[dict[str, Any]]:
    """Common columns + Point geometry of each roadbook event, placed by road km: each km
    resolved and checked in order (the first bad one raises, naming its field), then all placed
    on the line in one vectorised pass."""
    resolved: list[tuple[float, str]] = []
    for ev in events:
        what = ctx.where(ev.field_path, ev.line)
        if ev.km is not None:
            resolved.append((ctx.check(ev.km, f"{what}.km"), "km"))
        else:
            assert ev.at is not None
            resolved.append((ctx.resolve(ev.at, f"{what}.at"),
                             "between" if ev.at.between is not None else "place"))
    if not resolved:
        return []
    along = ctx.chainage.km_to_along(np.array([k for k, _ in resolved], dtype=np.float64))
    lon, lat = ctx.line.interpolate(along)
    points = shapely.points(np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64))
    rows = []
    for ev, (km_pos, located_by), a, pt in zip(events, resolved, along.tolist(), points.tolist(), strict=True):
        rows.append({
            "kind": ev.kind, "km": ev.km, "km_pos": round_km(km_pos), "along_m": round(a, 1),
            "name": ev.name, "note": ev.note, "source": ctx.roadbook.source_label(ev.source),
            "side": ctx.side(ev.side), "confidence": ev.confidence, "located_by": located_by,
            "geometry": pt,
        })
    return rows


def stretch_range(ctx: Calibration, st: Stretch) -> tuple[float, float, str]:
    """(start km, end km, located_by) of a stretch, in the direction of travel, checked."""
    what = ctx.where(st.field_path, st.line)
    if st.from_km is not None:
        k0 = ctx.check(st.from_km, f"{what}.from_km")
    else:
        assert st.start is not None
        k0 = ctx.resolve(st.start, f"{what}.from")
    if st.to_km is not None:
        k1 = ctx.check(st.to_km, f"{what}.to_km")
    else:
        assert st.end is not None
        k1 = ctx.resolve(st.end, f"{what}.to")
    if k0 == k1:
        raise RouteError(f"{what}: stretch resolves to zero length at km {k0:g}; fix its ends")
    located = "km" if st.from_km is not None and st.to_km is not None else "place"
    return k0, k1, located


def stretch_row(ctx: Calibration, st: Stretch, offset_m: float = 0.0) -> dict[str, Any]:
    """Common + line columns and LineString geometry of a stretch (optionally offset sideways)."""
    k0, k1, located = stretch_range(ctx, st)
    a = ctx.chainage.km_to_along(np.array([k0, k1]))
    a0, a1 = float(a.min()), float(a.max())
    geom = ctx.line.offset_substring(a0, a1, offset_m) if offset_m else ctx.line.substring(a0, a1)
    return {
        "kind": st.kind, "km": st.from_km, "km_pos": round_km(k0), "along_m": round(a0, 1),
        "km_end": st.to_km, "km_pos_end": round_km(k1), "along_m_end": round(a1, 1),
        "name": st.name, "note": st.note, "source": ctx.roadbook.source_label(st.source),
        "side": None, "confidence": st.confidence, "located_by": located, "geometry": geom,
    }
