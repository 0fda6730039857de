"""Argument types for the sub-commands: a bad value is refused while parsing, in one line.

argparse's ``type=int`` takes ``--port 99999`` or ``--rate nan``; the value then fails much later
(after training a model for minutes, or deep inside a library as an internal error). These types
say what range is meant before anything runs.
"""

from __future__ import annotations

import argparse
import logging
import math
from collections.abc import Callable

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def int_range(low: int, high: int | None = None) -> Callable[[str], int]:
    """An integer of at least ``low`` (and at most ``high``)."""
    wanted = f"between {low} and {high}" if high is not None else f"at least {low}"

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"must be {wanted}, got {value}")
        return value

    return parse


def _finite(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def positive_float(text: str) -> float:
    """A finite number above 0 (a rate, a duration, a regularisation strength)."""
    value = _finite(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be above 0, got {text}")
    return value


def fraction(text: str) -> float:
    """A number from 0 to 1 inclusive (a threshold)."""
    value = _finite(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


def folds(text: str) -> int:
    """Cross-validation folds: 0 (off) or at least 2."""
    value = int_range(0)(text)
    if value == 1:
        raise argparse.ArgumentTypeError("must be 0 (no cross-validation) or at least 2, got 1")
    return value


def non_empty(text: str) -> str:
    """A name that must not be blank (it ends up in logs and dead-letter headers)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("must not be empty")
    return text


def log_level(text: str) -> str:
    """One of Python's level names, any case; the name is returned upper case."""
    level = text.upper()
    if level not in LOG_LEVELS or not isinstance(logging.getLevelName(level), int):
        raise argparse.ArgumentTypeError(f"choose from {', '.join(LOG_LEVELS)}, got {text!r}")
    return level


port = int_range(1, 65535)
positive_int = int_range(1)
