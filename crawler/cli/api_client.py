"""A small client of the HTTP API, for the CLI (``crawler jobs|schedules|runs``)."""

from __future__ import annotations

from typing import Any

import httpx

from crawler.service.errors import ServiceError

__all__ = ["ApiClient"]


class ApiClient:
    def __init__(self, base_url: str, token: str | None, timeout: float = 30.0) -> None:
        if not token:
            raise ServiceError(
                "no API token: set CRAWLER_TOKEN (an admin creates one with "
                "`crawler tokens create NAME --role archivist`)"
            )
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout,
        )

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise ServiceError(
                f"cannot reach the API at {self.base_url} ({exc}); is `crawler serve` running? "
                "(CRAWLER_API_URL says where)"
            ) from None
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = {"detail": response.text[:500]}
            problems = [
                (p.get("field", ""), p.get("line"), p.get("message", ""))
                for p in body.get("problems", [])
            ]
            raise ServiceError(f"{response.status_code}: {body.get('detail')}", problems)
        return response.json() if response.content else None

    def close(self) -> None:
        self._http.close()
