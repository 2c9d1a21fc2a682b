"""Elevation profile: a PNG (matplotlib, Agg canvas) and a small inline SVG for the HTML pages.

Two kinds of height are shown and never mixed up:

* the **measured profile**: the track's own elevations (``ctx.track.ele``, metres) against road km.
  Along-track distances per track point are ``ctx.track_along_m`` (the line's chainage mapped
  back onto the track's points: the :class:`~geo.lrs.MeasuredLine` drops consecutive duplicate
  vertices, which lie 0 m on) and turned into road km with ``ctx.chainage.along_to_km``.
* **spot heights**: the known heights of places (places layer ``ele`` in metres, with
  ``ele_source``) that sit on the route (``km_pos`` set), drawn as separate markers and labelled
  "spot heights, not a measured profile" when there is no measured profile (the schematic seed
  route). Places with a known height but no position on the route (a pass nobody surveyed) are
  listed in the legend and caption as "not placed".

Events (checkpoints, road events, camping spots) are marked at their road km. The x axis runs in
the direction of travel (road km may decrease). Files are written atomically (temporary file in
the same folder, then ``os.replace``).
"""

from __future__ import annotations

import html
import math
import textwrap
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from layers.calibration import Calibration
from maps.files import atomic_write, safe_text

#: Layers whose point features are marked on the profile.
EVENT_LAYERS: tuple[str, ...] = ("checkpoints", "road_events", "camping")
#: At most this many chunks are drawn (each as its lowest and highest point), so peaks survive.
MAX_CHUNKS = 2000
SPOT_ONLY_TITLE = "spot heights, not a measured profile"
#: Elevations outside this range (metres) are not road heights; they are left out and counted.
ELE_RANGE = (-500.0, 9000.0)
#: Longest name or source shown (characters); a longer one is cut with "…".
MAX_NAME = 80
#: At most this many spot heights are labelled on the PNG, listed in its caption and legend.
MAX_LISTED = 12


@dataclass(frozen=True)
class SpotHeight:
    """A known height of a place: ``ele_m`` metres; ``km`` its road km (None: not placed)."""

    name: str
    km: float | None
    ele_m: float
    source: str


@dataclass(frozen=True)
class Mark:
    """An event marked on the profile: road km, layer, kind and name."""

    km: float
    layer: str
    kind: str
    name: str


def _short(text: object, n: int = MAX_NAME) -> str:
    """One line of at most ``n`` characters, safe to draw and to write (see ``maps.files.safe_text``)."""
    t = " ".join(safe_text(str(text)[: 4 * n]).split())
    return t if len(t) <= n else t[: n - 1].rstrip() + "…"


def _mpl(text: str) -> str:
    """Text for matplotlib: a '$' stays a dollar sign (not the start of a formula)."""
    return text.replace("$", r"\$")


def _plausible(x: float | None) -> bool:
    return x is not None and ELE_RANGE[0] <= x <= ELE_RANGE[1]


def _listed(items: list[str], what: str) -> str:
    if len(items) <= MAX_LISTED:
        return "; ".join(items)
    return "; ".join(items[:MAX_LISTED]) + f"; and {len(items) - MAX_LISTED} more {what} (see the roadbook)"


def _finite(v: object) -> float | None:
    try:
        x = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def measured_profile(ctx: Calibration) -> tuple[np.ndarray, np.ndarray] | None:
    """(road km, elevation m) of the track points that have an elevation within
    :data:`ELE_RANGE`, in track order; None when there is none."""
    trk = ctx.track
    if trk.ele is None or not trk.has_elevation:
        return None
    cached = _LAST.get("profile")
    if cached is not None and cached[0]() is trk and cached[1]() is ctx:  # PNG and SVG of one build
        return cached[2]
    ele = np.asarray(trk.ele, dtype=float)
    ok = np.isfinite(ele) & (ele >= ELE_RANGE[0]) & (ele <= ELE_RANGE[1])
    if not ok.any():
        return None
    result = ctx.chainage.along_to_km(ctx.track_along_m[ok]), ele[ok]
    _LAST["profile"] = (weakref.ref(trk), weakref.ref(ctx), result)
    return result


