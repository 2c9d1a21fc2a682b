"""Calibrated route: road km (the km posts) <-> along-track metres, through anchors.

Road km posts are not GPS distance: the road is measured differently from any track, a schematic
line is shorter than the road, and chainage may jump at a provincial border. Anchors tie a road km
to a position on the line (a place or coordinate located on it). Between two anchors the mapping
is linear in along-track distance (like PostGIS ``ST_AddMeasure`` per interval). Outside the
anchors it continues linearly with the scale of the nearest interval; with a single anchor the
scale is 1 road km per geodesic km. The covered km range is what the line's two ends map to;
a km outside it is an error, never silently clamped.

Each anchor reports two residuals:

* ``offset_m``: how far the anchor's place lies from the line (metres; large = wrong place/track);
* ``loo_km``: leave-one-out residual, the stated km minus the km the other anchors predict for
  that position (needs three or more anchors): large values reveal a wrong km or a chainage jump.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from geo.errors import RouteError
from geo.lrs import MeasuredLine


@dataclass(frozen=True)
class Anchor:
    """A road km tied to a position along the line.

    Attributes:
        km: road km as posted.
        along_m: geodesic metres along the line where that km is.
        label: what the anchor is (a place name or a coordinate).
        offset_m: distance in metres between the anchor's given point and the line.
        source, confidence: provenance of the km value.
    """

    km: float
    along_m: float
    label: str = ""
    offset_m: float = 0.0
    source: str = ""
    confidence: str = "medium"


@dataclass(frozen=True)
class AnchorResidual:
    """Residuals of one anchor (see the module docstring)."""

    label: str
    km: float
    along_m: float
    offset_m: float
    loo_km: float | None
    scale_after: float | None  # road km per geodesic km in the interval that starts here


def _interp_extrap(x: np.ndarray, xp: np.ndarray, fp: np.ndarray) -> np.ndarray:
    """Piecewise-linear through (xp, fp) with linear extrapolation on both sides; xp increasing."""
    y = np.interp(x, xp, fp)
    if len(xp) >= 2:
        lo, hi = x < xp[0], x > xp[-1]
        s0 = (fp[1] - fp[0]) / (xp[1] - xp[0])
        s1 = (fp[-1] - fp[-2]) / (xp[-1] - xp[-2])
        y = np.where(lo, fp[0] + (x - xp[0]) * s0, y)
        y = np.where(hi, fp[-1] + (x - xp[-1]) * s1, y)
    return y


class CalibratedRoute:
    """A :class:`MeasuredLine` with a road-km scale fixed by anchors.

    Args:
        line: the measured line (direction of travel = vertex order).
        anchors: at least one anchor. Sorted by ``along_m``, their km must be strictly
            increasing (or strictly decreasing when ``km_increasing`` is False).
        km_increasing: whether road km grow in the direction of travel.
    """

    def __init__(self, line: MeasuredLine, anchors: Sequence[Anchor], km_increasing: bool = True):
        if not anchors:
            raise RouteError("no anchors: give at least one road km tied to a place or coordinate")
        self.line = line
        self.km_increasing = km_increasing
        ordered = sorted(anchors, key=lambda a: a.along_m)
        sign = 1.0 if km_increasing else -1.0
        for a, b in itertools.pairwise(ordered):
            if b.along_m - a.along_m < 1e-3:
                raise RouteError(
                    f"anchors '{a.label}' (km {a.km:g}) and '{b.label}' (km {b.km:g}) fall on the "
                    "same point of the line; remove one of them or fix its place"
                )
            if sign * (b.km - a.km) <= 0:
                raise RouteError(
                    f"anchors out of order: '{b.label}' km {b.km:g} comes after '{a.label}' "
                    f"km {a.km:g} along the line, but road km must "
                    f"{'increase' if km_increasing else 'decrease'} in the direction of travel; "
                    "fix the km values, the places, or route.km_direction"
                )
        self.anchors: tuple[Anchor, ...] = tuple(ordered)
        self._a = np.array([a.along_m for a in ordered])
        self._k = np.array([a.km for a in ordered])
        if len(ordered) == 1:
            # one anchor: 1 road km per geodesic km
            self._a = np.array([self._a[0], self._a[0] + 1000.0])
            self._k = np.array([self._k[0], self._k[0] + sign])

    @property
    def knots(self) -> tuple[np.ndarray, np.ndarray]:
        """(along_m, km) of the calibration knots, along_m increasing: the mapping is piecewise
        linear through them with linear extrapolation beyond both ends (what a map page needs to
        compute km exactly as the build does)."""
        return self._a.copy(), self._k.copy()

    # -- the mapping ---------------------------------------------------------------------------
    def along_to_km(self, along_m: np.ndarray | float) -> np.ndarray:
        """Road km at along-track distances (metres). Not range-checked: see ``km_range``."""
        return _interp_extrap(np.atleast_1d(np.asarray(along_m, dtype=float)), self._a, self._k)

    def km_to_along(self, km: np.ndarray | float, what: str = "km") -> np.ndarray:
        """Along-track metres of road km values; :class:`RouteError` if a km is off the route."""
        k = np.atleast_1d(np.asarray(km, dtype=float))
        self.check_km(k, what)
        sign = 1.0 if self.km_increasing else -1.0
        a = _interp_extrap(sign * k, sign * self._k, self._a)
        return np.clip(a, 0.0, self.line.length_m)

    @property
    def km_range(self) -> tuple[float, float]:
        """(lowest, highest) road km the line covers (computed once: line and anchors are fixed)."""
        got: tuple[float, float] | None = getattr(self, "_km_range", None)
        if got is None:
            ends = self.along_to_km(np.array([0.0, self.line.length_m]))
            got = self._km_range = (float(ends.min()), float(ends.max()))
        return got

    def covers(self, km: np.ndarray | float) -> np.ndarray:
        """Whether each road km is finite and inside the covered range (1e-6 km tolerance)."""
        k = np.atleast_1d(np.asarray(km, dtype=float))
        lo, hi = self.km_range
        tol = 1e-6
        return np.isfinite(k) & (k >= lo - tol) & (k <= hi + tol)

    def check_km(self, km: np.ndarray | float, what: str = "km") -> None:
        """Raise :class:`RouteError` naming ``what`` if any km is outside the covered range."""
        k = np.atleast_1d(np.asarray(km, dtype=float))
        lo, hi = self.km_range
        bad = ~self.covers(k)
        if bad.any():
            v = k[np.flatnonzero(bad)[0]]
            raise RouteError(
                f"{what}: km {v:g} is outside the route (km {lo:.1f} .. {hi:.1f}); "
                "fix the km, or give a track that covers it"
            )

    # -- convenience -----------------------------------------------------------------------------
    def point_at_km(self, km: np.ndarray | float, what: str = "km") -> tuple[np.ndarray, np.ndarray]:
        """(lon, lat) degrees of road km values."""
        return self.line.interpolate(self.km_to_along(km, what))

    def km_at_point(self, lon: np.ndarray | float, lat: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        """Road km of the nearest line points to (lon, lat), and their offsets from the line (m)."""
        along, offset = self.line.locate(lon, lat)
        return self.along_to_km(along), offset

    def residuals(self) -> list[AnchorResidual]:
        """Offset and leave-one-out residual of every anchor (see the module docstring)."""
        out = []
        n = len(self.anchors)
        for i, a in enumerate(self.anchors):
            loo = None
            if n >= 3:
                keep = [j for j in range(n) if j != i]
                pred = _interp_extrap(
                    np.array([a.along_m]),
                    np.array([self.anchors[j].along_m for j in keep]),
                    np.array([self.anchors[j].km for j in keep]),
                )[0]
                loo = float(a.km - pred)
            scale = None
            if i + 1 < n:
                b = self.anchors[i + 1]
                scale = abs(b.km - a.km) / ((b.along_m - a.along_m) / 1000.0)
            out.append(AnchorResidual(a.label, a.km, a.along_m, a.offset_m, loo, scale))
        return out
