"""Load YAML while remembering the line of every value, so that errors can name the line and field."""

from __future__ import annotations

from typing import Any

import yaml

Path = tuple[str | int, ...]


class YamlError(ValueError):
    pass


def load_with_lines(text: str) -> tuple[Any, dict[Path, int]]:
    """The document as plain Python, plus a map from each value's path to its 1-based line."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        raise YamlError(f"{where}not valid YAML ({getattr(exc, 'problem', exc)})") from exc
    lines: dict[Path, int] = {}

    def convert(node: yaml.Node | None, path: Path) -> Any:
        if node is None:
            return None
        lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = yaml.safe_load(yaml.serialize(key_node))
                lines[(*path, key)] = key_node.start_mark.line + 1
                result[key] = convert(value_node, (*path, key))
                lines[(*path, key)] = key_node.start_mark.line + 1
            return result
        if isinstance(node, yaml.SequenceNode):
            return [convert(item, (*path, index)) for index, item in enumerate(node.value)]
        return yaml.safe_load(yaml.serialize(node))

    return convert(root, ()), lines


def line_of(lines: dict[Path, int], loc: Path) -> int | None:
    """The line of `loc`, or of its nearest ancestor that has one."""
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None
