"""One test per real form of route notes (issue 10), each text written here in that form.

The real text each form stands for is named in the comment (its address is in
benchmarks/realtexts/labels.jsonl); the words and numbers here are our own.
"""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roadbook.extract.events import extract, extract_events
from roadbook.extract.patterns import _Spans, parse_number


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


# --- round 3 forms (own words and numbers; the real form each one stands for is named) ---------

def test_chinese_chain_with_altitudes_and_legs_after_names() -> None:
    # form of r3_zh_litang_batang: "A—B(alt)NKM—C NKM–D(alt)NKM"; the chain stops at a name
    # without a distance (the next leg starts there, so its sum would be wrong)
    text = "甲站—-乙山口(4500M)20KM—丙村8KM–丁县(3900M)40KM 。\n"
    assert evs(text) == [(20, "km", "cumulative"), (28, "km", "cumulative"), (68, "km", "cumulative")]
    broken = "甲站–乙山脚(约4000M)30KM—丙垭口(4600M)9KM–丁隧道口(3000M)–戊县(2500M)25KM 。\n"
    assert evs(broken) == [(30, "km", "cumulative"), (39, "km", "cumulative")]


def test_chinese_before_place_remaining_and_outside_forms() -> None:
    # forms of r3_zh_litang_batang ("距离X约N公里处"), r3_zh_xz_kudi ("距X只有N公里"),
    # r3_zh_mala_litang ("还有N公里就到X"), r3_zh_xz_yecheng ("奔N公里外的X")
    got = extract_events("垭口之后一直到距离甲县约12公里处均为下坡。", "t")
    assert [(e.value, e.ref, e.place) for e in got] == [(12, "cumulative", "甲县")]
    got = extract_events("翻过乙达坂后,距丙城只有90公里的路了。", "t")
    assert [(e.value, e.ref, e.place) for e in got] == [(90, "cumulative", "丙城")]
    assert evs("还有35公里就到丁镇,天快黑了。") == [(35, "km", "relative")]
    assert evs("早上骑车奔25公里外的戊县。") == [(25, "km", "relative")]
    # off the road is no position on it; a section length is no position either
    assert evs("己村离路边3公里,要买门票。") == []
    assert evs("庚乡到辛县约40公里路段有落石。") == []


def test_chinese_odometer_k_suffix_and_zero_post() -> None:
    # forms of r3_zh_tw_faqs ("此時里程約100K", "(A-B,約略167K)") and r3_zh_xz_kudi ("0公里路碑",
    # "零公里牌樓" on the next line: one post)
    assert evs("到便利店休息,此时里程约85K,距离乙市还有40-50K") == [(85, "km", "cumulative")]
    assert evs("5/2环岛DAY1 (甲市-乙市,约略140K)\n") == [(140, "km", "cumulative")]
    assert evs("绿道骑行总里程900公里") == []
    text = "甲县,国道0公里路碑。\n抵达甲县的零公里牌楼,完成全程。\n"
    assert evs(text) == [(0, "km", "marker")]


def test_chinese_prose_legs_are_summed() -> None:
    # form of r3_zh_luhuo: "从A到B,全程N公里" then "从B县城到C县城M公里": C lies N+M from A;
    # "一直爬到X N公里" in between is a point of the first leg
    text = "从甲乡到乙镇,全程60公里,一直爬到隧道口12公里。\n第二天从乙镇县城到丙县城80公里。\n"
    got = extract_events(text, "t")
    assert [(e.value, e.place) for e in got] == [(60, "甲乡"), (12, "甲乡"), (140, "甲乡")]


def test_day_header_then_label_and_distance_lines() -> None:
    # forms of r3_de_kopfs ("Tag 1 date" / "Ziel: Camping X" / "Strecke: Nkm"), h2_doonkeen_toledo
    # ("Day Five – A to B" / "Day Mileage: N miles"), r3_zh_tw_moto ("路線:A-B" / "總路程:N公里")
    text = ("Tag 1     3.6.19\n\nZiel: Campingplatz Aheim\nStrecke: 64km\n\n"
            "Tag 2     4.6.19\n\nZiel: Camping in Bdorf\nStrecke: 58km\n")
    assert evs(text) == [(64, "km", "cumulative"), (122, "km", "cumulative")]
    text = "Day Four – Alpha, WA to Beta, WA\n\nDay Mileage: 54 miles\nTotal Mileage: 270 miles\n"
    assert evs(text) == [(54, "mi", "cumulative")]
    assert evs("第三天:6/2(星期六)\n路线:甲乡-乙镇 省道12\n总路程:120公里\n") == [(120, "km", "cumulative")]
    # a later day alone (no day 1, no names) gives no position: "Day 31" / "Miles: 122"
    assert evs("Day 17\nMiles: 88\nMileage from start: 1,450\n") == []


def test_numbered_day_list_without_names_and_dated_one_place_lines() -> None:
    # forms of r3_ru_velovalera ("День 1" / "80 км — ...") and r3_de_liegeradler ("date  Place, N Km",
    # a rest day "0 Km Ruhetag" is no event)
    text = "День 1\n70 км — старт и проводы.\nДень 2\n95 км — ночёвка в палатке.\n"
    assert evs(text) == [(70, "km", "cumulative"), (165, "km", "cumulative")]
    text = ("03.05.04   Adorf, 120 Km\n\nWir fahren los.\n\n04.05.04  Bstadt,  85 Km\n\n"
            "05.05.04  Bstadt,  0 Km       Ruhetag\n\n06.05.04  Cburg,  101 Km\n")
    assert evs(text) == [(120, "km", "cumulative"), (205, "km", "cumulative"), (306, "km", "cumulative")]


def test_prose_ride_to_romance_at_from_and_german_behind() -> None:
    # forms of r3_juana_ferry / r3_daringly_hillsborough ("a N mile ride to X"),
    # r3_it_palermo_roma ("a N km da X"), h2_de_sardinien ("N Km hinter dem Tunnel"), r3_de_bachner
    # ("Nach gut N Kilometern")
    assert evs("It was about a 31 mile ride to the harbour.") == [(31, "mi", "relative")]
    assert evs("So I made the 52-mile ride to Pine Lake State Park.") == [(52, "mi", "relative")]
    assert evs("A truck hit me on the SS1 a 25 km da Genova.") == [(25, "km", "cumulative")]
    assert evs("12 Km hinter dem Tunnel biegen wir ab.") == [(12, "km", "cumulative")]
    assert evs("Nach gut 35 Kilometern liegt ein Laden am Weg.") == [(35, "km", "relative")]
    # lengths and trips stay lengths: a descent "de...", a ride without a destination, a drive
    assert evs("From the col it's a 25 km descent.") == []
    assert evs("A 40 mile ride is enough.") == []
    assert evs("Nach 650 Km Non-Stop-Fahrt sind wir da.") == []
    assert evs("The last 12 miles took 2 hours.") == []


def test_ride_statistics_rows_are_no_table() -> None:
    # form of r3_cooldust_jemez: "Distance = 30.65" / "Ave. Speed = 8.0" / "Monthly Dist. = 72.70"
    text = ("Distance =  28.40\nTime =  3:12:05\nAve. Speed =  8.9\nMax. Speed =  31.0\n"
            "Monthly Dist. =    95.10\nYearly Dist. =  812.33\n")
    assert evs(text) == []


