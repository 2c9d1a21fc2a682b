"""geo.lrs / geo.calibrate: properties over random routes and anchor sets (hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from geo.calibrate import Anchor, CalibratedRoute
from geo.earth import cumulative_lengths, distance_m
from geo.errors import RouteError, TrackError
from geo.lrs import MeasuredLine


@st.composite
def routes(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    """Non-self-crossing routes: longitude strictly increasing, latitude wandering.

    Segments from about 1 m to 60 km, anywhere from the equator to 70° N/S, including routes
    that cross the antimeridian-free zone edges of UTM.
    """
    n = draw(st.integers(2, 40))
    lon0 = draw(st.floats(-170, 160))
    lat0 = draw(st.floats(-70, 70))
    dlon = np.array(draw(st.lists(st.floats(1e-5, 0.5), min_size=n - 1, max_size=n - 1)))
    dlat = np.array(draw(st.lists(st.floats(-0.4, 0.4), min_size=n - 1, max_size=n - 1)))
    lon = lon0 + np.concatenate([[0], np.cumsum(dlon)])
    lat = np.clip(lat0 + np.concatenate([[0], np.cumsum(dlat)]), -80, 80)
    return lon, lat


@settings(max_examples=200, deadline=None)
@given(routes(), st.lists(st.floats(0, 1), min_size=1, max_size=30))
def test_interpolate_locate_round_trip(route, fracs):
    line = MeasuredLine(*route)
    d = np.array(fracs) * line.length_m
    lon, lat = line.interpolate(d)
    back, offset = line.locate(lon, lat)
    assert np.all(np.abs(back - d) < 1.0), (back - d)
    assert np.all(offset < 1.0)


@st.composite
def calibrated(draw: st.DrawFn):
    lon, lat = draw(routes())
    line = MeasuredLine(lon, lat)
    k = draw(st.integers(1, 6))
    fr = sorted(set(draw(st.lists(st.floats(0, 1), min_size=k, max_size=k))))
    along = np.array(fr) * line.length_m
    assume(len(along) == 1 or np.min(np.diff(along)) > 1.0)
    increasing = draw(st.booleans())
    km0 = draw(st.floats(0, 5000))
    steps = draw(st.lists(st.floats(0.01, 3.0), min_size=len(along), max_size=len(along)))
    kms = km0 + np.concatenate([[0], np.cumsum(np.diff(along) / 1000 * np.array(steps[1:]))])
    if not increasing:
        kms = km0 - (kms - km0)
    anchors = [Anchor(float(k), float(a), f"a{i}") for i, (k, a) in enumerate(zip(kms, along, strict=True))]
    return CalibratedRoute(line, anchors, km_increasing=increasing)


@settings(max_examples=200, deadline=None)
@given(calibrated(), st.lists(st.floats(0, 1), min_size=1, max_size=20))
def test_km_point_km_round_trip_within_1m(route, fracs):
    lo, hi = route.km_range
    km = lo + np.array(fracs) * (hi - lo)
    lon, lat = route.point_at_km(km)
    back, _ = route.km_at_point(lon, lat)
    # compare in metres along the line: 1 m tolerance
    a_in = route.km_to_along(km)
    a_back = route.km_to_along(np.clip(back, lo, hi))
    assert np.all(np.abs(a_back - a_in) < 1.0)


@settings(max_examples=100, deadline=None)
@given(calibrated())
def test_anchors_are_fixed_points(route):
    for a in route.anchors:
        assert abs(route.along_to_km(a.along_m)[0] - a.km) < 1e-6
        assert abs(route.km_to_along(a.km)[0] - a.along_m) < 1e-3


def test_chainage_is_geodesic():
    line = MeasuredLine(np.array([0.0, 1.0, 2.0]), np.array([0.0, 0.0, 0.0]))
    assert line.length_m == pytest.approx(2 * 111319.49, rel=1e-6)
    assert cumulative_lengths(line.lon, line.lat)[1] == pytest.approx(distance_m(0, 0, 1, 0))


def test_interpolate_refuses_off_line_distance():
    line = MeasuredLine(np.array([90.0, 90.1]), np.array([38.0, 38.0]))
    with pytest.raises(RouteError, match="outside the line"):
        line.interpolate(line.length_m + 10)
    with pytest.raises(RouteError, match="outside the line"):
        line.interpolate(-5)


def test_bad_coordinates_name_the_point():
    with pytest.raises(TrackError, match="point 1"):
        MeasuredLine(np.array([90.0, np.nan, 91.0]), np.array([38.0, 38.0, 38.0]))
    with pytest.raises(TrackError, match=r"point 2 .*lat=95"):
        MeasuredLine(np.array([90.0, 90.5, 91.0]), np.array([38.0, 38.0, 95.0]))


def test_calibration_piecewise_linear_and_extrapolation():
    line = MeasuredLine(np.array([90.0, 90.2, 90.4]), np.array([38.0, 38.0, 38.0]))
    a1 = line.length_m / 2
    route = CalibratedRoute(line, [Anchor(100, 0.0, "s"), Anchor(110, a1, "m")])
    # between anchors: linear; beyond the last: the last interval's scale continues
    assert route.along_to_km(a1 / 2)[0] == pytest.approx(105)
    assert route.km_range == pytest.approx((100, 120))
    one = CalibratedRoute(line, [Anchor(50, a1, "only")])
    assert one.along_to_km(a1 + 1000)[0] == pytest.approx(51)


def test_anchor_order_errors():
    line = MeasuredLine(np.array([90.0, 90.2]), np.array([38.0, 38.0]))
    with pytest.raises(RouteError, match="anchors out of order"):
        CalibratedRoute(line, [Anchor(200, 0.0, "x"), Anchor(100, 1000.0, "y")])
    with pytest.raises(RouteError, match="same point"):
        CalibratedRoute(line, [Anchor(100, 10.0, "x"), Anchor(200, 10.0, "y")])
    with pytest.raises(RouteError, match="outside the route"):
        CalibratedRoute(line, [Anchor(100, 0.0, "x"), Anchor(110, 1000.0, "y")]).check_km(1e4)


def test_offset_substring_runs_in_travel_direction_and_is_offset():
    line = MeasuredLine(np.array([90.0, 90.2, 90.2]), np.array([38.0, 38.0, 38.2]))
    left = line.offset_substring(0, line.length_m, 300)
    c = np.asarray(left.coords)
    # starts near the start, ends near the end
    assert distance_m(c[0][0], c[0][1], 90.0, 38.0) < 400
    assert distance_m(c[-1][0], c[-1][1], 90.2, 38.2) < 400
    # left of an eastward line is north
    assert c[0][1] > 38.0


def test_residuals_leave_one_out():
    line = MeasuredLine(np.array([90.0, 91.0]), np.array([38.0, 38.0]))
    length = line.length_m
    r = CalibratedRoute(line, [Anchor(0, 0, "a"), Anchor(50, length / 2, "b"), Anchor(100, length, "c")])
    res = {x.label: x for x in r.residuals()}
    assert res["b"].loo_km == pytest.approx(0, abs=1e-9)
    r2 = CalibratedRoute(line, [Anchor(0, 0, "a"), Anchor(60, length / 2, "b"), Anchor(100, length, "c")])
    assert {x.label: x for x in r2.residuals()}["b"].loo_km == pytest.approx(10)


def test_vertex_along_is_the_measured_chainage_of_the_points_with_repeats() -> None:
    rng = np.random.default_rng(7)
    lon = 90.0 + np.cumsum(rng.uniform(0, 1e-3, 500))
    lat = 38.0 + np.cumsum(rng.normal(0, 1e-3, 500))
    rep = np.sort(rng.choice(500, 60))  # consecutive repeats, some of them several times
    lon_r, lat_r = np.insert(lon, rep, lon[rep]), np.insert(lat, rep, lat[rep])
    line = MeasuredLine(lon_r, lat_r)
    assert len(line.lon) == 500
    got = line.vertex_along(lon_r, lat_r)
    assert got is not None and np.array_equal(got, cumulative_lengths(lon_r, lat_r))
    other = lon_r.copy()
    other[100] += 1e-6  # one point moved: not this line's vertices
    assert line.vertex_along(other, lat_r) is None
    assert line.vertex_along(lon_r[:-1], lat_r[:-1]) is None


def _direct_dp(line: MeasuredLine, tol: float) -> np.ndarray:
    """GEOS Douglas-Peucker of the whole line at ``tol``, with nothing cached: the kept indices."""
    import shapely

    g = shapely.linestrings(line.x, line.y, np.arange(len(line.x), dtype=np.float64))
    z = shapely.get_coordinates(shapely.simplify(g, tol, preserve_topology=False), include_z=True)[:, 2]
    return z.astype(np.int64)


@st.composite
def wiggly_lines(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    """Lines of 3-400 vertices a few metres to a few km apart, often turning back on themselves,
    with runs of collinear vertices (equal distances: ties for the farthest vertex), sometimes
    closed (a round trip)."""
    n = draw(st.integers(3, 400))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    step = draw(st.sampled_from([1e-5, 1e-4, 1e-2]))
    dlon = rng.normal(0, step, n - 1)
    dlat = rng.normal(0, step, n - 1)
    if draw(st.booleans()):  # straight runs: the same step repeated
        dlon[::3] = dlon[0]
        dlat[::3] = dlat[0]
    lon = 30.0 + np.concatenate([[0], np.cumsum(dlon)])
    lat = 45.0 + np.concatenate([[0], np.cumsum(dlat)])
    if draw(st.booleans()):
        lon[-1], lat[-1] = lon[0], lat[0]
    return lon, lat


@settings(max_examples=150, deadline=None)
@given(wiggly_lines(), st.lists(st.floats(1e-3, 300.0), min_size=1, max_size=6))
def test_douglas_peucker_from_a_finer_result_is_the_full_lines(line_ll, tols):
    lon, lat = line_ll
    try:
        line = MeasuredLine(lon, lat)
    except RouteError:
        assume(False)
    fresh = MeasuredLine(lon, lat)
    for tol in tols:  # in the order drawn: coarser from finer, finer from the full line
        got = line.douglas_peucker(tol)
        want = _direct_dp(fresh, tol)
        np.testing.assert_array_equal(got, want)
        assert got is line.douglas_peucker(tol)  # kept


def test_douglas_peucker_of_a_long_line_reuses_the_finer_result():
    rng = np.random.default_rng(7)
    n = 50_000
    lon = 90.0 + np.cumsum(rng.uniform(0, 2e-4, n))
    lat = 38.0 + np.cumsum(rng.normal(0, 5e-5, n))
    line = MeasuredLine(lon, lat)
    fine = line.douglas_peucker(0.5)
    assert 100 < len(fine) < n
    for tol in (1.0, 2.0, 8.0):
        np.testing.assert_array_equal(line.douglas_peucker(tol), _direct_dp(line, tol))
