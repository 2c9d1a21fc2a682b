"""The printable roadbook (maps/roadbook_text.py): the km table, its "distance to the next" column,
the longest stretch without food or water, escaping, and the files."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from layers import build_all, calibrate
from maps.roadbook_text import (
    Stop,
    longest_gap,
    longest_gap_km,
    render_html,
    render_markdown,
    roadbook_rows,
    stretch_rows,
    write_roadbook,
)
from roadbook import parse_roadbook

# The seed route (roadbook/data/g315.yaml) in the direction of travel, computed by hand from the
# YAML: (name, road km used to place it, distance to the next item in km).
# Anchors: Huatugou K1250, Yitunbulake K1315, Ruoqiang K1555.
# "between [a, b]" -> midpoint; "place + offset" -> anchor km + offset.
# The two Miran places are placed by their coordinates (not by the YAML's numbers): None here,
# checked separately below.
SEED_EXPECTED: list[tuple[str, float | None, float | None]] = [
    ("Huatugou", 1250.0, 32.5),                         # -> Qinghai checkpoint (1250 + 1315) / 2
    ("Qinghai checkpoint", 1282.5, 31.5),               # -> PCR post: Yitunbulake 1315 - 1
    ("Xinjiang border PCR post", 1314.0, 1.0),          # -> Yitunbulake 1315
    ("Yitunbulake / Yetimbulak", 1315.0, 1.0),          # -> checkpoint 1315 + 1 (bridge is at 1315 too)
    ("Train bridge (Yetimbulak)", 1315.0, 1.0),
    ("Checkpoint after train bridge", 1316.0, 1.0),     # -> km 1317
    ("New highway starts", 1317.0, 18.0),               # -> downhill signs (1317 + 1353) / 2 = 1335
    ("Sign downhill 9 km", 1335.0, 4.0),                # -> km 1339
    ("Sign downhill 19 km", 1335.0, 4.0),
    ("Highway and old road parallel", 1339.0, 14.0),    # -> km 1353
    ("End of highway part", 1353.0, 27.0),              # -> km 1380
    ("Sign downhill 34 km", 1380.0, 3.0),               # -> km 1383
    ("Checkpoint km 1383", 1383.0, 2.0),                # -> km 1385
    ("Highway stops", 1385.0, 1.0),                     # -> km 1386
    ("Lop Nur Nature Park", 1386.0, 37.0),              # -> km 1423
    ("Last checkpoint", 1423.0, 7.0),                   # -> taxi change: Huatugou 1250 + 180 = 1430
    ("Highway starts again", 1423.0, 7.0),
    ("Taxi change (half way)", 1430.0, 22.0),           # -> km 1452
    ("Old road resurfacing", 1452.0, 7.0),              # -> km 1459
    ("Turn-off Lop Nur", 1459.0, None),                 # -> Miran ancient site (by coordinate)
    ("Miran ancient site", None, None),
    ("36th Regiment (Miran town)", None, None),         # -> km 1506
    ("Cross over to old road", 1506.0, 1.0),            # -> turn-off (1506 + 1508) / 2 = 1507
    ("Turn-off 36th Regiment", 1507.0, 48.0),           # -> Ruoqiang 1555
    ("Charklik / Ruoqiang", 1555.0, None),              # the end: no next
    ("Arrival Ruoqiang", 1555.0, None),
]


def test_seed_distance_to_next_matches_hand_computed_values(seed_layers):
    rows = roadbook_rows(seed_layers)
    assert [r.name for r in rows] == [name for name, _, _ in SEED_EXPECTED]
    for r, (name, km_pos, nxt) in zip(rows, SEED_EXPECTED, strict=True):
        if km_pos is not None:
            assert r.km_pos == pytest.approx(km_pos, abs=1e-3), name
        if name.startswith(("Turn-off Lop Nur", "Miran", "36th")):
            continue
        if nxt is None:
            assert r.next_km is None, name
        else:
            assert r.next_km == pytest.approx(nxt, abs=1e-3), name


def test_seed_distance_to_next_around_the_miran_places(seed_layers):
    by_name = {r.name: r for r in roadbook_rows(seed_layers)}
    site, town = by_name["Miran ancient site"], by_name["36th Regiment (Miran town)"]
    assert 1459 < site.km_pos < town.km_pos < 1506
    assert by_name["Turn-off Lop Nur"].next_km == pytest.approx(site.km_pos - 1459, abs=1e-3)
    assert site.next_km == pytest.approx(town.km_pos - site.km_pos, abs=1e-3)
    assert town.next_km == pytest.approx(1506 - town.km_pos, abs=1e-3)


def test_seed_example_from_the_brief_and_km_labels(seed_layers):
    by_name = {r.name: r for r in roadbook_rows(seed_layers)}
    assert by_name["Sign downhill 34 km"].next_km == 3.0          # km 1380 -> checkpoint 1383
    assert by_name["Checkpoint km 1383"].km_label == "1383"       # stated km
    assert by_name["Xinjiang border PCR post"].km_label == "≈1314.0"  # no km in the source
    assert by_name["Lop Nur Nature Park"].side == "right"


def test_every_seed_event_is_in_the_table_and_no_markers_or_anchors(seed_ctx, seed_layers):
    rows = roadbook_rows(seed_layers)
    keys = [(r.name, r.kind) for r in rows]
    for ev in seed_ctx.roadbook.events:
        assert (ev.name, ev.kind) in keys, ev.name
    assert not {r.layer for r in rows} & {"km_markers", "anchors", "route"}
    # places only where they are on the route (km_pos set): Golmud, Korla ... are not rows
    assert "Golmud / Ger'mu" not in {r.name for r in rows}
    md = render_markdown(seed_ctx, seed_layers)
    for ev in seed_ctx.roadbook.events:
        assert ev.name in md.replace("\\", ""), ev.name


def test_seed_stretches_table(seed_ctx, seed_layers):
    st = stretch_rows(seed_layers)
    names = {s.name for s in st}
    for s in seed_ctx.roadbook.stretches:
        assert s.name in names, s.name
    resurf = next(s for s in st if s.kind == "resurfacing")
    assert (resurf.km_pos, resurf.km_pos_end, resurf.length_km) == (1452.0, 1506.0, 54.0)
    kinds = {s.kind for s in st}
    assert {"highway_built_closed", "parallel", "resurfacing", "downhill", "no_services", "camping_zone"} <= kinds
    md = render_markdown(seed_ctx, seed_layers)
    assert "highway built, not open" in md and "old road resurfacing" in md


def test_seed_longest_gap(seed_layers):
    # food/water stops of the seed: the towns on the route (no food/water events):
    # Huatugou 1250, Yitunbulake 1315, Miran town (by coordinate), Ruoqiang 1555.
    g = longest_gap(seed_layers)
    assert g is not None
    town = next(r for r in roadbook_rows(seed_layers) if r.name == "36th Regiment (Miran town)")
    assert (g.from_km, g.to_km) == (1315.0, pytest.approx(town.km_pos))
    assert g.length_km == pytest.approx(town.km_pos - 1315.0, abs=1e-3)
    assert g.stops == 4


GAP_RB = """\
kmpost_roadbook: 1
route:
  id: gaps
  name: Gap route
