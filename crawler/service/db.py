"""The service database: SQLite file by default (zero setup), PostgreSQL when configured.

Every process (API, scheduler, workers, CLI) opens it through :func:`open_database`, which
brings the schema up to date with Alembic first (under a lock, so that processes starting
together migrate once).
"""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from crawler.service.errors import ConfigurationError

__all__ = ["Database", "DatabaseError", "open_database"]

_MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_PG_MIGRATION_LOCK = 4_242_001  # pg_advisory_lock key held while migrating


class DatabaseError(ConfigurationError, RuntimeError):
    """The database URL is unusable or the database cannot be reached."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers do not block the writer
    cursor.execute("PRAGMA busy_timeout=15000")  # writers queue instead of failing
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


class Database:
    def __init__(self, url: str) -> None:
        try:
            parsed = make_url(url)
        except Exception as exc:
            raise DatabaseError(f"DATABASE_URL {url!r} is not a database URL: {exc}") from exc
        if parsed.get_backend_name() not in ("sqlite", "postgresql"):
            raise DatabaseError(
                f"DATABASE_URL {url!r}: only sqlite:/// and postgresql:// are supported"
            )
        if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        self.url = parsed
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        if self.is_sqlite and parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = create_engine(parsed, pool_pre_ping=True)
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def session(self) -> Session:
        return self._sessions()

    @property
    def request_sessions(self) -> int:
        """How many API requests may hold a session at once: the connection pool's size
        (with its overflow), less a few for token checks and readiness probes."""
        pool: Any = self.engine.pool
        size = getattr(pool, "size", lambda: 5)() + getattr(pool, "_max_overflow", 10)
        return max(1, size - 5)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session committed at the end of the block, rolled back on error."""
        with self._sessions.begin() as session:
            yield session

    def describe(self) -> str:
        """The URL without its password, for logs."""
        return self.url.render_as_string(hide_password=True)

    def upgrade(self) -> None:
        """Apply pending Alembic migrations (once, even with several processes starting)."""
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(_MIGRATIONS))
        with self._migration_lock() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    @contextlib.contextmanager
    def _migration_lock(self) -> Iterator[Any]:
        if self.is_sqlite:
            lock_path = Path(f"{self.url.database or 'memory'}.migrate.lock")
            with lock_path.open("a") as lock, self.engine.begin() as connection:
                fcntl.flock(lock, fcntl.LOCK_EX)
                yield connection
            return
        with self.engine.connect() as connection:
            connection.execute(text(f"SELECT pg_advisory_lock({_PG_MIGRATION_LOCK})"))
            connection.commit()  # the lock is held by the session, outside transactions
            try:
                with connection.begin():
                    yield connection
            finally:
                connection.execute(text(f"SELECT pg_advisory_unlock({_PG_MIGRATION_LOCK})"))
                connection.commit()

    def check(self) -> None:
        """Raise :class:`DatabaseError` unless the database answers."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:
            raise DatabaseError(f"database {self.describe()} unreachable: {exc}") from exc


def open_database(url: str, migrate: bool = True) -> Database:
    """Open (and by default migrate) the database at ``url``."""
    database = Database(url)
    if migrate:
        try:
            database.upgrade()
        except DatabaseError:
            raise
        except Exception as exc:
            raise DatabaseError(f"cannot prepare database {database.describe()}: {exc}") from exc
    return database
