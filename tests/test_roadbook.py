"""roadbook/: parsing, validation and the one-line errors (file, line, field, value, fix)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from geo.errors import RoadbookError
from roadbook import embedded_routes, load_roadbook, parse_roadbook
from tests.conftest import ROOT


def test_mini_roadbook_loads(mini_text):
    rb = parse_roadbook(mini_text, "mini.yaml")
    assert rb.route.id == "mini"
    assert rb.events[0].km == 120 and rb.events[0].confidence == "high"
    assert rb.events[0].line == 32


@pytest.mark.parametrize(
    ("old", "new", "pattern"),
    [
        ("kind: checkpoint", "kind: chekpoint",
         r"^rb\.yaml:32: events\[0\]\.kind: unknown event kind 'chekpoint'; did you mean 'checkpoint'\?"),
        ("    km: 120\n", "    km: 120\n    colour: red\n",
         r"^rb\.yaml:34: events\[0\]\.colour: unknown key 'colour'"),
        ("lat: 38.3", "lat: 98.3", r"^rb\.yaml:18: places\[1\]\.lat: 98\.3 is out of range; latitude"),
        ("km: 120", "km: twelve", r"events\[0\]\.km: expected a number, got 'twelve'"),
        ("    source: s\n", "    source: nope\n", r"events\[0\]\.source: unknown source 'nope'; use one of: s"),
        ("  - km: 160\n    place: b", "  - km: 160\n    place: c", r"anchors\[1\]\.place: unknown place 'c'"),
        ("kmpost_roadbook: 1", "kmpost_roadbook: 2", r"unsupported format version 2"),
        ("route:\n  id: mini", "route:\n  id: Mini Route", r"route\.id: bad id 'Mini Route'"),
    ],
)
def test_validation_errors_are_one_line_with_location(mini_text, old, new, pattern):
    assert old in mini_text
    with pytest.raises(RoadbookError, match=pattern) as exc:
        parse_roadbook(mini_text.replace(old, new, 1), "rb.yaml")
    assert "\n" not in str(exc.value)


def test_missing_required_key(mini_text):
    with pytest.raises(RoadbookError, match=r"rb\.yaml:32: events\[0\]: missing required key 'note'"):
        parse_roadbook(mini_text.replace('    note: "At km 120 checkpoint."\n', ""), "rb.yaml")


def test_malformed_yaml_names_line(mini_text):
    bad = mini_text.replace("  name: Mini route", "  name: [Mini route")
    with pytest.raises(RoadbookError, match=r"^rb\.yaml:\d+: malformed YAML"):
        parse_roadbook(bad, "rb.yaml")


def test_aliases_and_duplicate_keys_refused(mini_text):
    laughs = mini_text + "x: &a [1, 1]\ny: [*a, *a]\n"
    with pytest.raises(RoadbookError, match="anchors/aliases"):
        parse_roadbook(laughs, "rb.yaml")
    with pytest.raises(RoadbookError, match=r"rb\.yaml:5: duplicate key 'name'"):
        parse_roadbook(mini_text.replace("  name: Mini route", "  name: Mini route\n  name: again"), "rb.yaml")


def test_event_needs_km_or_at(mini_text):
    bad = mini_text.replace("    km: 120\n", "    km: 120\n    at: {place: a}\n")
    with pytest.raises(RoadbookError, match="exactly one of 'km' or 'at'"):
        parse_roadbook(bad, "rb.yaml")


def test_clock_times_survive_yaml_sexagesimal(mini_text):
    text = mini_text + """transport:
  - id: bus1
    mode: bus
    from: a
    to: b
    depart: 9:30
    arrive: "16:30"
    note: "bus: 9:30 arrival: 16:30"
    source: s
