"""kmpost_offset.js: a polyline with ``offset: N`` is drawn N screen pixels to the right of its
direction of travel (left when N < 0), at every zoom; polygons and lines without it are unchanged.

Measured in Debian's Chromium on the pixels Leaflet really draws (``_parts``), offline.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from maps import assets
from tests._browser import needs_chromium, offline_browser, open_offline

pytestmark = [pytest.mark.browser, needs_chromium]

# an L-shaped line: east, then north (lon, lat degrees), and the same line shifted by 4 px
PAGE = """<!doctype html><html><head><meta charset="utf-8">
<style>{css}</style><script>{leaflet}</script><script>{offset}</script></head>
<body><div id="m" style="width:800px;height:600px"></div><script>
var map = L.map('m', {{zoomAnimation: false}}).setView([38.0, 90.0], 10);
var ll = [[37.95, 89.9], [37.95, 90.0], [38.05, 90.0]];
var plain = L.polyline(ll).addTo(map);
var right = L.polyline(ll, {{offset: 4}}).addTo(map);
var left = L.polyline(ll, {{offset: -4}}).addTo(map);
var poly = L.polygon(ll, {{offset: 4}}).addTo(map);
function xy(p) {{ return [p.x, p.y]; }}
function parts(layer) {{ return layer._parts.map(function (r) {{ return r.map(xy); }}); }}
window.kmpost = {{ready: true, parts: function () {{
  return {{plain: parts(plain), right: parts(right), left: parts(left)}}; }},
  rings: function () {{ return {{plain: plain._rings[0].map(xy), poly: poly._rings[0].map(xy)}}; }}}};
</script></body></html>"""


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    path = Path(tmp_path_factory.mktemp("offset")) / "offset.html"
    path.write_text(PAGE.format(css=assets.read_vendor("leaflet.css"), leaflet=assets.read_vendor("leaflet.js"),
                                offset=assets.read_own("kmpost_offset.js")), "utf-8")
    with offline_browser() as browser, open_offline(browser, path) as run:
        yield run
        assert run.page_errors == [] and run.console_errors == [] and run.blocked == []


def _parts(page: Any) -> dict[str, list[list[list[float]]]]:
    return page.js("() => window.kmpost.parts()")


def test_offset_shifts_right_of_travel_left_when_negative(page: Any) -> None:
    for _ in range(2):  # at two zooms: the offset stays in pixels
        got = _parts(page)
        (plain,), (right,), (left,) = got["plain"], got["right"], got["left"]
        assert len(plain) == len(right) == len(left) == 3
        (x0, y0), (x1, y1), (x2, y2) = plain
        assert y0 == pytest.approx(y1) and x1 == pytest.approx(x2) and x1 > x0 and y2 < y1  # east, then north
        # first point: travelling east (screen +x), right is screen +y (south)
        assert right[0] == pytest.approx([x0, y0 + 4], abs=1e-6)
        assert left[0] == pytest.approx([x0, y0 - 4], abs=1e-6)
        # last point: travelling north (screen -y), right is screen +x (east)
        assert right[2] == pytest.approx([x2 + 4, y2], abs=1e-6)
        # the corner is mitred: 4 px from both legs, sqrt(2) * 4 from the vertex
        assert right[1] == pytest.approx([x1 + 4, y1 + 4], abs=1e-6)
        assert math.dist(left[1], plain[1]) == pytest.approx(4 * math.sqrt(2), abs=1e-6)
        page.js("() => map.setZoom(map.getZoom() + 2)")


def test_polygons_are_not_shifted(page: Any) -> None:
    got = page.js("() => window.kmpost.rings()")  # projected, before clipping
    assert len(got["poly"]) == 3
    assert got["poly"] == got["plain"]
