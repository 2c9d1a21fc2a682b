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

#: Categories in priority order (first wins when a clause has words of several categories).
CATEGORIES: tuple[str, ...] = (
    "checkpoint", "border", "turn_off", "pass", "camping", "accommodation", "water", "food",
    "transport", "hazard", "descent", "climb", "road_works", "town", "landmark", "info",
)

_RULES: dict[str, tuple[str, ...]] = {
    "checkpoint": (r"check[- ]?points?", r"check[- ]?posts?", r"police (?:post|control|check|station|booth)s?",
                   r"control posts?", r"security check", r"police checks?", r"roadblocks?",
                   r"permit checks?", r"passport checks?", r"military post"),
    "border": (r"borders?", r"frontier", r"customs", r"immigration", r"border post",
               r"province line", r"state line"),
    "turn_off": (r"turn[- ]?offs?", r"turn (?:left|right)", r"turning", r"junctions?", r"forks?",
                 r"intersections?", r"crossroads?", r"exit(?:s)?", r"branch(?:es)? off",
                 r"side road", r"take the (?:left|right)", r"(?:left|right) turn", r"roundabout",
                 r"turns? off"),
    "pass": (r"(?:the|a|[A-Z][a-z]+) pass\b", r"passes\b", r"summit", r"\bcol\b", r"saddle", r"daban",
             r"highest point", r"top of the (?:climb|pass|hill)", r"\bla\b(?= pass)"),
    "camping": (r"camp(?:ing|ed|site|sites|spot|spots|ground)?", r"tents?", r"wild ?camp\w*",
                r"stealth", r"bivouac|bivvy", r"pitch(?:ed)?", r"slept (?:out|behind|under|in a)"),
    "accommodation": (r"hotels?", r"hostels?", r"guest ?houses?", r"motels?", r"lodg(?:e|ing)s?",
                      r"binguan", r"zhaodaisuo", r"homestays?", r"\binn\b", r"rooms?", r"beds?",
                      r"B&B", r"accommodation", r"yurt stay", r"gasthaus|pension"),
    "water": (r"water", r"springs?", r"wells?", r"streams?", r"taps?", r"fountains?", r"refill",
              r"creek", r"brook"),
    "food": (r"restaurants?", r"caf[eé]s?", r"shops?", r"stores?", r"food", r"eat(?:ery|eries)?",
             r"noodles?", r"supermarkets?", r"canteen", r"tea ?house", r"chaikhana", r"market",
             r"lunch", r"dinner", r"breakfast", r"snacks?", r"kiosks?", r"truck stop", r"bakery",
             r"grocer(?:y|ies)", r"petrol|filling station|gas station|fuel station|service area"),
    "transport": (r"bus(?:es)?", r"train", r"railway", r"station", r"taxis?", r"\bcabs?\b",
                  r"hitch\w*", r"ferry", r"airport", r"shuttle", r"lift"),
    "hazard": (r"danger\w*", r"dogs?", r"caution", r"careful", r"beware", r"landslides?",
               r"rock ?falls?", r"washed[- ]out|washout", r"flood\w*", r"tunnels?", r"avalanche",
               r"\bice\b|icy", r"accident", r"no shoulder", r"potholes?", r"deep sand",
               r"unlit", r"mud\w*", r"ford(?:ing)?", r"crosswinds?"),
    "descent": (r"downhill", r"descen\w*", r"goes down", r"drops?", r"freewheel\w*", r"coast(?:ing)?"),
    "climb": (r"climb\w*", r"uphill", r"ascen\w*", r"steep", r"gradient", r"switchbacks?",
              r"hairpins?", r"goes up"),
    "road_works": (r"road ?works?", r"construction", r"resurfac\w*", r"gravel", r"asphalt",
                   r"tarmac", r"paved", r"unpaved", r"pavement", r"dirt", r"highway",
                   r"expressway", r"motorway", r"old road", r"new road", r"parallel",
                   r"cross(?:es)? over", r"surface", r"detour", r"diversion", r"washboard",
                   r"corrugat\w*", r"tar\b", r"concrete"),
    "town": (r"towns?", r"villages?", r"city", r"hamlet", r"settlement", r"welcomes you",
             r"outskirts", r"enter(?:s|ing)? [A-Z]\w+"),
    "landmark": (r"signs?", r"signboards?", r"signpost", r"monument", r"museum", r"(?:nature )?park",
                 r"lake", r"temple", r"mosque", r"monastery", r"stupa", r"statue", r"viewpoint",
                 r"gate", r"tower", r"ruins", r"bridge", r"memorial", r"church", r"fort\b",
                 r"antenna|aerials?", r"obelisk", r"arch\b"),
}

