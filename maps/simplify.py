"""Simplify a track to a point budget and say how far that moved the line.

Work happens in a transverse Mercator centred on the track (``geo.crs.LocalProjection``), in
metres. Douglas–Peucker (``shapely.simplify``, ``preserve_topology=False``) runs per segment so
that segment ends are kept; the tolerance is found by bisection so that the result has at most
``max_points`` vertices. The kept vertices are identified by carrying each vertex's index in the
Z coordinate (GEOS keeps Z of kept vertices). The reported deviation is measured, not the
tolerance: the largest distance in metres from any dropped vertex to the simplified segment that
replaces it.

Simplifying shortens a jittery line (GUIDE §5: 0.4–1 %): measure distances on the full line and
simplify only what is drawn or sent to a device.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import shapely

from geo.crs import LocalProjection


@dataclass(frozen=True)
class Simplified:
    """Result of :func:`simplify_to_budget`.

    Attributes:
        keep: sorted int64 indices of the kept vertices (into the input arrays).
        max_deviation_m: largest distance, metres, of a dropped vertex from the simplified line.
        tolerance_m: Douglas–Peucker tolerance used, metres (0 when nothing was dropped).
    """

    keep: np.ndarray
    max_deviation_m: float
    tolerance_m: float


def simplify_to_budget(lon: np.ndarray, lat: np.ndarray, max_points: int,
                       segment_starts: np.ndarray | None = None,
                       xy: tuple[np.ndarray, np.ndarray] | None = None,
                       dp: Callable[[float], np.ndarray] | None = None) -> Simplified:
    """Keep at most ``max_points`` vertices of a (lon, lat) degrees polyline.

    ``xy``: the same vertices already in a local metric projection (metres; e.g. the x, y of a
    :class:`geo.lrs.MeasuredLine`), so that they are not projected again. ``dp``: for a line of
    one segment, the indices Douglas–Peucker keeps of the whole line at a tolerance in metres
    (:meth:`geo.lrs.MeasuredLine.douglas_peucker` of the line whose x, y are ``xy``): the tries
    on the full line ask it, so that a line simplified before (or by another writer) is not
    simplified again; the result is the same.

    Every segment keeps its first and last vertex, so ``max_points`` must be at least twice the
    number of segments. Returns the kept indices and the measured largest deviation in metres.

    >>> lat = np.linspace(38.0, 39.0, 1001); lon = np.full(1001, 90.0)  # a meridian: straight
    >>> r = simplify_to_budget(lon, lat, 10)
    >>> r.keep.tolist(), r.max_deviation_m < 0.01
    ([0, 1000], True)
    """
    n = len(lon)
    starts = (np.zeros(1, dtype=np.int64) if segment_starts is None
              else np.asarray(segment_starts, dtype=np.int64))
    bounds = np.append(starts, n)
    if max_points < 2 * len(starts):
        raise ValueError(f"a budget of {max_points} points cannot keep the ends of "
                         f"{len(starts)} segments; give at least {2 * len(starts)}")
    if n <= max_points:
        return Simplified(np.arange(n, dtype=np.int64), 0.0, 0.0)
    if xy is None:
        x, y = LocalProjection.centred_on(lon, lat).forward(lon, lat)
    else:
        x, y = xy
    whole = dp if dp is not None and len(starts) == 1 else None  # one segment of n > max_points >= 2
    # the segments as lines (not built when ``whole`` answers for the full line)
    geoms, singles = _segment_lines(x, y, bounds) if whole is None else (np.array([], dtype=object), [])

    def kept(tol: float, base: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if whole is not None and base is geoms:  # the full line: asked of the shared simplifier
            k = whole(tol)
            return k, np.array([shapely.linestrings(x[k], y[k], k.astype(np.float64))], dtype=object)
        simp = shapely.simplify(base, tol, preserve_topology=False)
        z = shapely.get_coordinates(simp, include_z=True)[:, 2]
        out = np.concatenate([z.astype(np.int64), np.asarray(singles, dtype=np.int64)])
        if singles:  # kept vertices come in line order; one-point segments go in between
            out.sort(kind="stable")
        return out, simp

    # Each try simplifies the line already simplified at the largest tolerance known to keep too
    # many vertices (``base``): far fewer vertices than the input once one try is over budget.
    # The deviation reported is measured on the full line whatever the path.
    lo, hi, base = 0.0, FIRST_TOLERANCE_M, geoms
    keep, simp = kept(hi, base)
    n_lo = n
    while len(keep) > max_points:  # grow the tolerance until the budget holds
        lo, n_lo, base = hi, len(keep), simp
        hi = hi * 4
        keep, simp = kept(hi, base)
    best, n_hi = keep, len(keep)
    for _ in range(40):  # the smallest tolerance that fits the budget
        if hi - lo < 1e-3 * hi or len(best) >= 0.98 * max_points:
            break
        mid = (lo + hi) / 2
        if lo == 0:  # nothing over budget yet: guess down (counts about tolerance^-1/2 or steeper)
            mid = hi * max((n_hi / (0.99 * max_points)) ** 2, 1 / 64)
        elif n_hi < max_points < n_lo:  # counts fall about as a power of the tolerance
            f = (np.log(n_lo) - np.log(0.99 * max_points)) / (np.log(n_lo) - np.log(n_hi))
            guess = float(np.exp(np.log(lo) + f * (np.log(hi) - np.log(lo))))
            mid = min(max(guess, lo + 0.1 * (hi - lo)), hi - 0.1 * (hi - lo))
        k, g = kept(mid, base)
        if len(k) <= max_points:
            hi, best, n_hi = mid, k, len(k)
        else:
            lo, n_lo, base = mid, len(k), g
    return Simplified(best, max_deviation(x, y, best), hi)


def _segment_lines(x: np.ndarray, y: np.ndarray, bounds: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """The segments ``bounds[i]:bounds[i+1]`` of at least two vertices as lines (each vertex's
    index as Z), and the indices of the one-vertex segments."""
    idx = np.arange(len(x), dtype=np.float64)
    lines: list[shapely.LineString] = []
    singles: list[int] = []
    for a, b in itertools.pairwise(bounds.tolist()):
        if b - a >= 2:
            lines.append(shapely.linestrings(x[a:b], y[a:b], idx[a:b]))
        else:
            singles.extend(range(a, b))
    return np.array(lines, dtype=object), singles


def max_deviation(x: np.ndarray, y: np.ndarray, keep: np.ndarray) -> float:
    """Largest distance (same units as x, y) from a dropped vertex to its replacing segment.

    ``keep`` are sorted indices; vertex i with keep[j] < i < keep[j+1] is measured against the
    segment keep[j]–keep[j+1] (vertices before the first kept one against the first segment,
    after the last against the last). Measured block by block (the temporaries stay in the
    cache); each vertex's segment is found by repeating the segment numbers, not by a search.
    """
    n = len(x)
    if len(keep) == n:
        return 0.0
    last = len(keep) - 2
    owner = np.concatenate([np.zeros(int(keep[0]), dtype=np.int64),
                            np.repeat(np.arange(last + 1, dtype=np.int64), np.diff(keep)),
                            np.full(n - int(keep[-1]), last, dtype=np.int64)])
    kx, ky = x[keep], y[keep]
    best = 0.0
    for s in range(0, n, _BLOCK):
        o = owner[s:s + _BLOCK]
        ax, ay, bx, by = kx[o], ky[o], kx[o + 1], ky[o + 1]
        px, py = x[s:s + _BLOCK], y[s:s + _BLOCK]
        dx, dy = bx - ax, by - ay
        len2 = dx * dx + dy * dy
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.where(len2 > 0, ((px - ax) * dx + (py - ay) * dy) / len2, 0.0)
        t = np.clip(t, 0.0, 1.0)
        d = np.hypot(px - (ax + t * dx), py - (ay + t * dy))
        if len(d):
            best = max(best, float(d.max()))
    return best


#: The first tolerance :func:`simplify_to_budget` tries, metres (on the full line).
FIRST_TOLERANCE_M = 1.0

#: Vertices measured at once by :func:`max_deviation`.
_BLOCK = 65_536
