"""The build pipeline: roadbook (+ track) -> calibration -> layers -> every output file, atomically.

It sits above ``layers`` (what the features are) and ``maps`` (how they are written): the one
place where the data path of ``kmpost build`` can be read top to bottom.

``build()`` validates and computes every layer in memory first; only then are files written,
into a staging folder that is switched into place as a whole at the very end
(:class:`maps.files.AtomicDir`; the guarantee is in docs/outputs.md). Bad input therefore never
leaves a half-written or half-updated ``out_dir``.

Where the system forks and a second CPU was idle while the layers were computed
(:func:`maps.files.second_process`), the map page is written into the staging folder by a second process
(:class:`maps.files.Background`) while this one builds the course and writes the courses and the
roadbook; the profile, the GeoPackage and the GeoJSON files are then written by whichever of the
two is free first (:class:`maps.files.TaskPool`); the second process's error is
raised here as it was, and the folder is switched only when both are done.
``BuildOptions.jobs`` (or ``KMPOST_JOBS``) 1 writes everything in this process, 2 always forks.
Before that, two helper threads do the long GEOS simplifications of the line that the writers
start from (the map's finest route level during the calibration, the line's Douglas-Peucker at
1 m during the layers; :func:`_map_levels_ahead`, :func:`_simplify_ahead`); both are joined
before the fork, and their results are what the writers would compute themselves.

Outputs (names fixed, see :data:`OUTPUTS`): ``kmpost.gpkg`` + one GeoJSON per layer,
``kmpost.html`` (offline map), ``kmpost.gpx`` / ``kmpost.fit`` / ``kmpost.tcx`` (courses),
``roadbook.md`` / ``roadbook.html`` (printable), ``profile.png`` (when there is anything to draw).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.track import Track
from layers import Calibration, build_all, calibrate
from layers.calibration import SCHEMATIC_NOTICE, RideOptions
from maps.files import AtomicDir, Background, CpuProbe, TaskPool, second_process, write_geojson, write_geopackage
from roadbook.schema import Roadbook

GPKG_NAME = "kmpost.gpkg"
OUTPUTS = ("kmpost.gpkg", "kmpost.html", "kmpost.gpx", "kmpost.fit", "kmpost.tcx", "roadbook.md",
           "roadbook.html", "profile.png")

#: Layers whose located point features become GPX waypoints and FIT/TCX course points.
COURSE_LAYERS = ("checkpoints", "road_events", "camping", "places", "border_crossings", "stretches")


@dataclass
class BuildOptions:
    """Output options of ``kmpost build`` (see ``kmpost build --help``).

    Attributes:
        out_dir: folder for every output.
        profile: device profile for GPX names/symbols (garmin, wahoo, karoo, osmand).
        gpx_route: write the GPX line as a route (``<rte>``) instead of a track.
        max_points: simplify the course line to at most this many points (None: keep all in GPX;
            FIT/TCX use their own defaults for older devices).
        km_markers_every: add a waypoint / course point every N road km (None: none).
        course_layers: layers whose points go into GPX/FIT/TCX.
        jobs: how many processes write the outputs (1: this one only; 2: two where the system can
            fork; None: two when another CPU is idle, see :func:`maps.files.second_process`).
    """

    out_dir: Path = Path("out")
    profile: str = "garmin"
    gpx_route: bool = False
    max_points: int | None = None
    km_markers_every: float | None = None
    course_layers: Collection[str] = COURSE_LAYERS
    basemap: Path | None = None  # raster MBTiles embedded as offline base map (maps.basemap)
    basemap_width_m: float = 3000.0  # corridor half-width, metres
    basemap_zoom: tuple[int, int] = (6, 13)
    stages: str | None = None  # day stages: a target km ("90") or a stage file (maps.stages)
    jobs: int | None = None  # processes writing the outputs: None = 2 when a CPU is idle, 1 = one, 2 = two


@dataclass
class BuildReport:
    """What a build wrote and what the user should know."""

    ctx: Calibration
    layers: dict[str, gpd.GeoDataFrame]
    files: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def course_events(layers: dict[str, gpd.GeoDataFrame], names: Collection[str]) -> gpd.GeoDataFrame:
    """Point features placed on the route (``along_m`` known) of the given layers, by along_m."""
    parts = []
    for name in names:
        gdf = layers.get(name)
        if gdf is None or not len(gdf):
            continue
        g = gdf[gdf["along_m"].notna() & gdf.geometry.notna()].copy()
        g = g[g.geometry.geom_type == "Point"]
        if len(g):
            parts.append(g[["layer", "kind", "km", "km_pos", "along_m", "name", "note", "source", "side",
                            "confidence", "located_by",
                            *[c for c in ("length_km", "restricted", "restrictions") if c in g.columns], "geometry"]])
    if not parts:
        return gpd.GeoDataFrame(columns=["layer", "kind", "along_m", "geometry"], geometry="geometry",
                                crs="EPSG:4326")
    out = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs="EPSG:4326")
    return out.sort_values("along_m", kind="stable").reset_index(drop=True)


def route_info(ctx: Calibration) -> list[str]:
    """Lines for the map's "Route info" panel: rules with no single place (dated) and guidance."""
    rb = ctx.roadbook
    lines = [f"[{r.date}] {r.kind.replace('_', ' ')}"
             + (" (at every checkpoint)" if r.applies_to == "checkpoints" else "") + f": {r.note}"
             for r in rb.restrictions if r.place is None and r.km is None]
    lines += [f"{g.topic.capitalize()}: {g.note}" for g in rb.guidance]
    return lines


