"""``km_markers``: one point per whole road km, with a thinning level for maps.

Columns after the common ones: ``level`` (int): the coarsest thinning level the marker belongs to,
one of 100, 50, 10, 5, 1 (km 1400 -> 100, km 1450 -> 50, km 1410 -> 10, km 1415 -> 5, else 1).
A map shows levels >= some threshold per zoom, like gpx.studio.
Markers are interpolated with one vectorised ``searchsorted`` (milliseconds for thousands).
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np

from layers._common import make_gdf
from layers.calibration import Calibration

LEVELS: tuple[int, ...] = (100, 50, 10, 5, 1)
COLUMNS = ("level",)


def level_of(km: int) -> int:
    """The coarsest level in :data:`LEVELS` that divides ``km``.

    >>> [level_of(k) for k in (1400, 1450, 1410, 1415, 1383)]
    [100, 50, 10, 5, 1]
    """
    return next(lv for lv in LEVELS if km % lv == 0)


def build(ctx: Calibration) -> gpd.GeoDataFrame:
    """Markers at every whole km the route covers."""
    lo, hi = ctx.chainage.km_range
    kms = np.arange(math.ceil(lo - 1e-9), math.floor(hi + 1e-9) + 1, dtype=np.int64)
    if len(kms) == 0:
        return make_gdf("km_markers", [], COLUMNS)
    along = ctx.chainage.km_to_along(kms.astype(float))
    lon, lat = ctx.line.interpolate(along)
    levels = [level_of(int(k)) for k in kms]
    df = gpd.GeoDataFrame(
        {
            "layer": "km_markers", "kind": "km_marker", "km": None, "km_pos": kms.astype(float),
            "along_m": np.round(along, 1), "name": [f"km {k}" for k in kms], "note": "",
            "source": "road km interpolated between anchors", "side": None,
            "confidence": "low" if ctx.schematic else "medium", "located_by": "km",
            "level": np.array(levels, dtype=np.int64),
        },
        geometry=gpd.points_from_xy(lon, lat, crs="EPSG:4326"),
    )
    df["km"] = df["km"].astype("float64")
    return df
