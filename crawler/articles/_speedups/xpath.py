"""Cheaper, equivalent forms of trafilatura's XPath expressions.

trafilatura prunes boilerplate with XPath expressions such as
``.//*[self::div or ...][re:test(@id, '...') or re:test(@class, '...')]``. Each EXSLT
``re:test`` is a call from libxml2 back into Python, made for every candidate element,
whether or not it has the attribute. An element without ``@id`` tests the empty string,
which a pattern that cannot match the empty string never matches. So

    re:test(@id, 'P')   is rewritten as   ((@id) and re:test(@id, 'P'))

when ``P`` does not match ``""``: the same result, and libxml2's ``and`` skips the call for
elements without the attribute (~5% of extraction time on news pages). Patterns that match
the empty string are left as they are.

Most elements do have a ``class``, so the guard goes further when it can: every match of
``comment-?list|^reply-`` contains ``comment`` or ``reply-`` (``crawler.speedups.regex_literals``),
so the call is made only for values that pass
``contains(@class, 'comment') or contains(@class, 'reply-')``, which libxml2 runs natively
(another ~6%). Case-insensitive patterns (``'i'``) keep the presence test alone: the
``translate()`` they would need costs more than the call it spares, and so do more than
eight ``contains()``.

``.//x`` abbreviates ``descendant-or-self::node()/child::x``: libxml2 builds the larger node
set first. Without positional predicates (``[1]``, ``position()``, ``last()``) it selects the
same elements as ``descendant::x`` (~3% more). Expressions with one are left as they are;
``(...)[1]`` is not one (it picks from the whole node set, in document order).

A path that starts with ``descendant::*[self::div or self::p]`` makes libxml2 evaluate two
location paths, each building a node set, for every element of the page. The union
``(descendant::div|descendant::p)`` tests names as it walks, and is the same node set in the
same (document) order (~6% more).

Of the expressions in ``BODY_XPATH``, trafilatura reads only the first element selected, in
document order (``main_extractor._extract``). One of them, ``.//*[self::article or
...][P][1]``, selects the first matching child of every element; its positional predicate
keeps it in the slow ``descendant-or-self::node()/child::*`` form. The first of those is the
page's first matching element: ``((descendant::article|...)[P])[1]`` selects it alone, in
the union form above, in half the time (3–6% less extraction CPU on AEB).

``tests/test_speedups.py`` checks that every rewritten expression selects the same elements as
the original on real pages (the same first element, for those read only so); a rewrite that
does not compile is not used.
"""

from __future__ import annotations

import functools
import re
import sys
from typing import Any

from lxml import etree

from crawler.articles._speedups.regex_literals import required_substrings

__all__ = [
    "FIRST_READ",
    "POSITIONAL",
    "REGEXP_NS",
    "STRING_LITERAL",
    "first_only",
    "rewrite",
    "speed_up_xpaths",
]

REGEXP_NS = "http://exslt.org/regular-expressions"
_TEST = re.compile(r"re:test\((@[\w-]+(?:\|@[\w-]+)*),\s*'((?:[^'\\]|\\.)*)'(?:,\s*'([a-z]*)')?\)")
_MAX_CONTAINS = 8
"""More ``contains()`` tests than this cost more than the ``re:test`` they spare."""
POSITIONAL = re.compile(r"(?<!\))\[\s*\d+\s*\]|position\(\)|last\(\)")
"""A positional predicate on a step. ``(...)[1]`` is not one: it picks from the whole node
set in document order, which the rewrites inside the parentheses leave the same."""
STRING_LITERAL = re.compile(r"('[^']*'|\"[^\"]*\")")
"""A string literal, as a group: ``split`` puts literals at the odd indexes."""
FIRST_READ = ("BODY_XPATH",)
"""trafilatura's lists of expressions of which it reads only the first element selected."""
_ONE_STEP_FIRST = re.compile(r"\s*(\.//[\w*-]+((?:\[.*\])?))\[\s*1\s*\]\s*", re.S)
"""``.//name[...]...[1]``: one location step from the context node, ending in ``[1]``;
the step without that ``[1]``, and its other predicates."""
_NAME_TEST = r"(?=[A-Za-z_*])"
_STEPS = (  # (pattern, replacement), outside string literals
    (re.compile(r"(^|[\s|(\[,])\.//" + _NAME_TEST), r"\1descendant::"),  # .//x
    (re.compile(r"(^|[\s|(\[,])//" + _NAME_TEST), r"\1/descendant::"),  # //x from the root
    (re.compile(r"(?<=[\w\])*])//" + _NAME_TEST), r"/descendant::"),  # a/b//x
    (  # a path starting with descendant::*[self::a or self::b] -> (descendant::a|descendant::b)
        re.compile(
            r"(^|[(\[,|]|\bor|\band)(\s*)(/?descendant::)\*"
            r"\[\s*((?:self::[\w-]+\s+or\s+)*self::[\w-]+)\s*\]"
        ),
        lambda m: (
            m.group(1)
            + m.group(2)
            + "("
            + "|".join(m.group(3) + name for name in re.findall(r"self::([\w-]+)", m.group(4)))
            + ")"
        ),
    ),
)


