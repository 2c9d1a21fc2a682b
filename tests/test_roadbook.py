"""roadbook/: parsing, validation and the one-line errors (file, line, field, value, fix)."""

from __future__ import annotations

import pytest

from geo.errors import RoadbookError
from roadbook import embedded_routes, load_roadbook, parse_roadbook


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
