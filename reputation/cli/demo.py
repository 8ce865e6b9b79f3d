"""The demo and the sandbox sites."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from reputation.cli.base import app, console


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
                      f"Sample roster: {Path(__file__).parents[1] / 'sandbox' / 'data' / 'sample_roster.csv'}", highlight=False)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
