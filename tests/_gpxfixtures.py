"""Test data for the track readers and the bike-computer exporters, built in code.

Nothing here is copied from elsewhere; the shapes imitate the seed route (G315 near 38°N 90°E).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geo.earth import cumulative_lengths
from geo.track import Track

GPX11 = "http://www.topografix.com/GPX/1/1"
GPX10 = "http://www.topografix.com/GPX/1/0"
ROOT = Path(__file__).resolve().parents[1]
#: the validation kit (../shared/kit) and its venv (.kit-venv); ./dev test sets both variables
KIT = Path(os.environ.get("KMPOST_KIT", ROOT.parent / "shared" / "kit"))
KIT_VENV = Path(os.environ.get("KIT_VENV", ROOT / ".kit-venv"))

#: Every event kind the core emits (brief of issue 4) plus one unknown kind.
KINDS = ["checkpoint", "turn_off", "sign", "park", "town", "water", "food", "hazard", "downhill",
         "highway_start", "highway_end", "parallel_start", "resurfacing_start", "border",
         "camping", "pass", "info", "transport", "restriction", "border_crossing", "km_marker",
         "something_new"]


def gpx_doc(body: str, *, version: str = "1.1", decl: str = '<?xml version="1.0" '
            'encoding="UTF-8"?>\n', extra_ns: str = "") -> str:
    """A GPX document around ``body`` (GPX 1.0 or 1.1 namespace)."""
    ns = GPX11 if version == "1.1" else GPX10
    return (f'{decl}<gpx xmlns="{ns}" version="{version}" creator="test"{extra_ns}>\n'
            f"{body}</gpx>\n")


def trkseg(lon: list[float], lat: list[float], ele: list[float | None] | None = None,
           fmt: Callable[[float], str] = str) -> str:
    """A ``<trkseg>`` with the given points (ele None: no <ele>), numbers written by ``fmt``."""
    pts = []
    for i, (x, y) in enumerate(zip(lon, lat, strict=True)):
        e = None if ele is None else ele[i]
        inner = "" if e is None else f"<ele>{fmt(e)}</ele>"
        pts.append(f'<trkpt lat="{fmt(y)}" lon="{fmt(x)}">{inner}</trkpt>')
    return "<trkseg>" + "".join(pts) + "</trkseg>"


def write(tmp: Path, name: str, text: str | bytes, encoding: str = "utf-8") -> Path:
    """Write a file into tmp and return its path."""
    p = tmp / name
    p.write_bytes(text if isinstance(text, bytes) else text.encode(encoding))
    return p


def zigzag_track(n: int, *, ele: bool = True, segments: int = 1, seed: int = 1) -> Track:
    """A wiggly ~200 km line from (90.0, 38.0) eastwards with ``n`` points and GPS-like jitter."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0.0, 1.0, n)
    lon = 90.0 + 2.0 * t + 0.002 * np.sin(t * 900) + rng.normal(0, 2e-5, n)
    lat = 38.0 + 0.5 * t + 0.003 * np.cos(t * 700) + rng.normal(0, 2e-5, n)
    el = 2800 + 300 * np.sin(t * 20) if ele else None
    starts = np.linspace(0, n, segments, endpoint=False).astype(np.int64)
    return Track(lon=lon, lat=lat, ele=el, segment_starts=starts, source="zigzag")


def along(track: Track) -> np.ndarray:
    """Geodesic metres along the line per vertex."""
    return cumulative_lengths(track.lon, track.lat)


def events_for(track: Track, along_m: np.ndarray, kinds: list[str] | None = None,
               *, names: list[str] | None = None) -> gpd.GeoDataFrame:
    """One event per kind, spread along the line, in the DESIGN.md layer schema."""
    kinds = kinds or KINDS
    total = float(along_m[-1])
    rows = []
    for i, kind in enumerate(kinds):
        d = total * (i + 0.5) / len(kinds)
        k = int(np.searchsorted(along_m, d))
        name = names[i] if names else f"{kind.replace('_', ' ').title()} number {i}"
        rows.append({
            "layer": "camping" if kind == "camping" else "road_events",
            "kind": kind, "km": 1300.0 + d / 1000, "km_pos": 1300.0 + d / 1000, "along_m": d,
            "name": name, "note": f"At km {1300 + d / 1000:.1f} {kind} — from a forum post",
            "source": "forum: test", "side": "left" if i % 2 else None,
            "confidence": "medium", "located_by": "km",
            "geometry": shapely.Point(float(track.lon[k]), float(track.lat[k])),
        })
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


def kit_ready(script: str, tools: tuple[str, ...] = ("xmllint", "gpsbabel")) -> str | None:
    """None if a kit script can run, else the reason to skip (the one check of every kit test)."""
    if not (KIT / script).exists():
        return f"kit script {KIT / script} not found (set KMPOST_KIT)"
    if not (KIT_VENV / "bin" / "python").exists():
        return f"kit venv {KIT_VENV} missing (./dev test installs it; or set KIT_VENV)"
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        return f"{', '.join(missing)} not installed (./dev test installs them as root)"
    return None


def run_kit(script: str, path: Path, *args: str, timeout: float = 300) -> str:
    """Run a kit validator; fail the test with its output unless it exits 0."""
    env = dict(os.environ, KIT_VENV=str(KIT_VENV))
    p = subprocess.run([str(KIT / script), str(path), *args], capture_output=True, text=True,
                       env=env, timeout=timeout)
    out = p.stdout + p.stderr
    if p.returncode != 0:
        pytest.fail(f"{script} {path.name} exited {p.returncode}:\n{out[-4000:]}")
    return out


def decimal(x: float) -> str:
    """``x`` as an xsd:decimal (no exponent), shortest digits that read back exactly."""
    return np.format_float_positional(x, unique=True, trim="-")


def trkseg_decimal(lon: list[float], lat: list[float],
                   ele: list[float | None] | None = None) -> str:
    """Like :func:`trkseg`, but numbers written as xsd:decimal (what GPX requires): exact."""
    return trkseg(lon, lat, ele, fmt=decimal)
