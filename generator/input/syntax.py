"""YAML syntax errors in our words: what the parser's message most likely means in an environment file, where
the mistake is (which is not always where the parser stopped), and how to fix it.

Errors we have no reading for keep the parser's words.
"""

from __future__ import annotations

from dataclasses import dataclass

from ruamel.yaml.error import MarkedYAMLError


@dataclass(frozen=True)
class SyntaxReading:
    message: str
    hint: str | None
    line: int  # from 1
    column: int  # from 1


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def read_syntax_error(error: MarkedYAMLError, text: str) -> SyntaxReading | None:
    """Our reading of a parser error, or None when the parser stopped nowhere."""
    stop = error.problem_mark or error.context_mark
    if stop is None:
        return None
    start = error.context_mark or stop
    parser = " ".join(part for part in (error.context, error.problem) if part)
    lines = text.splitlines()
    line_text = lines[stop.line] if stop.line < len(lines) else ""
    problem = error.problem or ""
    context = error.context or ""

    def at_stop(message: str, hint: str | None) -> SyntaxReading:
        return SyntaxReading(message, hint, stop.line + 1, stop.column + 1)

    def at_start(message: str, hint: str | None) -> SyntaxReading:
        return SyntaxReading(message, hint, start.line + 1, start.column + 1)

    if "'\\t'" in problem:
        return at_stop("a tab character: YAML indents with spaces only", "replace the tab with spaces")
    for reserved in ("@", "`", "%"):
        if f"'{reserved}' that cannot start any token" in problem:
            return at_stop(
                f"a value cannot start with {reserved} unquoted (YAML reserves it)",
                f'quote the value: "{reserved}…"',
            )
    if "mapping values are not allowed here" in problem:
        before = line_text[: stop.column]
        if ": " in before.lstrip("- "):
            return at_stop(
                "a second ': ' on one line: YAML reads the text after the first one as a new key",
                "quote the value that holds ': ' (key: \"a: b\")",
            )
        key_column = len(line_text) - len(line_text.lstrip(" ")) + 1
        above = next((index for index in range(stop.line - 1, -1, -1) if lines[index].strip()), None)
        if above is not None and ":" not in lines[above] and _indent(lines[above]) == key_column - 1:
            return SyntaxReading(
                "this line has no ':', so YAML reads it and the next line as one text",
                "add ': ' after the key (key: value), or remove the line",
                above + 1,
                key_column,
            )
        return SyntaxReading(
            "this line is indented deeper than the key above it, so YAML takes it as part of that key's value",
            "start the key in the same column as its sibling keys",
            stop.line + 1,
            key_column,
        )
    for closing in ("}", "]"):
        if f"expected <block end>, but found '{closing}'" in problem:
            return at_stop(f"a '{closing}' that closes nothing", "remove it, or add the opening one it belongs to")
    if "expected <block end>, but found '<scalar>'" in problem and line_text[: stop.column].rstrip().endswith(
        ('"', "'")
    ):
        return at_stop("text after a closing quote", "put the whole value inside the quotes")
    if "expected <block end>" in problem:
        return at_stop(
            "the indentation of this line matches none of the blocks around it",
            "keys of one mapping start in the same column; the keys of a list item line up with the first key "
            "after its '- '",
        )
    if "could not find expected ':'" in problem:
        return at_start(
            "a line that is not 'key: value' nor a list item: a ':' is missing, or a value runs over several lines",
            "add ': ' after the key, or write a long value as a block (key: |) or in quotes",
        )
    if "quoted scalar" in context and "end of stream" in problem:
        return at_start("a quoted value is never closed", "close the quote where the value ends")
    if "flow sequence" in context or "flow mapping" in context:
        opening, closing, kind = ("[", "]", "list") if "sequence" in context else ("{", "}", "mapping")
        return at_start(
            f"a {opening}…{closing} {kind} that is not closed, or misses a ',' between items",
            f"close it with {closing} and separate its items with ', '",
        )
    if "single document" in context:
        return at_stop(
            "a second YAML document: '---' starts a new one, and an environment file is one document",
            "remove the '---' line (and what follows it, or move that to a file of its own)",
        )
    if "expected '<document start>'" in problem:
        return at_stop(
            "this line is indented less than the first line, so YAML cannot read it as part of the file's mapping",
            "start the top-level keys in the first column, each line of the file's first block as far in as the first",
        )
    if "undefined alias" in problem:
        name = problem.split("'")[1] if "'" in problem else ""
        return at_stop(
            f"*{name} refers to no anchor &{name} above it",
            f"define &{name} first, or quote the value if the '*' is meant as text",
        )
    return SyntaxReading(
        f"YAML syntax: {parser}",
        "check this line and the one above it: indentation, quotes and brackets must match up",
        stop.line + 1,
        stop.column + 1,
    )
