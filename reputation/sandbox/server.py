"""The sandbox sites: a local HTTP server playing the review sites and directories from a ``World``.

Every source lives under its own path, so ``REPMON_SANDBOX_URL=http://127.0.0.1:PORT`` turns a
source's base URL into ``http://127.0.0.1:PORT/{source}``. What each source serves there is its module in
``reputation.sandbox.sites`` (``sites/healthgrades.py``, ``sites/nppes.py``, ...); ``/robots.txt`` (and
``/{source}/robots.txt``) allows everything but ``/{source}/admin`` (and, in mode "robots", the whole source).

Control, for tests and for a sandbox started separately (``repmon sandbox``):
``server.set_mode(source, mode)`` or ``POST /_control/mode?source=S&mode=M``; ``POST /_control/advance``
(one week); ``GET /_control/state``. Modes: "ok"; "block" (403 + Cloudflare-like "Just a moment..."
page, or the site's own bot wall: Zocdoc's DataDome); "blockpage2" (the same block, only for the second and later
pages of a paged list: ``page``, ``pagenumber`` or ``page_num`` of 2 or more, an ``offset`` above 0; the first
page and profiles pass);
"blockname" (the same block, only for a search naming a physician of the world, "First Last": listing pages
and profiles pass);
"challenge200" (the same page with 200); "429"; "503"; "outage" (connection closed without
answer); "broken" (pages in a changed markup the parsers do not know); "robots_search" (robots.txt disallows the
site's search pages only, its profiles stay allowed); "robots" (robots.txt disallows
the source); "gzipbomb" (a 2 MB gzip answer that inflates to 2 GiB); "huge" (a 12 MB page); "hugestream"
(the same page sent without Content-Length, as a stream). ``server.request_counts`` counts requests per source.
"""

from __future__ import annotations

import gzip
import json
import re
import threading
from collections import Counter
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from reputation.sandbox import sites
from reputation.sandbox.world import World, slug

SOURCES = sites.site_keys()
MODES = ("ok", "block", "blockpage2", "blockname", "challenge200", "429", "503", "outage", "broken", "robots",
         "robots_search", "gzipbomb", "huge", "hugestream")
HUGE_PAGE_BYTES = 12 * 1024 * 1024  # beyond the crawler's download limit, far below what a bomb inflates to

CHALLENGE_PAGE = """<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>
<meta http-equiv="refresh" content="390"><meta name="robots" content="noindex,nofollow"></head>
<body><div class="main-wrapper" role="main"><div class="main-content">
<h1 class="zone-name-title h1">www.healthgrades.com</h1>
<h2 class="h2" id="challenge-running">Checking if the site connection is secure</h2>
<div id="cf-chl-widget-wrapper"></div>
<noscript>Enable JavaScript and cookies to continue</noscript></div></div>
<script>(function(){window._cf_chl_opt={cType:'managed'};var a=document.createElement('script');
a.src='/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1';document.head.appendChild(a);})();</script>
</body></html>"""


class SandboxServer:
    """``with SandboxServer(World()) as server: ... server.url ...``"""

    def __init__(self, world: World, host: str = "127.0.0.1", port: int = 0, record: bool = False):
        self.world = world
        # With record=True, every request to a source as (method, path with query, body, headers): the
        # crawl benchmark replays them with a bare spider.
        self.recorded: list[tuple[str, str, bytes, dict]] | None = [] if record else None
        self.modes = {source: "ok" for source in SOURCES}
        self._counts: Counter = Counter()
        self._lock = threading.RLock()
        self._httpd = _HTTPServer((host, port), _Handler)
        self._httpd.sandbox = self  # type: ignore[attr-defined]
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> SandboxServer:
        if self._thread is None:
            self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1},
                                            name="repmon-sandbox", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def set_mode(self, source: str, mode: str) -> None:
        if source not in SOURCES:
            raise ValueError(f"unknown source {source!r}; sources: {', '.join(SOURCES)}")
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; modes: {', '.join(MODES)}")
        with self._lock:
            self.modes[source] = mode

    def advance(self) -> int:
        with self._lock:
            return self.world.advance()

    @property
    def request_counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    def reset_counts(self) -> None:
        with self._lock:
            self._counts.clear()

    def _count(self, key: str) -> None:
        with self._lock:
            self._counts[key] += 1

    def robots_txt(self) -> str:
        lines = ["User-agent: *", "Disallow: /_control/"]
        for source in SOURCES:
            lines.append(f"Disallow: /{source}/admin")
            if self.modes[source] == "robots":
                lines.append(f"Disallow: /{source}/")
            elif self.modes[source] == "robots_search":
                lines += [f"Disallow: /{source}/{path}" for path in sites.search_paths(source)]
        return "\n".join(lines) + "\n"


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default backlog of 5 refuses connections under a concurrent crawl


