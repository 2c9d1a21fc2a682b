"""Line structures of route notes: stage lists / legs, tables, cue sheets and roll charts.

:func:`find_structures` reads the lines of a text and returns the events of every structure it
recognises, with the line numbers it used (the sentence pass skips those lines):

``stage_list``
    one leg per line: "Day 3: Osh – Gulcha – 78 km", "Coldfoot to Wild Camp (38.3 mi, 61.6 km)",
    "Von Büsum bis Leck 117Km", "D2:康定——雅江(海拔2530米),141公里", "Day 2: 64km, Dong Ha - Hue",
    a names line followed by a distance line ("Tag 1 A - B" / "91km 100Hm"), "90km zum X", and
    arrow chains "成都→雅安(147公里)→泸定(168公里)". The end of each leg is an event whose
    ``value`` is the sum of the legs from the chain's named start (``place``); a leg that starts
    at a new name restarts the sum there; a loop "A - B - A" restarts at A without an event.
    Dual units give the km figure.
``table`` / ``cue_sheet`` / ``roll_chart``
    three or more consecutive rows with number cells: the distance column is the one whose values
    never decrease (odometer resets are added up); cells that are times, altitudes ("m", "米",
    "ft", an altitude header), prices or list numbers never count. Turn codes (L, R, BL, BR, QR,
    SL, STR, X, RBT, LWR, U, >) give ``turn`` and a ``turn_off`` event.

All regexes are linear (no nested quantifiers); lines longer than :data:`MAX_LINE` are skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from itertools import accumulate, pairwise

from roadbook.extract.patterns import ROUTE_LENGTH_AFTER, unit_of

#: Lines longer than this are prose, never a structure ...
MAX_LINE = 400
#: ... unless they start as a day of a diary ("10. Tag: 125 km, A – B – C" and the day's story on
#: the same line, as blogs print a post's teaser): such lines are read up to this length.
MAX_DAY_LINE = 3000
_CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass
class Found:
    """One event of a structure (converted into an :class:`~roadbook.extract.events.Event`)."""

    line: int
    value: float
    unit: str
    structure: str
    text: str
    name: str | None = None
    place: str | None = None
    leg_km: float | None = None
    turn: str | None = None

    @property
    def approx(self) -> bool:
        """Whether the writer hedged a distance on the event's line ("約42km", "ca. 80 km")."""
        return HEDGED_NUMBER.search(self.text) is not None


#: A hedge just before a number, or "左右" ("or so") just after a distance, on a structure's line.
HEDGED_NUMBER = re.compile(
    r"(?:約|约|大约|大約|около|примерно|etwa|ungefähr|\bca\.|\bcirca\b|\bapprox\.?|\babout\b|\baround\b|~)\s?\d"
    r"|\d\s?(?:km|公里|千米|キロ)\s?左右", re.IGNORECASE)


def leg_km(value: float, unit: str) -> float:
    """A leg's length in km (``unit`` is ``km`` or ``mi``), to the metre."""
    return value if unit == "km" else round(value * 1.609344, 3)


# --- stage lists ---------------------------------------------------------------------------------
_UNIT = (r"(?:km|Km|KM|kms|klms?|kilomet(?:er|re)s?|kilometern|kilomètres?|kilómetros?|chilometri|километр\w{0,3}|"
         r"公里|公裡|千米|км|mi|miles?|Miles?|MILES)")
#: A leg's distance; never the tail of "3,500kms" (a thousands separator before it).
_DIST = re.compile(r"(?<![A-Za-z0-9_.])(?<!\d,)(?P<v>\d{1,4}(?:[.,]\d{1,2})?)\s?(?P<u>" + _UNIT
                   + r")(?![A-Za-z])(?!\s?/\s?h)(?!(?<=Mile)\s[A-Z])")   # "41 Mile Bore": a place's name
#: Dual units, in brackets or not: "(27.4 mi, 44.1 km)", "62.80miles/101.33km": one leg, in km.
_DUAL = re.compile(r"(?<![\d.,])(?P<mi>\d{1,4}(?:\.\d{1,2})?)\s?(?:mi|miles?)\s?[,/;]\s?"
                   r"(?P<km>\d{1,4}(?:\.\d{1,2})?)\s?(?:km|kms)(?![A-Za-z])")
#: Month names and their abbreviations (de, en, fr, es, it, pt, nl), capitalised as in a date.
_MONTH = (r"(?:Jan|Feb|Mär|Mar|Apr|Mai|May|Jun|Jul|Aug|Sep|Okt|Oct|Nov|Dez|Dec|Janv|Févr|Avr|Juin|Juil|Août|"
          r"Déc|Ene|Abr|Ago|Dic|Gen|Mag|Giu|Lug|Set|Ott|Fev|Out|Mei|Maa)[a-zäéèûíó]{0,7}")
_PREFIX = re.compile(
    r"^\W{0,4}(?:"
    r"(?:day|tag|dag|etappe|etapa|tappa|étape|stage|d|día|dia|jour|giorno|день|этап|hari|ngày)\s{0,2}(?:\d{1,3}|one|two|three|four|"
    r"five|six|seven|eight|nine|ten)\b\.?(?:\s?[(（][^)）\d]{0,12}\d{0,4}[^)）\d]{0,6}[)）])?\s?[:.,\-–—)|]?"
    r"|\d{1,3}\s?\.?\s?(?:tag|день|-?й\sдень|day|giorno|jour|día|gün|dzień|nap|päivä)\b\.?\s?[:.\-–—)]?"
    r"|\d{1,2}\s?(?:ª|º|°|\^|e|ème|a|o)\.?\s(?:etapa|tappa|étape|etappe|stage|día|giorno|jour)\b\.?\s?[:.\-–—)|]?"
    r"|(?:первый|второй|третий|четв[её]ртый|пятый|шестой|седьмой|восьмой|девятый|десятый|"
    r"first|second|third|fourth|fifth|sixth|seventh|erster|zweiter|dritter|vierter|fünfter|"
    r"primeiro|segundo|terceiro|quarto|quinto|sexto|sétimo|primer|tercer|cuarto|séptimo)"
    r"(?:\s[^\s\d:]{1,20}){0,2}\s(?:день|day|tag|dia|día)\b(?:\sde\sviagem|\sde\sviaje)?\s?[:.\-–—]?"
    r"|den\s(?:první|druhý|třetí|čtvrtý|pátý|šestý|sedmý|osmý|devátý|desátý)\s?[:.\-–—]?"
    r"|d\d{1,2}(?=[\u3400-\u9fff])"
    r"|第[一二三四五六七八九十\d]{1,3}[天日站]\s?(?:[(（][^)）]{0,20}[)）])?\s?[:：]?"
    r"|\d{1,2}(?:\s?-\s?\d{1,2})?\.?\s(?:" + _MONTH + r")\.?(?:\s\d{4})?\s?[-–;:,]"
    r"|(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|montag|dienstag|mittwoch|"
    r"donnerstag|freitag|samstag|sonntag)[^\d]{0,6}\d{1,2}\.\d{1,2}\.\d{2,4}"
    r"|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}"
    r"|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]{0,6}\.?\s\d{1,2}(?:st|nd|rd|th)?"
    r"(?:,?\s\d{4}\s?[-–—:|,]|(?:\s?[-–—]\s?\d{1,2})?(?:\s[-–—:|]|:))"
    r"|\d{1,3}(?=\s{2,})"
    r")\s{0,4}",
    re.IGNORECASE,
)
_SEP = re.compile(r"\s[-–—>]\s|\s?(?:→|➔|➜|➞|⇒|——|--|->|=>)\s?|\s(?:to|a|bis|nach|hasta|à|até|x)\s"
                  r"|(?<=[\u3400-\u9fff])\s?[-–—~～〜]\s?(?=[\u3400-\u9fff])")
_VON = re.compile(r"^(?:von|from|de|da|desde)\s", re.IGNORECASE)
#: A hedge between the names and the distance: "A - B - aprox.", "A – B, ca.", "A - B около".
_APPROX_TAIL = re.compile(r"(?:\s?[-–—,]\s?|\s)(?:aprox|approx|ca|circa|env|environ|etwa|about|около|примерно)\.?\s*$",
                          re.IGNORECASE)
#: "La etapa de A a B", "The ride from A to B", "Die Fahrt von A nach B": the words before the start.
_STAGE_OF = re.compile(r"^(?:(?:la|el|the|die|der|das|le|il|lo|our|my|unsere?|meine?)\s)?"
                       r"(?:etapa|stage|ride|fahrt|étape|tappa|route|ruta|tour|strecke|leg|tramo|day|tag)\w{0,3}\s"
                       r"(?=(?:de|from|von|vom|du|da|desde)\s)", re.IGNORECASE)
