"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import reputation.models  # noqa: F401


def test_migrated_schema_matches_the_models(engine):
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert diff == []


def test_opening_an_existing_database_again_keeps_its_data(db_url):
    from sqlmodel import Session, select

    from reputation.db import _migrated, get_engine
    from reputation.models import Physician
    from datetime import UTC, datetime

    engine = get_engine(db_url)
    with Session(engine) as s:
        s.add(Physician(npi="1234567893", first_name="A", last_name="B", updated_at=datetime.now(UTC)))
        s.commit()
    _migrated.clear()  # as a new process would: run the upgrade again
    with Session(get_engine(db_url)) as s:
        assert s.exec(select(Physician.npi)).all() == ["1234567893"]
