"""The route: a calibrated line for a roadbook, and the ``route`` and ``anchors`` layers.

:func:`build_route` turns a roadbook (and optionally a real track) into a :class:`RouteContext`:
the calibrated line plus helpers that resolve every position of the roadbook to a road km.
Without a track the line is SCHEMATIC: straight lines through the roadbook's on-route places in
file order. It is not the road; every output says so.

``route`` layer columns (after the common ones): ``schematic`` (bool), ``track_source`` (str),
``notice`` (str), ``km_end``, ``km_pos_end``, ``along_m_end``.
``anchors`` layer columns: ``offset_m`` (distance of the anchor's point from the line, m),
``loo_km`` (leave-one-out residual, road km), ``scale_after`` (road km per line km to the next
anchor).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
from shapely import LineString, Point

from geo.calibrate import Anchor, CalibratedRoute
from geo.errors import RouteError
from geo.lrs import MeasuredLine
from geo.track import Track
from layers._common import LINE_COLUMNS, make_gdf, round_km
from roadbook.schema import Event, Position, Roadbook, Stretch

#: An anchor whose point lies further than this from the line is reported as a warning.
ANCHOR_WARN_OFFSET_M = 2000.0
#: A place within this distance of the line gets a road km (``km_pos``); farther ones do not.
NEAR_ROUTE_M = 5000.0

SCHEMATIC_NOTICE = (
    "SCHEMATIC ROUTE: no real road geometry is known here; the line joins known places in "
    "straight lines and features are placed by road km along it. Load a real track with "
    "'kmpost build --track FILE'."
)


@dataclass
class RouteContext:
    """A roadbook on its calibrated line.

    Attributes:
        roadbook: the validated roadbook.
        track: the line's source (a real track or the schematic line).
        route: the calibrated route (road km <-> along-track metres).
        warnings: one-line notes for the user (large anchor offsets, gaps ...).
    """

    roadbook: Roadbook
    track: Track
    route: CalibratedRoute
    warnings: list[str] = field(default_factory=list)

    @property
    def schematic(self) -> bool:
        return self.track.schematic

    @property
    def line(self) -> MeasuredLine:
        return self.route.line

    def where(self, field_path: str, line: int | None) -> str:
        loc = f"{self.roadbook.path}:{line}" if line else self.roadbook.path
        return f"{loc}: {field_path}"

    def place_km(self, place_id: str, what: str) -> float:
        """Road km of a place: its anchor km, its stated km, or its located position."""
        for a in self.roadbook.anchors:
            if a.place == place_id:
                return a.km
        p = self.roadbook.places[place_id]
        if p.km is not None:
            return p.km
        if p.lat is None or p.lon is None:
            raise RouteError(f"{what}: place '{place_id}' has neither a coordinate nor a km; "
                             "give it lat/lon or km")
        km, _ = self.route.km_at_point(p.lon, p.lat)
        return float(km[0])

    def near_route(self, lon: float, lat: float) -> tuple[float | None, float | None, float]:
        """(road km, along-track metres, offset metres) of the line point nearest (lon, lat).

        km and along are None when the point lies farther than :data:`NEAR_ROUTE_M` from the line
        (a city the route does not pass): such a point has no position on the route.
        """
        along_a, off = self.line.locate(lon, lat)
        along, offset = float(along_a[0]), float(off[0])
        if offset > NEAR_ROUTE_M:
            return None, None, offset
        return float(self.route.along_to_km(along)[0]), along, offset

    def resolve(self, pos: Position, what: str) -> float:
        """Road km of a :class:`Position` (checked to be on the route)."""
        if pos.between is not None:
            km = (pos.between[0] + pos.between[1]) / 2
            self.route.check_km(np.array(pos.between), what)
        else:
            assert pos.place is not None
            km = self.place_km(pos.place, what) + (pos.offset_km if self.route.km_increasing else -pos.offset_km)
        self.route.check_km(km, what)
        return km

    def check(self, km: float, what: str) -> float:
        self.route.check_km(km, what)
        return km


def schematic_track(rb: Roadbook) -> Track:
    """Straight lines through the on-route places with coordinates, in file order."""
    pts = [(p.lon, p.lat) for p in rb.places.values() if p.on_route and p.lat is not None]
    if len(pts) < 2:
        raise RouteError(
            f"{rb.path}: places: fewer than 2 on-route places with coordinates, so no schematic "
            "line can be drawn; mark places 'on_route: true' or give a track with --track"
        )
    names = [p.name for p in rb.places.values() if p.on_route and p.lat is not None]
    arr = np.array(pts, dtype=float)
    return Track(lon=arr[:, 0], lat=arr[:, 1], source="schematic line through " + " → ".join(names),
                 schematic=True)


def build_route(rb: Roadbook, track: Track | None = None) -> RouteContext:
    """Calibrate ``track`` (or the schematic line) with the roadbook's anchors."""
    trk = track if track is not None else schematic_track(rb)
    line = MeasuredLine(trk.lon, trk.lat)
    anchors, warnings = [], []
    for i, spec in enumerate(rb.anchors):
        if spec.place is not None:
            p = rb.places[spec.place]
            assert p.lon is not None and p.lat is not None
            lon, lat, label = p.lon, p.lat, p.name
        else:
            assert spec.lon is not None and spec.lat is not None
            lon, lat, label = spec.lon, spec.lat, f"{spec.lat:.5f},{spec.lon:.5f}"
        along, offset = line.locate(lon, lat)
        if offset[0] > ANCHOR_WARN_OFFSET_M:
            loc = f"{rb.path}:{spec.line}" if spec.line else rb.path
            warnings.append(f"{loc}: anchors[{i}]: '{label}' (km {spec.km:g}) lies "
                            f"{offset[0] / 1000:.1f} km from the line; check the place or the track")
        anchors.append(Anchor(spec.km, float(along[0]), label, float(offset[0]), spec.source, spec.confidence))
    try:
        route = CalibratedRoute(line, anchors, km_increasing=rb.route.km_direction == "increasing")
    except RouteError as exc:
        raise RouteError(f"{rb.path}: anchors: {exc}") from None
    if trk.gaps_m:
        warnings.append(f"{trk.source}: {len(trk.gaps_m)} gap(s) between segments joined in order, "
                        f"largest {max(trk.gaps_m) / 1000:.2f} km")
    return RouteContext(rb, trk, route, warnings)


