"""Northwind Health's own find-a-doctor site in the sandbox: schema.org pages and their sitemaps.

- ``GET sitemap.xml``: a sitemap index naming ``sitemap-doctors.xml`` and ``sitemap-pages.xml``;
- ``GET sitemap-doctors.xml``: a urlset of every physician page (``doctors/{source_id}``);
- ``GET sitemap-pages.xml``: a urlset of the other pages (home, ``find-a-doctor/``, ``locations/{slug}``);
- ``GET find-a-doctor/``: the directory: a link to every physician page (no structured data);
- ``GET doctors/{source_id}``: a physician page: JSON-LD ``IndividualPhysician`` (``usNPI``, name,
  ``medicalSpecialty``, ``isAcceptingNewPatients``, ``worksFor`` one ``MedicalClinic`` per location with
  its address and telephone); about one page in four (by a checksum of the slug, so always the same
  pages) carries the same data as microdata instead; 404 for an unknown slug or a gone listing;
  every other page (by a checksum of the slug) links the physician's Healthgrades profile(s), as many
  find-a-doctor pages do;
- ``GET locations/{slug}``: a practice page: JSON-LD ``MedicalClinic`` listing its physicians
  (``employee``: name, specialty, url) — the kind of page that names physicians without their NPI;
- ``GET ""``: the home page.
Broken: the same pages without any schema.org data (plain markup, as after a redesign that dropped it);
the sitemaps stay as they are (they are a standard, not markup).
"""

from __future__ import annotations

import json
import re
import zlib

from reputation.sandbox.sites import Reply, Request, e, html, not_found
from reputation.sandbox.world import SYSTEM, SiteListing, World, slug

LASTMOD = "2026-10-01"


def handle(world: World, request: Request) -> Reply:
    if request.method != "GET":
        return not_found()
    rest, broken = request.path, request.broken
    root = f"{request.origin}{request.prefix}"  # absolute URLs: sitemaps and canonical links need them
    listings = sorted(world.site_listings("website"), key=lambda l: l.source_id)
    if rest == "sitemap.xml":
        return _xml(sitemap_index([f"{root}/sitemap-doctors.xml", f"{root}/sitemap-pages.xml"]))
    if rest == "sitemap-doctors.xml":
        return _xml(urlset([f"{root}/doctors/{l.source_id}" for l in listings]))
    if rest == "sitemap-pages.xml":
        pages = [f"{root}/", f"{root}/find-a-doctor/"] + [f"{root}/locations/{s}" for s in _practices(listings)]
        return _xml(urlset(pages))
    if rest == "":
        return html(home_page(request.prefix))
    if rest == "find-a-doctor/":
        return html(directory_page(listings, request.prefix))
    match = re.fullmatch(r"doctors/([a-z0-9-]+)", rest)
    if match:
        listing = world.site_listing("website", match.group(1))
        if listing is None:
            return not_found("Page not found | Northwind Health")
        return html(physician_page(listing, root, request.prefix, broken=broken,
                                   profiles=profile_links(world, listing, request.origin)))
    match = re.fullmatch(r"locations/([a-z0-9-]+)", rest)
    if match and match.group(1) in _practices(listings):
        name, members = _practices(listings)[match.group(1)]
        return html(location_page(name, members, root, request.prefix, broken=broken))
    return not_found("Page not found | Northwind Health")


def links_profiles(source_id: str) -> bool:
    """Whether a physician page links the physician's Healthgrades profile: every other page, fixed by the slug."""
    return zlib.crc32(source_id.encode()) % 2 == 1


def profile_links(world: World, listing: SiteListing, origin: str) -> list[tuple[str, str]]:
    """(site name, URL) of the profiles elsewhere a physician page links: their Healthgrades profile(s)."""
    if not listing.npi or not links_profiles(listing.source_id):
        return []
    return [("Healthgrades", f"{origin}/healthgrades/{l.path}") for l in world.listings_of(listing.npi, "healthgrades")]


def uses_microdata(source_id: str) -> bool:
    """Whether a physician page carries microdata rather than JSON-LD: fixed by the slug."""
    return zlib.crc32(source_id.encode()) % 4 == 0