def test_section_header_is_a_length_and_stage_header_is_a_leg() -> None:
    # tests/extract_labelled/37 ("Section 4: A – B (340 km)") vs r3_es_cienmil ("Etapa 4: A – B (68 km).")
    assert evs("Section 2: Aville – Btown (210 km).\n") == []
    assert evs("Diario; Etapa 3: Aville – Btown (54 km).\n") == [(54, "km", "cumulative")]


def test_structures_keep_no_state_between_calls() -> None:
    # the end-name map of the stage lists was a module-level dict that grew with every call
    from roadbook.extract import structures
    sizes = {k: len(v) for k, v in vars(structures).items() if isinstance(v, dict)}
    for n in range(50):
        structures.find_structures(f"Day 1: Place{n} Camp, near Hill{n} - Town{n} - 40 km\n"
                                   f"Day 2: Hill{n} to Village{n}, 30 km\n")
    assert {k: len(v) for k, v in vars(structures).items() if isinstance(v, dict)} == sizes


def test_chinese_distance_after_the_start() -> None:
    # form: Chinese rider's notes counting from the morning's start ("出发后N公里"), own words
    events = extract_events("出发后12公里有个小卖部。\n骑到出发后40公里处露营。\n", "zh-start.txt")
    got = [(e.value, e.ref, e.place, e.category) for e in events]
    assert (12.0, "cumulative", None, "food") in got
    assert any(v == 40.0 and ref == "cumulative" and place is None for v, ref, place, _ in got), got


def test_chinese_between_posts_direction_from_town_and_distance_left() -> None:
    # forms of h3_zh_desert_highway ("K119和K120之間", "在X縣城東約九公里處") and h3_zh_xiasha_wuxi
    # ("到X还有33KM" read off a phone): a range between two posts, N km from a named town in a
    # direction (no km post), the distance still to go (a relative event at the writer's position)
    got = extract_events("K205和K206之间有一座石碑。", "t")
    assert [(e.value, e.value_end, e.ref) for e in got] == [(205, 206, "range")]
    got = extract_events("岔路口在乙县城西约七公里处。", "t")
    assert [(e.value, e.ref, e.place) for e in got] == [(7, "cumulative", "乙县城")]
    assert [(e.value, e.ref) for e in extract_events("路牌写着到丙镇还有41KM。", "t")] == [(41, "relative")]


def test_chinese_numerals_of_two_characters() -> None:
    # "二十公里", "十五公里", "一百二十公里": numbers written in Chinese, beyond one character
    assert [(e.value, e.ref) for e in extract_events("再骑十五公里就到丁镇。", "t")] == [(15, "relative")]
    assert [(e.value, e.ref) for e in extract_events("在戊市北约二十公里处有加水点。", "t")] == [(20, "cumulative")]
    assert extract_events("再骑三四公里到了。", "t") == []          # "three or four": no number


def test_lower_case_mile_post() -> None:
    # form of h3_utah_mp: "around mp 90", "passed mp 68"; "35 mm" stays a lens
    assert evs("Near mp 57 the shoulder got wide again.") == [(57, "mi", "marker")]
    assert evs("I passed mp 31 at noon.") == [(31, "mi", "marker")]
    assert evs("Shot with a 35 mm lens at mm 4.") == []


def cums(text: str) -> list[tuple[float, str | None]]:
    return [(e.value, e.place) for e in extract_events(text, "t") if e.ref == "cumulative"]


def test_diary_days_printed_newest_first_are_summed_in_riding_order() -> None:
    # form of h3_de_unsere_reise: a blog's day posts newest first, each "N. Tag: D km, A – B – C"
    # followed on the same line by the day's story (with dashes of its own); days missing from the
    # page break the chain (a new start name restarts the sum)
    story = ("Wir starteten früh bei Nebel – und der Wind kam von vorn, wie so oft in dieser Gegend. "
             * 4)
    text = (f"Tag 6 – 12.08.2023\n\n6. Tag: 70 km, Kappa – Lambda – Mu {story}\n\n"
            f"Tag 5 – 11.08.2023\n\n5 .Tag: 55 km, Eta – Theta – Kappa {story}\n\n"
            f"Tag 3 – 09.08.2023\n\n3. Tag: 80 km, Alpha – Beta – Gamma {story}\n")
    assert sorted(cums(text)) == [(55, "Eta"), (80, "Alpha"), (125, "Eta")]


def test_russian_day_list_with_remarks_lower_case_places_and_a_train() -> None:
    # form of h3_ru_kirzhach: "N день – A – B (remark) – C … - D км"; places written in lower case
    # ("правый берег реки X"), remarks in brackets that hold dashes, a train restarting the sum
    text = ("1 день – Альфа – Бета (лесные тропы, 20 % грунт) – Гамма. Ехали втроём - 70 км.\n"
            "2 день – Дельта (Гамма - Дельта на поезде) – Эпсилон – левый берег реки Дзета - 48 км\n"
            "3 день – берег реки Дзета – Эта – Тета (асфальт, ветер - встречный) - 52 км\n")
    assert cums(text) == [(70, "Альфа"), (48, "Дельта"), (100, "Дельта")]


def test_ordinal_day_with_its_distance_in_brackets() -> None:
    # form of h3_ru_berd: "Второй день — порядка 25 км: A — B — C.", "Третий … день (20км): C — D"
    text = ("Второй день — около 30 км: Омега — Пси — Хи.\n"
            "Третий тяжёлый день (18км): Хи — Снова лес — Быстрый спуск по камням (слава богу, сухо!) — Ипсилон.\n")
    assert cums(text) == [(30, "Омега"), (48, "Омега")]


def test_leg_named_in_prose_and_distance_of_nothing_ahead() -> None:
    # forms of h3_de_vonau_perleberg ("Die Fahrt von A nach B beträgt nur etwas 45 Kilometer") and
    # h3_utah_mp ("30 miles of nothing to the next gas station, then 40 or 50 miles ... to X")
    assert cums("Die Strecke von Alpha nach Beta beträgt nur rund 38 Kilometer.") == [(38, "Alpha")]
    assert cums("From Gamma to Delta it is just 27 km, so we slept in.") == [(27, "Gamma")]
    assert cums("In total we rode from Gamma to Delta 3,100 km.") == []
    assert evs("He said it was 25 miles of desert to the next motel.") == [(25, "mi", "relative")]
    got = extract_events("Then 20 or 30 miles of nothing to Epsilon.", "t")
    assert [(e.value, e.ref, e.confidence) for e in got] == [(20, "relative", "low")]
    assert evs("From the col, 15 km of downhill to Zeta.") == []     # a descent's length
    assert cums("From Alpha to Beta at 25 km/h.") == []               # a speed


def test_post_title_with_date_and_distance_and_stage_label_with_km_first() -> None:
    # forms of h2_gdmbr_jasper (title "A to B", then "July 21, 2010 – 97 miles") and
    # h3_es_melide_santiago ("Etapa: A - B" / "Km: 53 según la guía")
    text = "Red Rock Junction to Pine Flats\n\nAugust 3, 2019 – 64 miles\n\nWe woke up to frost.\n"
    assert cums(text) == [(64 * 1.0, "Red Rock Junction")]
    text = "Fecha: 2 de mayo de 2015\nEtapa: Alpha - Beta de Gamma\nKm: 41 según la guía, 44 según el GPS\n"
    assert cums(text) == [(41, "Alpha")]
    # a title followed by prose that starts with a distance is no leg
    assert cums("Alpha to Beta\n\n64 miles of headwind made it a long day, we said.\n") == []


