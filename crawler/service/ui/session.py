"""Signing in to the web interface: the API token, kept in a cookie the page's scripts
cannot read (``HttpOnly``), sent only to this site (``SameSite=Strict``) and only over a
secure context (``Secure``; browsers count ``http://127.0.0.1`` and ``localhost`` as one).

Every form carries a CSRF token derived from the session's token (SHA-256 of a fixed
label and the token): a page of another site can neither read it nor compute it, and every
API process computes the same one. Tokens never appear in URLs or logs.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from crawler.service.auth import Caller, Role, TokenCheck, allows
from crawler.service.deps import request_session

__all__ = [
    "COOKIE",
    "SignInNeededError",
    "SignedIn",
    "UiCaller",
    "UiSession",
    "UiStreamingSession",
    "check_csrf",
    "csrf_token",
    "sign_in_url",
    "signed_in",
]

COOKIE = "nac_session"


@dataclass(frozen=True)
class SignedIn:
    caller: Caller
    token: str

    @property
    def csrf(self) -> str:
        return csrf_token(self.token)

    def can(self, needed: Role) -> bool:
        return allows(self.caller.role, needed)


def csrf_token(token: str) -> str:
    return hashlib.sha256(b"news-archive-ui-csrf\0" + token.encode()).hexdigest()[:40]


def check_csrf(user: SignedIn, sent: str | None) -> None:
    if not sent or not hmac.compare_digest(sent, user.csrf):
        raise HTTPException(403, "the form has expired or came from another site: reload it")


class SignInNeededError(Exception):
    """No valid session: the page redirects to the sign-in form."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


async def signed_in(request: Request) -> SignedIn:
    token = request.cookies.get(COOKIE, "")
    if token:
        tokens: TokenCheck = request.app.state.tokens
        caller = await run_in_threadpool(tokens.caller, token)
        if caller is not None:
            return SignedIn(caller, token)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    raise SignInNeededError(target)


UiCaller = Annotated[SignedIn, Depends(signed_in)]


async def _ui_session(request: Request, _user: UiCaller) -> AsyncIterator[Session]:
    async with request_session(request) as session:
        yield session


UiSession = Annotated[Session, Depends(_ui_session, scope="function")]
"""A database session, opened once the cookie's token is known to be good, committed
before the response leaves (the page a redirect leads to sees the change)."""
UiStreamingSession = Annotated[Session, Depends(_ui_session, scope="request")]
"""For a streamed download: closed after the response."""


def sign_in_url(next_path: str) -> str:
    return f"/ui/sign-in?next={quote(next_path, safe='')}"