# ----- sitemaps -------------------------------------------------------------------------------------


def _xml(body: str) -> Reply:
    return Reply(200, body, "application/xml")


def sitemap_index(urls: list[str]) -> str:
    entries = "".join(f"<sitemap><loc>{e(u)}</loc><lastmod>{LASTMOD}</lastmod></sitemap>" for u in urls)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</sitemapindex>')


def urlset(urls: list[str]) -> str:
    entries = "".join(f"<url><loc>{e(u)}</loc><lastmod>{LASTMOD}</lastmod><changefreq>weekly</changefreq></url>"
                      for u in urls)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>')


# ----- pages ----------------------------------------------------------------------------------------


def _page(title: str, main: str, prefix: str, *, canonical: str = "", head: str = "") -> str:
    link = f'<link rel="canonical" href="{e(canonical)}">' if canonical else ""
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{e(title)}</title>{link}{head}'
            f'</head><body><header><a href="{prefix}/">{SYSTEM}</a> <nav><a href="{prefix}/find-a-doctor/">'
            f'Find a Doctor</a> <a href="{prefix}/admin/">Staff login</a></nav></header>'
            f'<main>{main}</main><footer>&copy; 2026 {SYSTEM}</footer></body></html>')


def _script(data) -> str:
    payload = json.dumps(data).replace("</", "<\\/")  # world text must not close the script element
    return f'<script type="application/ld+json">{payload}</script>'


def home_page(prefix: str) -> str:
    return _page(SYSTEM, f'<h1>{SYSTEM}</h1><p><a href="{prefix}/find-a-doctor/">Find a doctor</a></p>', prefix)


def directory_page(listings: list[SiteListing], prefix: str) -> str:
    items = "".join(f'<li><a href="{prefix}/doctors/{e(l.source_id)}">{e(l.display_name)}</a> '
                    f'<span class="specialty">{e(l.specialty)}</span></li>' for l in listings)
    return _page(f"Find a Doctor | {SYSTEM}", f'<h1>Find a Doctor</h1><ul class="doctor-list">{items}</ul>', prefix)


def _clinic(office) -> dict:
    return {
        "@type": "MedicalClinic",
        "name": office.practice_name,
        "address": {"@type": "PostalAddress", "streetAddress": office.street, "addressLocality": office.city,
                    "addressRegion": office.state, "postalCode": office.zip, "addressCountry": "US"},
        "telephone": office.phone,
    }


def physician_json(listing: SiteListing, url: str) -> dict:
    data = {
        "@context": "https://schema.org",
        "@type": "IndividualPhysician",
        "@id": f"{url}#physician",
        "url": url,
        "name": listing.display_name,
        "givenName": listing.first_name,
        "familyName": listing.last_name,
        "honorificSuffix": listing.credentials,
        "medicalSpecialty": listing.specialty,
        "isAcceptingNewPatients": listing.accepting_new_patients,
        "worksFor": [_clinic(o) for o in listing.offices],
    }
    if listing.middle_name:
        data["additionalName"] = listing.middle_name
    if listing.npi:
        data["usNPI"] = listing.npi
        if int(listing.npi) % 4 == 0:  # some physicians' pages link their Instagram (a suggestion, never an account)
            data["sameAs"] = [f"https://www.instagram.com/dr{slug(listing.first_name + listing.last_name).replace('-', '')}/",
                              f"https://www.facebook.com/sharer/sharer.php?u={url}"]
    return data


