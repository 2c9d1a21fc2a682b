"""Bike-computer profiles and course-point names; every per-kind fact comes from roadbook.kinds.

Facts (``../shared/GUIDE.md`` §3): a Garmin Edge announces only FIT ``course_point``s; a GPX
``<wpt>`` becomes a saved location. Garmin reads ``sym`` with its own spelling ("Campground",
"Drinking Water", "Danger Area" ...). Hammerhead Karoo reads ``type``/``sym`` only from
{Camping, Danger, Food, Geocache, Lodging, Parking, Summit, Water}, anything else is Generic.
OsmAnd ignores ``sym``, groups waypoints by ``type`` and draws the icon named in its own
``osmand:icon`` extension (namespace :data:`OSMAND_NS`). Wahoo reads Garmin-style GPX.

The per-kind table (FIT type, TCX PointType, GPX sym per profile, OsmAnd icon, short-name
patterns) is :mod:`roadbook.kinds`; this module applies it: :func:`alert_of` finds the alert of
a point (kind, layer, role), :func:`course_names` gives every point of a course a short,
distinct name for a screen of N characters. Unknown kinds get the generic entry.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from roadbook.kinds import GENERIC, KAROO_TYPES, TCX_POINT_TYPES, Alert, Kind, lookup

__all__ = ["KAROO_TYPES", "OSMAND_NS", "PROFILES", "TCX_POINT_TYPES", "DeviceProfile", "Nameable",
           "alert_of", "clean_text", "course_names", "fit_course_point_type", "get_profile",
           "name_candidates", "short_name", "tcx_point_type", "to_ascii"]

#: XML namespace OsmAnd writes for its GPX extensions (``xmlns:osmand``).
OSMAND_NS = "https://osmand.net"


def alert_of(kind: str, layer: str | None = None, role: str = "point",
             restricted: bool = False) -> tuple[Kind, Alert]:
    """(registry entry, alert) of a course point.

    ``role``: "point", or "start"/"end" of a stretch. ``restricted``: a place (``places`` layer)
    where foreigners may not stay overnight or a closed site: the ``restricted_place`` entry.
    """
    k = lookup("restricted_place", group="derived") if restricted and layer == "places" \
        else lookup(kind, layer)
    a = k.end if role == "end" else k.alert
    if a is None:
        k, a = GENERIC, GENERIC.alert
    assert a is not None
    return k, a


@dataclass(frozen=True)
class DeviceProfile:
    """How one device family wants GPX waypoints.

    Attributes:
        name: profile key (garmin, wahoo, karoo, osmand).
        name_len: longest waypoint ``<name>`` shown well on the device, characters.
        cmt_len: longest ``<cmt>`` (the short text sent to the device), characters.
        ascii_names: transliterate names to ASCII (device fonts lack CJK/diacritics).
        sym_source: "garmin" (Garmin symbol names), "karoo" (the Karoo set) or "none".
        type_source: "kind" (the event kind) or "karoo" (the Karoo set).
        osmand: write ``osmand:icon/color/background`` extensions.
    """

    name: str
    name_len: int
    cmt_len: int
    ascii_names: bool
    sym_source: str
    type_source: str
    osmand: bool = False
    extra_ns: dict[str, str] = field(default_factory=dict)

    def sym(self, kind: str, layer: str | None = None, role: str = "point",
            restricted: bool = False) -> str | None:
        """The ``<sym>`` for a point (None: write no sym)."""
        a = alert_of(kind, layer, role, restricted)[1]
        if self.sym_source == "garmin":
            return a.garmin
        if self.sym_source == "karoo":
            return a.karoo
        return None

    def type(self, kind: str, layer: str | None = None, role: str = "point",
             restricted: bool = False) -> str:
        """The ``<type>`` for a point: the Karoo set, or the kind (``downhill_end`` for an end)."""
        if self.type_source == "karoo":
            return alert_of(kind, layer, role, restricted)[1].karoo
        base = kind or "generic"
        return base if role == "point" else f"{base}_{role}"

    def osmand_icon(self, kind: str, layer: str | None = None, role: str = "point",
                    restricted: bool = False) -> tuple[str, str]:
        """(icon name, #rrggbb colour) for OsmAnd."""
        k, a = alert_of(kind, layer, role, restricted)
        return a.osmand, k.style.color


PROFILES: dict[str, DeviceProfile] = {
    "garmin": DeviceProfile("garmin", name_len=15, cmt_len=40, ascii_names=True,
                            sym_source="garmin", type_source="kind"),
    "wahoo": DeviceProfile("wahoo", name_len=15, cmt_len=40, ascii_names=True,
                           sym_source="garmin", type_source="kind"),
    "karoo": DeviceProfile("karoo", name_len=20, cmt_len=60, ascii_names=False,
                           sym_source="karoo", type_source="karoo"),
    "osmand": DeviceProfile("osmand", name_len=40, cmt_len=120, ascii_names=False,
                            sym_source="none", type_source="kind", osmand=True,
                            extra_ns={"osmand": OSMAND_NS}),
}


def get_profile(name: str) -> DeviceProfile:
    """The profile called ``name``; raises ValueError listing the valid names."""
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown device profile {name!r}; choose one of "
                         f"{', '.join(sorted(PROFILES))}") from None


