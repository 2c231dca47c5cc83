"""Capture index queries, as pywb's CDXJ server API has them.

``url`` with ``matchType`` ``exact`` (default), ``prefix`` (or a trailing ``*``), ``host`` or
``domain`` (or a leading ``*.``); ``from`` / ``to`` timestamps (1-14 digits, padded);
``limit`` (0: no limit); ``sort=reverse``, or ``closest=<ts>`` (nearest first, with or
without ``sort=closest``); ``filter`` (repeatable: ``[!][=|~]field:expression``; a digest
matches with or without its ``sha1:``); ``fl`` (fields); ``output`` ``cdxj`` (default),
``json`` (NDJSON), ``link`` (a Memento TimeMap) or ``text``. Bad parameters: 400, as pywb.

``tests/test_cdx_parity.py`` checks these answers against pywb's own on the same index.
"""

from __future__ import annotations

import calendar
import importlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import surt
from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from crawler.service.errors import InvalidError
from crawler.service.tables import CaptureRow

__all__ = [
    "FIELDS",
    "CdxQuery",
    "closest_capture",
    "find_captures",
    "http_date",
    "render",
    "timestamp_bound",
    "urlkey",
]

FIELDS = ("urlkey", "timestamp", "url", "mime", "status", "digest", "length", "offset", "filename")
_MATCH_TYPES = ("exact", "prefix", "host", "domain")
_OUTPUTS = ("cdxj", "json", "link", "text")
_FILTER = re.compile(r"^(?P<neg>!)?(?P<mod>[=~])?(?P<field>[a-z]+):(?P<expr>.*)$", re.DOTALL)


_regex_parser: Any = importlib.import_module("re._parser")  # the stdlib's own (no stubs)
_MAX_REGEX = 200
_REPEATS = ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")


def regex_problem(pattern: str) -> str | None:
    """Why a ``~`` filter's regular expression is refused, or None. Python's engine
    backtracks: a repeated group that itself repeats or offers choices (``(.|.){0,24}!``,
    ``(a+)+``) can take exponential time on one value, stalling the whole API. Such patterns,
    and patterns over 200 characters, are refused (400); the rest run in linear-ish time."""
    if len(pattern) > _MAX_REGEX:
        return f"a regular expression of at most {_MAX_REGEX} characters"
    try:
        parsed = _regex_parser.parse(pattern)
    except re.error as exc:
        return f"bad regular expression: {exc}"
    if _nested_repeat(parsed, inside_repeat=False):
        return (
            "a repeated group may not itself repeat or hold alternatives "
            "(the engine would backtrack for minutes): write it without nesting"
        )
    return None


def _nested_repeat(items: Any, inside_repeat: bool) -> bool:
    for op, arg in items:
        name = str(op)
        if name in _REPEATS:
            body = arg[2]
            if inside_repeat or _complex(body):
                return True
            if _nested_repeat(body, inside_repeat=True):
                return True
        elif (name == "SUBPATTERN" and _nested_repeat(arg[-1], inside_repeat)) or (
            name == "BRANCH" and any(_nested_repeat(b, inside_repeat) for b in arg[1])
        ):
            return True
    return False


def _complex(body: Any) -> bool:
    """A repeated body that can match in several ways: alternatives or repeats inside."""
    for op, arg in body:
        name = str(op)
        if name in (*_REPEATS, "BRANCH"):
            return True
        if name == "SUBPATTERN" and _complex(arg[-1]):
            return True
    return False


class CdxParameterError(InvalidError):
    """A bad CDX query parameter: 400, as pywb's CDX server answers."""

    status = 400


def _invalid(field_name: str, message: str) -> InvalidError:
    return CdxParameterError(f"{field_name}: {message}", [(field_name, None, message)])


def _digest(value: str) -> str:
    """A payload digest without its algorithm prefix (pywb matches both forms)."""
    return value.split(":", 1)[1] if value.startswith("sha1:") else value


def urlkey(url: str) -> str:
    """The SURT key the CDXJ indexer gives ``url``."""
    try:
        return str(surt.surt(url))
    except Exception as exc:
        raise _invalid("url", f"{url!r} is not a URL: {exc}") from None


def timestamp_bound(value: str, upper: bool, name: str) -> int:
    """A 1-14 digit timestamp as the lowest (or highest) 14-digit number it stands for."""
    if not re.fullmatch(r"\d{1,14}", value):
        raise _invalid(name, f"{value!r} is not a timestamp: 1 to 14 digits, YYYYMMDDhhmmss")
    return int(value.ljust(14, "9" if upper else "0"))


