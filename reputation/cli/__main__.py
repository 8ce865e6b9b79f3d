"""``python -m reputation.cli``: the repmon command."""

from reputation.cli import app

app()
