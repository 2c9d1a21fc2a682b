"""maps.devices: per-kind mappings are legal for every device and format."""

from __future__ import annotations

from garmin_fit_sdk import Profile
from hypothesis import given
from hypothesis import strategies as st

from maps.devices import (
    KAROO_TYPES,
    PROFILES,
    TCX_POINT_TYPES,
    clean_text,
    fit_course_point_type,
    get_profile,
    short_name,
    tcx_point_type,
)
from tests._gpxfixtures import KINDS

FIT_TYPES = set(Profile["types"]["course_point"].values())


def test_every_kind_maps_to_legal_values() -> None:
    for kind in [*KINDS, "", "zzz"]:
        assert fit_course_point_type(kind) in FIT_TYPES
        assert tcx_point_type(kind) in TCX_POINT_TYPES
        karoo = get_profile("karoo")
        assert karoo.type(kind) in KAROO_TYPES and karoo.sym(kind) in KAROO_TYPES
        assert get_profile("osmand").sym(kind) is None
        assert get_profile("garmin").sym(kind)


def test_semantic_mappings() -> None:
    assert fit_course_point_type("checkpoint") == "checkpoint"
    assert fit_course_point_type("camping") == "campsite"
    assert fit_course_point_type("water") == "water"
    assert fit_course_point_type("pass") == "summit"
    assert fit_course_point_type("unknown_kind") == "generic"
    assert tcx_point_type("hazard") == "Danger"
    g = get_profile("garmin")
    assert (g.sym("camping"), g.sym("water"), g.sym("pass")) == (
        "Campground", "Drinking Water", "Summit")
    assert set(PROFILES) == {"garmin", "wahoo", "karoo", "osmand"}


def test_unknown_profile_message() -> None:
    try:
        get_profile("bryton")
    except ValueError as e:
        assert "garmin, karoo, osmand, wahoo" in str(e)
    else:
        raise AssertionError("no error")


@given(st.text(), st.integers(1, 30), st.booleans())
def test_short_name_is_short_nonempty_clean(text: str, n: int, ascii_only: bool) -> None:
    s = short_name(text, n, ascii_only=ascii_only)
    assert 0 < len(s) <= max(n, len("Point"))
    assert s == clean_text(s)
    if ascii_only:
        assert s.isascii()


@given(st.text())
def test_clean_text_is_xml_legal(text: str) -> None:
    s = clean_text(text)
    assert all(c in "\t\n\r" or (0x20 <= ord(c) < 0xD800 and ord(c) != 0x7F)
               or 0xE000 <= ord(c) <= 0xFFFD or ord(c) >= 0x10000 for c in s)


@given(st.lists(st.tuples(st.sampled_from(["water", "checkpoint", "camping", "town", "downhill", "zzz"]),
                          st.text(max_size=30), st.integers(0, 50),
                          st.none() | st.floats(1, 60, allow_nan=False)), max_size=40),
       st.sampled_from([10, 15, 20]))
def test_course_names_short_and_distinct(rows: list[tuple[str, str, int, float | None]], n: int) -> None:
    from types import SimpleNamespace

    from maps.devices import course_names
    pts = [SimpleNamespace(kind=k, layer="road_events", role="point", restricted=False, name=nm,
                           km=None, km_pos=1000.0 + d, length_km=ln, along_m=d * 1000.0)
           for k, nm, d, ln in rows]
    names = course_names(pts, n)
    assert len(names) == len(pts)
    assert all(0 < len(x) <= n and x.isascii() for x in names)
    owner: dict[str, tuple[str, int]] = {}
    for x, (k, _, d, _) in zip(names, rows, strict=True):
        assert owner.setdefault(x, (k, d)) == (k, d), x  # a shared name: same kind, same place


def test_cue_sheet_words_onto_and_into_are_not_a_name() -> None:
    # a cue sheet's "L onto Mill Rd" names the road: the junction reads "Jct Mill Rd" on a
    # 15-character screen, not "Jct 3.701" for want of room
    from types import SimpleNamespace

    from maps.devices import course_names

    p = SimpleNamespace(kind="turn_off", layer="road_events", role="point", restricted=False, name="onto Mill Rd",
                        km=3.701, km_pos=3.701, length_km=None, along_m=3701.0)
    assert course_names([p], 15) == ["Jct Mill Rd"]
