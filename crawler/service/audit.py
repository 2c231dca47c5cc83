"""The audit log: every write, with who made it."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from crawler.service.tables import AuditEntry

__all__ = ["record"]


def record(session: Session, actor: str, action: str, target: str, detail: dict[str, Any]) -> None:
    """Add an entry in the caller's transaction: it is kept only if the write is."""
    session.add(AuditEntry(actor=actor, action=action, target=target, detail=detail))
