"""Listings: crawl output made elsewhere, the listings you already know, and suggestions."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from reputation.cli.base import console, engine, err, listings_app


@listings_app.command("import")
def listings_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="JSON lines in the crawl output format.")],
) -> None:
    """Load crawl output produced elsewhere (e.g. scrapy crawl SITE -O out.jsonl).

    Bad lines are skipped and reported with their line number and field; good lines are stored. A value
    longer than its limit is cut, with a warning, and its line stored.
    Example: repmon listings import out.jsonl
    """
    from reputation.listings import import_listings

    result = import_listings(engine(), file)
    # In line order; out(), not print(): the text comes from the file and must not be read as Rich markup.
    notes = [(e.line or 0, str(e)) for e in result.errors] + [(c.line or 0, f"warning: {c}") for c in result.cuts]
    for _, note in sorted(notes, key=lambda n: n[0]):
        err.out(note, highlight=False)
    cut = f", {len(result.cuts)} value(s) cut to their limit" if result.cuts else ""
    console.out(f"{result.stored} record(s) read and stored ({result.counts.listings_new} new listings, "
                f"{result.counts.snapshots} snapshots, {result.counts.reviews} reviews, {result.counts.searches} searches); "
                f"{len(result.errors)} bad line(s) skipped{cut}; stored as run {result.run_id} "
                f"(`repmon runs undo {result.run_id}` takes it back)", highlight=False)
    if result.errors:
        raise typer.Exit(1)


@listings_app.command("add")
def listings_add(
    source: Annotated[str, typer.Argument(help="Source key: healthgrades, vitals, ...")],
    url: Annotated[str, typer.Argument(help="The profile's address on that site.")],
    npi: Annotated[str, typer.Option("--npi", help="The roster physician whose listing it is.")],
    sandbox: Annotated[Optional[str], typer.Option(help="Also accept addresses on a running repmon sandbox at this URL.")] = None,
) -> None:
    """Add a listing you already know (claimed, or found by hand): revisited every week and matched to the NPI.

    Example: repmon listings add healthgrades https://www.healthgrades.com/physician/dr-jane-doe-xy1z2 --npi 1234567893
    """
    from reputation.known_listings import KnownListingError, add_known_listing

    try:
        result = add_known_listing(engine(), source, url, npi, sandbox_url=sandbox)
    except KnownListingError as exc:
        err.out(f"Listing not added: {exc}", highlight=False)
        raise typer.Exit(1)
    console.out(result.describe(), highlight=False)


@listings_app.command("import-urls")
def listings_import_urls(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV with the columns npi, source, url.")],
    sandbox: Annotated[Optional[str], typer.Option(help="Also accept addresses on a running repmon sandbox at this URL.")] = None,
) -> None:
    """Import the listings you already know from a CSV (npi, source, url); any bad line and nothing is stored.

    Example: repmon listings import-urls known.csv
    """
    from reputation.known_listings import import_known_urls
    from reputation.roster_file import RosterError

    try:
        result = import_known_urls(engine(), file, sandbox_url=sandbox)
    except RosterError as exc:
        err.out(f"Listings not imported: {exc}", highlight=False)
        raise typer.Exit(1)
    console.out(result.describe(), highlight=False)


@listings_app.command("review")
def listings_review(
    format: Annotated[str, typer.Option("--format", help="table or csv.")] = "table",
) -> None:
    """The profile links your own website shows for each physician, suggested as known listings: confirm or reject each.

    Example: repmon listings review --format csv > suggested.csv
    """
    from reputation.known_listings import suggestions

    if format not in ("table", "csv"):
        err.out(f"--format must be table or csv, not {format!r}", highlight=False)
        raise typer.Exit(2)
    rows = suggestions(engine(create=False))
    if format == "csv":
        from reputation.exports import write_csv

        write_csv(rows, sys.stdout)
        return
    if not rows:
        console.print("No suggested listings waiting for review.")
        return
    table = Table(title=f"{len(rows)} suggested listing(s): `repmon listings confirm URL NPI` or `reject URL NPI`")
    for column in ("npi", "physician", "source", "url", "found on"):
        table.add_column(column)
    for row in rows:
        table.add_row(row["npi"], row["physician"], row["source"], row["url"], row["found_on"])
    console.print(table)


@listings_app.command("confirm")
def listings_confirm(
    url: Annotated[str, typer.Argument(help="The suggested listing's URL.")],
    npi: Annotated[str, typer.Argument(help="The physician it was suggested for.")],
) -> None:
    """Confirm a suggested listing: revisited every week and matched to the NPI from now on.

    Example: repmon listings confirm https://www.healthgrades.com/physician/dr-jane-doe-xy1z2 1234567893
    """
    _decide_suggestion(url, npi, True)


@listings_app.command("reject")
def listings_reject(
    url: Annotated[str, typer.Argument(help="The suggested listing's URL.")],
    npi: Annotated[str, typer.Argument(help="The physician it was suggested for.")],
) -> None:
    """Reject a suggested listing: it is not this physician's, and is never suggested for them again.

    Example: repmon listings reject https://www.healthgrades.com/physician/dr-jane-doe-qq9w8 1234567893
    """
    _decide_suggestion(url, npi, False)


def _decide_suggestion(url: str, npi: str, confirm: bool) -> None:
    from reputation.known_listings import KnownListingError, decide_suggestion

    try:
        known = decide_suggestion(engine(), url, npi, confirm)
    except KnownListingError as exc:
        err.out(f"repmon: {exc}", highlight=False)
        raise typer.Exit(1)
    console.out(f"{known.source} listing {known.url} {known.decision} for NPI {known.npi}", highlight=False)
