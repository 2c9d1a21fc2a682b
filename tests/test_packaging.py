"""kmpost installs like any other package: a wheel built from a fresh clone, installed into a fresh
venv, runs ``kmpost build`` with no npm on the PATH, and the map renders offline in Chromium.

Needs git, the package index (pip, as for any install; pip's own cache keeps reruns quick) and
Debian's Chromium. Slow (a fresh venv gets numpy, pandas, geopandas, pyarrow, matplotlib ...):
run with ``--run-slow`` (``./dev test`` and CI do).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests._browser import needs_chromium, offline_browser, open_offline

ROOT = Path(__file__).resolve().parents[1]


def test_version_option(capsys: pytest.CaptureFixture[str]) -> None:
    from importlib import metadata

    import cli

    with pytest.raises(SystemExit) as done:
        cli.make_parser().parse_args(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.split() == ["kmpost", metadata.version("kmpost")]


def _run(cmd: list[str | Path], *, env: dict[str, str] | None = None, cwd: Path | None = None,
         timeout: float = 1200) -> str:
    done = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=env, cwd=cwd,
                          timeout=timeout, check=False)
    if done.returncode != 0:
        pytest.fail(f"{' '.join(map(str, cmd))} exited {done.returncode}:\n"
                    f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done.stdout + done.stderr


@pytest.mark.slow
@pytest.mark.browser
@needs_chromium
def test_wheel_from_fresh_clone_builds_an_offline_map(tmp_path: Path) -> None:
    git = shutil.which("git")
    if git is None:
        pytest.skip("git not installed (.ci/run installs it as root)")
    clone = tmp_path / "clone"
    _run([git, "clone", "--quiet", "--no-hardlinks", ROOT, clone])
    tracked = _run([git, "-C", clone, "ls-files"]).split()
    assert "maps/assets/kmpost_map.js" in tracked and "LICENSE" in tracked
    assert not [f for f in tracked if f.endswith(("leaflet.js", "leaflet.css", "jquery.min.js"))]

    # the wheel: built by pip from the clone (build isolation: setuptools from the index)
    dist = tmp_path / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", dist, clone])
    (wheel,) = dist.glob("kmpost-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for own in ("kmpost_map.js", "kmpost_map.css", "kmpost_offset.js", "SHA256SUMS"):
        assert f"maps/assets/{own}" in names, own
    assert "roadbook/data/g315.yaml" in names and "cli.py" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") or n.endswith(".dist-info/LICENSE") for n in names)
    assert not [n for n in names if "vendor" in n or n.endswith(("leaflet.js", "jquery.min.js"))]

    # a fresh venv; every command below runs with a PATH that holds only its bin/ (no npm)
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", venv])
    path = str(venv / "bin")
    assert shutil.which("npm", path=path) is None and shutil.which("node", path=path) is None
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    env.update(PATH=path, MPLBACKEND="Agg")
    _run([venv / "bin" / "python", "-m", "pip", "install", "--quiet", wheel], env=env, cwd=tmp_path)

    work = tmp_path / "work"  # not the clone: kmpost must come from the installed wheel
    work.mkdir()
    where = _run([venv / "bin" / "python", "-c", "import maps; print(maps.__file__)"], env=env, cwd=work)
    assert str(venv) in where
    version = _run([venv / "bin" / "kmpost", "--version"], env=env, cwd=work)
    assert version.split() == ["kmpost", "0.1.0"]
    assert "OK: Leaflet 1.9.4" in _run([venv / "bin" / "python", "-m", "maps.assets"], env=env, cwd=work)
    _run([venv / "bin" / "kmpost", "build", "--out", work / "out"], env=env, cwd=work)

    html = work / "out" / "kmpost.html"
    text = html.read_text("utf-8")
    assert "BSD 2-Clause License" in text  # Leaflet's licence travels with the map
    with offline_browser() as browser, open_offline(browser, html) as run:
        drawn = run.js("() => Object.keys(window.kmpost.layers).filter(k => window.kmpost.rendered(k) > 0)")
        assert run.page_errors == [] and run.console_errors == [] and run.dialogs == []
        assert run.blocked == []  # no request at all: not a tile, not a script
    assert {"route", "checkpoints", "km_markers"} <= set(drawn), drawn
