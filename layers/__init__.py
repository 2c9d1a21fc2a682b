"""Layer builders: one module per layer kind, each ``build(ctx) -> GeoDataFrame`` (EPSG:4326).

:func:`build_all` runs them in a fixed order. Every layer has the common columns of
:data:`layers._common.COLUMNS`; each module documents its own extra columns.
"""

from __future__ import annotations

from collections.abc import Callable

import geopandas as gpd

from layers import (
    border_crossings,
    camping,
    checkpoints,
    km_markers,
    parallels,
    places,
    restrictions,
    road_events,
    stretches,
    transport,
)
from layers.route import RouteContext, build_anchors_layer, build_route, build_route_layer

BUILDERS: dict[str, Callable[[RouteContext], gpd.GeoDataFrame]] = {
    "route": build_route_layer,
    "anchors": build_anchors_layer,
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


def build_all(ctx: RouteContext) -> dict[str, gpd.GeoDataFrame]:
    """All layers of a route, by name, in drawing order."""
    return {name: fn(ctx) for name, fn in BUILDERS.items()}


__all__ = ["BUILDERS", "RouteContext", "build_all", "build_route"]
