"""Open a page in Debian's Chromium (Playwright, no Playwright browser download) with no network.

Every request that is not the page itself is aborted and recorded, so a test can tell tile
requests (expected only when the user picks an online base layer) from anything else (a bug:
the map must be self-contained). ``--host-resolver-rules`` makes any name lookup fail as a
second barrier, so nothing leaves the machine even if routing missed a request.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from maps.screenshot import CHROMIUM as _CHROMIUM
from maps.screenshot import CHROMIUM_ARGS

CHROMIUM = Path(_CHROMIUM)
ARGS = list(CHROMIUM_ARGS)  # the same flags as `kmpost screenshot` (and the kit's shot_html.sh)
TILE_URL = re.compile(r"tile\.open(street|topo)map\.org/\d+/\d+/\d+\.png")

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.is_file(), reason=f"{CHROMIUM} not installed (Debian package 'chromium')"
)


@dataclass
class OfflinePage:
    """A loaded page plus what happened while it ran."""

    page: Any
    url: str
    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)

    @property
    def tile_requests(self) -> list[str]:
        return [u for u in self.blocked if TILE_URL.search(u)]

    @property
    def other_requests(self) -> list[str]:
        return [u for u in self.blocked if not TILE_URL.search(u)]

    def js(self, expr: str, arg: Any = None) -> Any:
        return self.page.evaluate(expr, arg)

    def wait_ready(self) -> None:
        self.page.wait_for_function("() => window.kmpost && window.kmpost.ready === true")


@contextmanager
def offline_browser() -> Iterator[Any]:
    """A Chromium browser (Playwright) with the kit's flags and no DNS."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def open_offline(
    browser: Any,
    html_path: Path,
    *,
    viewport: tuple[int, int] = (1400, 900),
    context: Any = None,
    **context_options: Any,
) -> Iterator[OfflinePage]:
    """Load ``html_path`` in a fresh context (or ``context``) with every other request aborted."""
    own = context is None
    ctx = context or browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, **context_options)
    url = html_path.resolve().as_uri()
    page = ctx.new_page()
    run = OfflinePage(page=page, url=url)

    def handle(route: Any) -> None:
        req_url = route.request.url
        if req_url == url or req_url.startswith("data:"):
            route.continue_()
        else:
            run.blocked.append(req_url)
            route.abort("internetdisconnected")

    page.route("**/*", handle)
    page.on(
        "request",
        lambda r: (
            None if r.url in (url,) or r.url.startswith("data:") or r.url in run.blocked else run.blocked.append(r.url)
        ),
    )
    page.on("pageerror", lambda e: run.page_errors.append(str(e)))
    page.on(
        "console",
        lambda m: run.console_errors.append(m.text) if m.type == "error" else None,
    )

    def on_dialog(d: Any) -> None:
        run.dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", on_dialog)
    page.goto(url, wait_until="load")
    run.wait_ready()
    try:
        yield run
    finally:
        page.close()
        if own:
            ctx.close()
