"""The ``repmon`` command: each command opens the database and calls one library function.

``base`` holds the app, its command groups and what every command shares; each other module holds one area's
commands. Importing them registers the commands, in the order ``repmon --help`` lists them.
"""

from reputation.cli import roster, crawl, listings, reviews, findings, reports, runs, social, demo  # noqa: F401
from reputation.cli.base import app, console, err
from reputation.cli.crawl import print_crawl_summary

__all__ = ["app", "console", "err", "print_crawl_summary"]
