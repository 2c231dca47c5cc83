"""HTTP methods as a mature server answers them: ``HEAD`` wherever ``GET`` is (the same
status and headers, no body: Memento clients and link checkers probe with it), and a
``405`` whose ``Allow`` lists every method of the path, not only the first route's."""

from __future__ import annotations

from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["HeadAsGet", "allowed_methods"]


_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(routes: list[BaseRoute], scope: Scope) -> list[str]:
    """Every method some route answers on the scope's path (``HEAD`` with ``GET``): each
    method tried on each route, so that included routers are asked too."""
    methods = {
        method
        for method in _METHODS
        for route in routes
        if route.matches({**scope, "method": method})[0] == Match.FULL
    }
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


class HeadAsGet:
    """Serves ``HEAD`` as the ``GET`` of the same URL with the body left out."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if not message.get("more_body", False):
                    await send({"type": "http.response.body", "body": b""})
                return
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)