#: The last measured profile (the PNG and the SVG of a build share it), held only while its track
#: and calibration live.
_LAST: dict[str, tuple[weakref.ref[Any], weakref.ref[Any], tuple[np.ndarray, np.ndarray]]] = {}


def left_out(ctx: Calibration) -> int:
    """How many track elevations are finite but outside :data:`ELE_RANGE` (not drawn)."""
    ele = ctx.track.ele
    if ele is None:
        return 0
    e = np.asarray(ele, dtype=float)
    with np.errstate(invalid="ignore"):
        return int((np.isfinite(e) & ((e < ELE_RANGE[0]) | (e > ELE_RANGE[1]))).sum())


def decimate(km: np.ndarray, ele: np.ndarray, max_chunks: int = MAX_CHUNKS) -> tuple[np.ndarray, np.ndarray]:
    """Keep the lowest and highest point of each of ``max_chunks`` consecutive chunks (in order).

    >>> k, e = decimate(np.arange(10.0), np.array([0, 5, 1, 1, 9, 1, 1, 1, 2, 0.0]), 2)
    >>> k.tolist(), e.tolist()  # along the track: chunk 1 low then high, chunk 2 high then low
    ([0.0, 4.0, 8.0, 9.0], [0.0, 9.0, 2.0, 0.0])
    """
    n = len(km)
    if n <= 2 * max_chunks:
        return km, ele
    keep: list[int] = []
    for idx in np.array_split(np.arange(n), max_chunks):
        seg = ele[idx]
        a, b = int(idx[np.argmin(seg)]), int(idx[np.argmax(seg)])
        keep += sorted({a, b})
    k = np.array(keep)
    return km[k], ele[k]


def spot_heights(ctx: Calibration,
                 layers: Mapping[str, gpd.GeoDataFrame]) -> tuple[list[SpotHeight], list[SpotHeight]]:
    """(placed, not placed) spot heights.

    Placed: places-layer features with ``ele`` and ``km_pos``. Not placed: roadbook places with a
    height that are not placed but belong to the route (``on_route``, or neither a coordinate nor
    a km, like an unsurveyed pass); far-away towns with coordinates are not listed.
    """
    placed: list[SpotHeight] = []
    placed_ids: set[str] = set()
    places = layers.get("places")
    if places is not None and len(places) and "ele" in places.columns:
        for _, r in places.iterrows():
            ele, km = _finite(r["ele"]), _finite(r["km_pos"])
            if km is not None and "place_id" in places.columns:
                placed_ids.add(str(r["place_id"]))
            if ele is None or km is None or not _plausible(ele):
                continue
            src = r["ele_source"] if "ele_source" in places.columns and isinstance(r["ele_source"], str) else ""
            placed.append(SpotHeight(_short(r["name"]), km, ele, _short(src)))
    unplaced = [SpotHeight(_short(p.name), None, float(p.ele), _short(p.ele_source or ""))
                for pid, p in ctx.roadbook.places.items()
                if p.ele is not None and _plausible(_finite(p.ele)) and pid not in placed_ids
                and (p.on_route or (p.lat is None and p.km is None))]
    sign = 1.0 if ctx.chainage.km_increasing else -1.0
    placed.sort(key=lambda s: sign * (s.km or 0.0))
    return placed, unplaced


def event_marks(layers: Mapping[str, gpd.GeoDataFrame]) -> list[Mark]:
    """Point events (checkpoints, road events, camping spots) with a road km."""
    out = []
    for name in EVENT_LAYERS:
        gdf = layers.get(name)
        if gdf is None or len(gdf) == 0:
            continue
        ends = gdf["km_pos_end"].tolist() if "km_pos_end" in gdf.columns else [None] * len(gdf)
        for k, k_end, kind, nm in zip(gdf["km_pos"].tolist(), ends, gdf["kind"].tolist(), gdf["name"].tolist(),
                                      strict=True):
            km = _finite(k)
            if km is None or _finite(k_end) is not None:
                continue
            out.append(Mark(km, name, _short(kind), _short(nm)))
    return out


