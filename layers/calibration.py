"""The calibration: a roadbook placed on its line, every road km tied to along-track metres.

:func:`calibrate` turns a roadbook (and optionally a real track, with the rider's own anchors
and direction, :class:`RideOptions`) into a :class:`Calibration`: the line, its chainage (road km
<-> along-track metres, :class:`geo.calibrate.CalibratedRoute`), the calibration explained in
words, and helpers that resolve every position of the roadbook to a road km. Every layer builder
(``layers/*.py``) takes a :class:`Calibration` and only builds its layer.

Without a track the line is SCHEMATIC: straight lines through the roadbook's on-route places in
file order (:func:`schematic_track`). It is not the road; every output says so
(:data:`SCHEMATIC_NOTICE`).

On a real track, anchors beyond its ends make a *partial ride* (the facts outside the covered km
are listed, not placed); a ride against the roadbook's km direction is *reversed* (sides swap).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from dataclasses import dataclass, field

import numpy as np

from geo.calibrate import Anchor, CalibratedRoute
from geo.earth import distance_m
from geo.errors import RouteError
from geo.lrs import MeasuredLine
from geo.track import Track
from roadbook.model import UserAnchor
from roadbook.schema import AnchorSpec, Position, Roadbook

#: An anchor whose point lies further than this from the line is reported as a warning.
ANCHOR_WARN_OFFSET_M = 2000.0
#: A place within this distance of the line gets a road km (``km_pos``); farther ones do not.
NEAR_ROUTE_M = 5000.0
#: On a real track, an anchor whose point lies farther than this from the track is not used to
#: calibrate it (it is beyond the track's ends: a partial ride; or beside it: a wrong place).
ANCHOR_ON_TRACK_M = NEAR_ROUTE_M
#: On a real track, consecutive anchors must imply between 1/MAX_SCALE and MAX_SCALE road km per
#: km of track; outside that the two anchors disagree (a wrong km, a wrong place, or a user anchor
#: that contradicts the roadbook). Loose on purpose: estimated anchors (G315: +-15 km) and winding
#: tracks stay inside it; the leave-one-out residuals show smaller disagreements.
MAX_SCALE = 2.5

SCHEMATIC_NOTICE = (
    "SCHEMATIC ROUTE: no real road geometry is known here; the line joins known places in "
    "straight lines and features are placed by road km along it. Load a real track with "
    "'kmpost build --track FILE'."
)


@dataclass
class Calibration:
    """A roadbook on its calibrated line: what every layer builder takes.

    Attributes:
        roadbook: the validated roadbook (on a partial ride: without the facts off this track).
        track: the line's source (a real track or the schematic line), (lon, lat) degrees.
        chainage: road km <-> along-track metres through the anchors used.
        warnings: one-line notes for the user (large anchor offsets, gaps ...).
        reversed: the ride runs against the roadbook's km direction (sides swap).
        partial: the track covers only part of the roadbook's km.
        not_on_track: one line per fact left out of a partial ride.
        explanation: the calibration in words a rider understands (printed by ``kmpost build``).
    """

    roadbook: Roadbook
    track: Track
    chainage: CalibratedRoute
    warnings: list[str] = field(default_factory=list)
    reversed: bool = False
    partial: bool = False
    not_on_track: list[str] = field(default_factory=list)
    explanation: list[str] = field(default_factory=list)
    _track_along: np.ndarray | None = field(default=None, init=False, repr=False)

    @property
    def track_along_m(self) -> np.ndarray:
        """Geodesic metres along the line at each vertex of ``track`` (len == len(track); its
        consecutive duplicates 0 m on), from the line's chainage (measured once, shared by
        every writer; :meth:`geo.lrs.MeasuredLine.vertex_along`)."""
        if self._track_along is None:
            got = self.line.vertex_along(self.track.lon, self.track.lat)
            if got is None:  # a line of other vertices than the track's (not made by calibrate)
                from geo.earth import cumulative_lengths

                got = cumulative_lengths(np.asarray(self.track.lon, float), np.asarray(self.track.lat, float))
            self._track_along = got
        return self._track_along

    @property
    def schematic(self) -> bool:
        return self.track.schematic

    @property
    def roadbook_km_increasing(self) -> bool:
        """Whether road km grow in the roadbook's own direction (``route.km_direction``)."""
        return self.roadbook.route.km_direction == "increasing"

    @property
    def line(self) -> MeasuredLine:
        return self.chainage.line

    def where(self, field_path: str, line: int | None) -> str:
        loc = f"{self.roadbook.path}:{line}" if line else self.roadbook.path
        return f"{loc}: {field_path}"

    def place_km(self, place_id: str, what: str) -> float:
        """Road km of a place: its anchor km, its stated km, or its located position."""
        for a in self.roadbook.anchors:
            if a.place == place_id:
                return a.km
        p = self.roadbook.places[place_id]
        if p.km is not None:
            return p.km
        if p.lat is None or p.lon is None:
            raise RouteError(f"{what}: place '{place_id}' has neither a coordinate nor a km; "
                             "give it lat/lon or km")
        km, _ = self.chainage.km_at_point(p.lon, p.lat)
        return float(km[0])

    def near_route(self, lon: float, lat: float) -> tuple[float | None, float | None, float]:
        """(road km, along-track metres, offset metres) of the line point nearest (lon, lat).

        km and along are None when the point lies farther than :data:`NEAR_ROUTE_M` from the line
        (a city the route does not pass): such a point has no position on the route.
        """
        along_a, off = self.line.locate(lon, lat)
        along, offset = float(along_a[0]), float(off[0])
        if offset > NEAR_ROUTE_M:
            return None, None, offset
        return float(self.chainage.along_to_km(along)[0]), along, offset

    def position_km(self, pos: Position, what: str) -> float:
        """Road km of a :class:`Position`, not range-checked.

        ``offset_km`` counts in the roadbook's own direction (``route.km_direction``), whichever
        way the rider goes."""
        if pos.between is not None:
            return (pos.between[0] + pos.between[1]) / 2
        assert pos.place is not None
        off = pos.offset_km if self.roadbook_km_increasing else -pos.offset_km
        return self.place_km(pos.place, what) + off

    def resolve(self, pos: Position, what: str) -> float:
        """Road km of a :class:`Position` (checked to be on the route)."""
        if pos.between is not None:
            self.chainage.check_km(np.array(pos.between), what)
        km = self.position_km(pos, what)
        self.chainage.check_km(km, what)
        return km

    def side(self, side: str | None) -> str | None:
        """A side of the road as the rider sees it (left and right swap on a reversed ride)."""
        if self.reversed and side in ("left", "right"):
            return "right" if side == "left" else "left"
        return side

    def check(self, km: float, what: str) -> float:
        self.chainage.check_km(km, what)
        return km


