"""Safe YAML reading that remembers the line of every value.

Roadbooks are edited by hand and shared on the internet, so the reader:

* uses PyYAML's safe composer (no Python object tags);
* refuses anchors and aliases (``&a`` / ``*a``): a handful of aliases can expand into gigabytes
  ("billion laughs"), and a roadbook never needs them;
* refuses duplicate keys (the second would silently win);
* returns plain Python values plus a map ``path -> line`` (1-based) so that validation errors can
  name the line, e.g. ``("events", 3, "kind") -> 42``.
"""

from __future__ import annotations

from typing import Any

import yaml

from geo.errors import RoadbookError

Path_ = tuple[str | int, ...]


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def load_yaml(text: str, filename: str) -> tuple[Any, dict[Path_, int]]:
    """Parse YAML text into Python values and a ``path -> line`` map.

    Raises :class:`RoadbookError` with ``file:line`` for malformed YAML, aliases, duplicate keys.
    """
    if "\x00" in text:
        raise RoadbookError(f"{filename}: contains NUL bytes; a roadbook is a UTF-8 text (YAML) file")
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise RoadbookError(
                    f"{filename}:{getattr(event.start_mark, 'line', -1) + 1}: YAML anchors/aliases (&, *) are not "
                    "allowed in a roadbook; write the value out in full"
                )
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{getattr(mark, 'line', -1) + 1}" if mark is not None else ""
        what = (exc.problem or exc.context or "syntax error").strip()
        raise RoadbookError(
            f"{filename}{line}: malformed YAML ({what}); check indentation, colons and quotes there"
        ) from None
    except yaml.YAMLError as exc:
        raise RoadbookError(f"{filename}: malformed YAML ({exc}); fix the file's syntax") from None
    lines: dict[Path_, int] = {}
    if node is None:
        return None, lines
    constructor = yaml.constructor.SafeConstructor()

    def conv(n: yaml.Node, path: Path_) -> Any:
        lines[path] = _line(n)
        if isinstance(n, yaml.MappingNode):
            out: dict[str, Any] = {}
            for k_node, v_node in n.value:
                key = constructor.construct_object(k_node, deep=True)
                if not isinstance(key, str):
                    raise RoadbookError(
                        f"{filename}:{_line(k_node)}: key {key!r} is not text; keys are names "
                        "like 'km' or 'kind'"
                    )
                if key in out:
                    raise RoadbookError(
                        f"{filename}:{_line(k_node)}: duplicate key '{key}'; keep only one"
                    )
                out[key] = conv(v_node, (*path, key))
            return out
        if isinstance(n, yaml.SequenceNode):
            return [conv(item, (*path, i)) for i, item in enumerate(n.value)]
        try:
            return constructor.construct_object(n, deep=True)
        except yaml.YAMLError as exc:
            raise RoadbookError(f"{filename}:{_line(n)}: bad value ({exc})") from None

    return conv(node, ()), lines
