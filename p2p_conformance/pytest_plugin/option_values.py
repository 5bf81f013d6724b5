"""An option's number read once: a mistyped one gets one line saying what to give, not argparse's usage text."""

from __future__ import annotations

from typing import TypeVar

import pytest

Number = TypeVar("Number", int, float)


def number(value: object, option: str, kind: type[Number]) -> Number:
    """An option's number, or one line saying what to give."""
    try:
        return kind(str(value))
    except ValueError:
        whole = "a whole number" if kind is int else "a number"
        raise pytest.UsageError(f"{option} {value!r}: give {whole}") from None


def seconds(value: object, option: str, least: float, most: float) -> float:
    """A duration option: a finite number of seconds from ``least`` to ``most`` (nan and inf refused), or one
    line saying what to give."""
    seconds = number(value, option, float)
    if not least <= seconds <= most:  # False for nan as for anything out of range
        raise pytest.UsageError(f"{option} {value}: give a number of seconds from {least:g} to {most:g}")
    return seconds