_NAME_END = re.compile(r"\s?(?:[;,(（]|\svia\s|\sVia\s|\sand/or\s|\sor\s|\sby way of\s|\sbei\s|\s[-–—]\s?$)")
_HOME = {"house", "home", "place", "flat", "apartment", "door", "doorstep", "hotel", "hostel", "camp"}
_BAD_WORD = {"is", "was", "are", "were", "we", "i", "it", "it's", "you", "they", "then", "our", "my",
             "had", "has", "have", "will", "would", "after", "before", "about"}
_TO_ONLY = re.compile(r"^(?P<v>\d{1,4}(?:[.,]\d{1,2})?)\s?(?P<u>" + _UNIT + r")\s(?:to|zum|zur|nach|bis|hasta|à)\s"
                      r"(?:the\s|a\s)?(?P<n>[A-ZÄÖÜ][\w'’\-]{1,30}(?:\s[\w'’\-]{1,30}){0,3}"
                      r"|(?:[a-z]{2,15}\s){0,2}(?:camp\w*|hotel|motel|hostel|guest\s?house|lodge|hut|refuge)\b)")
_CHAIN = re.compile(r"(?P<n>[^\s→\-—()（）:：,，]{1,20})[(（](?P<v>\d{1,4}(?:\.\d{1,2})?)\s?(?:公里|千米|km)[)）]")
_TOTAL = re.compile(r"(?:总|總|全程|total|gesamt|insgesamt|so far|to date)", re.IGNORECASE)
_PLACE_REL = re.compile(r"^\s?(?:[NSEW]|from|of|before|after|past|east|west|north|south|out of|away)\b",
                        re.IGNORECASE)


def _num(s: str) -> float:
    return float(s.replace(",", "."))


def _clean_name(s: str, loose: bool = False) -> str | None:
    """The place name in ``s`` (None if it is none). ``loose`` (the names of a diary's day line):
    a short phrase that starts in lower case but holds a capitalised word ("правый берег реки
    Киржач", "the bank of the Drava") is a place too."""
    s = re.sub(r"[(（][^)）]{0,30}[)）]", "", s)          # "(海拔2395米)", "(Laos)"
    m = _NAME_END.search(s)
    if m:
        s = s[:m.start()]
    s = s.strip(" \t•*·:：,.;–—-|")
    if not s or len(s) > 60 or "!" in s or "?" in s or (
            re.search(r"\d{3,}", s) and not (_CJK.search(s) and not s[-1].isdigit())):
        return None                                  # "119道班" (a road station) is a name
    words = s.split()
    if _CJK.search(s):
        if len(words) > 1 and _CJK.search(words[-1]) and all(re.search(r"\d", w) for w in words[:-1]):
            return words[-1]            # "550m  尾道市": the climb column before the name
        return s if len(words) <= 2 else None
    if not (s[0].isupper() or s[0].isdigit()) or len(words) > 8:
        # "Codorus back up": keep the leading capitalised words
        lead = []
        for w in words:
            if not w[:1].isupper():
                break
            lead.append(w)
        if not lead:
            caps = [k for k, w in enumerate(words[1:6], start=1) if w[:1].isupper()]
            if not (loose and caps):
                return None
            lead = words[:caps[0] + 1]     # "левый берег реки Киржач (рядом с церковью)"
        words = lead
    if len(words) == 2 and words[0].lower() in ("my", "our") and words[1].lower() in _HOME:
        return " ".join(words)   # "My house to Beta, 20 km": the writer's home starts the leg
    if any(w.lower().strip(",.") in _BAD_WORD for w in words):
        return None
    while words and not words[-1][:1].isupper() and not _CJK.search(words[-1]) and not loose:
        words.pop()
    return " ".join(words) or None


#: Two names in capitals joined by one hyphen, and the first words of names written so.
_CAPS_PAIR = re.compile(r"[\s:：]*(?P<a>[A-ZÁÉÍÓÚÑÄÖÜ]{3,}(?: [A-ZÁÉÍÓÚÑÄÖÜ]{2,}){0,3})-(?P<b>[A-ZÁÉÍÓÚÑÄÖÜ]{3,}"
                        r"(?: [A-ZÁÉÍÓÚÑÄÖÜ]{2,}){0,3})\s*[(（]?")
_CAPS_JOINED = {"SAINT", "SAINTE", "SAN", "SANTA", "SANTO", "MONT", "PORT", "BAD", "VILLE", "NEUF", "NOTRE"}


def _names(seg: str, raw_end: dict[str, str], prose_after: bool = False
           ) -> tuple[str | None, str | None] | None:
    """(start, end) of "A - B", "A to B", "Von A bis B", "A——B——C"; None when seg is no leg.

    ``raw_end`` (one dict per call of :func:`find_structures`) receives the uncut text of the end
    name ("Wild Camp, near Finger Mountain" for "Wild Camp"), so that the next leg's start
    ("Finger Mountain") is recognised as the same place.
    """
    seg = _APPROX_TAIL.sub("", seg.strip())         # "Rolante a Riozinho - aprox. 27 km"
    seg = _VON.sub("", _STAGE_OF.sub("", seg.strip().rstrip(" -–—")))
    seg = re.sub(r"^(?:[A-Z][a-z]{2,15}:\s)(?=.*\s(?:to|-|–)\s)", "", seg)   # "Laos: A to B"
    parts = _SEP.split(seg)
    caps = _CAPS_PAIR.fullmatch(seg) if len(parts) < 2 else None
    if caps and caps["a"].split()[-1] not in _CAPS_JOINED:
        parts = [caps["a"], caps["b"]]       # "COYAIQUE-LAGUNA CHIGUAY (62 km)"; not "SAINT-JEAN"
    if len(parts) < 2 and prose_after:
        # a day line "Tag 1: Innsbruck Jettenbach (170 km …)": two names and nothing between
        two = re.fullmatch(r"\s*([A-ZÄÖÜ][\w'’\-]{2,30})\s([A-ZÄÖÜ][\w'’\-]{2,30})\s*[(（]?", seg)
        if two is None:
            return None
        parts = [two[1], two[2]]
    if len(parts) < 2:
        return None
    if prose_after:
        # the story of the day follows the names and may hold dashes of its own: the names end
        # at the first part that is a sentence rather than a name
        long = next((k for k, part in enumerate(parts) if k >= 1 and len(part.split()) > 4), None)
        if long is not None:
            parts = parts[:long + 1]
    last = parts[-1]
    if prose_after and len(last.split()) > 4 and last.strip()[:1].isupper() and not _CJK.search(last):
        # "Berlin Frühe Tagwache um 6.30 Uhr ...": the day's story runs on after the last name
        last = last.split()[0]
    first = _VON.sub("", re.split(r"[:：]", parts[0])[-1].strip())   # "阴天 行程:A--B", "1ª Etapa: de A a B"
    start, end = _clean_name(first, prose_after), _clean_name(last, prose_after)
    if end is not None and start is None and prose_after and re.fullmatch(r"[a-zà-ÿ]{3,12}", first):
        return None, end        # "Den šestý: kemp - Linz 27 km": a day from an unnamed camp
    if start is None or end is None:
        return None
    raw_end[end] = parts[-1]
    return start, end


def _same(a: str | None, b: str | None, raw_end: dict[str, str]) -> bool:
    if a is None or b is None:
        return False
    x, y = a.lower(), raw_end.get(b, b).lower()
    if x in y or y in x:
        return True
    wa = {w for w in re.findall(r"\w{4,}", x)} - _GENERIC
    return bool(wa & {w for w in re.findall(r"\w{4,}", y)})


#: Words that many place names share ("Rifugio Bosio" and "Rifugio Ventina" are two places).
_GENERIC = {"rifugio", "refuge", "refugio", "hütte", "huette", "camping", "campground", "camp", "hotel", "hostel",
            "shelter", "lake", "lago", "river", "mount", "monte", "mountain", "pass", "passo", "bridge", "station",
            "village", "town", "city", "park", "state", "national", "saint", "sankt", "santa", "santo", "port",
            "puerto", "porto", "valley", "valle", "gap", "creek", "spring", "springs", "junction", "albergue",
            "gasthaus", "gîte", "auberge", "berg", "dorf", "alpe", "platz"}


@dataclass
class _Chain:
    place: str | None = None
    end: str | None = None
    total: float = 0.0
    unit: str = "km"
    active: bool = False


#: Words inside brackets that make a distance a side trip or a remark, not the leg.
_IN_PAREN_BAD = re.compile(r"再|又|至|到|进|進|alt|海拔|\b(?:via|detour|side|round|after|approx\w*|about|another|"
                           r"more|nach|après|tras|dopo|later|total|gesamt)\b", re.IGNORECASE)
