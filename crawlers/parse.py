"""``repmon parse``: run a spider's pure parse functions on a page saved from the site."""

from __future__ import annotations

import os
from pathlib import Path


def spider_class(source: str):
    """The spider class for a source key (``ValueError`` naming the known keys if there is none)."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawlers.settings")
    from scrapy.spiderloader import SpiderLoader
    from scrapy.utils.project import get_project_settings

    loader = SpiderLoader.from_settings(get_project_settings())
    if source not in loader.list():
        raise ValueError(f"no spider for source {source!r}; sources: {', '.join(sorted(loader.list()))}")
    return loader.load(source)


def saved_response(path: str | Path, url: str | None = None):
    """A Scrapy response of a saved file, as if fetched from ``url`` (default: the file's own URL)."""
    from scrapy.http import HtmlResponse, TextResponse

    path = Path(path).expanduser()
    body = path.read_bytes()
    url = url or path.resolve().as_uri()
    if path.suffix.lower() == ".json" or body.lstrip()[:1] in (b"{", b"["):
        return TextResponse(url=url, body=body, encoding="utf-8",
                            headers={"Content-Type": "application/json; charset=utf-8"})
    return HtmlResponse(url=url, body=body)  # the encoding comes from the page (meta charset), else guessed


def parse_saved_page(source: str, path: str | Path, url: str | None = None) -> list[dict]:
    """The records ``source``'s spider makes of the saved page at ``path``."""
    return spider_class(source).for_parsing().parse_saved(saved_response(path, url))
