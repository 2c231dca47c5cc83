"""Errors of the service layer; the API turns each into its HTTP status with the same message."""

from __future__ import annotations

__all__ = [
    "ConfigurationError",
    "ConflictError",
    "InvalidError",
    "NotFoundError",
    "Problem",
    "ServiceError",
]

Problem = tuple[str, int | None, str]
"""``(field, line, message)``: one thing wrong with a request, field dotted (``seeds.feeds.0``)."""


class ConfigurationError(Exception):
    """The service cannot start: a bad environment variable, an unreachable database.

    Defined here, with no heavy imports, so that the CLI can catch it without loading
    SQLAlchemy into every crawl process."""


class ServiceError(Exception):
    status = 400

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problems = problems or []


class NotFoundError(ServiceError):
    status = 404


class ConflictError(ServiceError):
    """The request is valid but the current state refuses it (an active run, a taken name)."""

    status = 409


class InvalidError(ServiceError):
    """Field-level problems with the request body or parameters."""

    status = 422
