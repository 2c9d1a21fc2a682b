"""Browser assets inlined into the offline HTML map, all installed by ``pip`` from PyPI.

Two sources, and no other (no npm, no CDN, nothing fetched when the page is viewed):

* kmpost's own code, shipped in this package: ``kmpost_map.js``, ``kmpost_map.css`` and
  ``kmpost_offset.js`` (MIT, this project);
* Leaflet **1.9.4** (BSD-2-Clause), from the PyPI package ``django-js-lib-leaflet``
  **1.9.4.1**, pinned exactly in ``pyproject.toml``. That package is a plain copy of Leaflet's
  ``dist/`` files with no dependencies (it does not need or import Django; kmpost reads its
  files only) and ships Leaflet's licence in its ``dist-info``.

``SHA256SUMS`` pins the bytes of every file taken from that package (paths relative to the
directory it is installed in, ``site-packages``): an index or mirror that served different bytes
for the same version is refused with an error naming the file. They are the bytes of the npm
package ``leaflet@1.9.4`` (the sums did not change when kmpost stopped using npm).

When the page is made, Leaflet's CSS images are turned into ``data:`` URIs, the source-map comment
is removed and the licence is put in front of the code as a comment, so the one HTML file carries
its licence and never makes the browser ask for another file. ``python -m maps.assets`` checks
the installed files (no network).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
import sys
from importlib import metadata
from pathlib import Path

from geo.errors import OutputError

ASSETS_DIR = Path(__file__).resolve().parent

#: the PyPI distribution that ships Leaflet's dist files, and its exact pinned version
LEAFLET_DIST = "django-js-lib-leaflet"
LEAFLET_DIST_VERSION = "1.9.4.1"
LEAFLET_VERSION = "1.9.4"
_STATIC = "js_lib_leaflet/static/js_lib_leaflet"
_LICENCE = f"django_js_lib_leaflet-{LEAFLET_DIST_VERSION}.dist-info/LICENSE"
INSTALL_HINT = f"pip install '{LEAFLET_DIST}=={LEAFLET_DIST_VERSION}' (a dependency of kmpost)"

#: file name used by maps.html -> file of the distribution (relative to its install directory)
VENDOR_FILES: dict[str, str] = {
    "leaflet.js": f"{_STATIC}/leaflet.js",
    "leaflet.css": f"{_STATIC}/leaflet.css",
}
#: kmpost's own browser files (shipped in this package)
OWN_FILES = ("kmpost_map.js", "kmpost_map.css", "kmpost_offset.js")

_CSS_URL = re.compile(r"url\(\s*(['\"]?)(images/[A-Za-z0-9_.-]+\.png)\1\s*\)")
_SOURCE_MAP = re.compile(r"^\s*(?://|/\*)# sourceMappingURL=\S+\s*(?:\*/)?\s*$", re.M)


def expected_sums() -> dict[str, str]:
    """Return ``{path: sha256}`` from ``maps/assets/SHA256SUMS`` (``sha256sum`` format)."""
    sums: dict[str, str] = {}
    for line in (ASSETS_DIR / "SHA256SUMS").read_text("utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            digest, rel = line.split(maxsplit=1)
            sums[rel.lstrip("*")] = digest
    return sums


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _distribution() -> metadata.Distribution:
    try:
        dist = metadata.distribution(LEAFLET_DIST)
    except metadata.PackageNotFoundError:
        raise OutputError(
            f"HTML map: the Python package {LEAFLET_DIST!r} (Leaflet {LEAFLET_VERSION}) is not "
            f"installed; {INSTALL_HINT}"
        ) from None
    if dist.version != LEAFLET_DIST_VERSION:
        raise OutputError(
            f"HTML map: {LEAFLET_DIST} {dist.version} is installed, kmpost pins "
            f"{LEAFLET_DIST_VERSION} (SHA256SUMS); {INSTALL_HINT}"
        )
    return dist


@functools.cache
def verified_dir() -> Path:
    """Check the installed Leaflet files against ``SHA256SUMS``; return their install directory.

    Raises OutputError (one problem per bad file) when the package is missing, of another
    version, or a file is absent or altered. The check runs once per process.
    """
    dist = _distribution()
    root = Path(str(dist.locate_file("")))
    problems = []
    for rel, digest in expected_sums().items():
        path = root / rel
        if not path.is_file():
            problems.append(f"{path}: missing from {LEAFLET_DIST}; reinstall it: {INSTALL_HINT}")
        elif _sha256(path) != digest:
            problems.append(
                f"{path}: does not match maps/assets/SHA256SUMS (expected {digest[:12]}...); "
                f"reinstall it: pip install --force-reinstall '{LEAFLET_DIST}=={LEAFLET_DIST_VERSION}'"
            )
    if problems:
        raise OutputError(problems=problems)
    return root


def licence_text() -> str:
    """Leaflet's licence (BSD-2-Clause) as shipped by the pinned package."""
    return (verified_dir() / _LICENCE).read_text("utf-8")


def _inline_css_images(css: str, base: Path) -> str:
    def repl(match: re.Match[str]) -> str:
        data = base64.b64encode((base / match.group(2)).read_bytes()).decode("ascii")
        return f'url("data:image/png;base64,{data}")'

    return _CSS_URL.sub(repl, css)


@functools.cache
def read_vendor(name: str) -> str:
    """Return a verified Leaflet file (``leaflet.js``, ``leaflet.css``) ready to inline.

    The text starts with Leaflet's licence as a comment; CSS images are ``data:`` URIs and the
    source-map comment is gone. Raises KeyError for an unknown name, OutputError when the
    pinned package is missing or altered.
    """
    rel = VENDOR_FILES[name]
    src = verified_dir() / rel
    text = _SOURCE_MAP.sub("", src.read_text("utf-8"))
    if name.endswith(".css"):
        text = _inline_css_images(text, src.parent)
        if re.search(r"url\((?!\s*['\"]?(?:data:|#))", text):
            raise OutputError(f"{src}: still refers to an external url() after inlining; report this as a bug")
    if "</script" in text.lower() or "</style" in text.lower():
        raise OutputError(f"{src}: contains a closing tag; cannot inline it (report this as a bug)")
    licence = licence_text().replace("*/", "* /")
    header = f"/*! Leaflet {LEAFLET_VERSION} (from {LEAFLET_DIST} {LEAFLET_DIST_VERSION}).\n{licence.strip()}\n*/\n"
    return header + text


def read_own(name: str) -> str:
    """Return the text of one of kmpost's own map assets (``kmpost_map.js``, ``.css``, ...)."""
    if name not in OWN_FILES:
        raise KeyError(name)
    return (ASSETS_DIR / name).read_text("utf-8")


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m maps.assets``: verify the installed assets (no network)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m maps.assets", description=__doc__.split("\n")[0])
    parser.parse_args(argv)
    try:
        root = verified_dir()
        for name in OWN_FILES:
            read_own(name)
    except (OutputError, OSError) as exc:
        for line in getattr(exc, "problems", (str(exc),)):
            print(f"kmpost: error: {line}", file=sys.stderr)
        return 2
    print(f"maps/assets: OK: Leaflet {LEAFLET_VERSION} from {LEAFLET_DIST} {LEAFLET_DIST_VERSION} ({root}), "
          f"{len(expected_sums())} files match SHA256SUMS; own files: {', '.join(OWN_FILES)}")
    return 0
