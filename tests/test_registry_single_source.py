"""roadbook.kinds is the single source of what a kind is: no second table elsewhere.

A "table of kinds" is a mapping whose keys are kind names (labels, symbols, types, styles by
kind). The test reads every Python module of the package with ``ast`` and the map page's script
as text, and fails on such a table outside ``roadbook/kinds.py``. It also checks the registry's
map styles: two kinds that look the same on the map have the same legend text (so every legend
symbol is unique), the page gets its styles from the registry, and the extractor's category
maps are the registry's.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from roadbook import model
from roadbook.extract.draft import EVENT_KIND, STRETCH_KIND
from roadbook.kinds import LAYER_GROUP, REGISTRY, from_category, map_page_kinds, map_styles

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("geo", "layers", "maps", "roadbook", "cli.py", "pipeline.py")
KIND_NAMES = {k for (_, k) in REGISTRY}
#: Mappings keyed by kind names that are not labels, symbols, types or styles, with the reason.
ALLOWED = {
    # the registry itself (the schema's vocabularies in roadbook/model.py are read from it:
    # test_the_schema_vocabulary_is_the_registry below)
    ("roadbook/kinds.py", "*"): "the registry",
    # a highway / old-road stretch's road status (open, built_not_open ...): layer logic
    ("layers/parallels.py", "HIGHWAY_KINDS"): "road status of a parallels row",
    ("layers/parallels.py", "OLD_ROAD_KINDS"): "road status of a parallels row",
    ("layers/parallels.py", "_CYCLING"): "keyed by road status (open, built_not_open, ...), not by kind",
    # keyed by Kind.stage values (camp, town, water, food): the order a stage end is chosen in
    ("maps/stages.py", "_RANK"): "keyed by Kind.stage values",
    # words a user may write for a kind -> the kind ("did you mean"); spelling help, no labels
    ("roadbook/check.py", "SYNONYMS"): "spelling help for the validator",
    # the extractor's word patterns per extractor category (categories, not kinds)
    ("roadbook/extract/categories.py", "_RULES"): "word patterns per extractor category",
}
MIN_KEYS = 3


def _py_files() -> list[Path]:
    out: list[Path] = []
    for name in PACKAGES:
        p = ROOT / name
        out += [p] if p.is_file() else sorted(p.rglob("*.py"))
    return out


def _target(parent: ast.AST | None) -> str:
    if isinstance(parent, ast.Assign) and isinstance(parent.targets[0], ast.Name):
        return parent.targets[0].id
    if isinstance(parent, ast.AnnAssign) and isinstance(parent.target, ast.Name):
        return parent.target.id
    return "?"


def kind_tables_in_python(path: Path) -> list[tuple[str, int, list[str]]]:
    """(name it is assigned to, line, kind keys) of every dict literal keyed by >= 3 kind names."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            keys = [k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)]
            kinds = [k for k in keys if k in KIND_NAMES]
            if set(keys) <= set(LAYER_GROUP):
                continue  # keyed by layer names (some layers are named like a kind: route, camping)
            if len(kinds) >= MIN_KEYS:
                found.append((_target(parents.get(node)), node.lineno, kinds))
    return found


def kind_tables_in_js(text: str) -> list[tuple[int, list[str]]]:
    """(line, kind keys) of every run of object-literal lines ``kind: {...`` / ``'kind': ...``."""
    found: list[tuple[int, list[str]]] = []
    run: list[str] = []
    start = 0
    for n, line in enumerate(text.splitlines(), 1):
        m = re.match(r"\s*'?([a-z_:]+)'?\s*:\s*[{'\"]", line)
        key = m.group(1).split(":")[-1] if m else None
        if key in KIND_NAMES:
            run, start = ([*run, key], start or n)
        elif not (m or line.strip().startswith(("//", "label:", "}")) or not line.strip()):
            if len(run) >= MIN_KEYS:
                found.append((start, run))
            run, start = [], 0
    if len(run) >= MIN_KEYS:
        found.append((start, run))
    return found