sources:
  - id: s
    title: test notes
    licence: written for the tests
places:
  - id: a
    name: Alpha
    kind: landmark
    lat: 38.0
    lon: 90.0
    coord_source: test
    on_route: true
  - id: b
    name: Beta
    kind: landmark
    lat: 38.3
    lon: 90.6
    coord_source: test
    on_route: true
anchors:
  - {km: 100, place: a, source: test, confidence: high}
  - {km: 160, place: b, source: test, confidence: high}
events:
"""


def _gap_layers(events: str):
    rb = parse_roadbook(GAP_RB + events, "gaps.yaml")
    return build_all(calibrate(rb))


def test_longest_gap_between_stops():
    # stops at 110 (water), 118 (food), 140 (town); the checkpoint and sign are no stops.
    # gaps: 100-110 = 10, 110-118 = 8, 118-140 = 22, 140-160 = 20 -> 118..140
    layers = _gap_layers("""\
  - {kind: water, km: 110, name: Spring, note: "spring", source: s}
  - {kind: food, km: 118, name: Shop, note: "shop", source: s}
  - {kind: checkpoint, km: 130, name: CP, note: "checkpoint", source: s}
  - {kind: sign, km: 135, name: Sign, note: "sign", source: s}
  - {kind: town, km: 140, name: Village, note: "village", source: s}
