"""The README is the contract users read: its tables and commands stay in step with the code."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import click

from lodfilm.cli import main
from lodfilm.mapping import MAPPING

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_mapping_table_is_the_code_table() -> None:
    for row in MAPPING:
        assert f"| `{row.field}` | {row.path} | {row.object} | {row.fiaf} | {row.wikidata} |" in README, row


def test_readme_credits_table_is_the_code_table() -> None:
    from lodfilm.credits import CREDITS

    for credit in CREDITS:
        assert f"| {credit.label}: {', '.join(credit.variants)} |" in README, credit.label


def test_readme_documents_every_command_and_option() -> None:
    assert isinstance(main, click.Group)
    for name, command in main.commands.items():
        assert f"`lodfilm {name}" in README, name
        for param in command.params:
            if isinstance(param, click.Option) and param.name not in ("progress",):
                assert any(opt in README for opt in param.opts), (name, param.opts)


def test_readme_has_exactly_the_two_setup_commands_and_ci_runs_the_test_one() -> None:
    setup = README.split("## Set up", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```sh\n(.*?)\n```", setup, re.S)
    assert len(commands) == 2
    assert commands[0].endswith("lodfilm serve")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci


def test_ci_script_is_valid_bash() -> None:
    assert subprocess.run(["bash", "-n", str(ROOT / ".ci" / "run")]).returncode == 0