"""
    rb = parse_roadbook(text, "rb.yaml")
    assert (rb.transport[0].depart, rb.transport[0].arrive) == ("09:30", "16:30")


def test_non_utf8_and_missing_file(tmp_path):
    p = tmp_path / "latin.yaml"
    p.write_bytes("name: Ürümqi".encode("latin-1"))
    with pytest.raises(RoadbookError, match="not UTF-8"):
        load_roadbook(p)
    with pytest.raises(RoadbookError, match="cannot read"):
        load_roadbook(tmp_path / "missing.yaml")


def test_embedded_routes_validate():
    routes = embedded_routes()
    assert "g315" in routes
    for path in routes.values():
        rb = load_roadbook(path)
        assert rb.sources and rb.anchors


# --- every independent problem in one run (issue 9.6) -----------------------------------------
def test_several_independent_errors_are_reported_together(mini_text):
    bad = (mini_text.replace("kind: checkpoint", "kind: shop")
           .replace("lat: 38.3", "lat: 98.3")
           .replace("  - km: 160\n    place: b", "  - km: 160\n    place: c")
           + "  - kind: campsite\n    km: 130\n    note: x\n    source: nope\n"
           + "  - kind: water\n    at: {place: zz}\n    note: x\n    source: s\n")
    with pytest.raises(RoadbookError) as exc:
        parse_roadbook(bad, "rb.yaml")
    probs = exc.value.problems
    expected = [
        r"^rb\.yaml:18: places\[1\]\.lat: 98\.3 is out of range",
        r"^rb\.yaml:\d+: anchors\[1\]\.place: unknown place 'c'",
        r"^rb\.yaml:32: events\[0\]\.kind: unknown event kind 'shop'; did you mean 'food'\?",
        r"^rb\.yaml:36: events\[1\]\.kind: unknown event kind 'campsite'; did you mean 'camping'\?",
        r"^rb\.yaml:\d+: events\[1\]\.source: unknown source 'nope'; use one of: s$",
        r"^rb\.yaml:\d+: events\[2\]\.at\.place: unknown place 'zz'",
    ]
    assert len(probs) == len(expected), probs
    for pattern, line in zip(expected, probs, strict=True):
        assert re.search(pattern, line), (pattern, line)
        assert "\n" not in line
    lines = [int(p.split(":")[1]) for p in probs]
    assert lines == sorted(lines)  # in file order


def test_a_bad_place_is_not_also_unknown_where_it_is_used(mini_text):
    # place 'b' has a bad latitude: one problem, not also "unknown place 'b'" at the anchor
    with pytest.raises(RoadbookError) as exc:
        parse_roadbook(mini_text.replace("lat: 38.3", "lat: 98.3"), "rb.yaml")
    assert len(exc.value.problems) == 1


@pytest.mark.parametrize(("word", "kind"), [
    ("shop", "food"), ("campsite", "camping"), ("hotel", "accommodation"), ("teahouse", "food"),
    ("hostel", "accommodation"), ("police", "checkpoint"), ("spring", "water"), ("chekpoint", "checkpoint"),
    ("Shop", "food"), ("gas station", "fuel"),
])
def test_kind_suggestions_come_from_the_real_list(mini_text, word, kind):
    from roadbook.schema import EVENT_KINDS

    assert kind in EVENT_KINDS
    with pytest.raises(RoadbookError, match=rf"unknown event kind '{word}'; did you mean '{kind}'\? use one of: "):
        parse_roadbook(mini_text.replace("kind: checkpoint", f"kind: {word}"), "rb.yaml")


def test_stretch_kind_suggestion(mini_text):
    text = mini_text + "stretches:\n  - {kind: roadworks, from_km: 120, to_km: 130, note: x, source: s}\n"
    with pytest.raises(RoadbookError, match=r"stretches\[0\]\.kind: unknown stretch kind 'roadworks'; "
                                            r"did you mean 'resurfacing'\?"):
        parse_roadbook(text, "rb.yaml")


def test_no_suggestion_for_an_unrelated_word(mini_text):
    with pytest.raises(RoadbookError) as exc:
        parse_roadbook(mini_text.replace("kind: checkpoint", "kind: xylophone"), "rb.yaml")
    assert "did you mean" not in str(exc.value) and "use one of: checkpoint" in str(exc.value)


def test_problem_list_is_capped(mini_text):
    from roadbook.check import MAX_PROBLEMS

    text = mini_text + "".join(f"  - {{kind: nope, km: {i}, note: x, source: s}}\n" for i in range(MAX_PROBLEMS + 50))
    with pytest.raises(RoadbookError) as exc:
        parse_roadbook(text, "rb.yaml")
    assert len(exc.value.problems) == MAX_PROBLEMS + 1
    assert exc.value.problems[-1] == "rb.yaml: 50 more problems not shown; fix the ones above and run again"


def test_cli_prints_every_problem_and_writes_nothing(tmp_path, mini_text):
    rb = tmp_path / "bad.yaml"
    rb.write_text(mini_text.replace("kind: checkpoint", "kind: hotel").replace("lat: 38.3", "lat: 98.3")
                  .replace("    source: s\n", "    source: nope\n"), encoding="utf-8")
    out = tmp_path / "out"
    res = subprocess.run([sys.executable, str(ROOT / "cli.py"), "build", "--roadbook", str(rb), "--out", str(out)],
                         capture_output=True, text=True, timeout=120, cwd=tmp_path,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert res.returncode == 2, res.stderr
    errors = [ln for ln in res.stderr.splitlines() if ln.startswith("kmpost: error: ")]
    assert len(errors) == 3, res.stderr
    assert "places[1].lat" in errors[0] and "events[0].kind" in errors[1] and "events[0].source" in errors[2]
    assert "Traceback" not in res.stderr
    assert not out.exists()


# --- anchors tied to the track's start or end -------------------------------------------------
def test_track_anchor(mini_text):
    text = mini_text.replace("  - km: 100\n    place: a", "  - km: 0\n    track: start")
    rb = parse_roadbook(text, "rb.yaml")
    a = rb.anchors[0]
    assert (a.km, a.track, a.place, a.lat, a.lon) == (0.0, "start", None, None, None)
    assert rb.anchors[1].track is None and rb.anchors[1].place == "b"
    end = parse_roadbook(mini_text.replace("    place: b", "    track: end"), "rb.yaml")
    assert end.anchors[1].track == "end"


@pytest.mark.parametrize(("tie", "pattern"), [
    ("    track: start\n    place: a\n", r"anchors\[0\]: give exactly one of 'place', both 'lat' and 'lon', or 'tr"),
    ("    track: start\n    lat: 38.0\n    lon: 90.0\n", r"anchors\[0\]: give exactly one of"),
    ("    lat: 38.0\n", r"anchors\[0\]: lat and lon must be given together"),
    ("    note: nothing\n", r"anchors\[0\]: give exactly one of"),
    ("    track: middle\n", r"anchors\[0\]\.track: unknown track end 'middle'; use one of: start, end"),
])
def test_track_anchor_errors(mini_text, tie, pattern):
    text = mini_text.replace("  - km: 100\n    place: a\n", "  - km: 100\n" + tie)
    with pytest.raises(RoadbookError, match=pattern):
        parse_roadbook(text, "rb.yaml")


def test_anchor_confidence_is_required(mini_text):
    text = mini_text.replace("    confidence: high\n", "", 1)
    with pytest.raises(RoadbookError, match=r"anchors\[0\]: missing required key 'confidence'; add 'confidence:'"):
        parse_roadbook(text, "rb.yaml")


# --- the split schema keeps every name other modules import ----------------------------------
def test_schema_reexports_every_name_in_use():
    import roadbook.schema as schema

    names = {"Roadbook", "validate", "BorderCrossing", "NamedItem", "Transport", "Event", "Position", "Stretch",
             "AnchorSpec", "Place", "Source", "RouteMeta", "Guidance", "Price", "Restriction", "EVENT_KINDS",
             "STRETCH_KINDS", "PLACE_KINDS", "CONFIDENCE", "SIDES", "TRANSPORT_MODES", "RESTRICTION_KINDS",
             "FORMAT_VERSION", "fmt_path", "F", "FieldPath", "TRACK_ENDS"}
    assert names <= set(schema.__all__)
    for name in schema.__all__:
        assert getattr(schema, name) is not None
    # the names imported elsewhere in the repository, found by grep
    used = set()
    for py in ROOT.glob("**/*.py"):
        if any(part in (".venv", ".kit-venv", "node_modules") for part in py.parts):
            continue
        text = py.read_text(encoding="utf-8")
        for m in re.finditer(r"^\s*from roadbook\.schema import (\([^)]*\)|[^\n]*)", text, re.M):
            used |= {n.strip() for n in m.group(1).replace("(", "").replace(")", "").split(",") if n.strip()}
    assert used and used <= set(schema.__all__), used - set(schema.__all__)


def test_one_field_path_type():
    import roadbook.check
    import roadbook.model
    import roadbook.yamlsrc

    assert roadbook.check.FieldPath is roadbook.model.FieldPath is roadbook.yamlsrc.FieldPath
    src = "".join((ROOT / "roadbook" / f).read_text(encoding="utf-8")
                  for f in ("model.py", "check.py", "sections.py", "schema.py", "yamlsrc.py"))
    assert src.count("tuple[str | int, ...]") == 1


def test_format_doc_names_the_required_keys():
    doc = (ROOT / "docs" / "roadbook-format.md").read_text(encoding="utf-8")
    from roadbook.sections import SPEC_ANCHOR, SPEC_EVENT, SPEC_PLACE, SPEC_SOURCE

    for spec in (SPEC_ANCHOR, SPEC_EVENT, SPEC_PLACE, SPEC_SOURCE):
        for key in spec:
            assert re.search(rf"`{key}`|\b{key}:", doc), key
    assert "track: start" in doc and "coord_source" in doc


def test_format_doc_minimal_example_validates():
    doc = (ROOT / "docs" / "roadbook-format.md").read_text(encoding="utf-8")
    block = doc.split("## A minimal roadbook", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    rb = parse_roadbook(block, "doc.yaml")
    assert rb.anchors[0].track == "start" and [e.km for e in rb.events] == [5.0, 12.0]


def test_a_bad_part_of_a_position_is_reported_once(mini_text):
    text = mini_text.replace("    km: 120\n", "    at: {place: a, offset_km: .nan, colour: red}\n")
    with pytest.raises(RoadbookError) as exc:
        parse_roadbook(text, "rb.yaml")
    assert [p.split(": ")[1] for p in exc.value.problems] == ["events[0].at.colour", "events[0].at.offset_km"]
