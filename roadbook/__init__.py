"""Roadbooks: the YAML format, its validation and the routes embedded in kmpost."""

from __future__ import annotations

from pathlib import Path

from geo.errors import RoadbookError
from roadbook.schema import Roadbook, validate
from roadbook.yamlsrc import load_yaml

DATA_DIR = Path(__file__).parent / "data"

#: Roadbook files are small hand-edited texts; anything larger is refused before parsing.
MAX_BYTES = 20 * 1024 * 1024


def parse_roadbook(text: str, filename: str = "<roadbook>") -> Roadbook:
    """Parse and validate roadbook YAML text. ``filename`` is used in error messages."""
    data, lines = load_yaml(text, filename)
    return validate(data, filename, lines)


def load_roadbook(path: str | Path) -> Roadbook:
    """Read, parse and validate a roadbook file (UTF-8 YAML)."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_BYTES:
            raise RoadbookError(f"{p}: {size} bytes is too large for a roadbook (limit {MAX_BYTES})")
        raw = p.read_bytes()
    except OSError as exc:
        raise RoadbookError(f"{p}: cannot read the roadbook ({exc.strerror}); check the path") from None
    return parse_roadbook_bytes(raw, str(p))


def parse_roadbook_bytes(raw: bytes, filename: str = "<roadbook>") -> Roadbook:
    """Decode (UTF-8, with or without BOM), parse and validate the bytes of a roadbook file."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise RoadbookError(
            f"{filename}:{line}: byte {exc.start} is not UTF-8; save the roadbook as UTF-8 text"
        ) from None
    return parse_roadbook(text, filename)


def embedded_routes() -> dict[str, Path]:
    """Names and files of the routes built into kmpost (``kmpost list``)."""
    return {f.stem: f for f in sorted(DATA_DIR.glob("*.yaml"))}


def load_embedded(name: str) -> Roadbook:
    """Load an embedded route by name; :class:`RoadbookError` lists the names if unknown."""
    routes = embedded_routes()
    if name not in routes:
        raise RoadbookError(
            f"no embedded route '{name}'; choose one of: {', '.join(routes)} (see 'kmpost list'), "
            "or give a roadbook file with --roadbook"
        )
    return load_roadbook(routes[name])