def test_quoted_road_sign() -> None:
    # form of h3_es_melide_santiago: pone "Santiago 52km" (a sign at the writer's position)
    assert evs('A la salida del pueblo pone "Beta 37km", aunque nos salió algo más.') == [(37, "km", "relative")]
    assert evs('He said "it is 5 km" and laughed.') == []


def test_chinese_side_trip_in_brackets_after_a_leg() -> None:
    # form of legs_zh_g318: "X(126公里)(再行52公里至A镇进B沟13公里可至营地)": two relative legs in
    # the brackets; "公里至…" is no place name
    got = extract_events("丙县(88公里)(再行31公里至丁镇进戊沟9公里可至营地)", "t")
    assert [(e.value, e.ref) for e in got] == [(31, "relative"), (9, "relative")]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 60), st.integers(1, 8)), max_size=40))
def test_span_set_answers_as_the_plain_overlap_test(spans: list[tuple[int, int]]) -> None:
    # find_references keeps its references in a sorted span set (hundreds per hostile sentence)
    kept: list[tuple[int, int]] = []
    s = _Spans()
    for a, n in spans:
        b = a + n
        plain = any(a < e and x < b for x, e in kept)
        assert s.overlaps(a, b) == plain
        if not plain:
            kept.append((a, b))
            s.add(a, b)


def test_the_first_n_km_in_several_languages() -> None:
    # forms of t4_es_sudamerica_calamarca, t4_nl_krebos_zandstuve, t4_ru_dvride_birikan,
    # t4_it_girodolomiti_stage3 ("dopo soli 13 km"): the first stretch of the day, relative
    for text in ("Los primeros 14 km hasta Beta fueron llanos.", "De 1e 25 km ging het goed.",
                 "первые 9 км асфальт.", "Die ersten 18 km waren flach.", "Dopo soli 11 km si arriva a Beta."):
        assert [e.ref for e in extract_events(text, "t")] == ["relative"], text


def test_km_of_a_stage_and_trail_journal_columns() -> None:
    # forms of t4_it_girodolomiti_stage3 ("Km 0 di questa tappa"), t4_es_juanoflyer_pontevedra
    # ("la etapa es de 20km ... (en el km 10)"), t4_at_joealaya_stovercreek ("Miles from X: 2.5",
    # "the 5 plus miles to Y"), t4_at_trailtales_days115 ("the 1400 mile mark")
    assert evs("Partenza dalla piazza, km 0 di questa tappa.") == [(0, "km", "cumulative")]
    assert evs("La etapa es larga, pero en el km 12 hay un bar.") == [(12, "km", "cumulative")]
    assert cums("Miles from Cedar Gap: 7.4") == [(7.4, "Cedar Gap")]
    assert evs("We skipped the 4 plus miles to Owl shelter.") == [(4, "mi", "relative")]
    assert evs("We passed the 900 mile mark at noon.") == [(900, "mi", "marker")]
    assert evs("At km 1383 checkpoint.") == [(1383, "km", "marker")]   # no stage: a road km post


def test_day_list_of_legs_to_a_named_end_and_stage_lines() -> None:
    # forms of t4_at_trailtales_days115 ("Day 116 (July 15th) – 16.3 miles to X."),
    # t4_es_patadeoca_etapas ("1ª Etapa: de A a B, consta de 25,7 km"), t4_it_quicomo_valmalenco
    # ("1^ TAPPA A - B" and, lines below, "lunghezza: 13 km 65 m"), t4_zh_haomeiwen_mayingzhen
    # ("Day  5  阴天 行程:A--B  56公里")
    text = ("Day 40 (May 2nd) – 12.5 miles to Owl Shelter. Rain.\n"
            "Day 41 (May 3rd) – 17.0 miles to Fox Gap, PA. Hot.\n")
    assert cums(text) == [(12.5, None), (29.5, None)]
    text = "1ª Etapa: de Alpha a Beta, consta de 18,5 km.\n2ª Etapa: de Beta a Gamma, 21 km.\n"
    assert cums(text) == [(18.5, "Alpha"), (39.5, "Alpha")]
    text = ("1^ TAPPA RIFUGIO ALFA - RIFUGIO BETA\n\ndislivello in salita 900 m\n\nquota minima: 1200 m\n\n"
            "lunghezza: 9 km 40 m\n\n2^ TAPPA RIFUGIO BETA - GAMMA\n\ndislivello in salita 300 m\n\n"
            "dislivello in discesa: 800 m\n\nquota massima: 2100 m\n\nlunghezza: 6 km 5 m\n")
    assert cums(text) == [(9.04, "RIFUGIO ALFA"), (15.045, "RIFUGIO ALFA")]
    assert cums("Day  3  晴 行程:甲镇--乙村  47公里") == [(47, "甲镇")]


def test_chinese_odometer_and_distance_left() -> None:
    # forms of t4_zh_xxbike_yueliangwan ("出城5公里就是…"), t4_zh_zit_jiangda_dege ("到31公里有…"),
    # t4_zh_ydawanqu_zoucheng ("已经骑行65公里", "还剩45公里")
    assert [(e.value, e.ref) for e in extract_events("出城8公里就是一座古桥。", "t")] == [(8, "cumulative")]
    assert [(e.value, e.ref) for e in extract_events("一路起伏到27公里有一个寺。", "t")] == [(27, "cumulative")]
    assert [(e.value, e.ref) for e in extract_events("已经骑行72公里,饿了。", "t")] == [(72, "cumulative")]
    assert [(e.value, e.ref) for e in extract_events("吃完饭还剩38公里。", "t")] == [(38, "relative")]


def test_day_story_and_earlier_sentence_are_not_the_leg() -> None:
    # forms of t4_at_trailtales_days115 (the day's story after "N miles to X." holds "… to us!")
    # and t4_it_alpi4000_tappe ("Da A sino a B (918 m). Da qui si sale per 25 km": a climb)
    text = ("Day 7 (June 2nd) – 11.0 miles to Elk Shelter. Rain.\n"
            "Day 8 (June 3rd) – 9.5 miles to Hart Gap. The heat is getting to us! Long breaks today.\n")
    assert cums(text) == [(11.0, None), (20.5, None)]
    assert evs("Da Alfa lungo la ciclabile sino a Beta (700 m s.l.m.). Da qui si sale per 18 km, dura.") == []


def test_cue_sheet_mile_is_its_odometer() -> None:
    # form of t4_cue_babesonbikes: "on the cue sheet ... start at mile 0.00", "rest stop is at mile 28.0"
    assert evs("On the cue sheet you start at mile 0.00 and turn left on Oak Road.") == [(0, "mi", "cumulative")]
    assert evs("The first rest stop is at mile 31.5, at the school.") == [(31.5, "mi", "cumulative")]


