"""Physicians' social accounts and the system's channels."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from reputation.cli.base import ReviewFormat, channels_app, console, engine, err, social_app


@social_app.command("import")
def social_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV with npi, network, account and optional ambassador (yes/no).")],
) -> None:
    """Import physicians' social accounts: each handle or address is stored as its network's canonical id.

    A bad row is named with its line, column and reason, and nothing of the file is stored.
    Example: repmon social import accounts.csv
    """
    from reputation.roster_file import RosterError
    from reputation.social.imports import import_accounts

    try:
        result = import_accounts(engine(), file)
    except RosterError as exc:
        err.print(Text.assemble(("Accounts not imported:", "red"), f" {exc}"))
        raise typer.Exit(1)
    console.print(result.describe("accounts"), highlight=False)


@channels_app.command("import")
def social_channels_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV with network, account, label, department.")],
) -> None:
    """Import the health system's own social channels (all or nothing, as for accounts).

    Example: repmon social channels import channels.csv
    """
    from reputation.roster_file import RosterError
    from reputation.social.imports import import_channels

    try:
        result = import_channels(engine(), file)
    except RosterError as exc:
        err.print(Text.assemble(("Channels not imported:", "red"), f" {exc}"))
        raise typer.Exit(1)
    console.print(result.describe("channels"), highlight=False)


@social_app.command("review")
def social_review(
    format: Annotated[ReviewFormat, typer.Option("--format", help="Output format.")] = ReviewFormat.table,
) -> None:
    """List the accounts seen on physicians' listings that a person has not confirmed or rejected yet.

    Example: repmon social review
    """
    from reputation.social.suggestions import open_suggestions, refresh_suggestions

    eng = engine()
    refresh_suggestions(eng)
    rows = open_suggestions(eng)
    if format is not ReviewFormat.table:
        _print_rows(rows, format)
        return
    table = Table(title=f"{len(rows)} suggested account(s): repmon social confirm|reject NPI NETWORK ACCOUNT",
                  show_lines=True)
    for column in ("physician", "network", "account", "seen on"):
        table.add_column(column, overflow="fold")
    for r in rows:
        table.add_row(f"{r['physician']}\n{r['npi']}", r["network"], f"{r['account']}\n{r['url']}", r["seen_on"] or "")
    console.print(table)


def _print_rows(rows: list[dict], format) -> None:
    from reputation.exports import write_csv

    if format.value == "json":
        sys.stdout.write(json.dumps(rows, indent=1) + "\n")
    else:
        write_csv(rows, sys.stdout)


def _decide(npi: str, network: str, account: str, decision: str) -> None:
    from reputation.social.suggestions import SuggestionError, decide

    try:
        row = decide(engine(), npi, network, account, decision)
    except SuggestionError as exc:
        err.print(f"Not recorded: {exc}", highlight=False)
        raise typer.Exit(1)
    console.print(f"{row.network} account {row.account} of NPI {row.npi}: {decision}", highlight=False)


@social_app.command("confirm")
def social_confirm(
    npi: Annotated[str, typer.Argument(help="The physician's NPI.")],
    network: Annotated[str, typer.Argument(help="The network, e.g. x, bluesky.")],
    account: Annotated[str, typer.Argument(help="The account as repmon social review shows it (or its address).")],
) -> None:
    """Make a suggested account the physician's: it is read every week from now on.

    Example: repmon social confirm 1234567893 x drjane
    """
    _decide(npi, network, account, "confirmed")


@social_app.command("reject")
def social_reject(
    npi: Annotated[str, typer.Argument(help="The physician's NPI.")],
    network: Annotated[str, typer.Argument(help="The network, e.g. x, bluesky.")],
    account: Annotated[str, typer.Argument(help="The account as repmon social review shows it (or its address).")],
) -> None:
    """Say a suggested account is not the physician's: it is never suggested again.

    Example: repmon social reject 1234567893 x drjane_fan
    """
    _decide(npi, network, account, "rejected")
