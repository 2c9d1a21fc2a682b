"""One test per real form of route notes (issue 10), each text written here in that form.

The real text each form stands for is named in the comment (its address is in
benchmarks/realtexts/labels.jsonl); the words and numbers here are our own.
"""

from __future__ import annotations

import time

import pytest

from roadbook.extract.events import extract, extract_events


def evs(text: str) -> list[tuple[float, str, str]]:
    return [(e.value, e.unit, e.ref) for e in extract_events(text, "t")]


def test_stage_list_sums_legs_from_named_start() -> None:
    # form of stage_it_austral / stage_laos_route8: "A – B 125 km" per line
    text = "Alpha – Beta 40 km (asphalt)\nBeta – Gamma 25 km (10km gravel)\nGamma – Delta 35 km\n"
    got = extract_events(text, "t")
    assert [(e.value, e.place, e.name, e.leg_km) for e in got] == [
        (40, "Alpha", "Beta", 40), (65, "Alpha", "Gamma", 25), (100, "Alpha", "Delta", 35)]
    assert {e.structure for e in got} == {"stage_list"}


def test_stage_list_dual_units_one_event_in_km() -> None:
    # form of stage_dual_coldfoot: "28 June - A to B (38.3 mi, 61.6 km)"
    text = ("3 May - Northfork to Wild Camp near Bear Creek (20.0 mi, 32.2 km)\n"
            "4 May - Bear Creek to Elk Lake Campground (12.5 mi, 20.1 km)\n")
    assert evs(text) == [(32.2, "km", "cumulative"), (52.3, "km", "cumulative")]


def test_stage_list_new_start_restarts_and_loop_gives_no_event() -> None:
    # forms of stage_laos_route8 (a new start name) and stage_pakistan_book (A - B - A)
    text = "Upton - High Col - Upton – 60 km\nUpton – Riverside – 33 km\nMarsh Gate to Oakby – 12km\n"
    got = extract_events(text, "t")
    assert [(e.value, e.place) for e in got] == [(33, "Upton"), (12, "Marsh Gate")]


def test_day_prefix_distance_first_and_two_line_stage() -> None:
    # forms of stage_laos_dayfirst ("Day 2: 64km, climb 675m, A - B") and stage_de_greppo
    text = "Day 1: 50km, climb 400m, Ashby - Brook\nDay 2: 30km, Brook - Carr\n"
    assert evs(text) == [(50, "km", "cumulative"), (80, "km", "cumulative")]
    text2 = "Tag 1 Altdorf - Neustadt\n81km 300Hm 6h\n"
    assert evs(text2) == [(81, "km", "cumulative")]


def test_chinese_arrow_chain_and_day_stages_ignore_altitudes() -> None:
    # forms of legs_zh_g318 and stage_zh_g318_car
    text = "路线:甲城→乙镇(30公里)→丙村(45公里)\n"
    assert evs(text) == [(30, "km", "cumulative"), (75, "km", "cumulative")]
    text2 = ("D1:甲城——乙镇(海拔2400米),120公里,5小时,住乙镇。\n"
             "D2:乙镇——丙村(海拔3100米),80公里,4小时,住丙村。\n")
    got = extract_events(text2, "t")
    assert [e.value for e in got] == [120, 200]


def test_cue_sheet_total_column_and_turn_codes() -> None:
    # form of cue_freedomvalley: "Seg Total Way Directions"
    text = ("Seg Total Way Directions (miles)\n0.4 0.4 R Mill Rd\n1.1 1.5 L at stop sign, Oak Ave\n"
            "0.6 2.1 BR Church St\n")
    got = extract_events(text, "t")
    assert [(e.value, e.unit, e.turn, e.side, e.category) for e in got] == [
        (0.4, "mi", "right", "right", "turn_off"), (1.5, "mi", "left", "left", "turn_off"),
        (2.1, "mi", "right", "right", "turn_off")]
    assert {e.structure for e in got} == {"cue_sheet"}


def test_roll_chart_with_times_and_odometer_resets() -> None:
    # form of rollchart_zh_taiwan: time, place, leg, cumulative odometer
    text = "08:10 Start\n09:02 Aville 20.5k 20.5k\n10:15 Btown 15.0k 35.5k\n11:40 Ccity 30.0k 65.5k\n"
    assert evs(text) == [(20.5, "km", "cumulative"), (35.5, "km", "cumulative"),
                         (65.5, "km", "cumulative")]
    reset = "Distance km\n0.0 Depart hotel\n12.5 Cafe\n30.2 Bridge\n4.0 Water tap\n9.5 Camp\n"
    assert [e.value for e in extract_events(reset, "t")] == [0, 12.5, 30.2, 34.2, 39.7]


def test_table_km_column_never_the_altitude_price_or_time_column() -> None:
    # form of table_zh_g315 (place | distance) with an altitude column added
    text = ("km | place | altitude (m) | price | time\n0 | Aville | 2800 | 30 | 9:00\n"
            "45 | Btown | 2950 | 20 | 11:30\n120 | Ccity | 3300 | 45 | 15:10\n")
    assert evs(text) == [(0, "km", "cumulative"), (45, "km", "cumulative"), (120, "km", "cumulative")]


def test_numbered_list_is_no_table() -> None:
    text = "A cue sheet has:\n1) the segment length\n2) the total\n3) the turn\n4) the street\n"
    assert evs(text) == []


