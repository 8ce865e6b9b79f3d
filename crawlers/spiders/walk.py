"""Search by specialty and place: walking a site's specialty-in-city listing pages for many physicians at once.

Some sites have no usable name search (RateMDs, WebMD, Vitals, Zocdoc's public search), but list the
physicians of a specialty in a city, page by page. A ``WalkSpider`` searches a target by walking those pages
for the target's specialty (its NUCC code mapped to the site's name for it, ``crawlers.specialties``) in each
of the target's practice cities, and matches what the pages show to the target by name:

- **One walk serves every target** of that specialty and city: the first target to need it starts it, the
  others wait for it, and all are answered from the same pages (fewer requests than one search each).
- **Bounded and polite**: a walk reads its pages one after another (robots.txt and the configured delay
  apply to each, as to every request), at most ``WALK_PAGES_MAX`` pages (setting, default 10).
- **Complete or unknown**: a walk that read every page (the last page says there is no next one, or a page
  lists nobody) is complete; a target it does not show is missing there (search "ok", no result). A walk
  that reached the page cap ends ``incomplete``; one whose page was blocked, failed or not recognised ends
  with that failure. Its targets' searches then end with that failure too, with whatever profiles were found
  on the pages read: a physician not on pages left unread is unknown, never missing.
- Names that match (same last name, or a part of a hyphenated one) are candidates; their profiles are fetched
  and parsed as after a name search (the base chain), and the matcher decides who is who.
- **Confirmed by name**: sites classify specialties their own way, and a physician may be listed under another
  specialty or in a neighbouring city. Where the site has a name search (``name_search`` true), a target that
  complete walks do not list (no listed name fits the whole name) is searched by name before its search ends:
  the profiles it finds are read as usual (with the walk's namesakes); nothing found is missing there; a name
  search blocked or failed ends the search with that failure (unknown, never missing). Only these targets pay
  a name search. A site without one (Vitals) keeps the walk's answer, and its ``query`` says so: a missing
  listing there means "not listed under their specialty in their city".
- A specialty the site's map does not know, or a target without a city and state: the site's name search
  where it has one, else the search ends ``not_searched``, never missing.

``SEARCH_BY`` (setting; ``REPMON_SEARCH_BY`` in the environment) chooses ``name`` or ``walk`` per source for
sites with both. A source supplies ``walk_request`` and ``parse_walk_page`` (and, with a name search,
``search_request``, ``parse_search`` and ``name_query``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import scrapy

from crawlers.blocking import block_reason
from crawlers.items import Failed
from crawlers.specialties import site_specialty
from crawlers.spiders.base import MAX_CANDIDATES, RosterSpider, TargetState

DEFAULT_WALK_PAGES_MAX = 10
# What the query of a site without a name search adds: a missing listing there is one walk's answer.
WALK_ONLY = "listing pages only, not searched by name"


@dataclass
class WalkEntry:
    """One physician a listing page shows: the name as shown and the profile URL."""

    name: str
    url: str


@dataclass
class WalkPage:
    """What one listing page held. ``more``: whether a next page exists (None: the page does not say, so an
    empty page ends the walk). ``error`` set means the page was not understood."""

    entries: list[WalkEntry] = field(default_factory=list)
    more: bool | None = None
    error: str | None = None
    code: str = "not_recognised"


@dataclass
class Walk:
    """One walk of a specialty's listing pages in one place, shared by the targets waiting for it."""

    specialty: str  # the site's name for the specialty
    city: str
    state: str
    page: int = 0  # the last page asked for
    entries: dict[str, WalkEntry] = field(default_factory=dict)  # profile URL -> entry
    waiting: list[TargetState] = field(default_factory=list)
    done: bool = False
    failure: Failed | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return walk_key(self.specialty, self.city, self.state)


def walk_key(specialty: str, city: str, state: str) -> tuple[str, str, str]:
    return specialty, " ".join(city.lower().split()), state.strip().upper()


def places(target: dict) -> list[tuple[str, str]]:
    """The target's practice places as (city, state), each once, the first location first."""
    found = []
    for place in [*(target.get("locations") or []), {"city": target.get("city"), "state": target.get("state")}]:
        city, state = " ".join((place.get("city") or "").split()), (place.get("state") or "").strip().upper()
        city = city.title() if city.isupper() else city  # the roster keeps cities as USPS writes them: PORTLAND
        if city and state and (city.lower(), state.upper()) not in {(c.lower(), s.upper()) for c, s in found}:
            found.append((city, state))
    return found


