"""Every command is documented in the README with an example, and has help text."""

from __future__ import annotations

import re


import pytest
from typer.main import get_command

from conftest import ROOT
from reputation.cli import app


def command_paths(group, prefix: str = "repmon") -> list:
    paths = []
    for name, command in group.commands.items():
        path = f"{prefix} {name}"
        if hasattr(command, "commands"):
            paths += command_paths(command, path)
        else:
            paths.append((path, command))
    return paths


COMMANDS = command_paths(get_command(app))


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS])
def test_every_command_is_in_the_readme(path):
    readme = (ROOT / "README.md").read_text()
    assert re.search(rf"(^|[\s/]){re.escape(path)}\b", readme), f"README has no example of `{path}`"


@pytest.mark.parametrize("path,command", COMMANDS)
def test_every_command_has_help_with_an_example(path, command):
    assert command.help and "Example:" in command.help, f"`{path}` has no example in its help"


def test_the_commands_the_issue_names_exist():
    paths = {p for p, _ in COMMANDS}
    assert {"repmon roster import", "repmon crawl", "repmon listings import", "repmon match", "repmon flags",
            "repmon report overview", "repmon report physician", "repmon report all", "repmon export",
            "repmon weekly", "repmon demo"} <= paths


def test_the_findings_table_is_the_finding_kinds_table():
    """README's findings table lists every kind, its severity and when it is raised, as the code declares them."""
    from reputation.findings import KINDS

    readme = (ROOT / "README.md").read_text()
    rows = re.findall(r"^\| `([a-z_]+)` \| (critical|high|medium) \| (.+) \|$", readme, flags=re.MULTILINE)
    assert rows == [(k.key, k.severity, k.when) for k in KINDS]


def test_the_reason_code_table_is_the_code_table():
    """README's reason codes are the ones a search record may carry, with their status and meaning."""
    from crawlers.items import REASON_CODES

    readme = (ROOT / "README.md").read_text()
    rows = re.findall(r"^\| `([a-z_]+)` \| `([a-z_]+)` \| (.+) \|$", readme, flags=re.MULTILINE)
    assert rows == [(code, status, when) for code, (status, when) in REASON_CODES.items()]


def test_the_sources_table_names_every_source():
    """README's sources table has a row for each source the registry knows, and none it does not."""
    from crawlers.sources import sources

    readme = (ROOT / "README.md").read_text()
    table = readme.split("## Sources", 1)[1].split("###", 1)[0]
    rows = re.findall(r"^\| `([a-z_]+)` \|", table, flags=re.MULTILINE)
    assert sorted(rows) == sorted(source.key for source in sources())
