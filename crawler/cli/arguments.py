"""Types of the command line's values: a bad one is refused by argparse, naming the option."""

from __future__ import annotations

import argparse

__all__ = ["positive_float", "positive_int"]


def positive_int(value: str) -> int:
    """A whole number of at least 1 (processes, items)."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {number}")
    return number


def positive_float(value: str) -> float:
    """A number above 0 (seconds between two polls)."""
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not number > 0:  # NaN too
        raise argparse.ArgumentTypeError(f"must be above 0, not {value}")
    return number
