"""Substrings that every match of a regular expression contains.

Every match of ``comment-?list|^reply-`` contains ``comment`` or ``reply-``. Testing for
those substrings is far cheaper than running the expression, and rules out most strings:
``crawler.speedups.xpath`` puts such a test (XPath's ``contains()``) in front of trafilatura's
``re:test`` calls.

The analysis walks the pattern as Python's own parser reads it, so it sees exactly the
syntax ``re`` runs. It only has to be sound (a string without any of the substrings has no
match), not complete: whatever it does not understand makes it return ``None``.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable
from typing import Any

__all__ = ["required_substrings"]

_MAX_STRINGS = 32
"""Size bound of any set of strings built on the way (an alternation of literals, a
character class times a literal...): beyond it, that part of the pattern says nothing."""

_parser: Any = None
_c: Any = None
try:  # the parser re itself uses; private, so any change of its shape disables the analysis
    _parser = importlib.import_module("re._parser")
    _c = importlib.import_module("re._constants")
except ImportError:  # pragma: no cover
    _parser = None


def required_substrings(pattern: str, flags: int = 0) -> frozenset[str] | None:
    """Non-empty strings of which every match of ``pattern`` contains at least one, or
    ``None`` when the analysis finds none (always for case-insensitive patterns)."""
    if _parser is None or flags & (re.IGNORECASE | re.LOCALE | re.ASCII):
        return None
    try:
        parsed = _parser.parse(pattern, flags)
        if parsed.state.flags & re.IGNORECASE:  # an inline (?i)
            return None
        return _factors(list(parsed))
    except (re.error, AttributeError, TypeError, ValueError, RecursionError):
        return None


def _factors(items: list[tuple[Any, Any]]) -> frozenset[str] | None:
    """The best set of required substrings of a sequence of pattern items."""
    best: frozenset[str] | None = None
    empty = frozenset({""})
    run = tail = empty  # what the latest items match, joined; tail: since the last choice

    def consider(candidate: frozenset[str] | None) -> None:
        nonlocal best
        if candidate and "" not in candidate:
            candidate = _minimal(candidate)
            if _better(candidate, best):
                best = candidate

    for op, av in items:
        exact = _exact_item(op, av)
        if exact is not None and len(exact) > 1:
            consider(run)  # "comment" before "comment-?list" branches in two
            consider(tail)
            consider(_item_factors(op, av))  # "title" in "(?:post-|entry-)title"
            tail = empty
        elif exact is not None:
            tail = _product(tail, exact) or empty
        if exact is not None:
            joined = _product(run, exact)
            if joined is not None:
                run = joined
                continue
            consider(run)
            run = exact
            continue
        consider(run)
        consider(tail)
        run = tail = empty
        consider(_item_factors(op, av))
    consider(run)
    consider(tail)
    return best


def _item_factors(op: Any, av: Any) -> frozenset[str] | None:
    alternatives = _alternatives(op, av)
    if alternatives is not None:
        return _union(_factors(items) for items in alternatives)
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
        low, _high, sub = av
        return _factors(list(sub)) if low >= 1 else None
    return None


def _exact(items: list[tuple[Any, Any]]) -> frozenset[str] | None:
    """Every string the items can match (a superset), if it is small and finite."""
    out: frozenset[str] | None = frozenset({""})
    for op, av in items:
        item = _exact_item(op, av)
        if item is None or out is None:
            return None
        out = _product(out, item)
    return out


def _exact_item(op: Any, av: Any) -> frozenset[str] | None:
    if op is _c.LITERAL:
        return frozenset({chr(av)})
    if op is _c.IN:
        return _class_members(av)
    if op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):
        return frozenset({""})  # zero width: the text around it stays contiguous
    alternatives = _alternatives(op, av)
    if alternatives is not None:
        return _union(_exact(items) for items in alternatives)
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
        return _repeated(*av)
    return None


def _repeated(low: int, high: Any, sub: Any) -> frozenset[str] | None:
    if high is _c.MAXREPEAT or high > 4:
        return None
    one = _exact(list(sub))
    if one is None:
        return None
    out: set[str] = set()
    power: frozenset[str] | None = frozenset({""})
    for count in range(high + 1):
        if power is None:
            return None
        if count >= low:
            out |= power
        power = _product(power, one)
    return frozenset(out) if len(out) <= _MAX_STRINGS else None


_UNKNOWN: list[list[tuple[Any, Any]]] = [[(None, None)]]
"""One sequence of one item that nothing is known about: its analysis gives ``None``."""


def _alternatives(op: Any, av: Any) -> list[list[tuple[Any, Any]]] | None:
    """The item sequences a group or a choice stands for (None for any other item). A group
    whose scoped flag changes how letters match (``(?i:...)``) stands for ``_UNKNOWN``."""
    if op is _c.SUBPATTERN:
        _group, add, remove, sub = av
        if (add | remove) & (re.IGNORECASE | re.LOCALE | re.ASCII):
            return _UNKNOWN
        return [list(sub)]
    if op is _c.ATOMIC_GROUP:
        return [list(av)]
    if op is _c.BRANCH:
        return [list(branch) for branch in av[1]]
    return None


def _class_members(items: list[tuple[Any, Any]]) -> frozenset[str] | None:
    members: set[str] = set()
    for op, av in items:
        if op is _c.LITERAL:
            members.add(chr(av))
        elif op is _c.RANGE and av[1] - av[0] < 8:
            members.update(chr(code) for code in range(av[0], av[1] + 1))
        else:  # negation, categories (\w, \s...), wide ranges
            return None
    return frozenset(members) if members else None


def _product(left: frozenset[str], right: frozenset[str]) -> frozenset[str] | None:
    if len(left) * len(right) > _MAX_STRINGS:
        return None
    return frozenset(a + b for a in left for b in right)


def _union(sets: Iterable[frozenset[str] | None]) -> frozenset[str] | None:
    out: set[str] = set()
    for one in sets:
        if one is None:
            return None
        out |= one
        if len(out) > _MAX_STRINGS:
            return None
    return frozenset(out)


def _minimal(strings: frozenset[str]) -> frozenset[str]:
    """Without the strings that contain another one: a text that contains ``aab`` contains
    ``ab``, so ``{ab}`` needs no ``aab``."""
    return frozenset(s for s in strings if not any(t != s and t in s for t in strings))


def _better(candidate: frozenset[str], best: frozenset[str] | None) -> bool:
    """Fewer strings (fewer tests) once each has 4 characters (selective enough), then
    longer ones."""
    if best is None:
        return True
    return _rank(candidate) > _rank(best)


def _rank(strings: frozenset[str]) -> tuple[int, int, int]:
    shortest = min(map(len, strings))
    return (min(shortest, 4), -len(strings), shortest)