#: "167K" in Chinese notes is a distance (167 km), not a km post.
_ZH_K = re.compile(r"(?<=\d)[Kk](?![\w+])")


#: A day line's leg written unit first at the line's end ("... - Pisa Km 140", "KM. 110").
_KM_LAST = re.compile(r"(?<![A-Za-z])(?P<u>km|Km|KM)\.?\s?(?P<v>\d{1,4}(?:,\d{1,2})?)\s*$")
#: A guide's section header ("Section 4: Ruoqiang – Qiemo (340 km)") gives a length, not a day's leg.
_SECTION = re.compile(r"^\W{0,3}(?:section|abschnitt|tramo|tronçon|tratto|part|teil)\s?\d", re.IGNORECASE)


def _leg(line: str, raw_end: dict[str, str], day: bool = False
         ) -> tuple[float, str, str | None, str | None] | None:
    """(length, unit, start, end) of a stage line, or None. ``day``: the line starts as a day of a
    diary, so its names may stand in any segment and its last name may run on into the story."""
    if _SECTION.match(line):
        return None
    body = _PREFIX.sub("", line.strip(), count=1)
    if _CJK.search(body):
        body = _ZH_K.sub("km", body)
    dual = _DUAL.search(body)
    if dual:
        names = _names(body[:dual.start()], raw_end)
        return (float(dual["km"]), "km", *names) if names else None
    dm = None
    for m in _DIST.finditer(body):
        before = body[max(0, m.start() - 8):m.start()]
        if _TOTAL.search(before) or ROUTE_LENGTH_AFTER.match(body[m.end():m.end() + 40]):
            continue
        opened = max(body.rfind("(", 0, m.start()), body.rfind("（", 0, m.start()))
        if opened > max(body.rfind(")", 0, m.start()), body.rfind("）", 0, m.start())) and _IN_PAREN_BAD.search(
                body[opened:m.start()]):
            continue    # "(再行52公里至磨西镇...)": a side trip inside brackets, not the day's leg
        if _PLACE_REL.match(body[m.end():m.end() + 6]):
            return None
        dm = m
        break
    if dm is None and day:
        dm = _KM_LAST.search(body)          # "2° giorno - Chiavari - Pisa Km 140": the unit first
    if dm is None:
        return None
    unit = unit_of(dm["u"])
    # the names may sit one segment further back: "A - B,当日行程98公里"
    # a day of a diary may name its places anywhere in the line, with remarks in brackets:
    # "1 день – A – B (30 % тропинки) – C. Один я, (...) - 85 км"
    head = body[:dm.start()]
    tail = body[dm.end():]
    if not day and re.search(r"[.!?]\s\S", head):
        # names in an earlier sentence of a prose line are not this distance's leg ("Da A sino a B
        # (918 m). Da qui si sale per 25 km": the climb's length, not a leg from A to B)
        head = re.split(r"[.!?]\s(?=\S)", head)[-1]
    if day:
        head, tail = _REMARK.sub(" ", head), _REMARK.sub(" ", tail).lstrip(" )）:：")
    before_all = [x for x in re.split(r"[,;，；|]|\.\s", head) if x.strip()][::-1]
    before_segs = before_all if day else before_all[:2]
    after = re.split(r"[,;，；|]|\.\s", tail)
    for seg in [*before_segs, *after[:6 if day else 4]]:
        names = _names(seg, raw_end, prose_after=day)
        if names:
            return (_num(dm["v"]), unit, *names)
    return None


#: A remark in brackets inside a day line ("(Абрамцево - Алексанров на ж-д)", "(20% gravel)").
_REMARK = re.compile(r"[(（][^()（）]{0,120}[)）]")


_DAY_NO = re.compile(r"^\W{0,4}(?:(?:day|tag|etappe|etapa|tappa|étape|stage|día|dia|jour|giorno|день|d)\s?"
                     r"(?P<a>\d{1,3})(?!\d)|(?P<b>\d{1,3})\s?\.?\s?(?:tag|день|-?й\sдень|day|giorno|jour|día)\b"
                     r"|第(?P<c>\d{1,3})[天日站])", re.IGNORECASE)


#: A diary day that starts with its distance: "70 miles.  Double L grocery to Utica.  It rained …".
_DIST_FIRST_DAY = re.compile(r"^\d{1,4}(?:\.\d{1,2})?\s?(?:miles|mi|km|kms)\.\s{1,3}[A-Z]")
#: A day's post that opens with its leg: "Pirot – Sofia (90 km) Welcome Bulgaria. …".
_LEG_HEAD = re.compile(r"^[A-ZÀ-ÝŁŚŻĆ][\w'’\-]{1,30}(?:\s[\w'’\-]{1,30}){0,2}\s[–—-]\s[A-ZÀ-ÝŁŚŻĆ][\w'’\-]{1,30}"
                       r"(?:\s[\w'’\-]{1,30}){0,2}\s\(\d{1,4}(?:[.,]\d{1,2})?\s?km\)")
#: A day word at the head of a line (a diary's day, not a bare date or list number).
_DAY_WORD = re.compile(r"\b(?i:day|tag|dag|den|etappe|etapa|tappa|étape|stage|día|dia|jour|giorno|день|этап|gün|dzień|"
                       r"hari|ngày|nap|päivä)\b"
                       r"|第|^\W{0,4}[Dd]\d")


def _ridden_order(lines: list[str]) -> list[int]:
    """Line numbers (1-based) in the order the days were ridden.

    A diary printed newest first ("Tag 10 …", "Tag 9 …", "Tag 7 …"; or two consecutive days,
    "Day 54 …", "Day 53 …") is read from its oldest day:
    the lines from one numbered day line to the next form the block of that day, and a run of
    blocks whose day numbers go down is read backwards. Everything else keeps its order.
    """
    heads: list[tuple[int, int]] = []          # (line index 0-based, day number)
    for k, raw in enumerate(lines):
        m = _DAY_NO.match(raw) if len(raw) <= MAX_DAY_LINE else None
        if m:
            heads.append((k, int(m["a"] or m["b"] or m["c"])))
    order = list(range(1, len(lines) + 1))
    # two days only are read backwards when they are consecutive and go down ("Day 54 …", "Day 53 …")
    if len(heads) < 2 or (len(heads) == 2 and heads[0][1] - heads[1][1] != 1):
        return order
    # blocks of consecutive heads with the same day number ("Tag 10 – date" / "10. Tag: ...")
    groups: list[tuple[int, int, int]] = []   # (first line index, end line index, day)
    for n, (k, day) in enumerate(heads):
        end = heads[n + 1][0] if n + 1 < len(heads) else len(lines)
        if groups and groups[-1][2] == day and groups[-1][1] == k:
            groups[-1] = (groups[-1][0], end, day)
        else:
            groups.append((k, end, day))
    out: list[int] = list(range(1, groups[0][0] + 1))
    g = 0
    while g < len(groups):
        h = g
        while h + 1 < len(groups) and groups[h + 1][2] < groups[h][2] and groups[h + 1][0] == groups[h][1]:
            h += 1
        run = groups[g:h + 1] if h - g < 1 else groups[g:h + 1][::-1]
        for first, end, _ in run:
            out.extend(range(first + 1, end + 1))
        g = h + 1
    return out


def _day_line(i: int, line: str, body: str, raw_end: dict[str, str], pending: tuple[int, str, str] | None,
              day_head: tuple[int, bool] | None) -> tuple[tuple[int, str, str] | None, tuple[int, bool] | None]:
    """A day line without a distance (``body`` = the line without its day prefix): a names line
    ("Day 3: Osh – Gulcha") becomes ``pending``; a bare header ("Day 3", a date) ``day_head``.
    Returns the new (pending, day_head)."""
    nm = _names(body, raw_end) if pending is None else None
    if nm:
        return (i, nm[0] or "", nm[1] or ""), day_head
    if not body.strip(" .:-–()/0123456789") or _DATE_ONLY.match(body):
        return None, (i, bool(_FIRST_DAY.match(line)))
    return pending, day_head


#: A day's length that holds a side trip there and back ("含X來回", "round trip to the falls").
_ROUND_TRIP = re.compile(r"來回|来回|往返|round[\s-]trip|out[\s-]and[\s-]back|aller[\s-]retour|hin und zurück|"
                         r"ida y vuelta|ida e volta|andata e ritorno|туда и обратно", re.IGNORECASE)