def _tokens(text: str | None) -> list[str]:
    folded = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode().lower()
    return re.findall(r"[a-z0-9]+", folded.replace("'", ""))


def name_fit(entry_name: str, target: dict) -> int:
    """How well a listed name fits the target: 0 no (the last name is not there), 1 the last name (or a part
    of a hyphenated one), 2 also the first name or its initial. Generous on purpose: the candidates' profiles
    are read and the matcher decides; a namesake costs a request, a missed physician a false alarm."""
    shown = _tokens(entry_name)
    last = [t for t in _tokens(target.get("last_name")) if len(t) > 1]
    if not last or not any(part in shown for part in last):
        return 0
    rest = [t for t in shown if t not in last]
    firsts = _tokens(target.get("first_name")) + _tokens(target.get("middle_name"))
    if any(t == f or (len(t) == 1 and f.startswith(t)) for t in rest for f in firsts):
        return 2
    return 1


class WalkSpider(RosterSpider):
    """A roster spider whose search is a walk of listing pages (or, where the site has one and ``SEARCH_BY``
    says so, its name search)."""

    name_search = False  # whether the site has a name search (``search_request``) to fall back on

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._walks: dict[tuple[str, str, str], Walk] = {}
        self._walks_of: dict[int, list[tuple[str, str, str]]] = {}  # target key -> its walks
        self._pending: dict[int, set[tuple[str, str, str]]] = {}  # target key -> its walks not ended yet

    # ----- to be provided by each source -------------------------------------------------------

    def walk_request(self, specialty: str, city: str, state: str, page: int, **kwargs) -> scrapy.Request:
        raise NotImplementedError

    def parse_walk_page(self, response) -> WalkPage:
        raise NotImplementedError

    # ----- choosing ------------------------------------------------------------------------------

    def walking(self) -> bool:
        """Whether this crawl walks listing pages (else: the name search)."""
        if not self.name_search:
            return True
        chosen = {str(k).strip().lower(): str(v).strip().lower()
                  for k, v in (self.settings.getdict("SEARCH_BY") or {}).items()}
        return chosen.get(self.name, "walk") != "name"

    def walk_plan(self, target: dict) -> tuple[str | None, list[tuple[str, str]]]:
        """(the site's name for the target's specialty or None, the places to walk)."""
        return site_specialty(self.name, target.get("specialty_code")), places(target)

    def search_query(self, target: dict) -> str:
        if self.walking():
            specialty, where = self.walk_plan(target)
            if specialty and where:
                walked = f"{specialty} in " + "; ".join(f"{city}, {state}" for city, state in where)
                return walked if self.name_search else f"{walked}: {WALK_ONLY}"
        if self.name_search:
            return self.name_query(target)
        return "no search for this physician"

    def name_query(self, target: dict) -> str:
        """The name search as the search record names it (a source with its own wording overrides this)."""
        return super().search_query(target)

    # ----- the search step -----------------------------------------------------------------------

    def search_step(self, state: TargetState):
        if not self.walking():
            yield from super().search_step(state)
            return
        specialty, where = self.walk_plan(state.target)
        if not specialty or not where:
            if self.name_search:
                self.inc_stat("walks/name_search_instead")
                state.query = self.name_query(state.target)
                yield from super().search_step(state)
                return
            why = (f"no listing pages for the specialty {state.target.get('specialty') or state.target.get('specialty_code') or '(none)'}"
                   if not specialty else "no practice city and state to look in")
            yield self.finish(state, "error", f"{self.label or self.name} has no name search and {why}", "not_searched")
            return
        keys = [walk_key(specialty, city, st) for city, st in where]
        self._walks_of[state.key] = keys
        self._pending[state.key] = set()
        for (city, st), key in zip(where, keys):
            walk = self._walks.get(key)
            if walk is None:
                walk = self._walks[key] = Walk(specialty, city, st)
                self.inc_stat("walks")
            if walk.done:
                continue
            walk.waiting.append(state)
            self._pending[state.key].add(key)
            if walk.page == 0:
                yield self._page_request(walk, 1)
        if not self._pending[state.key]:
            yield from self._walks_ended(state)

    def _page_request(self, walk: Walk, page: int) -> scrapy.Request:
        walk.page = page
        self.inc_stat("walk_pages")
        return self._with_headers(self.walk_request(
            walk.specialty, walk.city, walk.state, page, callback=self._on_walk_page, errback=self._on_walk_failure,
            dont_filter=True, cb_kwargs={"walk": walk},
        ))

    def _on_walk_page(self, response, walk: Walk):
        blocked = block_reason(response)
        if blocked:
            yield from self._end_walk(walk, Failed("blocked", blocked, "blocked"))
            return
        try:
            page = self.parse_walk_page(response)
        except Exception as exc:  # a parser crash is a parser error, reported like one
            self.logger.exception("parsing listing page %s failed", response.url)
            page = WalkPage(error=f"listing page not recognised ({type(exc).__name__}) at {response.url}")
        if page.error:
            yield from self._end_walk(walk, Failed("error", page.error, page.code))
            return
        for entry in page.entries:
            walk.entries.setdefault(entry.url, entry)
        more = page.more if page.more is not None else bool(page.entries)
        if more:
            cap = self.settings.getint("WALK_PAGES_MAX", DEFAULT_WALK_PAGES_MAX)
            if walk.page < cap:
                yield self._page_request(walk, walk.page + 1)
                return
            self.inc_stat("walks_capped")
            yield from self._end_walk(walk, Failed(
                "error", f"listing pages of {walk.specialty} in {walk.city}, {walk.state} capped at {cap} "
                         f"(WALK_PAGES_MAX); more pages were left unread at {response.url}", "incomplete"))
            return
        yield from self._end_walk(walk, None)

    def _on_walk_failure(self, failure):
        walk = failure.request.cb_kwargs["walk"]
        yield from self._end_walk(walk, Failed(*self.failure_status(failure)))

    def _end_walk(self, walk: Walk, failure: Failed | None):
        walk.done, walk.failure = True, failure
        if failure is not None:
            self.inc_stat(f"walks_failed/{failure.code}")
        waiting, walk.waiting = walk.waiting, []
        for state in waiting:
            pending = self._pending.get(state.key, set())
            pending.discard(walk.key)
            if not pending and not state.finished:
                yield from self._walks_ended(state)

    def _walks_ended(self, state: TargetState):
        """Every walk of ``state`` has ended: its candidates go to the profile chain; a walk that could not see
        everything makes the search end with its failure."""
        walks = [self._walks[key] for key in self._walks_of.get(state.key, [])]
        fits = []
        for walk in walks:
            for entry in walk.entries.values():
                fit = name_fit(entry.name, state.target)
                if fit:
                    fits.append((-fit, len(fits), entry.url))
        fit_of = {}
        for fit, _, url in sorted(fits):
            if url not in fit_of and url not in state.results and url not in state.gone:
                fit_of[url] = -fit
        candidates = list(fit_of)
        state.unseen = next((w.failure for w in walks if w.failure is not None), None)
        if self.name_search and state.unseen is None and 2 not in fit_of.values():
            # Complete walks do not list the physician: the site's name search confirms before "missing".
            yield from self._confirm_by_name(state, candidates)
            return
        state.queue = candidates[:MAX_CANDIDATES]
        if len(candidates) > MAX_CANDIDATES:
            self.inc_stat("candidates_capped")
            left = [url for url in candidates[MAX_CANDIDATES:] if fit_of[url] == 2]
            if left and state.unseen is None:
                # Profiles fitting the whole name were left unread: the physician may be one of them.
                state.unseen = Failed("error", f"{len(candidates)} listed names fit, {MAX_CANDIDATES} profiles read; "
                                               f"unread: {', '.join(left[:3])}", "incomplete")
        yield from self.next_step(state)

    def _confirm_by_name(self, state: TargetState, namesakes: list[str]):
        """The name search of a target complete walks did not list; the walk's ``namesakes`` (the last name
        fits) are read after the profiles it finds."""
        self.inc_stat("walks/confirmed_by_name")
        state.query = f"{state.query}, then by name: {self.name_query(state.target)}"
        yield self._with_headers(self.search_request(
            state, callback=self._on_confirm, errback=self.on_failure, dont_filter=True,
            cb_kwargs={"state": state, "namesakes": namesakes},
        ))

    def _on_confirm(self, response, state: TargetState, namesakes: list[str]):
        outcome, finished = self.read_search(response, state)
        if finished is not None:
            yield finished
            return
        yield from self.take_listings(state, outcome)
        if outcome.listings or outcome.profile_urls:
            self.inc_stat("walks/found_by_name")
        self.queue_candidates(state, [*outcome.profile_urls, *namesakes])
        yield from self.next_step(state)
