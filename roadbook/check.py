"""The checking machinery of the roadbook validator: field paths, the problem collector, field
specs and the checkers of single values.

A checker is a function ``(ctx, path, value) -> checked value``; it raises :class:`FieldError` for a
bad value. :func:`mapping` checks every key of one YAML mapping, records each bad field in the
:class:`Checker` and goes on, so that one run reports every independent problem of a roadbook.
Every problem is one line: ``FILE:LINE: field.path: problem; fix``.
"""

from __future__ import annotations

import calendar
import difflib
import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from geo.errors import RoadbookError
from roadbook.model import FieldPath

#: More problems than this are summed up in one last line (fix the first ones, run again).
MAX_PROBLEMS = 200


def fmt_path(path: FieldPath) -> str:
    """``("events", 3, "kind")`` -> ``events[3].kind``.

    >>> fmt_path(("events", 3, "kind"))
    'events[3].kind'
    >>> fmt_path(())
    '(top level)'
    """
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else p)
    return out or "(top level)"


def show(v: Any) -> str:
    """A short, safe rendering of a bad value for a message (never 'nan' or 'inf' from a float).

    >>> show(float("nan")), show([1, 2]), show("x" * 70)[-4:]
    ('a non-finite number', 'a list of 2 items', "...'")
    """
    if isinstance(v, float) and not math.isfinite(v):
        return "a non-finite number"
    if isinstance(v, dict):
        return f"a mapping of {len(v)} keys" if v else "an empty mapping"
    if isinstance(v, list):
        return f"a list of {len(v)} items" if v else "an empty list"
    if isinstance(v, int) and not isinstance(v, bool) and abs(v) > 10**15:
        return f"a number of {len(str(abs(v)))} digits"
    r = repr(v)
    return r if len(r) <= 60 else r[:56] + "...'"


class FieldError(Exception):
    """One bad value: raised by a checker, recorded by :func:`mapping` (internal, never shown)."""

    def __init__(self, path: FieldPath, problem: str, fix: str):
        super().__init__(problem)
        self.path, self.problem, self.fix = path, problem, fix


class ReportedError(Exception):
    """A compound value whose problems are already recorded: the field is bad, nothing to add."""


class Checker:
    """Collects the problems of one roadbook; ``lines`` maps field paths to 1-based lines."""

    def __init__(self, filename: str, lines: Mapping[FieldPath, int]):
        self.filename = filename
        self.lines = lines
        self.problems: list[tuple[int, int, str]] = []  # (line or 0, order, message)

    def line(self, path: FieldPath) -> int | None:
        """Line of ``path``, or of its nearest parent that has one."""
        p = path
        while True:
            if p in self.lines:
                return self.lines[p]
            if not p:
                return None
            p = p[:-1]

    def add(self, path: FieldPath, problem: str, fix: str) -> None:
        """Record one problem: ``FILE:LINE: field.path: problem; fix``."""
        line = self.line(path)
        loc = f"{self.filename}:{line}" if line else self.filename
        self.problems.append((line or 0, len(self.problems), f"{loc}: {fmt_path(path)}: {problem}; {fix}"))

    def record(self, exc: FieldError) -> None:
        self.add(exc.path, exc.problem, exc.fix)

    def raise_if_any(self) -> None:
        """Raise ONE :class:`RoadbookError` with every recorded problem, in file order."""
        if not self.problems:
            return
        msgs = [m for _, _, m in sorted(self.problems)]
        if len(msgs) > MAX_PROBLEMS:
            rest = len(msgs) - MAX_PROBLEMS
            msgs = [*msgs[:MAX_PROBLEMS],
                    f"{self.filename}: {rest} more problems not shown; fix the ones above and run again"]
        raise RoadbookError(problems=msgs)


Check = Callable[[Checker, FieldPath, Any], Any]


@dataclass(frozen=True)
class F:
    """A field spec: the checker of its value, whether the key is required, and its default."""

    check: Check
    required: bool = False
    default: Any = None