def _route_ends(ctx: Calibration) -> tuple[float, float]:
    lo, hi = ctx.chainage.km_range
    return (lo, hi) if ctx.chainage.km_increasing else (hi, lo)


def _fmt_ele(x: float) -> str:
    return f"{x:,.0f} m"


def _title(ctx: Calibration, measured: bool) -> str:
    return _short(ctx.roadbook.route.name, 120) + (" — elevation profile" if measured else f" — {SPOT_ONLY_TITLE}")


def _caption(ctx: Calibration, measured: bool, placed: list[SpotHeight], unplaced: list[SpotHeight]) -> str:
    bits = []
    if measured:
        bits.append(f"Profile: elevations of the track {_short(ctx.track.source, 160)}.")
    n_out = left_out(ctx)
    if n_out:
        bits.append(f"{n_out:,} track elevations outside {ELE_RANGE[0]:,.0f}..{ELE_RANGE[1]:,.0f} m left out.")
    else:
        bits.append("No measured profile: the track has no elevations. Spot heights only, not a measured "
                    "profile; nothing is known about the road between them.")
    if ctx.schematic:
        bits.append("SCHEMATIC route: km are placed on a line through known places, not on the road.")
    if placed:
        bits.append("Spot heights: " + _listed([
            f"{s.name} {_fmt_ele(s.ele_m)} at km ≈{s.km:.0f} ({s.source or 'source not given'})" for s in placed],
            "spot heights") + ".")
    if unplaced:
        bits.append("Not placed (km unknown): " + _listed([
            f"{s.name} {_fmt_ele(s.ele_m)} ({s.source or 'source not given'})" for s in unplaced],
            "heights not placed") + ".")
    return " ".join(bits)