def test_chain_of_legs_in_one_prose_sentence() -> None:
    # form of t4_it_boboyy88_alpeadria: "si va da A a B (37 km), da B a C (60 km), di qui a D (55 km)
    # e, poi, appunto, a E (59 km)": each end at the sum of the legs from A
    text = ("Da lì si va da Alfa a Beta (21 km), da Beta a Gamma (34 km), di qui a Delta (12 km) e, poi, "
            "a Epsilon (8 km).")
    assert cums(text) == [(21, "Alfa"), (55, "Alfa"), (67, "Alfa"), (75, "Alfa")]
    assert cums("From Alpha to Beta (12 km), then to Gamma (20 km) and to Delta (5 km).") == [
        (12, "Alpha"), (32, "Alpha"), (37, "Alpha")]


def test_already_n_km_is_the_odometer_and_bis_nach() -> None:
    # forms of t4_de_webvoyage_wingst ("nach bereits 56km X erreichen") and t4_de_lieders_donau3
    # ("Die Strecke von A bis nach B beträgt ca. 99 km")
    assert evs("Als wir nach bereits 41km Beta erreichen, regnet es.") == [(41, "km", "cumulative")]
    assert cums("Die Strecke von Alpha bis nach Beta beträgt ca. 64 km.") == [(64, "Alpha")]


def test_enduro_route_sheet() -> None:
    # form of t4_rollchart_ecea_sandylane / h4_rollchart_ecea_southern_tier (an enduro club's
    # route-sheet file): "note <odometer> <odometer> <turn code>" rows are cues; speed, reset,
    # start, break and free_zone rows are timing; no unit written: miles (US enduro sheets)
    text = ("# Enduro Route Sheet\n     title TEST LOOP\n     speed   0.00  22\n"
            "      note   0.41 0.41 RTR\n      note   1.07 1.07 LBT\n     reset   1.07  2.50\n"
            "      note   2.88 2.88 XBT\n      note   2.88 OLD MILL\n     speed   3.10  18\n"
            "      note   4.26 4.26 LWR\n")
    got = extract_events(text, "t")
    assert [(e.value, e.unit, e.ref, e.side) for e in got] == [
        (0.41, "mi", "cumulative", "right"), (1.07, "mi", "cumulative", "left"), (2.88, "mi", "cumulative", None),
        (2.88, "mi", "cumulative", None), (4.26, "mi", "cumulative", "left")]
    assert [e.category for e in got][:2] == ["turn_off", "turn_off"]


def test_club_cue_sheet_with_long_road_notes_and_us_roads() -> None:
    # form of h4_cue_irregularvelo: "@ turn go on comment(s)" then "0.0 R 2.0 X Rd." rows whose
    # comments run long; no unit written anywhere, US road numbers: miles
    text = ("Loop: 44 m.\n\n@ turn go      on         comment(s)\n"
            "0.0 R 3.1 Oak Grove Church Rd.\n"
            "3.1 L 12.4 Hill St --> Mill Rd --> SR-42 past the feed store and the old school\n"
            "15.5 R 2.2 Main St in Dayton --> NC-39\n"
            "17.7 bL 0.9 to stay on Creek Rd after the bridge\n")
    got = extract_events(text, "t")
    assert [(e.value, e.unit, e.ref) for e in got] == [
        (0.0, "mi", "cumulative"), (3.1, "mi", "cumulative"), (15.5, "mi", "cumulative"), (17.7, "mi", "cumulative")]


def test_chinese_roadbook_chain_with_altitudes_and_odometer() -> None:
    # form of h4_zh_youxiake_chuanzang: "D1. 甲(海拔512)—乙镇(海拔550 28km)—丙—丁市(海拔710 59km)…":
    # the km beside the altitudes grow along the chain: positions from its first place, not legs
    text = "D1. 甲市(海拔500)—乙镇(海拔560 17km)—丙村—丁县(海拔720 44km)—戊镇(海拔980 70km)总里程:70km"
    assert cums(text) == [(17, "甲市"), (44, "甲市"), (70, "甲市")]


def test_growing_after_n_km_read_the_days_odometer() -> None:
    # form of h4_de_schweiger_passau_linz: "Nach 30 km in A … Nach ca. 50 km … nach 70 km …": the
    # values grow, so they are the day's odometer (30 + 50 + 70 would overshoot the day)
    text = "Nach 20 km in Alpha war der Radweg gesperrt. Nach ca. 45 km kam die Fähre. Dort nach 60 km Pause."
    assert [(e.value, e.ref) for e in extract_events(text, "t")] == [
        (20, "cumulative"), (45, "cumulative"), (60, "cumulative")]
    # falling values, or "after another": legs from the previous position
    assert [e.ref for e in extract_events("After 12 km a shop. After 5 km a well.", "t")] == ["relative", "relative"]
    assert [e.ref for e in extract_events("After 5 km a shop. After another 7 km a well.", "t")] == [
        "relative", "relative"]


def test_wiki_table_with_row_rules() -> None:
    # form of h4_table_zh_g316: a wiki distance table whose rows are separated by "|-----"
    text = ("{| class=\"wikitable\"\n|-----\n| bgcolor=\"EEEEEE\" | 城市名 || 距起点距离\n|-----\n"
            "| bgcolor=\"EEEEEE\" | [[甲省]][[乙市]] || 0\n|-----\n| bgcolor=\"EEEEEE\" | [[甲省]][[丙县]] || 64\n"
            "|-----\n| bgcolor=\"EEEEEE\" | [[甲省]][[丁县]] || 151\n|-----\n|}\n")
    assert [(e.value, e.unit, e.ref) for e in extract_events(text, "t")] == [
        (0, "km", "cumulative"), (64, "km", "cumulative"), (151, "km", "cumulative")]


def test_day_line_naming_two_places_without_a_dash() -> None:
    # form of h4_de_kaspressknoedel_donau: "Tag 1: Innsbruck Jettenbach (170 km und 8 h 30 min Fahrzeit"
    text = ("Tag 1: Alpha Beta (80 km und 5 h Fahrzeit)\nTag 2: Beta Gamma (65 km und 4 h Fahrzeit)\n")
    assert cums(text) == [(80, "Alpha"), (145, "Alpha")]
    # a dated line is no diary day: its story is not searched for a leg
    assert cums("October 2, 2021 – We left early Sunday – the dump station, then 50 miles on.") == []


def test_round_5_forms_of_european_and_african_diaries() -> None:
    # t5_b_themeeg_iceland "Day 1: A > B (44 km)"; t5_b_fr_deconcarneau_rga "A - B : 61 kilomètres";
    # t5_b_bike2013_lilongwe "Day 62, 130km to X" (newest first); t5_b_pt_jmctravel_central
    # "a 13 km do Porto"; t5_b_sv_ssworld_nordkapp "16km från X"; Dutch "Na ca 300 km", Polish
    # "Po 5 km", "Pierwsze 30 km"
    assert cums("Day 1: Alpha > Beta (31 km)\nDay 2: Beta > Gamma (58 km)\n") == [(31, "Alpha"), (89, "Alpha")]
    assert cums("Alpha - Beta : 47 kilomètres\nBeta - Gamma : 30 kilomètres\n") == [(47, "Alpha"), (77, "Alpha")]
    assert sorted(cums("Day 9, 80km to Gamma\nDay 8, 70km to Beta\nDay 7, 60km to Alpha\n")) == [
        (60, None), (130, None), (210, None)]
    assert cums("Uma paragem em Beta, que é a 11 km do Alfa.") == [(11, "Alfa")]
    assert cums("Bilden visar campingen. Ca 9km från Beta.") == [(9, "Beta")]
    assert [e.ref for e in extract_events("Na ca 120 km kwamen we aan.", "t")] == ["relative"]
    assert [e.ref for e in extract_events("Po 4 km płaskich zaczyna się podjazd.", "t")] == ["relative"]
    assert [e.ref for e in extract_events("Pierwsze 25 km to głównie podjazdy.", "t")] == ["relative"]