def physician_page(listing: SiteListing, root: str, prefix: str, *, broken: bool = False,
                   profiles: list[tuple[str, str]] = ()) -> str:
    url = f"{root}/doctors/{listing.source_id}"
    elsewhere = ('<p class="reviews-elsewhere">Read patient reviews on '
                 + ", ".join(f'<a href="{e(link)}" rel="noopener">{e(site)}</a>' for site, link in profiles) + "</p>"
                 if profiles else "")
    title = f"{listing.display_name} | {listing.specialty} | {SYSTEM}"
    accepting = "Accepting new patients" if listing.accepting_new_patients else "Not accepting new patients"
    if broken:
        offices = "".join(
            f'<div class="office"><h3>{e(o.practice_name)}</h3><p>{e(o.street)}<br>{e(o.city)}, {e(o.state)} '
            f'{e(o.zip)}</p><p class="phone">{e(o.phone)}</p></div>' for o in listing.offices)
        main = (f'<article class="doctor"><h1>{e(listing.display_name)}</h1><p class="specialty">{e(listing.specialty)}</p>'
                f'<p class="npi">NPI {e(listing.npi or "")}</p><p>{accepting}</p>{offices}</article>{elsewhere}')
        return _page(title, main, prefix, canonical=url)
    if uses_microdata(listing.source_id):
        offices = "".join(
            f'<div class="office" itemprop="worksFor" itemscope itemtype="https://schema.org/MedicalClinic">'
            f'<h3 itemprop="name">{e(o.practice_name)}</h3>'
            f'<p itemprop="address" itemscope itemtype="https://schema.org/PostalAddress">'
            f'<span itemprop="streetAddress">{e(o.street)}</span><br><span itemprop="addressLocality">{e(o.city)}</span>, '
            f'<span itemprop="addressRegion">{e(o.state)}</span> <span itemprop="postalCode">{e(o.zip)}</span></p>'
            f'<p><a href="tel:+1{re.sub(r"[^0-9]", "", o.phone)}"><span itemprop="telephone">{e(o.phone)}</span></a></p></div>'
            for o in listing.offices)
        npi = f'<meta itemprop="usNPI" content="{e(listing.npi)}">' if listing.npi else ""
        main = (f'<article itemscope itemtype="https://schema.org/IndividualPhysician">'
                f'<link itemprop="url" href="{e(url)}"><h1 itemprop="name">{e(listing.display_name)}</h1>{npi}'
                f'<p itemprop="medicalSpecialty">{e(listing.specialty)}</p>'
                f'<p><meta itemprop="isAcceptingNewPatients" content="{str(listing.accepting_new_patients).lower()}">'
                f'{accepting}</p><section><h2>Locations</h2>{offices}</section></article>{elsewhere}')
        return _page(title, main, prefix, canonical=url)
    offices = "".join(f'<div class="office"><h3>{e(o.practice_name)}</h3><p>{e(o.street)}<br>{e(o.city)}, '
                      f'{e(o.state)} {e(o.zip)}</p><p>{e(o.phone)}</p></div>' for o in listing.offices)
    main = (f'<article><h1>{e(listing.display_name)}</h1><p>{e(listing.specialty)}</p><p>{accepting}</p>'
            f'<section><h2>Locations</h2>{offices}</section></article>{elsewhere}')
    return _page(title, main, prefix, canonical=url, head=_script(physician_json(listing, url)))


def _practices(listings: list[SiteListing]) -> dict[str, tuple[str, list[SiteListing]]]:
    """slug -> (practice name, its physicians), from the offices the physicians list."""
    found: dict[str, tuple[str, list[SiteListing]]] = {}
    for listing in listings:
        for office in listing.offices:
            found.setdefault(slug(office.practice_name), (office.practice_name, []))[1].append(listing)
    return found


def location_page(name: str, members: list[SiteListing], root: str, prefix: str, *, broken: bool = False) -> str:
    office = next(o for o in members[0].offices if o.practice_name == name)
    items = "".join(f'<li><a href="{prefix}/doctors/{e(l.source_id)}">{e(l.display_name)}</a> {e(l.specialty)}</li>'
                    for l in members)
    main = (f'<h1>{e(name)}</h1><p>{e(office.street)}, {e(office.city)}, {e(office.state)} {e(office.zip)}</p>'
            f'<p>{e(office.phone)}</p><h2>Our doctors</h2><ul>{items}</ul>')
    head = ""
    if not broken:
        clinic = {"@context": "https://schema.org", **_clinic(office), "url": f"{root}/locations/{slug(name)}",
                  "employee": [{"@type": "Physician", "name": l.display_name, "medicalSpecialty": l.specialty,
                                "url": f"{root}/doctors/{l.source_id}"} for l in members]}
        head = _script(clinic)
    return _page(f"{name} | {SYSTEM}", main, prefix, head=head)
