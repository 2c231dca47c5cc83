"""The web interface's routes, and what a page does when its visitor is not signed in (a
redirect to the sign-in form) or a request fails (an HTML page, not JSON)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from crawler.service.ui import archivist, pages, research
from crawler.service.ui.render import page
from crawler.service.ui.session import SignInNeededError, sign_in_url

__all__ = ["install"]


def install(app: FastAPI) -> None:
    """Add the UI's pages to the app."""
    for module in (pages, archivist, research):
        app.include_router(module.router)

    @app.exception_handler(SignInNeededError)
    async def sign_in_first(_request: Request, exc: SignInNeededError) -> Response:
        return RedirectResponse(sign_in_url(exc.next_path), status_code=303)


def is_ui(request: Request) -> bool:
    return request.url.path.startswith("/ui/") and not request.url.path.endswith(".json")


def error_page(
    request: Request, status: int, detail: str, problems: list[dict[str, object]]
) -> Response:
    """A failed UI request, as a page (the API's routes answer JSON)."""
    titles = {403: "Not allowed", 404: "Not found", 409: "Not now"}
    return page(
        request,
        "error.html",
        status_code=status,
        title=titles.get(status, "Cannot do that"),
        detail=detail,
        problems=problems,
        user=None,
    )