""")
    g = longest_gap(layers)
    assert g is not None
    assert (g.from_km, g.to_km, g.length_km, g.stops) == (118.0, 140.0, 22.0, 3)
    assert g.from_name.startswith("Shop") and g.to_name.startswith("Village")


def test_longest_gap_includes_route_start_and_end():
    # stops 105 and 120: gaps 5, 15, and 40 to the route end at 160
    g = longest_gap(_gap_layers("""\
  - {kind: water, km: 105, name: Spring, note: "spring", source: s}
  - {kind: food, km: 120, name: Shop, note: "shop", source: s}
"""))
    assert g is not None
    assert (g.from_km, g.to_km, g.length_km, g.to_name) == (120.0, 160.0, 40.0, "route end")
    # stops 145 and 150: the longest is from the route start, 100 -> 145
    g = longest_gap(_gap_layers("""\
  - {kind: water, km: 145, name: Spring, note: "spring", source: s}
  - {kind: food, km: 150, name: Shop, note: "shop", source: s}
"""))
    assert g is not None
    assert (g.from_km, g.to_km, g.length_km, g.from_name) == (100.0, 145.0, 45.0, "route start")
    # no stop at all: the whole route
    g = longest_gap(_gap_layers("""\
  - {kind: checkpoint, km: 120, name: CP, note: "checkpoint", source: s}
"""))
    assert g is not None
    assert (g.from_km, g.to_km, g.length_km, g.stops) == (100.0, 160.0, 60.0, 0)


def test_longest_gap_pure_decreasing_km_and_outside_stops():
    stops = [Stop(190, "x"), Stop(150, "y"), Stop(260, "outside")]
    g = longest_gap_km(stops, Stop(200, "start"), Stop(100, "end"))
    # travel 200 -> 190 -> 150 -> 100: gaps 10, 40, 50
    assert (g.from_km, g.to_km, g.length_km, g.stops) == (150, 100, 50.0, 2)


def test_towns_on_the_route_are_stops_sites_are_not():
    rb_text = GAP_RB.replace("kind: landmark\n    lat: 38.0", "kind: city\n    lat: 38.0") + """\
  - {kind: checkpoint, km: 120, name: CP, note: "checkpoint", source: s}
"""
    layers = build_all(calibrate(parse_roadbook(rb_text, "g.yaml")))
    g = longest_gap(layers)
    assert g is not None  # Alpha (city, km 100) is a stop; Beta (landmark) is not
    assert (g.from_km, g.to_km, g.stops) == (100.0, 160.0, 1)
    assert g.from_name.startswith("Alpha")


EVIL = '<script>alert("x")</script> & | pipe *star* [link](javascript:alert(1))'


def _evil_ctx_layers():
    head = GAP_RB.replace("route:\n  id: gaps", 'route:\n  id: gaps\n  direction: "<img src=x onerror=alert(1)>"')
    rb = parse_roadbook(head + f"""\
  - kind: checkpoint
    km: 120
    name: "<b>CP</b>"
    note: '{EVIL}'
    source: s
guidance:
  - topic: camping
    note: "<iframe src=http://evil.example></iframe>"
    source: s
