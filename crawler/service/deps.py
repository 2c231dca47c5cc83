"""FastAPI dependencies shared by the API's routers: the caller's token checked against the
role a route needs (401 without one, 403 if too weak), a database session per request, the
storages crawls are read from.

The token is checked first, in a worker thread (the check may query the database), from
remembered answers when it can: a burst of requests with bad tokens costs no database
session each and never blocks the event loop (``/health`` keeps answering). A request's
session is opened only once its token is known to be good.
"""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from crawler.service.auth import Caller, Role, TokenCheck, allows
from crawler.service.db import Database
from crawler.service.storages import Storages

__all__ = [
    "Admin",
    "Reader",
    "SessionDep",
    "StoragesDep",
    "StreamingSessionDep",
    "Writer",
    "request_session",
]

_bearer = HTTPBearer(auto_error=False, description="An API token: `crawler tokens create`.")


def _caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    """The request's token, checked (a plain ``def``: FastAPI runs it in a worker thread)."""
    if credentials is None or not credentials.credentials.strip():
        raise HTTPException(
            401, "give a token: Authorization: Bearer <token>", {"WWW-Authenticate": "Bearer"}
        )
    tokens: TokenCheck = request.app.state.tokens
    caller = tokens.caller(credentials.credentials.strip())
    if caller is None:
        raise HTTPException(401, "unknown or revoked token", {"WWW-Authenticate": "Bearer"})
    return caller


CallerDep = Annotated[Caller, Depends(_caller)]


@asynccontextmanager
async def request_session(request: Request) -> AsyncIterator[Session]:
    """A session for the request, committed after it (rolled back on error). At most as many
    requests hold one as the database's connection pool allows (the rest wait here, on the
    event loop, not in worker threads): a session left waiting for a thread while it holds a
    connection cannot starve the requests that would free one. Open it only once the
    caller is known (a token, a signed-in cookie)."""
    database: Database = request.app.state.database
    gate: asyncio.Semaphore = request.app.state.sessions
    async with gate:
        session = database.session()  # no connection until the route's first query
        try:
            yield session
            await run_in_threadpool(session.commit)
        except BaseException:
            await run_in_threadpool(session.rollback)
            raise
        finally:
            await run_in_threadpool(session.close)


async def _session(request: Request, _checked: CallerDep) -> AsyncIterator[Session]:
    async with request_session(request) as session:
        yield session


SessionDep = Annotated[Session, Depends(_session, scope="function")]
"""The request's session, committed when the route returns and before the response leaves:
a client that follows it at once (a redirect, a GET after a POST) sees what it did."""
StreamingSessionDep = Annotated[Session, Depends(_session, scope="request")]
"""For a streamed answer (an export read as it is sent): closed after the response."""


def _storages(request: Request) -> Storages:
    storages: Storages = request.app.state.storages
    return storages


StoragesDep = Annotated[Storages, Depends(_storages)]


def _role(needed: Role) -> Callable[[Caller], Caller]:
    """A dependency: the caller, if its role allows ``needed`` (else 403)."""

    def check(caller: CallerDep) -> Caller:
        if not allows(caller.role, needed):
            raise HTTPException(403, f"this needs the {needed} role; the token is {caller.role}")
        return caller

    return check


Reader = Annotated[Caller, Depends(_role("researcher"))]
Writer = Annotated[Caller, Depends(_role("archivist"))]
Admin = Annotated[Caller, Depends(_role("admin"))]