def render_profile(ctx: Calibration, layers: Mapping[str, gpd.GeoDataFrame]) -> Figure | None:
    """The profile as a matplotlib :class:`Figure` (no pyplot state); None when there is nothing
    to draw (no track elevations and no placed spot heights)."""
    prof = measured_profile(ctx)
    placed, unplaced = spot_heights(ctx, layers)
    if prof is None and not placed:
        return None
    start, end = _route_ends(ctx)
    marks = event_marks(layers)
    caption_lines = textwrap.fill(_mpl(_caption(ctx, prof is not None, placed, unplaced)), 190).split("\n")[:24]
    n_lines = len(caption_lines)
    fig_h = 4.2 + 0.1 * n_lines   # inches: the caption gets room of its own, the plot keeps its size
    fig = Figure(figsize=(11.0, fig_h), dpi=150)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    heights: list[float] = [s.ele_m for s in placed]
    if prof is not None:
        km, ele = decimate(*prof)
        ax.fill_between(km, ele, float(np.min(ele)) - 50, color="#c9dcc4", linewidth=0)
        ax.plot(km, ele, color="#2f6b2a", linewidth=1.0, label="elevation of the track")
        heights += [float(np.min(ele)), float(np.max(ele))]
        order = np.argsort(prof[0], kind="stable")
        xs, ys = prof[0][order], prof[1][order]
    lo, hi = min(heights + [s.ele_m for s in unplaced]), max(heights + [s.ele_m for s in unplaced])
    pad = max(100.0, 0.15 * (hi - lo))
    ymin, ymax = lo - pad, hi + pad
    for s in unplaced[:MAX_LISTED]:  # a known height without a km: a level, not a point
        ax.axhline(s.ele_m, color="#888888", linestyle=":", linewidth=1.0, zorder=1)
        ax.annotate(_mpl(f"{s.name} {_fmt_ele(s.ele_m)}: not placed (km unknown)"), (0.55, s.ele_m),
                    xycoords=("axes fraction", "data"), xytext=(0, 3), textcoords="offset points",
                    ha="center", va="bottom", fontsize=7, color="#555555")
    # events: on the curve when there is one, else as a rug along the bottom
    for layer, colour, marker, label in (("checkpoints", "#c0392b", "^", "checkpoint"),
                                         ("road_events", "#555555", "|", "road event"),
                                         ("camping", "#1f77b4", "v", "camping spot")):
        ks = np.array([m.km for m in marks if m.layer == layer])
        if not len(ks):
            continue
        y = np.interp(ks, xs, ys) if prof is not None else np.full(len(ks), ymin + 0.04 * (ymax - ymin))
        ax.scatter(ks, y, marker=marker, color=colour, s=28, zorder=4, label=label)
    if placed:
        ax.scatter([float(s.km or 0.0) for s in placed], [s.ele_m for s in placed], marker="D", color="black", s=30,
                   zorder=5, label="spot height (known height of a place)")
        picks = np.linspace(0, len(placed) - 1, min(len(placed), MAX_LISTED)).round().astype(int)
        labelled = sorted(set(picks.tolist()))
        for i in labelled:
            s = placed[i]
            ha = "left" if i == 0 else "right" if i == len(placed) - 1 else "center"
            ax.annotate(_mpl(f"{s.name}\n{_fmt_ele(s.ele_m)}"), (s.km, s.ele_m), textcoords="offset points",
                        xytext=(0, 7), ha=ha, va="bottom", fontsize=7)
    for s in unplaced[:MAX_LISTED]:
        ax.plot([], [], " ", label=_mpl(f"not placed: {s.name} {_fmt_ele(s.ele_m)} (km unknown)"))
    if len(unplaced) > MAX_LISTED:
        ax.plot([], [], " ", label=f"and {len(unplaced) - MAX_LISTED} more not placed (see the roadbook)")
    margin = 0.015 * (end - start) if end != start else 1.0
    ax.set_xlim(start - margin, end + margin)
    ax.set_ylim(ymin, ymax + 0.15 * (ymax - ymin))
    ax.set_xlabel("road km" + ("" if ctx.chainage.km_increasing else " (decreasing in the direction of travel)"))
    ax.set_ylabel("elevation (m)")
    ax.grid(True, color="#dddddd", linewidth=0.6)
    ax.set_title(_mpl(_title(ctx, prof is not None)), fontsize=11)
    ax.legend(loc="best" if prof is not None else "center right", fontsize=7, framealpha=0.9)
    fig.text(0.01, 0.05 / fig_h, "\n".join(caption_lines), fontsize=6.5, va="bottom", ha="left")
    fig.subplots_adjust(left=0.07, right=0.98, top=1 - 0.38 / fig_h, bottom=(0.4 + 0.1 * n_lines) / fig_h)
    return fig


def write_profile(ctx: Calibration, layers: Mapping[str, gpd.GeoDataFrame], path: Path) -> Path | None:
    """Write the profile PNG to ``path`` atomically; None (nothing written) when there is
    nothing to draw."""
    fig = render_profile(ctx, layers)
    if fig is None:
        return None
    with atomic_write(path, "wb", what="the profile", make_dirs=True) as f:
        fig.savefig(f, format="png")
    return path