def test_round_5_forms_of_asian_diaries() -> None:
    # t5_a_en_budgie_murghab_day6 "about 20km into my day"; t5_a_en_wanderingtv_manali_leh "Our
    # destination was still 108 Km away"; t5_a_en_everywhich_hopa_batumi "The border is 20 km
    # away!!"; t5_a_ru_lesnichin_chuya_day8 "Всего-то 125км. до Монголии!"; t5_a_zh_travelrabbit
    # "day21, A –B,82公里。"; t5_a_zh_zixun_moto "距離:365KM"; full-width digits and "㎞"
    assert evs("We met them about 14km into my day.") == [(14, "km", "cumulative")]
    assert evs("Our goal was still 61 Km away.") == [(61, "km", "relative")]
    assert evs("The pass is 9 km away!") == [(9, "km", "relative")]
    assert evs("Всего-то 48км. до Бийска!") == [(48, "km", "relative")]
    assert cums("day4, 甲镇 –乙村,57公里。\nday5, 乙村–丙县,33公里。\n") == [(57, "甲镇"), (90, "甲镇")]
    assert cums("第三站 甲市-乙县\n距離:212KM騎行時間:6.1小時\n") == [(212, "甲市")]
    assert [(e.value, e.ref) for e in extract_events("再骑１２㎞就到乙镇。", "t")] == [(12, "relative")]


def test_holdout_5_forms_after_its_measurement() -> None:
    # t5_a_zh_wushi_aheqi "離X縣還有60公里" (still to go: relative) and "G219第1888個里程碑";
    # t5_a_zh_xinzang_d4_mazha "k272是個道班"; t5_a_zh_sina_318 "顯示4950公里的路樁";
    # t5_a_zh_silk_shandan "騎行大約26公里來到X", "才騎了61公里"; t5_a_en_bigladonabike
    # "100km to the nearest big town"; t5_b_guide_pacificcoast "A to B (57 Miles)";
    # t5_b_thirstycyclist_nz "Day 2. To X beach 171km"
    zh = lambda t: [(e.value, e.ref) for e in extract_events(t, "t")]  # noqa: E731
    assert zh("骑了一会,离乙县还有37公里。") == [(37, "relative")]
    assert zh("G315第1402个里程碑。") == [(1402, "marker")]
    assert zh("k318是一个道班。") == [(318, "marker")]
    assert zh("显示2210公里的路桩出现了。") == [(2210, "marker")]
    assert zh("骑行大约19公里来到一个工地。") == [(19, "cumulative")]
    assert zh("到中午才骑了44公里。") == [(44, "cumulative")]
    assert evs("It was 70km to the nearest small village.") == [(70, "km", "relative")]
    assert cums("Pine Cove State Park to Elk Head State Park (41 Miles)") == [(41, "Pine Cove State Park")]
    assert cums("Day 1 Alpha 30km\nDay 2. To Beta beach 55km\n") == [(30, None), (85, None)]


def test_dated_stage_lines_with_names_in_capitals() -> None:
    # form of t5_b_es_juanalexandra_austral: "14-12-2011 : COYAIQUE-LAGUNA CHIGUAY (62 km)"
    text = "03-02-2019 : ALFA-LAGUNA BETA (41 km)\n04-02-2019 : LAGUNA BETA-GAMMA (29 km)\n"
    assert cums(text) == [(41, "ALFA"), (70, "ALFA")]
    assert cums("SAINT-JEAN (12 km)") == []


def test_trip_lengths_daily_averages_and_drives_are_no_position() -> None:
    # t5_b_zero_de_spokenshoe_donau ("meine Reise sollte über 1270 km bis nach Budapest gehen",
    # "in etwa 80 km pro Tag"), t5_a_en_bigladonabike_iran ("After 250km in two days"),
    # t5_a_en_rainbowsrest_mongolia ("then a 50km drive to X")
    assert evs("Meine Reise sollte über 940 km bis nach Wien gehen.") == []
    assert evs("Ich plane etwa 70 km pro Tag.") == []
    assert evs("After 180km in three days I arrived in Beta.") == []
    assert evs("Then a 35km drive to the lodge.") == []
    assert evs("It is a 27 mile ride to the ferry.") == [(27, "mi", "relative")]


def test_round_6_stage_and_day_lines() -> None:
    # forms of holdout-6 after its measurement: t6_b_es_mundicamino_larrasoana ("2. Burguete -
    # Espinal - 3.4 km": a list number is no date), t6_b_pt_kaujak_cascatas ("• Etapa 1 - A a B -
    # aprox. 27 km"), t6_b_nl_lieverseprudon_dag25 ("Dag 22: A - B - 74 km"), t6_b_cs_petuvan_linz
    # ("Den šestý: kemp - Linz 27 km": an unnamed camp), t6_b_pt_agoralascou_serro ("Quarto dia de
    # viagem: de A até B - 88 km"), t6_b_pt_vivimar_mantiqueira ("Dia 1: A x B x C - 34km")
    text = "1. Alfa - Beta - 2.5 km\n2. Beta - Gamma - 4.0 km\n3. Gamma - Delta - 1.5 km\n"
    assert cums(text) == [(2.5, "Alfa"), (6.5, "Alfa"), (8.0, "Alfa")]
    assert cums("12. März - Alfa - Beta 40 km") == [(40, "Alfa")]          # a date still is one
    text = "  • Etapa 1 - Alfa a Beta - aprox. 19 km\n  • Etapa 2 - Beta a Gama - aprox. 22 km\n"
    assert cums(text) == [(19, "Alfa"), (41, "Alfa")]
    assert cums("Dag 3: Alfa - Beta - 61 km\nDag 4: Beta - Gamma - 58 km\n") == [(61, "Alfa"), (119, "Alfa")]
    assert cums("Den pátý: kemp - Alfa 22 km\nDen šestý: Alfa - Beta 31 km\n") == [(22, None), (53, None)]
    assert cums("Terceiro dia de viagem: de Alfa até Beta - 64 km.") == [(64, "Alfa")]
    assert cums("Dia 2: Alfa x Beta x Gama - 47km com subidas") == [(47, "Alfa")]


def test_japanese_day_table_with_k_and_tilde() -> None:
    # form of t6_a_ja_takenami_table: "月日・走行時間・距離・登坂長・発地~着地" rows
    # " 5/21  8h55m  87k  550m  A市~B市": the distance written "87k", names joined by "~"
    text = (" 4/02  6h10m  61k  300m  甲市~乙町\n 4/03  5h40m  48k  250m  乙町~丙村\n"
            " 4/04  7h05m  72k  700m  丙村~丁市\n")
    assert cums(text) == [(61, "甲市"), (109, "甲市"), (181, "甲市")]
    assert evs("We paid 87k for the room.") == []


