"""The ``repmon`` command: each command opens the database and calls one library function."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from typer.core import TyperGroup
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text


class _Repmon(TyperGroup):
    def invoke(self, ctx):
        """Last resort: a database or file failure reaching the top is one line naming the database or file, not
        a traceback (a full disk, a lost server, a read-only folder). Anything else is a bug and keeps its traceback."""
        from sqlalchemy.exc import DatabaseError, OperationalError

        from reputation.db import describe, is_read_only, reason

        try:
            return super().invoke(ctx)
        except OSError as exc:
            err.print(f"repmon: {exc.filename}: {exc.strerror}" if exc.filename else f"repmon: {exc}")
        except DatabaseError as exc:
            if not (isinstance(exc, OperationalError) or type(exc) is DatabaseError or is_read_only(exc)):
                raise
            where = f" {describe(State.engine.url)}" if State.engine is not None else ""
            err.print(f"repmon: database{where}: {reason(exc)}")
        raise typer.Exit(1)


app = typer.Typer(help="repmon: physician online reputation monitor.", no_args_is_help=True, add_completion=False,
                  cls=_Repmon)
roster_app = typer.Typer(help="The internal physician roster.", no_args_is_help=True)
listings_app = typer.Typer(help="Listings: crawl output made elsewhere, and the listings you already know.", no_args_is_help=True)
report_app = typer.Typer(help="Self-contained HTML reports.", no_args_is_help=True)
app.add_typer(roster_app, name="roster")
app.add_typer(listings_app, name="listings")
app.add_typer(report_app, name="report")
phones_app = typer.Typer(help="Known call-center numbers: never flagged as an outdated phone.", no_args_is_help=True)
app.add_typer(phones_app, name="known-phones")
runs_app = typer.Typer(help="Crawls and imports, each a run that can be undone.", no_args_is_help=True)
app.add_typer(runs_app, name="runs")
reviews_app = typer.Typer(help="What patients say: care topics and sentiment of reviews.", no_args_is_help=True)
app.add_typer(reviews_app, name="reviews")
reply_app = typer.Typer(help="Practice replies to reviews: check them before (or after) posting.", no_args_is_help=True)
app.add_typer(reply_app, name="reply")
social_app = typer.Typer(help="Physicians' social accounts and the health system's own channels.", no_args_is_help=True)
app.add_typer(social_app, name="social")
channels_app = typer.Typer(help="The health system's own social channels.", no_args_is_help=True)
social_app.add_typer(channels_app, name="channels")

# Much of what is printed comes from sites, files and people: these consoles never read markup or emoji codes
# in it, so "[/x]" or ":smile:" in a review, an error or a roster cell is shown as it is (table cells included:
# Rich parses them with the printing console's settings). Style goes in style= or a Text.
console = Console(markup=False, emoji=False, highlight=False)
err = Console(stderr=True, markup=False, emoji=False, highlight=False, soft_wrap=True)  # a message is one line


class State:
    db: str | None = None
    engine = None  # the database the command opened, for the last-resort message


def engine(*, create: bool = True):
    """The --db database, ready. Commands that only read pass create=False: they never make a database (a
    mistyped path is named, not created empty) and never need to write to one."""
    from reputation.db import DatabaseProblem, open_database

    try:
        State.engine = open_database(State.db, create=create)
    except DatabaseProblem as exc:
        err.print(str(exc))
        raise typer.Exit(1)
    return State.engine


def refresh_findings(eng) -> None:
    """Findings are brought up to date before they are shown; on a read-only database, as last stored."""
    from sqlalchemy.exc import DBAPIError

    from reputation.db import is_read_only
    from reputation.findings import refresh_findings as refresh

    try:
        refresh(eng)
    except DBAPIError as exc:
        if not is_read_only(exc):
            raise
        err.print("The database is read-only here: findings are shown as the last writing command stored them.")


@app.callback()
def main(
    db: Annotated[Optional[str], typer.Option("--db", envvar="REPMON_DB", help="Database URL, e.g. sqlite:///repmon.db or postgresql://user@host/dbname. Default: sqlite:///repmon.db in the working directory.")] = None,
) -> None:
    State.db, State.engine = db, None


# -- roster -------------------------------------------------------------------------------------------
@roster_app.command("import")
def roster_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Canonical roster CSV, CMS Doctors & Clinicians file, or NPPES npidata_pfile CSV.")],
    skip_invalid: Annotated[bool, typer.Option("--skip-invalid", help="Import the valid rows and write the rejected ones to a file.")] = False,
    rejects: Annotated[Optional[Path], typer.Option(help="Where --skip-invalid writes rejected rows (default: FILE.rejected.csv).")] = None,
) -> None:
    """Import the physician roster; the format is detected from the header.

    Example: repmon roster import roster.csv
    """
    from reputation.roster import RosterError, import_roster

    try:
        result = import_roster(engine(), file, skip_invalid=skip_invalid, rejects_path=rejects)
    except RosterError as exc:
        err.print(Text.assemble(("Roster not imported:", "red"), f" {exc}"))
        raise typer.Exit(1)
    console.print(result.describe(), markup=False, highlight=False)


# -- crawl ----------------------------------------------------------------------------------------------
@app.command()
def crawl(
    source: Annotated[Optional[list[str]], typer.Option("--source", help="Source key to crawl (repeatable; `repmon sources` lists them). Default: every source configured.")] = None,
    sandbox: Annotated[Optional[str], typer.Option(help="Crawl a running repmon sandbox at this URL instead of the real sites.")] = None,
    delay: Annotated[Optional[float], typer.Option(help="Seconds between requests to one site (default 1).")] = None,
    refresh: Annotated[bool, typer.Option("--refresh", help="Search again physicians already searched successfully this week.")] = False,
    plan: Annotated[bool, typer.Option("--plan", help="Print per source the requests the crawl will make and the time they take at the delay; crawl nothing.")] = False,
) -> None:
    """Crawl the sources for the active roster: revisit known listings, search for the rest.

    Known and matched listings are revisited every week; physicians not found are searched again one week in
    four (by their NPI), or the next week when a search was blocked or failed.
    Example: repmon crawl --source healthgrades --source nppes
    Example: repmon crawl --plan
    """
    if plan:
        options = _crawl_options(source, sandbox_url=sandbox, delay=delay, refresh=refresh, quiet=True)
        _print_plan(options)
        return
    run = _crawl(source, sandbox_url=sandbox, delay=delay, refresh=refresh)
    if run.status != "finished":
        raise typer.Exit(1)


@app.command("sources")
def list_sources() -> None:
    """The sources repmon crawls, in report order: key (for --source), name, kind, and the settings each needs.

    Example: repmon sources
    """
    from crawlers.sources import KINDS, sources

    table = Table("key", "source", "kind", "needs", box=None, pad_edge=False)
    for source in sources():
        needs = ", ".join(f"{need.env} ({'not set' if need in source.missing() else 'set'})" for need in source.needs)
        table.add_row(source.key, source.label, KINDS.get(source.kind, source.kind), needs or "-")
    console.print(table)


def _duration(seconds: float) -> str:
    minutes = round(seconds / 60)
    return f"{minutes // 1440}d {minutes // 60 % 24}h {minutes % 60:02d}m" if minutes >= 1440 else f"{minutes // 60}h {minutes % 60:02d}m"


def _print_plan(options) -> None:
    from crawlers.settings import DOWNLOAD_DELAY
    from reputation.crawl import plan_crawl

    eng = engine(create=False)  # the plan only reads
    plans = plan_crawl(eng, options.sources, delay=options.delay, refresh=options.refresh)
    delay = DOWNLOAD_DELAY if options.delay is None else options.delay
    table = Table(title=f"Crawl plan at {delay:g} s per request per site (nothing crawled)")
    # revisits: physicians whose known listings are fetched; later: not found before, searched on another week
    # of their rotation; done: searched already this week.
    for column in ("source", "revisits", "URLs", "searches", "later", "done", "requests", "time"):
        table.add_column(column, justify="left" if column == "source" else "right")
    for p in plans:
        table.add_row(p.source, str(p.revisits), str(p.known_urls), str(p.searches), str(p.later), str(p.done),
                      str(p.requests), _duration(p.seconds))
    console.print(table)
    longest = max(plans, key=lambda p: p.seconds, default=None)
    if longest is not None:
        console.out(f"Sites are crawled side by side: about {_duration(longest.seconds)} in all (the longest, "
                    f"{longest.source}), at least; AutoThrottle slows a site that answers slowly. Requests are an "
                    "estimate: a search that fetches more candidates or review pages asks more.", highlight=False)


def _crawl(sources, *, sandbox_url=None, delay=None, refresh=False, crawl_time=None, quiet=False):
    options = _crawl_options(sources, sandbox_url=sandbox_url, delay=delay, refresh=refresh, crawl_time=crawl_time, quiet=quiet)
    return _run_crawl(engine(), options, quiet=quiet)


def _crawl_options(sources, *, sandbox_url=None, delay=None, refresh=False, crawl_time=None, quiet=False):
    """The crawl asked for, every source named checked (exit 2 naming an unknown one)."""
    from reputation.crawl import CrawlOptions, available_sources, unconfigured

    known = available_sources()
    if not sources:  # every source; those still needing a key or address of yours are skipped, with a note
        sources = list(known)
        if not sandbox_url:
            for source, env in unconfigured(sources).items():
                sources.remove(source)
                if not quiet:
                    err.print(f"{source}: skipped, set {env} to crawl it", highlight=False)
    unknown = [s for s in sources if s not in known]
    if unknown:
        err.print(f"Unknown source(s): {', '.join(unknown)}. Available: {', '.join(known)}", highlight=False)
        raise typer.Exit(2)
    return CrawlOptions(sources=list(sources), sandbox_url=sandbox_url, delay=delay, refresh=refresh, crawl_time=crawl_time)


def _run_crawl(eng, options, *, quiet=False):
    """The crawl with a progress bar, then its summary."""
    from reputation.crawl import CrawlAlreadyRunning, run_crawl

    progress = Progress(TextColumn("crawling"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[last]}", markup=False),
                        TimeElapsedColumn(), console=err, disable=quiet, transient=quiet)
    with progress:
        task = progress.add_task("crawl", total=None, last="")

        def started(total: int) -> None:
            progress.update(task, total=total)

        def advanced(event: dict) -> None:
            progress.update(task, advance=1, last=f"{event.get('source')} {event.get('npi')} {event.get('status')}")

        try:
            run = run_crawl(eng, options, on_progress=advanced, on_start=started)
        except KeyboardInterrupt:
            err.print("Interrupted: what was stored is kept; run the same command again to complete the week.")
            raise typer.Exit(130)
        except CrawlAlreadyRunning as exc:
            err.print(str(exc), markup=False, highlight=False)
            raise typer.Exit(1)
    if not quiet:
        print_crawl_summary(run)
    return run


def print_crawl_summary(run) -> None:
    table = Table(title=f"Crawl {run.id}: {run.status}")
    for column in ("source", "searched", "found", "blocked", "errors", "disallowed", "profiles", "fields missing"):
        table.add_column(column)
    for source, s in run.summary.get("sources", {}).items():
        missing = ", ".join(f"{k} {v}" for k, v in s["fields_missing"].items() if v) or "-"
        table.add_row(source, str(s["searched"]), str(s["found"]), str(s["blocked"]), str(s["errors"]),
                      str(s["disallowed"]), str(s["profiles"]), missing)
    console.print(table)
    for source, s in run.summary.get("sources", {}).items():
        if s.get("broken_fields"):
            what = "everything" if "all" in s["broken_fields"] else ", ".join(s["broken_fields"])
            console.print(f"  {source}: the parser looks broken ({what}): {s.get('broken_reason')}. Findings will not "
                          f"treat what it could not read as changes; check it with `repmon parse {source} PAGE`.",
                          style="bold red", highlight=False)
        for reason in s.get("reasons", []):
            console.print(f"  {source}: {reason}", highlight=False)
    if run.status != "finished":
        console.print(f"Crawl log: {run.summary.get('log')}", highlight=False)


# -- listings -------------------------------------------------------------------------------------------
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


# -- parse ----------------------------------------------------------------------------------------------
@app.command()
def parse(
    source: Annotated[str, typer.Argument(help="Source key of the spider to use, e.g. healthgrades.")],
    file: Annotated[Path, typer.Argument(help="A page saved from the site (HTML or JSON).")],
    url: Annotated[Optional[str], typer.Option(help="The address the page was saved from (default: the file's).")] = None,
) -> None:
    """Print, as JSON lines, the records SOURCE's spider makes of a saved page: check a spider against
    today's site by saving a profile or search page in the browser and parsing it here.

    Example: repmon parse healthgrades ~/Downloads/dr-jane-doe.html --url https://www.healthgrades.com/physician/dr-jane-doe-x1y2z
    """
    from crawlers.parse import parse_saved_page

    try:
        records = parse_saved_page(source, file, url)
    except (OSError, ValueError) as exc:
        err.print(f"error: {exc}", highlight=False)
        raise typer.Exit(2)
    if not records:
        err.print(f"{file}: the {source} spider recognises no profile, search results or reviews on this page",
                          highlight=False)
        raise typer.Exit(1)
    for record in records:
        typer.echo(json.dumps(record, ensure_ascii=False, default=str))


# -- reviews --------------------------------------------------------------------------------------------
VocabularyOption = Annotated[Optional[list[Path]], typer.Option(
    "--vocabulary", dir_okay=False,
    help="A vocabulary file of yours extending the shipped one (repeatable). Default: the REPMON_VOCABULARY setting.")]


def _tagger(vocabulary: list[Path] | None):
    from reputation.reviews import Tagger, VocabularyError, load_vocabulary

    try:
        return Tagger(load_vocabulary(vocabulary))
    except VocabularyError as exc:
        err.out(f"vocabulary: {exc}", highlight=False)
    except OSError as exc:
        err.out(f"vocabulary: {exc.filename}: {exc.strerror}", highlight=False)
    raise typer.Exit(1)


class TagFormat(str, Enum):
    json = "json"
    table = "table"


@reviews_app.command("tag")
def reviews_tag(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="JSON lines, each with a `text` and an optional `rating` (0-5).")],
    format: Annotated[TagFormat, typer.Option("--format", help="json: each line back with sentiment, topics and phrases; table: one row per topic.")] = TagFormat.json,
    vocabulary: VocabularyOption = None,
) -> None:
    """Tag any review text with care topics, their polarity and the phrase that decided each, and its
    overall sentiment. Bad lines are named by line number and reason (exit status 1); the others are tagged.

    Example: repmon reviews tag reviews.jsonl --format table
    """
    from reputation.reviews.tagfile import tag_file

    tagger = _tagger(vocabulary)
    bad = 0
    table = Table("line", "sentiment", "topic", "polarity", "phrase") if format is TagFormat.table else None
    for tagged in tag_file(file, tagger):
        if tagged.error:
            bad += 1
            err.out(str(tagged.error), highlight=False)
        elif table is None:
            typer.echo(json.dumps(tagged.output(), ensure_ascii=False))  # JSON escapes control characters
        else:
            sentiment = f"{tagged.tagging.sentiment.label} ({tagged.tagging.sentiment.score:+.2f})"
            rows = list(tagged.tagging.topics.items()) or [("", None)]
            for topic, mention in rows:
                table.add_row(str(tagged.line), sentiment, topic, mention.polarity if mention else "",
                              Text(_printable(mention.phrase)) if mention else "")
    if table is not None:
        console.print(table)
    if bad:
        raise typer.Exit(1)


@reviews_app.command("retag")
def reviews_retag(vocabulary: VocabularyOption = None) -> None:
    """Tag every stored review again with the current vocabulary (after you changed it, or for reviews
    stored before repmon tagged them). Only what changed is written: running it again changes nothing.

    Example: repmon reviews retag --vocabulary my-topics.txt
    """
    from reputation.reviews.store import retag_reviews

    tagger = _tagger(vocabulary)
    console.out(retag_reviews(engine(), tagger).describe(), highlight=False)


def _printable(text: str) -> str:
    """Scraped text on a terminal: control characters (an escape sequence) shown as code points."""
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)


# -- match ----------------------------------------------------------------------------------------------
class MatchAction(str, Enum):
    run = "run"
    review = "review"
    confirm = "confirm"
    reject = "reject"


class ReviewFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


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


# -- reports --------------------------------------------------------------------------------------------
OutOption = Annotated[Path, typer.Option("--out", file_okay=False, help="Directory to write the report(s) into.")]
TitleOption = Annotated[Optional[str], typer.Option("--title", envvar="REPMON_TITLE", help="Organization name shown on the reports.")]


def _report_data(title, pages=True):
    from reputation.reporting import load_report_input

    eng = engine(create=False)
    _something_to_report(eng)
    refresh_findings(eng)
    return eng, load_report_input(eng, title, pages=pages)


@report_app.command("overview")
def report_overview(out: OutOption = Path("reports-out"), title: TitleOption = None) -> None:
    """The roster-wide overview (index.html), with every open finding beside it in findings.xlsx.

    Example: repmon report overview --out reports-out
    """
    from reputation.reporting import write_findings_workbook, write_overview

    eng, data = _report_data(title, pages=False)
    path, _ = write_overview(data, out)
    write_findings_workbook(eng, out)
    console.print(str(path.resolve()), highlight=False)


@report_app.command("physician")
def report_physician(npi: Annotated[str, typer.Argument(help="The physician's NPI.")], out: OutOption = Path("reports-out"), title: TitleOption = None) -> None:
    """One physician's report (physicians/NPI.html).

    Example: repmon report physician 1234567893 --out reports-out
    """
    from reports.render import write_reports
    from reputation.reporting import PhysicianPages

    _, data = _report_data(title)
    if npi not in set(data.roster["npi"]):
        err.print(f"NPI {npi} is not on the roster.")
        raise typer.Exit(1)
    paths = write_reports(out, None, [PhysicianPages(data).page(npi)])
    console.print(str(paths[0].resolve()), highlight=False)


@report_app.command("all")
def report_all(out: OutOption = Path("reports-out"), title: TitleOption = None) -> None:
    """The overview, findings.xlsx and a report for every active physician.

    Example: repmon report all --out reports-out
    """
    from reputation.reporting import write_all_reports

    eng = engine(create=False)
    _something_to_report(eng)
    refresh_findings(eng)
    path, _ = write_all_reports(eng, out, title)
    console.print(str(path.resolve()), highlight=False)


def _something_to_report(eng) -> None:
    """Reports describe crawls: with none stored yet, say what to run instead of writing an empty report."""
    from reputation.findings import latest_crawl_time

    if latest_crawl_time(eng) is not None:
        return
    roster = _roster_size(eng)
    first = "Import the roster with `repmon roster import FILE`, then run" if not roster else "Run"
    err.print(f"Nothing to report yet: no crawl is stored{'' if roster else ' and the roster is empty'}. "
              f"{first} `repmon crawl` (or load crawl output with `repmon listings import FILE`).")
    raise typer.Exit(1)


def _roster_size(eng) -> int:
    from sqlmodel import Session, func, select

    from reputation.models import Physician

    with Session(eng) as session:
        return session.exec(select(func.count()).select_from(Physician)).one()


# -- export ---------------------------------------------------------------------------------------------
class ExportWhat(str, Enum):
    matches = "matches"
    flags = "flags"
    snapshots = "snapshots"
    reviews = "reviews"
    social = "social"


class ExportFormat(str, Enum):
    csv = "csv"
    xlsx = "xlsx"
    json = "json"


@app.command()
def export(
    what: Annotated[ExportWhat, typer.Argument(help="What to export.")],
    format: Annotated[ExportFormat, typer.Option("--format", help="File format (xlsx: one sheet per site too).")] = ExportFormat.csv,
    out: Annotated[Optional[Path], typer.Option("--out", dir_okay=False, help="File to write (default: WHAT.FORMAT, e.g. flags.xlsx).")] = None,
) -> None:
    """Export matches, open findings, weekly snapshots, reviews (with sentiment and topics) or social accounts' weekly
    reads as CSV, XLSX or JSON.

    Example: repmon export flags --format xlsx --out flags.xlsx
    Example: repmon export social --format csv --out social.csv
    """
    from reputation.exports import EXPORTS, write_rows

    eng = engine(create=False)
    if what is ExportWhat.flags:
        refresh_findings(eng)
    rows = EXPORTS[what.value](eng)
    out = out or Path(f"{what.value}.{format.value}")
    write_rows(rows, format.value, out)
    console.print(f"{len(rows)} row(s) written to {out}", highlight=False)


# -- weekly ---------------------------------------------------------------------------------------------
@app.command()
def weekly(
    source: Annotated[Optional[list[str]], typer.Option("--source", help="Source key to crawl (repeatable; `repmon sources` lists them). Default: every source configured.")] = None,
    out: OutOption = Path("reports-out"),
    title: TitleOption = None,
    delay: Annotated[Optional[float], typer.Option(help="Seconds between requests to one site (default 1).")] = None,
    sandbox: Annotated[Optional[str], typer.Option(help="Crawl a running repmon sandbox at this URL instead of the real sites.")] = None,
    email: Annotated[bool, typer.Option("--email", help="Also mail the overview through the SMTP server set in REPMON_SMTP_* (see README).")] = False,
    email_to: Annotated[Optional[list[str]], typer.Option("--email-to", help="Recipient (repeatable); replaces REPMON_SMTP_TO. Implies --email.")] = None,
) -> None:
    """Crawl, match, compute findings and write all reports (and mail the overview): what cron runs every Monday.

    Example: repmon weekly --out /var/www/reputation --email
    """
    from reputation.digest import DigestError, SmtpSettings
    from reputation.weekly import run_week

    settings = None
    if email or email_to:
        try:  # a mistake in the mail settings should stop the job before a long crawl, not after
            settings = SmtpSettings.from_env(recipients=email_to)
        except DigestError as exc:
            err.print(str(exc), highlight=False)
            raise typer.Exit(2)
    options = _crawl_options(source, delay=delay, sandbox_url=sandbox)
    eng = engine()
    if not _roster_size(eng):
        err.print("The roster is empty: import it with `repmon roster import FILE`, then run `repmon weekly` again.")
        raise typer.Exit(1)
    week = run_week(eng, options, out, title=title, digest=settings, crawl=_run_crawl)
    summary = week.matched
    console.print(f"matched {summary.matched}, needs review {summary.review}, unmatched {summary.unmatched}", highlight=False)
    console.print(str(week.overview_path.resolve()), highlight=False)
    if week.digest_error:
        err.print(week.digest_error, highlight=False)
        raise typer.Exit(1)
    if settings is not None:
        console.print(f"digest sent to {', '.join(settings.recipients)}", highlight=False)
    if week.crawl.status != "finished":
        raise typer.Exit(1)


# -- reply ----------------------------------------------------------------------------------------------
class ReplyFormat(str, Enum):
    text = "text"
    json = "json"


def _printable(text: str) -> str:
    """Control characters (a terminal escape sequence in a pasted reply) shown as escapes, never sent as they are."""
    return "".join(c if c.isprintable() or c == " " else c.encode("unicode_escape").decode("ascii") for c in text)


@reply_app.command("check")
def reply_check(
    file: Annotated[str, typer.Argument(help="A file of replies, or - for standard input: one reply per line, or JSON lines "
                                              "with \"reply\" and optional \"reviewer\" (the review's display name).")],
    reviewer: Annotated[Optional[str], typer.Option(help="The reviewer's display name, for lines that give none: a name "
                                                          "beyond it in a reply is a disclosure.")] = None,
    format: Annotated[ReplyFormat, typer.Option("--format", help="text, or json: one JSON line per reply.")] = ReplyFormat.text,
) -> None:
    """Check practice replies for what a public reply must not say (HIPAA): that the reviewer is a patient, their
    name beyond the display name, visit dates, procedures, diagnoses, medications, test results, missed
    appointments, insurance or balances. Prints each reply's verdict with the phrases why. Exit status 1 when a
    reply discloses, 2 when a line could not be read.

    Example: repmon reply check replies.txt --reviewer "Jenny M."
    Example: echo "Our records show you missed your appointment." | repmon reply check -
    """
    from reputation.replies import check_reply, read_replies

    name = "<stdin>" if file == "-" else file
    try:
        handle = sys.stdin.buffer if file == "-" else open(file, "rb")
    except OSError as exc:
        err.print(f"{file}: {exc.strerror}", highlight=False)
        raise typer.Exit(2)
    checked = disclosing = bad = 0
    with handle:
        for line in read_replies(handle, name, reviewer):
            if line.error:
                err.out(_printable(line.error), highlight=False)
                bad += 1
                continue
            verdict = check_reply(line.reply, line.reviewer)
            checked += 1
            disclosing += verdict.discloses
            if format is ReplyFormat.json:
                typer.echo(json.dumps({"line": line.line, "discloses": verdict.discloses, "kinds": verdict.kinds,
                                       "phrases": [{"kind": p.kind, "text": p.text} for p in verdict.phrases]},
                                      ensure_ascii=False))
            elif verdict.discloses:
                console.out(f"{name}:{line.line}: DISCLOSES: {_printable(verdict.summary())}", highlight=False)
            else:
                console.out(f"{name}:{line.line}: ok", highlight=False)
    if format is ReplyFormat.text:
        advice = (": take those replies down (or do not post them) and tell your privacy officer" if disclosing else "")
        unread = f"; {bad} line(s) could not be read" if bad else ""
        err.out(f"{disclosing} of {checked} repl{'y' if checked == 1 else 'ies'} disclose{advice}{unread}", highlight=False)
    if bad:
        raise typer.Exit(2)
    if disclosing:
        raise typer.Exit(1)


# -- runs -----------------------------------------------------------------------------------------------
@runs_app.command("list")
def runs_list(
    limit: Annotated[int, typer.Option(help="Show this many of the newest runs (0: all).")] = 20,
) -> None:
    """The crawls and imports, newest first: what each stored, and whether it was undone.

    Example: repmon runs list
    """
    from rich.text import Text

    from reputation.runs import list_runs

    runs = list_runs(engine(create=False), limit or None)
    table = Table(title=f"{len(runs)} run(s), newest first: `repmon runs undo RUN` takes one back")
    for column in ("run", "kind", "started (UTC)", "status", "what"):
        table.add_column(column, overflow="fold")
    for run in runs:
        what = run.input or ", ".join(run.sources)
        stored = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in run.summary.items() if isinstance(v, int) and v)
        table.add_row(str(run.id), run.kind.replace("_", " "), f"{run.started_at:%Y-%m-%d %H:%M}", run.status,
                      Text("; ".join(x for x in (what, stored) if x)))
    console.print(table)


@runs_app.command("undo")
def runs_undo(
    run_id: Annotated[int, typer.Argument(metavar="RUN", help="The run's number (repmon runs list).")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Take back exactly what one crawl or import stored, then match and compute findings again.

    Listings it found first, the weekly snapshots and reviews it stored and its search answers are removed;
    what it changed gets its former value back, unless a later run changed it again. A roster import is
    undone newest first. A person's match decisions are kept.
    Example: repmon runs undo 12
    """
    from reputation.runs import list_runs
    from reputation.undo import RunError, undo_run

    eng = engine()
    run = next((r for r in list_runs(eng) if r.id == run_id), None)
    if run is None:
        err.print(f"There is no run {run_id} (see repmon runs list).", highlight=False)
        raise typer.Exit(1)
    if not yes:
        what = run.input or ", ".join(run.sources)
        question = f"Undo run {run.id} ({run.kind.replace('_', ' ')} of {what}, started {run.started_at:%Y-%m-%d %H:%M} UTC)?"
        if not typer.confirm(question, default=False):
            raise typer.Exit(1)
    try:
        summary = undo_run(eng, run_id)
    except RunError as exc:
        err.print(f"Not undone: {exc}", highlight=False)
        raise typer.Exit(1)
    console.print(summary.describe(), highlight=False)


