"""What every layer shares: the common columns and a GeoDataFrame factory.

Every layer builder returns a GeoDataFrame in EPSG:4326 whose first columns are :data:`COLUMNS`
(in that order), then the layer's own columns (documented in the layer module), then geometry.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import pandas as pd

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