""", "evil.yaml")
    ctx = calibrate(rb)
    return ctx, build_all(ctx)


def test_html_escapes_untrusted_text_and_is_self_contained():
    ctx, layers = _evil_ctx_layers()
    page = render_html(ctx, layers)
    assert "<script" not in page.lower()
    assert "<iframe" not in page.lower() and "<img" not in page.lower() and "<b>CP</b>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; | pipe" in page
    assert "&lt;b&gt;CP&lt;/b&gt;" in page and "&lt;iframe src=http://evil.example&gt;" in page
    # no external resources: nothing loaded by src=, no stylesheet links, no @import / url()
    assert not re.search(r"<[^>]*\s(src|href)\s*=", page)
    assert "<link" not in page and "@import" not in page and "url(" not in page
    assert "@page" in page and "A4" in page


def test_markdown_escapes_untrusted_text():
    ctx, layers = _evil_ctx_layers()
    md = render_markdown(ctx, layers)
    # no unescaped "<" apart from the <br> line breaks kmpost puts into table cells
    assert not re.search(r"(?<!\\)<", md.replace("<br>", ""))
    assert "\\<script\\>" in md and "\\|" in md and "\\*star\\*" in md and "\\[link\\]" in md


def _table(md: str, heading: str) -> list[str]:
    lines = md.splitlines()
    i = lines.index(heading)
    start = next(j for j in range(i, len(lines)) if lines[j].startswith("|"))
    end = next((j for j in range(start, len(lines)) if not lines[j].startswith("|")), len(lines))
    return lines[start:end]


def _cells(line: str) -> list[str]:
    return re.split(r"(?<!\\)\|", line)[1:-1]


@pytest.mark.parametrize("which", ["seed", "evil"])
def test_markdown_tables_are_well_formed(which, seed_ctx, seed_layers):
    ctx, layers = (seed_ctx, seed_layers) if which == "seed" else _evil_ctx_layers()
    md = render_markdown(ctx, layers)
    for heading, n_rows in (("## Along the road", len(roadbook_rows(layers))),
                            ("## Stretches", len(stretch_rows(layers)))):
        table = _table(md, heading)
        assert len(table) == 2 + n_rows, heading
        assert re.fullmatch(r"\|(---:?\|){5}", table[1]), table[1]
        for line in table:
            assert line.startswith("| ") or line.startswith("|-"), line
            assert line.endswith("|"), line
            assert len(_cells(line)) == 5, line
            assert "\n" not in line


def test_header_sources_guidance_and_schematic_notice(seed_ctx, seed_layers):
    md = render_markdown(seed_ctx, seed_layers)
    page = render_html(seed_ctx, seed_layers)
    rb = seed_ctx.roadbook
    for text in (md.replace("\\", ""), page.replace("&#x27;", "'")):
        assert "SCHEMATIC ROUTE" in text
        assert rb.route.name in text and "2021-06" in text
        for s in rb.sources.values():
            assert s.licence in text, s.id
        assert "underneath the road in the dry river beds" in text  # camping guidance
        assert "0977 8251567" in text           # Huatugou bus station (a note of a place on the route)
        assert "0979 8412001" in text           # Golmud bus station (a place off the route)
        assert "Longest stretch without food or water" in text
    # the profile (spot heights of the schematic route) is inlined as SVG
    assert "<svg" in page and "not a measured profile" in page


TRANSPORT_RB = GAP_RB.replace("events:\n", "") + """\
transport:
  - id: bus-ab
    mode: bus
    from: a
    to: b
    days: "daily except Sun"
    depart: "09:30"
    arrive: "17:45"
    duration: "8 h"
    price: {amount: 180, currency: CNY, per: person}
    phones: ["0977 1234567", "0977 7654321"]
    valid: "2021-06"
    caveat: "subject to change, June 2021"
    note: "The bus leaves from the east station."
    source: s
restrictions:
  - kind: no_overnight_foreigners
    place: a
    date: "2021-06"
    note: "Foreigners may not stay overnight in Alpha."
    source: s
  - kind: no_photos
    km: 120
    date: "2021"
    note: "No photos at the checkpoint."
    source: s
border_crossings:
  - id: ab
    name: Alpha gate
    place: a
    countries: [AA, BB]
    opening: "10:30 local time"
    closed: ["public holidays"]
    agencies:
      - {name: haiguan, note: goods}
    documents:
      - {name: ATA carnet, issued: Shanghai}
    options:
      - {name: travel agency, cost: "3000 CNY", time: "2 weeks"}
    alternatives: [Beta gate]
    note: "The gate is in the park."
    source: s
