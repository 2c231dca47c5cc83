"""API tokens and roles. Tokens are shown once at creation; only their SHA-256 is stored.

Roles: ``researcher`` reads; ``archivist`` also manages jobs, schedules and runs; ``admin``
also manages tokens.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.service.audit import record
from crawler.service.errors import ConflictError, InvalidError, NotFoundError
from crawler.service.tables import ApiToken, utcnow

__all__ = ["ROLES", "Role", "allows", "authenticate", "create_token", "revoke_token"]

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


def authenticate(session: Session, secret: str) -> ApiToken | None:
    """The live token with this secret, its last use updated; None if unknown or revoked."""
    token = session.scalar(select(ApiToken).where(ApiToken.token_sha256 == _digest(secret)))
    if token is None or token.revoked_at is not None:
        return None
    token.last_used_at = utcnow()
    return token


def revoke_token(session: Session, name: str, actor: str) -> ApiToken:
    token = session.scalar(select(ApiToken).where(ApiToken.name == name))
    if token is None:
        raise NotFoundError(f"no token named {name!r}")
    token.revoked_at = token.revoked_at or utcnow()
    record(session, actor, "token.revoke", f"token:{name}", {})
    return token
