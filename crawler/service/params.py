"""Path and query parameters shared by the routes, bounded so that no value the schema
allows can reach the database out of range (a 64-bit integer column, SQLite's and
PostgreSQL's alike): a larger id is a 422 naming the parameter, never a 500."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import Path, Query, Request

from crawler.service.errors import InvalidError

__all__ = [
    "DATE_PREFIX",
    "MAX_ID",
    "TIMESTAMP",
    "Moment",
    "Offset",
    "RowId",
    "moment",
    "refuse_unknown_query",
]

MAX_ID = 2**63 - 1
"""The largest value of a 64-bit signed integer column."""

RowId = Annotated[int, Path(ge=1, le=MAX_ID, description="A row's id.")]
Offset = Annotated[int, Query(ge=0, le=MAX_ID, description="Rows to skip.")]

TIMESTAMP = r"^[0-9]{1,14}$"
"""A capture time, or its prefix: 1 to 14 digits of ``YYYYMMDDhhmmss``."""
DATE_PREFIX = r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$"
"""A date or its prefix: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``."""

_RFC3339 = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})$"
)
Moment = Annotated[
    str | None,
    Query(
        pattern=_RFC3339,
        json_schema_extra={"format": "date-time"},
        description="An RFC 3339 time with its zone, e.g. 2026-11-23T10:00:00Z.",
    ),
]
"""A time with its zone, as text (pydantic would take ``1`` for 1970)."""


def moment(value: str, name: str) -> datetime:
    """The :data:`Moment` parameter ``name`` as a time (422 naming it if no such time)."""
    try:
        return datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidError(f"{name}: {value!r}: {exc}", [(name, None, str(exc))]) from None


def _is_list(schema: dict[str, Any]) -> bool:
    options = schema.get("anyOf", [schema])
    return any(option.get("type") == "array" for option in options)


def _query_names(app: Any) -> dict[tuple[str, str], dict[str, bool]]:
    """Each operation's documented query parameters (name: repeatable?), from the app's
    OpenAPI document."""
    names = getattr(app.state, "query_names", None)
    if names is None:
        names = {
            (path, method.upper()): {
                p["name"]: _is_list(p.get("schema", {}))
                for p in operation.get("parameters", [])
                if p["in"] == "query"
            }
            for path, operations in app.openapi()["paths"].items()
            for method, operation in operations.items()
        }
        app.state.query_names = names
    return names


def refuse_unknown_query(request: Request) -> None:
    """A query parameter the route does not take is refused (422 naming it), not ignored:
    ``?limt=5`` or ``?form=2024`` would otherwise answer as if it had not been asked; so is
    a single-valued one given twice (``?crawl=a&crawl=b``: which?). Routes that end with an
    archived URL (``{url:path}``) keep its query string as part of it and are not checked."""
    route = request.scope.get("route")
    path = getattr(route, "path", "")
    if not path or ":path}" in path:
        return
    known = _query_names(request.app).get((path, request.method))
    if known is None:
        return
    given = [name for name, _ in request.query_params.multi_items()]
    unknown = sorted(set(given) - set(known))
    if unknown:
        choices = ", ".join(sorted(known)) or "none"
        raise InvalidError(
            f"unknown query parameter(s): {', '.join(unknown)} (this route takes: {choices})",
            [(name, None, "unknown query parameter") for name in unknown],
        )
    repeated = sorted({n for n in given if given.count(n) > 1 and not known[n]})
    if repeated:
        raise InvalidError(
            f"given more than once: {', '.join(repeated)}",
            [(name, None, "give it once") for name in repeated],
        )
