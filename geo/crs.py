"""Coordinate reference systems: EPSG:4326 at the edges, a route-centred transverse Mercator inside.

A transverse Mercator centred on the route keeps planar lengths within about 0.002 % over a
few hundred km (a fixed UTM zone is off by up to 0.56 % near a zone edge; the seed route spans
UTM 45N/46N). All planar work (nearest segment, offsets, buffers, simplification) happens in it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
from pyproj import CRS, Transformer

WGS84 = CRS.from_epsg(4326)

#: Arrays of at least this many points are transformed in two halves at once, one of them by a
#: short-lived second thread (PROJ runs without the GIL; pyproj's Transformer keeps one PROJ
#: object per thread): the same numbers, in about half the time where a second CPU is free.
SPLIT_FROM = 200_000


def _transform(tr: Transformer, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``tr.transform(a, b)`` as float64 arrays; long arrays in two halves, one in a second thread."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    n = len(a) if a.ndim == 1 else 0
    if n < SPLIT_FROM or len(b) != n:
        x, y = tr.transform(a, b)
        return np.asarray(x), np.asarray(y)
    h = n // 2
    half: list[tuple[np.ndarray, np.ndarray]] = []
    failed: list[BaseException] = []

    def first_half() -> None:
        try:
            x0, y0 = tr.transform(a[:h], b[:h])
            half.append((np.asarray(x0), np.asarray(y0)))
        except BaseException as exc:  # re-raised in the caller's thread
            failed.append(exc)

    t = threading.Thread(target=first_half, name="kmpost-proj", daemon=True)
    t.start()
    x1, y1 = tr.transform(a[h:], b[h:])
    t.join()
    if failed:
        raise failed[0]
    (x0, y0), = half
    return np.concatenate([x0, np.asarray(x1)]), np.concatenate([y0, np.asarray(y1)])


def local_tm(lon0: float, lat0: float) -> CRS:
    """A transverse Mercator CRS on WGS84 centred at (lon0, lat0), metres, scale 1 at the centre."""
    return CRS.from_proj4(
        f"+proj=tmerc +lat_0={lat0:.6f} +lon_0={lon0:.6f} +k=1 +x_0=0 +y_0=0 "
        "+ellps=WGS84 +units=m +no_defs"
    )


@dataclass(frozen=True)
class LocalProjection:
    """Forward/inverse transforms between (lon, lat) degrees and a route-centred TM in metres."""

    crs: CRS
    _fwd: Transformer
    _inv: Transformer

    @classmethod
    def centred_on(cls, lon: np.ndarray, lat: np.ndarray) -> LocalProjection:
        """Centre the projection on the middle of the bounding box of (lon, lat)."""
        lon0 = float((np.nanmin(lon) + np.nanmax(lon)) / 2)
        lat0 = float((np.nanmin(lat) + np.nanmax(lat)) / 2)
        crs = local_tm(lon0, lat0)
        return cls(
            crs,
            Transformer.from_crs(WGS84, crs, always_xy=True),
            Transformer.from_crs(crs, WGS84, always_xy=True),
        )

    def forward(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(lon, lat) degrees -> (x, y) metres."""
        return _transform(self._fwd, lon, lat)

    def inverse(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(x, y) metres -> (lon, lat) degrees."""
        return _transform(self._inv, x, y)
