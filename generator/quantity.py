"""Kubernetes resource quantities as exact numbers, to compare requests with limits."""

from __future__ import annotations

import functools
import re
from decimal import Decimal

_SUFFIXES = {
    "Ki": Decimal(2) ** 10, "Mi": Decimal(2) ** 20, "Gi": Decimal(2) ** 30, "Ti": Decimal(2) ** 40,
    "Pi": Decimal(2) ** 50, "Ei": Decimal(2) ** 60,
    "n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "": Decimal(1),
    "k": Decimal("1e3"), "M": Decimal("1e6"), "G": Decimal("1e9"), "T": Decimal("1e12"), "P": Decimal("1e15"),
    "E": Decimal("1e18"),
}  # fmt: skip
_QUANTITY = re.compile(r"^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?$")


def parse_quantity(value: str | int | float) -> Decimal | None:
    """The quantity's value in base units (cores, bytes), or None when it is not a quantity."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return Decimal(str(value))
    return _parse_text(value)


@functools.lru_cache(maxsize=1 << 12)  # environments repeat the same few quantities
def _parse_text(value: str) -> Decimal | None:
    match = _QUANTITY.match(value)
    if match is None:
        return None
    try:
        return Decimal(match.group(1)) * _SUFFIXES[match.group(2) or ""]
    except ArithmeticError:  # InvalidOperation, and Overflow past the context's exponent (1e999999999)
        return None


def whole_bytes(value: object) -> int | None:
    """A quantity written as text (2Gi, 1G) as the whole number of bytes it is, for the fields that count bytes
    where Kubernetes' units are not read (`ray start --memory`, Serve's memory); None when it is no such amount."""
    amount = parse_quantity(value) if isinstance(value, str) else None
    if amount is None or amount < 0 or amount != amount.to_integral_value():
        return None
    return int(amount)
