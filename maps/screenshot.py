"""Screenshot of an HTML map in Debian's Chromium, with the network cut off.

``screenshot(html_path, png_path)`` opens the page through Playwright driving ``/usr/bin/chromium``
(never a Playwright browser download), aborts every request other than the page itself, waits
until the kmpost map says it is ready (``window.kmpost.ready``), and saves a PNG. The picture
therefore shows what a phone without signal shows. JavaScript errors make it fail.

Command line: ``python -m maps.screenshot MAP.html OUT.png [--width 1400 --height 900]``.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from geo.errors import OutputError

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND",
)


def screenshot(
    html_path: str | os.PathLike[str],
    png_path: str | os.PathLike[str],
    *,
    width: int = 1400,
    height: int = 900,
    settle_ms: int = 300,
    timeout_ms: int = 30_000,
) -> Path:
    """Save a ``width`` x ``height`` PNG of the map at ``html_path`` to ``png_path``; return it.

    Raises ``OutputError`` when Chromium or Playwright is missing, the page raises a JavaScript
    error, the map never becomes ready, or it tried to load something from the network.
    """
    src = Path(html_path).resolve()
    if not src.is_file():
        raise OutputError(f"{src}: no such HTML map; build it first (kmpost build)")
    if not Path(CHROMIUM).is_file():
        raise OutputError(
            f"{CHROMIUM}: Chromium not found; install Debian's 'chromium' package (or set CHROMIUM=/path/to/chromium)"
        )
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        raise OutputError(
            "screenshot needs the Python package 'playwright' (pip install playwright; "
            "no browser download is needed, Debian's chromium is used)"
        ) from exc

    out = Path(png_path)
    url = src.as_uri()
    errors: list[str] = []
    blocked: list[str] = []

    def handle(route: Any) -> None:
        if route.request.url == url or route.request.url.startswith("data:"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort("internetdisconnected")

    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
            try:
                page = browser.new_page(viewport={"width": width, "height": height})
                page.on("pageerror", lambda e: errors.append(str(e)))
                page.route("**/*", handle)
                page.goto(url, wait_until="load", timeout=timeout_ms)
                page.wait_for_function("() => window.kmpost && window.kmpost.ready === true", timeout=timeout_ms)
                page.wait_for_timeout(settle_ms)
                out.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(out))
            finally:
                browser.close()
    except PlaywrightError as exc:
        first = (exc.message or str(exc)).splitlines()[0]
        raise OutputError(f"{src}: screenshot failed in Chromium ({first})") from exc
    if errors:
        raise OutputError(f"{src}: JavaScript error in the map: {errors[0]}")
    if blocked:
        raise OutputError(f"{src}: the map tried to load {blocked[0]} (it must be self-contained)")
    return out


def main(argv: list[str] | None = None) -> int:
    """``python -m maps.screenshot MAP.html OUT.png``."""
    parser = argparse.ArgumentParser(prog="python -m maps.screenshot", description=__doc__.split("\n")[0])
    parser.add_argument("html")
    parser.add_argument("png")
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=900)
    args = parser.parse_args(argv)
    try:
        out = screenshot(args.html, args.png, width=args.width, height=args.height)
    except OutputError as exc:
        print(f"kmpost: error: {exc}", file=sys.stderr)
        return 2
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