def kind_lists_in_python(path: Path) -> list[tuple[int, list[str]]]:
    """(line, kind names) of every tuple, list or set literal of >= 3 kind names."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            names = [e.value for e in node.elts if isinstance(e, ast.Constant) and e.value in KIND_NAMES]
            if len(names) >= MIN_KEYS:
                found.append((node.lineno, names))
    return found


def test_the_schema_vocabulary_is_the_registry() -> None:
    """roadbook/model.py writes no kind down: its vocabularies (kinds, their order, the events'
    and stretches' descriptions) are the registry's."""
    groups = {"event": model.EVENT_KINDS, "stretch": model.STRETCH_KINDS, "place": model.PLACE_KINDS,
              "restriction": model.RESTRICTION_KINDS, "transport": model.TRANSPORT_MODES}
    for group, vocab in groups.items():
        entries = [k for k in REGISTRY.values() if k.group == group]
        assert list(vocab) == [k.kind for k in entries], group
        if isinstance(vocab, dict):
            assert vocab == {k.kind: k.description for k in entries}, group
            assert all(k.description for k in entries), group
    src = ROOT / "roadbook" / "model.py"
    assert kind_tables_in_python(src) == [] and kind_lists_in_python(src) == []


def test_no_second_table_of_kinds_in_the_code() -> None:
    problems = []
    for path in _py_files():
        rel = path.relative_to(ROOT).as_posix()
        for name, line, kinds in kind_tables_in_python(path):
            if (rel, "*") in ALLOWED or (rel, name) in ALLOWED:
                continue
            problems.append(f"{rel}:{line}: {name} is a table keyed by kinds {kinds[:5]}; read roadbook.kinds")
    for path in sorted((ROOT / "maps" / "assets").glob("kmpost_*.js")):
        for line, kinds in kind_tables_in_js(path.read_text(encoding="utf-8")):
            problems.append(f"{path.name}:{line}: a style table keyed by kinds {kinds[:5]}; "
                            "the page reads cfg.kinds (roadbook.kinds.map_page_kinds)")
    assert not problems, "\n".join(problems)


def test_the_scan_finds_a_table() -> None:
    """The scanners see the forms they are meant to catch (so the test above can fail)."""
    src = ROOT / "tests" / "_probe_kinds.py"
    try:
        src.write_text('LABELS = {"checkpoint": "CP", "water": "W", "town": "T"}\n', encoding="utf-8")
        assert kind_tables_in_python(src) == [("LABELS", 1, ["checkpoint", "water", "town"])]
        src.write_text('KINDS = ("checkpoint", "water", "town")\n', encoding="utf-8")
        assert kind_lists_in_python(src) == [(1, ["checkpoint", "water", "town"])]
    finally:
        src.unlink()
    js = "var S = {\n  checkpoint: {shape: 'p'},\n  // x\n  water: {shape: 'p'},\n  'transport:bus': {shape: 'l'}\n};\n"
    assert kind_tables_in_js(js) == [(2, ["checkpoint", "water", "bus"])]


def test_the_page_draws_with_the_registry_styles() -> None:
    js = (ROOT / "maps" / "assets" / "kmpost_map.js").read_text(encoding="utf-8")
    assert "K.setKinds(cfg.kinds)" in js
    page = map_page_kinds()
    assert page["styles"] == map_styles()
    # every group the page may look a layer's kind up in is a group of the registry
    assert set(page["layer_group"].values()) | set(page["search"]) <= set(page["styles"])


def _signature(s: dict) -> tuple:
    """What a legend swatch shows of a style (as the page's signature())."""
    if s["shape"] == "l":
        dash = s.get("dash")
        return ("l", s["color"], min(s.get("weight") or 4, 6),
                ("dotted" if dash.startswith("1 ") else "dashed") if dash else "solid")
    w = s.get("weight") or 0
    return (s["shape"], s["color"], s.get("fill") or s["color"], "dashed" if s.get("dash") else "solid",
            min(w, 4) if w > 2 else 2)


def test_every_legend_symbol_means_one_thing() -> None:
    seen: dict[tuple, tuple[str, str]] = {}
    for group, kinds in map_styles().items():
        for kind, s in kinds.items():
            sig = _signature(s)
            other = seen.setdefault(sig, (s["label"], f"{group}:{kind}"))
            assert other[0] == s["label"], f"{group}:{kind} ({s['label']}) looks like {other[1]} ({other[0]})"


def test_transport_is_dotted_and_anchors_are_not_border_dots() -> None:
    st = map_styles()
    for mode, s in st["transport"].items():
        assert s["shape"] == "l" and s["dash"].startswith("1 "), mode  # sparse dots, never a road
        assert "not a road" in s["label"], mode
    anchor = _signature(st["derived"]["anchor"])
    assert all(_signature(s) != anchor for g, ks in st.items() for k, s in ks.items() if k != "anchor")
    assert st["derived"]["anchor"]["fill"] != st["derived"]["border_crossing"]["fill"]


def test_extractor_kinds_come_from_the_registry() -> None:
    assert from_category("event") == EVENT_KIND
    assert from_category("stretch") == STRETCH_KIND
    assert EVENT_KIND["descent"] == "downhill" and STRETCH_KIND["camping"] == "camping_zone"