def _as_datetime(ts: int) -> datetime:
    """The moment a 14-digit timestamp stands for; a padded bound or an impossible date
    (``20249999999999``, year 0, 30 February) is clamped to the nearest real one."""
    text = str(ts).rjust(14, "0")
    year, month, day, hour, minute, second = (
        int(text[a:b]) for a, b in ((0, 4), (4, 6), (6, 8), (8, 10), (10, 12), (12, 14))
    )
    year, month = min(max(year, 1), 9999), min(max(month, 1), 12)
    last_day = calendar.monthrange(year, month)[1]
    return datetime(
        year,
        month,
        min(max(day, 1), last_day),
        min(hour, 23),
        min(minute, 59),
        min(second, 59),
        tzinfo=UTC,
    )


def http_date(ts: int) -> str:
    return _as_datetime(ts).strftime("%a, %d %b %Y %H:%M:%S GMT")


@dataclass(frozen=True)
class _Filter:
    field: str
    expression: str
    negate: bool
    mode: str
    """``contains``, ``exact`` or ``regex``."""

    def keeps(self, values: dict[str, str]) -> bool:
        value = values.get(self.field, "")
        expression = self.expression
        if self.field == "digest":
            value, expression = _digest(value), _digest(expression)
        if self.mode == "exact":
            hit = value == expression
        elif self.mode == "regex":
            hit = re.match(self.expression, value) is not None
        else:
            hit = expression in value
        return hit != self.negate


@dataclass(frozen=True)
class CdxQuery:
    url: str
    match_type: str = "exact"
    from_ts: int | None = None
    to_ts: int | None = None
    limit: int | None = None
    sort: str | None = None
    closest: int | None = None
    filters: tuple[_Filter, ...] = ()
    fields: tuple[str, ...] = FIELDS
    output: str = "cdxj"
    crawl: str | None = field(default=None)

    @classmethod
    def parse(
        cls,
        url: str,
        match_type: str | None = None,
        from_: str | None = None,
        to: str | None = None,
        limit: int | None = None,
        sort: str | None = None,
        closest: str | None = None,
        filters: Iterable[str] = (),
        fl: str | None = None,
        output: str | None = None,
        crawl: str | None = None,
    ) -> CdxQuery:
        url = url.strip()
        if not url:
            raise _invalid("url", "give the URL to look up")
        kind = match_type or "exact"
        if url.startswith("*."):
            url, kind = url[2:], "domain"
        elif url.endswith("*"):
            url, kind = url[:-1], "prefix"
        if kind not in _MATCH_TYPES:
            raise _invalid("matchType", f"{kind!r}: one of {', '.join(_MATCH_TYPES)}")
        if limit is not None and limit < 0:
            raise _invalid("limit", "0 (no limit) or a positive number")
        if sort not in (None, "reverse", "closest"):
            raise _invalid("sort", f"{sort!r}: reverse or closest")
        if sort == "closest" and not closest:
            raise _invalid("closest", "sort=closest needs closest=<timestamp>")
        if closest and sort != "reverse":
            sort = "closest"  # pywb: closest= alone sorts by closeness
        parsed = []
        for text in filters:
            match = _FILTER.match(text)
            if not match or match["field"] not in FIELDS:
                raise _invalid(
                    "filter",
                    f"{text!r}: [!][=|~]<field>:<expression>, field one of {', '.join(FIELDS)}",
                )
            mode = {"=": "exact", "~": "regex"}.get(match["mod"] or "", "contains")
            if mode == "regex":
                problem = regex_problem(match["expr"])
                if problem:
                    raise _invalid("filter", f"{text!r}: {problem}")
            parsed.append(_Filter(match["field"], match["expr"], bool(match["neg"]), mode))
        fields = tuple(f.strip() for f in fl.split(",") if f.strip()) if fl else FIELDS
        unknown = [f for f in fields if f not in FIELDS]
        if unknown:
            raise _invalid(
                "fl", f"unknown field(s) {', '.join(unknown)}; fields: {', '.join(FIELDS)}"
            )
        if (output or "cdxj") not in _OUTPUTS:
            raise _invalid("output", f"{output!r}: one of {', '.join(_OUTPUTS)}")
        return cls(
            url=url,
            match_type=kind,
            from_ts=timestamp_bound(from_, False, "from") if from_ else None,
            to_ts=timestamp_bound(to, True, "to") if to else None,
            limit=limit or None,
            sort=sort,
            closest=timestamp_bound(closest, False, "closest") if closest else None,
            filters=tuple(parsed),
            fields=fields,
            output=output or "cdxj",
            crawl=crawl,
        )

    def key_condition(self) -> ColumnElement[bool]:
        key = urlkey(self.url if "://" in self.url else "http://" + self.url)
        if self.match_type == "exact":
            return CaptureRow.urlkey == key
        if self.match_type == "prefix":
            return _prefix(key)
        host = key.split(")", 1)[0]
        if self.match_type == "host":
            return _prefix(host + ")")
        return or_(_prefix(host + ")"), _prefix(host + ","))