def fit_course_point_type(kind: str, layer: str | None = None, role: str = "point",
                          restricted: bool = False) -> str:
    """FIT ``course_point`` type name (garmin-fit-sdk spelling, e.g. 'campsite') for a point."""
    return alert_of(kind, layer, role, restricted)[1].fit


def tcx_point_type(kind: str, layer: str | None = None, role: str = "point",
                   restricted: bool = False) -> str:
    """TCX ``PointType`` (one of :data:`TCX_POINT_TYPES`) for a point."""
    return alert_of(kind, layer, role, restricted)[1].tcx


_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_SPACES = re.compile(r"\s+")


def clean_text(text: object) -> str:
    """Text safe for XML 1.0: control characters removed, whitespace runs collapsed.

    >>> clean_text("a\\x00b\\x1b  c\\n")
    'ab c'
    """
    if text is None:
        return ""
    s = str(text)
    if s in ("nan", "None", "<NA>"):
        return ""
    return _SPACES.sub(" ", _XML_ILLEGAL.sub("", s)).strip()


def to_ascii(text: str) -> str:
    """Best-effort ASCII: strip diacritics; drop what cannot be transliterated.

    >>> to_ascii("Café Ruòqiāng 若羌")
    'Cafe Ruoqiang'
    """
    s = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _SPACES.sub(" ", s).strip()


def short_name(text: str, max_len: int, *, ascii_only: bool, fallback: str = "Point") -> str:
    """A device-friendly name of at most ``max_len`` characters (never empty), whole words.

    Keeps the leading whole words that fit; a first word longer than ``max_len`` is the only
    case that is cut. Reads at most the first ``64 * max_len`` characters (a 1 MB name costs
    nothing).

    >>> short_name("G315 Huatugou to Ruoqiang", 15, ascii_only=True)
    'G315 Huatugou'
    >>> short_name("若羌", 10, ascii_only=True, fallback="Town")
    'Town'
    """
    s = clean_text(str(text)[: 64 * max(max_len, 1) + 64])
    if ascii_only:
        s = to_ascii(s)
    if not s:
        s = to_ascii(clean_text(fallback)) if ascii_only else clean_text(fallback)
        s = s or "Point"
    if len(s) <= max_len:
        return s
    cut = s[: max_len + 1]
    sp = cut.rfind(" ")
    if sp > 0:
        cut = cut[:sp]
    cut = cut[:max_len].rstrip(" ,;:-(/")
    return cut or s[:max_len]