def profile_svg(ctx: Calibration, layers: Mapping[str, gpd.GeoDataFrame], width: int = 640,
                height: int = 190, max_points: int = 400) -> str:
    """A small self-contained inline SVG of the profile (no scripts, no external references);
    '' when there is nothing to draw. All text is XML-escaped."""
    prof = measured_profile(ctx)
    placed, unplaced = spot_heights(ctx, layers)
    if prof is None and not placed:
        return ""
    e = html.escape
    start, end = _route_ends(ctx)
    left, right, top, bottom = 48.0, 10.0, 22.0, 34.0
    pw, ph = width - left - right, height - top - bottom
    heights = [s.ele_m for s in placed] + [s.ele_m for s in unplaced]
    line_km = line_ele = None
    if prof is not None:
        line_km, line_ele = decimate(prof[0], prof[1], max_points // 2)
        heights += [float(line_ele.min()), float(line_ele.max())]
    lo, hi = min(heights), max(heights)
    pad = max(100.0, 0.1 * (hi - lo))
    y0, y1 = lo - pad, hi + pad

    def sx(km: float) -> float:
        return left + (km - start) / (end - start) * pw if end != start else left

    def sy(m: float) -> float:
        return top + (y1 - m) / (y1 - y0) * ph

    title = _title(ctx, prof is not None)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
           f'height="{height}" role="img" aria-label="{e(title, quote=True)}" '
           'font-family="sans-serif" font-size="10">',
           f"<title>{e(title)}</title>",
           f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="#fafafa" stroke="#999"/>',
           f'<text x="{left}" y="14" font-size="11" font-weight="bold">{e(title)}</text>']
    for val in (lo, hi):
        out.append(f'<text x="{left - 4}" y="{sy(val) + 3:.1f}" text-anchor="end">{e(f"{val:,.0f}")}</text>')
        out.append(f'<line x1="{left}" x2="{left + pw}" y1="{sy(val):.1f}" y2="{sy(val):.1f}" stroke="#ddd"/>')
    out.append(f'<text x="{left}" y="{top + ph + 13}" text-anchor="start">km {start:g}</text>')
    out.append(f'<text x="{left + pw}" y="{top + ph + 13}" text-anchor="end">km {end:g}</text>')
    out.append(f'<text x="{left + pw / 2}" y="{top + ph + 13}" text-anchor="middle">road km · elevation m</text>')
    if line_km is not None and line_ele is not None:
        pts = " ".join(f"{sx(float(k)):.1f},{sy(float(m)):.1f}" for k, m in zip(line_km, line_ele, strict=True))
        out.append(f'<polyline points="{pts}" fill="none" stroke="#2f6b2a" stroke-width="1.2"/>')
    for s in unplaced:
        y = sy(s.ele_m)
        out.append(f'<line x1="{left}" x2="{left + pw}" y1="{y:.1f}" y2="{y:.1f}" stroke="#888" '
                   f'stroke-dasharray="2 3"><title>{e(f"{s.name}: {s.ele_m:,.0f} m, km unknown ({s.source})")}'
                   f'</title></line><text x="{left + pw / 2}" y="{y - 3:.1f}" text-anchor="middle" font-size="9" '
                   f'fill="#555">{e(f"{s.name} {s.ele_m:,.0f} m: not placed")}</text>')
    for m in event_marks(layers):
        colour = "#c0392b" if m.layer == "checkpoints" else "#555"
        x = sx(m.km)
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top + ph}" y2="{top + ph - 6}" stroke="{colour}">'
                   f"<title>{e(f'km {m.km:.1f}: {m.name} ({m.kind})')}</title></line>")
    for i, s in enumerate(placed):
        assert s.km is not None
        x, y = sx(s.km), sy(s.ele_m)
        anchor = "start" if i == 0 else "end" if i == len(placed) - 1 else "middle"
        out.append(f'<g><title>{e(f"{s.name}: {s.ele_m:,.0f} m (spot height; {s.source})")}</title>'
                   f'<rect x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7" transform="rotate(45 {x:.1f} '
                   f'{y:.1f})" fill="#000"/>'
                   f'<text x="{x:.1f}" y="{y - 7:.1f}" text-anchor="{anchor}" font-size="9">'
                   f'{e(f"{s.name} {s.ele_m:,.0f} m")}</text></g>')
    foot = ("◆ spot heights (known heights of places)" + ("" if prof is not None else ", not a measured profile"))
    if unplaced:
        foot += "; not placed: " + _listed([f"{s.name} {s.ele_m:,.0f} m" for s in unplaced], "heights")
    out.append(f'<text x="{left}" y="{height - 6}" font-size="9">{e(foot)}</text>')
    out.append("</svg>")
    return safe_text("\n".join(out))


__all__ = ["Mark", "SpotHeight", "event_marks", "measured_profile", "profile_svg", "render_profile",
           "spot_heights", "write_profile"]
