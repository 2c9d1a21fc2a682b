"""maps.textfmt.fixed_rows: the bytes of Python's ``%`` for every value (property test)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maps.textfmt import fixed_rows


def printf(parts: list, n: int) -> bytes:
    fmt = "".join(p if isinstance(p, str) else f"%.{p[1]}f" for p in parts)
    cols = [np.asarray(p[0], dtype=np.float64) for p in parts if not isinstance(p, str)]
    return ((fmt * n) % tuple(np.column_stack(cols).ravel().tolist())).encode()


finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
# values at a half of the last decimal (ties), near powers of ten, tiny and signed zeros
special = st.sampled_from([0.0, -0.0, 5e-8, -5e-8, 4e-8, -4e-8, 0.5, 1.5, 2.5, -2.5, 9.99999995, 99.99999995,
                           0.05, 0.15, 0.25, -0.35, 179.99999995, -179.99999995, 1e-300, 1e15, -9.5e14])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(finite, special, st.floats(-200, 200)), min_size=1, max_size=60),
       st.integers(0, 9))
def test_one_column_is_printf(values: list[float], places: int) -> None:
    v = np.array(values)
    assert fixed_rows(['<a x="', (v, places), '"/>\n']) == printf(['<a x="', (v, places), '"/>\n'], len(v))


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 300), st.integers(0, 2**32 - 1), st.booleans())
def test_track_rows_are_printf(n: int, seed: int, wide: bool) -> None:
    """Coordinates of a track (one width per column, or widths changing inside the block)."""
    rng = np.random.default_rng(seed)
    if wide:
        lat, lon, ele = rng.uniform(-90, 90, n), rng.uniform(-180, 180, n), rng.uniform(-500, 9000, n)
    else:
        lat = 38.0 + np.cumsum(rng.normal(0, 1e-4, n))
        lon = 99.9995 + np.cumsum(rng.normal(0, 1e-4, n))   # crosses 100 degrees now and then
        ele = 2800 + rng.normal(0, 50, n)
    k = rng.integers(0, n, max(1, n // 10))
    lat[k] = np.round(lat[k], 7) + 5e-8                          # near ties of the 7th decimal
    parts = ['    <trkpt lat="', (lat, 7), '" lon="', (lon, 7), '"><ele>', (ele, 1), "</ele></trkpt>\n"]
    assert fixed_rows(parts) == printf(parts, n)


def test_not_finite_and_huge_values_are_printf_too() -> None:
    v = np.array([np.nan, np.inf, -np.inf, 1e300, 3.0])
    assert fixed_rows([(v, 2), ";"]) == b"nan;inf;-inf;" + b"%.2f;" % 1e300 + b"3.00;"


def test_arguments() -> None:
    assert fixed_rows([(np.array([]), 3), "x"]) == b""
    with pytest.raises(ValueError, match="differ in length"):
        fixed_rows([(np.array([1.0]), 1), (np.array([1.0, 2.0]), 1)])
    with pytest.raises(ValueError, match="at least one column"):
        fixed_rows(["just text"])


def test_long_arrays_are_formatted_block_by_block_with_the_same_bytes() -> None:
    rng = np.random.default_rng(3)
    n = 120_001  # more than two blocks, the last one short
    lon = 99.9 + np.cumsum(rng.normal(0, 2e-4, n))
    lat = -0.01 + np.cumsum(rng.normal(0, 1e-6, n))  # around the equator: signs change
    parts = ["[", (lon, 7), ",", (lat, 7), "],"]
    assert fixed_rows(parts) == printf(parts, n)