class _Handler(BaseHTTPRequestHandler):
    server_version = "repmon-sandbox/0.1"
    # Keep-alive, as real sites: with HTTP/1.0 the crawler's pooled connections race the server's close.
    protocol_version = "HTTP/1.1"

    @property
    def sandbox(self) -> SandboxServer:
        return self.server.sandbox  # type: ignore[attr-defined]

    def log_message(self, format, *args):  # noqa: A002 - keep test output quiet
        pass

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    # ----- routing ----------------------------------------------------------------------------------

    def _dispatch(self, method: str) -> None:
        parts = urlsplit(self.path)
        path, query = parts.path, {k: v[-1] for k, v in parse_qs(parts.query).items()}
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)) if method == "POST" else b""
        if path == "/robots.txt" or re.fullmatch(r"/[a-z]+/robots\.txt", path):
            self.sandbox._count("robots.txt")
            return self._send(200, self.sandbox.robots_txt(), "text/plain")
        if path.startswith("/_control/"):
            return self._control(method, path, query)
        source, _, rest = path.lstrip("/").partition("/")
        if source not in SOURCES:
            return self._send(404, "<h1>Not found</h1>")
        self.sandbox._count(source)
        if self.sandbox.recorded is not None:
            with self.sandbox._lock:
                self.sandbox.recorded.append((method, self.path, body, {k: v for k, v in self.headers.items()
                                                                        if k.lower().startswith(("x-", "authorization", "content-type"))}))
        mode = self.sandbox.modes[source]
        if mode == "outage":
            self.close_connection = True  # hang up without a word, like a dead backend behind a proxy
            return
        if (mode == "block" or (mode == "blockpage2" and _later_page(query))
                or (mode == "blockname" and _names_a_physician(self.sandbox.world, query))):
            wall = sites.block_reply(source)
            if wall is not None:
                return self._send(wall.status, wall.body, wall.content_type, wall.headers)
            return self._send(403, CHALLENGE_PAGE, headers={"cf-mitigated": "challenge", "Server": "cloudflare"})
        if mode == "challenge200":
            return self._send(200, CHALLENGE_PAGE, headers={"Server": "cloudflare"})
        if mode == "429":
            return self._send(429, "<h1>Too Many Requests</h1>")
        if mode == "503":
            return self._send(503, "<h1>Service Unavailable</h1>")
        if mode == "gzipbomb":
            return self._send_bytes(200, gzip_bomb(), "text/html", {"Content-Encoding": "gzip"})
        if mode in ("huge", "hugestream"):
            return self._send_bytes(200, huge_page(), "text/html", streamed=mode == "hugestream")
        request = sites.Request(
            method=method, path=rest, query=query, body=body, prefix=f"/{source}", broken=mode == "broken",
            raw_query=parts.query,
            origin=f"http://{self.headers.get('Host') or self.sandbox.url.split('//', 1)[1]}",
            headers={k.lower(): v for k, v in self.headers.items()},
        )
        with self.sandbox._lock:  # the world must not advance halfway through a page
            reply = sites.handler(source)(self.sandbox.world, request)
        return self._send(reply.status, reply.body, reply.content_type, reply.headers)

    def _control(self, method: str, path: str, query: dict) -> None:
        sandbox = self.sandbox
        if path == "/_control/state" and method == "GET":
            return self._json(200, {"week": sandbox.world.week, "modes": sandbox.modes, "requests": sandbox.request_counts})
        if method != "POST":
            return self._json(405, {"error": "use POST"})
        if path == "/_control/mode":
            try:
                sandbox.set_mode(query.get("source", ""), query.get("mode", ""))
            except ValueError as exc:
                return self._json(400, {"error": str(exc)})
            return self._json(200, {"source": query["source"], "mode": query["mode"]})
        if path == "/_control/advance":
            return self._json(200, {"week": sandbox.advance()})
        return self._json(404, {"error": f"no control {path}"})

    # ----- answering --------------------------------------------------------------------------------

    def _json(self, status: int, data) -> None:
        self._send(status, json.dumps(data), "application/json")

    def _send(self, status: int, text: str, content_type: str = "text/html", headers: dict | None = None) -> None:
        self._send_bytes(status, text.encode("utf-8"), content_type, headers)

    def _send_bytes(self, status: int, payload: bytes, content_type: str, headers: dict | None = None,
                    streamed: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", f"{content_type}; charset=utf-8")
        if streamed:  # no length: the answer ends when the connection does
            self.send_header("Connection", "close")
            self.close_connection = True
        else:
            self.send_header("Content-Length", str(len(payload)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        try:
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client hung up on an answer it did not want (too large): as a real server, carry on


def _names_a_physician(world: World, query: dict) -> bool:
    """Whether a request's query names a physician of ``world`` ("First Last"): a name search."""
    names = {slug(f"{p.first_name} {p.last_name}") for p in world.physicians}
    return any(slug(value) in names for value in query.values())


def _later_page(query: dict) -> bool:
    """Whether a request asks for the second or a later page of a paged list."""
    for key, first in (("page", 1), ("pagenumber", 1), ("page_num", 1), ("offset", 0)):
        try:
            if int(query.get(key) or first) > first:
                return True
        except ValueError:
            pass
    return False


@cache
def gzip_bomb() -> bytes:
    """About 2 MB of gzip that inflate to 2 GiB of an HTML page: one 64 MiB member, repeated."""
    member = gzip.compress(b"<html><body>" + b" " * (64 * 1024 * 1024 - 12), compresslevel=9, mtime=0)
    return member * 32


@cache
def huge_page() -> bytes:
    return b"<html><body><p>" + b"x" * HUGE_PAGE_BYTES + b"</p></body></html>"
