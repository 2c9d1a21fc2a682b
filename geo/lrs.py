"""Linear referencing on one line: along-track metres <-> (lon, lat).

:class:`MeasuredLine` measures a polyline once (geodesic chainage on WGS84, see :mod:`geo.earth`)
and projects it once into a route-centred transverse Mercator (see :mod:`geo.crs`).

* ``interpolate(along_m)`` places points at geodesic distances along the line: a vectorised
  ``searchsorted`` on the chainage (about 2 ms for 5,000 points on 1,000,000 vertices; shapely's
  ``line_interpolate_point`` takes 40 s there).
* ``locate(lon, lat)`` finds the along-track distance of the nearest point of the line, through a
  spatial index (STRtree) of the segments built on first use.

Inside a segment both directions are linear in the projected plane and scaled to the segment's
geodesic length, so ``locate(interpolate(d)) == d`` up to floating point (tested as a property).
Where a line crosses itself a point near the crossing is ambiguous; ``locate`` returns the
nearest segment and, among equally near ones, the first along the line.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely import LineString

from geo.crs import LocalProjection
from geo.earth import cumulative_lengths
from geo.errors import RouteError
from geo.track import validate_lonlat

#: ``locate`` of at most this many points scans the segments instead of building the index.
FEW_POINTS = 8
#: Offset lines and corridors (drawing only) are built on the line simplified to this tolerance.
DRAW_TOLERANCE_M = 1.0


@dataclass
class MeasuredLine:
    """A polyline with geodesic chainage and a local planar projection.

    Attributes:
        lon, lat: vertex coordinates, degrees WGS84 (consecutive duplicates removed).
        along_m: cumulative geodesic metres at each vertex; ``along_m[0] == 0``.
        proj: the route-centred transverse Mercator used for planar work.
        x, y: vertex coordinates in ``proj``, metres.
    """

    lon: np.ndarray
    lat: np.ndarray
    along_m: np.ndarray = field(init=False)
    proj: LocalProjection = field(init=False)
    x: np.ndarray = field(init=False)
    y: np.ndarray = field(init=False)
    _tree: shapely.STRtree | None = field(init=False, default=None, repr=False)
    _kept: dict[float, np.ndarray] = field(init=False, default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        lon = np.ascontiguousarray(self.lon, dtype=np.float64)
        lat = np.ascontiguousarray(self.lat, dtype=np.float64)
        validate_lonlat(lon, lat, "line")
        keep = np.ones(len(lon), dtype=bool)
        keep[1:] = (np.diff(lon) != 0) | (np.diff(lat) != 0)
        self.lon, self.lat = lon[keep], lat[keep]
        if len(self.lon) < 2:
            raise RouteError("line: all points are identical; a route needs a length > 0")
        self.along_m = cumulative_lengths(self.lon, self.lat)
        self.proj = LocalProjection.centred_on(self.lon, self.lat)
        self.x, self.y = self.proj.forward(self.lon, self.lat)

    @property
    def length_m(self) -> float:
        """Geodesic length of the line in metres."""
        return float(self.along_m[-1])

    def vertex_along(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray | None:
        """Along-track metres at each vertex of the polyline (lon, lat) (degrees) this line was
        made of (its consecutive duplicates, 0 m apart, get the metres of the vertex they repeat):
        the same numbers as measuring that polyline again, without measuring. None when (lon,
        lat) are other vertices than this line's."""
        n = len(lon)
        if n < 2 or len(lat) != n:
            return None
        new = np.ones(n, dtype=bool)
        new[1:] = (lon[1:] != lon[:-1]) | (lat[1:] != lat[:-1])
        if int(new.sum()) != len(self.lon):
            return None
        idx = np.cumsum(new) - 1
        if not (np.array_equal(np.asarray(lon)[new], self.lon) and np.array_equal(np.asarray(lat)[new], self.lat)):
            return None
        return self.along_m[idx]

    def douglas_peucker(self, tol_m: float) -> np.ndarray:
        """Sorted int64 indices of the vertices that Douglas–Peucker (GEOS ``simplify``,
        ``preserve_topology=False``) keeps of the whole line (x, y metres) at ``tol_m`` metres.

        Kept per tolerance for the line's life, and worked out from the result at the largest
        smaller tolerance already known: Douglas–Peucker at ``t`` of the line kept at ``t' < t``
        keeps exactly what it keeps of the full line (every section the recursion at ``t``
        splits has its farthest vertex above ``t > t'``, so that vertex, the first farthest, is in
        the line kept at ``t'``; a section it does not split has no kept vertex farther either).
        A closed line is always simplified whole (GEOS may treat its ends as a ring's). The
        map page and the course writers ask for tolerances of the same line, so the full line,
        about 0.15 s per million vertices, is simplified only once. Not safe to call from two
        threads at once.
        """
        tol = float(tol_m)
        got = self._kept.get(tol)
        if got is not None:
            return got
        n = len(self.x)
        closed = self.x[0] == self.x[-1] and self.y[0] == self.y[-1]
        finer = [t for t in self._kept if t < tol] if not closed else []
        if finer:
            base = self._kept[max(finer)]
            line = shapely.linestrings(self.x[base], self.y[base], base.astype(np.float64))
        else:
            line = shapely.linestrings(self.x, self.y, np.arange(n, dtype=np.float64))
        z = shapely.get_coordinates(shapely.simplify(line, tol, preserve_topology=False), include_z=True)[:, 2]
        got = z.astype(np.int64)
        self._kept[tol] = got
        return got

    def _segment_at(self, along_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Segment index and fraction (0..1) for distances already clipped to [0, length]."""
        seg = np.searchsorted(self.along_m, along_m, side="right") - 1
        seg = np.clip(seg, 0, len(self.along_m) - 2)
        seglen = self.along_m[seg + 1] - self.along_m[seg]
        frac = np.where(seglen > 0, (along_m - self.along_m[seg]) / np.where(seglen > 0, seglen, 1), 0)
        return seg, np.clip(frac, 0.0, 1.0)

    def check_along(self, along_m: np.ndarray | float, what: str = "distance") -> np.ndarray:
        """Return ``along_m`` as an array, raising :class:`RouteError` if any is off the line."""
        a = np.atleast_1d(np.asarray(along_m, dtype=np.float64))
        tol = 1e-6 * max(1.0, self.length_m)
        bad = ~np.isfinite(a) | (a < -tol) | (a > self.length_m + tol)
        if bad.any():
            v = a[np.flatnonzero(bad)[0]]
            raise RouteError(
                f"{what} {v:.1f} m is outside the line (0 .. {self.length_m:.1f} m); "
                "give a position on the route or a longer track"
            )
        return np.clip(a, 0.0, self.length_m)

    def interpolate_xy(self, along_m: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        """Projected (x, y) metres of points at geodesic distances ``along_m`` from the start."""
        a = self.check_along(along_m)
        seg, f = self._segment_at(a)
        x = self.x[seg] + f * (self.x[seg + 1] - self.x[seg])
        y = self.y[seg] + f * (self.y[seg + 1] - self.y[seg])
        return x, y

    def interpolate(self, along_m: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        """(lon, lat) degrees of points at geodesic distances ``along_m`` (metres) from the start.

        Raises :class:`RouteError` for a distance outside ``0 .. length_m`` (shapely would clamp
        it silently).
        """
        return self.proj.inverse(*self.interpolate_xy(along_m))

    def _index(self) -> shapely.STRtree:
        if self._tree is None:
            coords = np.empty((len(self.x) - 1, 2, 2))
            coords[:, 0, 0], coords[:, 0, 1] = self.x[:-1], self.y[:-1]
            coords[:, 1, 0], coords[:, 1, 1] = self.x[1:], self.y[1:]
            segments = shapely.linestrings(coords)
            self._tree = shapely.STRtree(segments)
        return self._tree

    def _nearest_segment(self, px: float, py: float) -> int:
        """Index of the segment nearest to (px, py); the first along the line among equally near."""
        x0, y0 = self.x[:-1], self.y[:-1]
        dx, dy = self.x[1:] - x0, self.y[1:] - y0
        d2 = dx * dx + dy * dy
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.clip(np.where(d2 > 0, ((px - x0) * dx + (py - y0) * dy) / d2, 0.0), 0.0, 1.0)
        dist2 = (px - (x0 + t * dx)) ** 2 + (py - (y0 + t * dy)) ** 2
        return int(np.argmin(dist2))

    def locate_xy(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Along-track metres and planar offset (metres) of the nearest line point to each (x, y)."""
        x = np.atleast_1d(np.asarray(x, dtype=np.float64))
        y = np.atleast_1d(np.asarray(y, dtype=np.float64))
        if self._tree is None and len(x) <= FEW_POINTS:
            # a few points (an anchor or two): one vectorised pass over the segments is faster
            # than building the index (about 1 s and 400 MB per million vertices)
            seg = np.array([self._nearest_segment(px, py) for px, py in zip(x.tolist(), y.tolist(), strict=True)],
                           dtype=np.int64)
        else:
            pts = shapely.points(x, y)
            tree = self._index()
            pairs = tree.query_nearest(pts, all_matches=True)
            # keep, for each point, the first segment along the line among equally near ones
            order = np.lexsort((pairs[1], pairs[0]))
            first = np.ones(len(order), dtype=bool)
            first[1:] = pairs[0][order][1:] != pairs[0][order][:-1]
            seg = np.empty(len(x), dtype=np.int64)
            seg[pairs[0][order][first]] = pairs[1][order][first]
        x0, y0 = self.x[seg], self.y[seg]
        dx, dy = self.x[seg + 1] - x0, self.y[seg + 1] - y0
        d2 = dx * dx + dy * dy
        t = np.where(d2 > 0, ((x - x0) * dx + (y - y0) * dy) / np.where(d2 > 0, d2, 1), 0)
        t = np.clip(t, 0.0, 1.0)
        along = self.along_m[seg] + t * (self.along_m[seg + 1] - self.along_m[seg])
        offset = np.hypot(x - (x0 + t * dx), y - (y0 + t * dy))
        return along, offset

    def locate(self, lon: np.ndarray | float, lat: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        """Along-track metres of the nearest line point to each (lon, lat), and the offset in metres.

        The first call builds a segment index (about 1 s per million vertices).
        """
        lon_a = np.atleast_1d(np.asarray(lon, dtype=np.float64))
        lat_a = np.atleast_1d(np.asarray(lat, dtype=np.float64))
        validate_lonlat(lon_a, lat_a, "points to locate", min_points=1)
        return self.locate_xy(*self.proj.forward(lon_a, lat_a))

    def substring_xy(self, a0: float, a1: float) -> np.ndarray:
        """Projected vertices (n, 2) of the part of the line between two along-track distances."""
        lo, hi = sorted((float(a0), float(a1)))
        ends = self.check_along(np.array([lo, hi]), "range end")
        inner = np.flatnonzero((self.along_m > ends[0]) & (self.along_m < ends[1]))
        ex, ey = self.interpolate_xy(ends)
        xs = np.concatenate([[ex[0]], self.x[inner], [ex[1]]])
        ys = np.concatenate([[ey[0]], self.y[inner], [ey[1]]])
        return np.column_stack([xs, ys])

    def substring(self, a0: float, a1: float) -> LineString:
        """The part of the line between two along-track distances (metres), in (lon, lat)."""
        xy = self.substring_xy(a0, a1)
        lon, lat = self.proj.inverse(xy[:, 0], xy[:, 1])
        return LineString(np.column_stack([lon, lat]))

    def offset_substring(self, a0: float, a1: float, offset_m: float) -> LineString:
        """The part between ``a0`` and ``a1`` shifted sideways by ``offset_m`` metres.

        Positive offsets are to the left of the direction of travel. The result runs in the
        direction of travel whatever GEOS does with ``offset_curve`` orientation.
        """
        xy = self.substring_xy(a0, a1)
        # offsetting is for drawing: a 1 m simplification first keeps GEOS fast on dense tracks
        line = shapely.simplify(LineString(xy), DRAW_TOLERANCE_M)
        if offset_m == 0:
            shifted = line
        else:
            shifted = shapely.offset_curve(line, offset_m, join_style="mitre", mitre_limit=2.0)
            if shifted.is_empty or shifted.geom_type != "LineString":
                shifted = line
            else:
                c = np.asarray(shifted.coords)
                head, tail = c[0], c[-1]
                if np.hypot(*(head - xy[0])) > np.hypot(*(tail - xy[0])):
                    shifted = LineString(c[::-1])
        c = np.asarray(shifted.coords)
        lon, lat = self.proj.inverse(c[:, 0], c[:, 1])
        return LineString(np.column_stack([lon, lat]))

    def buffer_substring(self, a0: float, a1: float, half_width_m: float) -> shapely.Polygon:
        """A corridor polygon (lon, lat) of ``half_width_m`` either side of the part a0..a1."""
        xy = self.substring_xy(a0, a1)
        line = shapely.simplify(LineString(xy), DRAW_TOLERANCE_M)
        poly = shapely.buffer(line, half_width_m, cap_style="flat")
        ext = np.asarray(poly.exterior.coords)
        lon, lat = self.proj.inverse(ext[:, 0], ext[:, 1])
        return shapely.Polygon(np.column_stack([lon, lat]))
