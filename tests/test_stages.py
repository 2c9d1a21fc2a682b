"""Day stages (issue 11): --stages 90 and a stage file on G315; files pass the kit validators."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from garmin_fit_sdk import Decoder, Stream

from geo.errors import KmpostError
from maps.stages import StageEnd, plan_stages, slug
from maps.tcx import TCX_NS
from pipeline import BuildOptions, build
from roadbook import load_embedded
from tests._gpxfixtures import kit_ready, run_kit


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, float]:
    out = tmp_path_factory.mktemp("stages")
    rep = build(load_embedded("g315"), None, BuildOptions(out_dir=out, stages="90"))
    return out, float(rep.ctx.line.length_m)


def _fit_total(p: Path) -> tuple[float, list[float]]:
    msgs, errors = Decoder(Stream.from_file(str(p))).read(enable_crc_check=True)
    assert errors == []
    return (float(msgs["lap_mesgs"][0]["total_distance"]),
            [float(c["distance"]) for c in msgs.get("course_point_mesgs", [])])


def test_stage_files_add_up_to_the_course(staged: tuple[Path, float]) -> None:
    out, total = staged
    fits = sorted(out.glob("stage-*.fit"))
    assert len(fits) == 3
    assert fits[0].name.startswith("stage-01-huatugou-") and fits[-1].name.endswith("-charklik-ruoqiang.fit")
    # names a rider reads: a place, or the km from the course start where the end is no place
    assert all(len(f.stem) <= 50 for f in fits), [f.name for f in fits]
    assert [f.stem for f in fits] == ["stage-01-huatugou-km90", "stage-02-km90-km180",
                                      "stage-03-km180-charklik-ruoqiang"]
    lengths = []
    for f in fits:
        length, cps = _fit_total(f)
        lengths.append(length)
        assert all(0 <= d <= length + 0.01 for d in cps)  # distances from the stage start
        assert f.with_suffix(".gpx").exists() and f.with_suffix(".tcx").exists()
        tcx = ET.parse(f.with_suffix(".tcx")).getroot()
        assert abs(float(tcx.findtext(f".//{{{TCX_NS}}}Lap/{{{TCX_NS}}}DistanceMeters", "0")) - length) < 0.01
    assert abs(sum(lengths) - total) <= 10.0
    assert all(60_000 <= x <= 120_000 for x in lengths[:-1])


def test_roadbook_has_a_section_per_stage_and_a_cue_card(staged: tuple[Path, float]) -> None:
    out, _ = staged
    md = (out / "roadbook.md").read_text(encoding="utf-8")
    html = (out / "roadbook.html").read_text(encoding="utf-8")
    assert "## Cue card" in md and "## Day stages" in md
    assert md.count("### Day ") == 3 and html.count("<h3>Day ") == 3
    assert "CP 1383" in md and "CP 1383" in html
    assert "camping zone" in md  # why the first day ends where it does
    assert "nan" not in md.replace("Nanjing", "")


@pytest.mark.kit
@pytest.mark.parametrize(("script", "suffix"), [("check_fit.py", ".fit"), ("check_tcx.sh", ".tcx"),
                                                ("check_gpx.sh", ".gpx")])
def test_stage_files_pass_the_kit(staged: tuple[Path, float], script: str, suffix: str) -> None:
    why = kit_ready(script)
    if why:
        pytest.skip(why)
    out, _ = staged
    for f in sorted(out.glob(f"stage-*{suffix}")):
        assert "PASS" in run_kit(script, f), f.name


def test_stage_file_by_km_and_place(tmp_path: Path) -> None:
    spec = tmp_path / "days.txt"
    spec.write_text("# my days\nkm 1383\n\nYitunbulake\n", encoding="utf-8")
    rep = build(load_embedded("g315"), None, BuildOptions(out_dir=tmp_path / "o", stages=str(spec)))
    fits = sorted((tmp_path / "o").glob("stage-*.fit"))
    assert [f.name.split("-")[1] for f in fits] == ["01", "02", "03"]
    assert "yitunbulake" in fits[0].name and fits[1].name == "stage-02-yitunbulake-km1383.fit"
    lengths = [_fit_total(f)[0] for f in fits]
    assert abs(sum(lengths) - rep.ctx.line.length_m) <= 10.0


def test_bad_stage_file_is_one_error_with_every_line(tmp_path: Path) -> None:
    spec = tmp_path / "bad.txt"
    spec.write_text("km 99999\nAtlantis\n5000\n", encoding="utf-8")
    with pytest.raises(KmpostError) as e:
        build(load_embedded("g315"), None, BuildOptions(out_dir=tmp_path / "o", stages=str(spec)))
    assert len(e.value.problems) == 3 and "bad.txt:2" in e.value.problems[1]
    assert not [p for p in (tmp_path / "o").glob("*") if not p.name.startswith(".kmpost-lock")]
    with pytest.raises(KmpostError, match="neither a number of km nor a file"):
        build(load_embedded("g315"), None, BuildOptions(out_dir=tmp_path / "o", stages="ninety"))


def test_plan_prefers_camps_and_skips_nothing() -> None:
    ends = [StageEnd(80_000, "W", "water"), StageEnd(100_000, "C", "camp")]
    st = plan_stages(300_000, 90, ends)
    assert st[0].end_name == "C" and "camp" in st[0].how
    assert abs(sum(s.length_m for s in st) - 300_000) < 1e-6
    assert slug("Day 1: A / B (x)") == "day-1-a-b-x"
