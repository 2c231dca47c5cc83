"""Databases for service tests: a fresh SQLite file, or a fresh database on the machine's
PostgreSQL (127.0.0.1:5432, trust auth; ``TEST_POSTGRES_URL`` to point elsewhere)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from crawler.service.db import Database, open_database

POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@contextmanager
def postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database for the duration of the block; its URL."""
    name = f"crawler_test_{secrets.token_hex(4)}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        pytest.fail(
            f"PostgreSQL at {POSTGRES_ADMIN_URL} is needed by this test and did not answer "
            f"({exc}); start it (see README: Running the tests) or set TEST_POSTGRES_URL"
        )
    try:
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def service_database(kind: str, folder: Path) -> Iterator[Database]:
    """A migrated database of ``kind`` (``sqlite`` or ``postgresql``)."""
    if kind == "sqlite":
        database = open_database(f"sqlite:///{folder / 'crawler.db'}")
        yield database
        database.engine.dispose()
        return
    with postgres_database() as url:
        database = open_database(url)
        yield database
        database.engine.dispose()
