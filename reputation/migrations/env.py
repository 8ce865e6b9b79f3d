"""Alembic environment: runs against the engine handed over in ``config.attributes``.

SQLite alters a table by copying it (Alembic's batch mode), which a foreign key pointing at the table
would refuse: foreign keys are off while migrating (SQLite only honours the switch outside a
transaction), and checked once the migration is done.
"""

from alembic import context
from sqlmodel import SQLModel

import reputation.models  # noqa: F401  (registers the tables on SQLModel.metadata)

engine = context.config.attributes["engine"]
sqlite = engine.dialect.name == "sqlite"
with engine.connect() as connection:
    if sqlite:
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()
    context.configure(connection=connection, target_metadata=SQLModel.metadata, render_as_batch=sqlite)
    with connection.begin():
        context.run_migrations()
        if sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"the migration left rows pointing at nothing: {broken[:5]}")
    if sqlite:
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()