def test_prose_dual_units_and_compass_abbreviations() -> None:
    # forms of prose_khunjerab_dual and diary_barkly
    assert evs("The col is 30 km (19 mi) from Hillby.") == [(30, "km", "cumulative")]
    assert evs("Camp at the rest area 80km W of Dry Creek.") == [(80, "km", "cumulative")]


def test_post_number_then_k_and_hyphenated_line_break() -> None:
    # issue forms "540K" and "kilo-" / "metre marker 77"
    assert evs("Camped near 540K, a dry river bed.") == [(540, "km", "marker")]
    assert evs("Water tank at the kilo-\nmetre marker 77 by the road.") == [(77, "km", "marker")]
    assert evs("We slept at the 88th km from the border.") == [(88, "km", "marker")]


def test_chinese_prose_references() -> None:
    # forms of diary_zh_yongping and the G315 notes
    got = extract_events("甲镇往乙县20公里。在12公里的位置有饭店。再骑三公里就到垭口。1452公里处开始修路。", "t")
    assert [(e.value, e.ref, e.category) for e in got] == [
        (20, "cumulative", "town"), (12, "cumulative", "food"), (3, "relative", "pass"),
        (1452, "marker", "road_works")]
    assert [(e.value, e.category) for e in extract_events("K1383检查站。K1383+500露营。", "t")] == [
        (1383, "checkpoint"), (1383.5, "camping")]


def test_unplaced_lists_lengths_it_did_not_use() -> None:
    ex = extract("We did a 40 km loop around the lake.\nAt km 5 water.\n", "t")
    assert [e.value for e in ex.events] == [5]
    assert ex.unplaced and ex.unplaced[0][0] == 1


@pytest.mark.parametrize("text", ["", "No. 5 " * 10_000, "approx. 5 km later " * 3_000,
                                  "km 1" + ",000" * 20_000, "x" * 500_000])
def test_hostile_inputs_in_bounded_time(text: str) -> None:
    t0 = time.perf_counter()
    extract(text, "h")
    assert time.perf_counter() - t0 < 8


def test_destination_legs_and_remaining_distance_in_prose() -> None:
    # forms of diary_laos_naxay ("With only N km to <town>"), legs_prose_gap ("It's then N miles
    # to <place>") and the issue's "101 km to camp": relative legs whose end is named
    assert evs("With just 45km to Beta we left at dawn.") == [(45, "km", "relative")]
    assert evs("From the bridge it's then 12 miles to Gamma.") == [(12, "mi", "relative")]
    assert evs("3-6-2021 Leave Delta, 88 km to camp.") == [(88, "km", "relative")]
    assert evs("With 130km to go until we reached Omega, we stopped early.") == [(130, "km", "relative")]
    # a total stays a total even with a destination
    assert evs("In total we cycled 6,300 km to Omega.") == []


def test_spelled_out_number_with_a_place() -> None:
    # form of stage_laos_dayfirst: "a guesthouse three kilometers away from <town>"
    got = extract_events("A small inn appeared four kilometers away from Beta.", "t")
    assert [(e.value, e.ref, e.place) for e in got] == [(4, "cumulative", "Beta")]
    assert evs("A two-kilometre climb ends the day.") == []


def test_other_languages_relative_and_kilometro_markers() -> None:
    # forms of the German/Spanish diaries and prose_es_wikiloc ("kilómetro 0"); Russian "через N км"
    assert evs("Nach 14 km kommt ein Laden.") == [(14, "km", "relative")]
    assert evs("Después de 22 km hay una fuente.") == [(22, "km", "relative")]
    assert evs("Через 9 км будет магазин.") == [(9, "km", "relative")]
    assert evs("Salimos del kilómetro 0 en la plaza.") == [(0, "km", "marker")]
    # stage_de_greppo: "in ca. 25km Entfernung" is a search radius, not a position
    assert evs("Am Mittag sucht man in ca. 30km Entfernung ein Zimmer.") == []


def test_my_house_starts_a_leg() -> None:
    # form of a stage list whose first leg starts at the writer's home
    got = extract_events("My house to Beta, 20 km.\nBeta to Gamma, 30 km.\n", "t")
    assert [(e.value, e.name) for e in got] == [(20, "Beta"), (50, "Gamma")]


def test_gazetteer_finds_a_small_town_when_the_text_names_no_country() -> None:
    # the lead's drafts place "N km before <place>": Saratoga (California, ~30,000 inhabitants)
    from roadbook.extract.gazetteer import find_places
    [p] = find_places("1 km before Saratoga a bike shop.").places
    assert (p.name, p.country) == ("Saratoga", "US") and p.lat is not None
    assert find_places("").places == []


def test_binary_data_after_the_first_page_is_refused() -> None:
    from roadbook.extract.events import ExtractError, check_text
    with pytest.raises(ExtractError, match="NUL"):
        check_text("At km 5 a shop. " * 20_000 + "\x00\x01\x02", "t")
    with pytest.raises(ExtractError, match="control or undecodable"):
        check_text("At km 5 a shop. " * 20_000 + "\x01\x02\x03\ufffd" * 2_000, "t")


def test_long_thousands_runs_and_many_abbreviations_stay_correct() -> None:
    # issue 15 inputs, small: "km 1,000,000,..." reads one bounded number, abbreviations all apply
    assert [e.value for e in extract_events("At km 1,383 a shop.", "t")] == [1383]
    assert len(extract_events("km 1" + ",000" * 2_000, "t")) <= 1
    from roadbook.extract.categories import categorize
    abbr = {c: "new highway" for c in ("H", "HW", "X")}
    assert categorize("At km 1385 HW stops.", abbr).because == ("highway",)