def test_brevet_log_rows_with_one_km_cell_among_other_numbers() -> None:
    # form of t6_a_ja_rptaki_ah2400_day4: "8/13 04:37 (03:48) [-0:49] 1028.3km 店 photo check 04": the
    # cell with the unit is the row's odometer, whatever other numbers and words the row carries
    text = ("8/02 06:10 (00:00) [ 0:00] 0412.0km 甲旅館\n8/02 07:55 (01:40) [-0:05] 0441.6km 乙店 photo check 02\n"
            "8/02 09:20 (03:05) [-0:15] 0466.3km 丙店\n8/02 11:02 (04:50) [-0:12] 0493.8km PC03 丁店 photo check 03\n")
    assert [(e.value, e.ref) for e in extract_events(text, "t")] == [
        (412.0, "cumulative"), (441.6, "cumulative"), (466.3, "cumulative"), (493.8, "cumulative")]
    # prose lines that each give one distance stay prose (own text 09_mongolia: places kept)
    got = extract_events("The asphalt ends 40 km from Alpha; sand after.\nA well 65 km from Alpha, good water.\n"
                         "Ger camp at 118 km from Alpha, by the bridge.\n", "t")
    assert [e.place for e in got] == ["Alpha", "Alpha", "Alpha"]


def test_round_6_odometer_words_and_ks() -> None:
    # forms of holdout-6 after its measurement: t6_a_en_bike2013_konkiep ("by 50km started another
    # climb", "Once past 56km", "kept up to 63km where we turned", "between 10km and 15km points"),
    # t6_a_en_mytripjournal_paksan ("At 59ks", "20ks out of X", "15ks before X"),
    # t6_a_en_lemalabari_kunzum ("at a distance of 12kms from X"), t6_a_zh_wxredian_g331
    # ("15:52骑行61公里": a log line's odometer)
    assert evs("Then by 44km we started to climb.") == [(44, "km", "cumulative")]
    assert evs("Once past 51km the road got better.") == [(51, "km", "cumulative")]
    assert evs("The tailwind kept up to 72km where we turned.") == [(72, "km", "cumulative")]
    assert evs("Sandy between 8km and 13km points.") == [(8, "km", "range")]
    assert evs("At 37ks we met two cyclists.") == [(37, "km", "cumulative")]
    assert cums("18ks out of Alpha we rejoined route 9.") == [(18, "Alpha")]
    assert cums("The pass was ahead at a distance of 9kms from Beta.") == [(9, "Beta")]
    assert evs("We cycled a distance of 80 km today.") == []
    assert [(e.value, e.ref) for e in extract_events("14:20骑行47公里,路边有商店。", "t")] == [(47, "cumulative")]
    assert evs("Thanks for the 5 weeks.") == []


def test_round_6_day_lists_with_unnamed_days_and_distance_first() -> None:
    # t6_b_nl_lieverseprudon_dag25 ("Dag 22: Dinant - 74 km" / "Dag 23: 75 km" / "Dag 24: X - 87 km"),
    # t6_b_en_tomheadswest_ky ("70 miles.  A to B.  <the day's story>"), t6_b_en_epiccamino
    # (sign "“Santiago de Compostela 790km.”")
    text = "Dag 5: Alfa - 61 km\nDag 6: 58 km\nDag 7: Gamma - 70 km\n"
    assert cums(text) == [(61, None), (119, None), (189, None)]
    story = "Long day with rain, wind and trucks on the road; we were tired when we arrived. " * 2
    text = f"55 miles.  Alpha to Red Barn.  {story}\n\n62 miles.  Red Barn to Utica.  {story}\n"
    assert cums(text) == [(55, "Alpha"), (117, "Alpha")]
    assert evs("The sign says “Beta de Gamma 412km.” and we smile.") == [(412, "km", "relative")]


def test_day_log_stops_on_lines_of_their_own() -> None:
    # form of t6_b_en_lifeonab17_benton: "Harrisburg IL, 59 miles" ... "Benton IL, 34 miles"
    text = "Alpha IL, 48 miles\n\nHot and windy, long climbs.\n\nBeta IL, 37 miles\n"
    assert cums(text) == [(48, None), (85, None)]
    assert cums("Paris is nice. We rode 40 km, then ate.\n") == []


def test_round_7_forms_after_holdout_7() -> None:
    # forms of holdout-7 after its one measurement: t7_b_de_chaosfmbh_donau ("Nach weiteren 19 km":
    # after another, never the odometer), t7_b_pl_dookola_serbia ("Pirot – Sofia (90 km) <story>"),
    # t7_b_it_zerotrenta_sarria ("2º giorno | A - B (22,2 km)"), t7_b_pt_ateondedeu ("Distância:
    # 19,83km"), t7_b_en_bikeoregoncoast ("Today's mileage: 61 miles")
    got = extract_events("Nach 12 km Pause. Nach weiteren 20 km ein Laden.", "t")
    assert [(e.value, e.ref) for e in got] == [(12, "relative"), (20, "relative")]
    story = "Der Morgen war kalt und die Strasse lang, dann kam die Grenze mit einer langen Schlange. " * 3
    assert cums(f"Alfa – Beta (41 km) {story}\nBeta – Gamma (57 km) {story}\n") == [(41, "Alfa"), (98, "Alfa")]
    assert cums("2º giorno | ALFA - BETA (18,5 km)\n3º giorno | BETA - GAMMA (21,0 km)\n") == [
        (18.5, "ALFA"), (39.5, "ALFA")]
    assert cums("Dia 2: Alfa x Beta\nDistância: 23,41km\n") == [(23.41, "Alfa")]
    assert cums("Alpha to Beta\n\nToday's mileage: 47 miles\n") == [(47, "Alpha")]


_GATE_WORDS = ["after", "in", "within", "for the next", "nach", "na", "po", "après", "después de", "tras", "dopo",
               "a los", "al cabo de", "au bout de", "через", "после", "another", "a further", "further",
               "an additional", "additional", "a more", "one more", "the next", "first", "last", "following",
               "primeros", "primi", "ersten", "eerste", "1e", "первые", "pierwsze", "první", "at", "at the",
               "somewhere around", "by", "once past", "past", "up to", "until", "till", "odometer said",
               "garmin showed", "gps read", "speedo at", "cyclometer read", "only", "bereits", "weiteren",
               "about", "ca.", "the", "we", "rode", "Then", "AFTER", "Nach"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_GATE_WORDS), min_size=1, max_size=5))
def test_cheap_gates_never_hide_a_match(words: list[str]) -> None:
    # patterns._classify_length runs the end-anchored _REL_BEFORE search only when _REL_HINT_RX
    # finds one of its words, and the prose-leg search only when a _LEG_HINTS word is there: the
    # gates must hold whenever the pattern they guard matches
    from roadbook.extract.patterns import _LEG_BEFORE, _LEG_HINTS, _REL_BEFORE, _REL_HINT_RX

    window = (" ".join(words) + " ")[-45:]
    if _REL_BEFORE.search(window):
        assert _REL_HINT_RX.search(window.lower())
    before = "Die Fahrt von Alpha nach Beta " if "nach" in words else "The ride from Alpha to Beta is "
    if _LEG_BEFORE.search(before + " ".join(words[:1]) + " "):
        assert any(w in (before + " ".join(words[:1]) + " ").lower() for w in _LEG_HINTS)


