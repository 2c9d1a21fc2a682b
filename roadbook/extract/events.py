"""From prose to distance-referenced events: sentences, references, categories, confidence.

:func:`extract_events` is the core: it splits the text into sentences, finds every distance
reference (:mod:`roadbook.extract.patterns`), gives it a category and a side of the road
(:mod:`roadbook.extract.categories`) and a confidence:

* ``high``   – a road km post / mile marker or a range of posts, category decided by a keyword;
* ``medium`` – a cumulative or relative distance with a keyword;
* ``low``    – hedged values ("approx.", "about", "30-40 km"), or no keyword (category ``info``),
  or the sentence is a question.

Input checks: text that looks binary (NUL bytes, mostly control characters or decoding
replacement characters) and texts beyond :data:`MAX_CHARS` raise :class:`ExtractError`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from geo.errors import KmpostError
from roadbook.extract.categories import Category, categorize, expand_abbreviations, find_side
from roadbook.extract.mentions import MentionModel, select, verdicts
from roadbook.extract.patterns import AFTER_PATTERN, MARK_PATTERN, RE_DISTANCE, WORD_NUMBERS, Match, find_references
from roadbook.extract.structures import find_structures, leg_km
from roadbook.extract.zh import CJK, categorize_zh, find_references_zh

#: Largest text accepted (characters). A whole guidebook is about 1 MB and a long forum thread a
#: few MB; 12 MB of the densest notes (one reference per 100 characters) take about 15 s of CPU
#: here, so larger inputs are refused at once rather than read for a minute (issue 15).
MAX_CHARS = 12_000_000
#: Longest "sentence" looked at; longer runs of text without a full stop are cut into pieces.
MAX_SENTENCE = 2_000


class ExtractError(KmpostError):
    """The notes cannot be read as text (binary data, too large, unreadable file)."""


@dataclass(frozen=True)
class Sentence:
    """A sentence of the input with its 1-based line number."""

    text: str
    line: int


@dataclass
class Event:
    """One distance-referenced event found in the notes (one line of ``--json`` output)."""

    value: float
    unit: str
    ref: str
    category: str
    sentence: str
    confidence: str
    side: str | None = None
    value_end: float | None = None
    place: str | None = None
    line: int = 0
    because: tuple[str, ...] = ()
    flags: list[str] = field(default_factory=list)
    clause: str = ""
    length_km: float | None = None
    name: str | None = None
    leg_km: float | None = None
    turn: str | None = None
    structure: str | None = None

    def as_dict(self, explain: bool = False) -> dict[str, object]:
        """The JSON object for this event (``--json``); ``explain`` adds the deciding words."""
        d: dict[str, object] = {
            "value": _num(self.value), "unit": self.unit, "ref": self.ref,
            "category": self.category, "sentence": self.sentence,
            "confidence": self.confidence, "side": self.side,
        }
        if self.value_end is not None:
            d["value_end"] = _num(self.value_end)
        if self.place is not None:
            d["place"] = self.place
        if self.length_km is not None:
            d["length_km"] = _num(self.length_km)
        for key in ("name", "turn", "structure"):
            if getattr(self, key) is not None:
                d[key] = getattr(self, key)
        if self.leg_km is not None:
            d["leg_km"] = _num(self.leg_km)
        d["line"] = self.line
        if explain:
            d["because"] = list(self.because)
            d["flags"] = list(self.flags)
        return d


def _num(x: float) -> int | float:
    return int(x) if float(x).is_integer() else x


_ABBREV = r"(?:approx|ca|no|nr|dep|arr|mt|st|dr|e\.g|i\.e|vs|etc|km|min|hr|hrs|tel|ph|p|pp|fig|mr|mrs|ms|rd)"
_ABBREV_END = re.compile(rf"(?<![A-Za-z]){_ABBREV}\.$", re.IGNORECASE)
_SPLIT = re.compile(r"(?<=[.!?])[\"')\]]?\s+(?=[\"'(\[]?[A-Z0-9])")


#: Block size (characters) in which :func:`check_text` judges the text.
_BLOCK = 200_000
_BAD_CHAR = re.compile("[\x01-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffd]")


def check_text(text: str, source_name: str) -> None:
    """Refuse input that is not prose: binary data or a text too large to be notes."""
    if len(text) > MAX_CHARS:
        raise ExtractError(f"{source_name}: {len(text):,} characters is more than kmpost reads as route "
                           f"notes (at most {MAX_CHARS:,}); split the file and extract each part")
    # the whole text is judged, in blocks: binary data after a first page of prose is refused too
    for start in range(0, len(text), _BLOCK):
        block = text[start:start + _BLOCK]
        if "\x00" in block:
            raise ExtractError(f"{source_name}: input contains NUL bytes (character {text.index(chr(0))}), "
                               "so it looks like binary data; give a plain-text file of route notes")
        bad = len(_BAD_CHAR.findall(block))
        if bad / len(block) > 0.05 and (start == 0 or len(block) >= 1_000):
            raise ExtractError(f"{source_name}: {100 * bad / len(block):.0f}% of characters "
                               f"{start}-{start + len(block)} are control or undecodable bytes, so "
                               "it looks like binary data; give a plain-text (UTF-8) file of route notes")


def read_notes(path: str | Path) -> str:
    """Read a notes file ("-" is not handled here) as text, UTF-8 with fallbacks.

    UTF-8 (with or without BOM) and UTF-16 with a BOM are decoded; anything else is decoded as
    UTF-8 with replacement characters, which :func:`check_text` then judges.
    """
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_CHARS * 4:
            raise ExtractError(f"{p}: {size:,} bytes is more than kmpost reads as route notes (at most "
                               f"{MAX_CHARS:,} characters); split the file and extract each part")
        raw = p.read_bytes()
    except OSError as exc:
        raise ExtractError(f"{p}: cannot read the notes ({exc.strerror}); check the path") from None
    return decode_notes(raw)


def decode_notes(raw: bytes) -> str:
    """Decode bytes of notes: UTF-16 with BOM, else UTF-8 (BOM dropped, bad bytes replaced)."""
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return raw.decode("utf-16", errors="replace")
    return raw.decode("utf-8-sig", errors="replace")


def split_sentences(text: str) -> list[Sentence]:
    """Split text into sentences, keeping line numbers; every line break ends a sentence.

    "approx. 180 km" and "No. 36" do not end a sentence.
    """
    out: list[Sentence] = []
    for lineno, raw_line in enumerate(text.splitlines(), start=1):
        line = raw_line.strip()
        if not line:
            continue
        pos = 0
        for m in _SPLIT.finditer(line):
            if _ABBREV_END.search(line, max(pos, m.start() - 8), m.start()):
                continue
            out.extend(_cut(line[pos:m.start()].strip(), lineno))
            pos = m.end()
        out.extend(_cut(line[pos:].strip(), lineno))
    return out


def _cut(s: str, line: int) -> list[Sentence]:
    if not s:
        return []
    if len(s) <= MAX_SENTENCE:
        return [Sentence(s, line)]
    parts = []
    for i in range(0, len(s), MAX_SENTENCE):
        parts.append(Sentence(s[i:i + MAX_SENTENCE], line))
    return parts


_HEDGE = re.compile(r"\b(?:approx\w*|about|around|roughly|maybe|perhaps|I think|not sure|or so|"
                    r"ca\.|circa|somewhere|guess|estimate\w*)\b|~", re.IGNORECASE)
_LENGTH_IN = re.compile(r"\b(?:of|for)\s(?:about\s|approx\.?\s|some\s)?(\d{1,3}(?:\.\d)?)\s?(?:km|kilomet\w+|clicks?)\b"
                        r"|\b(\d{1,3}(?:\.\d)?)\s?(?:km|kilomet\w+)(?:[\s-]long)?\s(?:downhill|descent|climb)",
                        re.IGNORECASE)


_DELIM = re.compile(r"[;:()\[\]。，；]|,\s|\s[-–—]\s|\.\s")


def _segment(text: str, lo: int, start: int, end: int, hi: int) -> tuple[int, int]:
    """Bounds of the punctuation-delimited segment around ``text[start:end]`` within lo..hi."""
    seg_lo = lo
    for m in _DELIM.finditer(text, lo, start):
        seg_lo = m.end()
    m2 = _DELIM.search(text, end, hi)
    return seg_lo, (m2.start() if m2 else hi)


_SUBJECT_PLACE = re.compile(r"^\W{0,3}(?:[A-Z][\w'’\-]+\s){1,3}(?:\([^)]{0,40}\)\s)?(?:is|lies|was)\b")
_ONLY_PLACE = re.compile(r"^\W{0,3}(?P<n>[A-Z][\w'’\-]+(?:\s[A-Z][\w'’\-]+){0,2})\W{0,3}$")


def _named_place(text: str, lo: int, start: int, end: int, hi: int) -> str | None:
    """A place name that the reference locates: "Murghab is 110 km further", "Km 340: Qiemo."."""
    m = _SUBJECT_PLACE.match(text[lo:start])
    if m:
        return m.group(0).strip(" ,.:;").split(" is")[0].split(" lies")[0].split(" was")[0]
    m2 = _ONLY_PLACE.match(text[end:hi])
    if m2 and text[lo:start].strip(" :-–") in ("", "at"):
        return m2["n"]
    return None


@dataclass
class Extraction:
    """What :func:`extract` found: the events, and the distance-looking text it could not use.

    ``unplaced`` holds ``(line, sentence, reason)`` for every distance with a unit that became no
    event (a length, a total, a distance without a reference point), so that a reviewer sees it.
    """

    events: list[Event]
    unplaced: list[tuple[int, str, str]]


def extract_events(text: str, source_name: str = "<notes>") -> list[Event]:
    """All distance-referenced events of the notes, in text order (see :func:`extract`)."""
    return extract(text, source_name).events


def event_names(events: list[Event]) -> list[str]:
    """The place names the events carry (named starts of cumulative distances, ends of legs), once
    each in text order: candidates for the gazetteer (:func:`~roadbook.extract.gazetteer.find_places`)."""
    return list(dict.fromkeys(n for e in events for n in (e.place, e.name) if n))


def _structure_event(f: object, abbreviations: dict[str, str]) -> Event:
    from roadbook.extract.structures import Found
    assert isinstance(f, Found)
    # the end's name, else what the line says after it ("A – B – 102 km, camping by the river");
    # never the words before it (the start's name: "Alice Springs – ...")
    after = f.text[f.text.index(f.name) + len(f.name):] if f.name and f.name in f.text else ""
    cat = Category("info", (), True)
    for words in dict.fromkeys(w for w in (f.name or f.text, after) if w):
        cat = categorize_zh(words) if CJK.search(words) else categorize(words, abbreviations)
        if not cat.guessed:
            break
    if f.turn in ("left", "right", "straight", "u-turn", "roundabout") and cat.category not in (
            "food", "water", "checkpoint", "border", "camping", "accommodation"):
        cat = Category("turn_off", (f.turn,), False)
    elif cat.guessed:
        cat = Category("turn_off" if f.structure == "cue_sheet" else "town", (), True)
    flags = [] if not cat.guessed else ["no category keyword: category is a guess"]
    if f.place is None:
        flags.append("cumulative distance without a named reference point")
    if f.approx:
        flags.append("approximate distance")
    side = f.turn if f.turn in ("left", "right") else None
    return Event(value=f.value, unit=f.unit, ref="cumulative", category=cat.category,
                 sentence=f.text[:MAX_SENTENCE], confidence="low" if cat.guessed else "medium",
                 side=side, place=f.place, line=f.line, because=cat.because, flags=flags,
                 clause=f.text[:MAX_SENTENCE], name=f.name, leg_km=f.leg_km, turn=f.turn,
                 structure=f.structure)


#: A sentence worth reading: a digit, or a number word before a unit ("three kilometers", "十五公里").
_HAS_NUMBER = re.compile(r"\d|\b(?:" + "|".join(WORD_NUMBERS) + r")\s?-?\s?(?:k|mi)"
                         r"|[零半一二两兩三四五六七八九十百]\s?(?:公里|公裡|千米)", re.IGNORECASE)


_DIGIT = re.compile(r"\d")
#: Substrings (of the lower-cased text) of every distance unit or post notation but "K" (km, kil-,
#: mi-, MP, MM, cl-icks, kl-icks, км, кил-, 公里, Thai กม / กิโลเมตร, ...).
_UNIT_HINTS_LOW = ("km", "kil", "mi", "mp", "mm", "cl", "kl", "км", "кил", "公里", "公裡", "千米", "里程", "路碑", "กม",
                   "กิโลเมตร")


#: "k272是个道班" (a lower-case K-stake) and "20ks out of X", "20 k's" (km in Australian English).
_LOW_K_STAKE = re.compile(r"(?<![A-Za-z0-9])k\d{2,4}(?=[\u3400-\u9fff])|\d\s?(?:ks|k's)\b")


def _worth_reading(text: str) -> bool:
    """Whether a sentence can hold a reference: a number (:data:`_HAS_NUMBER`, a digit tested
    first) and a unit or post notation ("K", :data:`_UNIT_HINTS_LOW`, :data:`_LOW_K_STAKE`), by
    literal tests rather than case-insensitive searches (~10 us per sentence)."""
    if not (_DIGIT.search(text) or _HAS_NUMBER.search(text)):
        return False
    if "K" in text:
        return True
    low = text.lower()
    return any(h in low for h in _UNIT_HINTS_LOW) or _LOW_K_STAKE.search(text) is not None


def prepare(text: str) -> str:
    """The text as the extractor reads it: full-width forms narrowed, words broken across a line
    break joined (line numbers kept)."""
    return _join_hyphenated(text.translate(_NARROW))


def extract(text: str, source_name: str = "<notes>", *, model: MentionModel | None = None) -> Extraction:
    """All distance-referenced events of the notes in text order, and what could not be placed.

    Structures (stage lists, tables, cue sheets, roll charts: :mod:`roadbook.extract.structures`)
    are read first; the sentences of the other lines are then read one by one, each on its own
    (:func:`_read_sentences`), and then in order: the chains of Chinese legs ("从A到B") and the
    stage lists of their lines may change a sentence's references, which is then read again.
    Last, given a ``model`` (trained by ``benchmarks/train_mentions.py``; none is shipped: on
    unseen real texts it did not pay, see RESULTS-extract.md), the learned judge of
    :mod:`roadbook.extract.mentions` adds the distances the rules did not use that it scores as
    events, and drops rule events it scores as none (:func:`_judge`).
    """
    check_text(text, source_name)
    text = prepare(text)
    abbreviations = expand_abbreviations(text)
    found, _ = find_structures(text)
    events: list[Event] = [_structure_event(f, abbreviations) for f in found]
    legs: dict[int, list[float]] = {}      # line -> leg lengths (km) of the stage lists
    for f in found:
        if f.structure == "stage_list" and f.leg_km is not None:
            legs.setdefault(f.line, []).append(f.leg_km)
    used = {f.line for f in found if f.structure != "stage_list"}
    # every reference pattern needs a digit (or number word) and a unit
    sentences = [s for s in split_sentences(text)
                 if s.line not in used and _worth_reading(s.text)]
    unplaced: list[tuple[int, str, str]] = []
    leg_chain: list[object] = []        # [origin, destination, total km] of the last "从A到B N公里"
    read = _read_sentences(sentences, abbreviations)
    for sent, (refs, sent_events, sent_unplaced) in zip(sentences, read, strict=True):
        unplaced += sent_unplaced
        chained = [_chain_zh(r, leg_chain) for r in refs]
        line_legs = legs.get(sent.line)
        if line_legs:
            # a stage line's own leg, also as the end of a "range" ("May 4 – 23.2 miles to X": a date)
            chained = [r for r in chained if not any(abs(v - lk) < 0.05 or abs(v * 1.609344 - lk) < 0.05
                                                     for lk in line_legs for v in (r.value, r.value_end)
                                                     if v is not None)]
        events += sent_events if chained == refs else _sentence_events(sent, chained, abbreviations)
    events.sort(key=lambda e: e.line)
    events = _odometer_runs(_dedupe_posts(events))
    if model is not None:
        events = _judge(text, events, unplaced, abbreviations, model)
    return Extraction(events, unplaced)


LEARNED_FLAG = "learned"


def _judge(text: str, events: list[Event], unplaced: list[tuple[int, str, str]],
           abbreviations: dict[str, str], model: MentionModel) -> list[Event]:
    """The rule events, less those whose own mention the model scores as no event (P(none) at or
    above ``model.drop_at``), plus an event for each mention the rules did not use that the model
    scores as an event (the best class not ``none``, at or above ``model.add_at``), confidence low,
    flagged :data:`LEARNED_FLAG` with the probability."""
    lines = text.split("\n")
    rows = [(e.line, e.value, e.unit, e.ref, e.structure or "sentence") for e in events]
    drop, add = select(verdicts(lines, rows, [u[0] for u in unplaced], model), model.add_at, model.drop_at, rows)
    out = [e for j, e in enumerate(events) if j not in drop]
    for v, value, ref in add:
        p = max(v.probabilities)
        m = v.mention
        line = lines[m.line - 1]
        words = line[:m.start] + " " + line[m.end:]
        cat = categorize_zh(words) if CJK.search(words) else categorize(words, abbreviations)
        flags = [f"{LEARNED_FLAG}: no rule read this form; the model scores it {v.best} (P {p:.2f}): review"]
        if v.best == "leg":
            flags.append(f"the end of a leg of {m.value:g} {m.unit}: at the sum of the legs before it")
        if cat.guessed:
            flags.append("no category keyword: category is a guess")
        sentence = line.strip()[:MAX_SENTENCE]
        out.append(Event(value=value, unit=m.unit, ref=ref, category=cat.category, sentence=sentence,
                         confidence="low", side=find_side(line), line=m.line, because=cat.because,
                         flags=flags, clause=sentence, leg_km=leg_km(m.value, m.unit) if v.best == "leg" else None))
    out.sort(key=lambda e: e.line)
    return out


#: Full-width digits, letters and signs ("５１ｋｍ", common in Chinese and Japanese notes), the
#: digits of other scripts, and the unit characters "㎞" / "㎏" / "㎜" read as their ASCII forms
#: (one character for one: line breaks and offsets are kept).
_NARROW: dict[int, str] = {**{c: chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)},
                           # Thai, Arabic-Indic, Persian and Devanagari digits ("๑๐ กม.", "۱۵۳ کیلومتر")
                           **{z + d: str(d) for z in (0x0E50, 0x0660, 0x06F0, 0x0966) for d in range(10)},
                           0x3000: " ", 0x339E: "km", 0x338F: "kg", 0x339C: "mm"}

AFTER_FLAG = "relative distance ('after N km'): needs the previous position to be placed"
MARK_FLAG = "'the N km mark': a km post, or the odometer when several grow"
MARK_ODOMETER_FLAG = ("cumulative distance without a named reference point: 'N km mark' values that grow "
                      "(the day's odometer, as '5km mark … 9km mark … 12km mark')")
ODOMETER_FLAG = ("cumulative distance without a named reference point: 'after N km' values that grow "
                 "(the day's odometer, as 'nach 30 km … nach ca. 50 km … nach 70 km')")


def _odometer_runs(events: list[Event]) -> list[Event]:
    """"Nach 30 km in A … nach ca. 50 km … nach 70 km": two or more "after N km" in a row (no other
    distance between) whose values grow read the day's odometer, not legs (30 + 50 + 70 would
    overshoot): they become distances from the start. Any other run stays relative. The same for
    "5km mark … 9km mark … 12km mark" of a diary (a lone "the 8000km mark" stays a post)."""
    out = list(events)
    for flag, odo_flag in ((AFTER_FLAG, ODOMETER_FLAG), (MARK_FLAG, MARK_ODOMETER_FLAG)):
        k = 0
        while k < len(out):
            if flag not in out[k].flags:
                k += 1
                continue
            j = k
            while (j + 1 < len(out) and flag in out[j + 1].flags and out[j + 1].unit == out[k].unit
                   and out[j + 1].value > out[j].value):
                j += 1
            if j > k:
                for n in range(k, j + 1):
                    e = out[n]
                    out[n] = replace(e, ref="cumulative", confidence="medium" if e.confidence == "high" else
                                     e.confidence, flags=[odo_flag if f == flag else f for f in e.flags])
            k = j + 1
    return out


_Read = tuple[list[Match], list["Event"], list[tuple[int, str, str]]]


def _read_sentences(sentences: list[Sentence], abbreviations: dict[str, str]) -> list[_Read]:
    """(references, events, unplaced lengths) of each sentence, read on its own."""
    out: list[_Read] = []
    for sent in sentences:
        refs = find_references(sent.text)
        if CJK.search(sent.text):
            refs = sorted(refs + [r for r in find_references_zh(sent.text)
                                  if not any(r.start < x.end and x.start < r.end for x in refs)],
                          key=lambda r: r.start)
        unplaced: list[tuple[int, str, str]] = []
        if not refs:
            for m in RE_DISTANCE.finditer(sent.text):
                unplaced.append((sent.line, sent.text, f"'{m.group(0)}' is a length or a total, "
                                 "not a position on the route"))
                break
        out.append((refs, _sentence_events(sent, refs, abbreviations), unplaced))
    return out


def _sentence_events(sent: Sentence, refs: list[Match], abbreviations: dict[str, str]) -> list[Event]:
    """The events of one sentence's references (category, confidence, side, flags)."""
    events: list[Event] = []
    for i, r in enumerate(refs):
        lo = refs[i - 1].end if i > 0 else 0
        hi = refs[i + 1].start if i + 1 < len(refs) else len(sent.text)
        clause = sent.text[lo:hi]
        # the reference itself ("23 km from the border") does not decide the category; the
        # words of its own segment (between punctuation) first, then of the whole clause
        seg_lo, seg_hi = _segment(sent.text, lo, r.start, r.end, hi)
        cz = categorize_zh if CJK.search(clause) else None
        cat = (cz(sent.text[seg_lo:seg_hi]) if cz else
               categorize(sent.text[seg_lo:r.start] + " " + sent.text[r.end:seg_hi], abbreviations))
        if cat.guessed or cat.weak:
            wide = (cz(sent.text[lo:r.start] + " " + sent.text[r.end:hi]) if cz else
                    categorize(sent.text[lo:r.start] + " " + sent.text[r.end:hi], abbreviations))
            if cat.guessed or not wide.weak:
                cat = wide
        if cat.guessed:
            name = _named_place(sent.text, lo, r.start, r.end, hi)
            if name:
                cat = Category("town", (name,), False)
        flags: list[str] = []
        conf = "high" if r.ref in ("marker", "range") else "medium"
        if r.approx or _HEDGE.search(sent.text[max(0, r.start - 25):r.end + 5]):
            conf = "low"
            flags.append("approximate distance")
        if cat.guessed:
            conf = "low"
            flags.append("no category keyword: category is a guess")
        if sent.text.rstrip().endswith("?"):
            conf = "low"
            flags.append("the sentence is a question")
        if r.pattern == AFTER_PATTERN:
            flags.append(AFTER_FLAG)
        elif r.pattern == MARK_PATTERN:
            flags.append(MARK_FLAG)
        elif r.ref == "relative":
            flags.append("relative distance: needs the previous position to be placed")
        elif r.ref == "cumulative" and r.place is None:
            flags.append("cumulative distance without a named reference point")
        length = None
        if cat.category in ("descent", "climb"):
            lm = _LENGTH_IN.search(clause)
            if lm:
                length = float(lm.group(1) or lm.group(2))
        events.append(Event(
            value=r.value, unit=r.unit, ref=r.ref, category=cat.category,
            sentence=sent.text, confidence=conf, side=find_side(clause),
            value_end=r.value_end, place=r.place, line=sent.line, because=cat.because,
            flags=flags, clause=clause.strip(), length_km=length,
        ))
    return events