def build_route_layer(ctx: RouteContext) -> gpd.GeoDataFrame:
    """The route line as one feature (full resolution; exporters simplify what they draw)."""
    lo, hi = ctx.route.km_range
    rb = ctx.roadbook
    notice = SCHEMATIC_NOTICE if ctx.schematic else f"Route geometry from {ctx.track.source}."
    start_km, end_km = (lo, hi) if ctx.route.km_increasing else (hi, lo)
    row = {
        "kind": "route", "km": None, "km_pos": round_km(start_km), "along_m": 0.0,
        "name": rb.route.name, "note": rb.route.description or rb.route.name,
        "source": "; ".join(rb.source_label(s) for s in rb.sources), "side": None,
        "confidence": "low" if ctx.schematic else "high", "located_by": "route",
        "km_end": None, "km_pos_end": round_km(end_km), "along_m_end": ctx.line.length_m,
        "schematic": ctx.schematic, "track_source": ctx.track.source, "notice": notice,
        "geometry": LineString(np.column_stack([ctx.line.lon, ctx.line.lat])),
    }
    return make_gdf("route", [row], (*LINE_COLUMNS, "schematic", "track_source", "notice"))


def build_anchors_layer(ctx: RouteContext) -> gpd.GeoDataFrame:
    """One point per anchor, on the line, with its residuals."""
    rows = []
    by_label = {a.label: a for a in ctx.route.anchors}
    for res in ctx.route.residuals():
        lon, lat = ctx.line.interpolate(res.along_m)
        a = by_label[res.label]
        rows.append({
            "kind": "anchor", "km": res.km, "km_pos": res.km, "along_m": round(res.along_m, 1),
            "name": f"{res.label} = km {res.km:g}", "note": a.source, "source": a.source,
            "confidence": a.confidence, "located_by": "coordinate",
            "offset_m": round(res.offset_m, 1),
            "loo_km": None if res.loo_km is None else round(res.loo_km, 3),
            "scale_after": None if res.scale_after is None else round(res.scale_after, 4),
            "geometry": Point(float(lon[0]), float(lat[0])),
        })
    gdf = make_gdf("anchors", rows, ("offset_m", "loo_km", "scale_after"))
    for c in ("offset_m", "loo_km", "scale_after"):
        gdf[c] = gdf[c].astype("float64")
    return gdf


def event_row(ctx: RouteContext, ev: Event) -> dict[str, Any]:
    """Common columns + Point geometry of a roadbook event, placed by road km."""
    what = ctx.where(ev.field_path, ev.line)
    if ev.km is not None:
        km_pos, located_by = ctx.check(ev.km, f"{what}.km"), "km"
    else:
        assert ev.at is not None
        km_pos = ctx.resolve(ev.at, f"{what}.at")
        located_by = "between" if ev.at.between is not None else "place"
    along = float(ctx.route.km_to_along(km_pos)[0])
    lon, lat = ctx.line.interpolate(along)
    return {
        "kind": ev.kind, "km": ev.km, "km_pos": round_km(km_pos), "along_m": round(along, 1),
        "name": ev.name, "note": ev.note, "source": ctx.roadbook.source_label(ev.source),
        "side": ev.side, "confidence": ev.confidence, "located_by": located_by,
        "geometry": Point(float(lon[0]), float(lat[0])),
    }


def stretch_range(ctx: RouteContext, st: Stretch) -> tuple[float, float, str]:
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


def stretch_row(ctx: RouteContext, st: Stretch, offset_m: float = 0.0) -> dict[str, Any]:
    """Common + line columns and LineString geometry of a stretch (optionally offset sideways)."""
    k0, k1, located = stretch_range(ctx, st)
    a = ctx.route.km_to_along(np.array([k0, k1]))
    a0, a1 = float(a.min()), float(a.max())
    geom = ctx.line.offset_substring(a0, a1, offset_m) if offset_m else ctx.line.substring(a0, a1)
    return {
        "kind": st.kind, "km": st.from_km, "km_pos": round_km(k0), "along_m": round(a0, 1),
        "km_end": st.to_km, "km_pos_end": round_km(k1), "along_m_end": round(a1, 1),
        "name": st.name, "note": st.note, "source": ctx.roadbook.source_label(st.source),
        "side": None, "confidence": st.confidence, "located_by": located, "geometry": geom,
    }