def _prefix(prefix: str) -> ColumnElement[bool]:
    """``urlkey`` starts with ``prefix``, as a range (uses the index on every backend)."""
    following = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return (CaptureRow.urlkey >= prefix) & (CaptureRow.urlkey < following)


def _values(row: CaptureRow) -> dict[str, str]:
    return {
        "urlkey": row.urlkey,
        "timestamp": str(row.ts),
        "url": row.url,
        "mime": row.mime,
        "status": row.status,
        "digest": row.digest,
        "length": str(row.length),
        "offset": str(row.offset),
        "filename": row.filename,
    }


def find_captures(session: Session, query: CdxQuery) -> Iterator[CaptureRow]:
    if query.sort == "closest" and query.closest is not None:
        yield from _by_closeness(session, query)
        return
    statement = select(CaptureRow).where(query.key_condition())
    if query.crawl:
        statement = statement.where(CaptureRow.crawl_id == query.crawl)
    if query.from_ts is not None:
        statement = statement.where(CaptureRow.ts >= query.from_ts)
    if query.to_ts is not None:
        statement = statement.where(CaptureRow.ts <= query.to_ts)
    descending = query.sort == "reverse"
    order = (
        (CaptureRow.urlkey.desc(), CaptureRow.ts.desc())
        if descending
        else (CaptureRow.urlkey, CaptureRow.ts)
    )
    statement = statement.order_by(*order)
    if not query.filters and query.limit:
        statement = statement.limit(query.limit)
    found = 0
    for row in session.scalars(statement.execution_options(yield_per=1000)):
        if all(f.keeps(_values(row)) for f in query.filters):
            yield row
            found += 1
            if query.limit and found >= query.limit:
                return


def _by_closeness(session: Session, query: CdxQuery) -> Iterator[CaptureRow]:
    """Nearest to ``closest`` first: the nearest ``limit`` on each side (all without a
    limit), merged."""
    assert query.closest is not None
    want = query.limit
    base = select(CaptureRow).where(query.key_condition())
    if query.crawl:
        base = base.where(CaptureRow.crawl_id == query.crawl)
    before = base.where(CaptureRow.ts <= query.closest).order_by(CaptureRow.ts.desc())
    after = base.where(CaptureRow.ts > query.closest).order_by(CaptureRow.ts)
    target = _as_datetime(query.closest)
    cap = want * (4 if query.filters else 1) if want else None
    rows = [
        row
        for statement in (before, after)
        for row in session.scalars(statement.limit(cap))
        if all(f.keeps(_values(row)) for f in query.filters)
    ]
    rows.sort(key=lambda row: abs((_as_datetime(row.ts) - target).total_seconds()))
    yield from rows[:want] if want else rows


def closest_capture(
    session: Session, url: str, timestamp: str, crawl: str | None = None
) -> CaptureRow | None:
    """The capture of ``url`` nearest in time to ``timestamp`` (1-14 digits)."""
    query = CdxQuery.parse(url, sort="closest", closest=timestamp, limit=1, crawl=crawl)
    return next(_by_closeness(session, query), None)


def render(rows: Iterable[CaptureRow], query: CdxQuery, memento_base: str = "") -> Iterator[str]:
    """Lines in the query's output format (each ending with a newline)."""
    for row in rows:
        values = _values(row)
        chosen = {name: values[name] for name in query.fields}
        if query.output == "json":
            yield json.dumps(chosen) + "\n"
        elif query.output == "text":
            yield " ".join(chosen.values()) + "\n"
        elif query.output == "link":
            yield (
                f'<{memento_base}{row.ts}/{row.url}>; rel="memento"; '
                f'datetime="{http_date(row.ts)}"; collection="{row.crawl_id}",\n'
            )
        else:
            rest = {k: v for k, v in chosen.items() if k not in ("urlkey", "timestamp")}
            yield f"{values['urlkey']} {values['timestamp']} {json.dumps(rest)}\n"