def _chain_zh(r: Match, chain: list[object]) -> Match:
    """"从A到B 68公里" then "从B到C 105公里": C lies 173 km from A (the sum of the legs).

    ``chain`` holds the origin, the last destination and the running total; a leg that starts
    somewhere else starts a new chain.
    """
    if r.dest is None or r.place is None:
        return r
    if _ZH_VERB.match(r.place):
        # "一直爬到隧道口15公里": a point of the current leg, measured from its start
        return replace(r, place=str(chain[0])) if chain else replace(r, place=None)
    if chain:
        origin, last, total = chain
        assert isinstance(last, str) and isinstance(total, float)
        if last[:2] == r.place[:2]:          # "炉霍" and "炉霍县城" are one place
            chain[1], chain[2] = r.dest, total + r.value
            return replace(r, value=round(total + r.value, 3), place=str(origin))
    chain[:] = [r.place, r.dest, r.value]
    return r


#: A "place" that is the rider's verb ("一直爬到X", "骑到X"): the distance runs from the day's start.
_ZH_VERB = re.compile(r"^(?:一直|爬|骑|騎|走|行|推|又|再|继续|繼續)")


def _dedupe_posts(events: list[Event]) -> list[Event]:
    """One event per km post: a heading and the text under it often name the same post twice
    ("新藏线0公里路碑" / "零公里牌楼" on the next line): the later one within 3 lines is dropped."""
    out: list[Event] = []
    for e in events:
        if e.ref == "marker" and any(o.ref == "marker" and o.unit == e.unit and o.value == e.value
                                     and 0 <= e.line - o.line <= 3 and o.line != e.line for o in out[-6:]):
            continue
        out.append(e)
    return out


_HYPHEN_END = re.compile(r"[A-Za-z]-$")


def _join_hyphenated(text: str) -> str:
    """Join a word broken across a line break ("kilo-" / "metre marker 77"), keeping line numbers.

    The rest of the next line moves up to the broken line; the next line stays, empty.
    """
    if "-\n" not in text and "-\r\n" not in text:
        return text
    lines = text.split("\n")
    for i in range(len(lines) - 1):
        cur = lines[i].rstrip("\r")
        if _HYPHEN_END.search(cur) and lines[i + 1][:1].islower():
            lines[i] = cur[:-1] + lines[i + 1].rstrip("\r")
            lines[i + 1] = ""
    return "\n".join(lines)
