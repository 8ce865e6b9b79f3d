"""schema.org data embedded in pages (JSON-LD and microdata), read once for every spider.

``structured_objects`` returns every schema.org object of a page as one flat list, nested objects
included (a ``SearchResultsPage``'s ``provider[]`` Physicians, a JSON-LD ``@graph``), with ``@type``
reduced to its short name ("Physician", not "http://schema.org/Physician"). Each JSON-LD script is read
on its own: one that cannot be read (broken, or nested too deep to parse) hides none of the others.

Ratings are stars out of 5 whatever scale the page declares (``bestRating``/``worstRating``).
"""

from __future__ import annotations

import math
import re

import extruct
from extruct.utils import parse_html

from crawlers.text import to_five_stars

# The types a physician's profile or a practice's page declares, most specific first.
PHYSICIAN_TYPES = ("IndividualPhysician", "Physician")
BUSINESS_TYPES = ("MedicalClinic", "MedicalBusiness", "MedicalOrganization", "LocalBusiness")
# Nesting deeper than this is no schema.org description of a physician; what lies deeper is not read, so
# that a page's data cannot run the parser out of stack.
MAX_DEPTH = 40


def structured_objects(response) -> list[dict]:
    """All schema.org objects in ``response`` (JSON-LD and microdata), flattened."""
    try:
        tree = parse_html(response.text, encoding="UTF-8")
    except Exception:  # no text, or nothing lxml can read: no structured data for us
        return []
    found: list[dict] = []
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        _collect(_extract(script, "json-ld", response.url), found)
    _collect(_extract(tree, "microdata", response.url), found)
    return found


def _extract(tree, syntax: str, url: str) -> list:
    try:
        return extruct.extract(tree, base_url=url, syntaxes=[syntax], uniform=True, errors="strict").get(syntax) or []
    except Exception:  # broken JSON, JSON nested deeper than Python parses (RecursionError), odd microdata
        return []


def _collect(value, found: list[dict], depth: int = 0) -> None:
    if depth > MAX_DEPTH:
        return
    if isinstance(value, list):
        for entry in value:
            _collect(entry, found, depth + 1)
    elif isinstance(value, dict):
        if "@graph" in value:
            _collect(value["@graph"], found, depth + 1)
        if "@type" in value:
            value["@type"] = _short_type(value["@type"])
            found.append(value)
        for key, child in value.items():
            if key not in ("@graph", "@context"):
                _collect(child, found, depth + 1)


def _short_type(value):
    if isinstance(value, list):
        names = [_short_type(v) for v in value]
        return names[0] if len(names) == 1 else names
    return re.sub(r"^.*[/#]", "", str(value))


def types_of(obj: dict) -> set[str]:
    value = obj.get("@type")
    return set(value) if isinstance(value, list) else {value} if value else set()


def find_objects(objects: list[dict], *types: str) -> list[dict]:
    """The objects having any of ``types``, in page order."""
    wanted = set(types)
    return [obj for obj in objects if types_of(obj) & wanted]


def first_object(objects: list[dict], *types: str) -> dict | None:
    """The first object of the first of ``types`` present: the order of ``types`` is a preference."""
    for wanted in types:
        matches = find_objects(objects, wanted)
        if matches:
            return matches[0]
    return None


def text(value) -> str | None:
    """A property's text: first of a list, ``name`` of an object, whitespace collapsed; None if empty."""
    if isinstance(value, list):
        value = next((v for v in value if v not in (None, "")), None)
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value") or value.get("@id")
    if value is None:
        return None
    cleaned = " ".join(str(value).split())
    return cleaned or None


def number(value) -> float | None:
    """A number as such or as text ('4.5', '1e1', '4.5 stars'); None when there is no finite one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else None
    written = text(value) or ""
    try:
        parsed = float(written)
    except ValueError:
        found = re.search(r"\d+(?:\.\d+)?", written)
        return float(found.group()) if found else None
    return parsed if math.isfinite(parsed) else None


def stars(rating) -> float | None:
    """A schema.org ``Rating`` (or a bare value) as stars out of 5, on the scale it declares: ``ratingValue``
    within ``worstRating``..``bestRating`` (default 0..5). None when the value lies outside that scale."""
    if isinstance(rating, list):
        rating = rating[0] if rating else None
    if not isinstance(rating, dict):
        return to_five_stars(number(rating))
    return to_five_stars(number(rating.get("ratingValue")), number(rating.get("bestRating")),
                         number(rating.get("worstRating")))


def aggregate_rating(obj: dict) -> tuple[float | None, int | None]:
    """(stars out of 5, count) of an object's ``aggregateRating``; count prefers ratingCount over reviewCount."""
    rating = obj.get("aggregateRating")
    if isinstance(rating, list):
        rating = rating[0] if rating else None
    if not isinstance(rating, dict):
        return None, None
    count = number(rating.get("ratingCount"))
    if count is None:
        count = number(rating.get("reviewCount"))
    return stars(rating), int(count) if count is not None else None


def postal_addresses(obj: dict) -> list[dict]:
    """An object's ``address`` (one or several PostalAddress, or a plain string) as address dicts."""
    values = obj.get("address")
    values = values if isinstance(values, list) else [values] if values else []
    out = []
    for value in values:
        if isinstance(value, dict):
            out.append(
                {
                    "street": text(value.get("streetAddress")),
                    "city": text(value.get("addressLocality")),
                    "state": text(value.get("addressRegion")),
                    "zip": text(value.get("postalCode")),
                }
            )
        elif text(value):
            out.append({"street": text(value), "city": None, "state": None, "zip": None})
    return out


def telephones(obj: dict) -> list[str]:
    values = obj.get("telephone")
    values = values if isinstance(values, list) else [values] if values else []
    return [t for t in (text(v) for v in values) if t]


def npi_of(obj: dict) -> str | None:
    """The NPI an object declares (``usNPI`` or an ``identifier`` naming NPI), if it is 10 digits."""
    candidates = [obj.get("usNPI")]
    identifiers = obj.get("identifier")
    for ident in identifiers if isinstance(identifiers, list) else [identifiers]:
        if isinstance(ident, dict) and "npi" in str(ident.get("propertyID", "")).lower():
            candidates.append(ident.get("value"))
    for candidate in candidates:
        digits = re.sub(r"\D", "", text(candidate) or "")
        if len(digits) == 10:
            return digits
    return None


def same_as(obj: dict) -> list[str]:
    """The web addresses an object says are the same person or place (``sameAs``): its profiles elsewhere."""
    values = obj.get("sameAs")
    values = values if isinstance(values, list) else [values] if values else []
    return [v for v in (text(value) for value in values) if v and v.startswith(("http://", "https://"))]
