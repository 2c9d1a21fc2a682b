"""Regular expressions that find distance references in travellers' prose.

Four kinds of reference (``ref``) are recognised:

``marker``
    a painted road km post or mile marker: "At km 1383", "K1459", "K1459+300", "km 88",
    "kilometre post 412", "KM 230", "the 1383 km post", "mile 34.5", "MP 120", "mile marker 88".
``range``
    a stretch between posts: "km 300–345", "between km 1339 and 1353", "from km 1317 to 1353",
    "K300-K345", or an open range that starts at a post: "from km 1452", "km 1452 onwards".
    ``value`` is the first post, ``value_end`` the second one (``None`` for an open range).
``cumulative``
    a distance from a named reference point: "45 km from Hotan", "20 km before Korla",
    "10 km past the pass", "30 miles north of Moab", or an odometer reading "at 45 km".
``relative``
    a distance from the writer's previous position: "after 12 km", "another 30 km",
    "a further 5 km", "12 km later", "5 km further on", "in 3 km", "for the next 40 km",
    "the first 100 km after the border".

A bare length is *not* a reference: "a downhill of 34 km", "this 400 km stretch", "1 km away",
"100km to the south", trip totals ("we cycled 7,000 km from Xi'an to Kashgar"), distances between
two places ("Korla is 450 km from Ruoqiang to ..."), speeds ("80 km/h"), fuel use ("7 l/100 km")
and daily averages ("90 km a day"). Numbers without a distance unit (altitudes "3,600 m", prices,
clock times, phone numbers, dates, road numbers "G315", page numbers) never match at all.

Every regex here is linear: only bounded repetitions (``{0,3}``) and no nested quantifiers, so a
10 MB input cannot trigger catastrophic backtracking.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

#: A number as travellers write it: "1383", "1,383", "34.5", "12,5".
NUM = r"(?:\d{1,3}(?:,\d{3}){1,4}(?:\.\d{1,3})?|\d{1,6}(?:[.,]\d{1,3})?)"
#: Units of distance.
KM_WORD = (r"(?:kms?|klms?|ks|k's|kilomet(?:er|re)s?|kilometern|kil[oó]metros?|k\.m\.|clicks?|klicks?|км"
           r"|километр(?:а|ов)?)")
#: Numbers written as words ("three kilometers away from Dong Hen"); values in :data:`WORD_NUMBERS`.
WORD_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
                "thirty": 30, "forty": 40, "fifty": 50, "a hundred": 100}
_WORD_NUM = r"(?:" + "|".join(WORD_NUMBERS) + r")"
MI_WORD = r"(?:miles?|mi)"
_DASH = r"(?:-|–|—|to|until|till|through)"
_APPROX = (r"(?:(?:approx(?:\.|imately)?|about|around|roughly|some|ca\.?|circa|nearly|almost"
           r"|just over|just under|over|under|less than|more than|~"
           r"|(?:insgesamt\s)?(?:etwa|ungefähr|rund|knapp|gut)|environ|près de|unos|unas|aproximadamente|cerca de"
           r"|quasi|circa)\s{0,2})")
_POST_WORD = r"(?:post|marker|stone|mark|sign|pole)"

#: Words that make a length a trip total or a daily figure (checked just before the number).
_TOTAL_BEFORE = re.compile(
    r"(?:total(?:ling|ing|led|ed)?|altogether|overall|in all|covered|cycled|rode|ridden|biked|walked|"
    r"travel+ed|did|done|clocked|logged|trip of|journey of|tour of|(?<!at a )distance of|length of|"
    r"averag\w*|whole|entire|reise|insgesamt|gesamt\w*|voyage|périple|viaje|recorrido|viaggio|"
    r"extends|extending|stretches|stretching|spans|spanning|measures|measuring|percurso)"
    r"\s{1,3}(?:\w+\s{1,3}){0,3}$",
    re.IGNORECASE,
)

_APPROX_END = re.compile(rf"{_APPROX}$", re.IGNORECASE)
#: Cheap substring pre-checks before the end-anchored searches (which cost ~10 us each).
_APPROX_HINTS = ("approx", "about", "around", "roughly", "some", "ca.", "circa", "nearly",
                 "almost", "just", "over", "under", "less", "more", "~", "etwa", "ungefähr", "rund",
                 "knapp", "gut", "environ", "près", "unos", "unas", "aproxim", "cerca", "quasi")
_TOTAL_HINTS: tuple[str, ...] = ("total", "altogether", "overall", "in all", "covered", "cycled", "rode", "ridden",
                "biked", "walked", "travel", "did", "done", "clocked", "logged", "trip", "journey",
                "tour", "distance", "length", "averag", "whole", "entire", "reise", "gesamt", "voyage",
                "périple", "viaje", "recorrido", "viaggio", "extend", "stretch", "span", "measur", "percurso")
#: One search instead of a loop over the hints (same test: is any hint a substring?).
_APPROX_HINT_RX = re.compile("|".join(re.escape(w) for w in _APPROX_HINTS))
_TOTAL_HINT_RX = re.compile("|".join(re.escape(w) for w in _TOTAL_HINTS))

# --- markers ------------------------------------------------------------------------------------
RE_KM_RANGE = re.compile(
    rf"\b(?:between\s{{1,3}})?(?:km|kilomet(?:er|re)s?)(?:[\s-]?{_POST_WORD}s?)?\s?\.?\s?(?P<a>{NUM})"
    rf"\s{{0,2}}(?:{_DASH}|and)\s{{0,2}}(?:km\s?\.?\s?)?(?P<b>{NUM})(?![\d/])(?!:\d)(?!\s?(?:km|kilomet))"
    r"(?!\s?(?:m|mt|mts|msnm|metri|meters?|metres?|hm|ft)\b)",          # "(km 14 - 1080 mt)": an altitude
    re.IGNORECASE | re.ASCII,
)
RE_K_RANGE = re.compile(
    r"(?<![A-Za-z0-9])K(?P<a>\d{2,5})\s{0,2}(?:(?:-|–|—|~|to|and|至|到)\s{0,2}K?|和\s?K)(?P<b>\d{2,5})"
    r"(?![\d.,]\d|[A-Za-z])(?!:\d)"
)
#: "between 10km and 15km points": a stretch between two odometer readings.
RE_BETWEEN_KM = re.compile(rf"\b[Bb]etween\s(?:the\s)?(?P<a>{NUM})\s?km\s(?:and|&)\s(?P<b>{NUM})\s?km\b")
RE_FROM_KM = re.compile(
    rf"\b(?:from|starting at|starting from|beginning at|since)\s{{1,3}}(?:the\s)?"
    rf"(?:km|kilomet(?:er|re))(?:[\s-]?{_POST_WORD})?\s?\.?\s?(?P<a>{NUM})(?![\d/])(?!:\d)",
    re.IGNORECASE | re.ASCII,
)
RE_KM_ONWARDS = re.compile(
    rf"\b(?:km|kilomet(?:er|re))\s?\.?\s?(?P<a>{NUM})\s{{1,3}}(?:onwards?|and beyond|on(?=\s?[,.;:)]|$))",
    re.IGNORECASE | re.ASCII,
)
RE_KM_MARKER = re.compile(
    rf"\b(?:km|kilomet(?:er|re)|kil[oó]metro)(?:[\s-]?{_POST_WORD}s?)?\s?\.?\s?(?:no\.?\s?)?(?P<a>{NUM})"
    r"(?![\d/])(?!:\d)(?!\s?(?:km|kilomet|%))(?!\s?/\s?h)",
    re.IGNORECASE | re.ASCII,
)
RE_NUM_KM_POST = re.compile(
    rf"\b(?P<a>{NUM})(?:st|nd|rd|th)?\s?-?\s?(?:km|kilomet(?:er|re))[\s-]?{_POST_WORD}",
    re.IGNORECASE | re.ASCII,
)
#: A Thai km post: "หลักกิโลเมตรที่18+700" (post 18, 700 m), "หลัก กม. 25", "กม.ที่ 14-15".
RE_TH_POST = re.compile(r"(?:หลักกิโลเมตรที่|หลักกิโลเมตร|หลัก\s?กม\.?\s?(?:ที่)?|กม\.\s?ที่)\s?(?P<a>\d{1,4})"
                        r"(?:\+(?P<m>\d{3})|\s?-\s?(?P<b>\d{1,4}))?(?!\d)")
#: A sentence about a stage of a tour or a cue sheet: its "km N" / "mile N" counts from the start.
_STAGE_WORD = re.compile(r"\b(?:tappa|etapa|étape|etappe|tagesetappe|stage|cue[\s-]?sheets?|roll[\s-]?charts?|"
                         r"route[\s-]?sheets?|rest stop)\b", re.IGNORECASE)
#: "Surpassed the 1400 mile mark", "the 212-mile marker": a trail's or road's mile post.
RE_NUM_MILE_POST = re.compile(
    rf"\b(?P<a>{NUM})(?:st|nd|rd|th)?\s?-?\s?mile[\s-]?(?:mark|marker|post|stone)\b",
    re.IGNORECASE | re.ASCII,
)
#: "Miles from Springer Mountain: 2.5", "km from Alpha = 12": a column of a trail journal.
RE_FROM_COLON = re.compile(
    rf"\b(?P<unit>(?i:miles|mi|km|kilomet(?:er|re)s))\s(?:from|since)\s(?P<place>[A-Z][\w'’\-]{{1,30}}"
    rf"(?:\s[A-Z][\w'’\-]{{1,30}}){{0,3}})\s?[:=]\s?(?P<a>{NUM})(?![\d.,]?\d)",
)
#: "540K", "548.5K" (post number then K) and "the 88th km".
RE_POST_K = re.compile(r"(?<![\w.,/])(?P<a>\d{2,5}(?:\.\d)?)K(?![\w+])"
                       r"|\bthe (?P<b>\d{1,5})(?:st|nd|rd|th) (?:km|kilomet(?:er|re))\b")
_CJK_CHAR = re.compile(r"[\u3400-\u9fff]")
#: "45 km 20 of them": a number just before a "km A" match.
_NUM_BEFORE = re.compile(rf"{NUM}\s?$")
_CODE_BEFORE = re.compile(r"(train|no\.?|number|#|model|flight|bus)\s{0,2}$")
_CODE_AFTER = re.compile(r"\s{0,2}(train|express|sleeper)")
_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_PROGRESS = re.compile(r"(?:another|a further|one more)\s{1,2}" + _APPROX + r"?$", re.IGNORECASE)
_OF = re.compile(r"^\s?of\b")
_HERE = re.compile(r"(?:from|on from) (?:here|there)", re.IGNORECASE)
RE_K_POST = re.compile(r"(?<![A-Za-z0-9+\-/])K\s?(?P<a>\d{2,5})(?:\s?\+\s?(?P<m>\d{1,3}))?(?!\d)(?!:\d)(?!/)")
RE_MILE_RANGE = re.compile(
    rf"\b(?:[Mm]iles?|[Mm]ile[\s-]?(?:post|marker)s?|[Mm]ileposts?|MM|MP)\s?(?P<a>{NUM})"
    rf"\s{{0,2}}(?:{_DASH}|and)\s{{0,2}}(?:[Mm]iles?\s?|MP\s?|MM\s?)?(?P<b>{NUM})(?![\d/])(?!:\d)(?!\s?(?:mi|km))",
)
RE_MILE_MARKER = re.compile(
    rf"\b(?:[Mm]ile|[Mm]ile[\s-]?(?:post|marker)|[Mm]ilepost|MILE)\s?(?P<a>{NUM})(?![\d/])(?!:\d)"
    r"(?!\s?(?:mi|km|%))"
    rf"|\b(?:MP|MM|mp)[ -](?P<b>{NUM})\b(?!:\d)(?!/)(?!\s?(?:mi|km|%))",
)

#: Swedish / Norwegian "mil" (10 km): "3 mil från Gällivare", "20 mil kvar", "efter 2 mil". Read only in
#: a sentence with Scandinavian words (Spanish and Portuguese "mil" is a thousand: "3 mil metros").
RE_MIL = re.compile(rf"(?<![\w.,/])(?P<a>{NUM}|[Ee]n|[Ee]tt)\s(?:dryg\s|knapp\s)?mil\b"
                    rf"(?!\s?(?:{KM_WORD}|m|metros?|metri)\b)")
_NORDIC = re.compile(r"\b(?:och|att|jag|från|efter|kvar|på|är|vägen|og|jeg|fra|etter|ikke|inte|veien|igjen)\b",
                     re.IGNORECASE)
_MIL_LEFT = re.compile(r"^\s(?:\w+\s)?(?:kvar|igjen|igen)\b", re.IGNORECASE)
_MIL_AFTER = re.compile(r"\b(?:efter|etter)\s(?:ca\.?\s|cirka\s|drygt\s|knappt\s|ytterligare\s)?$", re.IGNORECASE)
#: Kilometres in one "mil".
MIL_KM = 10.0

#: A road sign quoted in the text: "Santiago 52km", „Linz 14 km“, «Bourg 8 km».
RE_SIGN = re.compile(rf"[\"“„«]\s?[A-ZÀ-ÝÄÖÜ][\w'’\-]{{1,25}}(?:\s[\w'’\-]{{1,25}}){{0,3}}\s(?P<a>{NUM})\s?"
                     rf"(?P<unit>km|kms|mi|miles)\.?\s?[\"”“»]")

# --- lengths with a unit (classified by their context) -------------------------------------------
RE_DISTANCE = re.compile(
    rf"(?<![\w.,/])(?P<a>{NUM}|\b{_WORD_NUM})(?:\s?(?:-|–|to|bis)\s?(?P<b>{NUM})|\s(?:or|oder|ou|o)\s(?P<b2>{NUM})"
    rf"|(?P<plus>\+|\splus))?\s?-?\s?(?P<unit>{KM_WORD}|{MI_WORD})"
    r"(?![A-Za-z])(?!(?-i:(?<=Mile)\s[A-Z]))",    # "41 Mile Bore", "Ninety Mile Beach": a place's name
    re.IGNORECASE | re.ASCII,
)

#: Context after a length that makes it a speed, a fuel figure, a daily average or an area.
#: After a length, what makes it a route's length: "2400 km à travers l'Europe", "1346 Kilometres
#: - 28 Days" (shared with the stage lists of ``structures``; not English "through", "across":
#: "another 75 miles through the range" is progress).
ROUTE_LENGTH_AFTER = re.compile(
    r"^\s?(?:[-–—,]\s?(?:in\s)?\d{1,3}\s?(?:days|tage|jours|d[ií]as|giorni|dni|дней|дня|天)\b|"
    r"(?:à travers|au travers|quer durch|attraverso|a través de|por toda)\s)",
    re.IGNORECASE)
_NOT_AFTER = re.compile(
    r"^\s?(?:/\s?h|/\s?hr|ph\b|p/h|per hour|an hour|/\s?day|per day|a day|each day|every day|"
    r"²|2\b|\^2|sq|square|long\b|wide\b|high\b|in length|of\b|stretch|section|loop|detour|ride\b|"
    r"trip|tour|journey|day\b|today|yesterday|since\b|in (?:\d+|two|three|four|five|six|seven) (?:days|hours|weeks)|"
    r"took\b|takes?\b|drive\b|by (?:car|bus|train)\b|pro tag|am tag|par jour|al día|por día|al giorno|"
    r"[\w\-]{0,20}(?:fahrt|reise)\b|"
    r"entfernung|entfernt|radius|umkreis)",
    re.IGNORECASE | re.ASCII,
)
_NOT_BEFORE = re.compile(r"(?:/\s?|per\s|every\s)$", re.IGNORECASE)

#: Every match of _REL_BEFORE holds one of these (a cheap test before that end-anchored search,
#: which costs ~30 us on a 45-character window).
_REL_HINT_RX = re.compile(r"aft|in|for|nach|apr|alread|bereits|schon|déjà|già|уже|by|past|up to|until|till|"
                          r"desp|tras|dopo|los|aos|passados os|cabo|bout|через|после|another|further|"
                          r"primer|primi|prime|ersten|eerste|1e|первы|pierwsz|první|na |po |"
                          r"additional|more|next|first|last|following|at|somewhere|odo|computer|cyclo|garmin|gps|speedo|"
                          r"kilometerstand|tachostand")
#: Before a length: relative words ("after", "another", ...).
_REL_BEFORE = re.compile(
    rf"(?:\b(?P<after>after|in|within|for(?= the (?:next|first|following))|nach|na|po|apr[eè]s|"
    rf"despu[eé]s de|tras|dopo|al cabo de|au bout de|через|после)|\b"
    rf"(?P<another>another|a further|further|an additional|"
    rf"additional|a more|one more|(?:the )?(?:next|first|last|following)|"
    rf"primer[oa]s|primi|prime|ersten|eerste|1e|первые|первых|pierwsze|pierwszych|první)|"
    rf"\b(?P<at>at|at the|somewhere around|by|once past|past|up to|until|till|a los|pasados los|aos|passados os|"
    rf"odometer:?|odo:?|kilometerstand:?|tachostand:?|"
    rf"(?:odometer|odo|computer|cyclometer|garmin|gps|speedo)\s(?:said|showed|read|reading|was at|at)))"
    rf"\s{{1,2}}(?:(?:only|just|solo|soli|sólo|nur|noch|seulement|appena|всего)\s{{1,2}})?"
    rf"(?:(?P<already>already|bereits|schon|ya|déjà|già|уже)\s{{1,2}})?"
    rf"(?:(?P<more>weitere[nmrs]?|otros|otras|altri|altre|autres|další(?:ch)?|kolejnych)\s{{1,2}})?{_APPROX}?"
    rf"(?:(?:a\s|another\s|the\s)?(?:first|next|last|following|further|more)\s)?$",
    re.IGNORECASE,
)
#: After a length: relative words ("later", "further on", ...).
_REL_AFTER = re.compile(
    r"^\s{0,2}(?:later|further(?: on| along| down| up)?|farther(?: on)?|on(?= from there| from here|[,.;])|"
    r"ahead|down the road|up the road|along the road|on from (?:here|there)|beyond that|"
    r"after that|from (?:here|there))\b",
    re.IGNORECASE | re.ASCII,
)
#: After a length: a reference point ("from Hotan", "before the pass", "north of Moab").
_PLACE_AFTER = re.compile(
    r"^\s{0,2}(?:\(\d{1,4}(?:\.\d{1,2})?\s?(?:mi|miles|km)\)\s)?"
    r"(?:by (?:road|bike|bus|car)\s|on the road\s|as the crow flies\s)?"
    r"(?P<rel>(?:away )?from|från|fra|vanaf|before|after|past|beyond|short of|out of|outside(?: of)?|"
    r"[NSEW] of|N[EW] of|S[EW] of|"
    r"(?:north|south|east|west|north-?east|north-?west|south-?east|south-?west)(?:ward)? of|"
    r"prior to|on from|ahead of|(?:before|after) (?:reaching|leaving|crossing|passing)|"
    r"(?:hinter|vor|nach|vom|von)(?= (?:dem |der |den )?(?!Norden|Süden|Osten|Westen|Hause)[A-ZÄÖÜ]))"
    r"\s{1,2}(?:the\s|dem\s|der\s|den\s)?(?P<place>[A-Z][\w'’\-]{1,30}(?:[ /]{1,3}[A-Z][\w'’\-]{1,30}){0,3}"
    r"(?:\s(?:border|pass|junction|bridge|checkpoint|river|lake|turn[- ]?off|crossroads|dam|"
    r"gate|village|town|city))?"
    r"|(?:[a-z]+\s)?(?:border|pass|junction|turn[- ]?off|bridge|checkpoint|"
    r"village|town|city|summit|top|river|lake|start|crossroads?|fork|tunnel|camp\w*|hotel|"
    r"station|dam|roundabout)\b)",
)
#: "from Seligman it is 23 miles to the motel": the place before, the located point after.
_FROM_BEFORE = re.compile(r"\b[Ff]rom\s(?:the\s)?(?P<place>[A-Z][\w'’\-]{1,30}(?:\s[A-Z][\w'’\-]{1,30}){0,2})"
                          r"(?:\s?\([^()]{0,60}\))?(?:,|\s(?:it\s(?:is|was)|it's|is|was|are)|\s)\s{0,2}"
                          rf"(?:{_APPROX})?(?:only\s|just\s)?$")
_TO_AFTER = re.compile(r"^\s{0,2}(?:to|until|up to)\s")
#: Before a length: "from A to B (is)", "von A nach B (beträgt)", "de A a B (son)": a leg in prose.
_LEG_HINTS = ("from ", "von ", "vom ", "de ", "da ", "dal ", "du ")     # one is in every _LEG_BEFORE
_LEG_NAME = r"[A-ZÀ-ÝÄÖÜ][\w'’\-]{1,30}(?:\s[A-ZÀ-ÝÄÖÜ][\w'’\-]{1,30}){0,2}"
_LEG_BEFORE = re.compile(
    r"\b(?:[Ff]rom|[Vv]on|[Vv]om|[Dd]e|[Dd]esde|[Dd]a|[Dd]al|[Dd]u)\s(?P<a>" + _LEG_NAME + r")"
    r"\s(?:to|nach|bis|bis nach|bis zum|bis zur|zum|zur|a|à|au|hasta|al)\s(?:the\s)?" + _LEG_NAME
    + r"(?:\s(?:is|it is|it's|was|are|beträgt|sind|ist|es|son|est|fait|è|sono)\b)?"
    r"(?:\s(?:only|just|nur|noch|etwa|etwas|rund|knapp|ca\.|about|around|approx\.?|some|solo|unos|seulement|"
    r"environ|circa|solo|soltanto)){0,3}\s?[:,–-]?\s?$")
_LEG_TOTAL = re.compile(r"\b(?:total|insgesamt|gesamt|in all|altogether|overall|im ganzen|en total|au total)\b",
                        re.IGNORECASE)
#: "... 45 km/h from A to B" and the like: a speed or a rate, not the leg.
_NOT_AFTER_LEG = re.compile(r"^\s?(?:/|per\b|pro\b|an hour|a day|h\b)", re.IGNORECASE)
#: After a length: "of nothing to the next gas station", "of gravel to the pass": what lies ahead.
_OF_DEST = re.compile(r"^\s{0,2}of\s(?!(?:\w+\s)?(?:downhill|descent|climb|uphill|ascent)\b)"
                      r"(?:[a-z]{2,12}\s){1,3}(?:to|until)\s(?:the\s)?(?:next\s)?"
                      r"(?:[A-Z][\w'’\-]{1,30}(?:\s[A-Z][\w'’\-]{1,30}){0,2}\b|(?:[a-z]+\s)?(?:gas station|station|"
                      r"town|village|camp\w*|store|shop|water|pass|summit|junction|border|services|motel|hotel)\b)")
#: After a length: the place still ahead ("66 km to Kargilik", "101 km to camp", "60km to go until
#: we reached Vientiane", "10 miles to the first campsite"): a relative leg, its end named.
_DEST_AFTER = re.compile(
    r"^\s{0,2}(?:to go\s(?:until|till|to|before)\s(?:we\s(?:reach|reached|get to|got to|arrive at)\s)?|"
    r"(?:more\s)?to\s(?:reach\s)?|bis\s(?:nach\s|zum\s|zur\s)?|hasta\s|jusqu['’](?:à|au)\s|fino a\s|"
    r"\.?\s?до\s)(?:the\s)?"
    r"(?P<dest>[A-ZА-ЯЁ][\w'’\-]{1,30}(?:\s[A-ZА-ЯЁ][\w'’\-]{1,30}){0,2}(?![\w'’\-])"
    r"|(?:first\s|next\s)?(?:[a-z/\-]+\s){0,2}(?:camp\w*|town|village|turn-?off|junction|border|pass|summit|"
    r"top|dam|hotel|motel|guesthouse|hostel|shop|lake|river|bridge|city|site|campground)\b)(?!\s(?:and|or)\s\d)"
)
#: After a length: "into my day", "into the ride": the day's odometer.
_INTO_DAY = re.compile(r"^\s{0,2}into\s(?:my|our|the|his|her|their)\s(?:day|ride|stage|ride today)\b", re.IGNORECASE)
#: "... is/was (still) N km away" said of a place or a goal ahead.
_STILL_AWAY = re.compile(r"^\s{0,2}away\s?(?:[.!?;,)]|$)", re.IGNORECASE)     # "away back in town": off route
_AWAY_SUBJECT = re.compile(r"\b(?:is|was|are|were|lies|lay)\s(?:still\s|only\s|just\s|now\s)*(?:about\s|around\s)?$",
                           re.IGNORECASE)
#: Total words that a destination does not override ("in total 7,450 km to Kashgar" stays a total).
_STRONG_TOTAL = re.compile(r"\b(?:total\w*|altogether|overall|in all|whole|entire|averag\w*|"
                           r"reise|voyage|viaje|viaggio)\b",
                           re.IGNORECASE)
_OF_ME = re.compile(r"^\s{0,2}(?:north|south|east|west|[NSEW])\s(?:of|from)\s(?:me|us|here|there)\b",
                    re.IGNORECASE)
#: A road-book line: "0 km Ruoqiang", "23 km: border post".
_ROADBOOK_LINE = re.compile(r"^\s{0,2}[:\-–]?\s{0,2}[A-Z]")
_AWAY = re.compile(r"^\s{0,2}(?:away|off\b|to the (?:north|south|east|west)|north|south|east|west)",
                   re.IGNORECASE)


@dataclass(frozen=True)
class Match:
    """One distance reference found in a sentence.

    ``start``/``end`` are character offsets in the sentence; ``place`` names the reference point
    of a cumulative distance (``None`` if the text gives none); ``approx`` is True when the writer
    hedged ("approx.", "about", "30-40 km").
    """

    value: float
    unit: str
    ref: str
    start: int
    end: int
    value_end: float | None = None
    place: str | None = None
    approx: bool = False
    pattern: str = ""
    dest: str | None = None


def parse_number(s: str) -> float:
    """Read "1,383" as 1383, "34.5" and "12,5" as decimals, and "3.115" / "65.800" (a dot before
    exactly three digits, not after a leading 0) as thousands, as German, Spanish, Italian and
    Portuguese write them (every such km figure in the labelled real texts is one; "0.500" stays).

    >>> parse_number("1,383"), parse_number("34.5"), parse_number("12,5"), parse_number("3.115")
    (1383.0, 34.5, 12.5, 3115.0)
    """
    if s.lower() in WORD_NUMBERS:
        return float(WORD_NUMBERS[s.lower()])
    if _THOUSANDS.fullmatch(s):
        return float(s.replace(",", ""))
    if _DOT_THOUSANDS.fullmatch(s):
        return float(s.replace(".", ""))
    return float(s.replace(",", "."))


_DOT_THOUSANDS = re.compile(r"[1-9]\d{0,2}(?:\.\d{3})+")


def unit_of(word: str) -> str:
    """``mi`` for a mile word ("mi", "miles", "Miles"), else ``km``."""
    w = word.lower()
    return "mi" if w.startswith("mi") else "km"


class _Spans:
    """Disjoint character spans ``[start, end)``, kept sorted: overlap test and insertion in
    O(log n) (a 2,000-character "sentence" of a hostile input holds hundreds of references)."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []

    def overlaps(self, a: int, b: int) -> bool:
        i = bisect.bisect_right(self.starts, a)
        return (i > 0 and self.ends[i - 1] > a) or (i < len(self.starts) and self.starts[i] < b)

    def add(self, a: int, b: int) -> None:
        i = bisect.bisect_right(self.starts, a)
        self.starts.insert(i, a)
        self.ends.insert(i, b)


