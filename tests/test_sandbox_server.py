"""The sandbox HTTP server: the pages and APIs the spiders read, failure modes, and remote control."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from urllib.parse import quote

import pytest
from bs4 import BeautifulSoup

from reputation.sandbox.server import MODES, SandboxServer
from reputation.sandbox.world import World


@pytest.fixture(scope="module")
def server():
    with SandboxServer(World()) as running:
        yield running


@pytest.fixture(autouse=True)
def modes_back_to_ok(server):
    yield
    for source in server.modes:
        server.set_mode(source, "ok")


def fetch(server, path: str, data: bytes | None = None, method: str | None = None) -> tuple[int, str, dict]:
    request = urllib.request.Request(server.url + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)


def test_url_is_local_with_the_chosen_port(server):
    assert server.url.startswith("http://127.0.0.1:") and not server.url.endswith(":0")


def test_robots_txt_allows_sources_but_their_admin(server):
    for path in ("/robots.txt", "/healthgrades/robots.txt"):
        status, text, _ = fetch(server, path)
        assert status == 200
        assert "Disallow: /healthgrades/admin" in text
        assert "Disallow: /healthgrades/\n" not in text
    server.set_mode("healthgrades", "robots")
    assert "Disallow: /healthgrades/\n" in fetch(server, "/robots.txt")[1]


def test_search_lists_the_physician_and_profile_answers(server):
    p = server.world.roster[0]
    status, page, _ = fetch(server, f"/healthgrades/usearch?what={quote(p.first_name + ' ' + p.last_name)}")
    links = BeautifulSoup(page, "html.parser").select('[data-qa-target="provider-name-link"]')
    assert status == 200 and links
    status, profile, _ = fetch(server, links[0]["href"])
    assert status == 200
    name = BeautifulSoup(profile, "html.parser").select_one('[data-qa-target="ProviderDisplayName"]').get_text()
    assert p.last_name in name


def test_search_without_match_says_so(server):
    status, page, _ = fetch(server, "/healthgrades/usearch?what=Nobody+Atall&where=Portland%2C+OR")
    assert status == 200 and BeautifulSoup(page, "html.parser").select('[data-qa-target="no-results"]')


def test_untrusted_review_text_is_escaped_in_the_page(server):
    [npi] = server.world.discrepancies["script_review"]
    listing = server.world.listings_of(npi)[0]
    _, page, _ = fetch(server, f"/healthgrades/{listing.path}")
    soup = BeautifulSoup(page, "html.parser")
    assert soup.find("script") is None
    texts = [t.get_text() for t in soup.select('[data-qa-target="comment-text"]')]
    assert any("<script>alert(1)</script>" in t for t in texts)  # shown as text, not run


def test_comments_api_pages_newest_first(server):
    listing = max(server.world.healthgrades.values(), key=lambda l: len(l.reviews))
    pages = []
    for page in (1, 2):
        body = json.dumps({"pwid": listing.pwid, "currentPage": page, "perPage": 10}).encode()
        status, text, _ = fetch(server, "/healthgrades/api4/providerprofile/comments", data=body)
        assert status == 200
        pages.append(json.loads(text))
    assert pages[0]["totalCount"] == len(listing.reviews) > 10
    ids = [c["commentId"] for p in pages for c in p["results"]]
    assert len(ids) == len(set(ids)) == min(20, len(listing.reviews))
    assert ids[0] == listing.newest_reviews()[0].review_id


def test_gone_listing_answers_404(server):
    world = World()
    for _ in range(3):
        world.advance()
    [npi] = world.discrepancies["listing_gone"]
    pwid = next(l.pwid for l in world.healthgrades.values() if l.npi == npi)
    with SandboxServer(world) as other:
        status, _, _ = fetch(other, f"/healthgrades/physician/dr-x-y-{pwid}")
        assert status == 404


def test_nppes_api_answers_like_the_registry(server):
    p = server.world.roster[0]
    data = json.loads(fetch(server, f"/nppes/api/?version=2.1&number={p.npi}")[1])
    assert data["result_count"] == 1 and str(data["results"][0]["number"]) == p.npi
    assert json.loads(fetch(server, "/nppes/api/?version=2.1&number=1234567893")[1]) == {"result_count": 0, "results": []}
    assert "Errors" in json.loads(fetch(server, "/nppes/api/?version=2.1&number=12")[1])
    errors = json.loads(fetch(server, "/nppes/api/?version=2.1")[1])["Errors"]
    assert errors[0]["description"] == "No valid search criteria provided"


@pytest.mark.parametrize("mode, status", [("block", 403), ("challenge200", 200), ("429", 429), ("503", 503)])
def test_failure_modes_answer_as_blocked_or_failing_sites_do(server, mode, status):
    server.set_mode("nppes", mode)
    code, text, _ = fetch(server, "/nppes/api/?version=2.1&number=1234567893")
    assert code == status
    if mode in ("block", "challenge200"):
        assert "<title>Just a moment...</title>" in text
    assert fetch(server, "/healthgrades/usearch?what=a+b")[0] == 200  # other sources unaffected


def test_outage_hangs_up(server):
    server.set_mode("healthgrades", "outage")
    with pytest.raises((urllib.error.URLError, ConnectionError, OSError)):
        urllib.request.urlopen(server.url + "/healthgrades/usearch?what=a+b", timeout=5)


def test_broken_mode_changes_the_markup(server):
    server.set_mode("healthgrades", "broken")
    p = server.world.roster[0]
    _, page, _ = fetch(server, f"/healthgrades/usearch?what={quote(p.first_name + ' ' + p.last_name)}")
    assert "data-qa-target" not in page and "/healthgrades/physician/" in page


def test_modes_and_weeks_can_be_driven_over_http():
    with SandboxServer(World(size=10)) as server:
        status, text, _ = fetch(server, "/_control/mode?source=healthgrades&mode=block", data=b"")
        assert status == 200 and server.modes["healthgrades"] == "block"
        assert fetch(server, "/_control/mode?source=healthgrades&mode=nonsense", data=b"")[0] == 400
        assert json.loads(fetch(server, "/_control/advance", data=b"")[1]) == {"week": 1}
        state = json.loads(fetch(server, "/_control/state")[1])
        assert state["week"] == 1 and state["modes"]["healthgrades"] == "block"


def test_requests_are_counted_per_source():
    with SandboxServer(World(size=10)) as server:
        fetch(server, "/nppes/api/?version=2.1&number=1234567893")
        fetch(server, "/nppes/api/?version=2.1&number=1234567893")
        fetch(server, "/healthgrades/usearch?what=a+b")
        fetch(server, "/robots.txt")
        assert server.request_counts == {"nppes": 2, "healthgrades": 1, "robots.txt": 1}
        server.reset_counts()
        assert server.request_counts == {}


def test_unknown_modes_and_sources_are_refused(server):
    with pytest.raises(ValueError):
        server.set_mode("healthgrades", "flaky")
    with pytest.raises(ValueError):
        server.set_mode("nosuchsite", "ok")
    assert set(MODES) >= {"ok", "block", "challenge200", "429", "503", "outage", "broken"}
