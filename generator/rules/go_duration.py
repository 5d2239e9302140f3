"""Go's time.ParseDuration, which the operator and robfig/cron call on durations the environment writes, and
strconv.Atoi, which they call on whole numbers (a duration's fallback, a cron field).

A port of the parse (Go's src/time/format.go, ParseDuration with leadingInt and leadingFraction): components
such as `1h30m` or `1.5s`, an optional sign, `0` alone, and a total within an int64 of nanoseconds. The
fraction is worked out in float64, as Go does, so a sub-nanosecond remainder is dropped as there.
"""

from __future__ import annotations

import re

_UNITS = {
    "ns": 1,
    "us": 1_000,
    "\u00b5s": 1_000,  # U+00B5 micro sign
    "\u03bcs": 1_000,  # U+03BC Greek mu
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
}
_LIMIT = 1 << 63
_DIGITS = "0123456789"


def go_duration(text: str) -> int | None:
    """The nanoseconds time.ParseDuration reads from `text`, or None where it returns an error."""
    rest, negative = text, False
    if rest[:1] in ("-", "+"):
        negative, rest = rest[0] == "-", rest[1:]
    if rest == "0":
        return 0
    if not rest:
        return None
    total = 0
    while rest:
        if rest[0] != "." and rest[0] not in _DIGITS:
            return None
        whole, rest = _leading(rest, _DIGITS)
        if whole and _overflows(whole):
            return None
        fraction = ""
        if rest[:1] == ".":
            fraction, rest = _leading(rest[1:], _DIGITS)
        if not whole and not fraction:
            return None  # no digits: ".s"
        unit_text, rest = _leading(rest, None)
        unit = _UNITS.get(unit_text)
        if unit is None:
            return None  # a missing or unknown unit
        value = int(whole or "0")
        if value > _LIMIT // unit:
            return None
        value *= unit
        digits, scale = _fraction(fraction)
        if digits > 0:
            value += int(float(digits) * (float(unit) / scale))
            if value > _LIMIT:
                return None
        total = (total + value) % (1 << 64)  # a uint64 in Go: 2^63 + 2^63 wraps to 0
        if total > _LIMIT:
            return None
    if negative:
        return -total
    return None if total > _LIMIT - 1 else total


def _leading(text: str, allowed: str | None) -> tuple[str, str]:
    """The longest start of `text` of characters in `allowed` (None: of anything but digits and '.'), and the
    rest."""
    end = 0
    while end < len(text) and ((text[end] in allowed) if allowed is not None else text[end] not in _DIGITS + "."):
        end += 1
    return text[:end], text[end:]


def _overflows(whole: str) -> bool:
    """leadingInt's overflow: beyond 1<<63 while the digits are read."""
    value = 0
    for digit in whole:
        if value > _LIMIT // 10:
            return True
        value = value * 10 + int(digit)
        if value > _LIMIT:
            return True
    return False


def _fraction(fraction: str) -> tuple[int, float]:
    """leadingFraction: the digits read until one more would overflow (the rest are dropped), and their scale."""
    value, scale, overflowed = 0, 1.0, False
    for digit in fraction:
        if overflowed:
            continue
        if value > (_LIMIT - 1) // 10:
            overflowed = True
            continue
        candidate = value * 10 + int(digit)
        if candidate > _LIMIT:
            overflowed = True
            continue
        value, scale = candidate, scale * 10
    return value, scale


def go_atoi(text: str) -> int | None:
    """Go's strconv.Atoi: an optional sign and decimal digits that fit in an int64, else None."""
    if not _ATOI.fullmatch(text):
        return None
    number = int(text)
    return number if -_LIMIT <= number < _LIMIT else None


_ATOI = re.compile(r"[+-]?[0-9]+")
