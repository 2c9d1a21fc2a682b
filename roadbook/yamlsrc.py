"""Safe YAML reading that remembers the line of every value: parse, then check.

Roadbooks are edited by hand and shared on the internet, so the reader builds plain values from
the YAML *event stream* itself (libyaml's C parser through PyYAML's ``CParser`` where installed,
else PyYAML's pure-Python parser), one pass, no recursion, and:

* refuses anchors and aliases (``&a`` / ``*a``): a handful of aliases can expand into gigabytes
  ("billion laughs"), and a roadbook never needs them;
* refuses nesting deeper than :data:`MAX_DEPTH` as soon as it is reached (before building
  anything), merge keys (``<<:``), complex keys and duplicate keys (the second would silently win);
* resolves plain scalars by a small fixed schema (YAML 1.2 core numbers, the YAML 1.1 booleans
  PyYAML knows, null). Everything else stays TEXT: dates (``2021-02-30``), date-times, clock
  times (``9:30``), ``1_000``; kmpost's validator checks them and names the field;
* accepts only the tags of that plain set (``!!str``, ``!!int``, ``!!float``, ``!!bool``,
  ``!!null``, ``!!seq``, ``!!map``), checking the tagged value (``!!int '0x'`` is an error); any
  other tag (``!!timestamp``, ``!!binary``, ``!!python/...``, ``!local``) is refused by name;
* refuses text with control characters or lone surrogates, naming the field;
* returns plain Python values plus a map ``path -> line`` (1-based), e.g.
  ``("events", 3, "kind") -> 42``.

Value problems (tags, bad tagged values, bad text) are collected and reported together in one
:class:`RoadbookError`; a syntax error stops at once.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from geo.errors import RoadbookError
from roadbook.check import MAX_PROBLEMS, fmt_path, show, text_problem
from roadbook.model import FieldPath

try:
    _Loader: type = yaml.CSafeLoader
    PARSER_NAME = "libyaml (PyYAML CParser)"
except AttributeError:  # PyYAML built without libyaml
    _Loader = yaml.SafeLoader
    PARSER_NAME = "PyYAML pure-Python parser"

#: Deepest nesting of mappings and lists accepted (the real format needs 5).
MAX_DEPTH = 20

_TAG = "tag:yaml.org,2002:"
_SAFE_TAGS = {f"{_TAG}{t}" for t in ("str", "int", "float", "bool", "null", "seq", "map")}
_NULL = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"}
_FALSE = {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"}
_INT = re.compile(r"[-+]?[0-9]+\Z")
_INT_BASE = re.compile(r"0(?:x[0-9a-fA-F]+|o[0-7]+)\Z")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?\Z")
_INF_NAN = {".inf": float("inf"), ".Inf": float("inf"), ".INF": float("inf"), "+.inf": float("inf"),
            "+.Inf": float("inf"), "+.INF": float("inf"), "-.inf": float("-inf"),
            "-.Inf": float("-inf"), "-.INF": float("-inf"), ".nan": float("nan"),
            ".NaN": float("nan"), ".NAN": float("nan")}
#: Longest number text turned into a number (longer: an error naming the field).
MAX_NUMBER_CHARS = 400


class _BadValueError(Exception):
    def __init__(self, problem: str, fix: str):
        super().__init__(problem)
        self.problem, self.fix = problem, fix


_TOO_LONG = "write a number of sensible size (a km within ±100000)"


def _int(s: str) -> int:
    if len(s) > MAX_NUMBER_CHARS:
        raise _BadValueError(f"a number of {len(s)} characters is far too large", _TOO_LONG)
    if _INT.match(s):
        return int(s)
    body = s.lstrip("+-")
    if _INT_BASE.match(body):
        v = int(body[2:], 16 if body[1] == "x" else 8)
        return -v if s.startswith("-") else v
    raise _BadValueError(f"{show(s)} is not an integer", "write digits such as 1383, or remove the !!int tag")


def _float(s: str) -> float:
    if s in _INF_NAN:
        return _INF_NAN[s]
    if len(s) > MAX_NUMBER_CHARS:
        raise _BadValueError(f"a number of {len(s)} characters is far too large", _TOO_LONG)
    if _FLOAT.match(s):
        return float(s)
    raise _BadValueError(f"{show(s)} is not a number", "write a number such as 12.5, or remove the !!float tag")


def _plain(s: str) -> Any:
    """The value of a plain (unquoted, untagged) scalar."""
    if not s or (len(s) > 5 and s[0].isalpha() and s[0] not in "nNtTfFyYoO"):
        return s or None  # fast path: ordinary words
    if s in _NULL:
        return None
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    c = s[0]
    if c.isdigit() or c in "+-.":
        if len(s) > MAX_NUMBER_CHARS and (_INT.match(s) or _FLOAT.match(s)):
            raise _BadValueError(f"a number of {len(s)} characters is far too large", _TOO_LONG)
        if _INT.match(s):
            return int(s)
        if s[:2] in ("0x", "0o") and _INT_BASE.match(s):
            return _int(s)
        if _FLOAT.match(s) or s in _INF_NAN:
            return _float(s)
    return s


def _tagged(tag: str, s: str) -> Any:
    """The value of a scalar with an explicit tag of the safe set."""
    if tag == f"{_TAG}str":
        return s
    if tag == f"{_TAG}int":
        return _int(s.strip())
    if tag == f"{_TAG}float":
        return float(_int(s.strip())) if _INT.match(s.strip()) else _float(s.strip())
    if tag == f"{_TAG}bool":
        if s in _TRUE or s in _FALSE:
            return s in _TRUE
        raise _BadValueError(f"{show(s)} is not a boolean", "write true or false, or remove the !!bool tag")
    if s in _NULL:  # !!null
        return None
    raise _BadValueError(f"{show(s)} is not null", "write ~ or null, or remove the !!null tag")


def _line(ev: yaml.Event) -> int:
    return ev.start_mark.line + 1 if ev.start_mark is not None else 0


def _tag_name(tag: str) -> str:
    return "!!" + tag[len(_TAG):] if tag.startswith(_TAG) else tag


def _syntax_error(filename: str, text: str, exc: yaml.YAMLError) -> RoadbookError:
    """One line for a YAML syntax error, with the line where the parser stopped."""
    if isinstance(exc, yaml.reader.ReaderError):
        # libyaml counts bytes of the UTF-8 text, PyYAML's reader characters
        pos = exc.position if isinstance(exc.position, int) else 0
        if _Loader is yaml.SafeLoader:
            row = text.count("\n", 0, pos) + 1
        else:
            row = text.encode("utf-8").count(b"\n", 0, pos) + 1
        char = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or " ")
        return RoadbookError(f"{filename}:{row}: the character U+{char:04X} is not allowed in YAML text; "
                             "remove it (control characters must not appear in a roadbook)")
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        what = " ".join((exc.problem or exc.context or "syntax error").split())
        return RoadbookError(f"{filename}{line}: malformed YAML ({what}); check indentation, colons and quotes there")
    what = " ".join(str(exc).split())[:200]
    return RoadbookError(f"{filename}: malformed YAML ({what}); fix the file's syntax")


class _Frame:
    """A mapping or list being built: its value, path, and (for a mapping) the pending key."""

    __slots__ = ("is_map", "key", "path", "value")

    def __init__(self, value: Any, path: FieldPath):
        self.value = value
        self.path = path
        self.is_map = isinstance(value, dict)
        self.key: str | None = None  # None: the next scalar of a mapping is a key


_MISSING = object()  # a refused value: its key is left out, the problem is recorded
_ALIASES = "YAML anchors/aliases (&, *) are not allowed in a roadbook; write the value out in full"


class _Builder:
    """Builds plain values from YAML events, with a ``path -> line`` map and collected problems."""

    def __init__(self, filename: str):
        self.filename = filename
        self.lines: dict[FieldPath, int] = {}
        self.problems: list[tuple[int, str]] = []
        self.stack: list[_Frame] = []
        self.root: Any = None
        self.started = False

    def fail(self, line: int, what: str) -> RoadbookError:
        return RoadbookError(f"{self.filename}:{line}: {what}")

    def here(self) -> FieldPath:
        """The path of the next value (the pending key of a mapping, the next index of a list)."""
        if not self.stack:
            return ()
        top = self.stack[-1]
        if top.is_map:
            assert top.key is not None  # called only where a value (not a key) comes next
            return (*top.path, top.key)
        return (*top.path, len(top.value))

    def expects_key(self) -> bool:
        return bool(self.stack) and self.stack[-1].is_map and self.stack[-1].key is None

    def place(self, path: FieldPath, value: Any, line: int) -> None:
        """Attach a finished value (or a new container) to its parent."""
        self.lines[path] = line
        if not self.stack:
            self.root = value
            return
        top = self.stack[-1]
        if not top.is_map:
            top.value.append(value)
            return
        if value is not _MISSING:
            top.value[top.key] = value
        top.key = None

    def key(self, ev: yaml.ScalarEvent, line: int) -> None:
        top = self.stack[-1]
        key, plain = ev.value, ev.implicit[0] and ev.tag is None
        if plain and key == "<<":
            raise self.fail(line, "merge keys (<<:) are not allowed in a roadbook; write the keys out in full")
        if ev.tag not in (None, "!", f"{_TAG}str") or (plain and _plain(key) is not key):
            raise self.fail(line, f"key {show(key)} is not text; keys are names like 'km' or 'kind'")
        if key in top.value:
            raise self.fail(line, f"duplicate key '{key}'; keep only one")
        top.key = key

    def scalar(self, ev: yaml.ScalarEvent) -> None:
        line = _line(ev)
        if ev.anchor is not None:
            raise self.fail(line, _ALIASES)
        if self.expects_key():
            self.key(ev, line)
            return
        path, tag = self.here(), ev.tag
        try:
            if ev.implicit[0] and tag is None:
                value = _plain(ev.value)
            elif tag is None or tag == "!":
                value = ev.value  # quoted or block text
            elif tag in _SAFE_TAGS and tag not in (f"{_TAG}seq", f"{_TAG}map"):
                value = _tagged(tag, ev.value)
            else:
                raise _BadValueError(f"YAML tag {_tag_name(str(tag))} is not allowed in a roadbook",
                                     "remove the tag (write dates and other values as plain text in quotes)")
            why = text_problem(value) if isinstance(value, str) else None
            if why:
                raise _BadValueError(why, "remove it (use plain text)")
        except _BadValueError as exc:
            if len(self.problems) <= MAX_PROBLEMS:
                self.problems.append((line, f"{self.filename}:{line}: {fmt_path(path)}: {exc.problem}; {exc.fix}"))
            value = _MISSING
        self.place(path, value, line)

    def start(self, ev: yaml.CollectionStartEvent, is_map: bool) -> None:
        line = _line(ev)
        if ev.anchor is not None:
            raise self.fail(line, _ALIASES)
        if len(self.stack) >= MAX_DEPTH:
            raise self.fail(line, f"nesting deeper than {MAX_DEPTH} levels; a roadbook needs at most 5 (check the "
                            "brackets and indentation)")
        if ev.tag not in (None, "!", f"{_TAG}map" if is_map else f"{_TAG}seq"):
            raise self.fail(line, f"YAML tag {_tag_name(str(ev.tag))} is not allowed in a roadbook; remove it")
        if self.expects_key():
            raise self.fail(line, "a mapping or list used as a key; keys are names like 'km' or 'kind'")
        path = self.here()
        container: Any = {} if is_map else []
        self.place(path, container, line)
        self.stack.append(_Frame(container, path))

    def run(self, loader: Any) -> None:
        while True:
            ev = loader.get_event()
            cls = type(ev)
            if cls is yaml.ScalarEvent:
                self.scalar(ev)
            elif cls is yaml.MappingStartEvent:
                self.start(ev, True)
            elif cls is yaml.SequenceStartEvent:
                self.start(ev, False)
            elif cls is yaml.MappingEndEvent or cls is yaml.SequenceEndEvent:
                self.stack.pop()
            elif cls is yaml.AliasEvent:
                raise self.fail(_line(ev), _ALIASES)
            elif cls is yaml.DocumentStartEvent:
                if self.started:
                    raise self.fail(_line(ev), "a second YAML document ('---'); a roadbook is one "
                                    "document")
                self.started = True
            elif cls is yaml.StreamEndEvent:
                return


_BRACKET = re.compile(r"[\[\]{}]")


def _flow_depth_guard(text: str, filename: str) -> None:
    """Refuse flow brackets nested deeper than :data:`MAX_DEPTH` before PyYAML's pure-Python
    scanner sees them (its look-ahead costs grow with the square of the depth). Brackets inside
    quoted text count too: a false alarm needs 20 unmatched '[' in a row, which no roadbook has."""
    depth = 0
    for m in _BRACKET.finditer(text):
        depth = depth + 1 if m.group() in "[{" else max(depth - 1, 0)
        if depth > MAX_DEPTH:
            line = text.count("\n", 0, m.start()) + 1
            raise RoadbookError(f"{filename}:{line}: nesting deeper than {MAX_DEPTH} levels; a roadbook needs at "
                                "most 5 (check the brackets and indentation)")


def load_yaml(text: str, filename: str) -> tuple[Any, dict[FieldPath, int]]:
    """Parse YAML text into Python values and a ``path -> line`` map (1-based lines).

    Raises ONE :class:`RoadbookError` (with ``problems``) for value problems, or a one-line
    :class:`RoadbookError` with ``file:line`` for malformed YAML, aliases, too deep nesting,
    merge, complex or duplicate keys.
    """
    if "\x00" in text:
        raise RoadbookError(f"{filename}: contains NUL bytes; a roadbook is a UTF-8 text (YAML) file")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        line = text.count("\n", 0, exc.start) + 1
        raise RoadbookError(f"{filename}:{line}: the text holds a lone surrogate (U+{ord(text[exc.start]):04X}); "
                            "save the roadbook as UTF-8 text") from None
    if _Loader is yaml.SafeLoader:
        _flow_depth_guard(text, filename)
    builder = _Builder(filename)
    loader = None
    try:
        loader = _Loader(text)  # the pure-Python reader checks the characters here
        builder.run(loader)
    except yaml.YAMLError as exc:
        raise _syntax_error(filename, text, exc) from None
    finally:
        if loader is not None:
            loader.dispose()
    if builder.problems:
        raise RoadbookError(problems=[m for _, m in sorted(builder.problems)])
    return builder.root, builder.lines