def test_round8_diary_days_ending_with_a_distance_line_only() -> None:
    # real form (holdout-8, Japanese motorbike and bicycle diaries): each day's story ends with a
    # line holding only the day's distance under its key, "走行距離 約NNkm"; a careful reader sums them
    story = "朝は曇り。峠を越えて海へ下った。"
    text = f"一日目\n{story}\n\n走行距離 約42km\n\n二日目\n{story}\n\n走行距離 118km\n"
    got = [(e.value, e.ref, e.line) for e in extract_events(text)]
    assert got == [(42, "cumulative", 4), (160, "cumulative", 9)]
    # the same in English and Russian blog days
    assert [e.value for e in extract_events("Day one was wet.\nDistance: 64 km\nDay two.\nDistance: 71 km\n")] == [
        64, 135]
    assert [e.value for e in extract_events("Первый день.\nПробег: 88 км\nВторой день.\nПробег: 90 км\n")] == [
        88, 178]
    # one such line alone is the day's total, no position
    assert extract_events("A long day.\nDistance: 64 km\n") == []


def test_round8_klms_arrows_and_month_day_prefixes() -> None:
    # real forms (holdout-8): Australian "klms" with speed and time stats after the leg, dates
    # "May 4 –" without a year, "May 4—5" over two days, and "A ➔ B 41,6 km" stage lists
    text = ("May 4 – Alpha Creek to Beta Camp, 70.5 klms, Avg speed 12 kph, Cycling time 5.2 hrs\n"
            "May 5 - Beta Camp to Gamma Gorge, 50.25 klms, Avg speed 11 kph\n"
            "May 6—7 Gamma Gorge to Delta Station, 60.5 klms\n")
    assert [e.value for e in extract_events(text)] == [70.5, 120.75, 181.25]
    assert [e.value for e in extract_events("X1 Alba ➔ Brenn 40,5 km\nX2 Brenn ➔ Corvo 30,0 km\n")] == [40.5, 70.5]


def test_round8_chinese_km_stone_numbers_in_brackets() -> None:
    # real form (holdout-8, a Qinghai-Tibet day log): "地点:甲台(路碑2828)——乙泉(路碑2919)"
    got = [(e.value, e.ref) for e in extract_events("地点:甲台(路碑2828)——乙泉(路碑2919)\n")]
    assert got == [(2828, "marker"), (2919, "marker")]
    assert extract_events("海拔3600米，路碑旁休息。\n") == []


def test_round9_dated_day_lists_and_unbracketed_dual_units() -> None:
    # real forms (holdout-9): a diary's days as "Aug 14: 23.2 miles to X" with the story between,
    # "14 August: 66 km to X", and a day heading "Day 272 ... A – B. 62.80miles/101.33km, 5hr06"
    text = ("Sep 3: 18.5 miles to Alder Flat campground\nWindy all day.\n"
            "Sep 4: 22 miles to Birchton (motel)\nSep 5: 9.5 miles to Cedar Lake\n")
    assert [(e.value, e.ref) for e in extract_events(text)] == [(18.5, "cumulative"), (40.5, "cumulative"),
                                                                (50, "cumulative")]
    assert [e.value for e in extract_events("3 March: 61 km to Pelton\n4 March: 48 km to Quarry\n")] == [61, 109]
    # the date's day and the leg are no range "3 – 18.5 miles"
    assert [e.value for e in extract_events("Sep 3 – 18.5 miles to Alder Flat\nSep 4 – 22 miles to Birchton\n")] == [
        18.5, 40.5]
    [e] = extract_events("Day 40, Alpha – Beta Lodge. 41.20miles/66.31km, 4hr10, av 9.9mph\n")
    assert (e.value, e.unit, e.place) == (66.31, "km", "Alpha")


def test_round9_lengths_thousands_and_spanish_odometer() -> None:
    # real forms (holdout-9): "covering 4,200kms" is a trip total (never a leg of 200 km); a route
    # that "extends over N miles from A to B" is a length; Spanish "a los 30 km" / "pasados los
    # 55 km" and Portuguese "aos 20 km" read the day's odometer
    assert extract_events("We rode from Alpha to Omega, covering 4,200kms on old bikes.") == []
    assert extract_events("The trail extends over 1900 miles from Alpha to Omega.") == []
    got = [(e.value, e.ref) for e in extract_events("A los 25 km paramos a comer, y pasados los 40 km hay una fuente.")]
    assert got == [(25, "cumulative"), (40, "cumulative")]
    assert [(e.value, e.ref) for e in extract_events("Aos 20 km encontramos um bar.")] == [(20, "cumulative")]


def test_round10_table_flattened_one_cell_per_line() -> None:
    # real form (holdout-10, a Russian day-distance table of a web page read as text): a header
    # of short cells (day, km/day, average speed, riding time, places), then one cell per line and
    # row, "-" on a rest day; the km column is summed from the first row's named start, the speed
    # and time columns never give events
    cells = ["Tag", "km/Tag", "Schnitt", "Fahrzeit", "Orte",
             "1", "42,5", "18,2", "2:20", "Alpha - Beta",
             "2", "-", "-", "-", "Beta",
             "3", "61", "17,9", "3:25", "Gamma, Delta",
             "4", "38,4", "19", "2:01", "Epsilon"]
    text = "Unsere Tour in Zahlen\n\n" + "\n\n".join(cells) + "\n\nDanach ging es heim.\n"
    got = [(e.value, e.ref, e.place, e.name) for e in extract_events(text)]
    assert got == [(42.5, "cumulative", "Alpha", "Beta"), (103.5, "cumulative", "Alpha", "Delta"),
                   (141.9, "cumulative", "Alpha", "Epsilon")]
    # an odometer column (values that grow, no per-day header) is read as it stands
    odo = ["Nr", "Ort", "km", "1", "Alpha", "0", "2", "Beta", "35,5", "3", "Gamma", "80"]
    assert [e.value for e in extract_events("\n".join(odo))] == [0, 35.5, 80]
    # a table without a distance column (altitudes, times) gives nothing
    alt = ["Tag", "Höhe", "Zeit", "1", "850", "2:20", "2", "1200", "3:00", "3", "700", "1:10"]
    assert extract_events("\n".join(alt)) == []


def test_round10_km_marks_of_a_diary_read_the_odometer() -> None:
    # real form (holdout-10, a day's log on a mountain road): "4km mark, a spring. ... 11km mark
    # a bus stop ... 20km mark the top": several growing "N km mark" are the day's odometer
    text = "4km mark, a spring by the road. 11km mark a bus stop. Hard work up to the 20km mark, the pass."
    assert [(e.value, e.ref) for e in extract_events(text)] == [(4, "cumulative"), (11, "cumulative"),
                                                                (20, "cumulative")]
    # one "N km mark" alone stays what it says (a milestone post), as does a "km marker"
    assert [(e.value, e.ref) for e in extract_events("We passed the 3000km mark today.")] == [(3000, "marker")]
    assert [(e.value, e.ref) for e in extract_events("A well at the 45 km marker.")] == [(45, "marker")]