def _is_train_or_code(sentence: str, start: int, end: int) -> bool:
    """K-numbers are also Chinese train numbers ("train K9786") and model names."""
    before = sentence[max(0, start - 20):start].lower()
    after = sentence[end:end + 12].lower()
    return bool(_CODE_BEFORE.search(before) or _CODE_AFTER.match(after))


def find_references(sentence: str) -> list[Match]:
    """Every distance reference in one sentence, in text order (no two overlap)."""
    found: list[Match] = []
    spans = _Spans()

    def add(m: Match) -> None:
        if not spans.overlaps(m.start, m.end):
            found.append(m)
            spans.add(m.start, m.end)

    # cheap substring tests decide which patterns can match at all (most sentences have no K post
    # and no mile marker); each test is implied by the pattern it guards
    low = sentence.lower()
    has_km = "km" in low or "kilom" in low
    has_k = "K" in sentence
    cjk = bool(_CJK_CHAR.search(sentence)) if has_k else False
    has_mile = "mile" in low or "MP" in sentence or "MM" in sentence or "mp" in sentence

    for m in RE_KM_RANGE.finditer(sentence) if has_km else ():
        a, b = parse_number(m["a"]), parse_number(m["b"])
        if a != b:
            add(Match(a, "km", "range", m.start(), m.end(), value_end=b, pattern="km A-B"))
    for m in RE_K_RANGE.finditer(sentence) if has_k else ():
        if not _is_train_or_code(sentence, m.start(), m.end()):
            add(Match(float(m["a"]), "km", "range", m.start(), m.end(), value_end=float(m["b"]),
                      pattern="KA-KB"))
    for m in RE_MILE_RANGE.finditer(sentence) if has_mile else ():
        a, b = parse_number(m["a"]), parse_number(m["b"])
        if a != b:
            add(Match(a, "mi", "range", m.start(), m.end(), value_end=b, pattern="mile A-B"))
    for m in RE_BETWEEN_KM.finditer(sentence) if has_km and "etween" in sentence else ():
        add(Match(parse_number(m["a"]), "km", "range", m.start(), m.end(), value_end=parse_number(m["b"]),
                  pattern="between N km and M km"))
    for m in RE_FROM_KM.finditer(sentence) if has_km else ():
        add(Match(parse_number(m["a"]), "km", "range", m.start(), m.end(), pattern="from km A"))
    for m in RE_KM_ONWARDS.finditer(sentence) if has_km else ():
        add(Match(parse_number(m["a"]), "km", "range", m.start(), m.end(), pattern="km A onwards"))
    for m in RE_NUM_KM_POST.finditer(sentence) if has_km else ():
        # "the 5km mark" (not "marker", "post", "stone"): a reading of the odometer when several grow
        # (decided over the text: events._odometer_runs); else a post
        mark = m.group(0).lower().endswith("mark")
        add(Match(parse_number(m["a"]), "km", "marker", m.start(), m.end(),
                  pattern=MARK_PATTERN if mark else "A km post"))
    for m in RE_KM_MARKER.finditer(sentence) if has_km or "kil" in low else ():
        # "we did 45 km 20 of them on gravel": the "km" belongs to the number before it
        if _NUM_BEFORE.search(sentence[max(0, m.start() - 12):m.start()]):
            continue
        # "Km 0 di questa tappa", "(en el km 10)" of a stage: the distance into the stage
        kind = "cumulative" if _STAGE_WORD.search(sentence) else "marker"
        add(Match(parse_number(m["a"]), "km", kind, m.start(), m.end(), pattern="km A"))
    for m in RE_TH_POST.finditer(sentence) if "หลัก" in sentence or "กม" in sentence else ():
        a = parse_number(m["a"]) + (int(m["m"]) / 1000 if m["m"] else 0.0)
        if m["b"]:
            add(Match(a, "km", "range", m.start(), m.end(), value_end=parse_number(m["b"]), pattern="Thai post A-B"))
        else:
            add(Match(a, "km", "marker", m.start(), m.end(), pattern="Thai post"))
    for m in RE_K_POST.finditer(sentence) if has_k else ():
        if _is_train_or_code(sentence, m.start(), m.end()):
            continue
        v = float(m["a"]) + (float(m["m"]) / 1000.0 if m["m"] else 0.0)
        add(Match(v, "km", "marker", m.start(), m.end(), pattern="K post"))
    # in Chinese notes "167K" is a distance (167 km), not a post: zh.py reads it
    for m in RE_POST_K.finditer(sentence) if (has_k and not cjk) or has_km else ():
        add(Match(float(m["a"] or m["b"]), "km", "marker", m.start(), m.end(), pattern="NK post"))
    for m in RE_NUM_MILE_POST.finditer(sentence) if "mile" in low else ():
        add(Match(parse_number(m["a"]), "mi", "marker", m.start(), m.end(), pattern="A mile mark"))
    for m in RE_FROM_COLON.finditer(sentence) if (has_km or has_mile) and "rom" in sentence else ():
        add(Match(parse_number(m["a"]), unit_of(m["unit"]), "cumulative", m.start(), m.end(), place=m["place"],
                  pattern="miles from X: N"))
    for m in RE_MILE_MARKER.finditer(sentence) if has_mile else ():
        if _NUM_BEFORE.search(sentence[max(0, m.start() - 12):m.start()]):
            continue
        # "start at mile 0.00", "the first rest stop is at mile 28.0" of a cue sheet: its odometer
        kind = "cumulative" if _STAGE_WORD.search(sentence) else "marker"
        add(Match(parse_number(m["a"] or m["b"]), "mi", kind, m.start(), m.end(), pattern="mile A"))
    quoted = '"' in sentence or "“" in sentence or "„" in sentence or "«" in sentence
    for m in RE_SIGN.finditer(sentence) if quoted else ():
        # a quoted road sign, "Santiago 52km": the place lies that far ahead of the writer
        add(Match(parse_number(m["a"]), unit_of(m["unit"]), "relative", m.start(), m.end(), pattern="sign"))
    for m in RE_MIL.finditer(sentence) if " mil" in low and _NORDIC.search(sentence) else ():
        a = MIL_KM * (1.0 if m["a"].lower() in ("en", "ett") else parse_number(m["a"]))
        before = sentence[max(0, m.start() - 30):m.start()]
        if _MIL_LEFT.match(sentence[m.end():m.end() + 30]):
            # "20 mil kvar till Kapellskär": what lies ahead of the writer
            add(Match(a, "km", "relative", m.start(), m.end(), approx=approx_ctx(before), pattern="N mil left"))
            continue
        if _MIL_AFTER.search(before):
            add(Match(a, "km", "relative", m.start(), m.end(), approx=approx_ctx(before), pattern=AFTER_PATTERN))
            continue
        ref = _classify_length(sentence, m)
        if ref is not None:
            kind, place, extra_end, approx = ref
            add(Match(a, "km", kind.split("-")[0], m.start(), max(m.end(), extra_end), place=place,
                      approx=approx or approx_ctx(before),
                      pattern=AFTER_PATTERN if kind == "relative-after" else f"mil+{kind}"))
    for m in RE_DISTANCE.finditer(sentence):
        if spans.overlaps(m.start(), m.end()):
            continue
        ref = _classify_length(sentence, m)
        if ref is None:
            continue
        kind, place, extra_end, hedged = ref
        a = parse_number(m["a"])
        b_end = parse_number(m["b"]) if m["b"] else None      # "40 or 50 miles": 40, approximate
        pattern = AFTER_PATTERN if kind == "relative-after" else f"length+{kind}"
        add(Match(a, unit_of(m["unit"]), kind.split("-")[0], m.start(), max(m.end(), extra_end), value_end=b_end,
                  place=place, approx=hedged or b_end is not None or m["b2"] is not None or m["plus"] is not None,
                  pattern=pattern))
    found.sort(key=lambda x: x.start)
    return found


