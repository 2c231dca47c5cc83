"""Path and query parameters shared by the routes, bounded so that no value the schema
allows can reach the database out of range (a 64-bit integer column, SQLite's and
PostgreSQL's alike): a larger id is a 422 naming the parameter, never a 500."""

from typing import Annotated

from fastapi import Path, Query

__all__ = ["MAX_ID", "Offset", "RowId"]

MAX_ID = 2**63 - 1
"""The largest value of a 64-bit signed integer column."""

RowId = Annotated[int, Path(ge=1, le=MAX_ID, description="A row's id.")]
Offset = Annotated[int, Query(ge=0, le=MAX_ID, description="Rows to skip.")]
