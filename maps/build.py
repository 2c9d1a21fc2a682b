"""The build pipeline: roadbook (+ track) -> layers -> every output file, atomically.

``build()`` validates and computes everything in memory first; only then are files written, into
a staging folder that replaces the outputs in ``out_dir`` at the very end. Bad input therefore
never leaves a half-written or half-updated ``out_dir``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd

from geo.track import Track
from layers import RouteContext, build_all, build_route
from maps.files import AtomicDir, write_geojson, write_geopackage
from roadbook.schema import Roadbook

GPKG_NAME = "kmpost.gpkg"


@dataclass
class BuildOptions:
    """Output options of ``kmpost build`` (see ``kmpost build --help``)."""

    out_dir: Path = Path("out")


@dataclass
class BuildReport:
    """What a build wrote and what the user should know."""

    ctx: RouteContext
    layers: dict[str, gpd.GeoDataFrame]
    files: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def build(rb: Roadbook, track: Track | None = None, options: BuildOptions | None = None) -> BuildReport:
    """Build every output of a roadbook into ``options.out_dir``."""
    opts = options or BuildOptions()
    ctx = build_route(rb, track)
    layers = build_all(ctx)
    report = BuildReport(ctx, layers, warnings=list(ctx.warnings))
    with AtomicDir(opts.out_dir) as stage:
        write_geopackage(layers, stage / GPKG_NAME)
        for name, gdf in layers.items():
            write_geojson(gdf, stage / f"{name}.geojson")
        names = sorted(p.name for p in stage.iterdir())
    report.files = [opts.out_dir / n for n in names]
    return report
