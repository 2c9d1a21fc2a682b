"""geo.earth: segment lengths against Karney's algorithm (pyproj.Geod), property-tested."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod

from geo.earth import SHORT_DEG, cumulative_lengths, segment_lengths

KARNEY = Geod(ellps="WGS84")


def karney(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    _, _, d = KARNEY.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
    return np.asarray(d)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2**32 - 1), st.floats(0.01, 160.0), st.floats(-80.0, 80.0), st.floats(-180.0, 180.0))
def test_short_segments_within_2e7_m_of_karney(seed: int, length: float, lat0: float, lon0: float) -> None:
    """Segments up to 160 m in every direction, from the equator to 80 degrees."""
    rng = np.random.default_rng(seed)
    n = 200
    az = rng.uniform(0, 360, n)
    lat1 = np.clip(lat0 + rng.normal(0, 5, n), -79.9, 79.9)
    lon1 = (lon0 + rng.normal(0, 20, n) + 180) % 360 - 180
    lon2, lat2, _ = KARNEY.fwd(lon1, lat1, az, np.full(n, length))
    lon = np.empty(2 * n)
    lat = np.empty(2 * n)
    lon[0::2], lon[1::2], lat[0::2], lat[1::2] = lon1, lon2, lat1, lat2
    got = segment_lengths(lon, lat)[0::2]
    short = (np.abs(lat2 - lat1) <= SHORT_DEG) & (np.abs(lon2 - lon1) <= SHORT_DEG) & (np.abs(lat2) <= 80)
    assert short.any() or length > 100  # the fast formula is what is tested here
    assert np.abs(got - length).max() <= 2e-7


def test_long_segments_and_polar_ones_are_karneys_own() -> None:
    lon = np.array([10.0, 10.0005, 11.0, 11.0003, 179.9999, -179.9999, 0.0, 0.0004, 0.0])
    lat = np.array([45.0, 45.0004, 46.0, 46.0001, 0.0, 0.0, 85.0, 85.0002, 89.9])
    got = segment_lengths(lon, lat)
    ref = karney(lon, lat)
    long_ = np.array([False, True, False, True, True, True, True, True])  # > 0.001 deg, across 180, polar
    assert np.array_equal(got[long_], ref[long_])
    assert np.abs(got - ref).max() <= 2e-7


def test_a_track_of_a_million_points_sums_to_karneys_length() -> None:
    t = np.linspace(0.0, 1.0, 1_000_000)
    lon = 90.0 + 2.0 * t + 0.002 * np.sin(t * 900)
    lat = 38.0 + 0.5 * t + 0.003 * np.cos(t * 700)
    got = cumulative_lengths(lon, lat)
    assert abs(got[-1] - karney(lon, lat).sum()) < 1e-4  # metres over about 250 km
