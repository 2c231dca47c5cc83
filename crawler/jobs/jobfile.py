"""Load job files (YAML) into :class:`crawler.models.Job`, with errors that name field and line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from crawler.jobs.models import Job

__all__ = ["MAX_DEPTH", "MAX_NODES", "JobFileError", "load_job", "parse_job"]

_Loc = tuple[str | int, ...]


class JobFileError(ValueError):
    """A job file that cannot be used; ``problems`` lists ``(field, line, message)``."""

    def __init__(self, source: str, problems: list[tuple[str, int | None, str]]) -> None:
        self.source = source
        self.problems = problems
        lines = [
            f"  {field or '(file)'}{f' (line {line})' if line else ''}: {message}"
            for field, line, message in problems
        ]
        super().__init__(f"{source}: invalid job file\n" + "\n".join(lines))


def _index_lines(node: yaml.Node, loc: _Loc, out: dict[_Loc, int]) -> None:
    out[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = (*loc, str(key.value))
            out[child] = key.start_mark.line + 1
            _index_lines(value, child, out)
            out[child] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index_lines(item, (*loc, i), out)


def _line_for(loc: _Loc, lines: dict[_Loc, int]) -> int | None:
    while loc:
        if loc in lines:
            return lines[loc]
        loc = loc[:-1]
    return lines.get(())


MAX_NODES = 20_000
"""Values a job file may hold once its aliases are expanded (a real job: a few hundred)."""
MAX_DEPTH = 30
"""Nesting a job file may reach (a real job: 5)."""


def _check_size(node: yaml.Node, source: str) -> None:
    """Refuse a document whose aliases expand past :data:`MAX_NODES` values ("billion
    laughs": a few hundred bytes that would take gigabytes once validated) or nested past
    :data:`MAX_DEPTH`; the problem names the line. Sizes are counted on the node graph, each
    shared node once per reference, without expanding anything."""
    sizes: dict[int, int] = {}

    def size(current: yaml.Node, depth: int) -> int:
        if depth > MAX_DEPTH:
            raise JobFileError(
                source,
                [("", current.start_mark.line + 1, f"nested more than {MAX_DEPTH} levels deep")],
            )
        known = sizes.get(id(current))
        if known is not None:
            return known
        total = 1
        if isinstance(current, yaml.MappingNode):
            total += sum(size(k, depth + 1) + size(v, depth + 1) for k, v in current.value)
        elif isinstance(current, yaml.SequenceNode):
            total += sum(size(item, depth + 1) for item in current.value)
        if total > MAX_NODES:
            line = current.start_mark.line + 1
            message = f"more than {MAX_NODES} values once its aliases are expanded"
            raise JobFileError(source, [("", line, message)])
        sizes[id(current)] = total
        return total

    size(node, 0)


def _load(text: str, source: str) -> tuple[yaml.Node | None, Any]:
    """The YAML node graph (with lines) and its value, each parsed once and bounded."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise JobFileError(source, [("", line, f"not valid YAML: {exc}")]) from exc
    except RecursionError:
        raise JobFileError(source, [("", None, "nested too deeply to be a job file")]) from None
    if node is None:
        return None, None
    _check_size(node, source)
    loader = yaml.SafeLoader("")
    try:
        return node, loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise JobFileError(source, [("", line, f"not valid YAML: {exc}")]) from exc
    finally:
        loader.dispose()


def parse_job(text: str, source: str = "<job>") -> Job:
    """Validate YAML (or JSON, a subset of YAML) text into a Job."""
    node, data = _load(text, source)
    if not isinstance(data, dict):
        raise JobFileError(source, [("", 1, "a job file is a mapping (name: ..., seeds: ...)")])
    lines: dict[_Loc, int] = {}
    if node is not None:
        _index_lines(node, (), lines)
    try:
        job = Job.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = tuple(error["loc"])
            message = "unknown field" if error["type"] == "extra_forbidden" else error["msg"]
            problems.append((_dotted(loc), _line_for(loc, lines), message))
        raise JobFileError(source, problems) from None
    unsafe = job.unsafe_seeds()
    if unsafe:
        raise JobFileError(source, [(_dotted(loc), _line_for(loc, lines), m) for loc, m in unsafe])
    return job


def _dotted(loc: _Loc) -> str:
    return ".".join(str(part) for part in loc)


def load_job(path: str | Path) -> Job:
    """Read and validate one job file; errors name the file, the field and the line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise JobFileError(str(path), [("", None, f"cannot read: {exc.strerror}")]) from exc
    except UnicodeDecodeError as exc:
        raise JobFileError(str(path), [("", None, f"not UTF-8 text: {exc}")]) from exc
    return parse_job(text, str(path))
