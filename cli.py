"""kmpost command line: a thin front end over roadbook/, layers/ and maps/.

Every error a user can cause is a :class:`geo.errors.KmpostError`: it is printed as one line
``kmpost: error: ...`` on stderr and the exit status is 2. Data goes to stdout, messages to stderr.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from geo.errors import KmpostError
from maps.devices import PROFILES

if TYPE_CHECKING:
    from geo.track import Track
    from layers.calibration import RideOptions
    from pipeline import BuildReport
    from roadbook.schema import Roadbook

DEFAULT_ROUTE = "g315"


def _cmd_list(args: argparse.Namespace) -> int:
    from roadbook import embedded_routes, load_roadbook

    for name, path in embedded_routes().items():
        rb = load_roadbook(path)
        mark = " (default)" if name == DEFAULT_ROUTE else ""
        print(f"{name}{mark}\t{rb.route.name}\t{len(rb.events)} events, "
              f"{len(rb.stretches)} stretches, {len(rb.places)} places")
    return 0


def _read_track(args: argparse.Namespace) -> Track | None:
    if not args.track:
        return None
    from geo.readers import read_track

    return read_track(args.track)


def _load_inputs(args: argparse.Namespace) -> tuple[Roadbook, Track | None]:
    from roadbook import load_embedded, load_roadbook

    if args.roadbook and args.name:
        raise KmpostError("give either a route NAME or --roadbook FILE, not both")
    track = _read_track(args)
    rb = load_roadbook(args.roadbook) if args.roadbook else load_embedded(args.name or DEFAULT_ROUTE)
    return rb, track


_LATLON = re.compile(r"^\s*([+-]?\d+(?:\.\d+)?)\s*,\s*([+-]?\d+(?:\.\d+)?)\s*$")


def _parse_anchor(text: str) -> tuple[str | None, float | None, float | None, float]:
    """``PLACE=KM`` or ``LAT,LON=KM`` -> (place, lat, lon, km); raises KmpostError naming the option."""
    name, sep, km_text = text.rpartition("=")
    problems = []
    try:
        km = float(km_text)
    except ValueError:
        km = math.nan
    if not sep or not name.strip():
        raise KmpostError(f"--anchor {text!r}: give PLACE=KM or LAT,LON=KM (e.g. --anchor Kashgar=0 or "
                          "--anchor 38.386,90.157=1315)")
    if not math.isfinite(km) or abs(km) > 100_000:
        problems.append(f"--anchor {text!r}: km {km_text!r} is not a road km; give a number such as 1315")
    m = _LATLON.match(name)
    if m:
        lat, lon = float(m.group(1)), float(m.group(2))
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            problems.append(f"--anchor {text!r}: {lat},{lon} is not a latitude,longitude in degrees; "
                            "give LAT,LON=KM with the latitude first (e.g. 38.386,90.157=1315)")
        if problems:
            raise KmpostError(problems[0], problems=problems)
        return None, lat, lon, km
    if problems:
        raise KmpostError(problems[0], problems=problems)
    return name.strip(), None, None, km


def _ride_options(args: argparse.Namespace, rb: Roadbook | None) -> RideOptions:
    """Anchors and direction from ``--start-km``, ``--anchor`` and ``--reverse``, checked together."""
    from layers.calibration import RideOptions
    from roadbook.model import UserAnchor

    anchors: list[UserAnchor] = []
    problems: list[str] = []
    if args.start_km is not None:
        if not math.isfinite(args.start_km) or abs(args.start_km) > 100_000:
            problems.append(f"--start-km {args.start_km}: not a road km; give a number such as 1315")
        elif not args.track:
            problems.append("--start-km needs a track: it is the road km of the track's first point "
                            "(give --track FILE)")
        else:
            anchors.append(UserAnchor(args.start_km, f"--start-km {args.start_km:g}", track_start=True))
    for text in args.anchor or ():
        try:
            place, lat, lon, km = _parse_anchor(text)
        except KmpostError as exc:
            problems.extend(exc.problems)
            continue
        if place is None:
            anchors.append(UserAnchor(km, f"--anchor {text}", lon=lon, lat=lat, label=f"{lat:g},{lon:g}"))
            continue
        if rb is None:
            anchors.append(UserAnchor(km, f"--anchor {text}", place=place, label=place))
            continue
        pid = rb.place_named(place)
        if pid is not None:
            anchors.append(UserAnchor(km, f"--anchor {text}", place=pid, label=rb.places[pid].name))
            continue
        from roadbook.extract.gazetteer import lookup

        fp = lookup(place)
        if fp is None or fp.lat is None or fp.lon is None:
            known = ", ".join(sorted(rb.places)[:12])
            problems.append(f"--anchor {text}: no place '{place}' in {rb.path} ({known}) or the gazetteer; "
                            "give its coordinate instead: --anchor LAT,LON=KM")
            continue
        anchors.append(UserAnchor(km, f"--anchor {text}", lon=fp.lon, lat=fp.lat,
                                  label=f"{fp.name} (GeoNames.org)"))
    if problems:
        raise KmpostError(problems[0], problems=problems)
    reverse = True if args.reverse else None
    return RideOptions(anchors=tuple(anchors), reverse=reverse)


def _cmd_build(args: argparse.Namespace) -> int:
    from pipeline import COURSE_LAYERS, BuildOptions, build

    layers = tuple(x.strip() for x in args.course_layers.split(",") if x.strip()) if args.course_layers \
        else COURSE_LAYERS
    problems = []
    unknown = set(layers) - set(COURSE_LAYERS)
    if unknown:
        problems.append(f"--course-layers: unknown layer(s) {', '.join(sorted(unknown))}; "
                        f"choose from {', '.join(COURSE_LAYERS)}")
    if args.max_points is not None and args.max_points < 2:
        problems.append(f"--max-points: {args.max_points} is too small; give at least 2 (e.g. 10000)")
    if args.km_markers is not None and not args.km_markers > 0:
        problems.append(f"--km-markers: {args.km_markers} must be a positive number of km (e.g. 10)")
    if args.reverse and not args.track:
        problems.append("--reverse needs a track: it says the track runs against the roadbook's km")
    if problems:
        raise KmpostError(problems[0], problems=problems)
    unplaced: list[str] = []
    if args.notes:
        rb, track, unplaced = _draft_from_notes(args)
        ride = _ride_options(args, None)
        ride = type(ride)(anchors=(), reverse=ride.reverse)   # the draft holds the user's anchors
    else:
        rb, track = _load_inputs(args)
        ride = _ride_options(args, rb)
    opts = BuildOptions(out_dir=Path(args.out), profile=args.profile, gpx_route=args.gpx_route,
                        max_points=args.max_points, km_markers_every=args.km_markers, course_layers=layers,
                        stages=args.stages)
    if args.basemap:
        from maps.basemap import parse_zoom_range

        opts.basemap = Path(args.basemap)
        opts.basemap_width_m = args.basemap_width * 1000.0
        opts.basemap_zoom = parse_zoom_range(args.basemap_zoom)
    report = build(rb, track, opts, ride)
    _print_summary(rb, report, unplaced)
    for f in report.files:
        print(f)
    return 0


def _print_summary(rb: Roadbook, report: BuildReport, unplaced: list[str]) -> None:
    ctx = report.ctx
    kind = "a SCHEMATIC line (not the road)" if ctx.schematic else f"the track {ctx.track.source}"
    err = sys.stderr
    print(f"kmpost: built '{rb.route.id}' on {kind}", file=err)
    print("  how km are placed:", file=err)
    for line in ctx.explanation:
        print(f"    {line}", file=err)
    if ctx.not_on_track:
        print(f"  not on this track ({len(ctx.not_on_track)}):", file=err)
        for line in ctx.not_on_track:
            print(f"    {line}", file=err)
    if unplaced:
        print(f"  not placed from the notes ({len(unplaced)}): add them to the draft by hand", file=err)
        for line in unplaced:
            print(f"    {line}", file=err)
    for w in report.warnings:
        print(f"kmpost: warning: {w}", file=err)
    for name, gdf in report.layers.items():
        print(f"  layer {name}: {len(gdf)} features", file=err)
    for note in report.notes:
        print(f"  {note}", file=err)


def _read_text(path: str) -> tuple[str, str]:
    """(text, name) of a notes file, or of standard input for '-' (UTF-8 or UTF-16 with BOM)."""
    from roadbook.extract.events import decode_notes

    if path == "-":
        return decode_notes(sys.stdin.buffer.read()), "<stdin>"
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise KmpostError(f"{path}: cannot read the notes ({exc.strerror}); check the path") from None
    return decode_notes(raw), path


def _cmd_extract(args: argparse.Namespace) -> int:
    from roadbook.extract import run_extract

    text, name = _read_text(args.file)
    sys.stdout.write(run_extract(text, source_name=name, as_json=args.json, explain=args.explain))
    return 0


def _draft_from_notes(args: argparse.Namespace) -> tuple[Roadbook, Track | None, list[str]]:
    """Extract a draft from ``--notes`` (placed on ``--track``), write it safely, parse it.

    Inputs are checked first (track, notes, anchors); the draft is written only then, and never over a
    draft the user has edited (:func:`roadbook.extract.draftfile.write_draft`)."""
    from geo.lrs import MeasuredLine
    from maps.files import write_draft
    from roadbook import parse_roadbook
    from roadbook.extract import event_names, extract_events, find_places
    from roadbook.extract.draft import RideFrame, make_draft
    from roadbook.extract.events import check_text

    if args.roadbook or args.name:
        raise KmpostError("--notes makes its own roadbook; do not also give a route NAME or --roadbook")
    track = _read_track(args)
    text, name = _read_text(args.notes)
    check_text(text, name)
    ride = _ride_options(args, None)
    frame = None
    if track is not None:
        try:
            line = MeasuredLine(track.lon, track.lat)
        except KmpostError as exc:
            raise KmpostError(f"{track.source}: {exc}; give a track with at least two distinct points") from None

        def locate(lon: float, lat: float) -> tuple[float, float]:
            along, off = line.locate(lon, lat)
            return float(along[0]), float(off[0])

        frame = RideFrame(track.source, line.length_m, locate, ride.anchors)
    events = extract_events(text, name)
    places = find_places(text, event_names(events), off_track=None if frame is None else
                         lambda lon, lat: frame.locate(lon, lat)[1])
    draft = make_draft(text, events, places, name, frame)
    out = Path(args.out)
    draft_path = out / "draft-roadbook.yaml"
    write_draft(draft_path, draft.text)
    print(f"kmpost: the roadbook was extracted automatically from {name} ({draft.frame}): REVIEW IT "
          f"({draft_path}) and rebuild with --roadbook {draft_path}", file=sys.stderr)
    if not draft.anchored:
        raise KmpostError(f"{draft_path}: anchors: the notes give road km posts but nothing ties a road km to "
                          + ("your track" if track is not None else "a place")
                          + ": give --start-km KM (the road km of the track's first point) or --anchor PLACE=KM, "
                          f"or add an anchor to {draft_path}")
    rb = parse_roadbook(draft.text, str(draft_path))
    return rb, track, draft.unplaced


def _cmd_screenshot(args: argparse.Namespace) -> int:
    from maps.screenshot import screenshot

    out = screenshot(args.html, args.png, width=args.width, height=args.height)
    print(out)
    return 0


def _version() -> str:
    """The installed kmpost version (``kmpost --version``)."""
    from importlib import metadata

    try:
        return metadata.version("kmpost")
    except metadata.PackageNotFoundError:
        return "(not installed: run from a source tree)"


def make_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="kmpost",
        description="Turn km-referenced route notes into map layers, an offline HTML map and "
                    "bike-computer courses.",
    )
    p.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    p.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = p.add_subparsers(dest="command", required=True)

    sp = sub.add_parser("list", help="list the embedded routes")
    sp.set_defaults(func=_cmd_list)

    sp = sub.add_parser("build", help="build all outputs of a route into a folder")
    sp.add_argument("name", nargs="?", help=f"embedded route name (default: {DEFAULT_ROUTE}; see 'kmpost list')")
    sp.add_argument("--roadbook", metavar="FILE", help="a roadbook YAML file instead of an embedded route")
    sp.add_argument("--track", metavar="FILE",
                    help="a real track (GPX or GeoJSON) replacing the schematic line; "
                         "features are re-placed by km through the anchors")
    sp.add_argument("--out", metavar="DIR", default="out", help="output folder (default: out)")
    sp.add_argument("--notes", metavar="FILE",
                    help="free-text route notes: extract a draft roadbook (written to OUT/draft-roadbook.yaml) "
                         "and build it in one step; review the draft!")
    sp.add_argument("--profile", choices=sorted(PROFILES), default="garmin",
                    help="device profile for GPX names, symbols and types (default: garmin)")
    sp.add_argument("--gpx-route", action="store_true", help="write the GPX line as a route (<rte>) not a track")
    sp.add_argument("--max-points", type=int, metavar="N",
                    help="simplify the course line to at most N points (e.g. 10000 for older devices); "
                         "the largest deviation is reported")
    sp.add_argument("--km-markers", type=float, metavar="N", help="add a waypoint / course point every N road km")
    sp.add_argument("--start-km", type=float, metavar="KM",
                    help="the road km of the track's first point (an anchor; with --notes: distances in the "
                         "notes count from it)")
    sp.add_argument("--anchor", action="append", metavar="PLACE=KM|LAT,LON=KM",
                    help="tie a road km to a place (roadbook place or gazetteer name) or a coordinate "
                         "(latitude first); repeatable; replaces a roadbook anchor on the same place")
    sp.add_argument("--reverse", action="store_true",
                    help="the track runs against the roadbook's km (detected from the anchors when two or "
                         "more lie on the track)")
    sp.add_argument("--course-layers", metavar="A,B",
                    help="layers whose points go into GPX/FIT/TCX (default: checkpoints,road_events,camping,"
                         "places,border_crossings,stretches)")
    sp.add_argument("--stages", metavar="KM|FILE",
                    help="also write one GPX/FIT/TCX per day: a target length in km (e.g. 90; ends go to "
                         "camps, towns or water) or a file of stage ends, one per line ('km 1383', '90' "
                         "= km from the start, or a place name)")
    sp.add_argument("--basemap", metavar="FILE.mbtiles",
                    help="embed the tiles of a raster MBTiles file along the route as an offline base map")
    sp.add_argument("--basemap-width", type=float, default=3.0, metavar="KM",
                    help="half-width of the base-map corridor either side of the route, km (default: 3)")
    sp.add_argument("--basemap-zoom", default="6-13", metavar="MIN-MAX",
                    help="zoom levels of the base map to embed (default: 6-13; the map scales the top one up)")
    sp.set_defaults(func=_cmd_build)

    sp = sub.add_parser("extract", help="draft a roadbook from free-text route notes")
    sp.add_argument("file", nargs="?", default="-", help="notes file (default: standard input)")
    sp.add_argument("--json", action="store_true", help="print one JSON object per distance-referenced event")
    sp.add_argument("--explain", action="store_true",
                    help="show, per event, the sentence and the words that decided its category")
    sp.set_defaults(func=_cmd_extract)

    sp = sub.add_parser("screenshot", help="PNG of an HTML map, rendered offline in Debian's chromium")
    sp.add_argument("html", help="the map (e.g. out/kmpost.html)")
    sp.add_argument("png", help="the PNG to write")
    sp.add_argument("--width", type=int, default=1400)
    sp.add_argument("--height", type=int, default=900)
    sp.set_defaults(func=_cmd_screenshot)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``kmpost`` command; returns the exit status."""
    parser = make_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except KmpostError as exc:
        for problem in exc.problems:
            msg = " ".join(str(problem).split())
            print(f"kmpost: error: {msg}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("kmpost: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: say so in one line, traceback only on request
        if args.debug:
            raise
        print(f"kmpost: internal error: {type(exc).__name__}: {exc} (rerun with --debug and "
              "report it)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