"""


def test_transport_restrictions_and_border_crossings_appear():
    rb = parse_roadbook(TRANSPORT_RB, "t.yaml")
    ctx = calibrate(rb)
    layers = build_all(ctx)
    md, page = render_markdown(ctx, layers), render_html(ctx, layers)
    for text in (md.replace("\\", ""), page.replace("&#x27;", "'")):
        for fact in ("daily except Sun", "09:30", "17:45", "8 h", "180 CNY per person", "0977 1234567",
                     "0977 7654321", "subject to change, June 2021", "The bus leaves from the east station.",
                     "Foreigners may not stay overnight in Alpha.", "No photos at the checkpoint.", "km 120",
                     "Alpha gate", "10:30 local time", "public holidays", "haiguan", "goods", "ATA carnet",
                     "Shanghai", "3000 CNY", "2 weeks", "Beta gate", "The gate is in the park."):
            assert fact in text, fact


def test_write_roadbook_writes_both_files_atomically(tmp_path: Path, seed_ctx, seed_layers):
    out = tmp_path / "out"
    paths = write_roadbook(seed_ctx, seed_layers, out)
    assert [p.name for p in paths] == ["roadbook.md", "roadbook.html"]
    assert sorted(p.name for p in out.iterdir()) == ["roadbook.html", "roadbook.md"]  # no temp files left
    assert paths[0].read_text(encoding="utf-8") == render_markdown(seed_ctx, seed_layers)
    assert paths[1].read_text(encoding="utf-8") == render_html(seed_ctx, seed_layers)
    mask = os.umask(0)
    os.umask(mask)
    assert paths[0].stat().st_mode & 0o777 == 0o666 & ~mask
    # rewriting replaces the files in place
    paths[0].write_text("old", encoding="utf-8")
    write_roadbook(seed_ctx, seed_layers, out)
    assert paths[0].read_text(encoding="utf-8").startswith("# G315")


def test_decreasing_km_route_rows_follow_the_direction_of_travel():
    text = (GAP_RB.replace("  name: Gap route", "  name: Gap route\n  km_direction: decreasing")
            .replace("km: 100, place: a", "km: 160, place: a").replace("km: 160, place: b", "km: 100, place: b")
            + """\
  - {kind: water, km: 150, name: Spring, note: spring, source: s}
  - {kind: checkpoint, km: 120, name: CP, note: checkpoint, source: s}
""")
    layers = build_all(calibrate(parse_roadbook(text, "down.yaml")))
    rows = roadbook_rows(layers)
    # travel: Alpha 160 -> Spring 150 -> CP 120 -> Beta 100 (landmarks on the route)
    assert [(r.name, r.km_pos, r.next_km) for r in rows] == [
        ("Alpha", 160.0, 10.0), ("Spring", 150.0, 30.0), ("CP", 120.0, 20.0), ("Beta", 100.0, None)]
    g = longest_gap(layers)
    assert g is not None
    assert (g.from_km, g.to_km, g.length_km, g.to_name) == (150.0, 100.0, 50.0, "route end")


def _evil_blocks():
    """One block of every type, with hostile text in every text field the model has."""
    import maps.roadbook_text as t
    bad = EVIL + "\nsecond line | <i>x</i>"
    return [t.Title(bad), t.Notice(bad), t.Heading(2, bad, bad), t.Para(bad, "small"),
            t.Facts(((bad, (bad,)), (bad, (bad, bad)))),
            t.Items((t.Item((t.Span(bad, "b"), t.Span(bad), t.Span(bad, "small"),
                             t.Span("javascript:alert(1)", "link")), (bad,)),), small=True),
            t.Table((t.Column(bad, True), t.Column("n"), t.Column("what"), t.Column("x"), t.Column("note")),
                    (t.TableRow((t.Km(None, 12.0), t.Dist(3.0, 9.0), t.Named(bad, bad), t.Text(bad),
                                 t.Note(bad, bad)), bad),
                     t.TableRow((t.Km(7.0, 7.0), t.Dist(None), t.Named(bad), t.Text(""), t.Note("")))))]


def test_html_renderer_escapes_every_text_of_the_model():
    from maps.roadbook_text import to_html
    page = to_html(_evil_blocks(), EVIL)
    body = page.split("</style>", 1)[1]
    for tag in ("<script", "<i>", "<iframe", "<b>CP", "href="):
        assert tag not in body.lower(), tag
    assert body.count("&lt;script&gt;") >= 20 and "&lt;i&gt;x&lt;/i&gt;" in body
    assert '<tr class="&lt;script&gt;' in body  # a row class is escaped like any text
    assert "<td class=\"n\">≈12.0</td>" in body and "3.0 (stated 9)" in body


def test_markdown_renderer_keeps_every_table_row_on_one_line():
    from maps.roadbook_text import to_markdown
    md = to_markdown(_evil_blocks())
    assert not re.search(r"(?<!\\)<", md.replace("<br>", ""))
    rows = [line for line in md.splitlines() if line.startswith("|")]
    assert len(rows) == 4  # header, rule, two rows: the line breaks of the cells became <br>
    assert all(len(_cells(r)) == 5 for r in rows), rows
    assert rows[1] == "|---:|---|---|---|---|"
    assert rows[3].startswith("| 7 |   | ")  # an empty cell is one space
    assert "second line \\| \\<i\\>x\\</i\\>" in rows[2]
