"""The sandbox sites: a local HTTP server playing Healthgrades and the NPI Registry from a ``World``.

Every source lives under its own path, so ``REPMON_SANDBOX_URL=http://127.0.0.1:PORT`` turns a
source's base URL into ``http://127.0.0.1:PORT/{source}``:

- ``/robots.txt`` (and ``/{source}/robots.txt``): allows everything but ``/{source}/admin`` (and, in
  mode "robots", the whole source);
- ``GET /healthgrades/usearch?what=NAME&where=CITY, ST``: search results page;
- ``GET /healthgrades/physician/dr-first-last-PWID``: profile page (404 once the listing is gone);
- ``POST /healthgrades/api4/providerprofile/comments`` ``{"pwid", "currentPage", "perPage"}``: reviews JSON;
- ``GET /nppes/api/?version=2.1&number=NPI``: the NPI Registry API answer (``result_count: 0`` for an
  unknown NPI, ``{"Errors": [...]}`` for a malformed one or no criteria); ``/nppes/provider-view/NPI``.

Control, for tests and for a sandbox started separately (``repmon sandbox``):
``server.set_mode(source, mode)`` or ``POST /_control/mode?source=S&mode=M``; ``POST /_control/advance``
(one week); ``GET /_control/state``. Modes: "ok"; "block" (403 + Cloudflare-like "Just a moment..."
page); "challenge200" (the same page with 200); "429"; "503"; "outage" (connection closed without
answer); "broken" (pages in a changed markup the parsers do not know); "robots" (robots.txt disallows
the source). ``server.request_counts`` counts requests per source.
"""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from reputation.sandbox.world import HealthgradesListing, World

SOURCES = ("healthgrades", "nppes")
MODES = ("ok", "block", "challenge200", "429", "503", "outage", "broken", "robots")

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


def e(value) -> str:
    """HTML-escape world text: review texts are untrusted, as on the real sites."""
    return escape("" if value is None else str(value), quote=True)


class SandboxServer:
    """``with SandboxServer(World()) as server: ... server.url ...``"""

    def __init__(self, world: World, host: str = "127.0.0.1", port: int = 0):
        self.world = world
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
        mode = self.sandbox.modes[source]
        if mode == "outage":
            self.close_connection = True  # hang up without a word, like a dead backend behind a proxy
            return
        if mode == "block":
            return self._send(403, CHALLENGE_PAGE, headers={"cf-mitigated": "challenge", "Server": "cloudflare"})
        if mode == "challenge200":
            return self._send(200, CHALLENGE_PAGE, headers={"Server": "cloudflare"})
        if mode == "429":
            return self._send(429, "<h1>Too Many Requests</h1>")
        if mode == "503":
            return self._send(503, "<h1>Service Unavailable</h1>")
        with self.sandbox._lock:  # the world must not advance halfway through a page
            if source == "healthgrades":
                return self._healthgrades(method, rest, query, body, broken=mode == "broken")
            return self._nppes(rest, query, broken=mode == "broken")

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

    # ----- Healthgrades -----------------------------------------------------------------------------

    def _healthgrades(self, method: str, rest: str, query: dict, body: bytes, *, broken: bool) -> None:
        world = self.sandbox.world
        if method == "GET" and rest == "usearch":
            what, where = query.get("what", ""), query.get("where", "")
            return self._send(200, search_page(world.healthgrades_search(what, where), what, where, broken=broken))
        match = re.fullmatch(r"physician/[a-z0-9-]*?-([a-z0-9]{5,7})(?:/[a-z-]*)?", rest)
        if method == "GET" and match:
            listing = world.healthgrades_listing(match.group(1))
            if listing is None:
                return self._send(404, "<html><head><title>Page not found | Healthgrades</title></head>"
                                       "<body><h1>We can't find that page</h1></body></html>")
            return self._send(200, profile_page(listing, broken=broken))
        if method == "POST" and rest == "api4/providerprofile/comments":
            try:
                request = json.loads(body or b"{}")
                page, per_page = max(1, int(request.get("currentPage", 1))), min(50, max(1, int(request.get("perPage", 10))))
            except (ValueError, TypeError, AttributeError):
                return self._json(400, {"error": "bad request"})
            listing = world.healthgrades_listing(str(request.get("pwid", "")))
            if listing is None:
                return self._json(404, {"error": "provider not found"})
            return self._json(200, comments_json(listing, page, per_page, broken=broken))
        if method == "GET" and rest == "":
            return self._send(200, "<html><head><title>Healthgrades (sandbox)</title></head><body>Find a doctor</body></html>")
        return self._send(404, "<h1>Not found</h1>")

    # ----- NPPES ------------------------------------------------------------------------------------

    def _nppes(self, rest: str, query: dict, *, broken: bool) -> None:
        world = self.sandbox.world
        if rest == "api/":
            number = query.get("number", "").strip()
            if not number:
                return self._json(200, {"Errors": [{"description": "No valid search criteria provided",
                                                    "field": "generic", "number": "04"}]})
            if not re.fullmatch(r"\d{10}", number):
                return self._json(200, {"Errors": [{"description": "Field number requires number of 10 digits",
                                                    "field": "number", "number": "02"}]})
            result = world.nppes_result(number)
            results = [result] if result else []
            if broken:  # a changed API: same data under other names
                return self._json(200, {"count": len(results), "providers": results})
            return self._json(200, {"result_count": len(results), "results": results})
        match = re.fullmatch(r"provider-view/(\d{10})", rest)
        if match and world.nppes_result(match.group(1)):
            result = world.nppes_result(match.group(1))
            name = f"{result['basic']['first_name']} {result['basic']['last_name']}"
            return self._send(200, f"<html><head><title>NPI {e(result['number'])} | NPPES</title></head>"
                                   f"<body><h1>{e(name)}</h1></body></html>")
        return self._send(404, "<h1>Not found</h1>")

    # ----- answering --------------------------------------------------------------------------------

    def _json(self, status: int, data) -> None:
        self._send(status, json.dumps(data), "application/json")

    def _send(self, status: int, text: str, content_type: str = "text/html", headers: dict | None = None) -> None:
        payload = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", f"{content_type}; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(payload)


