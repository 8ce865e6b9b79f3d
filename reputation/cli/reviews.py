"""What patients say (review topics) and the HIPAA check of practice replies."""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table
from rich.text import Text

from reputation.cli.base import console, engine, err, reply_app, reviews_app


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
