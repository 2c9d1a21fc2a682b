"""Layer builders: one module per layer kind, each ``build(ctx) -> GeoDataFrame`` (EPSG:4326).

``ctx`` is a :class:`~layers.calibration.Calibration` (the roadbook on its calibrated line, made by
:func:`~layers.calibration.calibrate`); :func:`build_all` runs the builders in a fixed order.
Every layer has the common columns of :data:`layers._common.COLUMNS`; each module documents its
own extra columns.
"""

from __future__ import annotations

from collections.abc import Callable

import geopandas as gpd

from layers import (
    anchors,
    border_crossings,
    camping,
    checkpoints,
    km_markers,
    parallels,
    places,
    restrictions,
    road_events,
    route,
    stretches,
    transport,
)
from layers.calibration import Calibration, calibrate

BUILDERS: dict[str, Callable[[Calibration], gpd.GeoDataFrame]] = {
    "route": route.build,
    "anchors": anchors.build,
    "km_markers": km_markers.build,
    "checkpoints": checkpoints.build,
    "road_events": road_events.build,
    "camping": camping.build,
    "parallels": parallels.build,
    "stretches": stretches.build,
    "places": places.build,
    "transport": transport.build,
    "restrictions": restrictions.build,
    "border_crossings": border_crossings.build,
}


def build_all(ctx: Calibration) -> dict[str, gpd.GeoDataFrame]:
    """All layers of a route, by name, in drawing order."""
    return {name: fn(ctx) for name, fn in BUILDERS.items()}


__all__ = ["BUILDERS", "Calibration", "build_all", "calibrate"]
