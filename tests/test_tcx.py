"""maps.tcx.write_tcx: a TCX v2 course, schema limits and the kit's validator."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from maps._course import build_course
from maps.devices import TCX_POINT_TYPES
from maps.tcx import TCX_NS, write_tcx
from tests._gpxfixtures import KINDS, along, events_for, kit_ready, run_kit, zigzag_track

NS = {"t": TCX_NS}


def test_course_structure_and_limits(tmp_path: Path) -> None:
    t = zigzag_track(2000)
    a = along(t)
    p = tmp_path / "c.tcx"
    rep = write_tcx(p, build_course(t, a, events_for(t, a), name="G315 Huatugou to Ruoqiang"))
    root = ET.parse(p).getroot()
    course = root.find("t:Courses/t:Course", NS)
    assert course is not None
    assert 1 <= len(course.findtext("t:Name", "", NS)) <= 15
    tps = course.findall("t:Track/t:Trackpoint", NS)
    assert len(tps) == len(t) == rep.track_points
    assert all(tp.find("t:Time", NS) is not None for tp in tps)
    d = np.array([float(tp.findtext("t:DistanceMeters", "nan", NS)) for tp in tps])
    np.testing.assert_allclose(d, a, atol=0.006)
    cps = course.findall("t:CoursePoint", NS)
    assert len(cps) == len(KINDS) - 1
    for cp in cps:
        assert 1 <= len(cp.findtext("t:Name", "", NS)) <= 10
        assert cp.findtext("t:PointType", "", NS) in TCX_POINT_TYPES
        assert "forum post" in cp.findtext("t:Notes", "", NS)
    assert {cp.findtext("t:PointType", "", NS) for cp in cps} >= {"Water", "Food", "Danger",
                                                                   "Summit", "Generic"}


@pytest.mark.kit
def test_kit_check_tcx(tmp_path: Path) -> None:
    why = kit_ready("check_tcx.sh")
    if why:
        pytest.skip(why)
    t = zigzag_track(3000, ele=False)
    a = along(t)
    p = tmp_path / "k.tcx"
    write_tcx(p, build_course(t, a, events_for(t, a), name="G315"))
    out = run_kit("check_tcx.sh", p)
    assert "RESULT: PASS" in out and "valid against TrainingCenterDatabasev2.xsd" in out
