"""Remembering what a pure function of a text gives, for short texts only.

Files and rendered objects repeat their short texts (keys, names, numbers) over and over; a long one (a script,
a one-line JSON value) seldom repeats, and keeping it would hold memory for nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

Result = TypeVar("Result")

MOST_REMEMBERED = 1 << 14


def remembered_when_short(longest: int) -> Callable[[Callable[[str], Result]], Callable[[str], Result]]:
    """A decorator: the function's results for texts of at most `longest` characters are remembered (the
    MOST_REMEMBERED used last), those of longer texts worked out on each call. An exception is never
    remembered."""

    def decorate(function: Callable[[str], Result]) -> Callable[[str], Result]:
        remembered = functools.lru_cache(maxsize=MOST_REMEMBERED)(function)

        @functools.wraps(function)
        def call(text: str) -> Result:
            return remembered(text) if len(text) <= longest else function(text)

        return call

    return decorate
