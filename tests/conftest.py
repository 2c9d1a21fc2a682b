"""Shared fixtures: the embedded seed route, built once, and small roadbooks written in code."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from layers import Calibration, build_all, calibrate
from roadbook import load_embedded

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--run-slow", action="store_true",
                     help="also run the tests marked slow (./dev test and CI pass it)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip the ``slow`` tests unless ``--run-slow`` is given (a plain ``pytest`` stays quick)."""
    if config.getoption("--run-slow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --run-slow (./dev test does)")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def seed_ctx() -> Calibration:
    return calibrate(load_embedded("g315"))


@pytest.fixture(scope="session")
def seed_layers(seed_ctx: Calibration) -> dict:
    return build_all(seed_ctx)


MINI = """\
kmpost_roadbook: 1
route:
  id: mini
  name: Mini route
sources:
  - id: s
    title: test notes
    licence: written for the tests
places:
  - id: a
    name: Alpha
    lat: 38.0
    lon: 90.0
    coord_source: test
    on_route: true
  - id: b
    name: Beta
    lat: 38.3
    lon: 90.6
    coord_source: test
    on_route: true
anchors:
  - km: 100
    place: a
    source: test
    confidence: high
  - km: 160
    place: b
    source: test
    confidence: high
events:
  - kind: checkpoint
    km: 120
    note: "At km 120 checkpoint."
    source: s
"""


@pytest.fixture
def mini_text() -> str:
    return MINI


@pytest.fixture
def write_roadbook(tmp_path: Path):
    def write(text: str, name: str = "rb.yaml") -> Path:
        p = tmp_path / name
        p.write_text(textwrap.dedent(text), encoding="utf-8")
        return p
    return write