# ---------------------------------------------------------------------------------- naming
class Nameable(Protocol):
    """What :func:`course_names` reads of a course point."""

    @property
    def kind(self) -> str: ...
    @property
    def layer(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def restricted(self) -> bool: ...
    @property
    def name(self) -> str: ...
    @property
    def km(self) -> float | None: ...
    @property
    def km_pos(self) -> float | None: ...
    @property
    def length_km(self) -> float | None: ...
    @property
    def along_m(self) -> float | None: ...


_FIELD = re.compile(r"\{(\w+)\}")
_TOKEN = re.compile(r"[^\W_][\w'.+/-]*", re.UNICODE)
_NUMBER = re.compile(r"^\d+([.,]\d+)?$")
def _split(text: str) -> frozenset[str]:
    return frozenset(text.split())


_STOP = _split("a an the of to and at on onto in into by for from with km just after before then this "
                   "that part again here there starts start stops end ends begins first second "
                   "last next")


def _tokens(name: str, ascii_only: bool) -> list[str]:
    s = clean_text(name[:400])
    if ascii_only:
        s = to_ascii(s)
    return [t.rstrip(".'/-") for t in _TOKEN.findall(s)]


_BRACKETS = re.compile(r"\([^)]*\)|\[[^\]]*\]")


@functools.lru_cache(maxsize=16384)
def _fields(name: str, km: float | None, km_pos: float | None, length_km: float | None,
            kind_words: frozenset[str], ascii_only: bool) -> dict[str, str | None]:
    """The pattern fields of a point (read only: the dict is shared by every screen size)."""
    toks = _tokens(name or "", ascii_only)
    main = _tokens(_BRACKETS.sub(" ", (name or "")[:400]).split(" / ")[0], ascii_only)
    own = kind_words | _STOP
    words = [t for t in toks if t.lower() not in own and not _NUMBER.match(t)]
    at: str | None = None
    if km is not None:
        at = f"{km:g}"
    elif km_pos is not None:
        at = f"~{km_pos:.0f}"
    return {
        "km": None if km is None else f"{km:g}",
        "at": at,
        "len": None if length_km is None else f"{length_km:g}km",
        "name": " ".join(main) or None,
        "full": " ".join(t for t in toks if t != "/") or None,
        "words": " ".join(words) or None,
        "word": words[0] if words else None,
    }


def name_candidates(p: Nameable, max_len: int, *, ascii_only: bool = True) -> list[str]:
    """The names a point may get on a screen of ``max_len`` characters, best first (never empty).

    The patterns of the point's alert in :mod:`roadbook.kinds` (``n10`` below 15 characters,
    ``n15`` otherwise), with fields that are unknown or too long skipped. Computed once per
    point and screen (a course names its points for FIT, TCX and the GPX device alike).
    """
    return list(_candidates(p.kind, p.layer, p.role, p.restricted, p.name, p.km, p.km_pos, p.length_km,
                            max_len, ascii_only))


@functools.lru_cache(maxsize=16384)
def _candidates(kind: str, layer: str, role: str, restricted: bool, name: str, km: float | None,
                km_pos: float | None, length_km: float | None, max_len: int, ascii_only: bool) -> tuple[str, ...]:
    """:func:`name_candidates` of a point given by its fields (cached: points are immutable values)."""
    k, a = alert_of(kind, layer, role, restricted)
    vals = _fields(name, km, km_pos, length_km, k.words, ascii_only)
    out: list[str] = []
    for pat in (a.n10 if max_len < 15 else a.n15):
        need = _FIELD.findall(pat)
        if any(not vals.get(f) for f in need):
            continue
        s = " ".join(_FIELD.sub(lambda m: vals[m.group(1)] or "", pat).split())
        if s and len(s) <= max_len and s not in out:
            out.append(s)
    if not out:
        pats = GENERIC.alert.n10 if max_len < 15 else GENERIC.alert.n15  # type: ignore[union-attr]
        for pat in pats:
            if all(vals.get(f) for f in _FIELD.findall(pat)):
                s = " ".join(_FIELD.sub(lambda m: vals[m.group(1)] or "", pat).split())
                if s and len(s) <= max_len:
                    out.append(s)
                    break
    return tuple(out or [short_name(a.n10[0].split("{")[0] or "Point", max_len, ascii_only=True)])


def _identity(p: Nameable) -> tuple[str, str, str, float]:
    """Points with the same identity (kind at the same place, within 10 m) may share a name."""
    d = p.along_m if p.along_m is not None else -1.0
    return (p.kind, p.layer, p.role, round(d / 10.0))


def course_names(points: Sequence[Nameable], max_len: int, *, ascii_only: bool = True) -> list[str]:
    """Short names for every point of a course: at most ``max_len`` characters, whole words, and
    distinct unless two points are the same kind at the same place.

    Each point starts with its best pattern (:func:`name_candidates`); points whose name is taken
    by a distinct point move on to their next pattern, round after round (at most one round per
    pattern: linear in the number of points). Points that run out of patterns get `` 2``,
    `` 3`` ... in course order.

    >>> from types import SimpleNamespace as P
    >>> pts = [P(kind="water", layer="road_events", role="point", restricted=False, name="Spring",
    ...          km=None, km_pos=k, length_km=None, along_m=k * 1000.0) for k in (10, 52, 80)]
    >>> pts[2].km = 80.0
    >>> course_names(pts, 15)
    ['Water ~10', 'Water ~52', 'Water 80']
    """
    cands = [name_candidates(p, max_len, ascii_only=ascii_only) for p in points]
    ident = [_identity(p) for p in points]
    level = [0] * len(points)
    for _ in range(max((len(c) for c in cands), default=0)):
        names = [c[lv] for c, lv in zip(cands, level, strict=True)]
        owners: dict[str, set[tuple[str, str, str, float]]] = {}
        for n, i in zip(names, ident, strict=True):
            owners.setdefault(n, set()).add(i)
        moved = False
        for j, n in enumerate(names):
            if len(owners[n]) > 1 and level[j] + 1 < len(cands[j]):
                level[j] += 1
                moved = True
        if not moved:
            break
    names = [c[lv] for c, lv in zip(cands, level, strict=True)]
    # the last resort: number the remaining clashes (course order), keeping whole words
    first_owner: dict[str, tuple[str, str, str, float]] = {}
    taken = set(names)
    counter: dict[str, int] = {}
    out = []
    for n, i in zip(names, ident, strict=True):
        owner = first_owner.setdefault(n, i)
        if owner == i:
            out.append(n)
            continue
        k = counter.get(n, 1)
        while True:
            k += 1
            tag = f" {k}"
            base = n
            while len(base) + len(tag) > max_len and " " in base:
                base = base.rsplit(" ", 1)[0]
            cand = (base[: max_len - len(tag)] + tag).strip()
            if cand not in taken:
                break
        counter[n] = k
        taken.add(cand)
        out.append(cand)
    return out