def schematic_track(rb: Roadbook) -> Track:
    """Straight lines through the on-route places with coordinates, in file order."""
    pts = [(p.lon, p.lat) for p in rb.places.values() if p.on_route and p.lat is not None]
    if len(pts) < 2:
        raise RouteError(
            f"{rb.path}: places: fewer than 2 on-route places with coordinates, so no schematic "
            "line can be drawn; mark places 'on_route: true' or give a track with --track"
        )
    names = [p.name for p in rb.places.values() if p.on_route and p.lat is not None]
    arr = np.array(pts, dtype=float)
    return Track(lon=arr[:, 0], lat=arr[:, 1], source="schematic line through " + " → ".join(names),
                 schematic=True)


@dataclass(frozen=True)
class RideOptions:
    """How the rider's own track relates to the roadbook (see ``kmpost build --help``).

    Attributes:
        anchors: anchors given by the user; they replace roadbook anchors on the same place.
        reverse: True/False forces the direction (against / with the roadbook's km direction);
            None detects it from the order of the anchors along the track.
    """

    anchors: tuple[UserAnchor, ...] = ()
    reverse: bool | None = None


@dataclass(frozen=True)
class _Located:
    """An anchor located on the line: its km, what it is, metres along and off the line, provenance."""

    km: float
    label: str
    along_m: float
    offset_m: float
    source: str
    confidence: str
    where: str


def _fmt_km(km: float) -> str:
    return f"{km:.0f}" if float(km).is_integer() else f"{km:.1f}"


def _dist_text(m: float) -> str:
    km = m / 1000
    return f"{km:,.0f} km" if km >= 100 else f"{km:.1f} km" if km >= 1 else f"{m:.0f} m"


