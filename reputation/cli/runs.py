"""Runs: list them, undo one."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from reputation.cli.base import console, engine, err, runs_app


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
