"""The map's "Route info" panel: route-wide rules, guidance and the elevation profile, offline."""

from __future__ import annotations

import pytest

from maps.html import write_html
from pipeline import BuildOptions, build
from roadbook import load_embedded
from tests._browser import needs_chromium, offline_browser, open_offline


@pytest.fixture(scope="module")
def seed_map(tmp_path_factory):
    out = tmp_path_factory.mktemp("map")
    build(load_embedded("g315"), None, BuildOptions(out_dir=out))
    return out / "kmpost.html"


@needs_chromium
def test_info_panel_shows_rules_guidance_and_profile(seed_map):
    with offline_browser() as browser, open_offline(browser, seed_map) as run:
        run.wait_ready()
        run.page.click(".kp-info-head")
        lines = run.js("() => [...document.querySelectorAll('.kp-info-line')].map(e => e.textContent)")
        text = "\n".join(lines)
        assert "[2021-06] no photos (at every checkpoint)" in text
        assert "dry river beds" in text
        width = run.js("() => document.querySelector('.kp-info-profile').naturalWidth")
        assert width > 0  # the profile SVG decoded from its data URI
        assert not run.page_errors and not run.blocked


@needs_chromium
def test_info_lines_are_text_not_html(seed_map, seed_layers, tmp_path):
    page = tmp_path / "m.html"
    evil = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
    write_html(page, seed_layers, title="t", schematic=True, info=[evil],
               profile_svg='<svg xmlns="http://www.w3.org/2000/svg"><script>parent.__pwned=3</script></svg>')
    with offline_browser() as browser, open_offline(browser, page) as run:
        run.wait_ready()
        run.page.click(".kp-info-head")
        assert run.js("() => document.querySelector('.kp-info-line').textContent") == evil
        injected = "() => document.querySelectorAll('.kp-info img:not(.kp-info-profile), .kp-info script').length"
        assert run.js(injected) == 0
        assert run.js("() => window.__pwned === undefined")
        assert not run.blocked
