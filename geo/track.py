"""The Track: an ordered polyline of (lon, lat[, ele]) points, all segments joined in order.

Readers for GPX and GeoJSON live in :mod:`geo.readers`; this module holds the value type and its
checks, so that every reader returns the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from geo.errors import TrackError


@dataclass(frozen=True)
class Track:
    """A track as one line.

    Attributes:
        lon, lat: float64 arrays of degrees WGS84 (EPSG:4326), lon first.
        ele: float64 metres above sea level, NaN where a point has none; ``None`` if no point has one.
        segment_starts: int64 index of the first point of each original segment (starts with 0).
        gaps_m: geodesic gap in metres between consecutive segments (len = segments - 1).
        source: where the track came from (a file name, or a description of a schematic line).
        schematic: True when the line is NOT real road geometry (e.g. straight lines between towns).
        warnings: one-line notes about the input that did not stop the read (e.g. elevations
            that were not finite or outside -500..9000 m and are treated as missing); the build
            prints them in its summary.
    """

    lon: np.ndarray
    lat: np.ndarray
    ele: np.ndarray | None = None
    segment_starts: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=np.int64))
    gaps_m: tuple[float, ...] = ()
    source: str = ""
    schematic: bool = False
    warnings: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        validate_lonlat(self.lon, self.lat, self.source or "track")
        if self.ele is not None and len(self.ele) != len(self.lon):
            raise TrackError(f"{self.source}: {len(self.ele)} elevations for {len(self.lon)} points")

    def __len__(self) -> int:
        return len(self.lon)

    @property
    def has_elevation(self) -> bool:
        return self.ele is not None and bool(np.isfinite(self.ele).any())


def validate_lonlat(lon: np.ndarray, lat: np.ndarray, what: str, min_points: int = 2) -> None:
    """Check coordinate arrays: same length, at least ``min_points`` points, finite and in range.

    Raises :class:`TrackError` naming the index of the first bad point.
    """
    if lon.shape != lat.shape or lon.ndim != 1:
        raise TrackError(f"{what}: lon and lat arrays differ in shape ({lon.shape} vs {lat.shape})")
    if len(lon) < min_points:
        raise TrackError(f"{what}: a track needs at least {min_points} points, found {len(lon)}; "
                         "give a GPX track or route, or a GeoJSON LineString")
    bad = ~(np.isfinite(lon) & np.isfinite(lat) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise TrackError(
            f"{what}: point {i} has bad coordinates lat={_show(lat[i])} lon={_show(lon[i])}; "
            "latitude must be within -90..90 and longitude within -180..180 (finite numbers)"
        )


def _show(v: float) -> str:
    """A coordinate for a message: the number, or 'not a finite number' (never 'nan')."""
    f = float(v)
    return repr(f) if np.isfinite(f) else "(not a finite number)"
