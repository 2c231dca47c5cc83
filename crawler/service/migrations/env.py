"""Alembic environment: migrations run on the connection :mod:`crawler.service.db` gives."""

from __future__ import annotations

from alembic import context

from crawler.service.tables import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - the service always passes its connection
    raise RuntimeError("run migrations through crawler.service.db.Database.upgrade()")
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copy
)
with context.begin_transaction():
    context.run_migrations()