def rewrite(path: str) -> str:
    """``path`` with its ``re:test`` calls guarded and its ``//`` steps direct."""
    return _descendant_steps(_guard_tests(path))


def first_only(path: str) -> str:
    """``path`` rewritten for a caller that reads only the first element it selects.

    ``.//x[P][1]`` selects, for every element, its first child matching ``x[P]``. The first
    of these in document order is the first descendant matching ``x[P]``: a child that
    matches comes after its earlier siblings, and after every element that precedes its
    parent. ``(.//x[P])[1]`` selects it alone. ``P`` must not be positional, and the path
    must be that one step; otherwise ``path`` is only rewritten.
    """
    match = _ONE_STEP_FIRST.fullmatch(path)
    if match is None or not _balanced(match.group(2)):
        return rewrite(path)
    inner = match.group(1)
    if POSITIONAL.search(inner):
        return rewrite(path)
    return f"({rewrite(inner)})[1]"


def _balanced(predicates: str) -> bool:
    """Whether ``predicates`` is a run of whole ``[...]`` groups (string literals aside)."""
    depth = 0
    for i, part in enumerate(STRING_LITERAL.split(predicates)):
        if i % 2:  # a string literal
            if depth == 0:
                return False
            continue
        for char in part:
            if char == "[":
                depth += 1
            elif char == "]":
                depth -= 1
                if depth < 0:
                    return False
            elif depth == 0 and not char.isspace():
                return False
    return depth == 0


def _descendant_steps(path: str) -> str:
    if POSITIONAL.search(path):
        return path
    parts = STRING_LITERAL.split(path)
    for i in range(0, len(parts), 2):  # odd parts are string literals
        for pattern, replacement in _STEPS:
            parts[i] = pattern.sub(replacement, parts[i])
    return "".join(parts)


def _guard_tests(path: str) -> str:
    """``path`` with each ``re:test(@attr, 'P')`` guarded by a cheaper necessary test."""

    def guard(match: re.Match[str]) -> str:
        attributes, pattern, flags = match.group(1), match.group(2), match.group(3) or ""
        if set(flags) - set("gi"):  # a flag this rewrite does not know: keep the test as is
            return match.group(0)
        re_flags = re.IGNORECASE if "i" in flags else 0
        try:
            if re.search(pattern, "", re_flags):
                return match.group(0)
        except re.error:  # not a pattern Python reads: keep the test as is
            return match.group(0)
        return f"(({_necessary(attributes, pattern, re_flags)}) and {match.group(0)})"

    return _TEST.sub(guard, path)


def _necessary(attributes: str, pattern: str, flags: int) -> str:
    """An XPath test true for every attribute value ``pattern`` matches: the attribute's
    presence and, when the pattern is case-sensitive, one of the substrings every match
    contains. (``translate()`` for the case-insensitive ones costs more than it spares.)"""
    names = attributes.split("|")
    substrings = required_substrings(pattern, flags)
    if (
        flags & re.IGNORECASE
        or not substrings
        or len(substrings) * len(names) > _MAX_CONTAINS
        or any("'" in s for s in substrings)
    ):
        return attributes
    tests = " or ".join(f"contains({name}, '{s}')" for name in names for s in sorted(substrings))
    return f"({attributes}) and ({tests})"


def _faster(expression: Any, read_first_only: bool = False) -> Any:
    path = first_only(expression.path) if read_first_only else rewrite(expression.path)
    if path == expression.path:
        return expression
    try:
        return etree.XPath(path, namespaces={"re": REGEXP_NS})
    except etree.XPathSyntaxError:  # a form this rewrite does not know: keep the original
        return expression


@functools.cache
def speed_up_xpaths() -> list[tuple[Any, Any]]:
    """Replace trafilatura's XPath expressions (in its loaded modules, in place, so every
    module holding them sees the change), once per process. An expression that several
    modules import is rewritten once. Returns ``(original, rewritten)`` pairs."""
    import trafilatura  # noqa: F401  (loads its modules)

    # (id(original), read for its first element only) -> (original, rewritten or itself)
    done: dict[tuple[int, bool], tuple[Any, Any]] = {}
    rewritten: set[int] = set()

    def faster(expression: Any, read_first_only: bool = False) -> Any:
        if not isinstance(expression, etree.XPath) or id(expression) in rewritten:
            return expression  # not an expression, or one already rewritten (a shared list)
        key = (id(expression), read_first_only)
        if key not in done:
            done[key] = (expression, _faster(expression, read_first_only))
            rewritten.add(id(done[key][1]))
        return done[key][1]

    for name, module in list(sys.modules.items()):
        if not name.startswith("trafilatura"):
            continue
        for attribute, value in list(vars(module).items()):
            if isinstance(value, list):
                first = attribute in FIRST_READ
                value[:] = [faster(expression, first) for expression in value]
            elif (new := faster(value)) is not value:
                setattr(module, attribute, new)
    return [(old, new) for old, new in done.values() if new is not old]
