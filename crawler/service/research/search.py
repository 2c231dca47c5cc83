"""Article search: full text (FTS5 on SQLite, tsvector on PostgreSQL) with filters."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import Select, func, select, text
from sqlalchemy.orm import Session

from crawler.articles.relevance import normalise
from crawler.service.errors import InvalidError
from crawler.service.tables import ArticleRow

__all__ = ["SORTS", "ArticleQuery", "find_articles", "months_of"]

SORTS = ("-published", "published", "-captured", "captured")
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def _invalid(name: str, message: str) -> InvalidError:
    return InvalidError(f"{name}: {message}", [(name, None, message)])


def _date(value: str | None, name: str, upper: bool) -> str | None:
    if value is None:
        return None
    if not _DATE.match(value):
        raise _invalid(name, f"{value!r} is not a date: YYYY, YYYY-MM or YYYY-MM-DD")
    if len(value) == 10:
        return value
    return value + ("-99" if upper else "-00") * ((10 - len(value)) // 3)


@dataclass(frozen=True)
class ArticleQuery:
    q: str | None = None
    """Words that must all appear in the title or text (case and accents ignored)."""
    published_from: str | None = None
    published_to: str | None = None
    site: str | None = None
    language: str | None = None
    on_topic: bool | None = None
    crawl: str | None = None
    author: str | None = None
    sort: str = "-published"
    limit: int = 50
    offset: int = 0

    def __post_init__(self) -> None:
        if self.sort not in SORTS:
            raise _invalid("sort", f"{self.sort!r}: one of {', '.join(SORTS)}")
        object.__setattr__(self, "published_from", _date(self.published_from, "from", False))
        object.__setattr__(self, "published_to", _date(self.published_to, "to", True))
        if self.q is not None and not normalise(self.q):
            raise _invalid("q", "no words to search for")

    def statement(self, dialect: str) -> Select[ArticleRow]:
        query = select(ArticleRow)
        if self.q:
            words = normalise(self.q).split()
            if dialect == "postgresql":
                matches = text("articles.search @@ plainto_tsquery('simple', :words)")
                query = query.where(matches.bindparams(words=" ".join(words)))
            else:
                match = " ".join('"' + word.replace('"', "") + '"' for word in words)
                matching = text("SELECT rowid FROM articles_fts WHERE articles_fts MATCH :match")
                query = query.where(ArticleRow.id.in_(matching.bindparams(match=match)))
        if self.published_from:
            query = query.where(ArticleRow.published >= self.published_from)
        if self.published_to:
            query = query.where(ArticleRow.published <= self.published_to)
        if self.site:
            query = query.where(ArticleRow.site == self.site.lower().removeprefix("www."))
        if self.language:
            query = query.where(ArticleRow.language == self.language.lower())
        if self.on_topic is not None:
            query = query.where(ArticleRow.on_topic.is_(self.on_topic))
        if self.crawl:
            query = query.where(ArticleRow.crawl_id == self.crawl)
        if self.author:
            query = query.where(func.lower(ArticleRow.authors).contains(self.author.lower()))
        column = ArticleRow.published if self.sort.endswith("published") else ArticleRow.captured_at
        order = column.desc() if self.sort.startswith("-") else column.asc()
        return query.order_by(order, ArticleRow.id)


def find_articles(session: Session, query: ArticleQuery, page: bool = True) -> Iterator[ArticleRow]:
    """Matching articles in the query's order (one page, or all of them for exports)."""
    dialect = session.get_bind().dialect.name
    statement = query.statement(dialect)
    if page:
        statement = statement.limit(query.limit).offset(query.offset)
    yield from session.scalars(statement.execution_options(yield_per=500))


def months_of(session: Session, query: ArticleQuery) -> list[tuple[str, int]]:
    """How many articles the query matches, by month of publication (``YYYY-MM``; ``?`` for
    those without a date), oldest first: counted by the database, not by reading them."""
    dialect = session.get_bind().dialect.name
    matching = (
        query.statement(dialect).order_by(None).with_only_columns(ArticleRow.published).subquery()
    )
    month = func.coalesce(func.substr(matching.c.published, 1, 7), "?")
    rows = session.execute(select(month, func.count()).group_by(month).order_by(month))
    return [(str(m), int(n)) for m, n in rows]
