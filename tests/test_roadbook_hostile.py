"""Hostile and odd roadbook YAML (issue 15.1): parse, then check.

Every case ends in ONE RoadbookError naming the file, line and field (or a correct result), fast,
with both YAML parsers: libyaml's (PyYAML CParser) and PyYAML's pure-Python fallback.
"""

from __future__ import annotations

import re
import time

import pytest
import yaml

import roadbook.yamlsrc as yamlsrc
from geo.errors import KmpostError, RoadbookError
from roadbook import embedded_routes, parse_roadbook
from tests.conftest import MINI

PARSERS = ["c", "python"] if getattr(yaml, "CSafeLoader", None) else ["python"]


@pytest.fixture(params=PARSERS)
def parser(request, monkeypatch):
    monkeypatch.setattr(yamlsrc, "_Loader", yaml.CSafeLoader if request.param == "c" else yaml.SafeLoader)
    return request.param


def route_line(extra: str) -> str:
    """MINI with one more line under ``route:`` (line 5)."""
    return MINI.replace("  name: Mini route\n", f"  name: Mini route\n  {extra}\n", 1)


def problems(text: str) -> tuple[str, ...]:
    t0 = time.perf_counter()
    with pytest.raises(RoadbookError) as exc:
        parse_roadbook(text, "rb.yaml")
    assert time.perf_counter() - t0 < 2.0
    for p in exc.value.problems:
        assert "\n" not in p and p.startswith("rb.yaml")
        assert not re.search(r"\bnan\b|\binf\b", p, re.I), p
    return exc.value.problems