def _locate_anchors(rb: Roadbook, trk: Track, line: MeasuredLine, ride: RideOptions) -> list[_Located]:
    """Every anchor (roadbook + user) with its position along the line and its distance from it."""
    user_places = {u.place for u in ride.anchors if u.place is not None}
    out: list[_Located] = []
    specs: list[tuple[int | None, AnchorSpec | UserAnchor]] = [
        (i, a) for i, a in enumerate(rb.anchors) if not (a.place is not None and a.place in user_places)]
    specs += [(None, u) for u in ride.anchors]
    for i, spec in specs:
        if isinstance(spec, UserAnchor):
            where = spec.text
            source, confidence = f"given by the user ({spec.text})", "high"
            track_end = "start" if spec.track_start else None
        else:
            where = (f"{rb.path}:{spec.line}" if spec.line else rb.path) + f": anchors[{i}]"
            source, confidence = spec.source, spec.confidence
            track_end = getattr(spec, "track", None)
        if track_end is not None:
            if trk.schematic:
                raise RouteError(f"{where}: an anchor tied to the track's {track_end} needs a track; "
                                 "give one with --track FILE")
            along = 0.0 if track_end == "start" else line.length_m
            out.append(_Located(spec.km, f"the {track_end} of the track", along, 0.0, source,
                                confidence, where))
            continue
        if isinstance(spec, UserAnchor) and spec.place is None:
            assert spec.lon is not None and spec.lat is not None
            lon, lat, label = spec.lon, spec.lat, spec.label or f"{spec.lat:.5f},{spec.lon:.5f}"
        elif spec.place is not None:
            p = rb.places[spec.place]
            if p.lon is None or p.lat is None:
                raise RouteError(f"{where}: place '{spec.place}' has no coordinate; give it lat/lon")
            lon, lat, label = p.lon, p.lat, p.name
        else:
            assert spec.lon is not None and spec.lat is not None
            lon, lat, label = spec.lon, spec.lat, f"{spec.lat:.5f},{spec.lon:.5f}"
        along_a, _ = line.locate(lon, lat)
        along = float(along_a[0])
        nlon, nlat = line.interpolate(along)
        offset = distance_m(lon, lat, float(nlon[0]), float(nlat[0]))
        out.append(_Located(spec.km, label, along, offset, source, confidence, where))
    return out


def _direction(used: list[_Located], rb_increasing: bool, ride: RideOptions, trk: Track) -> tuple[bool, str]:
    """(road km increase along the track?, why) from ``--reverse`` or the anchors' order.

    A schematic line is drawn in the roadbook's order, so its direction is the roadbook's."""
    if trk.schematic:
        return rb_increasing, "the roadbook (route.km_direction)"
    if ride.reverse is not None:
        inc = rb_increasing != ride.reverse
        return inc, "as asked (--reverse)" if ride.reverse else "as the roadbook (--no-reverse)"
    ordered = sorted(used, key=lambda a: a.along_m)
    ups = sum(1 for a, b in itertools.pairwise(ordered) if b.km > a.km)
    downs = sum(1 for a, b in itertools.pairwise(ordered) if b.km < a.km)
    if ups == downs:
        return rb_increasing, ("the roadbook's direction (one anchor on the track cannot show the "
                               "direction; give --reverse if you ride the other way)")
    inc = ups > downs
    why = "the anchors' order along the track"
    return inc, why


def _check_agreement(used: list[_Located], trk: Track) -> None:
    """On a real track: consecutive anchors must imply a plausible scale (:data:`MAX_SCALE`)."""
    if trk.schematic:
        return
    problems = []
    ordered = sorted(used, key=lambda a: a.along_m)
    for a, b in itertools.pairwise(ordered):
        track_km = (b.along_m - a.along_m) / 1000
        road_km = abs(b.km - a.km)
        ok = track_km > 0.05 and 1 / MAX_SCALE <= road_km / track_km <= MAX_SCALE
        if not ok:
            problems.append(
                f"{b.where}: anchors disagree: '{a.label}' is km {a.km:g} and '{b.label}' is km {b.km:g}, "
                f"{road_km:g} road km apart, but they lie {track_km:.1f} km apart along the track "
                f"(more than {MAX_SCALE:g}x off); fix one of the two km values or places"
                + (f" ({a.where})" if a.where != b.where else ""))
    if problems:
        raise RouteError(problems[0], problems=problems)


