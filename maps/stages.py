"""Day stages: one GPX/FIT/TCX course per day (``kmpost build --stages 90`` or ``--stages FILE``).

How stage ends are chosen (:func:`plan_stages`), for a target of L km a day: from the start of
the stage, look at the course points between 0.75 L and 1.25 L further on where a rider can stop
for the night (the registry's ``Kind.stage``: camping spots and camping-zone starts, towns,
accommodation; then water, food, filling stations). A place where foreigners may not stay
overnight is never a stage end. Camps and towns come before water and food; among equals the one
nearest to L wins. With none in the window, the end is L km on if that lies inside a camping
zone ("camp in the zone"), else exactly L km on (said so in the roadbook). The last stage takes
the rest when that is at most 1.25 L.

A stage file (``--stages FILE``) lists stage ends, one per line: ``km 1383`` or ``K1383`` (a
road km post), a bare number (km from the course start), or a place of the roadbook (name, id
or alias). Blank lines and ``#`` comments are skipped.

Every distance here is metres along the course line (``along_m``) unless a name says km.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from geo.errors import KmpostError
from geo.track import Track
from maps._course import Course, CoursePoint, Cue, WriteReport, build_course
from maps.devices import alert_of, short_name, to_ascii

#: Stage-end preference: lower is better.
_RANK = {"camp": 0, "town": 0, "water": 1, "food": 1}
#: A stage is L km give or take this share of L.
WINDOW = 0.25


class StageError(KmpostError):
    """A bad ``--stages`` value or stage file."""


@dataclass(frozen=True)
class Stage:
    """One day: metres along the course from its start to ``start_m`` .. ``end_m``.

    ``start_name``/``end_name`` name the ends; ``how`` says why the end is where it is.
    """

    number: int
    start_m: float
    end_m: float
    start_name: str
    end_name: str
    how: str
    start_tag: str = ""
    end_tag: str = ""

    @property
    def length_m(self) -> float:
        return self.end_m - self.start_m

    @property
    def stem(self) -> str:
        """File name without suffix, what a rider reads in a device's course list:
        ``stage-01-huatugou-charklik`` (places), ``stage-02-km90-km180`` (course km where an end
        is no place)."""
        a = self.start_tag or slug(self.start_name, 20)
        b = self.end_tag or slug(self.end_name, 20)
        return f"stage-{self.number:02d}-{a}-{b}"


def km_tag(along_m: float) -> str:
    """The file-name tag of a stage end that is no place: ``km90`` (km from the course start).

    >>> km_tag(90_400.0)
    'km90'
    """
    return f"km{along_m / 1000:.0f}"


def slug(text: str, max_len: int = 24) -> str:
    """Lower-case ASCII words joined by '-', at most ``max_len`` characters, whole words.

    >>> slug("Charklik / Ruoqiang"), slug("若羌")
    ('charklik-ruoqiang', 'x')
    """
    words = re.findall(r"[a-z0-9]+", to_ascii(text).lower())
    out = ""
    for w in words:
        cand = f"{out}-{w}" if out else w
        if len(cand) > max_len:
            break
        out = cand
    return out or (words[0][:max_len] if words else "x")


@dataclass(frozen=True)
class StageEnd:
    """A possible stage end: metres along the course, a name and what it is (camp, town ...)."""

    along_m: float
    name: str
    what: str


def stage_ends(points: Sequence[CoursePoint]) -> list[StageEnd]:
    """Course points where a day may end (see the module docstring), in course order."""
    out = []
    for p in points:
        if p.along_m is None or p.role == "end" or p.restricted:
            continue
        k, _ = alert_of(p.kind, p.layer, p.role, p.restricted)
        if k.stage:
            out.append(StageEnd(p.along_m, p.name or k.label, k.stage))
    return out


def plan_stages(total_m: float, target_km: float, ends: Sequence[StageEnd],
                zones: Sequence[tuple[float, float, str]] = (), *, start_name: str = "start",
                end_name: str = "end") -> list[Stage]:
    """Stages of about ``target_km`` over a course of ``total_m`` metres (module docstring).

    >>> [round(s.length_m) for s in plan_stages(250_000, 90, [StageEnd(95_000, "A", "camp")])]
    [95000, 90000, 65000]
    """
    if not (math.isfinite(target_km) and target_km > 0):
        raise StageError(f"--stages: target {target_km!r} km must be a positive number of km")
    step = target_km * 1000.0
    out: list[Stage] = []
    s, s_name, s_tag = 0.0, start_name, ""
    while total_m - s > (1 + WINDOW) * step:
        goal, lo, hi = s + step, s + (1 - WINDOW) * step, s + (1 + WINDOW) * step
        win = [e for e in ends if lo <= e.along_m <= hi]
        tag = ""
        if win:
            e = min(win, key=lambda x: (_RANK.get(x.what, 2), abs(x.along_m - goal)))
            end, name = e.along_m, e.name
            how = (f"{e.what} '{e.name}' at {(end - s) / 1000:.1f} km: the best stop between "
                   f"{(lo - s) / 1000:.0f} and {(hi - s) / 1000:.0f} km (camps and towns first, "
                   f"then water and food; nearest to {target_km:g} km)")
        else:
            zone = next((z for z in zones if z[0] <= goal <= z[1]), None)
            end, tag = goal, km_tag(goal)
            if zone is not None:
                name = f"camp zone {end / 1000:.0f} km"
                how = (f"no stop between {(lo - s) / 1000:.0f} and {(hi - s) / 1000:.0f} km; "
                       f"{target_km:g} km lies in the camping zone '{zone[2]}'")
            else:
                name = f"km {end / 1000:.0f} from the start"
                how = (f"no camp, town, water or food between {(lo - s) / 1000:.0f} and "
                       f"{(hi - s) / 1000:.0f} km: cut at {target_km:g} km (plan your night)")
        out.append(Stage(len(out) + 1, s, end, s_name, name, how, s_tag, tag))
        s, s_name, s_tag = end, name, tag
    out.append(Stage(len(out) + 1, s, total_m, s_name, end_name, "the end of the course", s_tag))
    return out


_ROAD_KM = re.compile(r"^(?:km\s*|k)(-?\d+(?:\.\d+)?)(?:\+(\d{1,3}))?$", re.IGNORECASE)
_COURSE_KM = re.compile(r"^\d+(?:\.\d+)?$")


def read_stage_file(path: Path, *, total_m: float, road_km_to_along: Any,
                    places: Mapping[str, tuple[float | None, str]]) -> list[tuple[float, str, str]]:
    """Stage ends of a stage file: (metres along the course, name, how), in course order.

    Args:
        road_km_to_along: callable road km -> metres along (raises KmpostError when off the line).
        places: lower-case place name / id / alias -> (metres along or None if off the route, name).
    Raises one :class:`StageError` listing every bad line.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise StageError(f"--stages {path}: cannot read it ({e}); give a number of km or a "
                         "readable text file") from None
    out, problems = [], []
    for no, raw in enumerate(text.splitlines()[:10_000], 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        where = f"{path}:{no}"
        m = _ROAD_KM.match(line)
        try:
            if m:
                km = float(m.group(1)) + (int(m.group(2)) / 1000 if m.group(2) else 0.0)
                along = float(np.asarray(road_km_to_along(km)).reshape(-1)[0])
                out.append((along, f"km {km:g}", f"given: road km {km:g} ({where})"))
            elif _COURSE_KM.match(line):
                along = float(line) * 1000.0
                if not 0 < along < total_m:
                    problems.append(f"{where}: {line} km from the start is outside the course "
                                    f"(0–{total_m / 1000:.1f} km); give a km inside it")
                    continue
                out.append((along, f"{float(line):g} km", f"given: {line} km from the start ({where})"))
            else:
                hit = places.get(line.lower())
                if hit is None:
                    problems.append(f"{where}: {line[:60]!r} is neither a km ('km 1383', '90') nor a "
                                    "place of the roadbook; use one of those")
                elif hit[0] is None:
                    problems.append(f"{where}: place {hit[1]!r} is not on the route; give its km")
                else:
                    out.append((hit[0], hit[1], f"given: {hit[1]} ({where})"))
        except KmpostError as e:
            problems.append(f"{where}: {e}")
    ok = [o for o in out if 0 < o[0] < total_m]
    if len(ok) < len(out):
        problems.append(f"{path}: {len(out) - len(ok)} stage end(s) at the very start or end of the "
                        "course; leave those out")
    if problems:
        raise StageError(f"--stages {path}: {len(problems)} problem(s)", problems=problems)
    if not ok:
        raise StageError(f"--stages {path}: no stage end in the file; give one per line "
                         "('km 1383', '90' or a place name)")
    return sorted(ok)


def stages_from_ends(total_m: float, ends: Sequence[tuple[float, str, str]], *,
                     start_name: str = "start", end_name: str = "end") -> list[Stage]:
    """Stages between given ends (metres along, name, how)."""
    out: list[Stage] = []
    s, s_name, s_tag = 0.0, start_name, ""
    for along, name, how in ends:
        if along - s < 1.0:
            continue
        m = re.fullmatch(r"km (-?[\d.]+)|([\d.]+) km", name)
        tag = "" if m is None else "km" + (m.group(1) or m.group(2)).replace(".", "p")
        out.append(Stage(len(out) + 1, s, along, s_name, name, how, s_tag, tag))
        s, s_name, s_tag = along, name, tag
    out.append(Stage(len(out) + 1, s, total_m, s_name, end_name, "the end of the course", s_tag))
    return out


def sub_track(track: Track, along_m: np.ndarray, line: Any, a: float, b: float) -> tuple[Track, np.ndarray]:
    """The part of ``track`` from ``a`` to ``b`` metres along, and its along-track metres from 0.

    The ends are points on the line at ``a`` and ``b`` (``line.interpolate``); vertices strictly
    between are kept, with their segment breaks.
    """
    i0 = int(np.searchsorted(along_m, a, side="right"))
    i1 = int(np.searchsorted(along_m, b, side="left"))
    inner = slice(i0, max(i0, i1))
    n_in = max(i0, i1) - i0
    lon_e, lat_e = line.interpolate(np.array([a, b]))
    lon = np.concatenate([[lon_e[0]], track.lon[inner], [lon_e[1]]])
    lat = np.concatenate([[lat_e[0]], track.lat[inner], [lat_e[1]]])
    ele = None
    if track.ele is not None:
        ends = np.interp([a, b], along_m, track.ele)
        ele = np.concatenate([[ends[0]], track.ele[inner], [ends[1]]])
    starts = [int(s) - i0 + 1 for s in track.segment_starts[1:] if i0 < s < i0 + n_in]
    gaps = tuple(float(g) for s, g in zip(track.segment_starts[1:], track.gaps_m, strict=False)
                 if i0 < s < i0 + n_in)
    sub = Track(lon, lat, ele, np.array([0, *starts], dtype=np.int64), gaps, track.source,
                track.schematic)
    along = np.concatenate([[0.0], along_m[inner] - a, [b - a]])
    return sub, np.maximum.accumulate(along)


def _shift(gdf: Any, a: float, b: float) -> Any:
    """Rows of a layer-like GeoDataFrame with ``a - 1 <= along_m <= b + 1``, along_m from ``a``."""
    if gdf is None or not len(gdf):
        return gdf
    g = gdf[(gdf["along_m"] >= a - 1.0) & (gdf["along_m"] <= b + 1.0)].copy()
    g["along_m"] = (g["along_m"] - a).clip(lower=0.0, upper=b - a)
    return g


@dataclass
class StageResult:
    """What :func:`write_stages` wrote: the stages, one report per file, each stage's cue card."""

    stages: list[Stage]
    reports: list[WriteReport] = field(default_factory=list)
    cues: dict[int, list[Cue]] = field(default_factory=dict)


def write_stages(out_dir: Path, spec: str, *, course: Course, line: Any, events: Any,
                 layers: Mapping[str, Any], roadbook: Any, road_km_to_along: Any,
                 max_points: int | None = None, km_markers_every: float | None = None) -> StageResult:
    """Plan the stages of ``spec`` (a target km or a stage file) over ``course`` and write each as
    ``<stem>.gpx/.fit/.tcx`` (:attr:`Stage.stem`) into ``out_dir``, course points and distances
    counted from the stage start.

    ``line`` is the course's :class:`geo.lrs.MeasuredLine` (stage ends and km markers are placed
    on it); ``events`` the event rows the course was built from."""
    from maps.fit import FIT_DEFAULT_MAX_POINTS, write_fit
    from maps.gpx import write_gpx
    from maps.tcx import TCX_DEFAULT_MAX_POINTS, write_tcx

    track, along_m = course.track, course.along_m
    total = course.length_m
    kms = layers.get("km_markers")
    places = layers.get("places")
    first = last = None
    if places is not None and len(places):
        on = places[places["along_m"].notna()]
        near0 = on[on["along_m"] <= 2000.0]
        near1 = on[on["along_m"] >= total - 2000.0]
        first = str(near0.iloc[0]["name"]) if len(near0) else None
        last = str(near1.iloc[-1]["name"]) if len(near1) else None
    start_name, end_name = first or "start", last or "end"
    stages = _plan(spec, total, course.points, layers, roadbook, road_km_to_along, start_name, end_name)
    res = StageResult(stages)
    for st in stages:
        sub, sub_along = sub_track(track, along_m, line, st.start_m, st.end_m)
        title = f"Day {st.number}: {st.start_name} - {st.end_name}"
        a0 = st.start_m

        def place(d: np.ndarray, a0: float = a0) -> tuple[np.ndarray, np.ndarray]:
            lon, lat = line.interpolate(np.clip(np.asarray(d) + a0, 0.0, line.length_m))
            return np.asarray(lon), np.asarray(lat)

        sc = build_course(sub, sub_along, _shift(events, st.start_m, st.end_m), name=title,
                          description=f"{title}. {st.how}. {course.description}",
                          device_name=short_name(f"Day {st.number} {st.end_name}", 15, ascii_only=True),
                          profile=course.profile.name, placer=place, km_markers_every=km_markers_every,
                          km_marker_points=_shift(kms, st.start_m, st.end_m), sources=course.sources)
        stem = out_dir / st.stem
        res.reports += [
            write_gpx(stem.with_suffix(".gpx"), sc, max_points=max_points),
            write_fit(stem.with_suffix(".fit"), sc, max_points=max_points or FIT_DEFAULT_MAX_POINTS),
            write_tcx(stem.with_suffix(".tcx"), sc, max_points=max_points or TCX_DEFAULT_MAX_POINTS),
        ]
        res.cues[st.number] = sc.cues
    return res


def _plan(spec: str, total: float, points: Sequence[CoursePoint], layers: Mapping[str, Any],
          roadbook: Any, road_km_to_along: Any, start_name: str, end_name: str) -> list[Stage]:
    text = spec.strip()
    try:
        target = float(text)
    except ValueError:
        target = None
    if target is not None:
        if not (math.isfinite(target) and 1 <= target <= 100_000):
            raise StageError(f"--stages {text[:40]}: a day's target must be 1 to 100000 km; "
                             "give e.g. --stages 90 or a stage file")
        zones = []
        cz = layers.get("camping")
        if cz is not None and len(cz):
            z = cz[cz["along_m_end"].notna()]
            zones = [(float(r.along_m), float(r.along_m_end), str(r.name)) for r in z.itertuples()]
        return plan_stages(total, target, stage_ends(points), zones, start_name=start_name,
                           end_name=end_name)
    path = Path(text)
    if not path.is_file():
        raise StageError(f"--stages {text[:80]}: neither a number of km nor a file; give e.g. "
                         "--stages 90 or --stages my-stages.txt")
    places: dict[str, tuple[float | None, str]] = {}
    pl = layers.get("places")
    along_by_id = {} if pl is None or not len(pl) else {
        str(r.place_id): (None if r.along_m != r.along_m else float(r.along_m))
        for r in pl.itertuples()}
    for pid, p in roadbook.places.items():
        entry = (along_by_id.get(pid), p.name)
        for key in p.names:
            places.setdefault(key.lower(), entry)
    ends = read_stage_file(path, total_m=total, road_km_to_along=road_km_to_along, places=places)
    return stages_from_ends(total, ends, start_name=start_name, end_name=end_name)
