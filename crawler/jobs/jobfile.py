"""Load job files (YAML) into :class:`crawler.models.Job`, with errors that name field and line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from crawler.jobs.models import Job

__all__ = ["JobFileError", "load_job", "parse_job"]

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


def parse_job(text: str, source: str = "<job>") -> Job:
    """Validate YAML (or JSON, a subset of YAML) text into a Job."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise JobFileError(source, [("", line, f"not valid YAML: {exc}")]) from exc
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
