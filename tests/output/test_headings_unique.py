"""A column code has one heading: a second entry in the dict literal would silently replace the first."""

import ast
from pathlib import Path

import aimaq.export.headings as headings


def test_every_column_code_has_one_heading_entry():
    tree = ast.parse(Path(headings.__file__).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            keys = [k.value for k in node.keys if isinstance(k, ast.Constant)]
            assert not {k for k in keys if keys.count(k) > 1}, "a column code appears twice"
    assert headings.HEADINGS["rows_pending"] and headings.HEADINGS["new_value"]