_RIDE_TO = re.compile(r"^\s?(?:bike\s|bicycle\s)?(?:ride|cycle|pedal|walk|trek)\s(?:to|into|up to)\s(?:the\s)?"
                      r"(?:[A-Z][\w'’\-]{1,30}|[a-z]{3,20}(?:\s[a-z]{3,20})?\b)")
_A_BEFORE = re.compile(r"(?:^|\s)(?:a|à|á)\s$")
_AT_FROM = re.compile(r"^\s?(?:(?:da|de|di|du|dal|dalla|del|do|dos|das)\s|d[’'])(?:la\s|le\s)?"
                      r"(?P<place>[A-Za-zÀ-ÿ][\w'’\-]{2,30})")
_NOT_PLACES = {"distancia", "distance", "distanza", "recorrido", "carretera", "route", "strada", "subida",
               "montée", "descente", "bajada", "salita", "discesa", "ruta", "camino", "chemin", "piste",
               "pista", "long", "largo", "lunghezza", "longueur", "longitud", "desnivel", "dénivelé",
               "ascenso", "descenso", "altura", "altitud", "altitude", "túnel", "tunnel", "tramo", "tratto"}


def approx_ctx(before: str) -> bool:
    """True when the words just before a length hedge it ("about", "etwa", "unos")."""
    low = before.lower()
    return bool(_APPROX_HINT_RX.search(low)) and bool(_APPROX_END.search(before[-30:]))