_COMPILED: dict[str, re.Pattern[str]] = {
    cat: re.compile(r"\b(?:" + "|".join(f"(?:{w})" for w in words) + r")\b",
                    0 if cat == "pass" else re.IGNORECASE)
    for cat, words in _RULES.items()
}
# "pass" as a noun only: "the pass", "Kunjirap Pass", not the verb "you pass the town".
_PASS_VERB = re.compile(r"\b(?:to|will|you|we|I|they|then|and|can|must|may) pass\b", re.IGNORECASE)
_PASS_NOUN = re.compile(r"\b(?:[Pp]ass(?:es)?)\b")

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


def expand_abbreviations(text: str) -> dict[str, str]:
    """Abbreviations the writer defines, e.g. "the new highway (H)" -> {"H": "new highway"}.

    Used so that later clauses such as "At km 1385 H stops." are read as "highway stops".
    """
    out: dict[str, str] = {}
    for m in re.finditer(r"\b((?:[A-Za-z]+ ){0,2}[A-Za-z]{3,20}) \(([A-Z]{1,2})\)", text[:2_000_000]):
        out.setdefault(m.group(2), m.group(1))
    return out


def _rewrite(clause: str, abbreviations: dict[str, str]) -> str:
    for abbr, words in abbreviations.items():
        clause = re.sub(rf"(?<![\w(]){re.escape(abbr)}(?![\w)])", words, clause)
    return clause


def categorize(clause: str, abbreviations: dict[str, str] | None = None) -> Category:
    """Pick the category of a clause; ``because`` holds the words that decided it.

    >>> categorize("At km 1383 checkpoint.").category
    'checkpoint'
    >>> categorize("At km 1385 H stops.", {"H": "new highway"}).because
    ('highway',)
    """
    text = _rewrite(clause, abbreviations or {})
    hits: dict[str, list[str]] = {}
    for cat in CATEGORIES[:-1]:
        words: list[str] = []
        for m in _COMPILED[cat].finditer(text):
            w = m.group(0)
            if cat == "pass" and (_PASS_VERB.search(text[max(0, m.start() - 8):m.end()])
                                  and not w[0].isupper()):
                continue
            if cat == "transport" and w.lower() == "lift" and "ski" in text.lower():
                continue
            words.append(w)
        if cat == "pass" and not words:
            for m in _PASS_NOUN.finditer(text):
                seg = text[max(0, m.start() - 10):m.end()]
                if not _PASS_VERB.search(seg) and re.search(r"(?:the|a|[A-Z]\w+) [Pp]ass", seg):
                    words.append(m.group(0))
        if words:
            hits[cat] = words
    for cat in CATEGORIES[:-1]:
        if cat in hits:
            return Category(cat, tuple(dict.fromkeys(hits[cat])), False)
    return Category("info", (), True)


def find_side(clause: str) -> str | None:
    """left / right / both when the clause says on which side of the road; else None."""
    for rx, fixed in _SIDE:
        m = rx.search(clause)
        if m:
            if fixed:
                return fixed
            word = next(g for g in m.groups() if g)
            return word.lower()
    return None
