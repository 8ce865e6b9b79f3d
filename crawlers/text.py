"""Small pure helpers the spiders share to read what a page or an API answer says.

Text (``clean``, ``collapse``, ``first_text``, ``visible_text``), numbers and dates (``number``, ``integer``,
``to_five_stars``, ``iso_date``), names as words (``words``, ``name_words``), URLs (``without_query``) and
answers (``response_json``, ``response_meta``, ``quietly``). schema.org values have their own readers in
``crawlers.structured``.
"""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

# ----- text -------------------------------------------------------------------------------------------------


def clean(value: str | None) -> str | None:
    """A page's text: whitespace collapsed, surrounding spaces and commas stripped; None if nothing is left."""
    if value is None:
        return None
    cleaned = " ".join(value.split()).strip(" ,")
    return cleaned or None


def collapse(value) -> str | None:
    """``str(value)`` with its whitespace collapsed; None for None or nothing but whitespace."""
    cleaned = " ".join(str(value).split()) if value is not None else ""
    return cleaned or None


def first_text(selector, css: str) -> str | None:
    """The ``clean`` text of the first element matching ``css`` that has any."""
    for element in selector.css(css):
        value = clean(" ".join(element.css("::text").getall()))
        if value:
            return value
    return None


def visible_text(response) -> str:
    """The text of the page's body, scripts and styles left out."""
    return " ".join(response.xpath("//body//text()[not(ancestor::script) and not(ancestor::style)]").getall())


# ----- numbers and dates --------------------------------------------------------------------------------------


def number(value) -> float | None:
    """A number as such, or the first one written in the text ('4.5 stars' → 4.5); booleans are no numbers."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    match = re.search(r"\d+(?:\.\d+)?", str(value or ""))
    return float(match.group()) if match else None


def integer(value) -> int | None:
    """An integer as such, or the first one written in the text ('1,204 reviews' → 1204)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    match = re.search(r"\d[\d,]*", str(value or ""))
    return int(match.group().replace(",", "")) if match else None


def to_five_stars(value: float | None, best: float | None = None, worst: float | None = None) -> float | None:
    """A rating on a ``worst``..``best`` scale as stars out of 5: its share of full marks (8.7 of 10: 4.35; no
    ``best``: out of 5). A value outside its own scale (4.5 of "best 1"), or a scale that is none, gives None:
    a number that cannot be placed is no rating, never 22.5 stars."""
    if value is None:
        return None
    top = 5.0 if best is None else best
    bottom = 0.0 if worst is None else worst
    if not (0 <= bottom < top and bottom <= value <= top):
        return None
    return value if top == 5 else round(value * 5 / top, 2)


def iso_date(value: str | None) -> str | None:
    """A date as the sites write it, as 'YYYY-MM-DD': '2017-01-28T10:00:00Z', 'Jan 28, 2017', 'January 28, 2017',
    'Jun 11th, 2013', '01/28/2017'. Any other text is kept as written."""
    if not value:
        return None
    value = value.strip()
    match = re.match(r"\d{4}-\d{2}-\d{2}", value)
    if match:
        return match.group()
    plain = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", value)
    for pattern in ("%b %d, %Y", "%B %d, %Y", "%m/%d/%Y"):
        try:
            return datetime.strptime(plain, pattern).date().isoformat()
        except ValueError:
            pass
    return value


# ----- names ------------------------------------------------------------------------------------------------


def words(value: str | None) -> list[str]:
    """Lower-case ASCII words, in order: 'José García-López' → ['jose', 'garcia', 'lopez']."""
    folded = unicodedata.normalize("NFKD", value or "").encode("ascii", "ignore").decode().lower()
    return re.findall(r"[a-z0-9]+", folded)


def name_words(value: str | None) -> set[str]:
    """The set of ``words``: what two spellings of a name are compared by (accents, case, punctuation dropped)."""
    return set(words(value))


# ----- URLs and answers ---------------------------------------------------------------------------------------


def without_query(url: str) -> str:
    """``url`` without its query and fragment."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def response_json(response):
    """The answer's JSON, or None when it is none."""
    try:
        return json.loads(response.text)
    except (ValueError, AttributeError):
        return None


def response_meta(response) -> dict:
    """The meta of the request behind ``response``; a saved page has none."""
    try:
        return response.meta
    except AttributeError:
        return {}


def quietly(parse, response):
    """``parse(response)``, or None when it is not implemented or fails on this kind of page."""
    try:
        return parse(response)
    except Exception:
        return None
