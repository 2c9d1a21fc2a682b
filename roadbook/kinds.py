"""The ONE registry of kinds: what every event, stretch, place, restriction and derived kind IS.

For each kind: a human label, the short names a bike computer shows (patterns for a 15- and a
10-character screen), the FIT ``course_point`` type, the TCX ``PointType``, the GPX ``sym`` per
device profile (Garmin spelling for garmin/wahoo, the Karoo set for karoo; OsmAnd reads no sym
but the icon of its own extension), and the map style. Stretches have an alert for their start
and, where a rider gains from it, for their end.

Everything else reads this module: the GPX/FIT/TCX writers and device profiles
(:mod:`maps.devices`), the printable roadbook (:mod:`maps.roadbook_text`), the map page (as JSON,
:func:`map_styles`) and ``docs/course-points.md`` (made by :func:`course_points_markdown`; a test
checks the file against it).

Groups (where a kind comes from): ``event`` (``events[].kind``), ``stretch``
(``stretches[].kind``), ``place`` (``places[].kind``), ``restriction`` (``restrictions[].kind``),
``transport`` (``transport[].mode``) and ``derived`` (kinds the pipeline makes itself: km markers,
anchors, the route, border crossings and their points, a place where foreigners may not stay).

Short-name patterns are tried in order; the first whose fields are all known and whose text fits
the screen is used, later ones break ties between distinct points (see
:func:`maps.devices.course_names`). Fields: ``{km}`` the road km the source states, ``{at}`` the
road km as placed (``~1316``: derived), ``{len}`` the stated length (``34km``), ``{name}`` the
whole name (without a part in brackets or after " / "), ``{full}`` the whole name with what is
in brackets, ``{words}`` the name without the kind's own words (``Qinghai checkpoint`` ->
``Qinghai``), ``{word}`` the first of those words. A field is only ever whole words: nothing is
cut mid-word.

Type choices: TCX ``Left``/``Right``/``Straight`` are turn instructions on a device; no kind the
schema can produce is a turn on the course (a ``turn_off`` is a junction the rider passes), so
none maps to them. Karoo ``Lodging`` only for ``accommodation`` (the notes name a place to
sleep); a town is not a lodging, and a place where foreigners may not stay overnight is the
derived kind ``restricted_place`` (never Lodging).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: The 16 values the TrainingCenterDatabase v2 XSD allows for CoursePoint/PointType.
TCX_POINT_TYPES = (
    "Generic", "Summit", "Valley", "Water", "Food", "Danger", "Left", "Right", "Straight",
    "First Aid", "4th Category", "3rd Category", "2nd Category", "1st Category",
    "Hors Category", "Sprint",
)
#: TCX types a device announces as a turn: only for a real turn on the course.
TCX_TURN_TYPES = frozenset({"Left", "Right", "Straight"})
#: Karoo's GPX type/sym vocabulary (anything else shows as Generic).
KAROO_TYPES = ("Camping", "Danger", "Food", "Geocache", "Lodging", "Parking", "Summit", "Water",
               "Generic")
GROUPS = ("event", "stretch", "place", "restriction", "transport", "derived")


@dataclass(frozen=True)
class Alert:
    """How a point (or one end of a stretch) appears on a bike computer.

    Attributes:
        n15, n10: short-name patterns for a 15- and a 10-character screen, in order of preference
            (fields as in the module docstring). The last one should always resolve.
        fit: FIT course_point type (garmin-fit-sdk spelling).
        tcx: TCX PointType (one of :data:`TCX_POINT_TYPES`).
        garmin: GPX ``sym`` in Garmin's spelling (also used by Wahoo).
        karoo: GPX ``type``/``sym`` for Hammerhead Karoo (one of :data:`KAROO_TYPES`).
        osmand: OsmAnd icon name (``osmand:icon``).
        phrase: what the point is, in words, for the full sentence (``"downhill starts"``).
    """

    n15: tuple[str, ...]
    n10: tuple[str, ...]
    fit: str
    tcx: str
    garmin: str
    karoo: str
    osmand: str
    phrase: str


@dataclass(frozen=True)
class Style:
    """Map style (Leaflet path options): shape p (circle marker), l (line) or a (area).

    ``legend`` is the map legend's text where it says more than the kind's label (a line that
    is a connection, not a road). Two kinds that look the same on the map have the same legend
    text (``tests/test_registry_single_source.py`` checks it), so every legend symbol is unique.
    """

    shape: str
    color: str
    fill: str | None = None
    radius: int | None = None
    weight: int | None = None
    dash: str | None = None
    offset: int | None = None
    opacity: float | None = None
    legend: str | None = None


@dataclass(frozen=True)
class Kind:
    """One kind of one group.

    Attributes:
        group, kind: where it comes from (see module docstring) and its name there.
        label: human label (roadbook, map legend).
        words: the kind's own words, left out of ``{words}`` (lower case).
        style: map style.
        alert: the point (for a stretch: its start) on a bike computer; None: never a course point.
        end: a stretch's end on a bike computer, or None.
        family: points of one family at the same distance are one point (merged).
        stage: what a day stage may end at: "camp", "town", "water", "food" or "" (not a stage end).
        categories: the extractor's categories (:mod:`roadbook.extract.categories`) that become
            this kind in a draft roadbook, before the extractor's word-level refinements.
        description: what the kind means, for the roadbook format (events and stretches: the
            schema's vocabulary :data:`roadbook.model.EVENT_KINDS` / ``STRETCH_KINDS``, and the
            default name of an event or stretch without one); "" for other groups.
    """

    group: str
    kind: str
    label: str
    words: frozenset[str]
    style: Style
    alert: Alert | None
    end: Alert | None = None
    family: str = ""
    stage: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    categories: frozenset[str] = frozenset()
    description: str = ""


# ----------------------------------------------------------------------------------- helpers
def _a(n15: tuple[str, ...], n10: tuple[str, ...], fit: str, tcx: str, garmin: str, karoo: str,
       osmand: str, phrase: str) -> Alert:
    return Alert(n15, n10, fit, tcx, garmin, karoo, osmand, phrase)


def _p(color: str, fill: str, radius: int = 6, weight: int | None = None,
       dash: str | None = None, legend: str | None = None) -> Style:
    return Style("p", color, fill, radius, weight, dash, legend=legend)


def _l(color: str, weight: int, dash: str | None = None, offset: int | None = None,
       opacity: float | None = None, legend: str | None = None) -> Style:
    return Style("l", color, None, None, weight, dash, offset, opacity, legend)


def _w(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: name patterns used by most point kinds: a short word, then what tells points apart
def _std(abbr: str, abbr10: str | None = None, *, first: str = "words") -> tuple[tuple[str, ...],
                                                                                tuple[str, ...]]:
    b = abbr10 or abbr
    if first == "km":
        return ((f"{abbr} {{km}}", f"{abbr} {{words}}", f"{abbr} {{word}}", f"{abbr} {{at}}"),
                (f"{b} {{km}}", f"{b} {{words}}", f"{b} {{word}}", f"{b} {{at}}"))
    if first == "plain":
        return ((abbr, f"{abbr} {{km}}", f"{abbr} {{at}}"), (b, f"{b} {{km}}", f"{b} {{at}}"))
    if first == "name":
        return (("{name}", "{full}", f"{abbr} {{name}}", f"{abbr} {{at}}"),
                ("{name}", "{full}", f"{b} {{name}}", f"{b} {{at}}"))
    return ((f"{abbr} {{words}}", f"{abbr} {{km}}", f"{abbr} {{word}}", f"{abbr} {{at}}"),
            (f"{b} {{words}}", f"{b} {{km}}", f"{b} {{word}}", f"{b} {{at}}"))


_STOP = _w("a an the of to and at on in by for from with km just after before then this that "
           "part again here there starts start stops end ends begins")

# ----------------------------------------------------------------------------------- events
_E: list[Kind] = []


def _event(kind: str, label: str, words: str, style: Style, alert: Alert, *, family: str = "",
           stage: str = "", categories: str = "", about: str) -> None:
    _E.append(Kind("event", kind, label, _w(words), style, alert, None, family or kind, stage,
                   categories=_w(categories), description=about))


_event("checkpoint", "checkpoint", "checkpoint check point post police station control pcr",
       _p("#7f0000", "#e53935", 7),
       _a(*_std("CP", first="km"), "checkpoint", "Generic", "Police Station", "Generic",
          "amenity_police", "police checkpoint"), categories="checkpoint",
       about="police / security checkpoint")
_event("turn_off", "turn-off", "turn-off turn off turnoff junction road",
       _p("#004d40", "#26a69a"),
       _a(*_std("Jct"), "info", "Generic", "Flag, Blue", "Generic", "special_flag",
          "turn-off (a junction you pass; not a turn of the course)"), categories="turn_off",
       about="turn-off / junction")
_event("sign", "sign", "sign signboard board", _p("#424242", "#bdbdbd", 5),
       _a(*_std("Sign"), "info", "Generic", "Information", "Generic", "tourism_information",
          "sign"), about="a sign board")
_event("park", "nature park", "park nature reserve national",
       _p("#1b5e20", "#a5d6a7", legend="Nature park / reserve"),
       _a(*_std("Park"), "info", "Generic", "Park", "Generic", "leisure_nature_reserve",
          "nature park / reserve"), about="nature park / reserve")
_event("town", "town", "town village city", _p("#212121", "#ffffff", 7, 2),
       _a(*_std("Town", first="name"), "service", "Generic", "City (Small)", "Generic",
          "place_town", "town or village"), stage="town", categories="town",
       about="town or village on the road")
_event("water", "water", "water source spring drinking", _p("#0d47a1", "#42a5f5"),
       _a(*_std("Water", first="plain"), "water", "Water", "Drinking Water", "Water",
          "amenity_drinking_water", "water"), stage="water", categories="water", about="water source")
_event("food", "food / shop", "food shop restaurant store", _p("#e65100", "#ffb74d"),
       _a(*_std("Food", first="plain"), "food", "Food", "Restaurant", "Food",
          "amenity_restaurant", "food / shop"), stage="food", categories="food",
       about="food / shop / restaurant")
_event("toilet", "toilet", "toilet toilets wc", _p("#37474f", "#b0bec5", 5),
       _a(*_std("Toilet", "WC", first="plain"), "toilet", "Generic", "Restroom", "Generic",
          "amenity_toilets", "toilet"), about="toilet")
_event("fuel", "filling station", "fuel filling station petrol gas",
       _p("#263238", "#ffee58", legend="Fuel station"),
       _a(*_std("Fuel", first="plain"), "store", "Generic", "Gas Station", "Generic",
          "amenity_fuel", "filling station"), stage="food", about="filling station")
_event("hazard", "hazard", "hazard danger dangerous bad", _p("#b71c1c", "#ffeb3b", 7, 3),
       _a(*_std("Danger"), "danger", "Danger", "Danger Area", "Danger", "hazard", "danger"),
       categories="hazard road_works", about="danger, bad road")
_event("downhill", "downhill", "downhill sign descent", _p("#4a148c", "#ab47bc"),
       _a(("Down {len}", "Down {len} {km}", "Down {len} {at}", "Down {km}", "Down {at}"),
          ("Down {len}", "Down {km}", "Down {at}"),
          "alert", "Danger", "Danger Area", "Danger", "hazard", "downhill starts"),
       family="downhill", categories="descent", about="start of a downhill / downhill sign")
_event("climb", "climb", "climb uphill ascent sign", _p("#3e2723", "#a1887f"),
       _a(("Climb {len}", "Climb {len} {km}", "Climb {km}", "Climb {at}"),
          ("Climb {len}", "Climb {km}", "Climb {at}"),
          "steep_incline", "Generic", "Summit", "Generic", "special_arrow_up", "climb starts"),
       family="climb", categories="climb", about="start of a climb")
_event("pass", "pass / summit", "pass summit col top", _p("#3e2723", "#d7ccc8", legend="Pass"),
       _a(("{name}", "Pass {words}", "Pass {km}", "Pass {at}"),
          ("{name}", "Pass {word}", "Pass {km}", "Pass {at}"),
          "summit", "Summit", "Summit", "Summit", "mountain_pass", "pass / summit"),
       family="climb", categories="pass", about="pass / summit")
_event("border", "border", "border provincial national boundary line",
       _p("#3e2723", "#8d6e63", legend="Border (province / country)"),
       _a(*_std("Border", "Bdr"), "info", "Generic", "Crossing", "Generic", "boundary_stone",
          "provincial or national border"), categories="border", about="provincial or national border")
_event("bridge", "bridge", "bridge", _p("#37474f", "#90a4ae", 5),
       _a(*_std("Bridge", "Brdg"), "bridge", "Generic", "Bridge", "Generic", "bridge_structure_arch",
          "bridge"), about="bridge")
_event("highway_start", "highway starts", "highway new hwy", _p("#0d47a1", "#64b5f6"),
       _a(("Hwy start", "Hwy start {km}", "Hwy start {at}"), ("Hwy start", "H on {km}", "H on {at}"),
          "info", "Generic", "Flag, Green", "Generic", "special_flag", "new highway starts"),
       family="highway_start", about="the new highway starts")
_event("highway_end", "highway ends", "highway new hwy", _p("#0d47a1", "#ffffff"),
       _a(("Hwy end", "Hwy end {km}", "Hwy end {at}"), ("Hwy end", "H off {km}", "H off {at}"),
          "info", "Generic", "Flag, Red", "Generic", "special_flag", "new highway ends"),
       family="highway_end", about="the new highway ends")
_event("parallel_start", "highway and old road in parallel", "highway old road parallel hwy",
       _p("#283593", "#9fa8da", legend="Parallel roads start"),
       _a(("Parallel", "Parallel {km}", "Parallel {at}"), ("Parallel", "Par {km}", "Par {at}"),
          "info", "Generic", "Flag, Blue", "Generic", "special_flag",
          "new highway and old road run in parallel"), family="parallel",
       about="new highway and old road start to run in parallel")
_event("crossover", "cross between highway and old road", "cross crossover over highway old road",
       _p("#0d47a1", "#ffe082", legend="Crossover (highway / old road)"),
       _a(("Cross {words}", "Crossover {km}", "Crossover {at}"),
          ("X-over {km}", "X-over {at}", "X-over"),
          "crossing", "Generic", "Crossing", "Generic", "special_flag",
          "cross between the highway and the old road"),
       about="cross between the new highway and the old road")
_event("resurfacing_start", "resurfacing starts", "old road resurfacing roadworks works",
       _p("#e65100", "#ffa726"),
       _a(("Resurf. start", "Resurf. {km}", "Resurf. {at}"), ("Resurf.", "Resurf {km}", "Resurf {at}"),
          "obstacle", "Danger", "Danger Area", "Danger", "hazard",
          "old road resurfacing starts: not for cycling"), family="resurfacing",
       about="old road under resurfacing from here")
_event("camping", "camping spot", "camping camp spot site wild stealth", _p("#1b5e20", "#43a047"),
       _a(*_std("Camp", first="plain"), "campsite", "Generic", "Campground", "Camping",
          "tourism_camp_site", "camping spot"), family="camping", stage="camp", categories="camping",
       about="a camping spot")
_event("accommodation", "hotel / hostel", "hotel hostel guesthouse guest house inn",
       _p("#880e4f", "#f06292"),
       _a(*_std("Hotel", first="name"), "shelter", "Generic", "Lodging", "Lodging",
          "tourism_hotel", "hotel / hostel"), stage="town", categories="accommodation",
       about="hotel / hostel")
_event("customs", "customs", "customs office", _p("#000000", "#fff59d", 5),
       _a(*_std("Customs"), "checkpoint", "Generic", "Police Station", "Generic",
          "amenity_police", "customs office"), about="customs office (goods)")
_event("border_post", "border post", "border post passport control inspection terminal",
       _p("#000000", "#ffd54f", 6),
       _a(*_std("Bdr post", "Bdr"), "checkpoint", "Generic", "Police Station", "Generic",
          "barrier_border_control", "border post / passport control"),
       about="border post / passport control / inspection terminal")
_event("money", "money exchange", "money exchange bank atm", _p("#1b5e20", "#fff176", 5),
       _a(*_std("Money", first="plain"), "service", "Generic", "Bank", "Generic", "amenity_bank",
          "money exchange"), about="money exchange")
_event("transport", "transport", "transport bus stop station taxi change", _p("#4a148c", "#e1bee7"),
       _a(*_std("Bus/taxi", "Ride"), "transport", "Generic", "Ground Transportation", "Generic",
          "highway_bus_stop", "bus stop, station or taxi change"), categories="transport",
       about="bus stop, station, taxi change")
_event("landmark", "landmark", "landmark", _p("#4e342e", "#bcaaa4", 5),
       _a(*_std("Sight", first="name"), "overlook", "Generic", "Scenic Area", "Generic",
          "tourism_viewpoint", "landmark"), categories="landmark", about="landmark")
_event("info", "information", "info information", _p("#0d47a1", "#e3f2fd", 5),
       _a(*_std("Info"), "info", "Generic", "Information", "Generic", "tourism_information",
          "information"), categories="info", about="anything else worth knowing")

# ----------------------------------------------------------------------------------- stretches
_S: list[Kind] = []


def _stretch(kind: str, label: str, words: str, style: Style, start: Alert | None,
             end: Alert | None = None, *, family: str = "", stage: str = "", categories: str = "",
             about: str) -> None:
    _S.append(Kind("stretch", kind, label, _w(words), style, start, end, family or kind, stage,
                   categories=_w(categories), description=about))


_stretch("highway", "new highway (status not stated)", "highway new hwy",
         _l("#42a5f5", 5, offset=4, legend="New highway"), None,
       about="new highway (opening status not stated)")
_stretch("highway_open", "highway open", "highway new hwy open",
         _l("#1565c0", 5, offset=4, legend="New highway (open)"), None,
       about="new highway, open to traffic")
_stretch("highway_built_closed", "highway built, not open", "highway new hwy built closed open",
         _l("#1565c0", 4, "10 8", 4, 0.85, legend="New highway (built, not open)"),
         _a(("Hwy closed", "Hwy closed {km}", "Hwy closed {at}"),
            ("Hwy closed", "H cl {km}", "H cl {at}"),
            "info", "Generic", "Flag, Green", "Generic", "special_flag",
            "new highway built but not open to traffic starts (a quiet cycle path)"),
         family="highway_start", about="new highway, built but not open (a quiet cycle path)")
_stretch("old_road", "old road", "old road", _l("#6d4c41", 4, offset=-4), None, about="the old road")
_stretch("parallel", "old road parallel to the highway", "highway old road parallel",
         _l("#5c6bc0", 4, legend="Parallel roads"), None, about="new highway and old road side by side")
_stretch("resurfacing", "old road resurfacing", "old road resurfacing",
         _l("#ff6f00", 6, "12 6", -4, legend="Old road: resurfacing (rough, warning)"),
         _a(("Resurf. start", "Resurf. {km}", "Resurf. {at}"), ("Resurf.", "Resurf {km}", "Resurf {at}"),
            "obstacle", "Danger", "Danger Area", "Danger", "hazard",
            "old road resurfacing starts: not for cycling"),
         _a(("Resurf. end", "Resurf. end {km}", "Resurf. end {at}"),
            ("Resurf end", "Rs end {km}", "Rs end {at}"),
            "info", "Generic", "Flag, Green", "Generic", "special_flag",
            "old road resurfacing ends"), family="resurfacing",
       about="old road being resurfaced: not suitable for cycling")
_stretch("downhill", "downhill", "downhill descent", _l("#8e24aa", 5, legend="Downhill stretch"),
         _a(("Down {len}", "Down {len} {km}", "Down {len} {at}", "Down {km}", "Down {at}"),
            ("Down {len}", "Down {km}", "Down {at}"),
            "alert", "Danger", "Danger Area", "Danger", "hazard", "downhill starts"),
         family="downhill", categories="descent", about="downhill (length in km)")
_stretch("climb", "climb", "climb uphill ascent", _l("#6d4c41", 5),
         _a(("Climb {len}", "Climb {len} {km}", "Climb {km}", "Climb {at}"),
            ("Climb {len}", "Climb {km}", "Climb {at}"),
            "steep_incline", "Generic", "Summit", "Generic", "special_arrow_up", "climb starts"),
         _a(("Top", "Top {km}", "Top {at}"), ("Top", "Top {km}", "Top {at}"),
            "summit", "Summit", "Summit", "Summit", "mountain_pass", "climb ends (top)"),
         family="climb", categories="climb", about="climb")
_stretch("camping_zone", "camping zone", "camping camp zone stealth wild",
         Style("a", "#2e7d32", "#66bb6a", None, 2),
         _a(("Camp zone", "Camp zone {km}", "Camp zone {at}"), ("Camp zone", "Camps {km}", "Camps {at}"),
            "campsite", "Generic", "Campground", "Camping", "tourism_camp_site",
            "camping zone starts"),
         _a(("Camp zone end", "Camp end {km}", "Camp end {at}"),
            ("Camps end", "Cz end {km}", "Cz end {at}"),
            "info", "Generic", "Flag, Blue", "Generic", "special_flag", "camping zone ends"),
         family="camping", stage="camp", categories="camping", about="good wild camping")
_stretch("no_services", "no services", "services no food water toilet",
         _l("#607d8b", 6, "2 8", legend="No services (food, water, toilet)"),
         _a(("No water {len}", "No water {km}", "No water {at}"),
            ("No water", "Dry {km}", "Dry {at}"),
            "alert", "Danger", "Danger Area", "Danger", "hazard",
            "no food, water or toilet ahead: stock up"),
         _a(("Services", "Services {km}", "Services {at}"), ("Services", "Serv {km}", "Serv {at}"),
            "service", "Food", "Restaurant", "Food", "amenity_restaurant",
            "end of the stretch without services"), family="no_services",
       about="almost no food, drink or toilet")
_stretch("hazard", "dangerous stretch", "hazard danger dangerous", _l("#d50000", 5, "6 6"),
         _a(("Danger {len}", "Danger {km}", "Danger {at}"), ("Danger", "Dngr {km}", "Dngr {at}"),
            "danger", "Danger", "Danger Area", "Danger", "hazard", "dangerous stretch starts"),
         _a(("Danger end", "Danger end {km}", "Danger end {at}"),
            ("Dngr end", "Dngr e {km}", "Dngr e {at}"),
            "info", "Generic", "Flag, Green", "Generic", "special_flag", "dangerous stretch ends"),
         family="hazard", categories="hazard road_works", about="dangerous stretch")

# ----------------------------------------------------------------------------------- places
_P: list[Kind] = []


def _place(kind: str, label: str, style: Style, abbr: str, fit: str, garmin: str, osmand: str,
           stage: str = "") -> None:
    n15, n10 = _std(abbr, first="name")
    _P.append(Kind("place", kind, label, _w(kind), style,
                   _a(n15, n10, fit, "Generic", garmin, "Generic", osmand, label), None,
                   "place", stage))


_place("town", "town", _p("#212121", "#ffffff", 7, 2), "Town", "service", "City (Small)",
       "place_town", "town")
_place("city", "city", _p("#212121", "#ffffff", 8, 3), "City", "service", "City (Medium)",
       "place_city", "town")
_place("village", "village", _p("#424242", "#eeeeee", 5), "Vill.", "service", "City (Small)",
       "place_village", "town")
_place("border", "border", _p("#3e2723", "#8d6e63", legend="Border (province / country)"), "Border",
       "info", "Crossing",
       "boundary_stone")
_place("landmark", "landmark", _p("#4e342e", "#bcaaa4", 5), "Sight", "overlook", "Scenic Area",
       "tourism_viewpoint")
_place("site", "site", _p("#4e342e", "#efebe9", 5), "Site", "overlook", "Scenic Area",
       "tourism_attraction")
_place("station", "station", _p("#37474f", "#cfd8dc", 5), "Stn", "transport",
       "Ground Transportation", "railway_station")
_place("airport", "airport", _p("#37474f", "#b3e5fc", 5), "Airport", "transport", "Airport",
       "aeroway_aerodrome")
_place("lake", "lake", _p("#01579b", "#81d4fa", 5), "Lake", "overlook", "Scenic Area",
       "natural_water")
_place("pass", "pass", _p("#3e2723", "#d7ccc8"), "Pass", "summit", "Summit", "mountain_pass")
_place("crossing", "border crossing", _p("#000000", "#ffd54f", 7, 3), "Border", "checkpoint",
       "Crossing", "barrier_border_control")
_place("office", "office", _p("#37474f", "#eceff1", 5), "Office", "info", "Building",
       "office_government")

# ----------------------------------------------------------------------------------- restrictions
_R: list[Kind] = []


def _restriction(kind: str, label: str, color: str, fill: str, weight: int | None = None) -> None:
    _R.append(Kind("restriction", kind, label, _w(kind.replace("_", " ")),
                   _p(color, fill, 5, weight), None, None, "restriction"))


# the two that bar a foreigner from sleeping there have a thick ring
_restriction("no_overnight_foreigners", "no overnight stay for foreigners", "#b71c1c", "#ffcdd2", 3)
_restriction("closed_site", "closed site", "#212121", "#e57373")
_restriction("no_photos", "no photos", "#4a148c", "#ce93d8")
_restriction("health_check", "health check", "#0d47a1", "#b2ebf2")
_restriction("no_foreigners_accommodation", "no accommodation for foreigners", "#b71c1c", "#ef9a9a", 3)
_restriction("permit", "permit needed", "#e65100", "#ffe0b2")
_restriction("police_registration", "police registration", "#7f0000", "#ef9a9a")
_restriction("other", "other restriction", "#4e342e", "#d7ccc8")

# ----------------------------------------------------------------------------------- transport
_T: list[Kind] = []


def _transport(kind: str, label: str, style: Style) -> None:
    _T.append(Kind("transport", kind, label, _w(kind.replace("_", " ")), style, None, None,
                   "transport"))


# a connection is drawn as sparse dots with its mode written on it (the page): never read as a road
_transport("bus", "bus", _l("#6a1b9a", 3, "1 8", opacity=0.8, legend="Bus connection (not a road)"))
_transport("train", "train", _l("#263238", 3, "1 8", opacity=0.8, legend="Train connection (not a road)"))
_transport("taxi", "taxi", _l("#f9a825", 3, "1 8", opacity=0.8, legend="Taxi connection (not a road)"))
_transport("shared_taxi", "shared taxi",
           _l("#ef6c00", 3, "1 8", opacity=0.8, legend="Shared taxi connection (not a road)"))
_transport("plane", "plane", _l("#0277bd", 3, "1 8", opacity=0.8, legend="Flight (not a road)"))

# ----------------------------------------------------------------------------------- derived
_D: list[Kind] = [
    Kind("derived", "route", "route", frozenset(), _l("#37474f", 3), None),
    Kind("derived", "route_schematic", "route (schematic: straight lines between places)",
         frozenset(), _l("#78909c", 3, "8 8"), None),
    Kind("derived", "anchor", "km anchor (calibration)", frozenset(),
         _p("#000000", "#ffffff", 4, dash="2 2"), None),
    Kind("derived", "track_gap", "gap in the track (not ridden)", frozenset(),
         _l("#90a4ae", 2, "1 6"), None),
    Kind("derived", "km_marker", "km marker", _w("km"), _p("#37474f", "#ffffff", 4),
         _a(("km {at}", "{name}"), ("km {at}", "{name}"), "mile_marker", "Generic", "Mile Marker", "Generic",
            "special_marker", "road km post")),
    Kind("derived", "border_crossing", "border crossing", _w("border crossing port"),
         _p("#000000", "#ffd54f", 7, 3),
         _a(*_std("Border", "Bdr", first="name"), "checkpoint", "Generic", "Crossing", "Generic",
            "barrier_border_control", "border crossing (passport and customs)")),
    Kind("derived", "border_point", "border point", _w("border point gate post"),
         _p("#000000", "#ff8a65", 5, legend="Border point (gate, customs)"),
         _a(*_std("Bdr", first="words"), "checkpoint", "Generic", "Crossing", "Generic",
            "barrier_border_control", "point of a border crossing")),
    Kind("derived", "restricted_place", "place where foreigners may not stay overnight",
         frozenset(), _p("#c62828", "#ffffff", 8, 4, "3 3", legend="Restricted town (foreigners)"),
         _a(("{name}", "{word}", "Restr. {at}"), ("{name}", "{word}", "Rstr {at}"),
            "alert", "Generic", "Restricted Area", "Generic", "hazard",
            "restricted place (foreigners may not stay overnight, or the site is closed)"),
         family="place"),
]

#: Every kind, by (group, kind).
REGISTRY: dict[tuple[str, str], Kind] = {(k.group, k.kind): k
                                         for k in (*_E, *_S, *_P, *_R, *_T, *_D)}

#: The entry for a kind nobody knows (a newer roadbook, a typo caught elsewhere).
GENERIC = Kind("derived", "generic", "point", frozenset(), _p("#e53935", "#ffffff", 5),
               _a(("{words}", "{at}", "Point {at}"), ("{word}", "{at}", "Pt {at}"),
                  "generic", "Generic", "Flag, Blue", "Generic", "special_star", "point"))

#: layer -> the group its ``kind`` column belongs to.
LAYER_GROUP: dict[str, str] = {
    "checkpoints": "event", "road_events": "event", "camping": "event", "stretches": "stretch",
    "parallels": "stretch", "places": "place", "restrictions": "restriction",
    "transport": "transport", "border_crossings": "derived", "km_markers": "derived",
    "route": "derived", "anchors": "derived",
}
_SEARCH = ("event", "place", "stretch", "derived", "restriction", "transport")


def lookup(kind: str, layer: str | None = None, group: str | None = None) -> Kind:
    """The registry entry of ``kind`` as found in ``layer`` (or ``group``); :data:`GENERIC` if none.

    A camping zone sits in the ``camping`` layer but is a stretch kind; a kind with no layer is
    looked for in the groups event, place, stretch, derived, restriction, transport in turn.

    >>> lookup("downhill", "stretches").group, lookup("downhill").group
    ('stretch', 'event')
    >>> lookup("camping_zone", "camping").group, lookup("zzz").kind
    ('stretch', 'generic')
    """
    groups: tuple[str, ...]
    g = group or (LAYER_GROUP.get(layer, "") if layer else "")
    groups = (g, *_SEARCH) if g else _SEARCH
    for grp in groups:
        k = REGISTRY.get((grp, kind))
        if k is not None:
            return k
    return GENERIC


def label(kind: str, layer: str | None = None, group: str | None = None) -> str:
    """Human label of a kind (``turn_off`` -> ``turn-off``); unknown kinds with spaces."""
    k = lookup(kind, layer, group)
    return k.label if k is not GENERIC else (kind or "point").replace("_", " ")


def from_category(group: str) -> dict[str, str]:
    """Extractor category -> kind of ``group`` ("event" or "stretch"), from ``Kind.categories``.

    >>> from_category("stretch")["descent"], from_category("event")["road_works"]
    ('downhill', 'hazard')
    """
    return {c: k.kind for k in REGISTRY.values() if k.group == group for c in sorted(k.categories)}


def kinds_of(group: str) -> list[str]:
    """Kinds of one group, in registry order."""
    return [k.kind for k in REGISTRY.values() if k.group == group]


def descriptions(group: str) -> dict[str, str]:
    """Kind -> description of one group, in registry order (the schema's vocabulary).

    >>> descriptions("stretch")["resurfacing"]
    'old road being resurfaced: not suitable for cycling'
    """
    return {k.kind: k.description for k in REGISTRY.values() if k.group == group}


def alerts() -> list[tuple[Kind, str, Alert]]:
    """Every alert of the registry: (kind, role, alert) with role "point", "start" or "end"."""
    out: list[tuple[Kind, str, Alert]] = []
    for k in (*REGISTRY.values(), GENERIC):
        if k.alert is not None:
            out.append((k, "start" if k.group == "stretch" else "point", k.alert))
        if k.end is not None:
            out.append((k, "end", k.end))
    return out


def map_styles() -> dict[str, dict[str, dict[str, Any]]]:
    """The map style of every kind as a JSON-able dict: ``{group: {kind: style}}``.

    Each style has ``shape`` (p point, l line, a area), ``color``, ``label`` and, where set,
    ``fill``, ``radius``, ``weight``, ``dash``, ``offset`` (pixels, + left), ``opacity``. The
    ``label`` is the legend text (``Style.legend``, else the kind's label with a capital).
    """
    out: dict[str, dict[str, dict[str, Any]]] = {g: {} for g in GROUPS}
    for k in REGISTRY.values():
        s = {key: val for key, val in vars(k.style).items() if val is not None and key != "legend"}
        s["label"] = k.style.legend or k.label[:1].upper() + k.label[1:]
        out[k.group][k.kind] = s
    return out


def map_page_kinds() -> dict[str, Any]:
    """What the map page needs to style a feature (embedded as JSON by :mod:`maps.html`).

    ``styles`` (:func:`map_styles`), ``layer_group`` (:data:`LAYER_GROUP`) and ``search``: the
    groups a kind is looked for in when its layer's group has none (as :func:`lookup` does).
    """
    return {"styles": map_styles(), "layer_group": dict(LAYER_GROUP), "search": list(_SEARCH)}


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def course_points_markdown() -> str:
    """``docs/course-points.md``: the one table of what a rider's device gets for each kind."""
    lines = [
        "# Course points: what the bike computer gets for each kind",
        "",
        "Generated from `roadbook/kinds.py` (the one registry; `tests/test_kinds.py` fails when "
        "this file differs: regenerate it with `python -m roadbook.kinds > docs/course-points.md`).",
        "",
        "Short names: the first pattern whose fields are known and that fits the screen is used; "
        "later patterns tell distinct points apart. Fields: `{km}` road km stated by the source, "
        "`{at}` road km as placed (`~1316`), `{len}` stated length (`34km`), `{name}` the whole "
        "name (without a part in brackets or after ` / `), `{full}` the name with what is in "
        "brackets, `{words}` the name without the kind's own words, `{word}` the first of those. "
        "Fields are whole words: a name is never cut mid-word. If two distinct points still "
        "share a name, ` 2`, ` 3` ... is added. The full sentence is in the GPX `desc`, the "
        "TCX `Notes` and the roadbook's cue card (FIT course points have no notes field).",
        "",
        "GPX `sym`: garmin and wahoo use the Garmin column; karoo writes the Karoo column as "
        "`sym` and `type`; osmand writes no `sym` but the OsmAnd icon. TCX `Left`/`Right`/"
        "`Straight` are never used: no kind is a turn of the course. Karoo `Lodging` only for "
        "`accommodation`; a place where foreigners may not stay overnight is `restricted_place`.",
        "",
        "| group | kind | point | FIT type | TCX PointType | GPX sym (Garmin) | Karoo | "
        "OsmAnd icon | name, 15 characters | name, 10 characters |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for k, role, a in alerts():
        lines.append(
            f"| {k.group} | `{k.kind}` | {role} | {a.fit} | {a.tcx} | {_md(a.garmin)} | {a.karoo} | "
            f"{a.osmand} | {' · '.join(f'`{_md(n)}`' for n in a.n15)} | "
            f"{' · '.join(f'`{_md(n)}`' for n in a.n10)} |")
    quiet = [f"`{k.group}:{k.kind}`" for k in REGISTRY.values() if k.alert is None]
    lines += ["", "Kinds that never become a course point (map and roadbook only): "
              + ", ".join(quiet) + ".", ""]
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover - writes the docs table
    print(course_points_markdown(), end="")
