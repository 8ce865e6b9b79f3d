"""Matching, the findings and the known call-center numbers."""

from __future__ import annotations

import json
import sys
from enum import Enum
from typing import Annotated, Optional

import typer
from rich.table import Table
from rich.text import Text

from reputation.cli.base import ReviewFormat, app, console, engine, err, phones_app, refresh_findings


class MatchAction(str, Enum):
    run = "run"
    review = "review"
    confirm = "confirm"
    reject = "reject"


@app.command()
def match(
    action: Annotated[MatchAction, typer.Argument(help="run (the default): match every listing; review: list the uncertain ones; confirm URL NPI / reject URL: record a person's decision.")] = MatchAction.run,
    args: Annotated[Optional[list[str]], typer.Argument(help="confirm: the listing URL and the physician's NPI; reject: the listing URL.", show_default=False)] = None,
    format: Annotated[ReviewFormat, typer.Option("--format", help="Output format of `match review`.")] = ReviewFormat.table,
) -> None:
    """Link listings to roster physicians (matched, needs review, unmatched), list the uncertain ones, or
    record a person's decision, which every later match and crawl keeps.

    Example: repmon match
    Example: repmon match review
    Example: repmon match confirm https://www.healthgrades.com/physician/dr-jane-doe-xy1z2 1234567893
    Example: repmon match reject https://www.healthgrades.com/physician/dr-jane-doe-qq9w8
    """
    from reputation import match as matching

    args = args or []
    wanted = {MatchAction.run: 0, MatchAction.review: 0, MatchAction.confirm: 2, MatchAction.reject: 1}[action]
    if len(args) != wanted:
        usage = {MatchAction.confirm: "repmon match confirm URL NPI", MatchAction.reject: "repmon match reject URL"}
        err.print(f"`repmon match {action.value}` takes {wanted} argument(s), got {len(args)}: "
                  f"{usage.get(action, f'repmon match {action.value}')}", highlight=False)
        raise typer.Exit(2)
    if action is MatchAction.run:
        summary = matching.match_listings(engine())
        kept = (f"; {summary.kept_for_person} decided by a person while matching ran, kept as they decided"
                if summary.kept_for_person else "")
        console.print(f"matched {summary.matched}, needs review {summary.review}, unmatched {summary.unmatched} "
                      f"({summary.changed} changed{kept})", highlight=False)
    elif action is MatchAction.review:
        _print_review(matching.review_rows(engine(create=False)), format)
    else:
        try:
            decided = (matching.confirm_match(engine(), args[0], args[1]) if action is MatchAction.confirm
                       else matching.reject_match(engine(), args[0]))
        except matching.MatchError as exc:
            err.print(f"Not recorded: {exc}", highlight=False)
            raise typer.Exit(1)
        console.print(decided.evidence["summary"], highlight=False)


def _print_review(rows: list[dict], format: ReviewFormat) -> None:
    from reputation.exports import write_csv

    if format is ReviewFormat.json:
        sys.stdout.write(json.dumps(rows, indent=1) + "\n")
    elif format is ReviewFormat.csv:
        write_csv(rows, sys.stdout)
    else:
        table = Table(title=f"{len(rows)} listing(s) need review: repmon match confirm URL NPI / reject URL",
                      show_lines=True)
        for column in ("listing", "candidate", "score"):
            table.add_column(column, overflow="fold")
        table.add_column("evidence", overflow="fold", ratio=1)
        for r in rows:
            table.add_row(f"{r['listing_name']}\n{r['url']}", f"{r['physician']}\n{r['npi']}", f"{r['score']:.2f}",
                          r["summary"])
        console.print(table)


# -- flags ----------------------------------------------------------------------------------------------
class FlagFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


@app.command()
def flags(
    format: Annotated[FlagFormat, typer.Option("--format", help="Output format.")] = FlagFormat.table,
) -> None:
    """The open findings: one per physician x source x kind.

    Example: repmon flags --format json
    """
    from reputation.exports import write_csv
    from reputation.findings import BY_KEY, open_findings

    eng = engine(create=False)
    refresh_findings(eng)
    rows = open_findings(eng)
    if format is FlagFormat.json:
        sys.stdout.write(json.dumps(rows, indent=1) + "\n")
    elif format is FlagFormat.csv:
        write_csv(rows, sys.stdout)
    else:
        table = Table(title=f"{len(rows)} open finding(s)", show_lines=True)
        for column in ("kind", "severity", "npi", "source", "since"):
            table.add_column(column, no_wrap=True)
        table.add_column("listing shows → roster says", overflow="fold", ratio=1)
        for r in rows:
            detail = r["shown"] or ""
            if r["expected"]:
                detail += f" → {r['expected']}"
            label = BY_KEY[r["kind"]].label if r["kind"] in BY_KEY else r["kind"]
            table.add_row(label, Text(r["severity"], style="bold red" if r["severity"] == "critical" else ""),
                          r["npi"], r["source"], r["first_seen"], detail)
        console.print(table)


# -- known phones -----------------------------------------------------------------------------------------
@phones_app.command("add")
def known_phones_add(
    numbers: Annotated[list[str], typer.Argument(help="Phone numbers, any common format.")],
    label: Annotated[Optional[str], typer.Option(help="What the number is, e.g. 'St. Mary sponsor line'.")] = None,
) -> None:
    """Add numbers a site may show instead of the practice phone (a sponsor's call center).

    Example: repmon known-phones add 800-555-0199 --label "sponsor call center"
    """
    from reputation.known_phones import BadPhone, add_known_phones

    try:
        phones = add_known_phones(engine(), numbers, label)
    except BadPhone as exc:
        err.print(str(exc), highlight=False)
        raise typer.Exit(2)
    console.print(f"{len(phones)} known phone(s) added", highlight=False)


@phones_app.command("remove")
def known_phones_remove(numbers: Annotated[list[str], typer.Argument(help="Phone numbers to forget.")]) -> None:
    """Forget known call-center numbers.

    Example: repmon known-phones remove 800-555-0199
    """
    from reputation.known_phones import BadPhone, remove_known_phones

    try:
        remove_known_phones(engine(), numbers)
    except BadPhone as exc:
        err.print(str(exc), highlight=False)
        raise typer.Exit(2)


@phones_app.command("list")
def known_phones_list() -> None:
    """List the known call-center numbers.

    Example: repmon known-phones list
    """
    from reputation.normalize import format_phone
    from reputation.known_phones import list_known_phones

    for row in list_known_phones(engine(create=False)):
        console.print(f"{format_phone(row.phone)}  {row.label or ''}", highlight=False)
