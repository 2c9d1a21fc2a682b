"""Bike-computer profiles: what each device reads from GPX, FIT and TCX, per event kind.

Facts (``../shared/GUIDE.md`` §3): a Garmin Edge announces only FIT ``course_point``s; a GPX
``<wpt>`` becomes a saved location. Garmin reads ``sym`` with its own spelling ("Campground",
"Drinking Water", "Danger Area" ...). Hammerhead Karoo reads ``type``/``sym`` only from
{Camping, Danger, Food, Geocache, Lodging, Parking, Summit, Water}, anything else is Generic.
OsmAnd ignores ``sym``, groups waypoints by ``type`` and draws the icon named in its own
``osmand:icon`` extension (namespace :data:`OSMAND_NS`). Wahoo reads Garmin-style GPX.
FIT course_point types come from the FIT profile (``garmin_fit_sdk.Profile['types']
['course_point']``); TCX PointType must be one of :data:`TCX_POINT_TYPES`.

Unknown kinds map to a generic symbol/type in every profile.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

#: XML namespace OsmAnd writes for its GPX extensions (``xmlns:osmand``).
OSMAND_NS = "https://osmand.net"

#: The 16 values the TrainingCenterDatabase v2 XSD allows for CoursePoint/PointType.
TCX_POINT_TYPES = (
    "Generic", "Summit", "Valley", "Water", "Food", "Danger", "Left", "Right", "Straight",
    "First Aid", "4th Category", "3rd Category", "2nd Category", "1st Category",
    "Hors Category", "Sprint",
)

#: Karoo's GPX type/sym vocabulary (anything else shows as Generic).
KAROO_TYPES = ("Camping", "Danger", "Food", "Geocache", "Lodging", "Parking", "Summit", "Water",
               "Generic")

# kind -> (Garmin sym, Karoo type, FIT course_point type, TCX PointType, OsmAnd icon, colour)
_KINDS: dict[str, tuple[str, str, str, str, str, str]] = {
    "checkpoint": ("Flag, Red", "Danger", "checkpoint", "Danger", "amenity_police", "#d32f2f"),
    "turn_off": ("Flag, Blue", "Generic", "generic", "Generic", "special_flag", "#1565c0"),
    "sign": ("Information", "Generic", "info", "Generic", "tourism_information", "#546e7a"),
    "park": ("Parking Area", "Parking", "rest_area", "Generic", "amenity_parking", "#1565c0"),
    "town": ("City (Small)", "Lodging", "service", "Food", "place_town", "#6d4c41"),
    "water": ("Drinking Water", "Water", "water", "Water", "amenity_drinking_water", "#0288d1"),
    "food": ("Restaurant", "Food", "food", "Food", "amenity_restaurant", "#ef6c00"),
    "hazard": ("Danger Area", "Danger", "danger", "Danger", "hazard", "#c62828"),
    "downhill": ("Danger Area", "Danger", "danger", "Danger", "hazard", "#c62828"),
    "highway_start": ("Flag, Green", "Generic", "generic", "Straight", "special_flag", "#2e7d32"),
    "highway_end": ("Flag, Red", "Generic", "generic", "Straight", "special_flag", "#2e7d32"),
    "parallel_start": ("Flag, Blue", "Generic", "generic", "Straight", "special_flag", "#1565c0"),
    "resurfacing_start": ("Danger Area", "Danger", "obstacle", "Danger", "hazard", "#f9a825"),
    "border": ("Crossing", "Generic", "crossing", "Generic", "barrier_border_control", "#6a1b9a"),
    "border_crossing": ("Crossing", "Danger", "checkpoint", "Danger", "barrier_border_control",
                        "#6a1b9a"),
    "camping": ("Campground", "Camping", "campsite", "Generic", "tourism_camp_site", "#2e7d32"),
    "pass": ("Summit", "Summit", "summit", "Summit", "mountain_pass", "#4e342e"),
    "info": ("Information", "Generic", "info", "Generic", "tourism_information", "#546e7a"),
    "transport": ("Ground Transportation", "Generic", "transport", "Generic", "highway_bus_stop",
                  "#00695c"),
    "restriction": ("Restricted Area", "Danger", "alert", "Danger", "hazard", "#b71c1c"),
    "km_marker": ("Mile Marker", "Generic", "generic", "Generic", "special_marker", "#757575"),
}
_GENERIC = ("Flag, Blue", "Generic", "generic", "Generic", "special_star", "#e53935")

# Short English labels used when an event has no usable name (and as name prefixes).
_LABEL = {
    "checkpoint": "Checkpt", "turn_off": "Turn", "sign": "Sign", "park": "Park",
    "town": "Town", "water": "Water", "food": "Food", "hazard": "Hazard", "downhill": "Downhill",
    "highway_start": "Hwy start", "highway_end": "Hwy end", "parallel_start": "Parallel",
    "resurfacing_start": "Roadworks", "border": "Border", "border_crossing": "Border",
    "camping": "Camp", "pass": "Pass", "info": "Info", "transport": "Transport",
    "restriction": "Restricted", "km_marker": "km",
}


@dataclass(frozen=True)
class DeviceProfile:
    """How one device family wants GPX waypoints.

    Attributes:
        name: profile key (garmin, wahoo, karoo, osmand).
        name_len: longest waypoint ``<name>`` shown well on the device, characters.
        cmt_len: longest ``<cmt>`` (the short text sent to the device), characters.
        ascii_names: transliterate names to ASCII (device fonts lack CJK/diacritics).
        sym_source: "garmin" (Garmin symbol names), "karoo" (the Karoo set) or "none".
        type_source: "kind" (the event kind), "karoo" (the Karoo set) or "kind".
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

    def sym(self, kind: str) -> str | None:
        """The ``<sym>`` for an event kind (None: write no sym)."""
        row = _KINDS.get(kind, _GENERIC)
        if self.sym_source == "garmin":
            return row[0]
        if self.sym_source == "karoo":
            return row[1]
        return None

    def type(self, kind: str) -> str:
        """The ``<type>`` for an event kind."""
        if self.type_source == "karoo":
            return _KINDS.get(kind, _GENERIC)[1]
        return kind or "generic"

    def osmand_icon(self, kind: str) -> tuple[str, str]:
        """(icon name, #rrggbb colour) for OsmAnd."""
        row = _KINDS.get(kind, _GENERIC)
        return row[4], row[5]


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


