"""kmpost command line: a thin front end over roadbook/, layers/ and maps/.

Every error a user can cause is a :class:`geo.errors.KmpostError`: it is printed as one line
``kmpost: error: ...`` on stderr and the exit status is 2. Data goes to stdout, messages to stderr.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from geo.errors import KmpostError
from maps.devices import PROFILES

if TYPE_CHECKING:
    from geo.track import Track
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


def _load_inputs(args: argparse.Namespace) -> tuple[Roadbook, Track | None]:
    from roadbook import load_embedded, load_roadbook

    if args.roadbook and args.name:
        raise KmpostError("give either a route NAME or --roadbook FILE, not both")
    rb = load_roadbook(args.roadbook) if args.roadbook else load_embedded(args.name or DEFAULT_ROUTE)
    track = None
    if args.track:
        from geo.readers import read_track

        track = read_track(args.track)
    return rb, track


def _cmd_build(args: argparse.Namespace) -> int:
    from maps.build import COURSE_LAYERS, BuildOptions, build

    if args.notes:
        rb, track = _draft_from_notes(args)
    else:
        rb, track = _load_inputs(args)
    layers = tuple(x.strip() for x in args.course_layers.split(",") if x.strip()) if args.course_layers \
        else COURSE_LAYERS
    unknown = set(layers) - set(COURSE_LAYERS)
    if unknown:
        raise KmpostError(f"--course-layers: unknown layer(s) {', '.join(sorted(unknown))}; "
                          f"choose from {', '.join(COURSE_LAYERS)}")
    if args.max_points is not None and args.max_points < 2:
        raise KmpostError(f"--max-points: {args.max_points} is too small; give at least 2 (e.g. 10000)")
    if args.km_markers is not None and not args.km_markers > 0:
        raise KmpostError(f"--km-markers: {args.km_markers} must be a positive number of km (e.g. 10)")
    opts = BuildOptions(out_dir=Path(args.out), profile=args.profile, gpx_route=args.gpx_route,
                        max_points=args.max_points, km_markers_every=args.km_markers, course_layers=layers)
    report = build(rb, track, opts)
    ctx = report.ctx
    lo, hi = ctx.route.km_range
    kind = "SCHEMATIC line (not the road)" if ctx.schematic else f"track {ctx.track.source}"
    print(f"kmpost: built '{rb.route.id}' on {kind}: km {lo:.1f}–{hi:.1f}, "
          f"{ctx.line.length_m / 1000:.1f} km of line", file=sys.stderr)
    for res in ctx.route.residuals():
        loo = "n/a" if res.loo_km is None else f"{res.loo_km:+.2f} km"
        print(f"  anchor km {res.km:g} at {res.label}: {res.offset_m:.0f} m from the line, "
              f"leave-one-out residual {loo}", file=sys.stderr)
    for w in report.warnings:
        print(f"kmpost: warning: {w}", file=sys.stderr)
    for name, gdf in report.layers.items():
        print(f"  layer {name}: {len(gdf)} features", file=sys.stderr)
    for note in report.notes:
        print(f"  {note}", file=sys.stderr)
    for f in report.files:
        print(f)
    return 0


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


def _draft_from_notes(args: argparse.Namespace) -> tuple[Roadbook, Track | None]:
    from roadbook import parse_roadbook
    from roadbook.extract import run_extract

    if args.roadbook or args.name:
        raise KmpostError("--notes makes its own roadbook; do not also give a route NAME or --roadbook")
    text, name = _read_text(args.notes)
    draft = run_extract(text, source_name=name, as_json=False, explain=False)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    draft_path = out / "draft-roadbook.yaml"
    tmp = draft_path.with_suffix(".yaml.tmp")
    tmp.write_text(draft, encoding="utf-8")
    tmp.replace(draft_path)
    print(f"kmpost: warning: the roadbook was extracted automatically from {name}: REVIEW IT "
          f"({draft_path}) and rebuild with --roadbook {draft_path}", file=sys.stderr)
    rb = parse_roadbook(draft, str(draft_path))
    track = None
    if args.track:
        from geo.readers import read_track

        track = read_track(args.track)
    return rb, track


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
    sp.add_argument("--course-layers", metavar="A,B",
                    help="layers whose points go into GPX/FIT/TCX (default: checkpoints,road_events,camping,"
                         "places,border_crossings)")
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
