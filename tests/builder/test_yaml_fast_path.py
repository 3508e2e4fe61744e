"""The fast YAML path (libyaml's parser) gives exactly what the careful path (ruamel.yaml) gives."""

from __future__ import annotations

from typing import Any

import pytest

from builder.load import _index_lines
from builder.yaml_guard import _fast_node, guarded_yaml, load_yaml
from tests.project import CONTENT

FEATURES = """\
quoted: "x"
single: 'y'
yes_is_text_in_yaml_1_2: yes
octal_like: 010
sexagesimal_like: 1:30
date: 2024-05-01
nothing: ~
float: 1.5
hex: 0x1F
infinity: .inf
literal: |
  lit
  eral
folded: >
  fold
  ed
flow: [1, two, {x: 3}]
1: a number as a key is a text
null: so is null
items:
  - m: 1
    n: 2
  -
    - deep
spread: "multi
  line"
"""


def typed(value: Any) -> Any:
    """The value with the exact Python class of everything in it."""
    if isinstance(value, dict):
        return type(value).__name__, [(typed(k), typed(v)) for k, v in value.items()]
    if isinstance(value, list):
        return type(value).__name__, [typed(v) for v in value]
    return type(value).__name__, value


def lines_of(data: Any) -> dict[str, int]:
    lines = {"": 1}
    _index_lines(data, "", lines)
    return lines


TEXTS = {path.relative_to(CONTENT).as_posix(): path.read_text("utf-8") for path in sorted(CONTENT.rglob("*.yaml"))}
TEXTS["features"] = FEATURES


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_fast_path_gives_the_careful_paths_data_types_and_lines(name):
    text = TEXTS[name]
    node = _fast_node(text)
    assert node is not None, "the fast path gave up on plain content"
    fast = guarded_yaml().constructor.construct_document(node)
    careful = guarded_yaml().load(text)
    assert typed(fast) == typed(careful)
    assert lines_of(fast) == lines_of(careful)


@pytest.mark.parametrize(
    "text",
    ["a: &x 1\nb: *x\n", "a: !foo 1\n", "a: 1\na: 2\n", "%YAML 1.1\n---\na: 1\n", "a: 1\n---\nb: 2\n", "a: [1,\n"],
    ids=["anchor", "tag", "duplicate key", "directive", "two documents", "syntax error"],
)
def test_anything_unusual_takes_the_careful_path_with_its_result_or_error(text):
    assert _outcome(load_yaml, text) == _outcome(guarded_yaml().load, text)


def _outcome(load: Any, text: str) -> Any:
    try:
        return typed(load(text))
    except Exception as error:  # the careful path's error, whatever its kind
        return type(error).__name__, str(error)