CASES = [
    # tags: the safe set with values that do not fit, and tags outside it, refused by name
    (MINI.replace("km: 120", "km: !!float 'abc'"), r"^rb\.yaml:33: events\[0\]\.km: 'abc' is not a number"),
    (MINI.replace("km: 120", "km: !!int 'abc'"), r"^rb\.yaml:33: events\[0\]\.km: 'abc' is not an integer"),
    (MINI.replace("km: 120", "km: !!int '0x'"), r"^rb\.yaml:33: events\[0\]\.km: '0x' is not an integer"),
    (MINI.replace("on_route: true", "on_route: !!bool 'maybe'", 1),
     r"^rb\.yaml:15: places\[0\]\.on_route: 'maybe' is not a boolean"),
    (route_line("info_date: !!timestamp 'yesterday'"),
     r"^rb\.yaml:5: route\.info_date: YAML tag !!timestamp is not allowed"),
    (route_line("description: !!python/object/apply:os.system ['ls']"),
     r"^rb\.yaml:5: YAML tag !!python/object/apply:os\.system is not allowed"),
    (route_line("description: !!binary aGVsbG8="), r"route\.description: YAML tag !!binary is not allowed"),
    (route_line("description: !mine x"), r"route\.description: YAML tag !mine is not allowed"),
    (route_line("<<: {x: 1}"), r"^rb\.yaml:5: merge keys \(<<:\) are not allowed"),
    (route_line("<<:\n    x: 1\n    y: 2\n    z: 3"), r"^rb\.yaml:5: merge keys \(<<:\) are not allowed"),
    # dates stay text and are checked by kmpost
    (route_line("info_date: 2021-02-30"), r"^rb\.yaml:5: route\.info_date: bad date '2021-02-30': February"),
    (route_line("info_date: 2021-13-45"), r"route\.info_date: bad date '2021-13-45': there is no month 13"),
    (route_line("info_date: 0000-01-01"), r"route\.info_date: bad date '0000-01-01': year 0"),
    (route_line("info_date: 2021-06-01T25:61:61"), r"route\.info_date: bad date '2021-06-01T25:61:61'"),
    (route_line("info_date: 2021-06-01 10:00:00 +99:00"), r"route\.info_date: bad date '2021-06-01 10:00:00"),
    (route_line("info_date: '9999-99-99'"), r"route\.info_date: bad date '9999-99-99'"),
    (MINI.replace("    licence: written for the tests\n", "    licence: written for the tests\n    date: 2021-02-30\n"),
     r"^rb\.yaml:9: sources\[0\]\.date: bad date '2021-02-30'"),
    # numbers bounded
    (MINI.replace("km: 120", "km: 1" + "0" * 400), r"^rb\.yaml:33: events\[0\]\.km: a number of 401 characters"),
    (MINI.replace("km: 120", "km: 1" + "0" * 300), r"^rb\.yaml:33: events\[0\]\.km: a number of 301 digits is far"),
    (MINI.replace("km: 120", "km: 1e400"), r"events\[0\]\.km: expected a finite number, got a non-finite number"),
    (MINI.replace("km: 120", "km: .nan"), r"events\[0\]\.km: expected a finite number"),
    (MINI.replace("km: 120", "km: -.inf"), r"events\[0\]\.km: expected a finite number"),
    (MINI.replace("km: 120", "km: 100001"), r"events\[0\]\.km: 100001 is out of range; a km value must be within"),
    (MINI.replace("km: 120", "km: -100001"), r"events\[0\]\.km: -100001 is out of range"),
    (MINI.replace("    on_route: true\n", "    on_route: true\n    ele: 9001\n    ele_source: x\n", 1),
     r"places\[0\]\.ele: 9001 is out of range; elevation \(m\) must be within -500 \.\. 9000"),
    (MINI.replace("    on_route: true\n", "    on_route: true\n    ele: -501\n    ele_source: x\n", 1),
     r"places\[0\]\.ele: -501 is out of range"),
    (MINI.replace("lat: 38.0", "lat: .nan"), r"places\[0\]\.lat: expected a finite number"),
    # nesting bounded before anything is built
    (MINI + "x: " + "[" * 1000 + "]" * 1000 + "\n", r"^rb\.yaml:36: .*nesting"),
    (MINI + "x: " + "[" * 10000 + "]" * 10000 + "\n", r"^rb\.yaml:36: .*nesting"),
    (MINI + "x: " + "{a: " * 5000 + "1" + "}" * 5000 + "\n", r"^rb\.yaml:36: .*nesting"),
    (MINI + "x:\n  " + "- " * 1000 + "a\n", r"^rb\.yaml:37: nesting deeper than 20 levels"),
    # text: control characters and lone surrogates named with their field
    (route_line('description: "G315 \\x1b[31m red"'), r"^rb\.yaml:5: route\.description: text contains the "
                                                       r"control character U\+001B"),
    (route_line('description: "bell \\a"'), r"route\.description: text contains the control character U\+0007"),
    (route_line('description: "G315 \\x85 next line"'), r"route\.description: text contains the control character"),
    # transport times
    (MINI + "transport:\n  - {id: b1, mode: bus, from: a, to: b, depart: 99999, note: x, source: s}\n",
     r"^rb\.yaml:37: transport\[0\]\.depart: expected a clock time, got 99999; write the time as HH:MM"),
    (MINI + "transport:\n  - {id: b1, mode: bus, from: a, to: b, depart: -5, note: x, source: s}\n",
     r"transport\[0\]\.depart: expected a clock time, got -5"),
    (MINI + "transport:\n  - {id: b1, mode: bus, from: a, to: b, arrive: '25:10', note: x, source: s}\n",
     r"transport\[0\]\.arrive: bad clock time '25:10'"),
    (MINI + "transport:\n  - {id: b1, mode: bus, from: a, to: b, arrive: '12:60', note: x, source: s}\n",
     r"transport\[0\]\.arrive: bad clock time '12:60'"),
    # structure
    (MINI + "x: &a [1, 1]\ny: [*a, *a]\n", r"^rb\.yaml:36: YAML anchors/aliases"),
    (MINI + "---\nkmpost_roadbook: 1\n", r"^rb\.yaml:36: a second YAML document"),
    (MINI + "1: x\n", r"^rb\.yaml:36: key '1' is not text"),
    (MINI + "[a, b]: x\n", r"^rb\.yaml:36: .*(key|mapping)"),
    ("", r"^rb\.yaml: \(top level\): the roadbook is empty"),
    ("- a\n- b\n", r"^rb\.yaml:1: \(top level\): expected a mapping .*got a list of 2 items"),
]


@pytest.mark.parametrize(("text", "pattern"), CASES, ids=range(len(CASES)))
def test_hostile_yaml_is_one_clean_error(parser, text, pattern):
    probs = problems(text)
    assert re.search(pattern, probs[0]), probs