def test_round10_route_lengths_side_trips_and_altitudes_in_km_brackets() -> None:
    # real forms (holdout-10): a tour's length in its title ("1800 km à travers la France",
    # "912 Kilometres - 19 Days", Portuguese "um percurso de 1500km") is no leg, and the next
    # stage is not summed onto it
    text = "1800 km à travers la France. Lille – Nice.\nJour 1\n61,5 km – 4h10\n"
    got = [(e.value, e.ref) for e in extract_events(text)]
    assert got == [(61.5, "cumulative")]             # day 1 only, not 1800 + 61.5
    assert extract_events("A blog by Ann Doe 912 Kilometres - 19 Days") == []
    assert extract_events("Faremos um percurso que rondará os 1500km pelo interior.") == []
    # "another 75 miles through the range" stays progress
    assert [e.ref for e in extract_events("The next day we rode another 60 miles through the hills.")] == ["relative"]
    # a day whose length holds a side trip there and back ("含X來回") is no position; the next
    # day's named start begins a new sum
    days = ("8/1 甲港 - 乙村 - 丙鎮, 60km\n8/2 丙鎮 - 丁灣 - 戊山, 55km (含丁灣燈塔來回)\n"
            "8/3 戊山 - 己市 - 庚站, 80km\n8/4 庚站 - 辛城, 40km\n")
    assert [(e.value, e.place) for e in extract_events(days)] == [(60, "甲港"), (80, "戊山"), (120, "戊山")]
    # "(km 14 - 1080 mt)" is a km post and an altitude, never a range up to km 1080
    [e] = extract_events("Dal passo (km 14 - 1080 mt) si scende verso il lago.")
    assert (e.value, e.ref, e.value_end) == (14, "marker", None)


def test_round11_day_lists_in_more_languages_and_unit_first_legs() -> None:
    # real forms (holdout-11): Turkish, Polish, Indonesian day headings; an Italian motorbike
    # tour "2° giorno - A - B Km 140" with the unit before the number at the line's end
    assert [e.value for e in extract_events("1. gün: Alfa – Beta, 40 km\n2. gün: Beta – Gama, 35 km\n")] == [40, 75]
    pl = "1. dzień: Alfa – Beta, 52 km\n2. dzień: Beta – Gamma, 48 km\n"
    assert [e.value for e in extract_events(pl)] == [52, 100]
    assert [e.value for e in extract_events("Hari 1: Alfa - Beta 80 km\nHari 2: Beta - Gama 60 km\n")] == [80, 140]
    got = [(e.value, e.place, e.name) for e in extract_events(
        "1° giorno - Alba - Bra Km 95\nsole\n2° giorno - Bra - Cuneo KM. 60\n")]
    assert got == [(95, "Alba", "Bra"), (155, "Alba", "Cuneo")]


def test_round11_newest_first_pair_camp_ends_mile_names_and_timed_odometer() -> None:
    # real forms (holdout-11): two consecutive days printed newest first, one ending at an
    # unnamed "soccer field camp"; "41 Mile Bore" is a place; a log of stops with clock times
    # and the odometer at each ("14:35 道の駅 … 走行距離592km")
    days = "Day 12, 98km to Alpha\nRain all day.\nDay 11, 87km to a river camp\nDry.\n"
    assert [(e.value, e.name) for e in extract_events(days)] == [(185, "Alpha"), (87, "river camp")]
    assert [(e.value, e.unit, e.place) for e in extract_events(
        "20 Mile Creek Rest Area to Beta Roadhouse - 64kms\n")] == [(64, "km", "20 Mile Creek Rest Area")]
    log = ("10:05 道の駅「甲」 晴れ 走行距離412km\n11:20 給油 曇り 走行距離455km\n"
           "12:40 乙ダム 走行距離498km\n")
    assert [(e.value, e.ref, e.place) for e in extract_events(log)] == [
        (412, "cumulative", None), (455, "cumulative", None), (498, "cumulative", None)]
    # readings that go down are no odometer
    assert extract_events("10:05 A 走行距離412km\n11:20 B 走行距離45km\n12:40 C 走行距離498km\n") == []


def test_round12_newest_first_posts_and_dot_thousands() -> None:
    # real forms (holdout-12): a blog's day posts printed newest first without day numbers, each
    # "A - B - N km": a chain whose start is where a later chain ends was ridden after it
    text = "Beta - Gamma - 40 km\nWindy.\n\nAlpha - Beta - 55 km\nSunny.\n"
    assert [(e.value, e.place, e.name) for e in extract_events(text)] == [(95, "Alpha", "Gamma"),
                                                                          (55, "Alpha", "Beta")]
    # "el mojón del Km 3.115", "Kilometerstand 65.800 km": a dot before three digits is thousands
    assert [e.value for e in extract_events("La ruta termina en el mojón del Km 3.115, en la costa.")] == [3115]
    assert parse_number("0.500") == 0.5 and parse_number("12.5") == 12.5


def test_round13_thai_posts_other_digits_and_odometer_readings() -> None:
    # real forms (holdout-13): Thai km posts "หลักกิโลเมตรที่18+700" (post 18, 700 m) and a range
    # "หลักกิโลเมตรที่14-15", Thai digits; "Odometer 48210km" / "Kilometerstand: 12.345 km" read
    # where the vehicle is (no named start)
    assert [(e.value, e.ref) for e in extract_events("ขี่ต่อไปถึงหลักกิโลเมตรที่25+300 ที่บ้านหนึ่ง")] == [
        (25.3, "marker")]
    [r] = extract_events("ทางลูกรังถึงหลักกิโลเมตรที่31-33 แล้วเลี้ยวซ้าย")
    assert (r.value, r.ref, r.value_end) == (31, "range", 33)
    assert [e.value for e in extract_events("ถึงหลักกิโลเมตรที่๔๒ ที่ร้านกาแฟ")] == [42]
    assert [(e.value, e.ref) for e in extract_events("Update from the road: Odometer 51230km at the border.")] == [
        (51230, "cumulative")]
    assert [(e.value, e.ref) for e in extract_events("Kilometerstand: 12.345 km am Pass.")] == [(12345, "cumulative")]



def test_round14_scandinavian_mil_is_ten_km() -> None:
    # real forms (Swedish diaries of holdout-9, -10, -12): "ca 3 mil från X" (30 km from X),
    # "N mil kvar till X" (what lies ahead), "efter N mil" (relative); Norwegian "etter N mil"
    [r] = extract_events("Vi hittade ett bageri ungefär 4 mil från Arvika och åt lunch där.")
    assert (r.value, r.unit, r.ref, r.place) == (40, "km", "cumulative", "Arvika")
    [r] = extract_events("Nu är det bara 35 mil kvar till Haparanda.")
    assert (r.value, r.unit, r.ref) == (350, "km", "relative")
    [r] = extract_events("Etter 6 mil på grusvei kom vi endelig til en butikk.")
    assert (r.value, r.unit, r.ref) == (60, "km", "relative")
    # Spanish and Portuguese "mil" is a thousand; a Swedish total stays no event
    assert extract_events("Subimos 2 mil metros en la etapa de hoy.") == []
    assert extract_events("Percorremos 3 mil km de estrada ate Manaus.") == []
    assert extract_events("Vi har cyklat 90 mil totalt och det är skönt.") == []

def test_cue_sheet_start_and_end_codes_are_not_part_of_the_name() -> None:
    # real form (cue-sheet how-tos): "0.0  START  Town Hall parking" ... "12.4  END  Town Hall"
    text = ("Mile  Turn  Note\n0.0  START  Village Green\n2.3  L  onto Mill Rd\n5.8  R  Ridge Rd\n"
            "12.4  END  Village Green\n")
    assert [e.name for e in extract_events(text)] == ["Village Green", "onto Mill Rd", "Ridge Rd", "Village Green"]
