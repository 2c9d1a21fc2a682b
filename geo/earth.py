"""The one earth model of kmpost: the WGS84 ellipsoid, geodesic lengths in metres.

Chainage (distance along a line) is always the sum of geodesic segment lengths on WGS84,
computed with :class:`pyproj.Geod` (Karney's algorithm). Inputs are (lon, lat) degrees.
"""

from __future__ import annotations

import numpy as np
from pyproj import Geod

#: The ellipsoid used for every length in kmpost.
GEOD = Geod(ellps="WGS84")


def segment_lengths(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Geodesic length in metres of each segment of a polyline (len = n - 1).

    >>> round(float(segment_lengths(np.array([0.0, 1.0]), np.array([0.0, 0.0]))[0]))
    111319
    """
    if len(lon) < 2:
        return np.zeros(0)
    _, _, dist = GEOD.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
    return np.asarray(dist, dtype=np.float64)


def cumulative_lengths(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Cumulative geodesic distance in metres from the first vertex (len = n, starts at 0)."""
    out = np.zeros(len(lon), dtype=np.float64)
    if len(lon) > 1:
        np.cumsum(segment_lengths(lon, lat), out=out[1:])
    return out


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Geodesic distance in metres between two (lon, lat) points."""
    return float(GEOD.inv(lon1, lat1, lon2, lat2)[2])