@pytest.mark.parametrize("parser_name", PARSERS)
def test_lone_surrogate_escape_is_refused(monkeypatch, parser_name):
    monkeypatch.setattr(yamlsrc, "_Loader", yaml.CSafeLoader if parser_name == "c" else yaml.SafeLoader)
    probs = problems(MINI.replace("  name: Mini route", '  name: "G315 \\uD800"'))
    # libyaml refuses the escape itself; the pure-Python parser lets it through to kmpost's text check
    assert re.search(r"^rb\.yaml:4: (route\.name: text contains a lone surrogate U\+D800|malformed YAML "
                     r"\(found invalid Unicode character escape code\))", probs[0]), probs


def test_lone_surrogate_in_python_text_is_refused():
    probs = problems(MINI.replace("Mini route", "G315 \ud800"))
    assert re.search(r"^rb\.yaml:4: the text holds a lone surrogate \(U\+D800\)", probs[0]), probs


def test_values_kept_as_text(parser):
    text = route_line("info_date: 2021-06-01") + "transport:\n" + (
        "  - {id: b1, mode: bus, from: a, to: b, depart: 9:30, arrive: '24:00', note: x, source: s,\n"
        "     phones: [0979 8412001], valid: 2021}\n")
    rb = parse_roadbook(text, "rb.yaml")
    assert rb.route.info_date == "2021-06-01"
    t = rb.transport[0]
    assert (t.depart, t.arrive, t.phones, t.valid) == ("09:30", "24:00", ("0979 8412001",), "2021")


def test_numbers_and_tags_that_fit(parser):
    rb = parse_roadbook(MINI.replace("km: 120", "km: !!float '120'").replace("km: 160", "km: 0xA0"), "rb.yaml")
    assert rb.events[0].km == 120.0 and rb.anchors[1].km == 160.0
    with pytest.raises(RoadbookError, match=r"events\[0\]\.km: expected a number, got '120'"):
        parse_roadbook(MINI.replace("km: 120", "km: !!str 120"), "rb.yaml")
    rb = parse_roadbook(MINI.replace("name: Alpha", "name: !!str 12"), "rb.yaml")
    assert rb.places["a"].name == "12"


def test_parsers_agree_on_values_and_lines(monkeypatch):
    if "c" not in PARSERS:
        pytest.skip("PyYAML without libyaml")
    many = MINI + "".join(f"  - {{kind: water, km: {100 + i / 7:.3f}, side: left, note: 'w {i}', source: s}}\n"
                          f"  - kind: food\n    at: {{place: a, offset_km: -{i}.5}}\n    note: |\n      f\n      {i}\n"
                          "    source: s\n" for i in range(300))
    texts = [p.read_text(encoding="utf-8") for p in embedded_routes().values()] + [many]
    for text in texts:
        monkeypatch.setattr(yamlsrc, "_Loader", yaml.CSafeLoader)
        c_out = yamlsrc.load_yaml(text, "x.yaml")
        monkeypatch.setattr(yamlsrc, "_Loader", yaml.SafeLoader)
        py_out = yamlsrc.load_yaml(text, "x.yaml")
        assert c_out == py_out
        # and the values are what PyYAML's own safe loader makes of the file (no dates in it)
        assert c_out[0] == yaml.load(text, Loader=yaml.SafeLoader)


def test_line_numbers_point_at_the_value(parser):
    data, lines = yamlsrc.load_yaml(MINI, "rb.yaml")
    assert lines[("events", 0)] == 32 and lines[("events", 0, "km")] == 33 and lines[("places", 1, "lat")] == 18
    assert data["events"][0]["km"] == 120


def test_internal_errors_never_escape(parser):
    """A sample of odd inputs: always a Roadbook or a KmpostError."""
    odd = ["a: [", "a: {b: c", "? [a]\n: b\n", "a: 'x\n", "\t- a", "%YAML 1.1\n---\na: 1\n", "a: !!seq x\n",
           "a: !!map [1]\n", "!!map\nkmpost_roadbook: 1\n", "a:\n- b\n c: d\n", "a: |\n  x\n b: c\n", "@a: 1\n"]
    for text in odd:
        try:
            parse_roadbook(text, "rb.yaml")
        except KmpostError as exc:
            assert all("\n" not in p for p in exc.problems)