# ----- Healthgrades pages, in the markup the spider parses (or, broken, in one it does not) --------

PREFIX = "/healthgrades"


def _qa(name: str, broken: bool) -> str:
    # The "broken" site renamed its test hooks: the markup change a real redesign brings.
    return f'data-testid="{name.lower()}-v2"' if broken else f'data-qa-target="{name}"'


def _page(title: str, main: str) -> str:
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{e(title)}</title></head>'
            f'<body><header class="h-3b1d">Healthgrades</header><main class="m-9c2a">{main}</main></body></html>')


def _ratings(listing: HealthgradesListing, broken: bool) -> str:
    score = f'<span {_qa("rating-score", broken)}>{listing.rating}</span> ' if listing.rating is not None else ""
    return f'{score}<span {_qa("rating-count", broken)}>{listing.rating_count} ratings</span>'


def search_page(listings: list[HealthgradesListing], what: str, where: str, *, broken: bool = False) -> str:
    cards = []
    for l in listings:
        office = l.offices[0]
        cards.append(
            f'<li class="c-1f8e" {_qa("provider-card", broken)}>'
            f'<h3><a class="c-77a0" {_qa("provider-name-link", broken)} href="{PREFIX}/{e(l.path)}">{e(l.display_name)}</a></h3>'
            f'<p {_qa("provider-specialty", broken)}>{e(l.specialty)}</p><div>{_ratings(l, broken)}</div>'
            f'<address {_qa("location-info-address", broken)}>{e(office.street)}, {e(office.city)}, '
            f'{e(office.state)} {e(office.zip)}</address></li>'
        )
    if cards:
        body = f'<h1>{len(cards)} results for {e(what)} near {e(where)}</h1><ul class="r-0a4c">{"".join(cards)}</ul>'
    elif broken:
        body = f'<h1>0 providers for {e(what)}</h1>'
    else:
        body = (f'<div {_qa("no-results", broken)}><h1>No results found</h1>'
                f'<p>We couldn\'t find any matches for "{e(what)}" near {e(where)}.</p></div>')
    return _page(f"{what} near {where} | Find a Doctor | Healthgrades", body)


def profile_page(listing: HealthgradesListing, *, broken: bool = False) -> str:
    offices = []
    for office in listing.offices:
        digits = re.sub(r"\D", "", office.phone)
        sponsor = (f'<span {_qa("sponsor-phone-label", broken)}>Phone number provided by Northwind Health</span>'
                   if office.sponsored else "")
        offices.append(
            f'<div class="o-2c1f"><h3 {_qa("office-practice-name", broken)}>{e(office.practice_name)}</h3>'
            f'<address><span {_qa("practice-address-street", broken)}>{e(office.street)}</span><br>'
            f'<span {_qa("practice-address-city", broken)}>{e(office.city)}</span>, '
            f'<span {_qa("practice-address-state", broken)}>{e(office.state)}</span> '
            f'<span {_qa("practice-address-postalCode", broken)}>{e(office.zip)}</span></address>'
            f'<a {_qa("visit-open-phone", broken)} href="tel:+1{digits[-10:]}">{e(office.phone)}</a>{sponsor}</div>'
        )
    reviews = "".join(
        f'<div class="v-5e0b" {_qa("comment", broken)}><span {_qa("comment-rating", broken)}>{r.rating}</span>'
        f'<p {_qa("comment-text", broken)}>{e(r.text)}</p><span {_qa("comment-author", broken)}>{e(r.author)}</span> '
        f'<time datetime="{r.date.isoformat()}">{r.date.strftime("%b %d, %Y")}</time></div>'
        for r in listing.newest_reviews()[:3]
    )
    accepting = "Accepting new patients" if listing.accepting_new_patients else "Not accepting new patients"
    main = (
        f'<h1 class="n-41d2" {_qa("ProviderDisplayName", broken)}>{e(listing.display_name)}</h1>'
        f'<p {_qa("provider-specialty", broken)}>{e(listing.specialty)}</p>'
        f'<div class="s-8d1e">{_ratings(listing, broken)}</div>'
        f'<p {_qa("accepting-new-patients", broken)}>{accepting}</p>'
        f'<section {_qa("office-locations", broken)}><h2>Locations</h2>{"".join(offices)}</section>'
        f'<section {_qa("reviews", broken)}><h2>Patient reviews</h2>{reviews}</section>'
    )
    return _page(f"{listing.display_name} | {listing.specialty} | Healthgrades", main)


def comments_json(listing: HealthgradesListing, page: int, per_page: int, *, broken: bool = False) -> dict:
    reviews = listing.newest_reviews()
    chunk = reviews[(page - 1) * per_page: page * per_page]
    results = [
        {
            "commentId": r.review_id,
            "overallScore": float(r.rating),
            "displayName": r.author,
            "submittedDate": r.date.strftime("%b %d, %Y"),
            "commentText": r.text,
            "providerResponse": {"commentText": r.response, "isFromProvider": r.response is not None},
        }
        for r in chunk
    ]
    if broken:
        return {"data": {"items": results, "total": len(reviews)}}
    return {"results": results, "totalCount": len(reviews), "currentPage": page, "perPage": per_page}
