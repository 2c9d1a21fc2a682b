"""Every distance written in a text (a *mention*) and a learned judge of which ones are events.

The rules (:mod:`roadbook.extract.patterns`, :mod:`roadbook.extract.structures`) decide most
events; they are exact where they apply but miss the forms nobody wrote a rule for. This module
finds every number written with a distance unit, in the languages the rules read ("45 km",
"km 45", "K1383+500", "12 miles", "MP 48", "45公里", "45 км", "45キロ"), describes each by the words
around it, the shape of its line and what the rules made of it (:func:`features`), and scores it
with a multinomial logistic model (:class:`MentionModel`) trained by
``benchmarks/train_mentions.py`` on the labelled real public texts of ``benchmarks/realtexts``
(labels only are in git; a model file holds feature weights, no text). No model is shipped:
measured on real texts it was not trained on, the judge found about one more event in a hundred
labelled and added false ones as fast (benchmarks/RESULTS-extract.md), so
:func:`roadbook.extract.events.extract` uses it only when a caller passes one.

:func:`judge` then (a) adds, as a low-confidence event flagged ``learned``, each mention the rules
did not use that the model scores as an event, and (b) drops a rule event whose own mention the
model scores as no event with high probability. Classes: ``none`` (no event: a length, a total,
a speed, a segment of a cue sheet...), ``marker``, ``cumulative``, ``relative`` (the ``ref`` of
the event, as in :class:`roadbook.extract.events.Event`) and ``leg``: the length of one leg of a
stage list or diary ("Day 4: A - B, 65 km"), whose end is a cumulative event at the sum of the
legs, as a careful reader computes it (:func:`select` sums them, continuing the sums of the
rules' stage lists). Values stay in the written unit (``km`` or ``mi``), as the rules give them.

Every regex here is linear (bounded repetitions, no nested quantifiers).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

CLASSES = ("none", "marker", "cumulative", "relative", "leg")

_NUM = r"\d{1,3}(?:,\d{3}){1,3}(?:\.\d{1,2})?|\d{1,6}(?:[.,]\d{1,3})?"
_KM_AFTER = (r"(?i:kms?|klms?|kilomet\w{0,6}|kil[oó]metro\w{0,2}|chilometr\w{0,2}|kilomètre\w{0,2}"
             r"|км|километр\w{0,2})|公里|公裡|千米|キロ|킬로|[kK](?=\s|$|[,.;:)!?])|ks")
_MI_AFTER = r"(?i:miles?|meilen|milhas?|millas?|mijl|mijlen)|mi"
_MENTION = re.compile(
    rf"(?<![A-Za-z0-9.,])(?P<n>{_NUM})(?:st|nd|rd|th)?\s?(?:(?P<km>{_KM_AFTER})|(?P<mi>{_MI_AFTER}))"
    r"(?![A-Za-zÀ-ÿа-яё])(?!\s?(?:/|\.?ч|p\.?h\b|h\b|\.?/?\s?(?:hr|hour|std|heure)))"
    rf"|(?<![A-Za-z0-9])(?P<kpost>K|k|km|KM|Km|км|(?i:kilomet\w{{0,4}}[\s-]?(?:post|marker|stone|mark|pole)s?"
    rf"|km[\s-]?(?:post|marker|stone|mark|pole)s?))\s?\.?\s?(?P<kn>\d{{1,5}}(?:[.,]\d{{1,3}})?)(?:\s?\+\s?(?P<m>\d{{1,3}}))?(?!\d)"
    rf"|(?<![A-Za-z0-9])(?P<mpost>(?i:mile[\s-]?(?:post|marker|stone)s?|mile)|MP|MM|mp)\s?(?P<mn>\d{{1,5}}(?:\.\d{{1,2}})?)(?!\d)",
)
_TOKEN = re.compile(r"[^\W\d_]+|\d+|[^\w\s]", re.UNICODE)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_DAY_START = re.compile(r"^\W{0,3}(?:day|dag|tag|d[ií]a|jour|giorno|den|день|etapa|tappa|stage|étape|"
                        r"j\d|第|\d{1,2}[./-]\d{1,2}|\d{1,2}\.\s|\d{1,2}\s?[a-zA-Z]{3,9}\s)", re.IGNORECASE)


@dataclass(frozen=True)
class Mention:
    """One written distance: its 1-based line, character span in that line, value and unit
    (``km`` or ``mi``, as written) and form (``after``: "45 km"; ``post``: "km 45", "K45", "MP 45")."""

    line: int
    start: int
    end: int
    value: float
    unit: str
    form: str


def _value(s: str) -> float | None:
    if "," in s and "." in s:
        s = s.replace(",", "")
    elif "," in s:
        head, _, tail = s.partition(",")
        s = head + tail if len(tail) == 3 and s.count(",") >= 1 and head != "0" else s.replace(",", ".")
        if s.count(",") or s.count(".") > 1:
            s = s.replace(",", "")
    try:
        v = float(s)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def find_mentions(lines: list[str]) -> list[Mention]:
    """Every distance written in ``lines`` (the text's lines, in order), in text order."""
    out: list[Mention] = []
    for i, line in enumerate(lines, start=1):
        if not any(c.isdigit() for c in line):
            continue
        for m in _MENTION.finditer(line[:20_000]):
            if m.group("n") is not None:
                v = _value(m.group("n"))
                unit, form = ("mi" if m.group("mi") else "km"), "after"
            elif m.group("kn") is not None:
                v = _value(m.group("kn"))
                if v is not None and m.group("m"):
                    v += int(m.group("m")) / 1000
                unit, form = "km", "post"
            else:
                v = _value(m.group("mn"))
                unit, form = "mi", "post"
            if v is not None:
                out.append(Mention(i, m.start(), m.end(), v, unit, form))
    return out


def _tokens(s: str) -> list[str]:
    return [t.lower() for t in _TOKEN.findall(s)]


def _bucket(v: float) -> str:
    return "v<1" if v < 1 else "v<10" if v < 10 else "v<100" if v < 100 else "v<1000" if v < 1000 else "v>=1000"


@dataclass(frozen=True)
class RuleView:
    """What the rules made of a line: their events' (value, unit, ref, structure) and whether
    they listed a distance of the line as unplaced."""

    events: tuple[tuple[float, str, str, str], ...] = ()
    unplaced: bool = False


def features(lines: list[str], mentions: list[Mention], k: int, rules: dict[int, RuleView]) -> list[str]:
    """The features (strings) of mention ``k``: its unit and form, the words and signs around it
    in its line, the shape of its line and its neighbours, and what the rules made of it."""
    m = mentions[k]
    line = lines[m.line - 1]
    left, right = line[max(0, m.start - 80):m.start], line[m.end:m.end + 80]
    f = ["b", f"u={m.unit}", f"f={m.form}", f"uf={m.unit}{m.form}", _bucket(m.value),
         "int" if float(m.value).is_integer() else "dec"]
    lt, rt = _tokens(left)[-6:], _tokens(right)[:6]
    for j, t in enumerate(reversed(lt[-3:]), start=1):
        f.append(f"l{j}={t}")
    for j, t in enumerate(rt[:3], start=1):
        f.append(f"r{j}={t}")
    f += [f"L={t}" for t in lt] + [f"R={t}" for t in rt]
    if len(lt) >= 2:
        f.append(f"l21={lt[-2]}_{lt[-1]}")
    if len(rt) >= 2:
        f.append(f"r12={rt[0]}_{rt[1]}")
    if _CJK.search(left[-6:] + right[:6]):
        f += [f"zl={c}" for c in left[-4:] if _CJK.match(c)] + [f"zr={c}" for c in right[:4] if _CJK.match(c)]
        f += [f"zl2={left[-2:]}", f"zr2={right[:2]}"]
    head = line[:m.start].strip()
    f.append("first_in_line" if k == 0 or mentions[k - 1].line != m.line else "not_first")
    if not any(x.line == m.line for x in mentions[k + 1:k + 2]):
        f.append("last_in_line")
    n_line = sum(1 for x in mentions[max(0, k - 8):k + 8] if x.line == m.line)
    f.append(f"nm={min(n_line, 3)}")
    f.append("len<40" if len(line) < 40 else "len<120" if len(line) < 120 else "len<400" if len(line) < 400 else "long")
    if not head:
        f.append("starts_line")
    if _DAY_START.match(line):
        f.append("day_line")
    if "\t" in line or line.count("|") >= 2 or line.count(";") >= 2:
        f.append("columns")
    if m.line > 1 and any(x.line == m.line - 1 for x in mentions[max(0, k - 4):k]):
        f.append("prev_line_has")
    if any(x.line == m.line + 1 for x in mentions[k + 1:k + 5]):
        f.append("next_line_has")
    prev = next((x for x in reversed(mentions[:k]) if x.unit == m.unit), None)
    if prev is not None:
        f.append("gt_prev" if m.value > prev.value else "le_prev")
    view = rules.get(m.line)
    if view is None:
        f.append("rule=-")
    else:
        same = [e for e in view.events if e[1] == m.unit and abs(e[0] - m.value) < 0.01]
        if same:
            f += [f"rule={same[0][2]}", f"rs={same[0][3]}"]
        elif view.events:
            f += ["rule_line_other", f"rs_other={view.events[0][3]}"]
        if view.unplaced:
            f.append("rule_unplaced")
    return f


class MentionModel:
    """A multinomial logistic model over :func:`features`: ``weights[feature]`` is one weight per
    class of :data:`CLASSES`; thresholds are the probabilities :func:`judge` acts on."""

    def __init__(self, weights: dict[str, list[float]], add_at: float, drop_at: float,
                 meta: dict[str, object] | None = None) -> None:
        self.weights = weights
        self.add_at = add_at
        self.drop_at = drop_at
        self.meta = meta or {}

    def probabilities(self, feats: Iterable[str]) -> list[float]:
        """P(class) for each class of :data:`CLASSES`."""
        z = [0.0] * len(CLASSES)
        for name in feats:
            w = self.weights.get(name)
            if w is not None:
                for c in range(len(CLASSES)):
                    z[c] += w[c]
        top = max(z)
        ex = [math.exp(v - top) for v in z]
        s = sum(ex)
        return [v / s for v in ex]

    def to_json(self) -> str:
        return json.dumps({"classes": list(CLASSES), "add_at": self.add_at, "drop_at": self.drop_at,
                           "meta": self.meta,
                           "weights": {k: [round(x, 4) for x in v] for k, v in sorted(self.weights.items())}},
                          ensure_ascii=False, indent=0)

    @classmethod
    def from_json(cls, text: str) -> MentionModel:
        d = json.loads(text)
        if list(d["classes"]) != list(CLASSES):
            raise ValueError(f"model classes {d['classes']} are not {list(CLASSES)}")
        return cls({str(k): [float(x) for x in v] for k, v in d["weights"].items()},
                   float(d["add_at"]), float(d["drop_at"]), dict(d.get("meta") or {}))


@dataclass(frozen=True)
class Verdict:
    """The model's verdict on one mention: the class it scores highest and P(class), and the
    index of the rule event made of the mention (``None`` when the rules did not use it)."""

    mention: Mention
    probabilities: tuple[float, ...]
    rule_event: int | None

    @property
    def best(self) -> str:
        return CLASSES[max(range(len(CLASSES)), key=lambda c: self.probabilities[c])]


def rule_views(events: list[tuple[int, float, str, str, str]], unplaced_lines: Iterable[int]) -> dict[int, RuleView]:
    """Per line, what the rules made of it, from their events' (line, value, unit, ref, structure)."""
    by: dict[int, list[tuple[float, str, str, str]]] = {}
    for line, value, unit, ref, structure in events:
        by.setdefault(line, []).append((value, unit, ref, structure))
    out = {line: RuleView(tuple(ev)) for line, ev in by.items()}
    for line in unplaced_lines:
        out[line] = RuleView(out[line].events if line in out else (), True)
    return out


def read_mentions(lines: list[str], events: list[tuple[int, float, str, str, str]], unplaced_lines: Iterable[int]
                  ) -> list[tuple[Mention, list[str], int | None]]:
    """Every mention of ``lines`` with its features and the index of the rule event made of it
    (same line, unit and value; ``None`` if none), given the rule events ``(line, value, unit, ref,
    structure)`` and the lines whose distances the rules left unplaced."""
    mentions = find_mentions(lines)
    views = rule_views(events, unplaced_lines)
    on_line: dict[int, list[int]] = {}
    for j, e in enumerate(events):
        on_line.setdefault(e[0], []).append(j)
    out: list[tuple[Mention, list[str], int | None]] = []
    for k, m in enumerate(mentions):
        free = on_line.get(m.line, [])
        hit = next((j for j in free if events[j][2] == m.unit and abs(events[j][1] - m.value) < 0.01), None)
        if hit is not None:
            free.remove(hit)
        out.append((m, features(lines, mentions, k, views), hit))
    return out


def verdicts(lines: list[str], events: list[tuple[int, float, str, str, str]], unplaced_lines: Iterable[int],
             model: MentionModel) -> list[Verdict]:
    """The model's verdict on every mention of ``lines`` (see :func:`read_mentions`)."""
    return [Verdict(m, tuple(model.probabilities(f)), hit)
            for m, f, hit in read_mentions(lines, events, unplaced_lines)]


def select(found: list[Verdict], add_at: float, drop_at: float,
           rule_events: Sequence[tuple[int, float, str, str, str]] = ()
           ) -> tuple[set[int], list[tuple[Verdict, float, str]]]:
    """What :func:`roadbook.extract.events.extract` does with the verdicts: the indexes of the rule
    events to drop (their mention scored ``none`` with P >= ``drop_at``) and the events to add as
    ``(verdict, value, ref)``: each mention not used by the rules whose best class is not ``none``
    with P >= ``add_at``. A ``leg`` on a line without rule events becomes a ``cumulative`` event at
    the running sum of the legs, in text order and per unit; the sum goes on from the last
    stage-list event of the rules before it (``rule_events``: ``(line, value, unit, ref,
    structure)``), so a leg the rules missed inside their list lands where the list left off."""
    drop = {v.rule_event for v in found if v.rule_event is not None and v.probabilities[0] >= drop_at}
    ruled_lines = {e[0] for e in rule_events}
    stage = sorted((e[0], e[1], e[2]) for e in rule_events if e[4] == "stage_list")
    add: list[tuple[Verdict, float, str]] = []
    total: dict[str, float] = {}
    at_line: dict[str, int] = {}
    k = 0
    for v in found:
        m = v.mention
        while k < len(stage) and stage[k][0] <= m.line:
            total[stage[k][2]], at_line[stage[k][2]] = stage[k][1], stage[k][0]
            k += 1
        if v.rule_event is not None or v.best == "none" or max(v.probabilities) < add_at:
            continue
        if v.best != "leg":
            add.append((v, m.value, v.best))
        elif m.line not in ruled_lines:
            total[m.unit] = round(total.get(m.unit, 0.0) + m.value, 3)
            at_line[m.unit] = m.line
            add.append((v, total[m.unit], "cumulative"))
    return drop, add