def _stage_events(lines: list[str]) -> tuple[list[Found], set[int]]:
    out: list[Found] = []
    used: set[int] = set()
    ch = _Chain()
    pending: tuple[int, str, str] | None = None     # a day line with names only: (line, start, end)
    raw_end: dict[str, str] = {}                    # see _names: local to this call

    def same(a: str | None, b: str | None) -> bool:
        return _same(a, b, raw_end)

    def emit(i: int, leg: float, unit: str, start: str | None, end: str | None, text: str,
             unnamed_ok: bool = False) -> None:
        """Add one leg; ``unnamed_ok``: a day list from its first day may start without a name."""
        if leg <= 0:
            return                                        # a rest day ("Wörth, 0 Km Ruhetag")
        if _ROUND_TRIP.search(text):
            # "69km (含旭海大草原來回)": the day's length holds a side trip there and back, so its
            # end is no position; the next day's named start begins a new sum
            ch.active = False
            used.add(i)
            return
        if start is not None and end is not None and same(start, end) and not same(start, ch.end):
            ch.place, ch.end, ch.total, ch.unit, ch.active = start, end, 0.0, unit, True
            return
        if start is not None and start == end:          # a loop A - B - A: no position
            ch.place, ch.end, ch.total, ch.unit, ch.active = start, end, 0.0, unit, True
            return
        if not ch.active or unit != ch.unit or (start is not None and not same(start, ch.end)):
            if start is None and not ch.active and not unnamed_ok:
                return
            ch.place, ch.total, ch.unit, ch.active = start, 0.0, unit, True
        ch.total = round(ch.total + leg, 3)
        ch.end = end
        out.append(Found(i, ch.total, unit, "stage_list", text, name=end, place=ch.place,
                         leg_km=leg_km(leg, unit)))
        used.add(i)

    day_head: tuple[int, bool] | None = None      # a day header line without names: (line, first day?)
    title: tuple[int, str, str] | None = None     # a short title line "A to B": (line, start, end)
    nonblank = list(accumulate(1 if x.strip() else 0 for x in lines))

    def near(a: int, b: int, k: int) -> bool:
        """Line b follows line a within k non-blank lines (blank lines between do not count)."""
        return a <= b and nonblank[b - 1] - nonblank[a - 1] <= k

    for i in _ridden_order(lines):
        line = lines[i - 1].strip()
        prefix = _PREFIX.match(line)
        body = line[prefix.end():] if prefix else line          # the line without its day/date prefix
        day = (prefix is not None and _DAY_WORD.search(line[:40]) is not None) or bool(
            _DIST_FIRST_DAY.match(line) or _LEG_HEAD.match(line))
        if not line or len(line) > (MAX_DAY_LINE if day else MAX_LINE):
            continue
        label = _LABEL_LINE.match(line)
        if label and (pending is None or not near(pending[0], i, 3)) and not _DIST.search(line):
            # "Ziel: Camping X in Flaach", "路線:台東金崙-台東長濱 台9-台30": the day's names
            nm = _names(label["rest"], raw_end)
            if nm:
                pending = (i, nm[0] or "", nm[1] or "")
            elif day_head is not None and label["key"].lower() in _END_KEYS:
                end = _clean_name(re.sub(r"^(?:camping|campingplatz|zeltplatz|hotel)\s(?:in\s)?", "",
                                         label["rest"], flags=re.IGNORECASE))
                pending = (i, "", end or "")
            continue
        if not _HAS_DIGIT.search(line):
            if pending is None:
                if body != line:
                    nm = _names(body, raw_end)
                    if nm:
                        pending = (i, nm[0] or "", nm[1] or "")
                elif len(line) <= _TITLE_MAX and not re.search(r"[.!?]\s|[.!?]$", line):
                    nm = _names(line, raw_end)
                    if nm and nm[0] and nm[1] and nm[0][:1].isupper() and nm[1][:1].isupper():
                        title = (i, nm[0], nm[1])
            continue
        if not _UNIT_ANY.search(line):
            # no unit on the line: it can only be a day header or a names line (the last case below)
            if body != line:
                pending, day_head = _day_line(i, line, body, raw_end, pending, day_head)
            continue
        odo = _odometer_chain(line)
        if odo:
            odo_start, marks = odo
            for name, v in marks:
                out.append(Found(i, v, "km", "stage_list", line, name=name, place=odo_start))
            used.add(i)
            ch.place, ch.end, ch.total, ch.unit, ch.active = odo_start, marks[-1][0], marks[-1][1], "km", True
            continue
        chain = _chain_legs(line)
        if chain:
            start, legs = chain
            if start and (not ch.active or not same(start, ch.end)):
                ch.place, ch.end, ch.total, ch.unit, ch.active = start, start, 0.0, "km", True
            for name, v in legs:
                emit(i, v, "km", ch.end if ch.active else None, name, line)
            continue
        to = _TO_ONLY.match(body)
        leg = _leg(line, raw_end, day=day) if not (day and to) else None
        if leg is not None:
            pending, day_head = None, None
            emit(i, leg[0], leg[1], leg[2], leg[3], line, unnamed_ok=day and leg[2] is None)
            continue
        bare = body == line and len(line) <= 40 and _BARE_STOP.fullmatch(line) is not None
        if body != line or bare:
            # "Harrisburg IL, 59 miles" on a line of its own: a day log's stop
            one = _ONE_PLACE.match(body)
            if one:
                # "28.04.03   Bacharach, 144 Km": a dated day line naming only where it ended
                unit = unit_of(one["u"])
                emit(i, _num(one["v"]), unit, ch.end if ch.active else None, one["n"].strip(), line,
                     unnamed_ok=True)
                pending, day_head = None, None
                continue
        if to and (ch.active or body != line):
            # "90km zum X" after a leg; "Day 116 (July 15th) – 16.3 miles to X", "Aug 14: 23 miles
            # to X": a diary's day list (a day or a date before the leg)
            unit = unit_of(to["u"])
            emit(i, _num(to["v"]), unit, ch.end if ch.active else None, to["n"].strip(), line,
                 unnamed_ok=body != line)
            pending = None
            continue
        mm = _dist_line(line, body)
        if mm and day and ch.active and body != line and _DIST_ONLY.fullmatch(body):
            # "Dag 23: 75 km" between named days: a day whose end the list does not name
            emit(i, _dist_value(mm), unit_of(mm["u"]), ch.end, None, line,
                 unnamed_ok=True)
            continue
        if mm and pending is None and title is not None and near(title[0], i, 3) and len(body) <= 30:
            # a post's title "A to B" and under it "July 21, 2010 – 97 miles": the day's leg
            unit = unit_of(mm["u"])
            emit(i, _dist_value(mm), unit, title[1], title[2], f"{lines[title[0] - 1].strip()} {line}")
            title = None
            continue
        if mm and pending is not None and near(pending[0], i, 5):
            unit = unit_of(mm["u"])
            first = day_head is not None and day_head[1]
            emit(i, _dist_value(mm), unit, pending[1] or None, pending[2] or None,
                 f"{lines[pending[0] - 1].strip()} {line}", unnamed_ok=first or (ch.active and not pending[1]))
            pending, day_head = None, None
            continue
        if mm and pending is None and day_head is not None and near(day_head[0], i, 2):
            # "День 1" / "80 км — ...": a numbered day list whose ends are not named
            emit(i, _dist_value(mm), unit_of(mm["u"]), None, None, line,
                 unnamed_ok=day_head[1] or ch.active)
            day_head = None
            continue
        if body != line and not _DIST.search(body):
            pending, day_head = _day_line(i, line, body, raw_end, pending, day_head)
    return out, used


_HAS_DIGIT = re.compile(r"\d")
#: Every unit that _UNIT, _DIST and _ZH_K know contains one of these (a cheap test before them).
_UNIT_ANY = re.compile(r"(?i:km|klm|kilom|mi|км)|公里|公裡|千米|K|(?<=\d)k\b")
#: "Ziel: X", "Route: A - B", "路線:A-B": a line naming the day's start and end (or only its end).
_LABEL_LINE = re.compile(r"^(?P<key>ziel|destination|arrivée|llegada|destino|today's route|route|路線|路线|路程|行程|"
                         r"etapa|étape|etappe|tappa|tramo)"
                         r"\s?[:：]\s?(?P<rest>\S.{0,120})$", re.IGNORECASE)
_END_KEYS = {"ziel", "destination", "arrivée", "llegada", "destino"}
#: The distance line under a day's names: "Strecke: 85km", "Day Mileage: 66 miles", "總路程:156公里".
_DIST_LINE = re.compile(
    r"^(?:(?:day\s)?mileage|miles today|distance|dist\.?|strecke|longitud|distancia|行程|路程|总路程|總路程|距離|距离|"
    r"总里程|總里程|里程|lunghezza|länge|longueur|length|distância|distanza|distanz|afstand|dystans|"
    r"today's mileage|mileage today)?\s?[:：=]?\s?"
    r"(?P<v>\d{1,4}(?:[.,]\d{1,2})?)\s?(?P<u>" + _UNIT + r")(?![A-Za-z])(?!\s?/)(?:\s(?P<m>\d{1,3})\s?m\b)?",
    re.IGNORECASE)
