"""The documentation is checked against the code: a stale reference fails the build."""
from __future__ import annotations

import re
from pathlib import Path

import typer.main

from kzinvest.cli import app
from kzinvest.docs.cli_reference import reference

ROOT = Path(__file__).resolve().parents[1]


def test_cli_reference_is_current():
    committed = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert committed == reference(), "run: python -m kzinvest.docs.cli_reference > docs/cli.md"


def test_readme_names_every_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    group = typer.main.get_command(app)
    for name in group.commands:
        assert f"kzinvest {name}" in readme, name


def test_readme_documents_every_environment_variable():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    used = set()
    for path in (ROOT / "src" / "kzinvest").rglob("*.py"):
        used |= set(re.findall(r"KZINVEST_[A-Z_]+", path.read_text(encoding="utf-8")))
    missing = sorted(v for v in used if f"`{v}`" not in readme)
    assert not missing, missing


def test_readme_opens_with_the_two_commands():
    head = (ROOT / "README.md").read_text(encoding="utf-8")[:400]
    assert "make demo" in head and "make test" in head
