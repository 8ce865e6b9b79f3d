"""Reports, exports and the weekly job."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from reputation.cli.base import app, console, engine, err, refresh_findings, report_app, roster_size
from reputation.cli.crawl import crawl_options, run_crawl_with_progress


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
    roster = roster_size(eng)
    first = "Import the roster with `repmon roster import FILE`, then run" if not roster else "Run"
    err.print(f"Nothing to report yet: no crawl is stored{'' if roster else ' and the roster is empty'}. "
              f"{first} `repmon crawl` (or load crawl output with `repmon listings import FILE`).")
    raise typer.Exit(1)


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
    options = crawl_options(source, delay=delay, sandbox_url=sandbox)
    eng = engine()
    if not roster_size(eng):
        err.print("The roster is empty: import it with `repmon roster import FILE`, then run `repmon weekly` again.")
        raise typer.Exit(1)
    week = run_week(eng, options, out, title=title, digest=settings, crawl=run_crawl_with_progress)
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
