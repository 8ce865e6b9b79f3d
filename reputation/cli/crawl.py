"""Crawling: the crawl and its plan, the sources, and parsing a saved page."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from reputation.cli.base import app, console, engine, err


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
        options = crawl_options(source, sandbox_url=sandbox, delay=delay, refresh=refresh, quiet=True)
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
    options = crawl_options(sources, sandbox_url=sandbox_url, delay=delay, refresh=refresh, crawl_time=crawl_time, quiet=quiet)
    return run_crawl_with_progress(engine(), options, quiet=quiet)


def crawl_options(sources, *, sandbox_url=None, delay=None, refresh=False, crawl_time=None, quiet=False):
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


def run_crawl_with_progress(eng, options, *, quiet=False):
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
