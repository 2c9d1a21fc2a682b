"""Tests of ``kmpost extract``: seeds, patterns, traps, output formats, robustness, draft roadbooks."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.errors import KmpostError
from roadbook import parse_roadbook
from roadbook.extract import ExtractError, decode_notes, extract_events, find_places, run_extract
from roadbook.extract.categories import categorize, find_side
from roadbook.extract.patterns import find_references, parse_number

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
QINGHAI = SEEDS / "qinghai_xinjiang_route_notes.txt"
KHORGOS = SEEDS / "khorgos_border_crossing.txt"
LABELLED = Path(__file__).parent / "extract_labelled"

needs_seeds = pytest.mark.skipif(not QINGHAI.exists() or not KHORGOS.exists(),
                                 reason="seed texts not present")


def refs(sentence: str) -> list[tuple[float, str, str]]:
    return [(m.value, m.unit, m.ref) for m in find_references(sentence)]


# --- seeds -------------------------------------------------------------------------------------
QINGHAI_AT_KM = {
    1317: "road_works", 1339: "road_works", 1353: "road_works", 1380: "descent",
    1383: "checkpoint", 1385: "road_works", 1386: "landmark", 1423: "checkpoint",
    1452: "road_works", 1459: "turn_off", 1506: "road_works",
}


@needs_seeds
def test_qinghai_all_at_km_lines_with_fitting_categories() -> None:
    events = extract_events(QINGHAI.read_text(encoding="utf-8"), "qinghai")
    markers = {int(e.value): e for e in events if e.ref == "marker"}
    assert set(markers) == set(QINGHAI_AT_KM)
    for km, cat in QINGHAI_AT_KM.items():
        assert markers[km].category == cat, (km, markers[km].because)
        assert markers[km].confidence == "high"
        assert f"km {km}" in markers[km].sentence
    assert markers[1386].side == "right"
    assert markers[1380].length_km == 34


@needs_seeds
def test_qinghai_no_event_from_timetables_prices_or_phones() -> None:
    text = QINGHAI.read_text(encoding="utf-8")
    events = extract_events(text, "qinghai")
    for e in events:
        s = e.sentence
        assert not re.search(r"\b\d{1,2}:\d\d", s), s          # timetables
        assert "yuan" not in s.lower(), s                        # prices
        assert not re.search(r"\b\d{3,4} \d{4}", s), s         # phone numbers
    # besides the 11 posts: "the first 100 km after crossing the Xinjiang border" (camping),
    # "change cabs half way (after approx. 180 km)" and "checkpoint 23 km from Golmud"
    assert {e.value for e in events} == set(QINGHAI_AT_KM) | {100, 180, 23}
    extra = {e.value: e for e in events if e.ref != "marker"}
    assert extra[100].category == "camping"
    assert extra[180].confidence == "low" and extra[180].ref == "relative"
    assert extra[23].category == "checkpoint" and extra[23].place == "Golmud / Ger'mu"


@needs_seeds
def test_khorgos_places_and_border_crossing_but_no_km_event() -> None:
    text = KHORGOS.read_text(encoding="utf-8")
    assert extract_events(text, "khorgos") == []
    places = find_places(text)
    khorgos = places.resolve("Korghos")
    assert khorgos is not None and khorgos.lat is not None
    assert 44.0 < khorgos.lat < 44.4 and 80.2 < (khorgos.lon or 0) < 80.6
    draft = run_extract(text, source_name="khorgos.txt", as_json=False, explain=False)
    rb = parse_roadbook(draft, "khorgos-draft.yaml")
    assert rb.events == () and rb.stretches == ()
    crossing = rb.border_crossings[0]
    assert crossing.place == "khorgos"
    assert set(crossing.countries) == {"China", "Kazakhstan"}
    assert "Kashgar / Kashi" in {p.name for p in rb.places.values()}


@needs_seeds
@pytest.mark.parametrize("seed", [QINGHAI, KHORGOS], ids=["qinghai", "khorgos"])
def test_seed_drafts_validate_with_the_core_loader(seed: Path) -> None:
    draft = run_extract(seed.read_text(encoding="utf-8"), source_name=seed.name, as_json=False,
                        explain=False)
    rb = parse_roadbook(draft, seed.name)
    assert rb.sources
    # an anchor only where the notes tie a km to a place; never a placeholder coordinate
    assert rb.anchors or "# No anchor: nothing in the notes ties a road km to a place" in draft
    assert all(a.lat != 0.0 for a in rb.anchors)
    assert "DRAFT roadbook" in draft.split("\n", 2)[0] + draft.split("\n", 2)[1]


@needs_seeds
def test_qinghai_draft_events() -> None:
    draft = run_extract(QINGHAI.read_text(encoding="utf-8"), source_name="q.txt", as_json=False,
                        explain=False)
    rb = parse_roadbook(draft, "q.yaml")
    kinds = {e.km: e.kind for e in rb.events if e.km is not None}
    assert kinds[1383] == "checkpoint"
    assert kinds[1452] == "resurfacing_start"
    assert kinds[1459] == "turn_off"
    assert kinds[1317] == "highway_start"
    assert kinds[1380] == "downhill"
    placed = [e for e in rb.events if e.at is not None]
    assert placed and placed[0].at is not None and placed[0].at.place == "golmud"
    assert "ruoqiang" in rb.places and rb.places["ruoqiang"].lat is not None
    assert "# Not placed" in draft  # the relative "after approx. 180 km" is not invented


# --- each pattern --------------------------------------------------------------------------------
@pytest.mark.parametrize(("sentence", "expected"), [
    ("At km 1383 checkpoint.", [(1383, "km", "marker")]),
    ("K1459 turn off to Lop Nur.", [(1459, "km", "marker")]),
    ("K2801+500: water station.", [(2801.5, "km", "marker")]),
    ("Water at km 88 on the left.", [(88, "km", "marker")]),
    ("Kilometre post 412: cafe.", [(412, "km", "marker")]),
    ("KM 230 there is a police post.", [(230, "km", "marker")]),
    ("We stopped at the 1383 km marker.", [(1383, "km", "marker")]),
    ("Cafe at km 12,5 of the path.", [(12.5, "km", "marker")]),
    ("Mile 34.5: a church lets you camp.", [(34.5, "mi", "marker")]),
    ("MP 120: viewpoint.", [(120, "mi", "marker")]),
    ("The pass is at milepost 244.", [(244, "mi", "marker")]),
    ("45 km from Hotan there is a mosque.", [(45, "km", "cumulative")]),
    ("A checkpoint 23 km from Golmud / Ger'mu.", [(23, "km", "cumulative")]),
    ("A spring 8 km before Murghab.", [(8, "km", "cumulative")]),
    ("Shop 30 miles north of Fairbanks.", [(30, "mi", "cumulative")]),
    ("at 44 km: top of the pass.", [(44, "km", "cumulative")]),
    ("From Seligman it is 23 miles to the motel.", [(23, "mi", "cumulative")]),
    ("After 12 km the road climbs.", [(12, "km", "relative")]),
    ("Another 30 km brought us to a tea house.", [(30, "km", "relative")]),
    ("9 km later we crossed a bridge.", [(9, "km", "relative")]),
    ("A further 20 km and you reach the lake.", [(20, "km", "relative")]),
    ("From km 1452 the old road is resurfaced.", [(1452, "km", "range")]),
    ("km 300–345: new asphalt.", [(300, "km", "range")]),
    ("Between km 1339 and 1353 the roads run side by side.", [(1339, "km", "range")]),
    ("Road works from K1600 to K1625.", [(1600, "km", "range")]),
    ("Bison between Mile 500 and Mile 540.", [(500, "mi", "range")]),
    ("Heavy trucks from km 540 onwards.", [(540, "km", "range")]),
])
def test_each_pattern(sentence: str, expected: list[tuple[float, str, str]]) -> None:
    assert refs(sentence) == expected


def test_range_end_values() -> None:
    (m,) = find_references("km 300–345: new asphalt.")
    assert m.value_end == 345
    (o,) = find_references("From km 1452 the old road is resurfaced.")
    assert o.value_end is None


# --- traps ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("sentence", [
    "The pass is at 3,600 m.",
    "Bus: 9:30 arrival 16:30 94 Yuan daily.",
    "Call 0979 8412001 or 166 9966 1966.",
    "We left on 12.05.2019 and arrived in June 2021.",
    "Follow the G315 and then the S21.",
    "Trucks do 80 km/h here.",
    "The car used 9.5 l/100 km.",
    "See page 147 of the guidebook.",
    "In total we cycled 7,450 km from Xi'an to Kashgar.",
    "We averaged 79 km per day.",
    "Another downhill of 34 km starts.",
    "There are very few places on this 400 km stretch.",
    "The main office is about 1 km away back in town.",
    "The next border crossing is 100km to the south.",
    "The train K9786 leaves at 21:40.",
    "Best day 184 km, worst day 23 km.",
    "The MP3 player died.",
    "Water tanks every 100-150 km.",
])
def test_traps_give_no_event(sentence: str) -> None:
    assert extract_events(sentence) == []


def test_stage_leg_is_an_event_not_a_trap() -> None:
    # issue 10: the end of a stage's leg is an event (it was listed as a day-total trap before)
    [e] = extract_events("Day 1: Kargilik to Akmeqit, 70 km.")
    assert (e.value, e.ref, e.place, e.name) == (70, "cumulative", "Kargilik", "Akmeqit")


def test_parse_number() -> None:
    assert parse_number("1,383") == 1383
    assert parse_number("34.5") == 34.5
    assert parse_number("12,5") == 12.5


# --- categories and side --------------------------------------------------------------------------
@pytest.mark.parametrize(("clause", "category"), [
    ("At km 1383 checkpoint.", "checkpoint"),
    ("a sign says that another downhill of 34 km starts", "descent"),
    ("Water at the police post at", "water"),
    ("The real climb to Kudi pass starts at", "climb"),
    ("Long climb over the Chiragsaldi pass at", "pass"),
    ("you will have to pass it on the way", "info"),
    ("the turn off to (and signboard): notorious Lop Nur", "turn_off"),
    ("wild camp spot by the river", "camping"),
])
def test_categories(clause: str, category: str) -> None:
    assert categorize(clause).category == category


def test_category_words_and_abbreviation() -> None:
    c = categorize("At km 1385 H stops.", {"H": "new highway"})
    assert c.category == "road_works" and c.because == ("highway",)
    assert categorize("nothing here").guessed


@pytest.mark.parametrize(("clause", "side"), [
    ("the Lop Nur Nature Park is on your right", "right"),
    ("a spring on the left side of the road", "left"),
    ("turn left onto KY 84", "left"),
    ("shops on both sides", "both"),
    ("a checkpoint", None),
])
def test_side(clause: str, side: str | None) -> None:
    assert find_side(clause) == side


# --- output formats -------------------------------------------------------------------------------
NOTE = ("At km 1383 checkpoint.\nAbout 8 km before Murghab there is a spring on the left.\n"
        "After 12 km something.\n")


def test_json_lines() -> None:
    out = run_extract(NOTE, source_name="n.txt", as_json=True, explain=False)
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["value"] for r in rows] == [1383, 8, 12]
    first = rows[0]
    assert first == {"value": 1383, "unit": "km", "ref": "marker", "category": "checkpoint",
                     "sentence": "At km 1383 checkpoint.", "confidence": "high", "side": None,
                     "line": 1}
    assert rows[1]["ref"] == "cumulative" and rows[1]["place"] == "Murghab"
    assert rows[1]["side"] == "left" and rows[1]["confidence"] == "low"
    assert "because" not in first


def test_json_explain_has_words_and_flags() -> None:
    out = run_extract(NOTE, source_name="n.txt", as_json=True, explain=True)
    rows = [json.loads(line) for line in out.splitlines()]
    assert rows[0]["because"] == ["checkpoint"] and rows[0]["flags"] == []
    assert "approximate distance" in rows[1]["flags"]
    assert rows[2]["category"] == "info" and rows[2]["confidence"] == "low"
    assert any("guess" in f for f in rows[2]["flags"])


def test_explain_report() -> None:
    out = run_extract(NOTE, source_name="n.txt", as_json=False, explain=True)
    assert "because: 'checkpoint'" in out
    assert "sentence: At km 1383 checkpoint." in out
    assert out.count("LOW:") == 2
    assert "places (GeoNames.org):" in out and "Murghab" in out


# --- gazetteer ------------------------------------------------------------------------------------
def test_gazetteer_aliases_and_unknown_names() -> None:
    text = ("From Golmud / Ger'mu we rode to Huatugou. The bus to Korla / Kue'rle stops in "
            "Charklik / Ruoqiang. We also passed Yitunbulake and stayed in Zorblingen.")
    found = find_places(text)
    golmud = found.resolve("Geer'mu")
    assert golmud is not None
    assert golmud.lat is not None and abs(golmud.lat - 36.4) < 0.2
    assert found.resolve("Ruoqiang") is found.resolve("Charklik")
    assert found.resolve("Kue'rle") is not None and found.resolve("Korla") is found.resolve("Kue'rle")
    assert found.resolve("Yitimbulak") is not None
    assert "Zorblingen" in found.unknown
    assert all(p.coord_source and "GeoNames" in p.coord_source for p in found.places if p.lat)


# --- robustness -----------------------------------------------------------------------------------
def test_binary_input_is_a_clear_error() -> None:
    junk = bytes(range(256)) * 40
    with pytest.raises(ExtractError, match="binary"):
        run_extract(decode_notes(junk), source_name="junk.bin", as_json=False, explain=False)
    assert issubclass(ExtractError, KmpostError)


def test_empty_and_eventless_inputs_give_a_valid_draft() -> None:
    for text in ("", "\n\n", "Hello, nothing to see here."):
        assert run_extract(text, source_name="e.txt", as_json=True, explain=False) == ""
        draft = run_extract(text, source_name="e.txt", as_json=False, explain=False)
        rb = parse_roadbook(draft, "e.yaml")
        assert rb.events == ()


def test_utf16_and_bom_decoding() -> None:
    assert decode_notes("\ufeffAt km 5 water".encode()) == "At km 5 water"
    assert decode_notes("At km 5 water".encode("utf-16")) == "At km 5 water"


# the time these take is a goal of benchmarks/bench_extract.py, not a test limit
@pytest.mark.slow
def test_ten_megabytes_every_sentence_extracted() -> None:
    chunk = ("At km 1383 checkpoint. 45 km from Hotan a mosque; bus 9:30 94 Yuan, call 0979 8412001. "
             "kmkmkm 1,1,1,1,1 K K K 12345678901234567890 from from from the the the ")
    text = chunk * (10_000_000 // len(chunk) + 1)
    out = run_extract(text, source_name="big.txt", as_json=True, explain=False)
    assert out.count("\n") >= 2 * (10_000_000 // len(chunk))


@pytest.mark.slow
def test_pathological_single_line() -> None:
    # no sentence ends, digits and unit words everywhere: must stay linear
    text = ("1 km 2 km 3 km " * 200_000) + ("a" * 1_000_000)
    run_extract(text, source_name="p.txt", as_json=True, explain=False)  # finishes, raises nothing


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=400))
def test_any_text_gives_result_or_clear_error(text: str) -> None:
    try:
        out = run_extract(text, source_name="h.txt", as_json=False, explain=False)
    except ExtractError as exc:
        assert "h.txt" in str(exc)
        return
    parse_roadbook(out, "h.yaml")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["At", "km", "K", "mile", "MP", "from", "Hotan", "after",
                                 "another", "1,383", "12", "34.5", "–", "-", "to", "between",
                                 "and", "checkpoint", "(", ")", ":", ".", "\n", "/", "+500"]),
                max_size=60))
def test_word_soup_drafts_validate(words: list[str]) -> None:
    text = " ".join(words)
    parse_roadbook(run_extract(text, source_name="s.txt", as_json=False, explain=False), "s.yaml")
    for line in run_extract(text, source_name="s.txt", as_json=True, explain=True).splitlines():
        json.loads(line)


# --- labelled set ---------------------------------------------------------------------------------
def _labelled_files() -> list[Path]:
    return sorted(LABELLED.glob("*.yaml"))


def test_labelled_set_size() -> None:
    import yaml

    files = _labelled_files()
    assert len(files) >= 40
    n = sum(len(yaml.safe_load(f.read_text(encoding="utf-8")).get("expected") or []) for f in files)
    assert n >= 150


def test_labelled_precision_and_recall() -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from benchmarks.extract_quality import run

    score = run(LABELLED)
    assert score.precision >= 0.9 and score.recall >= 0.9, (score.precision, score.recall)


@pytest.mark.parametrize("path", _labelled_files(), ids=lambda p: p.stem)
def test_labelled_drafts_validate(path: Path) -> None:
    import yaml

    text = yaml.safe_load(path.read_text(encoding="utf-8"))["text"]
    parse_roadbook(run_extract(text, source_name=path.name, as_json=False, explain=False), path.name)


def _defined_abbreviations(n_refs: int = 2_000) -> str:
    """702 abbreviations defined in brackets ("the road xxx (AB).") and n_refs references to them."""
    letters = [chr(65 + i) for i in range(26)]
    codes = letters + [a + b for a in letters for b in letters]
    defs = " ".join(f"the track {'y' * (2 + i % 4)} ({c})." for i, c in enumerate(codes))
    return defs + "\n" + " ".join(f"At km {i} {codes[i % len(codes)]} ends." for i in range(n_refs))


# issue 15, "kmpost extract (40 cases: 5 over 120 s)": each case at its full size must end in a
# result (or an ExtractError) within 10 s; the speed itself is measured by bench_extract.py
@pytest.mark.slow
@pytest.mark.parametrize("name,text", [
    ("empty", ""),
    ("No. 5 x 10,000", "No. 5 " * 10_000),
    ("No. 5 x 30,000", "No. 5 " * 30_000),
    ("km. 1 x 30,000", "km. 1 " * 30_000),
    ("approx. 5 km later x 30,000", "approx. 5 km later " * 30_000),
    ("702 abbreviations + 2,000 references", _defined_abbreviations()),
    ("km 1 + ,000 x 1,000,000", "km 1" + ",000" * 1_000_000),
    ("50 MB of notes", "At km 12 water. Camp at km 30.\n" * 1_700_000),
])
def test_issue_15_extract_cases_end_within_10_s(name: str, text: str) -> None:
    import time

    t0 = time.perf_counter()
    try:
        out = run_extract(text, source_name="n.txt", as_json=False, explain=False)
        assert out.startswith("#")            # a draft roadbook
    except ExtractError as exc:
        assert name == "50 MB of notes" and "split the file" in str(exc)
    assert time.perf_counter() - t0 < 10, name


def test_stage_list_draft_names_each_end_and_looks_up_its_places() -> None:
    # a day list names its places without a preposition ("Day 2: A – B – N km"): the draft looks
    # them up (Osh is in GeoNames), gives each event its end's name, and takes the kind from the
    # rest of the line when the name carries none ("camping by the river")
    text = "Day 1: Osh – Gulcha – 78 km\nDay 2: Gulcha – Sary-Tash – 102 km, camping by the river\n"
    rb = parse_roadbook(run_extract(text, source_name="days.txt", as_json=False, explain=False), "days.txt")
    assert rb.places["osh"].lat is not None
    evs = [(e.kind, e.name, e.at.place, e.at.offset_km) for e in rb.events if e.at is not None]
    assert evs == [("town", "Gulcha", "osh", 78), ("camping", "Sary-Tash", "osh", 180)]
    report = run_extract(text, source_name="days.txt", as_json=False, explain=True)
    assert "name: Sary-Tash" in report


def test_day_log_events_carry_the_day_heading_and_the_hedge() -> None:
    # the days of a diary each end with their distance only: the event is named by the day's
    # heading, and "約" (about) is flagged as an approximate distance
    text = ("一日目 甲町から乙村へ\n曇り。峠を越えた。\n\n走行距離 約42km\n\n"
            "二日目 乙村から丙港\n晴れ。\n\n走行距離 118km\n")
    a, b = extract_events(text)
    assert (a.value, a.name, b.value, b.name) == (42, "一日目 甲町から乙村へ", 160, "二日目 乙村から丙港")
    assert "approximate distance" in a.flags and "approximate distance" not in b.flags
    # a day that opens with prose has no heading to name it
    [c, _] = extract_events("We left at six and rode along the coast all day long, into a headwind.\n"
                            "Distance: 64 km\nDay two.\nDistance: 71 km\n")
    assert c.name is None


def test_namesakes_near_the_riders_track_win() -> None:
    # with no track, "Paris" is the capital; on a ride through Texas it is Paris, Texas (a village
    # beside the track is accepted whatever its size: test_own_ride, Portola Valley)
    from pyproj import Geod

    geod = Geod(ellps="WGS84")

    def off_texas(lon: float, lat: float) -> float:      # a track through Paris, Texas
        return float(geod.inv(lon, lat, -95.55, 33.66)[2])

    text = "The lake is 20 km from Paris."
    [far] = find_places(text).places
    [near] = find_places(text, off_track=off_texas).places
    assert far.country == "FR" and near.country == "US"
    assert abs(near.lat - 33.66) < 0.1 and abs(near.lon + 95.55) < 0.1


def test_gazetteer_looks_up_a_bounded_number_of_names_and_says_so() -> None:
    # a hostile text naming thousands of distinct places: the first MAX_CANDIDATES are looked up,
    # the rest counted in the unknown list (never silently dropped); one long line stays cheap
    from roadbook.extract.gazetteer import MAX_CANDIDATES

    syl = [c + v for c in "bcdfgklmnprst" for v in "aeiou"]
    names = [(syl[i % 65] + syl[i // 65 % 65] + syl[i // 4225]).capitalize() for i in range(MAX_CANDIDATES + 500)]
    found = find_places(" ".join(f"we slept in {n} after 50 km" for n in names))
    assert found.unknown[-1].startswith("500 more names not looked up")
    assert len(found.unknown) <= MAX_CANDIDATES + 1