#: The same with the unit first: "Km: 53 según la guía", "Miles: 61".
_DIST_FIRST = re.compile(r"^(?P<u>km|kms|kilómetros|kilometres|kilometers|kilometer|kilometri|miles|mi)\s?[:：=]\s?"
                         r"(?P<v>\d{1,4}(?:[.,]\d{1,2})?)(?![\d.,]?\d)(?!\s?/)", re.IGNORECASE)
#: A post's title naming the day's ends ("Saskatchewan River Crossing to Jasper"): no digits, short.
_TITLE_MAX = 80


#: A line that is only "Place[ ST], N unit" (a day log's stop).
_BARE_STOP = re.compile(r"[A-ZÄÖÜ][\w'’\-]{1,30}(?:\s[A-Z][\w'’\-]{1,30}){0,2},\s\d{1,4}(?:\.\d{1,2})?\s?"
                        r"(?:miles|mi|km|kms)\.?")
_DIST_ONLY = re.compile(r"\s*\d{1,4}(?:[.,]\d{1,2})?\s?" + _UNIT + r"\.?\s*")


def _dist_value(m: re.Match[str]) -> float:
    """The distance of a distance line; "13 km 65 m" is 13.065 km."""
    v = _num(m["v"])
    extra = m.groupdict().get("m")
    return round(v + int(extra) / 1000, 3) if extra else v


def _dist_line(line: str, body: str) -> re.Match[str] | None:
    """The distance of a line that gives only the day's distance (after a day or date prefix)."""
    for text in (line, body) if body != line else (line,):
        m = _DIST_LINE.match(text) or _DIST_FIRST.match(text)
        if m:
            return m
    return None


#: The first day of a numbered list ("Tag 1", "День 1", "第一天", "Day one").
_FIRST_DAY = re.compile(r"^\W{0,4}(?:(?:day|tag|etappe|etapa|tappa|étape|stage|d|día|dia|jour|giorno|день)\s?"
                        r"(?:1|one)\b|第[一1][天日站])", re.IGNORECASE)
_DATE_ONLY = re.compile(r"^\s*\d{1,2}[./]\d{1,2}[./]?(?:\d{2,4})?\s*$")
_ONE_PLACE = re.compile(r"^(?:(?i:to|nach|vers|a|hasta)\s)?(?P<n>[A-ZÄÖÜ][\w'’\-]{1,30}"
                        r"(?:\s[A-ZÄÖÜ][\w'’\-]{1,30}|\s(?:beach|lake|bay|hut|camp|pass|river|falls)){0,2})"
                        r"(?:,?\s{1,6}|\s?[-–—]\s?)"
                        r"(?P<v>\d{1,4}(?:[.,]\d{1,2})?)\s?(?P<u>" + _UNIT + r")(?![A-Za-z])"
                        r"(?!\s?(?:to|zum|zur|nach|bis|hasta|à|from|von|de)\b)")
#: A Chinese leg after its end's name: "卡子拉山口(4718M)30KM", "雅安(147公里)".
_CHAIN_LEG = re.compile(r"(?P<n>[^\s→\-—–()（）:：,，。]{1,20}?)(?:[(（](?P<alt>[^)）]{0,14})[)）])?\s?"
                        r"(?:[(（]\s?)?(?P<v>\d{1,4}(?:\.\d{1,2})?)\s?(?:公里|公裡|千米|km|KM|Km)(?:\s?[)）])?"
                        r"(?![A-Za-z])")
_CHAIN_GAP = re.compile(r"^[\s→\-—–>]*$")


#: A place of a Chinese roadbook chain with its altitude and odometer: "郫筒镇(海拔550 28km)".
_ODO_MARK = re.compile(r"(?P<n>[^\s→\-—–()（）:：,，。]{1,20}?)[(（]\s?(?:海拔|海拨|alt\.?)\s?\d{1,4}\s?(?:米|m)?"
                       r"\s{1,3}(?P<v>\d{1,4}(?:\.\d{1,2})?)\s?(?:km|KM|Km|公里)\s?[)）]")


def _odometer_chain(line: str) -> tuple[str, list[tuple[str, float]]] | None:
    """(start, [(place, km)]) of a roadbook chain that gives each place's odometer beside its
    altitude, "成都(海拔512)—A镇(海拔550 28km)—B—C市(海拔710 59km)": the km are positions from the
    chain's first place (they grow along the line), not legs; places without km are skipped."""
    if "海拔" not in line and "海拨" not in line and "alt" not in line:
        return None
    marks = list(_ODO_MARK.finditer(line))
    vals = [_num(m["v"]) for m in marks]
    if len(marks) < 2 or any(b <= a for a, b in pairwise(vals)):
        return None
    head = _PREFIX.sub("", line[:marks[0].start()].strip(), count=1)
    first = re.split(r"→|——|—-|--|—|–|[(（]", head)[0].strip(" .、:：")
    start = _clean_name(first)
    if start is None:
        return None
    return start, [(m["n"].strip(" —–-→"), v) for m, v in zip(marks, vals, strict=True)]


def _chain_legs(line: str) -> tuple[str | None, list[tuple[str, float]]] | None:
    """(start, [(end, leg km)]) of an arrow or dash chain with two or more legs, else None.

    The chain stops at a name without a distance ("措拉乡10KM–拉拉山隧道口(3060M)–巴塘35KM": the
    leg to 巴塘 starts at the tunnel, which has no position, so the sum would be wrong).
    """
    if not _CJK.search(line):
        return None
    legs = list(_CHAIN_LEG.finditer(line))
    if len(legs) < 2:
        return None
    head = line[:legs[0].start()]
    parts = [p for p in re.split(r"→|——|—-|--|—|–|(?<=[\u3400-\u9fff])-(?=[\u3400-\u9fff(（])", head) if p.strip()]
    if not parts:
        return None
    start = _clean_name(re.split(r"[:：]", parts[0])[-1])
    out: list[tuple[str, float]] = []
    prev_end = legs[0].start()
    for k, m in enumerate(legs):
        gap = line[prev_end:m.start()]
        if k == 0:
            gap = re.split(r"→|——|—-|--|—|–|-", head)[-1] if len(parts) > 1 else ""
            gap = "" if not gap.strip() else gap
        if k > 0 and not _CHAIN_GAP.match(gap):
            break
        name = m["n"].strip(" ·•")
        if not _CJK.search(name) or (m["alt"] is not None and not re.search(r"\d", m["alt"] or "x")):
            break
        out.append((name, _num(m["v"])))
        prev_end = m.end()
    if len(out) < 2 or start is None:
        return None
    return start, out


# --- tables, cue sheets, roll charts -------------------------------------------------------------
_CELL = re.compile(
    r"(?<![\w.\-+/:$€£¥#])(?P<v>\d{1,5}(?:\.\d{1,2})?|\.\d{1,2})(?P<u>\s?(?:km|k|mi)\b)?"
    r"(?![\d.:/\-]|\s?(?:m\b|米|ft|feet|元|yuan|%|°|hm\b|min|€|\$|euro|kg|人|天|号|年|月|日|点)|h\b|l\b)",
    re.IGNORECASE,
)
_GLUED_FIRST = re.compile(r"^(?P<v>\d{1,4}\.\d{1,2})(?=[A-Za-z])")
_GLUED_LAST = re.compile(r"(?<=[A-Za-z])(?P<v>\d{1,4}\.\d{1,2})$")
_LISTNO = re.compile(r"^\s*(?:\d{1,2}[.)]\s|[-•*·]\s)")
_TURN = re.compile(r"^\W{0,2}(?P<t>LWR|RWR|RBT|STR|QL|QR|BL|BR|SL|SR|TL|TR|KL|KR|ST|L|R|S|X|U|C|>|"
                   r"left|right|straight|continue|roundabout|u-turn)(?=\s|$|@)", re.IGNORECASE)
#: A cue sheet's start or end code before the row's place ("START", "END", "FINISH").
_CUE_END = re.compile(r"^(?:START|BEGIN|END|FINISH|ARRIVE|DEPART)\b[\s:.-]*")
#: A table header that counts in miles ("Miles", "mi", "Mileage").
_MI_HEAD = re.compile(r"\bmi(?:les?|leage)?\b", re.IGNORECASE)
_HEAD_DIST = re.compile(r"(?:dist|total|mileage|odo|cum|km|kilomet|miles?\b|距|里程|累计|公里)", re.IGNORECASE)
#: Row labels of ride statistics ("Ave. Speed = 8.0", "Monthly Dist. = 72.70"): never a position.
_ROW_BAD = re.compile(r"\bave\.\s|\b(?:speed|avg|average|max|time|elev\w*|altitude|gain|calories|temp\w*|monthly|"
                      r"yearly|weekly|total|velocidad|vitesse|geschw\w*|höhenmeter|dénivelé|desnivel)\b"
                      r"|速度|均速|时间|時間|海拔|累计爬升", re.IGNORECASE)
