"""geo.crs.LocalProjection: long arrays transformed in two halves give PROJ's own numbers."""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

from geo.crs import SPLIT_FROM, LocalProjection


def _line(n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(5)
    return 86.0 + np.cumsum(rng.uniform(0, 2e-5, n)), 41.0 + np.cumsum(rng.normal(0, 2e-5, n))


def test_halves_are_the_whole() -> None:
    lon, lat = _line(SPLIT_FROM + 1001)  # odd length: halves of different sizes
    p = LocalProjection.centred_on(lon, lat)
    x, y = p.forward(lon, lat)
    x0, y0 = p._fwd.transform(lon, lat)  # one call on the whole array
    assert np.array_equal(x, x0) and np.array_equal(y, y0)
    lo, la = p.inverse(x, y)
    lo0, la0 = p._inv.transform(x, y)
    assert np.array_equal(lo, lo0) and np.array_equal(la, la0)
    assert np.abs(lo - lon).max() < 1e-9 and np.abs(la - lat).max() < 1e-9


@pytest.mark.skipif(not hasattr(os, "fork") or not sys.platform.startswith("linux"), reason="fork")
def test_halves_in_a_forked_process() -> None:
    """The build's writer process is forked after the calibration projected the line."""
    lon, lat = _line(SPLIT_FROM + 10)
    p = LocalProjection.centred_on(lon, lat)
    x, _ = p.forward(lon, lat)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            xc, _ = p.forward(lon, lat)
            os.write(w, b"1" if np.array_equal(xc, x) else b"0")
        finally:
            os._exit(0)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        got = f.read()
    os.waitpid(pid, 0)
    assert got == b"1"
