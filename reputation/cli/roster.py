"""The roster command."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.text import Text

from reputation.cli.base import console, engine, err, roster_app


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