_HEAD_BAD = re.compile(r"(?:alt|elev|height|海拔|高度|ele\b|price|cost|€|\$|元|time|时间|zeit|uhr)", re.IGNORECASE)


def _turn(code: str) -> str:
    c = code.lower()
    if c in ("rbt", "roundabout"):
        return "roundabout"
    if c in ("u", "u-turn"):
        return "u-turn"
    if c.startswith("l") or c in ("ql", "bl", "sl", "tl", "kl"):
        return "left"
    if c.startswith("r") or c in ("qr", "br", "sr", "tr", "kr"):
        return "right"
    return "straight"


_ALT_OR_TIME = re.compile(r"[(（]海拔[^)）]{0,12}[)）]|\b\d{1,2}:\d\d\b")


def _blank(m: re.Match[str]) -> str:
    return " " * len(m.group(0))


def _cells(line: str) -> list[tuple[float, str, int, int]]:
    """(value, unit suffix, start, end) of the number cells of one row."""
    body = _LISTNO.sub(_blank, line)
    if "海拔" in body or ":" in body:
        body = _ALT_OR_TIME.sub(_blank, body)
    out = []
    g = _GLUED_FIRST.match(body)
    if g:
        out.append((float(g["v"]), "", g.start(), g.end()))
    for m in _CELL.finditer(body):
        if g and m.start() < g.end():
            continue
        v = m["v"]
        out.append((float(v), (m["u"] or "").strip().lower(), m.start(), m.end()))
    g2 = _GLUED_LAST.search(body)
    if g2 and not any(s <= g2.start() < e for _, _, s, e in out):
        out.append((float(g2["v"]), "", g2.start(), g2.end()))
    return out


def _column(rows: list[list[tuple[float, str, int, int]]], header: str) -> int | None:
    """Index of the distance column: values never decrease (resets allowed), not an altitude."""
    n = len(rows[0])
    heads = [h.strip() for h in re.split(r"\||\t|\s{2,}", header)] if header else []
    best, best_last = None, -1.0
    for c in range(n):
        vals = [r[c][0] for r in rows]
        if len(heads) == n + 1 and _HEAD_BAD.search(heads[c + 1] if n + 1 == len(heads) else ""):
            continue
        if len(heads) >= n and c < len(heads) and _HEAD_BAD.search(heads[-n + c]):
            continue
        drops = sum(1 for a, b in pairwise(vals) if b < a)
        resets = sum(1 for a, b in pairwise(vals) if b < a and b <= 0.25 * a)
        if drops != resets or resets > len(vals) // 3:
            continue
        if max(vals) == min(vals):
            continue
        if vals[-1] + sum(a for a, b in pairwise(vals) if b < a) > best_last:
            best, best_last = c, vals[-1]
    return best


#: A row of a log: a clock time or columns set apart by tabs or runs of spaces.
_LOG_ROW = re.compile(r"\b\d{1,2}:\d\d\b|\t|\S\s{2,}\S")


def _table_events(lines: list[str], used: set[int], text_unit: str) -> tuple[list[Found], set[int]]:
    out: list[Found] = []
    taken: set[int] = set()
    rows: list[tuple[int, list[tuple[float, str, int, int]]]] = []

    def flush() -> None:
        if len(rows) >= 3:
            # ride statistics ("Ave. Speed = 8.0") are never rows: they split a block
            run: list[tuple[int, list[tuple[float, str, int, int]]]] = []
            for row in rows:
                if _ROW_BAD.search(lines[row[0] - 1]):
                    if len(run) >= 3:
                        _block(run)
                    run = []
                else:
                    run.append(row)
            if len(run) >= 3:
                _block(run)
        rows.clear()

    def _block(block: list[tuple[int, list[tuple[float, str, int, int]]]]) -> None:
        first = block[0][0]
        header = " ".join(lines[j].strip() for j in range(max(0, first - 3), first - 1))
        texts = [_row_text(lines[i - 1], c) for i, c in block]
        # a cue sheet's rows (most start with a turn code) may describe the road at length
        cue = sum(1 for t in texts if _TURN.match(t)) * 2 > len(texts)
        # ... and so may a log whose every row carries its km ("1028.3km ローソン 岩内泊店 photo check 04")
        logged = (all(any(x[1] in ("km", "mi") for x in c) for _, c in block)
                  and sum(1 for i, _ in block if not _LOG_ROW.search(lines[i - 1])) <= 1)
        words, chars = (16, 120) if cue or logged else (7, 60)
        if any(len(t.split()) > words or len(t) > chars for t in texts):
            return
        head_line = lines[first - 2] if first >= 2 else ""
        if "|" in head_line:
            heads = head_line.split("|")
            block = [(i, [x for x in c if not _HEAD_BAD.search(
                heads[min(lines[i - 1][:x[2]].count("|"), len(heads) - 1)])]) for i, c in block]
            if len({len(c) for _, c in block}) != 1 or not block[0][1]:
                return
        cells = [c for _, c in block]
        col = _column(cells, "" if "|" in head_line else head_line)
        if col is None:
            return
        suffixes = {c[col][1] for c in cells}
        has_turn = any(_TURN.match(_row_text(lines[i - 1], c)) for i, c in block)
        if not (suffixes & {"k", "km", "mi"} or _HEAD_DIST.search(header) or has_turn):
            return
        unit = "mi" if "mi" in suffixes else "km" if suffixes & {"k", "km"} else (
            "mi" if _MI_HEAD.search(header) else
            "km" if re.search(r"km|公里|距|kilomet", header, re.IGNORECASE) else text_unit)
        structure = "cue_sheet" if has_turn or re.search(r"turn|cue", header, re.IGNORECASE) else (
            "roll_chart" if any(c[col][1] for c in cells) and len(cells[0]) >= 2 else "table")
        offset, prev = 0.0, None
        for i, c in block:
            v = c[col][0]
            if prev is not None and v < prev:
                offset += prev
            prev = v
            name = _row_text(lines[i - 1], c)
            tm = _TURN.match(name)
            turn = _turn(tm["t"]) if tm else None
            if tm:
                name = name[tm.end():].strip()
            name = _CUE_END.sub("", name)            # "START Town Hall parking": the place, not the code
            out.append(Found(i, round(offset + v, 3), unit, structure, lines[i - 1].strip(),
                             name=name or None, turn=turn))
            taken.add(i)

    for i, raw in enumerate(lines, start=1):
        if rows and _RULE_ROW.match(raw):
            continue            # a table's row rule ("|-----", "+---+---+", "|---|---|") is no row
        if i in used or not raw.strip() or len(raw) > MAX_LINE:
            flush()
            continue
        c = _cells(raw)
        with_unit = [x for x in c if x[1]]
        if len(with_unit) == 1 and len(c) > 1:
            # one cell carries the unit ("1028.3km" beside "photo check 04"): that is the row's distance
            c = with_unit
        if not c or len(c) > 6:
            flush()
            continue
        if rows and len(rows[-1][1]) != len(c):
            flush()
        rows.append((i, c))
    flush()
    return out, taken


#: The rule between the rows of a wiki, Markdown or ASCII table.
_RULE_ROW = re.compile(r"^\s*(?:\|-{2,}.*|[|+]?(?:\s*:?-{3,}:?\s*[|+])+\s*:?-{0,}:?\s*)$")


def _row_text(line: str, cells: list[tuple[float, str, int, int]]) -> str:
    pieces, pos = [], 0
    for _, _, s, e in sorted(cells, key=lambda x: x[2]):
        pieces.append(line[pos:s])
        pos = e
    pieces.append(line[pos:])
    text = " ".join(p.strip(" |\t") for p in pieces).strip()
    text = re.sub(r"^\d{1,2}:\d\d\s", "", text)
    text = re.sub(r"\s?=>.*$", "", text)
    return re.sub(r"\s{2,}", " ", text).strip(" |:-–")


_PNAME = r"[A-ZÀ-ÝÄÖÜ][\w'’\-]{1,30}(?:\s(?:de|del|di|la|le|am|an|sur|en|da)?\s?[A-ZÀ-ÝÄÖÜ][\w'’\-]{1,30}){0,3}"
#: One leg of a chain written in prose: "da Villach a Tarvisio (37 km)", "from A to B (12 km)",
#: "di qui a Udine (55 km)", "poi a Grado (59 km)", "then to C (20 km)".
_PROSE_LEG = re.compile(
    r"(?:\b(?i:da|from|von|de|desde|du)\s(?P<a>" + _PNAME + r")\s|"
    r"(?P<here>\b(?i:di qui|da qui|from there|then|poi|dann|von dort|puis|luego|después)|,?\s(?:e|and|und|et|y))"
    r"(?:\s?,?\s?(?:appunto|also|again)?,?\s)?)"
    r"(?:a|to|nach|bis|à|hasta|al)\s(?P<b>" + _PNAME + r")\s?[(（]\s?(?P<v>\d{1,4}(?:[.,]\d{1,2})?)\s?"
    r"(?P<u>km|mi|miles)\s?[)）]")