# -- social -------------------------------------------------------------------------------------------------
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


# -- demo and sandbox -------------------------------------------------------------------------------------
@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", file_okay=False, help="Directory for the demo database and reports.")] = Path("repmon-demo"),
    weeks: Annotated[int, typer.Option(min=1, help="Simulated weekly crawls.")] = 4,
) -> None:
    """Run the whole job on the bundled sandbox: roster, then four weekly runs as `repmon weekly` does them.

    Uses its own database in the --out directory (recreated each time), never your --db.
    Example: repmon demo
    """
    from reputation.demo import run_demo

    index = run_demo(out, weeks=weeks, console=console)
    console.print(f"Overview report: {index.resolve()}", highlight=False)


@app.command()
def sandbox(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0 picks a free one).")] = 8123,
    seed: Annotated[int, typer.Option(help="Seed of the generated world.")] = 7,
) -> None:
    """Serve the sandbox sites on 127.0.0.1 until Ctrl-C (for trying spiders and crawls offline).

    Example: repmon sandbox --port 8123, then: repmon crawl --sandbox http://127.0.0.1:8123 --delay 0
    """
    import time

    from reputation.sandbox.server import SandboxServer
    from reputation.sandbox.world import World

    with SandboxServer(World(seed=seed), port=port) as server:
        console.print(f"Sandbox serving at {server.url} (Ctrl-C to stop). "
                      f"Sample roster: {Path(__file__).parent / 'sandbox' / 'data' / 'sample_roster.csv'}", highlight=False)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    app()
