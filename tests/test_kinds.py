"""roadbook.kinds: one entry for every kind that can occur; the docs table and the writers agree.

The table in docs/course-points.md is made from the registry; the writers are checked against
that table by reading their files back (Garmin's FIT SDK, the TCX and GPX XML).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import pytest
from garmin_fit_sdk import Decoder, Profile, Stream
from shapely import Point

from layers import build_all, calibrate
from maps._course import build_course
from maps.fit import write_fit
from maps.gpx import GPX_NS, write_gpx
from maps.tcx import TCX_NS, write_tcx
from roadbook import load_embedded
from roadbook.extract.draft import EVENT_KIND, STRETCH_KIND
from roadbook.kinds import (
    GENERIC,
    KAROO_TYPES,
    REGISTRY,
    TCX_POINT_TYPES,
    TCX_TURN_TYPES,
    alerts,
    course_points_markdown,
    kinds_of,
    lookup,
    map_styles,
)
from roadbook.schema import (
    EVENT_KINDS,
    PLACE_KINDS,
    RESTRICTION_KINDS,
    STRETCH_KINDS,
    TRANSPORT_MODES,
)
from tests._gpxfixtures import along, zigzag_track

DOC = Path(__file__).resolve().parents[1] / "docs" / "course-points.md"
FIT_TYPES = set(Profile["types"]["course_point"].values())


def test_every_schema_kind_has_an_entry() -> None:
    for group, kinds in (("event", EVENT_KINDS), ("stretch", STRETCH_KINDS), ("place", PLACE_KINDS),
                         ("restriction", RESTRICTION_KINDS), ("transport", TRANSPORT_MODES)):
        missing = sorted(set(kinds) - set(kinds_of(group)))
        assert not missing, f"{group} kinds without a registry entry: {missing}"
        extra = sorted(set(kinds_of(group)) - set(kinds))
        assert not extra, f"{group} entries for kinds the schema cannot produce: {extra}"
    assert set(EVENT_KIND.values()) <= set(kinds_of("event"))
    assert set(STRETCH_KIND.values()) <= set(kinds_of("stretch"))


@pytest.mark.parametrize("route", ["g315", "khorgos"])
def test_every_emitted_kind_has_an_entry(route: str) -> None:
    ctx = calibrate(load_embedded(route))
    for lname, gdf in build_all(ctx).items():
        for kind in set(gdf["kind"]):
            assert lookup(kind, lname) is not GENERIC, f"{lname}: kind {kind!r} has no entry"


def test_alert_values_are_legal_and_mean_the_right_thing() -> None:
    for k, role, a in alerts():
        assert a.fit in FIT_TYPES, (k.kind, a.fit)
        assert a.tcx in TCX_POINT_TYPES and a.tcx not in TCX_TURN_TYPES, (k.kind, a.tcx)
        assert a.karoo in KAROO_TYPES, (k.kind, a.karoo)
        assert a.garmin and a.osmand and a.phrase
        assert a.n15 and a.n10, k.kind
        if a.karoo == "Lodging" or a.garmin == "Lodging":
            assert (k.group, k.kind) == ("event", "accommodation"), k.kind
        if k.group == "stretch":
            assert role in ("start", "end")
    restricted = REGISTRY[("derived", "restricted_place")].alert
    assert restricted is not None and "Lodging" not in (restricted.karoo, restricted.garmin)
    assert lookup("checkpoint").alert.fit == "checkpoint"  # type: ignore[union-attr]
    assert lookup("camping").alert.fit == "campsite"  # type: ignore[union-attr]


def test_map_styles_json() -> None:
    styles = map_styles()
    json.dumps(styles)
    assert set(styles) == {"event", "stretch", "place", "restriction", "transport", "derived"}
    for group, kinds in styles.items():
        assert set(kinds) == set(kinds_of(group))
        for s in kinds.values():
            assert s["shape"] in ("p", "l", "a") and re.fullmatch(r"#[0-9a-f]{6}", s["color"])
            assert s["label"]


def test_docs_table_is_generated_from_the_registry() -> None:
    assert DOC.read_text(encoding="utf-8") == course_points_markdown(), (
        "docs/course-points.md is stale: python -m roadbook.kinds > docs/course-points.md")


def _doc_rows() -> dict[tuple[str, str, str], dict[str, str]]:
    """The docs table, parsed: (group, kind, role) -> column -> value."""
    lines = [ln for ln in DOC.read_text(encoding="utf-8").splitlines() if ln.startswith("| ")]
    head = [c.strip() for c in lines[0].strip("|").split(" | ")]
    out = {}
    for ln in lines[1:]:
        cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", ln.strip().strip("|"))]
        row = dict(zip(head, cells, strict=True))
        out[(row["group"], row["kind"].strip("`"), row["point"])] = row
    return out


#: group -> a layer whose features carry that group's kinds
_LAYER = {"event": "road_events", "stretch": "stretches", "place": "places",
          "derived": "border_crossings"}


def test_writers_follow_the_docs_table(tmp_path: Path) -> None:
    """One course point per alert of the table; FIT type, TCX PointType and GPX sym read back."""
    rows = [(g, k, r) for (g, k, r) in _doc_rows() if g in _LAYER and k not in ("generic", "km_marker")]
    t = zigzag_track(600, ele=False)
    a = along(t)
    recs = []
    for i, (g, kind, role) in enumerate(rows):
        d = float(a[-1]) * (i + 0.5) / len(rows)
        k = min(int(a.searchsorted(d)), len(t) - 1)
        layer = "places" if kind == "restricted_place" else _LAYER[g]
        recs.append({"layer": layer, "kind": "town" if kind == "restricted_place" else kind,
                     "km": None, "km_pos": 1000.0 + i, "along_m": float(a[k]),
                     "name": f"Spot{i}", "note": f"note {i}", "source": "s", "side": None,
                     "confidence": "high", "located_by": "km",
                     "role": role if role != "point" else None,
                     "restricted": kind == "restricted_place", "geometry": Point(t.lon[k], t.lat[k])})
    ev = gpd.GeoDataFrame(recs, geometry="geometry", crs="EPSG:4326")
    table = _doc_rows()
    write_fit(tmp_path / "c.fit", build_course(t, a, ev, name="table"), max_points=None)
    write_tcx(tmp_path / "c.tcx", build_course(t, a, ev, name="table"), max_points=None)
    write_gpx(tmp_path / "c.gpx", build_course(t, a, ev, name="table", description="d"))
    msgs, errors = Decoder(Stream.from_file(str(tmp_path / "c.fit"))).read()
    assert errors == []
    fit_types = [c["type"] for c in msgs["course_point_mesgs"]]
    tcx = ET.parse(tmp_path / "c.tcx").getroot()
    tcx_types = [e.text for e in tcx.iter(f"{{{TCX_NS}}}PointType")]
    gpx = ET.parse(tmp_path / "c.gpx").getroot()
    syms = [e.text for e in gpx.iter(f"{{{GPX_NS}}}sym")]
    assert len(fit_types) == len(tcx_types) == len(syms) == len(rows)
    for (g, kind, role), ft, tt, sym in zip(rows, fit_types, tcx_types, syms, strict=True):
        want = table[(g, kind, role)]
        assert (ft, tt, sym) == (want["FIT type"], want["TCX PointType"], want["GPX sym (Garmin)"]), kind