def _prose_chains(lines: list[str]) -> list[Found]:
    """Chains of legs written in one prose line: "si va da A a B (37 km), da B a C (60 km), di qui a
    D (55 km)": each end lies at the sum of the legs from the chain's first start. A lone leg is
    read by the sentence pass; a leg that starts elsewhere ends the chain."""
    out: list[Found] = []
    for i, raw in enumerate(lines, start=1):
        if len(raw) > MAX_DAY_LINE or "(" not in raw:
            continue
        chain: list[tuple[str, str, float, str]] = []     # (start, end, leg, unit)
        for m in _PROSE_LEG.finditer(raw):
            start = m["a"] or (chain[-1][1] if chain else None)
            unit = unit_of(m["u"])
            if start is None or (chain and (start != chain[-1][1] or unit != chain[-1][3])):
                if len(chain) >= 2:
                    break
                chain = []
                if start is None:
                    continue
            chain.append((start, m["b"], _num(m["v"]), unit))
        if len(chain) < 2:
            continue
        total = 0.0
        for _start, end, leg, unit in chain:
            total = round(total + leg, 3)
            out.append(Found(i, total, unit, "stage_list", raw.strip()[:400], name=end, place=chain[0][0],
                             leg_km=leg_km(leg, unit)))
    return out


#: A row of an enduro route sheet (the ECEA ``.rs`` form): a keyword, the odometer, the rest.
_RS_ROW = re.compile(r"^\s{0,12}(?P<k>note|speed|reset|start|free_zone|break|title\d?|gas|check|secret)\s{1,12}"
                     r"(?P<v>\d{1,4}\.\d{1,2})?(?P<rest>.*)$", re.IGNORECASE)
#: An enduro turn code ("LTR" left at T, "RBT" right at the bottom?, "XBT" cross, "RFLD" right field).
_RS_TURN = re.compile(r"^(?:\.?\d{0,4}(?:\.\d{1,2})?\s{1,6})?(?P<t>[LRXSB][A-Z]{1,4})\b")


def _route_sheet(lines: list[str]) -> tuple[list[Found], set[int]]:
    """The cues of an enduro route sheet ("note   4.10 4.10 RBT", "reset 11.70 18.98", "speed 0.00 24").

    Each ``note`` row is an event at its odometer (the first number: the sheet's running
    distance, resets already applied by the sheet); ``speed``, ``reset``, ``start``, ``break`` and
    ``free_zone`` rows are timing, not places. The unit is the one the sheet writes; a sheet that
    writes none is in miles (the route sheets of US enduro clubs, whose speeds are mph)."""
    rows = [(i, m) for i, raw in enumerate(lines, start=1) if (m := _RS_ROW.match(raw))]
    notes = [(i, m) for i, m in rows if m["k"].lower() == "note" and m["v"]]
    timing = [m for _, m in rows if m["k"].lower() in ("speed", "reset", "start", "free_zone", "break")]
    if len(notes) < 3 or not timing:
        return [], set()
    body = " ".join(lines[i - 1] for i, _ in rows).lower()
    unit = "km" if re.search(r"\bkm\b|kilomet", body) else "mi"
    out: list[Found] = []
    for i, m in notes:
        rest = m["rest"].strip()
        tm = _RS_TURN.match(rest)
        turn = _turn(tm["t"][0]) if tm else None
        name = re.sub(r"^\.?\d{0,4}\.\d{1,2}\s+", "", rest) or None
        out.append(Found(i, float(m["v"]), unit, "roll_chart", lines[i - 1].strip(), name=name, turn=turn))
    return out, {i for i, _ in rows}


#: Road numbers of the United States (miles): "US-401", "I-95", "NC-39", "SR 20", "Rte 9", "CR-12".
_US_ROAD = re.compile(r"\b(?:US|I|SR|CR|Rte|Hwy)[- ]\d{1,3}\b"
                      r"|\b(?:A[LKZR]|C[AOT]|DE|FL|GA|I[ADLN]|K[SY]|LA|M[ADEINOST]|"
                      r"N[CDEHJMVY]|O[HKR]|PA|RI|S[CD]|T[NX]|UT|V[AT]|W[AIVY])-\d{1,3}\b")


#: A diary's line giving only the day's distance under its key: "走行距離 約35km", "里程：94公里",
#: "Distance: 64 km", "Пробег: 88 км" (no names, no total: the day's own distance). Not
#: :data:`_DIST_LINE`: here the key is required (a bare "64 km" line is no day log), the keys of
#: totals (总里程, 行程, length) are left out, a hedge ("約") may stand before the number and the
#: line ends with the unit.
_LOG_LINE = re.compile(
    r"^\s{0,4}(?:今日の)?(?:走行距離|走行距离|走行|里程|骑行里程|騎行里程|距離|距离|distance|dist\.|daily distance|"
    r"today's distance|today's mileage|mileage|пробег|расстояние|주행\s?거리|거리|mesafe|tagesstrecke|strecke|distanz|"
    r"distancia|distância|distanza|afstand|dystans)"
    r"\s?[:：=]?\s?(?:約|约|大约|ca\.?\s?|approx\.?\s?|about\s|около\s|~\s?)?"
    r"(?P<v>\d{1,4}(?:[.,]\d{1,2})?)\s?(?P<u>" + _UNIT + r")\.?\s*$",
    re.IGNORECASE)


def _distance_log(lines: list[str], used: set[int]) -> list[Found]:
    """A diary whose days each end with a line of the day's distance only ("走行距離 約90km"), two
    or more such lines and no other structure on them: each is the end of that day's leg, at the
    sum of the days so far, in text order (no named start: place ``None``), named by the day's
    heading when it has one (:func:`_day_heading`)."""
    rows = []
    for i, line in enumerate(lines, start=1):
        if i in used or len(line) > 80 or not _HAS_DIGIT.search(line):
            continue
        m = _LOG_LINE.match(line)
        if m:
            rows.append((i, _num(m["v"]), unit_of(m["u"]), line.strip()))
    if len(rows) < 2 or len({u for _i, _v, u, _t in rows}) > 1:
        return []
    out, total, after = [], 0.0, 0
    for i, v, u, text in rows:
        total = round(total + v, 3)
        out.append(Found(i, total, u, "stage_list", text, name=_day_heading(lines[after:i - 1]),
                         leg_km=leg_km(v, u)))
        after = i
    return out


#: A timed log line that ends with the odometer: "14:35 道の駅「X」 晴れ 走行距離592km", "09:10 Café Y, odo 42 km".
_TIMED_ODO = re.compile(
    r"^\s{0,4}\d{1,2}:\d\d\b(?P<body>.{0,200}?)(?:走行距離|odo(?:meter)?|tacho(?:stand)?|kilometerstand|km-stand|"
    r"compteur|cuentakil[oó]metros|одометр|里程表)\s?[:：=]?\s?(?P<v>\d{1,6}(?:[.,]\d{1,2})?)\s?(?P<u>km|mi)\s*$",
    re.IGNORECASE)


def _timed_odometer(lines: list[str], used: set[int]) -> list[Found]:
    """A log of stops with their clock time and the odometer ("14:35 X 走行距離592km"): three or
    more such lines whose readings never go down are positions as read (no named start), each
    named by what the line says between the time and the reading."""
    rows = []
    for i, line in enumerate(lines, start=1):
        if i in used or len(line) > 300 or ":" not in line[:6]:
            continue
        m = _TIMED_ODO.match(line)
        if m:
            rows.append((i, _num(m["v"]), unit_of(m["u"]), m["body"].strip(" ,;-–"), line.strip()))
    if len(rows) < 3 or len({r[2] for r in rows}) > 1 or any(b[1] < a[1] for a, b in pairwise(rows)):
        return []
    return [Found(i, v, u, "roll_chart", text, name=body[:60] or None) for i, v, u, body, text in rows]


def _day_heading(block: list[str]) -> str | None:
    """The heading of a diary day (its first non-blank line, when short: "二日目 森から長万部"),
    which names the day whose distance ends the block; ``None`` when the day opens with prose."""
    first = next((ln.strip() for ln in block if ln.strip()), "")
    return first if 0 < len(first) <= 60 and not _LOG_LINE.match(first) else None


