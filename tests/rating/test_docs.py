"""docs/rating.md documents every rating command and every key of the shipped specs."""

from pathlib import Path

import yaml

from aimaq.cli.rating import sub
from aimaq.rating.spec import specs_dir

DOC = (Path(__file__).resolve().parents[2] / "docs" / "rating.md").read_text(encoding="utf-8")


def test_every_command_is_documented():
    names = [c.name or c.callback.__name__ for c in sub.registered_commands]
    assert sorted(names) == ["change", "compute", "factors", "import-survey", "riskmap", "show", "summary", "uncertainty"]
    for name in names:
        assert f"aimaq rating {name}" in DOC, name


def test_every_spec_key_is_documented():
    for path in sorted(specs_dir().glob("qol_*.yaml")):
        d = yaml.safe_load(path.read_text(encoding="utf-8"))
        keys = set(d) - {"name", "version", "year", "title", "catalogue", "factors", "scale", "pipeline"}
        for key in keys | set(d["riskmap"]) - {"items", "city_mean", "aggregate"}:
            assert key in DOC, (path.name, key)
    params = yaml.safe_load((specs_dir() / "synthetic_v1.yaml").read_text(encoding="utf-8"))
    assert "synthetic_v1.yaml" in DOC and params["version"] == "1"
