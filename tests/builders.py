"""Small builders for roster rows and crawl records used across tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from reputation.models import Location, Physician
from reputation.normalize import npi_check_digit
from reputation.records import parse_record
from reputation.store import store_records

WEEK1 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
CLOCK = WEEK1 + timedelta(weeks=52)  # "now" for the records tests store: after every week they use, whatever the date


def week(n: int) -> datetime:
    return WEEK1 + timedelta(weeks=n - 1)


def npi_with_check_digit(first9: str) -> str:
    """A valid NPI from its first nine digits."""
    return first9 + npi_check_digit(first9)


def add_physician(engine, npi, first, last, *, specialty="Cardiology", department="Heart", locations=(), other_names=(), middle=None):
    with Session(engine) as s:
        p = Physician(npi=npi, first_name=first, last_name=last, middle_name=middle, credentials="MD", specialty=specialty,
                      department=department, other_names=list(other_names), updated_at=WEEK1)
        s.add(p)
        s.commit()
        s.refresh(p)
        for loc in locations:
            s.add(Location(physician_id=p.id, **loc))
        s.commit()
        return p.id


def listing(url, name, *, source="healthgrades", phones=(), addresses=(), rating=None, review_count=None,
            specialty="Cardiology", npi=None, reviews=(), at=WEEK1):
    return {"kind": "listing", "source": source, "url": url, "name": name, "specialty": specialty,
            "phones": list(phones), "addresses": list(addresses), "rating": rating, "review_count": review_count,
            "npi": npi, "reviews": list(reviews), "crawled_at": at.isoformat()}


def search(npi, status="ok", *, source="healthgrades", results=(), at=WEEK1, reason="", code=None):
    record = {"kind": "search", "source": source, "npi": npi, "query": "q", "status": status, "reason": reason,
              "results": list(results), "crawled_at": at.isoformat()}
    if code is not None:
        record["reason_code"] = code
    return record


def store(engine, *records):
    store_records(engine, [parse_record(r, now=CLOCK) for r in records])