def _zone_starts(ctx: Calibration, layers: dict[str, gpd.GeoDataFrame]) -> gpd.GeoDataFrame | None:
    """A point at the start of each camping zone (a course point 'camping zone starts')."""
    cz = layers.get("camping")
    if cz is None or not len(cz):
        return None
    zones = cz[cz.geometry.geom_type != "Point"]
    if not len(zones):
        return None
    lon, lat = ctx.line.interpolate(zones["along_m"].to_numpy())
    g = zones.drop(columns="geometry").copy()
    g["name"] = [f"{n} (start)" for n in g["name"]]
    return gpd.GeoDataFrame(g, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")


class _Ahead:
    """A simplification of the line run in a thread while the layers are computed: GEOS lets go
    of the interpreter, so a second CPU does it meanwhile. The result stays in the line
    (:meth:`geo.lrs.MeasuredLine.douglas_peucker`), where the course writers and the map page
    (in either process) start from it; :meth:`join` waits and raises what the thread raised."""

    def __init__(self, fn: Callable[[], object] | None) -> None:
        self.error: BaseException | None = None
        self.thread: threading.Thread | None = None
        if fn is None:
            return

        def run() -> None:
            try:
                fn()
            except BaseException as exc:  # raised again by join()
                self.error = exc

        self.thread = threading.Thread(target=run, name="kmpost-simplify", daemon=True)
        self.thread.start()

    def join(self) -> None:
        if self.thread is not None:
            self.thread.join()
            self.thread = None
        if self.error is not None:
            err, self.error = self.error, None
            raise err


def _simplify_ahead(ctx: Calibration, budgets: list[int | None]) -> _Ahead:
    """Start the one Douglas-Peucker of the full line that both the course writers (budgets of
    FIT, TCX, GPX: vertices; :data:`maps.simplify.FIRST_TOLERANCE_M`) and the map page's riding
    companion (:data:`maps.html.COMPANION_TOLERANCE_M`) begin with, at the finer of their first
    tolerances, in a thread (:class:`_Ahead`); their later tries start from it. Nothing is
    started for a line that none of them simplifies."""
    from maps._course import _same_vertices
    from maps.html import COMPANION_MAX_VERTICES, COMPANION_TOLERANCE_M
    from maps.simplify import FIRST_TOLERANCE_M

    line, trk = ctx.line, ctx.track
    tols = []
    if any(b is not None and b < len(trk) for b in budgets) and len(trk.segment_starts) == 1 \
            and _same_vertices(trk, line) is not None:
        tols.append(FIRST_TOLERANCE_M)
    if len(line.x) > COMPANION_MAX_VERTICES:
        tols.append(COMPANION_TOLERANCE_M)
    if not tols:
        return _Ahead(None)
    tol = min(tols)
    return _Ahead(lambda: line.douglas_peucker(tol))


#: A line of at least this many vertices gets its map levels made ahead (:func:`_map_levels_ahead`).
AHEAD_MIN_VERTICES = 20_000


def _map_levels_ahead(track: Track | None) -> _Ahead:
    """Start the finest level of the map page's route line (:func:`maps.html.simplify_ahead`) in
    a thread while the track is calibrated: of the track's vertices without consecutive
    repeats, which are the line's (:class:`geo.lrs.MeasuredLine`); were the line another, the
    map page would simplify it itself. Nothing for a short track or none."""
    if track is None or len(track) < AHEAD_MIN_VERTICES:
        return _Ahead(None)
    from maps.html import simplify_ahead

    lon = np.ascontiguousarray(track.lon, dtype=np.float64)
    lat = np.ascontiguousarray(track.lat, dtype=np.float64)

    def run() -> None:
        new = np.ones(len(lon), dtype=bool)
        new[1:] = (np.diff(lon) != 0) | (np.diff(lat) != 0)
        simplify_ahead(lon, lat) if new.all() else simplify_ahead(lon[new], lat[new])

    return _Ahead(run)


def build(rb: Roadbook, track: Track | None = None, options: BuildOptions | None = None,
          ride: RideOptions | None = None) -> BuildReport:
    """Build every output of a roadbook into ``options.out_dir``.

    ``ride`` says how a rider's own track relates to the roadbook (user anchors, direction); see
    :func:`layers.calibration.calibrate`."""
    from maps.fit import FIT_DEFAULT_MAX_POINTS
    from maps.html import simplify_ahead
    from maps.tcx import TCX_DEFAULT_MAX_POINTS

    opts = options or BuildOptions()
    probe = CpuProbe()  # are other CPUs free while this one calibrates? (a second writer then helps)
    try:
        lod = _map_levels_ahead(track)
        try:
            ctx = calibrate(rb, track, ride)
        finally:
            lod.join()
        parallel = second_process(opts.jobs, probe)
        ahead = _simplify_ahead(ctx, [opts.max_points, opts.max_points or FIT_DEFAULT_MAX_POINTS,
                                      opts.max_points or TCX_DEFAULT_MAX_POINTS])
        try:
            layers = build_all(ctx)
        finally:
            ahead.join()  # before the fork: no thread may run while the writer process is made
        return _write(rb, ctx, layers, opts, parallel)
    finally:
        simplify_ahead(None)  # forget the map levels made ahead (the line's arrays)


def _write(rb: Roadbook, ctx: Calibration, layers: dict[str, gpd.GeoDataFrame], opts: BuildOptions,
           parallel: bool) -> BuildReport:
    """Every output file of a calibrated roadbook and its layers into ``opts.out_dir``, the map
    files by a second process when ``parallel`` (see :func:`build`)."""
    from maps._course import SourceLink, build_course
    from maps.fit import FIT_DEFAULT_MAX_POINTS, write_fit
    from maps.gpx import write_gpx
    from maps.html import track_gaps, write_html
    from maps.profile import profile_svg, write_profile
    from maps.roadbook_text import write_roadbook
    from maps.tcx import TCX_DEFAULT_MAX_POINTS, write_tcx

    report = BuildReport(ctx, layers, warnings=list(ctx.warnings))

    trk = ctx.track
    name = rb.route.name
    desc = (rb.route.description or name) + (" " + SCHEMATIC_NOTICE if ctx.schematic else "")
    sources = [SourceLink(s.title, s.url, s.licence) for s in rb.sources.values()]
    kms = layers["km_markers"]

    basemap = None
    if opts.basemap is not None:
        from maps.basemap import read_corridor

        basemap = read_corridor(opts.basemap, ctx.line.lon, ctx.line.lat, half_width_m=opts.basemap_width_m,
                                min_zoom=opts.basemap_zoom[0], max_zoom=opts.basemap_zoom[1])
        report.notes.append(f"kmpost.html: {len(basemap.tiles)} base map tiles from {basemap.source} "
                            f"(zoom {basemap.min_zoom}-{basemap.max_zoom}, {basemap.embedded_bytes / 1e6:.1f} MB)")
        if basemap.dropped_zooms:
            report.warnings.append(f"{basemap.source}: zoom {', '.join(map(str, basemap.dropped_zooms))} left out "
                                   "to keep the map small; narrow --basemap-width or lower --basemap-zoom")
    _ = ctx.track_along_m  # computed once here, shared by both processes
    out = AtomicDir(opts.out_dir)
    with out as stage:
        def write_geojsons() -> None:
            for lname, gdf in layers.items():
                write_geojson(gdf, stage / f"{lname}.geojson")

        # files that need only the layers, written by whichever process is free first (largest first)
        shared = TaskPool([lambda: write_profile(ctx, layers, stage / "profile.png"),
                           lambda: write_geopackage(layers, stage / GPKG_NAME), write_geojsons])

        def write_maps() -> None:
            """The map page, then the shared files (profile, GeoPackage, GeoJSON) not yet taken."""
            write_html(stage / "kmpost.html", layers, title=name, schematic=ctx.schematic,
                       notice=SCHEMATIC_NOTICE if ctx.schematic else None, info=route_info(ctx),
                       profile_svg=profile_svg(ctx, layers), route=ctx.chainage,
                       gaps_m=track_gaps(trk, ctx.track_along_m), basemap=basemap)
            shared.run()

        # the map files need only the layers: written by a second process (when there is a second
        # core) while this one builds the course and writes the courses and the roadbook
        side = Background(write_maps, parallel=parallel, close_fds=out.lock_fds())
        try:
            events = course_events(layers, opts.course_layers)
            zs = _zone_starts(ctx, layers)
            if zs is not None and "camping" in opts.course_layers:
                events = gpd.GeoDataFrame(pd.concat([events, zs.reindex(columns=events.columns)],
                                                    ignore_index=True),
                                          geometry="geometry", crs="EPSG:4326").sort_values("along_m", kind="stable")
            if "stretches" in opts.course_layers:  # start/end alerts of the stretches that matter (roadbook.kinds)
                from maps._course import stretch_alerts
                events = gpd.GeoDataFrame(pd.concat([events, stretch_alerts(layers, ctx.line)], ignore_index=True),
                                          geometry="geometry", crs="EPSG:4326").sort_values("along_m", kind="stable")
            # the one course of every course writer: lengths from the calibrated line, names and types once
            course = build_course(trk, ctx.track_along_m, events, name=name, description=desc, profile=opts.profile,
                                  line=ctx.line, km_markers_every=opts.km_markers_every, km_marker_points=kms,
                                  sources=sources)
            reports = [
                write_gpx(stage / "kmpost.gpx", course, as_route=opts.gpx_route, max_points=opts.max_points),
                write_fit(stage / "kmpost.fit", course, max_points=opts.max_points or FIT_DEFAULT_MAX_POINTS),
                write_tcx(stage / "kmpost.tcx", course, max_points=opts.max_points or TCX_DEFAULT_MAX_POINTS),
            ]
            from maps.stages import write_stages
            staged = None if not opts.stages else write_stages(
                stage, opts.stages, course=course, line=ctx.line, events=events, layers=layers,
                roadbook=rb, road_km_to_along=ctx.chainage.km_to_along, max_points=opts.max_points,
                km_markers_every=opts.km_markers_every)
            reports += staged.reports if staged else []
            write_roadbook(ctx, layers, stage, cues=course.cues,
                           stages=[(st, staged.cues[st.number]) for st in staged.stages] if staged else ())
            shared.run()
        except BaseException:
            side.cancel()
            shared.close()
            raise
        try:
            side.result()
        finally:
            shared.close()
        names = sorted(p.name for p in stage.iterdir())
    for r in reports:
        report.warnings.extend(r.warnings)
        report.notes.append(f"{r.path.name}: {r.points} waypoints/course points"
                            + (f", {len(r.skipped)} skipped" if r.skipped else ""))
    report.files = [opts.out_dir / n for n in names]
    return report
