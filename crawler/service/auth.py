"""API tokens and roles. Tokens are shown once at creation; only their SHA-256 is stored.

Roles: ``researcher`` reads; ``archivist`` also manages jobs, schedules and runs; ``admin``
also manages tokens.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from crawler.service.audit import record
from crawler.service.db import Database
from crawler.service.errors import ConflictError, InvalidError, NotFoundError
from crawler.service.tables import ApiToken, utcnow

__all__ = ["ROLES", "Caller", "Role", "TokenCheck", "allows", "create_token", "revoke_token"]

Role = Literal["admin", "archivist", "researcher"]
ROLES: tuple[Role, ...] = ("admin", "archivist", "researcher")
_RANK = {"researcher": 0, "archivist": 1, "admin": 2}
_PREFIX = "nac_"


def allows(role: str, needed: Role) -> bool:
    """Whether a token of ``role`` may do what ``needed`` may."""
    return _RANK.get(role, -1) >= _RANK[needed]


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, name: str, role: str, actor: str) -> tuple[ApiToken, str]:
    """A new token; returns the row and the secret (never stored, never shown again)."""
    if role not in ROLES:
        raise InvalidError(f"unknown role {role!r}", [("role", None, f"one of {', '.join(ROLES)}")])
    if not name.strip():
        raise InvalidError("a token needs a name", [("name", None, "who or what holds the token")])
    if session.scalar(select(ApiToken.id).where(ApiToken.name == name)) is not None:
        raise ConflictError(f"a token named {name!r} exists")
    secret = _PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(name=name, role=role, token_sha256=_digest(secret), created_by=actor)
    session.add(token)
    session.flush()
    record(session, actor, "token.create", f"token:{name}", {"role": role})
    return token, secret


@dataclass(frozen=True)
class Caller:
    """Who made a request: the name and role of a live token."""

    name: str
    role: str


_FRESH = 10.0
"""Seconds an answer about a token is reused: a revoked token is refused within this long
by every API process (at once by the one that revoked it)."""
_LAST_USE_EVERY = 60.0
"""Seconds between two writes of a token's ``last_used_at`` (not one write per request)."""


class TokenCheck:
    """Checks tokens against the database, remembering answers for a few seconds, so that a
    burst of requests (good or bad tokens) costs a lookup, not a transaction, each."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._known: dict[str, tuple[Caller | None, float]] = {}
        self._written: dict[str, float] = {}
        self._lock = threading.Lock()

    def caller(self, secret: str) -> Caller | None:
        """The live token with this secret, or None (unknown or revoked). Blocking: call it
        from a worker thread, not the event loop."""
        digest = _digest(secret)
        now = time.monotonic()
        with self._lock:
            known = self._known.get(digest)
        if known is not None and known[1] > now:
            return known[0]
        with self.database.session() as session:
            row = session.execute(
                select(ApiToken.name, ApiToken.role, ApiToken.revoked_at).where(
                    ApiToken.token_sha256 == digest
                )
            ).first()
        caller = Caller(row.name, row.role) if row and row.revoked_at is None else None
        with self._lock:
            if len(self._known) > 10_000:  # a flood of made-up tokens: forget, do not grow
                self._known.clear()
            self._known[digest] = (caller, now + _FRESH)
        if caller is not None:
            self._note_use(digest, now)
        return caller

    def _note_use(self, digest: str, now: float) -> None:
        with self._lock:
            if self._written.get(digest, 0.0) > now - _LAST_USE_EVERY:
                return
            self._written[digest] = now
        with self.database.transaction() as session:
            session.execute(
                update(ApiToken)
                .where(ApiToken.token_sha256 == digest)
                .values(last_used_at=utcnow())
            )

    def forget(self) -> None:
        """Drop every remembered answer (a token was revoked here)."""
        with self._lock:
            self._known.clear()


def revoke_token(session: Session, name: str, actor: str) -> ApiToken:
    token = session.scalar(select(ApiToken).where(ApiToken.name == name))
    if token is None:
        raise NotFoundError(f"no token named {name!r}")
    token.revoked_at = token.revoked_at or utcnow()
    record(session, actor, "token.revoke", f"token:{name}", {})
    return token
