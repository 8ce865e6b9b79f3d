"""What every command shares: the app and its command groups, the consoles, the --db database and the last-resort
error message."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Optional

import typer
from rich.console import Console
from typer.core import TyperGroup


class RepmonGroup(TyperGroup):
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
                  cls=RepmonGroup)
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


class ReviewFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


def roster_size(eng) -> int:
    from sqlmodel import Session, func, select

    from reputation.models import Physician

    with Session(eng) as session:
        return session.exec(select(func.count()).select_from(Physician)).one()
