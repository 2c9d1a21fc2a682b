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
    from maps.build import BuildOptions, build

    rb, track = _load_inputs(args)
    report = build(rb, track, BuildOptions(out_dir=Path(args.out)))
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
    for f in report.files:
        print(f)
    return 0


def make_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="kmpost",
        description="Turn km-referenced route notes into map layers, an offline HTML map and "
                    "bike-computer courses.",
    )
    p.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
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
    sp.set_defaults(func=_cmd_build)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``kmpost`` command; returns the exit status."""
    parser = make_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except KmpostError as exc:
        msg = " ".join(str(exc).split())
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
