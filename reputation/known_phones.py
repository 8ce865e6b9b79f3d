"""Known call-center numbers: a site may show a sponsor's number instead of the practice's, legitimately.

They are kept in the database (``repmon known-phones add``) so every later command sees them; the
``REPMON_IGNORE_PHONES`` environment variable (comma-separated) adds more for one run.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from reputation.models import KnownPhone
from reputation.normalize import normalize_phone


class BadPhone(ValueError):
    pass


def known_phones(engine: Engine) -> set[str]:
    env = {p for p in (normalize_phone(x) for x in os.environ.get("REPMON_IGNORE_PHONES", "").split(",") if x.strip()) if p}
    with Session(engine) as session:
        return env | set(session.exec(select(KnownPhone.phone)).all())


def add_known_phones(engine: Engine, numbers: list[str], label: str | None = None) -> list[str]:
    phones = _normalized(numbers)
    with Session(engine) as session:
        for phone in phones:
            session.merge(KnownPhone(phone=phone, label=label, added_at=datetime.now(UTC)))
        session.commit()
    return phones


def remove_known_phones(engine: Engine, numbers: list[str]) -> list[str]:
    phones = _normalized(numbers)
    with Session(engine) as session:
        for phone in phones:
            row = session.get(KnownPhone, phone)
            if row is not None:
                session.delete(row)
        session.commit()
    return phones


def list_known_phones(engine: Engine) -> list[KnownPhone]:
    with Session(engine) as session:
        return list(session.exec(select(KnownPhone).order_by(KnownPhone.phone)).all())


def _normalized(numbers: list[str]) -> list[str]:
    phones = []
    for number in numbers:
        phone = normalize_phone(number)
        if phone is None:
            raise BadPhone(f"not a US phone number: {number!r}")
        phones.append(phone)
    return phones