def fit_course_point_type(kind: str) -> str:
    """FIT ``course_point`` type name (garmin-fit-sdk spelling, e.g. 'campsite') for a kind."""
    return _KINDS.get(kind, _GENERIC)[2]


def tcx_point_type(kind: str) -> str:
    """TCX ``PointType`` (one of :data:`TCX_POINT_TYPES`) for a kind."""
    return _KINDS.get(kind, _GENERIC)[3]


def kind_label(kind: str) -> str:
    """A short English label for a kind ('Checkpt', 'Water', ...)."""
    return _LABEL.get(kind, (kind or "Point").replace("_", " ").capitalize())


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
    if s == "nan":
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
    """A device-friendly name of at most ``max_len`` characters (never empty).

    Cuts at a word boundary when that keeps at least half the length.

    >>> short_name("Police checkpoint before Yitunbulake", 15, ascii_only=True)
    'Police'
    >>> short_name("Checkpoint Yitunbulake", 15, ascii_only=True)
    'Checkpoint'
    >>> short_name("若羌", 10, ascii_only=True, fallback="Town")
    'Town'
    """
    s = clean_text(text)
    if ascii_only:
        s = to_ascii(s)
    if not s:
        s = to_ascii(clean_text(fallback)) if ascii_only else clean_text(fallback)
        s = s or "Point"
    if len(s) <= max_len:
        return s
    cut = s[:max_len]
    sp = cut.rfind(" ")
    if sp >= max_len // 3:
        cut = cut[:sp]
    return cut.rstrip(" ,;:-(/") or s[:max_len]
