"""roadbook.extract.mentions: every written distance, its features, the model and the judge."""

from __future__ import annotations

import time

from hypothesis import given, settings
from hypothesis import strategies as st

from roadbook.extract.events import LEARNED_FLAG, extract
from roadbook.extract.mentions import (
    CLASSES,
    MentionModel,
    Verdict,
    find_mentions,
    read_mentions,
    select,
)


def _found(line: str) -> list[tuple[float, str, str]]:
    return [(m.value, m.unit, m.form) for m in find_mentions([line])]


def test_mentions_in_the_notations_of_the_notes() -> None:
    assert _found("At km 1383 the checkpoint, K1452+300 works") == [(1383, "km", "post"), (1452.3, "km", "post")]
    assert _found("Day 3: Osh – Gulcha – 78 km (48.5 miles)") == [(78, "km", "after"), (48.5, "mi", "after")]
    assert _found("出发后45公里处有检查站，K1383检查站") == [(45, "km", "after"), (1383, "km", "post")]
    assert _found("через 30 км деревня") == [(30, "km", "after")]
    assert _found("MP 48, then mile 212.5") == [(48, "mi", "post"), (212.5, "mi", "post")]
    assert _found("1,383 km or 12,5 km") == [(1383, "km", "after"), (12.5, "km", "after")]
    assert _found("23キロ先のコンビニ") == [(23, "km", "after")]
    assert _found("nach 12 Kilometern") == [(12, "km", "after")]


def test_numbers_without_a_distance_unit_are_no_mentions() -> None:
    for line in ("3,600 m pass", "at 14:30 the bus", "G315 road", "tel 0991 234 567", "in 2019",
                 "120 yuan", "5 kg of food", "the 8 mm cable", "kmh", "makes 15kmh"):
        assert _found(line) == [], line


@given(st.integers(min_value=0, max_value=99_999), st.sampled_from(["km", "kms", "kilometres", "Kilometer", "км",
                                                                     "公里", "miles", "mi"]),
       st.text(alphabet="abc ,.;()", max_size=12))
def test_any_number_and_unit_is_one_mention_with_its_value(n: int, unit: str, tail: str) -> None:
    found = find_mentions([f"we stopped {n} {unit}{(' ' + tail) if tail else ''}"])
    assert [(m.value, m.unit) for m in found] == [(float(n), "mi" if unit.startswith("mi") else "km")]


@settings(max_examples=30)
@given(st.text(max_size=200))
def test_mentions_lie_inside_their_line(line: str) -> None:
    for m in find_mentions([line]):
        assert 0 <= m.start < m.end <= len(line)
        assert m.unit in ("km", "mi") and m.value >= 0


def test_a_long_line_of_units_is_read_in_linear_time() -> None:
    lines = ["km 1 " * 200_000, "5 " * 400_000 + "km"]
    t = time.process_time()
    found = find_mentions(lines)
    assert time.process_time() - t < 5
    assert len(found) >= 1


def _model(weights: dict[str, list[float]], add_at: float = 0.5, drop_at: float = 0.9) -> MentionModel:
    return MentionModel(weights, add_at, drop_at, {"note": "test"})


def test_model_round_trips_through_json() -> None:
    m = _model({"b": [1.0, 0.0, -0.5, 0.25, 0.0], "u=mi": [0.0, 0.5, 0.0, 0.0, 0.1]}, 0.6, 0.95)
    back = MentionModel.from_json(m.to_json())
    assert back.weights == m.weights and (back.add_at, back.drop_at) == (0.6, 0.95)
    assert back.meta == {"note": "test"}
    p = back.probabilities(["b", "u=mi", "unknown feature"])
    assert abs(sum(p) - 1) < 1e-9 and len(p) == len(CLASSES)


def test_select_adds_unused_mentions_and_drops_rule_events_by_threshold() -> None:
    m = find_mentions(["a 5 km b", "c 7 km d", "e 9 km f"])
    found = [Verdict(m[0], (0.1, 0.0, 0.8, 0.1, 0.0), None),     # unused, cumulative 0.8: added at 0.5
             Verdict(m[1], (0.95, 0.0, 0.05, 0.0, 0.0), 0),     # rule event 0, none 0.95: dropped at 0.9
             Verdict(m[2], (0.3, 0.0, 0.35, 0.35, 0.0), None)]  # unused, best 0.35: not added
    drop, add = select(found, 0.5, 0.9)
    assert drop == {0} and [(v.mention.line, value, ref) for v, value, ref in add] == [(1, 5.0, "cumulative")]
    drop, add = select(found, 0.9, 1.01)
    assert drop == set() and add == []


def test_read_mentions_ties_each_mention_to_the_rule_event_made_of_it() -> None:
    lines = ["At km 45 a spring. After 12 km a shop.", "nothing here"]
    rows = [(1, 45.0, "km", "marker", "sentence"), (1, 12.0, "km", "relative", "sentence")]
    read = read_mentions(lines, rows, [])
    assert [(m.value, hit) for m, _f, hit in read] == [(45.0, 0), (12.0, 1)]
    assert "rule=marker" in read[0][1] and "rule=relative" in read[1][1]


def test_the_judge_adds_a_learned_event_flagged_for_review() -> None:
    # a real model (not a mock), of two weights: "12 km" after "zzyzx" is a relative event
    model = _model({"b": [2.0, 0.0, 0.0, 0.0, 0.0], "l1=zzyzx": [-4.0, 0.0, 0.0, 4.0, 0.0]})
    text = "We rode on. Zzyzx 12 km and the camp was there.\n"
    assert extract(text).events == []
    got = extract(text, model=model).events
    assert [(e.value, e.unit, e.ref, e.confidence) for e in got] == [(12, "km", "relative", "low")]
    assert any(f.startswith(LEARNED_FLAG) and "P 0.9" in f for f in got[0].flags)
    assert got[0].category == "camping" and got[0].line == 1


def test_the_judge_drops_a_rule_event_it_scores_as_none() -> None:
    text = "At km 1383 checkpoint.\n"
    kept = extract(text, model=_model({"b": [0.0, 0.0, 0.0, 0.0, 0.0]})).events
    assert [(e.value, e.ref) for e in kept] == [(1383, "marker")]
    gone = extract(text, model=_model({"rule=marker": [9.0, 0.0, 0.0, 0.0, 0.0]}, drop_at=0.9)).events
    assert gone == []


def test_legs_the_rules_missed_are_summed_on_from_the_rules_stage_list() -> None:
    lines = ["Day 1: Ana - Bel 40 km", "Day 2: Bel - Cor 25 km", "then Cor to Dun, 30 km of gravel"]
    rows = [(1, 40.0, "km", "cumulative", "stage_list"), (2, 65.0, "km", "cumulative", "stage_list")]
    m = find_mentions(lines)
    leg = (0.0, 0.0, 0.0, 0.0, 1.0)
    found = [Verdict(m[0], leg, None), Verdict(m[1], leg, None), Verdict(m[2], leg, None)]
    _drop, add = select(found, 0.5, 1.01, rows)
    # the first two legs are the rules' own lines; the third lands at 65 + 30
    assert [(v.mention.line, value, ref) for v, value, ref in add] == [(3, 95.0, "cumulative")]
