"""JSON Schema's `pattern` keyword with `$` ending the text, for the validators of the jsonschema library.

A pattern's `$` ends the text to everyone who reads our schemas but Python: JSON Schema takes patterns as
ECMA-262 regular expressions, jsonschema-rs and the API server (Go's regexp, for a CRD's pattern) read `$`
as the end of the input. Python's `re` also matches `$` before a final line break, so jsonschema took
"dashboard\\n" for a port name and "1\\n" for a quantity: a value the API server refuses let through, for
the environment schema as much as for the CRDs and Kubernetes kinds (SchemaValidator asks jsonschema about
every document jsonschema-rs refuses). The keyword below reads each `$` outside a character class as the
end of the text; everything else of the pattern is Python's reading, as jsonschema's own keyword has it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from jsonschema.protocols import Validator

# a lookahead that no character follows: the end of the text in Python and ECMA-262 alike
_END_OF_TEXT = r"(?![\s\S])"


@functools.cache
def end_of_text_class(base: type[Validator] | None = None) -> type[Validator]:
    """`base` (Draft 2020-12's validator by default) with `pattern` read as the API server reads it."""
    from jsonschema import Draft202012Validator
    from jsonschema.validators import extend

    # jsonschema's extend is untyped
    extended = extend(base or Draft202012Validator, {"pattern": _pattern})  # type: ignore[no-untyped-call]
    return cast("type[Validator]", extended)


def _pattern(validator: Validator, pattern: str, instance: Any, _schema: Any) -> Iterator[Any]:
    from jsonschema.exceptions import ValidationError

    if validator.is_type(instance, "string") and end_anchored(pattern).search(instance) is None:
        yield ValidationError(f"{instance!r} does not match {pattern!r}")  # jsonschema's wording


@functools.lru_cache(maxsize=1024)
def end_anchored(pattern: str) -> re.Pattern[str]:
    """`pattern` compiled with each `$` outside a character class matching the end of the text only."""
    out: list[str] = []
    index, in_class = 0, False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            out.append(pattern[index : index + 2])
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            out.append(char)
            index += 1
            # to Python, a `]` first in a class (after a `^`) is the character itself
            if pattern[index : index + 1] == "^":
                out.append("^")
                index += 1
            if pattern[index : index + 1] == "]":
                out.append("]")
                index += 1
            continue
        elif char == "$":
            out.append(_END_OF_TEXT)
            index += 1
            continue
        out.append(char)
        index += 1
    return re.compile("".join(out))
