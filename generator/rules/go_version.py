"""rayVersion as the operator reads it: k8s.io/apimachinery's version.ParseGeneric, and its comparison.

ParseGeneric (pkg/util/version/version.go) takes two or more dot-separated numbers, the first without a leading
zero, after optional whitespace and a `v`, and ignores what follows them (`2.52.0rc1` is 2.52.0). Versions compare
number by number, missing ones being 0: 2.52 equals 2.52.0 (compareInternal).
"""

from __future__ import annotations

import functools
import re

# versionMatchRE: Go's \s is [\t\n\f\r ], and its `.` takes no newline, as Python's does without DOTALL
_GENERIC = re.compile(r"[\t\n\f\r ]*v?([0-9]+(?:\.[0-9]+)*)(.*)")
_UINT_LIMIT = 1 << 64  # strconv.ParseUint(component, 10, 0) on a 64-bit machine

Version = tuple[int, ...]


@functools.lru_cache(maxsize=1024)  # every group of every environment names one of a few versions
def generic_version(text: str | None) -> Version | None:
    """The numbers ParseGeneric reads from `text`, or None where it returns an error."""
    found = _GENERIC.fullmatch(text or "")
    if found is None:
        return None
    components = found.group(1).split(".")
    if len(components) < 2 or (components[0].startswith("0") and components[0] != "0"):
        return None
    numbers = tuple(int(component) for component in components)
    return None if any(number >= _UINT_LIMIT for number in numbers) else numbers


def compare_versions(one: Version, other: Version) -> int:
    """-1, 0 or 1 as `one` is below, equal to or above `other`, missing numbers being 0."""
    width = max(len(one), len(other))
    padded, other_padded = one + (0,) * (width - len(one)), other + (0,) * (width - len(other))
    return (padded > other_padded) - (padded < other_padded)


def dotted(version: Version) -> str:
    return ".".join(str(number) for number in version)