#: Pattern names of "after N km" and "the N km mark" (see :func:`roadbook.extract.events._odometer_runs`).
AFTER_PATTERN = "after N km"
MARK_PATTERN = "A km mark"


def _classify_length(sentence: str, m: re.Match[str]) -> tuple[str, str | None, int, bool] | None:
    """Decide whether "<number> <unit>" is a cumulative or relative reference, or just a length.

    Returns ``(ref, place, end, approx)`` or ``None`` for a length that is no reference; ref
    ``relative-after`` is a relative "after N km".
    """
    before = sentence[max(0, m.start() - 60):m.start()]
    after = sentence[m.end():m.end() + 90]
    if _NOT_BEFORE.search(before[-12:]):
        return None
    ride = _RIDE_TO.match(after)
    if ride and not _TOTAL_BEFORE.search(before):
        # "a 27 mile ride to the ferry", "the 48-mile ride to Hillsborough": where the ride ends
        return ("relative", None, m.end() + ride.end(), approx_ctx(before))
    at = _AT_FROM.match(after) if _A_BEFORE.search(before[-4:]) else None
    if at and at["place"].lower() not in _NOT_PLACES:
        # "a 30 km da Roma", "à 12 km de Gap", "a 5 km de Tineo": N km from a named place
        return ("cumulative", at["place"], m.end() + at.end(), approx_ctx(before))
    low = before.lower()
    leg = _LEG_BEFORE.search(before) if any(w in low for w in _LEG_HINTS) else None
    if leg and not _LEG_TOTAL.search(before) and not _NOT_AFTER_LEG.match(after):
        # "Die Fahrt von Neustadt nach Perleberg beträgt nur 45 km", "from Alpha to Beta it is
        # 45 km": the leg's end lies that far from its named start
        return ("cumulative", leg["a"], m.end(), approx_ctx(before))
    if ROUTE_LENGTH_AFTER.match(after):
        return None                              # "2400 km à travers l'Europe": the route's length
    of_dest = _OF_DEST.match(after)
    if of_dest and not _TOTAL_BEFORE.search(before):
        # "30 miles of nothing to the next gas station": the place ahead, that far
        return ("relative", None, m.end() + of_dest.end(), approx_ctx(before))
    if _NOT_AFTER.match(after):
        # "another 40 km of downhill brings you to Alichur": progress, not a length
        prog = _PROGRESS.search(before)
        if not (prog and _OF.match(after)):
            return None
    approx = bool(_APPROX_HINT_RX.search(low)) and bool(_APPROX_END.search(before[-30:]))
    window = before[-45:]
    rel = _REL_BEFORE.search(window) if _REL_HINT_RX.search(window.lower()) else None
    pm = _PLACE_AFTER.match(after)
    dest = _DEST_AFTER.match(after)
    ahead = dest is not None or _REL_AFTER.match(after) is not None
    # "we cycled 120 km from Hotan": a total, unless "after"/"another"/"the next" says otherwise,
    # or the length leads somewhere ("I rode 10km up the road", "did 30 km to the pass")
    if ((rel is None or rel["at"]) and _TOTAL_HINT_RX.search(low) and _TOTAL_BEFORE.search(before)
            and (not ahead or _STRONG_TOTAL.search(before))):
        return None
    if pm:
        place = pm["place"].strip()
        if _HERE.fullmatch(f"{pm['rel']} {place}"):
            return ("relative", None, m.end() + pm.end(), approx)
        if rel and rel["another"] and rel["another"].lower().strip() in ("the first", "first",
                                                                           "the last", "last"):
            return ("relative" if "first" in rel["another"].lower() else "cumulative", place,
                    m.end() + pm.end(), approx)
        return ("cumulative", place, m.end() + pm.end(), approx)
    fb = _FROM_BEFORE.search(before) if "rom" in before else None     # the pattern needs "[Ff]rom"
    if fb and _TO_AFTER.match(after):
        return ("cumulative", fb["place"], m.end(), approx)
    if _INTO_DAY.match(after):
        # "about 20km into my day": the day's odometer
        return ("cumulative", None, m.end(), approx_ctx(before))
    if _STILL_AWAY.match(after) and _AWAY_SUBJECT.search(before[-40:]):
        # "Our destination was still 108 Km away", "The border is 20 km away": what lies ahead
        return ("relative", None, m.end(), approx_ctx(before))
    if m.start() == 0 and _ROADBOOK_LINE.match(after) and not _AWAY.match(after):
        return ("cumulative", None, m.end(), approx)
    if dest and not (rel and rel["at"]) and not fb:
        return ("relative", None, m.end() + dest.end(), approx)
    if _OF_ME.match(after):
        return ("relative", None, m.end(), approx)
    if rel:
        if rel["after"] and rel["already"]:
            # "nach bereits 56 km erreichen wir X", "after already 30 km": the day's odometer
            return ("cumulative", None, m.end(), approx)
        if rel["at"]:
            if _AWAY.match(after):
                return None
            return ("cumulative", None, m.end(), approx)
        if _AWAY.match(after) and not rel["another"]:
            return None
        # "after 30 km" (not "after another 30 km"): from the previous position, or the day's
        # odometer when such values grow (decided over the text: events._odometer_runs)
        return ("relative-after" if rel["after"] and not rel["more"] else "relative", None, m.end(), approx)
    if _REL_AFTER.match(after):
        return ("relative", None, m.end(), approx)
    return None
