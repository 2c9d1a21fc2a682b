"""The map's browser assets: Leaflet from the pinned PyPI package, checked against SHA256SUMS."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from geo.errors import OutputError
from maps import assets

ROOT = Path(__file__).resolve().parents[1]


def test_assets_are_pinned_and_verified() -> None:
    assert assets.LEAFLET_VERSION == "1.9.4"
    assert metadata.version(assets.LEAFLET_DIST) == assets.LEAFLET_DIST_VERSION
    done = subprocess.run([sys.executable, "-m", "maps.assets"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "6 files match SHA256SUMS" in done.stdout
    css = assets.read_vendor("leaflet.css")
    assert "images/layers.png" not in css and "data:image/png;base64," in css
    assert "sourceMappingURL" not in assets.read_vendor("leaflet.js")


def test_pyproject_pins_the_same_version() -> None:
    text = (ROOT / "pyproject.toml").read_text("utf-8")
    assert f'"{assets.LEAFLET_DIST}=={assets.LEAFLET_DIST_VERSION}"' in text


def test_sums_are_the_leaflet_1_9_4_bytes() -> None:
    # the same sums as the npm package leaflet@1.9.4 that kmpost used before (leaflet.js, .css)
    sums = assets.expected_sums()
    assert sums["js_lib_leaflet/static/js_lib_leaflet/leaflet.js"].startswith("db49d009c841f5ca")
    assert sums["js_lib_leaflet/static/js_lib_leaflet/leaflet.css"].startswith("a7837102824184")
    root = assets.verified_dir()
    for rel, digest in sums.items():
        assert hashlib.sha256((root / rel).read_bytes()).hexdigest() == digest, rel


def test_inlined_code_carries_the_licence_and_nothing_external() -> None:
    for name in assets.VENDOR_FILES:
        text = assets.read_vendor(name)
        assert text.startswith("/*! Leaflet 1.9.4")
        assert "BSD 2-Clause License" in text.split("*/", 1)[0]
        assert "</script" not in text.lower() and "</style" not in text.lower()
    assert "Leaflet 1.9.4" in assets.read_vendor("leaflet.js")
    with pytest.raises(KeyError):
        assets.read_vendor("jquery.min.js")  # dropped: the page calls no jQuery
    with pytest.raises(KeyError):
        assets.read_own("../pyproject.toml")


def test_altered_or_missing_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sums = tmp_path / "SHA256SUMS"
    real = assets.expected_sums()
    lines = [f"{'0' * 64}  {rel}" if rel.endswith("leaflet.js") else f"{d}  {rel}" for rel, d in real.items()]
    sums.write_text("\n".join([*lines, f"{'1' * 64}  js_lib_leaflet/no-such-file.js"]) + "\n", "utf-8")
    monkeypatch.setattr(assets, "ASSETS_DIR", tmp_path)
    assets.verified_dir.cache_clear()
    try:
        with pytest.raises(OutputError) as err:
            assets.verified_dir()
    finally:
        assets.verified_dir.cache_clear()
    problems = err.value.problems
    assert len(problems) == 2
    assert "leaflet.js: does not match maps/assets/SHA256SUMS (expected 000000000000...)" in problems[0]
    assert "--force-reinstall 'django-js-lib-leaflet==1.9.4.1'" in problems[0]
    assert "no-such-file.js: missing" in problems[1]


def test_wrong_version_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(assets, "LEAFLET_DIST_VERSION", "0.0.1")
    assets.verified_dir.cache_clear()
    try:
        with pytest.raises(OutputError, match=r"django-js-lib-leaflet 1\.9\.4\.1 is installed, kmpost pins 0\.0\.1"):
            assets.verified_dir()
    finally:
        assets.verified_dir.cache_clear()
