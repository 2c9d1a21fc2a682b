"""Browser assets inlined into the offline HTML map, from pinned npm packages.

Set-up (idempotent; needs ``npm`` and the npm registry only the first time)::

    python -m maps.assets            # install + verify + copy into maps/assets/vendor/
    python -m maps.assets --check    # verify only, no network; exit 1 if missing or altered

``package.json`` pins exact versions; ``SHA256SUMS`` pins the bytes of every file taken from the
packages, so a registry that served different bytes for the same version is refused. No npm lock
file is written (``--no-package-lock``) and nothing under ``vendor/`` or ``node_modules/`` is
committed. Leaflet's CSS images are turned into ``data:`` URIs and source-map comments are
removed, so the inlined files never make the browser ask for another file.

At view time nothing is fetched: :func:`read_vendor` hands the files to ``maps.html``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

from geo.errors import OutputError

ASSETS_DIR = Path(__file__).resolve().parent
VENDOR_DIR = ASSETS_DIR / "vendor"
NODE_MODULES = ASSETS_DIR / "node_modules"
MANIFEST = VENDOR_DIR / "manifest.json"
SETUP_COMMAND = "python -m maps.assets"

#: vendor file name -> path inside node_modules (the pinned package's own file)
VENDOR_FILES: dict[str, str] = {
    "leaflet.js": "leaflet/dist/leaflet.js",
    "leaflet.css": "leaflet/dist/leaflet.css",
    "leaflet.polylineoffset.js": "leaflet-polylineoffset/leaflet.polylineoffset.js",
    "jquery.min.js": "jquery/dist/jquery.min.js",
    "LICENSE-leaflet.txt": "leaflet/LICENSE",
    "LICENSE-leaflet-polylineoffset.txt": "leaflet-polylineoffset/LICENSE",
    "LICENSE-jquery.txt": "jquery/LICENSE.txt",
}

_CSS_URL = re.compile(r"url\(\s*(['\"]?)(images/[A-Za-z0-9_.-]+\.png)\1\s*\)")
_SOURCE_MAP = re.compile(r"^\s*//# sourceMappingURL=\S+\s*$", re.M)


def pinned_versions() -> dict[str, str]:
    """Return the exact package versions pinned in ``maps/assets/package.json``."""
    deps: dict[str, str] = json.loads((ASSETS_DIR / "package.json").read_text("utf-8"))[
        "dependencies"
    ]
    for name, version in deps.items():
        if not re.fullmatch(r"\d+\.\d+\.\d+", version):
            raise OutputError(
                f"maps/assets/package.json: dependencies.{name}: {version!r} is not an exact "
                'version; pin it like "1.9.4"'
            )
    return deps


def _expected_sums() -> dict[str, str]:
    sums: dict[str, str] = {}
    for line in (ASSETS_DIR / "SHA256SUMS").read_text("utf-8").splitlines():
        if line.strip():
            digest, rel = line.split(maxsplit=1)
            sums[rel.lstrip("*")] = digest
    return sums


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _manifest_ok() -> bool:
    """True when vendor/ holds every file, made from the pinned versions, unaltered."""
    if not MANIFEST.is_file():
        return False
    try:
        manifest = json.loads(MANIFEST.read_text("utf-8"))
    except (OSError, ValueError):
        return False
    if manifest.get("versions") != pinned_versions():
        return False
    files = manifest.get("files", {})
    if set(files) != set(VENDOR_FILES):
        return False
    return all(
        (VENDOR_DIR / name).is_file() and _sha256(VENDOR_DIR / name) == digest
        for name, digest in files.items()
    )


def _npm_install(quiet: bool) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise OutputError(
            "maps/assets: npm not found; install Node.js + npm (Debian: apt-get install npm), "
            f"then run `{SETUP_COMMAND}`"
        )
    cmd = [
        npm,
        "install",
        "--no-package-lock",
        "--no-save",
        "--ignore-scripts",
        "--no-audit",
        "--no-fund",
        "--prefix",
        str(ASSETS_DIR),
    ]
    proc = subprocess.run(cmd, cwd=ASSETS_DIR, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        tail = " | ".join(proc.stderr.strip().splitlines()[-3:])
        raise OutputError(
            f"maps/assets: `npm install` failed (exit {proc.returncode}): {tail}; "
            "check access to the npm registry and rerun " + SETUP_COMMAND
        )
    if not quiet:
        print(proc.stdout.strip() or "npm install: done", file=sys.stderr)


def _verify_sources() -> None:
    versions = pinned_versions()
    for name, version in versions.items():
        meta = NODE_MODULES / name / "package.json"
        got = json.loads(meta.read_text("utf-8")).get("version") if meta.is_file() else None
        if got != version:
            raise OutputError(
                f"maps/assets: node_modules/{name} is version {got!r}, package.json pins "
                f"{version!r}; delete maps/assets/node_modules and rerun {SETUP_COMMAND}"
            )
    for rel, digest in _expected_sums().items():
        path = NODE_MODULES / rel
        if not path.is_file() or _sha256(path) != digest:
            raise OutputError(
                f"maps/assets: node_modules/{rel} does not match maps/assets/SHA256SUMS "
                f"(expected {digest[:12]}...); delete maps/assets/node_modules and rerun "
                f"{SETUP_COMMAND}, or update SHA256SUMS deliberately when changing a pin"
            )


def _inline_css_images(css: str, base: Path) -> str:
    def repl(match: re.Match[str]) -> str:
        data = base64.b64encode((base / match.group(2)).read_bytes()).decode("ascii")
        return f'url("data:image/png;base64,{data}")'

    return _CSS_URL.sub(repl, css)


def _build_vendor() -> None:
    VENDOR_DIR.mkdir(exist_ok=True)
    digests: dict[str, str] = {}
    for name, rel in VENDOR_FILES.items():
        src = NODE_MODULES / rel
        if not name.endswith((".js", ".css")):  # licences: copied byte for byte
            shutil.copyfile(src, VENDOR_DIR / name)
            digests[name] = _sha256(VENDOR_DIR / name)
            continue
        text = src.read_text("utf-8")
        if name.endswith(".css"):
            text = _inline_css_images(text, src.parent)
        text = _SOURCE_MAP.sub("", text)
        if "</script" in text.lower() or "</style" in text.lower():
            raise OutputError(f"maps/assets: {rel} contains a closing tag; cannot inline it")
        if name.endswith(".css") and re.search(r"url\((?!\s*['\"]?(?:data:|#))", text):
            raise OutputError(f"maps/assets: {rel} still refers to an external url()")
        (VENDOR_DIR / name).write_text(text, "utf-8")
        digests[name] = _sha256(VENDOR_DIR / name)
    manifest = {"versions": pinned_versions(), "files": digests}
    MANIFEST.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", "utf-8")


def ensure(*, force: bool = False, quiet: bool = False) -> Path:
    """Make ``maps/assets/vendor/`` hold the pinned, verified assets; return its path.

    Does nothing (and needs no network) when the vendor files already match the pins; otherwise
    runs ``npm install`` (only if ``node_modules`` is missing or wrong), verifies every source
    file against ``SHA256SUMS`` and rebuilds ``vendor/``.
    """
    if not force and _manifest_ok():
        if not quiet:
            print(f"maps/assets: vendor files up to date ({VENDOR_DIR})", file=sys.stderr)
        return VENDOR_DIR
    try:
        _verify_sources()
    except OutputError:
        _npm_install(quiet)
        _verify_sources()
    _build_vendor()
    if not quiet:
        print(f"maps/assets: wrote {len(VENDOR_FILES)} files to {VENDOR_DIR}", file=sys.stderr)
    return VENDOR_DIR


def read_vendor(name: str) -> str:
    """Return the text of a vendor file, or raise OutputError naming the set-up command."""
    if name not in VENDOR_FILES:
        raise KeyError(name)
    path = VENDOR_DIR / name
    if not path.is_file():
        raise OutputError(
            f"{path}: missing; the offline map inlines pinned Leaflet assets: run "
            f"`{SETUP_COMMAND}` once (needs npm and the npm registry)"
        )
    return path.read_text("utf-8")


def read_own(name: str) -> str:
    """Return the text of one of kmpost's own map assets (``kmpost_map.js`` / ``.css``)."""
    return (ASSETS_DIR / name).read_text("utf-8")


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m maps.assets [--check] [--force] [--quiet]``."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m maps.assets", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--check", action="store_true", help="verify only; exit 1 if not ready")
    parser.add_argument("--force", action="store_true", help="rebuild vendor/ even if up to date")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    try:
        if args.check:
            if _manifest_ok():
                print(f"maps/assets: OK {pinned_versions()}")
                return 0
            print(f"maps/assets: vendor files missing or altered; run `{SETUP_COMMAND}`")
            return 1
        ensure(force=args.force, quiet=args.quiet)
    except OutputError as exc:
        print(f"kmpost: error: {exc}", file=sys.stderr)
        return 2
    return 0
