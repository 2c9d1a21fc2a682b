"""geo.lrs.MeasuredLine.locate: the scan for a few points (anchors) equals the indexed path."""

from __future__ import annotations

import numpy as np

from geo.lrs import FEW_POINTS, MeasuredLine
from tests._gpxfixtures import zigzag_track


def test_scan_and_index_agree() -> None:
    t = zigzag_track(20_000, seed=3)
    rng = np.random.default_rng(7)
    idx = rng.integers(0, len(t), 60)
    lon = t.lon[idx] + rng.normal(0, 0.002, 60)
    lat = t.lat[idx] + rng.normal(0, 0.002, 60)
    scan = MeasuredLine(t.lon, t.lat)
    one = [scan.locate(lon[i:i + FEW_POINTS], lat[i:i + FEW_POINTS]) for i in range(0, 60, FEW_POINTS)]
    assert scan._tree is None  # the few-point path built no index
    along_s = np.concatenate([a for a, _ in one])
    off_s = np.concatenate([o for _, o in one])
    along_i, off_i = MeasuredLine(t.lon, t.lat).locate(lon, lat)  # 60 points: the index
    np.testing.assert_allclose(off_s, off_i, atol=1e-6)
    np.testing.assert_allclose(along_s, along_i, atol=1e-3)