# --- tables flattened to one cell per line (web pages read as text) -------------------------------
#: A header cell of the distance column ("км./день", "km", "Distanz", "里程数", "Miles").
_FLAT_DIST = re.compile(r"^(?:[^\d]{0,12}\b)?(?:km|kms|км|kilomet\w*|километр\w*|distan\w*|dist\.?|strecke|"
                        r"etappe|tagesetappe|miles?|mileage|里程\w*|公里\w*|距离|距離|走行距離)\b", re.IGNORECASE)
#: ... which counts a day's leg (summed) rather than an odometer.
_FLAT_PER_DAY = re.compile(r"день|day|tag|jour|d[ií]a|giorno|dag|/\s?d\b|日|天|当日|etap", re.IGNORECASE)
#: A header cell of the places column.
_FLAT_PLACE = re.compile(r"пункт|мест|маршрут|place|route|itinera|orte?\b|strecke\b|lieu|luogo|lugar|"
                         r"地点|路线|路線|到达|from|to\b|stage", re.IGNORECASE)
_FLAT_NUM = re.compile(r"^\d{1,5}(?:[.,]\d{1,3})?$")
_FLAT_KEY = re.compile(r"^(?:\d{1,3}\.?|\d{1,2}[./]\d{1,2}\.?(?:\d{2,4})?|(?:day|tag|день)\s?\d{1,3}|\d{1,3}\.?\s?"
                       r"(?:tag|day|день))$", re.IGNORECASE)
_FLAT_EMPTY = {"-", "–", "—", "", "/", "x"}


def _flat_tables(lines: list[str], used: set[int]) -> tuple[list[Found], set[int]]:
    """Tables whose cells stand one per line (an HTML table read as text): a header of 3-8 short
    cells, one of them the distance column (:data:`_FLAT_DIST`, never an altitude, time or price
    column), then three or more rows of as many cells, each starting with a row key (a day number
    or a date) and holding a number (or "-": a rest day) in the distance column. A per-day column
    or values that drop are legs, summed from the first row's named start; otherwise an odometer.
    Each row's event is named by the last place of its places cell. Linear in the number of lines:
    each cell is classified once, and a header is only tried where a distance cell follows."""
    cells = [(i, ln.strip()) for i, ln in enumerate(lines, start=1)
             if i not in used and ln.strip() and len(ln) <= MAX_LINE]
    # a header cell: short, no number, no row key; a distance header cell on top
    head_ok = [len(t) <= 40 and not _HAS_DIGIT.search(t[:1]) and not _FLAT_NUM.match(t) and not _FLAT_KEY.match(t)
               for _, t in cells]
    is_dist = [ok and bool(_FLAT_DIST.search(t)) and not _HEAD_BAD.search(t) for ok, (_, t) in zip(head_ok, cells,
                                                                                                     strict=True)]
    out: list[Found] = []
    taken: set[int] = set()
    h = 0
    while h <= len(cells) - 12:      # 3 header cells and 3 rows of 3 at least
        if not (head_ok[h] and any(is_dist[h:h + 8])):
            h += 1
            continue
        got = _flat_table_at(cells, head_ok, is_dist, h)
        if got is None:
            h += 1
            continue
        found, span = got
        out += found
        taken |= {i for i, _ in cells[h:span]}
        h = span
    return out, taken


def _flat_table_at(cells: list[tuple[int, str]], head_ok: list[bool], is_dist: list[bool], h: int
                   ) -> tuple[list[Found], int] | None:
    """The flattened table whose header starts at ``cells[h]`` (see :func:`_flat_tables`), and the
    index of the first cell after it; ``None`` if none starts there."""
    for k in range(3, 9):
        if h + k > len(cells) or not head_ok[h + k - 1]:
            return None                                  # a longer header would hold this cell too
        dist = [c for c in range(k) if is_dist[h + c]]
        if len(dist) != 1:
            continue
        d = dist[0]
        rows: list[list[tuple[int, str]]] = []
        r = h + k
        while r + k <= len(cells):
            row = cells[r:r + k]
            if not _FLAT_KEY.match(row[0][1]) or not (_FLAT_NUM.match(row[d][1]) or row[d][1] in _FLAT_EMPTY):
                break
            rows.append(row)
            r += k
        if len(rows) < 3 or sum(1 for row in rows if _FLAT_NUM.match(row[d][1])) < 3:
            continue
        return _flat_rows([t for _, t in cells[h:h + k]], d, rows), r
    return None


def _flat_rows(head: list[str], d: int, rows: list[list[tuple[int, str]]]) -> list[Found]:
    """The events of a flattened table's rows (distance column ``d``)."""
    # the places: a column of mostly words, the one whose header says so, else the last of them
    words = [c for c in range(len(head)) if c != d and sum(
        1 for row in rows if not _HAS_DIGIT.search(row[c][1]) and row[c][1] not in _FLAT_EMPTY) * 2 > len(rows)]
    place_col = next((c for c in words if _FLAT_PLACE.search(head[c])), words[-1] if words else None)
    unit = "mi" if _MI_HEAD.search(head[d]) else "km"
    vals = [_num(row[d][1]) for row in rows if _FLAT_NUM.match(row[d][1])]
    legs = bool(_FLAT_PER_DAY.search(head[d])) or any(b < a for a, b in pairwise(vals))
    parts = [re.split(r"\s?[-–—,]\s?", row[place_col][1]) if place_col is not None else [] for row in rows]
    start = parts[0][0].strip() if parts and len(parts[0]) > 1 else None
    out, total = [], 0.0
    for row, names in zip(rows, parts, strict=True):
        cell = row[d]
        if not _FLAT_NUM.match(cell[1]):
            continue                                          # a rest day: the sum goes on
        v = _num(cell[1])
        total = round(total + v, 3) if legs else v
        end = _clean_name(names[-1]) if names and names[-1].strip() else None
        out.append(Found(cell[0], total, unit, "table", " | ".join(t for _, t in row), name=end,
                         place=start if legs else None, leg_km=leg_km(v, unit) if legs else None))
    return out


def _key_name(name: str | None) -> str:
    return re.sub(r"[\W_]+", " ", name or "").strip().casefold()


def _newest_first(stages: list[Found]) -> list[Found]:
    """Stage lists of a blog printed newest post first: a chain ("Viviers - Salavas - 47 km") whose
    start is where a LATER chain of the text ends ("Charmes - Viviers - 65 km") was ridden after it,
    so its positions continue that chain's sum (Salavas at 65 + 47 = 112 from Charmes)."""
    chains: dict[str, list[Found]] = {}
    for f in stages:
        if f.structure == "stage_list" and f.place and f.leg_km is not None:
            chains.setdefault(f.place, []).append(f)
    ending_at: dict[str, list[list[Found]]] = {}          # name key of a chain's end -> chains
    for c in chains.values():
        ending_at.setdefault(_key_name(c[-1].name), []).append(c)
    index = {id(f): n for n, f in enumerate(stages)}
    out = list(stages)
    for place, early in chains.items():
        later = [c for c in ending_at.get(_key_name(place), ()) if c[0].place != place
                 and c[0].line > early[-1].line and c[-1].unit == early[0].unit]
        if len(later) != 1:
            continue
        base = later[0][-1]
        for f in early:
            out[index[id(f)]] = replace(f, value=round(base.value + f.value, 3), place=base.place)
    return out


def find_structures(text: str) -> tuple[list[Found], set[int]]:
    """Events of the stage lists, tables, cue sheets and roll charts of ``text``, and used lines."""
    lines = text.splitlines()
    stages, used = _stage_events(lines)
    log = _distance_log(lines, used) + _timed_odometer(lines, used)   # stage lines are in ``used``
    if log:
        stages += log
        used = used | {f.line for f in log}
    chains = _prose_chains(lines)
    chain_lines = {f.line for f in chains}
    # a chain of two or more legs in prose says more than one leg read off its line
    stages = _newest_first([f for f in stages if f.line not in chain_lines] + chains)
    low = text[:200_000].lower()
    n_mi, n_km = low.count("mile"), low.count("km") + low.count("kilomet")
    # no unit written anywhere, but US roads ("US-401", "NC-39", "Rte 9"): miles
    us = n_mi == n_km == 0 and _US_ROAD.search(text[:200_000]) is not None
    text_unit = "mi" if us or n_mi > n_km else "km"
    sheet, sheet_lines = _route_sheet(lines) if "note" in text else ([], set())
    flat, flat_lines = _flat_tables(lines, used | sheet_lines)
    tables, taken = _table_events(lines, used | sheet_lines | flat_lines, text_unit)
    found = sorted(stages + sheet + flat + tables, key=lambda f: f.line)
    return found, used | taken | sheet_lines | flat_lines
