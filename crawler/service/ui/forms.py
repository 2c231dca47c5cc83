"""HTML forms (``application/x-www-form-urlencoded``), read without a multipart parser."""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import Request

from crawler.service.errors import ServiceError

__all__ = ["read_form"]

_LIMIT = 1_000_000


async def read_form(request: Request) -> dict[str, str]:
    """The form's fields (the last value of each), UTF-8."""
    body = await request.body()
    if len(body) > _LIMIT:
        raise ServiceError(f"form over {_LIMIT} bytes")
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        raise ServiceError("the form is not UTF-8") from None
    return {name: values[-1] for name, values in fields.items()}