def calibrate(rb: Roadbook, track: Track | None = None, ride: RideOptions | None = None) -> Calibration:
    """Calibrate ``track`` (or the schematic line) with the roadbook's and the user's anchors.

    On a real track, anchors farther than :data:`ANCHOR_ON_TRACK_M` from it are not used; if none
    is left the track does not cover the route (:class:`RouteError` naming the distance). Anchors
    beyond the track's ends make a *partial ride*: facts outside the covered km are listed in
    ``not_on_track`` instead of failing. The direction of travel comes from ``ride.reverse`` or
    the anchors' order along the track; a ride against the roadbook's km is ``reversed``.
    """
    ride = ride or RideOptions()
    trk = track if track is not None else schematic_track(rb)
    try:
        line = MeasuredLine(trk.lon, trk.lat)
    except RouteError as exc:  # e.g. every point identical: name the file, not "line"
        raise RouteError(f"{trk.source}: {exc}; give a track with at least two distinct points") from None
    located = _locate_anchors(rb, trk, line, ride)
    if not located:
        raise RouteError(f"{rb.path}: anchors: none; nothing ties a road km to the line: give "
                         "--start-km KM (the road km of the track's first point) or --anchor PLACE=KM")
    warnings: list[str] = []
    calib: list[str] = []
    partial = False
    if trk.schematic:
        used = located
        for a in used:
            if a.offset_m > ANCHOR_WARN_OFFSET_M:
                warnings.append(f"{a.where}: '{a.label}' (km {a.km:g}) lies {_dist_text(a.offset_m)} from "
                                "the line; check the place or the track")
    else:
        used = [a for a in located if a.offset_m <= ANCHOR_ON_TRACK_M]
        if not used:
            near = min(located, key=lambda a: a.offset_m)
            raise RouteError(
                f"{trk.source}: this track passes {_dist_text(near.offset_m)} from {near.label} "
                f"(km {near.km:g}), the nearest anchor of {rb.path}; it does not cover this route. "
                "Give a track of this route (if it is one, tie it to road km with --start-km KM or "
                "--anchor PLACE=KM)")
        for a in located:
            if a in used:
                continue
            at_end = a.along_m <= 1.0 or a.along_m >= line.length_m - 1.0
            if at_end:
                partial = True
                end = "start" if a.along_m <= 1.0 else "end"
                calib.append(f"not used: km {a.km:g} at {a.label} lies {_dist_text(a.offset_m)} beyond the "
                             f"{end} of the track (this track covers part of the route)")
            else:
                warnings.append(f"{a.where}: anchor km {a.km:g} at '{a.label}' lies {_dist_text(a.offset_m)} "
                                f"from the track, more than {_dist_text(ANCHOR_ON_TRACK_M)}; not used "
                                "(check the place, or remove the anchor)")
    rb_inc = rb.route.km_direction == "increasing"
    travel_inc, why = _direction(used, rb_inc, ride, trk)
    _check_agreement(used, trk)
    anchors = [Anchor(a.km, a.along_m, a.label, a.offset_m, a.source, a.confidence) for a in used]
    try:
        chainage = CalibratedRoute(line, anchors, km_increasing=travel_inc)
    except RouteError as exc:
        raise RouteError(f"{rb.path}: anchors: {exc}") from None
    if trk.gaps_m:
        warnings.append(f"{trk.source}: {len(trk.gaps_m)} gap(s) between segments joined in order, "
                        f"largest {max(trk.gaps_m) / 1000:.2f} km")
    warnings.extend(getattr(trk, "warnings", ()))
    ctx = Calibration(rb, trk, chainage, warnings, reversed=travel_inc != rb_inc, partial=partial)
    ctx.explanation = _calibration_text(ctx, used, why) + calib
    if partial:
        ctx.roadbook = _restrict_to_track(ctx)
    else:
        _check_positions(ctx)
    return ctx


def _check_positions(ctx: Calibration) -> None:
    """Raise one :class:`RouteError` listing EVERY event and stretch end that lies outside the
    calibrated route (the layer builders would stop at the first one)."""
    rb = ctx.roadbook
    problems: list[str] = []

    def attempt(km: float | None, pos: Position | None, km_what: str, pos_what: str) -> None:
        try:
            if km is not None:
                ctx.check(km, km_what)
            elif pos is not None:
                ctx.resolve(pos, pos_what)
        except RouteError as exc:
            problems.extend(exc.problems)

    for ev in rb.events:
        what = ctx.where(ev.field_path, ev.line)
        attempt(ev.km, ev.at, f"{what}.km", f"{what}.at")
    for st in rb.stretches:
        what = ctx.where(st.field_path, st.line)
        attempt(st.from_km, st.start, f"{what}.from_km", f"{what}.from")
        attempt(st.to_km, st.end, f"{what}.to_km", f"{what}.to")
    if problems:
        raise RouteError(problems[0], problems=problems)


