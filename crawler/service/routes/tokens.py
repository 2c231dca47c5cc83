"""``/tokens``: API tokens (admins only); a secret is shown once, at creation."""

from fastapi import APIRouter, Request
from sqlalchemy import select

from crawler.service.auth import create_token, revoke_token
from crawler.service.deps import Admin, SessionDep
from crawler.service.schemas import TokenIn, TokenOut
from crawler.service.tables import ApiToken

__all__ = ["router"]

router = APIRouter(tags=["tokens"])


def _out(token: ApiToken, secret: str | None = None) -> TokenOut:
    return TokenOut.model_validate(token).model_copy(update={"token": secret})


@router.post("/tokens", status_code=201)
def new_token(body: TokenIn, current: SessionDep, token: Admin) -> TokenOut:
    """Create a token; its secret is in this response only."""
    created, secret = create_token(current, body.name, body.role, token.name)
    return _out(created, secret)


@router.get("/tokens")
def list_tokens(current: SessionDep, _token: Admin) -> list[TokenOut]:
    return [_out(t) for t in current.scalars(select(ApiToken).order_by(ApiToken.name))]


@router.delete("/tokens/{name}")
def delete_token(name: str, request: Request, current: SessionDep, token: Admin) -> TokenOut:
    """Revoke a token (kept, marked revoked): refused at once by this API process, within
    10 seconds by the others."""
    revoked = _out(revoke_token(current, name, token.name))
    request.app.state.tokens.forget()
    return revoked
