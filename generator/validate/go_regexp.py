"""A patch target's patterns as kustomize reads them: Go regular expressions, anchored.

kustomize compiles each pattern of a target (group, version, kind, name) as `^(?:pattern)$` with Go's regexp
package, and a pattern Go refuses fails the build (types.NewSelectorRegex and anchorRegex, api/types/selector.go
:54-85 at api/v0.21.1). Python's `re` reads another language: it takes lookarounds, backreferences, `\\Z`,
possessive quantifiers, atomic groups, `(?x)`, `\\u` and `\\N{...}`, which Go refuses, and it refuses `\\pL`,
`\\z`, `\\Q...\\E`, `(?<name>...)` and `(?U)`, which Go takes; `[[:alpha:]]` means something else to it. So the
patterns are read by RE2 (google-re2), whose syntax Go's regexp implements. The one difference found between
the two, `\\C` (any byte: RE2 takes it, Go refuses it), is checked here. Newer Go releases also take Unicode
class names RE2 does not know (`\\p{Letter}`, `\\p{greek}`, `\\p{ASCII}`): such a pattern is `unsure`, neither
refused nor matched here (the patch is then not checked, as one with strategic-merge directives is not).
tests/test_go_regexp.py compares each verdict with the real `kubectl kustomize` build.
"""

from __future__ import annotations

from typing import Any

from generator.memo import remembered_when_short

# Go's regexp/syntax, parseEscape: `\C` is no escape it knows (RE2's "any byte")
_ANY_BYTE = "C"
_QUOTE_START, _QUOTE_END = "\\Q", "\\E"
# RE2's error for a Unicode class name it does not know, which a newer Go may know
_UNKNOWN_CLASS = "invalid character class range: \\p"
_UNSURE = object()
# RE2 refuses a large program (`\\pL{1000}`) under its default 8 MiB; Go builds it
_MOST_MEMORY = 1 << 30


def refusal(pattern: str) -> str | None:
    """Why Go's regexp refuses `pattern` as kustomize anchors it, or None when it takes it (or may: `unsure`)."""
    found = _compiled(pattern)
    return found if isinstance(found, str) else None


def unsure(pattern: str) -> bool:
    """Whether `pattern` names a Unicode class that RE2 does not know and a newer Go may: it is neither refused
    nor matched here."""
    return _compiled(pattern) is _UNSURE


def full_match(pattern: str, value: str) -> bool:
    """Whether `pattern` matches all of `value`, as kustomize matches a target's pattern; a pattern Go refuses
    matches nothing (the build fails on it, which `refusal` words), nor does an `unsure` one."""
    found = _compiled(pattern)
    return not isinstance(found, str) and found is not _UNSURE and found.search(value) is not None


@remembered_when_short(256)
def _compiled(pattern: str) -> Any:
    """The anchored pattern compiled, or the text of the error Go's regexp would give."""
    import re2  # at first use: only an environment whose patches have targets needs it (2 ms of a start)

    if _escapes_any_byte(pattern):
        return f"invalid escape sequence: \\{_ANY_BYTE}"
    options = re2.Options()
    options.log_errors = False  # RE2 would print each refused pattern on standard error
    options.max_mem = _MOST_MEMORY
    try:
        return re2.compile(f"^(?:{pattern})$", options)
    except re2.error as error:
        reason = error.args[0] if error.args else ""
        text = reason.decode(errors="replace") if isinstance(reason, bytes) else str(reason)
        return _UNSURE if text.startswith(_UNKNOWN_CLASS) else text


def _escapes_any_byte(pattern: str) -> bool:
    """Whether `pattern` holds the escape `\\C` outside a quoted `\\Q...\\E` run (in a class too)."""
    index = 0
    while index < len(pattern) - 1:
        if pattern[index] != "\\":
            index += 1
        elif pattern.startswith(_QUOTE_START, index):
            end = pattern.find(_QUOTE_END, index + len(_QUOTE_START))
            if end < 0:
                return False  # the rest is quoted text
            index = end + len(_QUOTE_END)
        elif pattern[index + 1] == _ANY_BYTE:
            return True
        else:
            index += 2
    return False
