"""Category keyword rules: which words make a distance reference a checkpoint, a camp spot, ...

Each category has a list of word patterns. For one reference, the words in its clause (the text
between the previous and the next reference of the same sentence) are matched; the category
with the highest priority among those matched wins, and the matched words are returned so that
``kmpost extract --explain`` can show *why*. When nothing matches, the category is ``info`` and
the result is flagged as a guess.

Categories (the issue's list): checkpoint, border, turn_off, pass, camping, accommodation, water,
food, transport, hazard, descent, climb, road_works (road surface / works), town, landmark, info.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

#: Categories in priority order (first wins when a clause has words of several categories).
CATEGORIES: tuple[str, ...] = (
    "checkpoint", "border", "turn_off", "pass", "camping", "accommodation", "water", "food",
    "transport", "hazard", "descent", "climb", "road_works", "town", "landmark", "info",
)

_RULES: dict[str, tuple[str, ...]] = {
    "checkpoint": (r"check[- ]?points?", r"check[- ]?posts?", r"police (?:post|control|check|station|booth)s?",
                   r"control posts?", r"security check", r"police checks?", r"roadblocks?",
                   r"permit checks?", r"passport checks?", r"military post", r"control\b", r"jandarma",
                   r"gendarmerie", r"carabineros", r"GAI", r"border check[- ]?points?"),
    "border": (r"borders?", r"frontier", r"customs", r"immigration", r"border post",
               r"province line", r"state line", r"aduana", r"douane"),
    "turn_off": (r"turn[- ]?offs?", r"turn(?:s|ing|ed)? (?:left|right|to|towards)", r"turning",
                 r"junctions?", r"forks?",
                 r"intersections?", r"crossroads?", r"exit(?:s)?", r"branch(?:es)? off",
                 r"side road", r"take the (?:left|right)", r"(?:left|right) turn", r"roundabout",
                 r"turns? off"),
    "pass": (r"(?:the|a|[A-Z][a-z]+) pass\b", r"passes\b", r"\bcol\b", r"saddle", r"daban",
             r"(?i:highest point|top of the (?:climb|pass|hill)|tops? out|top|summit)"),
    "camping": (r"camp(?:ing|ed|site|sites|spot|spots|ground)?", r"tents?", r"wild ?camp\w*",
                r"stealth", r"bivouac|bivvy", r"pitch(?:ed)?", r"slept (?:out|behind|under|in a)",
                r"shelter", r"gapahuk"),
    "accommodation": (r"hotels?", r"hostels?", r"guest ?houses?", r"motels?", r"lodg(?:e|ing)s?",
                      r"binguan", r"zhaodaisuo", r"homestays?", r"\binn\b", r"rooms?", r"beds?",
                      r"B&B", r"accommodation", r"yurts?", r"gasthaus|pension", r"albergue", r"roadhouse",
                      r"sleep inside", r"let us sleep", r"ger camp", r"yurt camp"),
    "water": (r"water", r"(?<!hot )springs?", r"wells?", r"streams?", r"taps?", r"fountains?", r"refill",
              r"creek", r"brook"),
    "food": (r"restaurants?", r"caf[eé]s?", r"shops?", r"stores?", r"food", r"eat(?:ery|eries)?",
             r"noodles?", r"supermarkets?", r"canteen", r"tea ?house", r"chaikhana", r"market",
             r"lunch", r"dinner", r"breakfast", r"snacks?", r"kiosks?", r"truck stop", r"bakery",
             r"grocer(?:y|ies)", r"petrol|filling station|gas station|fuel station|service area",
             r"bread", r"tea\b", r"kebabs?", r"plov", r"pie", r"coffee", r"drinks", r"diner",
             r"tearoom", r"menu", r"chaikhanas?", r"seafood", r"bazaar", r"inn does"),
    "transport": (r"bus(?:es)?", r"train", r"railway", r"station", r"taxis?", r"\bcabs?\b",
                  r"hitch\w*", r"ferry", r"airport", r"shuttle", r"lift"),
    "hazard": (r"danger\w*", r"dogs?", r"caution", r"careful", r"beware", r"landslides?",
               r"rock ?falls?", r"washed[- ]out|washout", r"flood\w*", r"tunnels?", r"avalanche",
               r"\bice\b|icy", r"accident", r"no shoulder", r"potholes?", r"deep sand",
               r"unlit", r"mud\w*", r"ford(?:ing)?", r"crosswinds?", r"narrow shoulder",
               r"busy road", r"heavy traffic", r"trucks"),
    "descent": (r"downhill", r"descen\w*", r"goes down", r"freewheel\w*", r"coasting"),
    "climb": (r"climb\w*", r"uphill", r"ascen\w*", r"steep", r"gradient", r"switchbacks?",
              r"hairpins?", r"goes up"),
    "road_works": (r"road ?works?", r"construction", r"resurfac\w*", r"gravel", r"asphalt",
                   r"tarmac", r"paved", r"unpaved", r"pavement", r"dirt", r"highway",
                   r"expressway", r"motorway", r"old road", r"new road", r"parallel",
                   r"cross(?:es)? over", r"surface", r"detour", r"diversion", r"washboard",
                   r"corrugat\w*", r"tar\b", r"concrete", r"ripio", r"repav\w*", r"chip seal"),
    "town": (r"towns?", r"villages?", r"city", r"hamlet", r"settlement", r"welcomes you",
             r"outskirts"),
    "landmark": (r"signs?", r"signboards?", r"signpost", r"monument", r"museum", r"(?:nature )?park",
                 r"lake", r"temple", r"mosque", r"monastery", r"stupa", r"statue", r"viewpoint",
                 r"gate", r"tower", r"ruins", r"bridge", r"memorial", r"church", r"fort\b",
                 r"antenna|aerials?", r"obelisk", r"waterfall", r"hot springs", r"photo", r"caves?", r"thermal baths",
                 r"wayside"),
}

#: Words that name the setting rather than the event; they decide only when nothing else does
#: ("a sign announces a downhill" is a downhill, "water at the railway station" is water).
_WEAK = re.compile(
    r"^(?:signs?|signboards?|signposts?|bridges?|lakes?|gates?|towers?|stations?|railways?|"
    r"highways?|expressways?|motorways?|old roads?|new roads?|surfaces?|careful|beware|caution|"
    r"(?:national |state |nature )?parks?|churche?s?|mosques?|temples?|monaster(?:y|ies))$",
    re.IGNORECASE,
)

_COMPILED: re.Pattern[str] = re.compile(
    r"\b(?:" + "|".join(
        f"(?P<{cat}>" + ("(?-i:" if cat == "pass" else "(?:")
        + "|".join(f"(?:{w})" for w in words) + "))"
        for cat, words in _RULES.items()
    ) + r")(?:e?s)?\b",
    re.IGNORECASE | re.ASCII,   # ASCII: 3x faster, and keywords are English words
)
_RANK = {cat: i for i, cat in enumerate(CATEGORIES)}
# "pass" as a noun only: "the pass", "Kunjirap Pass", not the verb "you pass the town".
_PASS_VERB = re.compile(r"\b(?:to|will|you|we|I|they|then|and|can|must|may) pass\b", re.IGNORECASE)
_PASS_NOUN = re.compile(r"\b(?:[Pp]ass(?:es)?)\b")
# "the climb to the X pass starts": the pass is the goal, the event is the climb
_CLIMB_START = re.compile(r"\b(?:start|starts|started|begin|begins|beginning|foot of)\b", re.IGNORECASE)
_GOAL = re.compile(r"\b(?:to|towards|up to)\s(?:the\s)?(?:[A-Z][\w'-]+\s){0,3}$")

_SIDE = (
    (re.compile(r"\bon (?:both|either) sides?\b|\bboth sides\b|\bleft and right\b", re.IGNORECASE), "both"),
    (re.compile(r"\b(?:on|to|at) (?:the|your) (left|right)\b|\b(left|right)[- ]hand\b|"
                r"\b(left|right) side\b|\bturn(?:s|ing)? (left|right)\b|\bon the (left|right)\b|"
                r"\b(?:a|the) (left|right) turn\b|\bto the (left|right)\b|\b(left|right) of the road\b",
                re.IGNORECASE), ""),
)


@dataclass(frozen=True)
class Category:
    """The category of one reference and the words that decided it."""

    category: str
    because: tuple[str, ...]
    guessed: bool
    weak: bool = False


def expand_abbreviations(text: str) -> dict[str, str]:
    """Abbreviations the writer defines, e.g. "the new highway (H)" -> {"H": "new highway"}.

    Used so that later clauses such as "At km 1385 H stops." are read as "highway stops".
    """
    out: dict[str, str] = {}
    for m in re.finditer(r"\b((?:[A-Za-z]+ ){0,2}[A-Za-z]{3,20}) \(([A-Z]{1,2})\)", text[:2_000_000]):
        out.setdefault(m.group(2), m.group(1))
    return out


@lru_cache(maxsize=64)
def _abbreviation_rx(abbrs: tuple[str, ...]) -> re.Pattern[str]:
    """One regex for all defined abbreviations (one pass per clause, whatever their number)."""
    alts = "|".join(re.escape(a) for a in sorted(abbrs, key=len, reverse=True))
    return re.compile(rf"(?<![\w(])(?:{alts})(?![\w)])")


def _rewrite(clause: str, abbreviations: dict[str, str]) -> str:
    if not abbreviations:
        return clause
    rx = _abbreviation_rx(tuple(sorted(abbreviations)))
    return rx.sub(lambda m: abbreviations[m.group(0)], clause)


def categorize(clause: str, abbreviations: dict[str, str] | None = None) -> Category:
    """Pick the category of a clause (cached; see :func:`_categorize`)."""
    return _categorize(clause, tuple(sorted((abbreviations or {}).items())))


@lru_cache(maxsize=65_536)
def _categorize(clause: str, abbreviations: tuple[tuple[str, str], ...]) -> Category:
    """Pick the category of a clause; ``because`` holds the words that decided it.

    The first *strong* keyword of the clause decides (ties at one position go by
    :data:`CATEGORIES` order); weak keywords (signs, bridges, stations, the road itself) decide
    only when there is no strong one; a pass named as the goal of a climb ("the climb to the
    Kudi pass") counts as weak.

    >>> categorize("At km 1383 checkpoint.").category
    'checkpoint'
    >>> categorize("At km 1385 H stops.", {"H": "new highway"}).because
    ('highway',)
    >>> categorize("a sign says that another downhill of 34 km starts").category
    'descent'
    """
    text = _rewrite(clause, dict(abbreviations))
    hits: list[tuple[int, int, str, str]] = []   # (weak, position, category, word)
    for m in _COMPILED.finditer(text):
        cat = m.lastgroup or "info"
        w = m.group(0)
        weak = bool(_WEAK.match(w))
        if cat == "pass":
            if _PASS_VERB.search(text[max(0, m.start() - 8):m.end()]) and not w[0].isupper():
                continue
            if _GOAL.search(text[max(0, m.start() - 60):m.start()]):
                weak = True
        if cat == "transport" and w.lower() == "lift" and "ski" in text.lower():
            continue
        hits.append((int(weak), m.start() * 100 + _RANK[cat], cat, w))
    if not any(h[2] == "pass" for h in hits):
        for m in _PASS_NOUN.finditer(text):
            seg = text[max(0, m.start() - 10):m.end()]
            if not _PASS_VERB.search(seg) and re.search(r"(?:the|a|[A-Z]\w+) [Pp]ass", seg):
                weak = bool(_GOAL.search(text[max(0, m.start() - 60):m.start()]))
                hits.append((int(weak), m.start() * 100 + _RANK["pass"], "pass", m.group(0)))
    if not hits:
        return Category("info", (), True)
    hits.sort()
    best = hits[0][2]
    strong = {h[2] for h in hits if not h[0]}
    if "turn_off" in strong:
        best = "turn_off"   # "the Socaire turn-off", "the caves turn-off": the turn-off is the event
    elif best == "climb" and "pass" in strong and not _CLIMB_START.search(text):
        best = "pass"       # "long climb over the X pass at K290": the pass is where the post is
    words = tuple(dict.fromkeys(h[3] for h in hits if h[2] == best))
    return Category(best, words, False, weak=best not in strong)


def find_side(clause: str) -> str | None:
    """left / right / both when the clause says on which side of the road; else None."""
    low = clause.lower()
    if "left" not in low and "right" not in low and "side" not in low:
        return None           # every pattern of _SIDE names left, right or a side
    for rx, fixed in _SIDE:
        m = rx.search(clause)
        if m:
            if fixed:
                return fixed
            word = next(g for g in m.groups() if g)
            return word.lower()
    return None