def _calibration_text(ctx: Calibration, used: list[_Located], why: str) -> list[str]:
    """The calibration in words a rider understands (printed by ``kmpost build``)."""
    lo, hi = ctx.chainage.km_range
    start_km, end_km = (lo, hi) if ctx.chainage.km_increasing else (hi, lo)
    out = [f"road km {_fmt_km(start_km)} at the start of the line, km {_fmt_km(end_km)} at its end "
           f"({ctx.line.length_m / 1000:.1f} km of line); km "
           f"{'increase' if ctx.chainage.km_increasing else 'decrease'} in the direction of travel, from {why}"
           + ("; this ride runs AGAINST the roadbook's km direction, so sides and the order of the course "
              "are the rider's" if ctx.reversed else "")]
    n = len(used)
    if n == 1:
        out.append("one anchor: km are counted from it at 1 road km per km of line")
    else:
        out.append(f"{n} anchors: between two anchors the km are spread evenly along the line; beyond the "
                   "outer ones the scale of the nearest interval continues")
    by_label = {r.label: r for r in ctx.chainage.residuals()}
    for a in sorted(used, key=lambda a: a.along_m):
        r = by_label.get(a.label)
        text = (f"anchor km {a.km:g} = {a.label}: {_dist_text(a.offset_m)} from the line, "
                f"{a.along_m / 1000:.1f} km along it")
        if r is not None and r.loo_km is not None:
            text += f"; the other anchors would put it at km {a.km - r.loo_km:.1f} (residual {r.loo_km:+.1f} km)"
        out.append(text)
    if n >= 3:
        out.append("a residual is how far an anchor's km is from what the other anchors predict: more than "
                   "a few km means a wrong km, a wrong place, or a jump in the km posts")
    return out


def _restrict_to_track(ctx: Calibration) -> Roadbook:
    """The roadbook without the facts that lie outside the km this (partial) track covers.

    Each fact left out is listed in ``ctx.not_on_track``; a stretch that the track covers in part
    is cut to the covered km."""
    rb = ctx.roadbook
    lo, hi = ctx.chainage.km_range
    cover = f"this track covers km {_fmt_km(lo)}–{_fmt_km(hi)}"
    events = []
    for ev in rb.events:
        what = ctx.where(ev.field_path, ev.line)
        km = ev.km if ev.km is not None else ctx.position_km(ev.at, what) if ev.at is not None else math.nan
        if ctx.chainage.covers(km)[0]:
            events.append(ev)
        else:
            ctx.not_on_track.append(f"{what}: {ev.kind} '{ev.name}' at km {_fmt_km(km)}: not on this track ({cover})")
    stretches = []
    for st in rb.stretches:
        what = ctx.where(st.field_path, st.line)
        k0 = st.from_km if st.from_km is not None else ctx.position_km(st.start, what) if st.start else math.nan
        k1 = st.to_km if st.to_km is not None else ctx.position_km(st.end, what) if st.end else math.nan
        a, b = min(k0, k1), max(k0, k1)
        if b < lo or a > hi or not (math.isfinite(a) and math.isfinite(b)):
            ctx.not_on_track.append(f"{what}: {st.kind} '{st.name}' km {_fmt_km(k0)}–{_fmt_km(k1)}: not on this "
                                    f"track ({cover})")
            continue
        if a < lo or b > hi:
            c0, c1 = (max(k0, lo), min(k1, hi)) if k0 <= k1 else (min(k0, hi), max(k1, lo))
            ctx.not_on_track.append(f"{what}: {st.kind} '{st.name}' km {_fmt_km(k0)}–{_fmt_km(k1)}: only km "
                                    f"{_fmt_km(c0)}–{_fmt_km(c1)} is on this track")
            st = dataclasses.replace(st, from_km=c0, to_km=c1, start=None, end=None)
        stretches.append(st)
    restrictions = []
    for r in rb.restrictions:
        if r.km is not None and not ctx.chainage.covers(r.km)[0]:
            ctx.not_on_track.append(f"{rb.path}: restrictions: {r.kind} at km {_fmt_km(r.km)}: not on this track "
                                    f"({cover})")
            continue
        restrictions.append(r)
    return dataclasses.replace(rb, events=tuple(events), stretches=tuple(stretches),
                               restrictions=tuple(restrictions))
