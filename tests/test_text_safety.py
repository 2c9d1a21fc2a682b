"""Untrusted text in the written pages (issue 15 item 2): no raw control character reaches the
map's ``<title>`` or ``roadbook.html``/``roadbook.md``, and a lone surrogate crashes no writer.

The roadbook loader already cleans or refuses such text; these tests put it past the loader
(into the calibrated roadbook and the layers directly) so that the writers are tested on their
own. The one shared function is :func:`maps.files.safe_text`.
"""

from __future__ import annotations

import dataclasses
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.track import Track
from layers import build_all, calibrate
from maps.files import safe_text
from maps.html import write_html
from maps.profile import profile_svg, write_profile
from maps.roadbook_text import write_roadbook
from roadbook import parse_roadbook

HOSTILE = "G315\x1b[31m red\x00 nul\x07 bell\x7f del\x85 nel\x9b csi \ud800 lone\udfff end"
CLEANED = "G315[31m red nul bell del nel csi \ufffd lone\ufffd end"
#: What may not appear in a written text file: C0 controls but tab/LF/CR, DEL, C1 controls.
RAW_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class _Title(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inside = False
        self.titles: list[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.inside = tag == "title"
        if self.inside:
            self.titles.append("")

    def handle_endtag(self, tag: str) -> None:
        self.inside = False

    def handle_data(self, data: str) -> None:
        if self.inside:
            self.titles[-1] += data


def _read_clean(path: Path) -> str:
    """The file as strict UTF-8 (a lone surrogate cannot be in it), with no raw control character."""
    text = path.read_bytes().decode("utf-8")
    bad = RAW_CONTROL.search(text)
    assert bad is None, f"{path.name}: raw U+{ord(bad.group()):04X} at {bad.start()}"
    return text


def _hostile_ctx(mini_text: str):
    rb = parse_roadbook(mini_text, "mini.yaml")
    n = 60
    track = Track(lon=np.linspace(90.0, 90.6, n), lat=np.linspace(38.0, 38.3, n),
                  ele=np.linspace(2000.0, 2600.0, n), source="ride.gpx")
    ctx = calibrate(rb, track)
    layers = build_all(ctx)
    # (pandas' arrow strings cannot hold a lone surrogate: the layers get the control characters)
    controls = HOSTILE.replace("\ud800", "").replace("\udfff", "")
    layers["checkpoints"] = layers["checkpoints"].assign(note=f"note {controls}", name=f"cp {controls}")
    ctx = dataclasses.replace(ctx, roadbook=dataclasses.replace(
        rb, route=dataclasses.replace(rb.route, name=HOSTILE, description=HOSTILE)))
    return ctx, layers


def test_map_title_and_page_are_clean(tmp_path: Path, mini_text: str):
    ctx, layers = _hostile_ctx(mini_text)
    out = tmp_path / "kmpost.html"
    write_html(out, layers, title=ctx.roadbook.route.name, schematic=False, info=[f"Water: {HOSTILE}"],
               profile_svg=profile_svg(ctx, layers), route=ctx.chainage)
    page = _read_clean(out)
    parser = _Title()
    parser.feed(page)
    assert parser.titles and parser.titles[0] == CLEANED


def test_roadbook_files_are_clean(tmp_path: Path, mini_text: str):
    ctx, layers = _hostile_ctx(mini_text)
    paths = write_roadbook(ctx, layers, tmp_path)
    assert sorted(p.name for p in paths) == ["roadbook.html", "roadbook.md"]
    page = _read_clean(tmp_path / "roadbook.html")
    parser = _Title()
    parser.feed(page)
    assert parser.titles[0].startswith(CLEANED)
    assert "\ufffd lone" in _read_clean(tmp_path / "roadbook.md")


def test_profile_with_hostile_name(tmp_path: Path, mini_text: str):
    ctx, layers = _hostile_ctx(mini_text)
    assert write_profile(ctx, layers, tmp_path / "profile.png") is not None
    svg = profile_svg(ctx, layers)
    assert RAW_CONTROL.search(svg) is None and CLEANED in svg
    svg.encode("utf-8")


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.text(alphabet=st.characters(codec=None, min_codepoint=0, max_codepoint=0x10FFFF), max_size=60))
def test_safe_text_property(text: str):
    s = safe_text(text)
    s.encode("utf-8")                       # never a lone surrogate
    assert RAW_CONTROL.search(s) is None
    assert safe_text(s) == s                # idempotent
    clean = "".join(c for c in text if not RAW_CONTROL.match(c) and c not in "\ufffe\uffff"
                    and not 0xD800 <= ord(c) <= 0xDFFF)
    if clean == text:
        assert s == text                    # clean text is left exactly as it is
