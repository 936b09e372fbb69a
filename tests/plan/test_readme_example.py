"""The README's "Plan your node" example is the file it names, and it is a valid plan (running it whole
takes minutes with the C engine and hours with the Python one: the suite runs its tiny siblings)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ltobms.cli import main
from ltobms.plan.planfile import load_plan

ROOT = Path(__file__).resolve().parents[2]


def test_the_readme_shows_the_example_file_as_it_is() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Plan your node", 1)[1].split("\n## ", 1)[0]
    (shown,) = re.findall(r"```toml\n(.*?)```", section, re.S)
    assert shown == (ROOT / "examples" / "winter-node.toml").read_text()
    assert "ltobms plan examples/winter-node.toml" in section


def test_the_example_is_a_valid_plan_of_twelve_simulated_days(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    plan = load_plan(ROOT / "examples" / "winter-node.toml")
    assert plan.runs * plan.days == 12
    assert main(["plan", str(ROOT / "examples" / "winter-node.toml"), "--dry-run",
                 "--cache", str(tmp_path)]) == 0
    assert "4 combinations × 1 weather sample = 4 runs of 3 days" in capsys.readouterr().out
