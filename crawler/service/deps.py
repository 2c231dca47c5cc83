"""FastAPI dependencies shared by the API's routers: a database session per request, the
storages crawls are read from, and the caller's token checked against the role a route needs
(401 without one, 403 if too weak)."""

from collections.abc import Awaitable, Callable, Iterator
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request
from sqlalchemy.orm import Session

from crawler.service.auth import Role, allows, authenticate
from crawler.service.db import Database
from crawler.service.storages import Storages
from crawler.service.tables import ApiToken

__all__ = ["Admin", "Reader", "SessionDep", "StoragesDep", "Writer"]


def _session(request: Request) -> Iterator[Session]:
    database: Database = request.app.state.database
    with database.transaction() as session:
        yield session


SessionDep = Annotated[Session, Depends(_session)]


def _storages(request: Request) -> Storages:
    storages: Storages = request.app.state.storages
    return storages


StoragesDep = Annotated[Storages, Depends(_storages)]


def _caller(needed: Role) -> Callable[..., Awaitable[ApiToken]]:
    """A dependency: the token of the request, if its role allows ``needed`` (else 401/403)."""

    async def check(
        session: SessionDep, authorization: Annotated[str | None, Header()] = None
    ) -> ApiToken:
        scheme, _, secret = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not secret:
            raise HTTPException(
                401,
                "give a token: Authorization: Bearer <token>",
                {"WWW-Authenticate": "Bearer"},
            )
        token = authenticate(session, secret.strip())
        if token is None:
            raise HTTPException(401, "unknown or revoked token", {"WWW-Authenticate": "Bearer"})
        if not allows(token.role, needed):
            raise HTTPException(403, f"this needs the {needed} role; the token is {token.role}")
        return token

    return check


Reader = Annotated[ApiToken, Depends(_caller("researcher"))]
Writer = Annotated[ApiToken, Depends(_caller("archivist"))]
Admin = Annotated[ApiToken, Depends(_caller("admin"))]