def fields(ctx: Checker, path: FieldPath, obj: Any, spec: Mapping[str, F]) -> tuple[dict[str, Any] | None, bool]:
    """Check one YAML mapping against ``spec``, recording every problem in ``ctx``.

    Returns the checked values of the good fields (defaults filled in; a bad field is left out)
    and whether every field was good. The values are None when ``obj`` is not a mapping. Callers
    check cross-references on the good fields, and cross-field rules only when all are good (they
    would only repeat the same mistake).
    """
    if not isinstance(obj, dict):
        ctx.add(path, f"expected a mapping (key: value lines), got {show(obj)}",
                f"write it as keys: {', '.join(spec)}")
        return None, False
    ok = True
    for key in obj:
        if key not in spec:
            close = difflib.get_close_matches(key, list(spec), n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"allowed keys: {', '.join(spec)}"
            ctx.add((*path, key), f"unknown key '{key}'", hint)
            ok = False
    out: dict[str, Any] = {}
    for key, f in spec.items():
        if key in obj and obj[key] is not None:
            try:
                out[key] = f.check(ctx, (*path, key), obj[key])
            except FieldError as exc:
                ctx.record(exc)
                ok = False
            except ReportedError:
                ok = False
        elif f.required:
            ctx.add(path, f"missing required key '{key}'", f"add '{key}:'")
            ok = False
        else:
            out[key] = f.default
    return out, ok


def mapping(ctx: Checker, path: FieldPath, obj: Any, spec: Mapping[str, F]) -> dict[str, Any] | None:
    """Like :func:`fields`, but the values only when every field was good (else None)."""
    d, ok = fields(ctx, path, obj, spec)
    return d if ok else None


def items(ctx: Checker, path: FieldPath, v: Any) -> list[Any]:
    """The entries of a section that is a YAML list (a problem and no entries otherwise)."""
    if v is None:
        return []
    if not isinstance(v, list):
        ctx.add(path, f"expected a list, got {show(v)}", "write one '- ' entry per item")
        return []
    return v


# ---------------------------------------------------------------------------------------------
# checkers of single values
# ---------------------------------------------------------------------------------------------
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
#: Dates before or after these years are refused as mistakes (route notes are modern texts).
YEAR_RANGE = (1800, 2100)
#: Any number of a roadbook: larger magnitudes are refused before a float conversion.
MAX_ABS_NUMBER = 1e12
#: Longest text value (characters): a 1 MB "name" is a mistake and would stall the writers.
MAX_TEXT = 20_000


def _bad_char(s: str) -> str | None:
    """The first character not allowed in roadbook text (controls, lone surrogates), as U+XXXX."""
    for ch in s:
        o = ord(ch)
        if ch in "\n\t":
            continue
        if o < 0x20 or 0x7F <= o < 0xA0 or 0xD800 <= o <= 0xDFFF or o in (0xFFFE, 0xFFFF):
            return f"U+{o:04X}"
        if o in (0x2028, 0x2029) or unicodedata.category(ch) == "Cs":
            return f"U+{o:04X}"
    return None


def text_problem(s: str) -> str | None:
    """Why ``s`` is not acceptable roadbook text (control character, lone surrogate, too long)."""
    if len(s) > MAX_TEXT:
        return f"text of {len(s)} characters is too long (limit {MAX_TEXT})"
    if s.isprintable():
        return None
    bad = _bad_char(s)
    if bad is None:
        return None
    what = "a lone surrogate" if 0xD800 <= int(bad[2:], 16) <= 0xDFFF else "the control character"
    return f"text contains {what} {bad}"


def text(ctx: Checker, path: FieldPath, v: Any) -> str:
    """Plain text (a number is taken as its text); stripped, not empty, no control characters."""
    if isinstance(v, bool) or not isinstance(v, str | int | float):
        raise FieldError(path, f"expected text, got {show(v)}", "write a plain text value (in quotes if in doubt)")
    if isinstance(v, float) and not math.isfinite(v):
        raise FieldError(path, f"expected text, got {show(v)}", "write a plain text value in quotes")
    s = v.strip() if isinstance(v, str) else str(v)
    if not s:
        raise FieldError(path, "empty text", "write a value or remove the key")
    why = text_problem(s)
    if why:
        raise FieldError(path, why, "remove it (use plain text)")
    return s


def ident(ctx: Checker, path: FieldPath, v: Any) -> str:
    s = text(ctx, path, v)
    if not _ID.match(s):
        raise FieldError(path, f"bad id {show(s)}", "use lower-case letters, digits, '-' and '_' (e.g. 'huatugou')")
    return s


def number(ctx: Checker, path: FieldPath, v: Any) -> float:
    """A finite number of magnitude at most :data:`MAX_ABS_NUMBER`."""
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise FieldError(path, f"expected a number, got {show(v)}", "write a number such as 1383 or 12.5")
    if isinstance(v, float) and not math.isfinite(v):
        raise FieldError(path, f"expected a finite number, got {show(v)}", "write a finite number such as 12.5")
    if abs(v) > MAX_ABS_NUMBER:
        raise FieldError(path, f"{show(v)} is far too large", f"numbers must be within ±{MAX_ABS_NUMBER:g}")
    return float(v)


def ranged(lo: float, hi: float, unit: str) -> Check:
    """A number within ``lo .. hi`` (inclusive); ``unit`` names it in the message."""
    def check(ctx: Checker, path: FieldPath, v: Any) -> float:
        try:
            x = number(ctx, path, v)
        except FieldError as exc:
            raise FieldError(path, exc.problem, f"{unit} must be within {lo:g} .. {hi:g}") from None
        if not lo <= x <= hi:
            raise FieldError(path, f"{x:g} is out of range", f"{unit} must be within {lo:g} .. {hi:g}")
        return x
    return check


lat = ranged(-90, 90, "latitude (degrees)")
lon = ranged(-180, 180, "longitude (degrees)")
km = ranged(-1e5, 1e5, "a km value")
pos_km = ranged(0.001, 1e5, "a length in km")
elevation = ranged(-500, 9000, "elevation (m)")
amount = ranged(0, 1e9, "an amount")


def boolean(ctx: Checker, path: FieldPath, v: Any) -> bool:
    if not isinstance(v, bool):
        raise FieldError(path, f"expected true or false, got {show(v)}", "write true or false")
    return v


#: Words people write for a kind, mapped to the kind kmpost has for it (used for "did you mean").
SYNONYMS: dict[str, str] = {
    "shop": "food", "store": "food", "supermarket": "food", "market": "food", "restaurant": "food",
    "cafe": "food", "teahouse": "food", "tea_house": "food", "canteen": "food", "supplies": "food",
    "campsite": "camping", "camp": "camping", "campground": "camping", "wild_camping": "camping_zone",
    "stealth_camping": "camping_zone", "hotel": "accommodation", "hostel": "accommodation",
    "guesthouse": "accommodation", "guest_house": "accommodation", "motel": "accommodation",
    "lodging": "accommodation", "homestay": "accommodation", "police": "checkpoint",
    "control": "checkpoint", "spring": "water", "well": "water", "tap": "water", "river": "water",
    "gas_station": "fuel", "petrol": "fuel", "petrol_station": "fuel", "filling_station": "fuel",
    "junction": "turn_off", "intersection": "turn_off", "fork": "turn_off", "turn": "turn_off",
    "summit": "pass", "col": "pass", "mountain_pass": "pass", "village": "town", "city": "town",
    "bus": "transport", "bus_stop": "transport", "station": "transport", "train": "transport",
    "danger": "hazard", "warning": "hazard", "wc": "toilet", "restroom": "toilet", "bank": "money",
    "atm": "money", "exchange": "money", "immigration": "border_post", "passport_control": "border_post",
    "descent": "downhill", "ascent": "climb", "uphill": "climb", "roadworks": "resurfacing",
    "road_works": "resurfacing", "construction": "resurfacing", "expressway": "highway",
    "motorway": "highway", "freeway": "highway", "note": "info", "other": "info",
}


def suggest(word: str, choices: list[str]) -> str | None:
    """The choice a mistyped or synonymous ``word`` most likely means, or None."""
    key = word.strip().lower().replace(" ", "_").replace("-", "_")
    if key in choices:
        return key
    syn = SYNONYMS.get(key) or SYNONYMS.get(key.rstrip("s"))
    if syn in choices:
        return syn
    close = difflib.get_close_matches(key, choices, n=1, cutoff=0.7)
    return close[0] if close else None


def choice(choices: Mapping[str, str] | tuple[str, ...], what: str) -> Check:
    """One of ``choices``; a wrong word gets a "did you mean" from :func:`suggest`."""
    names = list(choices)

    def check(ctx: Checker, path: FieldPath, v: Any) -> str:
        s = text(ctx, path, v)
        if s not in choices:
            close = suggest(s, names)
            hint = f"did you mean '{close}'? " if close else ""
            raise FieldError(path, f"unknown {what} {show(s)}", f"{hint}use one of: {', '.join(names)}")
        return s
    return check


def date(ctx: Checker, path: FieldPath, v: Any) -> str:
    """A calendar date as text: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` (a real day)."""
    s = text(ctx, path, v) if not isinstance(v, int) or isinstance(v, bool) else str(v)
    fix = f"write YYYY, YYYY-MM or YYYY-MM-DD (a real date, years {YEAR_RANGE[0]}..{YEAR_RANGE[1]})"
    m = _DATE.match(s)
    if not m:
        raise FieldError(path, f"bad date {show(s)}", fix)
    year = int(m.group(1))
    month = int(m.group(2)) if m.group(2) else None
    day = int(m.group(3)) if m.group(3) else None
    if not YEAR_RANGE[0] <= year <= YEAR_RANGE[1]:
        raise FieldError(path, f"bad date {show(s)}: year {year}", fix)
    if month is not None and not 1 <= month <= 12:
        raise FieldError(path, f"bad date {show(s)}: there is no month {month}", fix)
    if month is not None and day is not None and not 1 <= day <= calendar.monthrange(year, month)[1]:
        raise FieldError(path, f"bad date {show(s)}: {calendar.month_name[month]} {year} has no day {day}", fix)
    return s


def clock(ctx: Checker, path: FieldPath, v: Any) -> str:
    """A clock time ``H:MM`` or ``HH:MM`` from 00:00 to 24:00, returned as ``HH:MM``."""
    fix = 'write the time as HH:MM, e.g. "09:30" (00:00 .. 24:00)'
    if isinstance(v, bool) or not isinstance(v, str):
        raise FieldError(path, f"expected a clock time, got {show(v)}", fix)
    s = text(ctx, path, v)
    m = _TIME.match(s)
    if not m:
        raise FieldError(path, f"bad clock time {show(s)}", fix)
    h, mi = int(m.group(1)), int(m.group(2))
    if h > 24 or mi > 59 or (h == 24 and mi):
        raise FieldError(path, f"bad clock time {show(s)}", fix)
    return f"{h:02d}:{mi:02d}"


def list_of(item: Check) -> Check:
    """A list of values each checked by ``item`` (a single value counts as a list of one)."""
    def check(ctx: Checker, path: FieldPath, v: Any) -> tuple[Any, ...]:
        if isinstance(v, str | int | float) and not isinstance(v, bool):
            v = [v]
        if not isinstance(v, list):
            raise FieldError(path, f"expected a list, got {show(v)}", "write a YAML list ([a, b] or '- a' lines)")
        out, first_bad = [], None
        for i, x in enumerate(v):
            try:
                out.append(item(ctx, (*path, i), x))
            except FieldError as exc:
                if first_bad is None:
                    first_bad = exc
                else:
                    ctx.record(exc)
        if first_bad is not None:
            raise first_bad
        return tuple(out)
    return check


def pair_km(ctx: Checker, path: FieldPath, v: Any) -> tuple[float, float]:
    if not isinstance(v, list) or len(v) != 2:
        raise FieldError(path, f"expected two km values, got {show(v)}", "write [from_km, to_km]")
    a, b = km(ctx, (*path, 0), v[0]), km(ctx, (*path, 1), v[1])
    if a == b:
        raise FieldError(path, f"the two km are equal ({a:g})", "give two different km, or use km:")
    return (min(a, b), max(a, b))


def anything(ctx: Checker, path: FieldPath, v: Any) -> Any:
    """No check here (a section checked by its own validator)."""
    return v
