"""The sandbox's sites: one module per source key, each playing that site from the ``World``.

A site module defines ``handle(world, request) -> Reply`` and serves everything below ``/{source}/``
(``request.path`` is the rest of the path, without the ``/{source}/`` prefix; ``request.prefix`` is
``"/{source}"``, for links). It renders the structure the real site has (``../shared/SITES.md``) and, when
``request.broken`` is true, the same content in a changed structure the spider does not know (a redesign:
renamed attributes, moved JSON keys) — never an empty page. Unknown paths answer 404.

The server handles robots.txt and the failure modes (block, 429, outage, ...) before a site sees a request,
and holds the world's lock while the site renders: a site only reads the world. A site whose bot wall is not
Cloudflare's defines ``block_page() -> Reply``, what mode "block" answers there instead. A site with a search
page defines ``SEARCH_PATHS``: mode "robots_search" has robots.txt disallow them, and only them.

Sites are found by module name: a new module here is a new sandbox source, nothing else to register.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
from dataclasses import dataclass, field
from html import escape


@dataclass
class Request:
    method: str  # "GET" or "POST"
    path: str  # below the source's prefix: "usearch", "physician/dr-a-b-x1y2z", "" for the site root
    query: dict[str, str]  # the last value of each query parameter
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    prefix: str = ""  # "/healthgrades": where the site lives on the sandbox server
    origin: str = ""  # "http://127.0.0.1:8123": for absolute URLs (APIs answer with them)
    broken: bool = False  # render the changed markup a parser does not know
    raw_query: str = ""  # the query as sent: for parameters given more than once (``actors=A&actors=B``)


@dataclass
class Reply:
    status: int
    body: str
    content_type: str = "text/html"
    headers: dict[str, str] = field(default_factory=dict)


def e(value) -> str:
    """HTML-escape world text: review texts are untrusted, as on the real sites."""
    return escape("" if value is None else str(value), quote=True)


def html(body: str, status: int = 200) -> Reply:
    return Reply(status, body)


def json_reply(data, status: int = 200) -> Reply:
    return Reply(status, json.dumps(data), "application/json")


def not_found(title: str = "Page not found") -> Reply:
    return Reply(404, f"<!DOCTYPE html><html><head><title>{e(title)}</title></head><body><h1>{e(title)}</h1></body></html>")


def site_keys() -> tuple[str, ...]:
    """The source keys the sandbox serves: the modules of this package."""
    return tuple(sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")))


def handler(source: str):
    return importlib.import_module(f"{__name__}.{source}").handle


def search_paths(source: str) -> tuple[str, ...]:
    """The paths of the site's search (below its prefix): what mode "robots_search" has robots.txt disallow."""
    return tuple(getattr(importlib.import_module(f"{__name__}.{source}"), "SEARCH_PATHS", ()))


def block_reply(source: str) -> Reply | None:
    """The site's own bot wall (mode "block"), or None for the default Cloudflare challenge."""
    block_page = getattr(importlib.import_module(f"{__name__}.{source}"), "block_page", None)
    return block_page() if block_page else None
